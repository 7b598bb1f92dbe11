//! The audit log: who changed what, when and from where. The store's part of
//! [`super::MetadataStore`] that keeps it.

use async_trait::async_trait;

use super::StoreError;
use crate::{NamespaceId, Timestamp, UserId};

/// Appends and reads audit events.
#[async_trait]
pub trait AuditStore {
    /// Appends an event.
    async fn record_audit(&self, event: NewAuditEvent) -> Result<(), StoreError>;
    /// The events matching `filter`, newest first, at most `filter.limit`.
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError>;
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    /// The namespace acted in.
    pub namespace: NamespaceId,
    /// Who acted; `None` for the command line.
    pub user: Option<UserId>,
    /// What was done: the API operation id (`assets_patch`, `members_set`) or a CLI
    /// command (`cli_user_set_role`).
    pub action: String,
    /// What it was done to: the ids in the request path, or the id created.
    pub target: Option<String>,
    /// The HTTP status answered (0 for the command line).
    pub status: u16,
    /// The client's IP address, when known.
    pub ip: Option<String>,
}

/// A recorded event.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Id, increasing with time.
    pub id: i64,
    /// The namespace acted in.
    pub namespace: NamespaceId,
    /// Who acted, with their current name (`deleted-user-{id}` once anonymized).
    pub user: Option<(UserId, String)>,
    /// What was done (see [`NewAuditEvent::action`]).
    pub action: String,
    /// What it was done to.
    pub target: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The client's IP address (removed when the user is anonymized).
    pub ip: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// Which events to read.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    /// Only this namespace's (`None`: every namespace, for a user's data export).
    pub namespace: Option<NamespaceId>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this user's.
    pub user: Option<UserId>,
    /// Only events older than this id (the last id of the previous page).
    pub before: Option<i64>,
    /// Most events returned.
    pub limit: u32,
}
