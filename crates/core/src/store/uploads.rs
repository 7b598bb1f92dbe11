//! Resumable upload sessions' contract.

use async_trait::async_trait;

use super::StoreError;
use crate::{AssetId, Timestamp, UploadId, UploadSession};

/// Resumable (tus) upload sessions.
#[async_trait]
pub trait UploadStore {
    /// Records a new upload session.
    async fn create_upload(&self, session: &UploadSession) -> Result<(), StoreError>;

    /// An upload session, expired or not (the caller compares `expires_at`).
    async fn get_upload(&self, id: UploadId) -> Result<Option<UploadSession>, StoreError>;

    /// Records that `offset` bytes have arrived and keeps the session until `expires_at`.
    /// `NotFound` when the session is gone (deleted meanwhile).
    async fn set_upload_offset(
        &self,
        id: UploadId,
        offset: u64,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

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
