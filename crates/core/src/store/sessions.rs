//! Browser sessions: the store's part of [`super::MetadataStore`] that keeps them. A
//! session is a random id held in a cookie; only its SHA-256 is stored.

use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;
use crate::access::Principal;
use crate::{NamespaceId, Sha256, UserId};

/// Creates, resolves and ends browser sessions.
#[async_trait]
pub trait SessionStore {
    /// Records a new session for `user` acting in `namespace`.
    async fn create_session(
        &self,
        id_hash: &Sha256,
        user: UserId,
        namespace: NamespaceId,
    ) -> Result<(), StoreError>;
    /// The principal of a live session: one used within `limits.idle` and created within
    /// `limits.max_age`, whose user is not anonymized and still has a role in its
    /// namespace (or is the owner). Its scopes are all the role allows. Records the use
    /// when the last record is older than a quarter of the idle timeout or a minute,
    /// whichever is shorter, so that not every request writes. An ended session is
    /// deleted and `None` returned.
    async fn session(
        &self,
        id_hash: &Sha256,
        limits: SessionLimits,
    ) -> Result<Option<Principal>, StoreError>;
    /// Ends a session (logout). `false` when there was none.
    async fn delete_session(&self, id_hash: &Sha256) -> Result<bool, StoreError>;
    /// Deletes every ended session; returns how many.
    async fn purge_sessions(&self, limits: SessionLimits) -> Result<u64, StoreError>;
}

/// When sessions end.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Longest time between two uses.
    pub idle: Duration,
    /// Longest time since login.
    pub max_age: Duration,
}
