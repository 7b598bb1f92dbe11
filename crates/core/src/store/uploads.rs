//! Resumable upload sessions' contract.

use async_trait::async_trait;

use super::StoreError;
use crate::{AssetId, Timestamp, UploadId, UploadSession};

/// Upload sessions (tus and chunked) and their leases.
#[async_trait]
pub trait UploadStore {
    /// Records a new upload session.
    async fn create_upload(&self, session: &UploadSession) -> Result<(), StoreError>;

    /// An upload session, expired or not (the caller compares `expires_at`).
    async fn get_upload(&self, id: UploadId) -> Result<Option<UploadSession>, StoreError>;

    /// Takes, or renews, the lease on session `id` for the holder of `token`, until
    /// `until`: granted when nobody holds it, `token` holds it, or its holder's lease ended
    /// before `now`. `false` when someone else holds it, or the session is gone.
    async fn lease_upload(
        &self,
        id: UploadId,
        token: uuid::Uuid,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Gives up the lease `token` holds on session `id` (nothing when it holds none).
    async fn release_upload(&self, id: UploadId, token: uuid::Uuid) -> Result<(), StoreError>;

    /// Records that `offset` bytes have arrived and keeps the session until `expires_at`,
    /// if `lease` still holds the session. `false` when it lost its lease, or the
    /// session is gone (deleted meanwhile): nothing is recorded then.
    async fn set_upload_offset(
        &self,
        id: UploadId,
        offset: u64,
        expires_at: Timestamp,
        lease: uuid::Uuid,
    ) -> Result<bool, StoreError>;

    /// Records the asset a finished upload became, kept until `expires_at`.
    async fn finish_upload(
        &self,
        id: UploadId,
        asset: AssetId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Removes a session; `false` when there was none.
    async fn delete_upload(&self, id: UploadId) -> Result<bool, StoreError>;

    /// The sessions whose `expires_at` is not after `now`, oldest first.
    async fn expired_uploads(&self, now: Timestamp) -> Result<Vec<UploadId>, StoreError>;
}
