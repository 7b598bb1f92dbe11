//! Namespaces, users, memberships and API tokens: the records and the store's part of
//! [`super::MetadataStore`] that keeps them.

use async_trait::async_trait;

use super::StoreError;
use crate::access::{Principal, Role, Scopes};
use crate::{NamespaceId, Sha256, Timestamp, UserId};

/// Who exists and who may do what: namespaces, users, their roles, API tokens.
#[async_trait]
pub trait AccessStore {
    /// Whether any API token exists (to decide whether to create the first one).
    async fn has_tokens(&self) -> Result<bool, StoreError>;
    /// Creates the instance owner (`admin`, admin of the default namespace) if missing
    /// and stores a token hash for it with every scope.
    async fn create_admin_token(&self, name: &str, token_hash: &Sha256) -> Result<(), StoreError>;
    /// The principal behind a token hash: `None` when the token is unknown, revoked or
    /// expired, or its user has no role in its namespace any more (and is not the owner)
    /// or was anonymized or disabled. Records `last_used_at` (at most once a minute).
    async fn authenticate(&self, token_hash: &Sha256) -> Result<Option<Principal>, StoreError>;

    /// Creates a namespace. Errors: `Conflict` when the slug is taken.
    async fn create_namespace(&self, slug: &str, name: &str) -> Result<Namespace, StoreError>;
    /// Every namespace, oldest first.
    async fn list_namespaces(&self) -> Result<Vec<Namespace>, StoreError>;

    /// Changes what `change` names (its `None` fields stay as they are); `None` when there
    /// is no such namespace.
    async fn update_namespace(
        &self,
        namespace: NamespaceId,
        change: &NamespaceChange,
    ) -> Result<Option<Namespace>, StoreError>;
    /// Up to `limit` of the namespace's assets, live and in the trash, and all its upload
    /// sessions: what must be purged before the namespace can be deleted.
    async fn namespace_contents(
        &self,
        namespace: NamespaceId,
        limit: u32,
    ) -> Result<NamespaceContents, StoreError>;
    /// Deletes an empty namespace, in one transaction, with everything that only
    /// organises or admits to it: tags, collections, memberships, tokens, sessions, its
    /// audit log, webhooks and their queued events. `false` when there is no such
    /// namespace. Errors: `Conflict` while it holds an asset (live or in the trash) or
    /// an upload session.
    async fn delete_namespace(&self, namespace: NamespaceId) -> Result<bool, StoreError>;

    /// Creates a user (not the owner) with an optional email and password hash
    /// (argon2id PHC string). Errors: `Conflict` when the name or email is taken.
    async fn create_user(
        &self,
        name: &str,
        email: Option<&str>,
        password_hash: Option<&str>,
    ) -> Result<User, StoreError>;
    /// Changes what `change` names; `None` when there is no such user or they were
    /// anonymized. Errors: `Conflict` when the new name or email is taken.
    async fn update_user(
        &self,
        user: UserId,
        change: &UserChange,
    ) -> Result<Option<User>, StoreError>;
    /// Sets (`Some`, an argon2id PHC string) or removes a user's password. `false` when
    /// there is no such user, or they were anonymized.
    async fn set_password(&self, user: UserId, hash: Option<&str>) -> Result<bool, StoreError>;
    /// The user with this login name and their password hash, when they have a password
    /// and are neither anonymized nor disabled.
    async fn password_hash(&self, name: &str) -> Result<Option<(User, String)>, StoreError>;
    /// Every user, oldest first.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// The user with this login name.
    async fn find_user(&self, name: &str) -> Result<Option<User>, StoreError>;
    /// The user with this id.
    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// Anonymizes a user (GDPR erasure), in one transaction: the name becomes
    /// `deleted-user-{id}`, the email and password are removed, every token is revoked,
    /// every session ended, every role removed, and the IP addresses of their audit events cleared. The row,
    /// their assets and their audit events stay, attributed to the anonymized user.
    /// Anonymizing twice changes nothing more. `None` when there is no such user.
    async fn anonymize_user(&self, user: UserId) -> Result<Option<User>, StoreError>;
    /// Gives `user` the `role` in `namespace`, or removes them from it (`None`).
    async fn set_role(
        &self,
        user: UserId,
        namespace: NamespaceId,
        role: Option<Role>,
    ) -> Result<(), StoreError>;
    /// The namespace's members with their roles, by user id.
    async fn members(&self, namespace: NamespaceId) -> Result<Vec<(User, Role)>, StoreError>;
    /// The user's roles, by namespace id.
    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError>;

    /// Records a token (its hash) and returns it as listed.
    async fn create_token(&self, new: NewToken) -> Result<TokenInfo, StoreError>;
    /// The user's tokens, newest first, revoked ones included.
    async fn list_tokens(&self, user: UserId) -> Result<Vec<TokenInfo>, StoreError>;
    /// Revokes the user's token `id`; it stops working at once. `false` when the user
    /// has no such token (or it was revoked already).
    async fn revoke_token(&self, user: UserId, id: i64) -> Result<bool, StoreError>;
}

/// A namespace (workspace): the unit of isolation for assets, tags, collections,
/// uploads, dedup, search, quotas and analytics.
#[derive(Debug, Clone)]
pub struct Namespace {
    /// Id.
    pub id: NamespaceId,
    /// URL-safe unique name, e.g. `sports-desk`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Byte quota of originals; `None` uses `quotas.bytes`.
    pub quota_bytes: Option<u64>,
    /// Asset quota; `None` uses `quotas.assets`.
    pub quota_assets: Option<u64>,
    /// Days after which an asset used nowhere and not viewed goes to the trash; `None`
    /// uses `retention.unused_days`, 0 turns retention off here.
    pub retention_days: Option<u32>,
    /// What happens to pictures the moderation analyser scores as not safe for work.
    pub moderation: crate::analysis::ModerationPolicy,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A user. Anonymizing one blanks `name` (to `deleted-user-{id}`), `email` and the
/// password, and keeps the row so that their assets stay attributed.
#[derive(Debug, Clone)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Unique login name.
    pub name: String,
    /// Email address, if given.
    pub email: Option<String>,
    /// The instance owner: an admin in every namespace.
    pub is_owner: bool,
    /// Whether a password is set (the hash itself never leaves the store's callers).
    pub has_password: bool,
    /// Creation time.
    pub created_at: Timestamp,
    /// When the user was anonymized.
    pub anonymized_at: Option<Timestamp>,
    /// When the user was disabled: their tokens, sessions and password stop working
    /// until they are enabled again.
    pub disabled_at: Option<Timestamp>,
}

/// A change to a namespace: each `Some` field is set; an inner `None` clears the value
/// back to the server's default (`quotas.*`, `retention.unused_days`).
#[derive(Debug, Clone, Default)]
pub struct NamespaceChange {
    /// Display name.
    pub name: Option<String>,
    /// Byte quota of originals.
    pub quota_bytes: Option<Option<u64>>,
    /// Asset quota.
    pub quota_assets: Option<Option<u64>>,
    /// Retention of unused media, in days (0 is off).
    pub retention_days: Option<Option<u32>>,
    /// Moderation policy.
    pub moderation: Option<crate::analysis::ModerationPolicy>,
}

/// What a namespace still holds ([`AccessStore::namespace_contents`]).
#[derive(Debug, Clone, Default)]
pub struct NamespaceContents {
    /// Assets, live and in the trash (at most the limit asked for).
    pub assets: Vec<crate::AssetId>,
    /// Upload sessions, finished or not.
    pub uploads: Vec<crate::UploadId>,
}

/// A change to a user: each `Some` field is set.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    /// Unique login name.
    pub name: Option<String>,
    /// Email address (`Some(None)` removes it).
    pub email: Option<Option<String>>,
    /// Disable (`true`) or enable (`false`).
    pub disabled: Option<bool>,
}

/// A user's role in a namespace.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The user.
    pub user: UserId,
    /// The namespace.
    pub namespace: NamespaceId,
    /// The role there.
    pub role: Role,
}

/// A new API token to record; the token itself is shown once and only its hash kept.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The owner.
    pub user: UserId,
    /// The namespace it acts in (the user must have a role there, or be the owner).
    pub namespace: NamespaceId,
    /// A label, e.g. `ci-deploy`.
    pub name: String,
    /// SHA-256 of the token.
    pub hash: Sha256,
    /// Its scopes.
    pub scopes: Scopes,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
}

/// An API token as listed: everything but the secret.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user: UserId,
    /// The namespace it acts in.
    pub namespace: NamespaceId,
    /// Label.
    pub name: String,
    /// Scopes.
    pub scopes: Scopes,
    /// Creation time.
    pub created_at: Timestamp,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// Last use (recorded at most once a minute).
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}
