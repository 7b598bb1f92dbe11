//! The metadata store seam: assets, variants, jobs, tokens, and how editors organise
//! and find assets.
//!
//! `medialib-store` implements [`MetadataStore`] on SQLite (embedded default); the
//! PostgreSQL backend implements the same trait and passes the same conformance tests.
//!
//! [`MetadataStore`] is every concern's trait at once; each concern has its own:
//! - this module: [`AssetStore`] (assets, blobs, variants, the trash), errors, and the
//!   ingest and processing inputs;
//! - [`jobs`]: [`JobQueue`]; [`uploads`]: [`UploadStore`];
//! - [`query`]: search, filters, sorting and pages;
//! - [`organise`]: [`OrganiseStore`] (tags, collections, usage) and bulk actions;
//! - [`analytics`]: [`AnalyticsStore`] (storage, uploads and delivery counts);
//! - [`access`]: namespaces, users, roles and tokens; [`sessions`]: browser sessions;
//!   [`audit`]: the audit log;
//! - [`derivatives`]: [`DerivativeStore`] (stored transform results).
//! - [`webhooks`]: [`WebhookStore`] (endpoints, the event outbox, deliveries).
//! - [`analysis`]: [`AnalysisStore`] (analysers' results, automatic tags and their review).
//!
//! Upload sessions ([`UploadSession`]) are recorded here too; their bytes are not.

pub mod access;
pub mod analysis;
pub mod analytics;
pub mod audit;
pub mod derivatives;
pub mod jobs;
pub mod organise;
pub mod query;
pub mod sessions;
pub mod uploads;
pub mod webhooks;

use std::time::Duration;

use async_trait::async_trait;

pub use access::*;
pub use analysis::*;
pub use analytics::*;
pub use audit::*;
pub use derivatives::*;
pub use jobs::*;
pub use organise::*;
pub use query::*;
pub use sessions::*;
pub use uploads::*;
pub use webhooks::*;

use crate::{
    Asset, AssetId, AssetKind, JobId, Metadata, NamespaceId, Placeholder, Sha256, Timestamp,
    UserId, Variant,
};

/// A failure of the metadata store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row that must exist does not.
    #[error("{0} not found")]
    NotFound(String),
    /// A pagination cursor that this store did not issue (or that was altered).
    #[error("invalid cursor: pass a next_cursor from an earlier page unchanged")]
    InvalidCursor,
    /// The change would break a uniqueness rule (a slug already taken, …); the message says
    /// which.
    #[error("{0}")]
    Conflict(String),
    /// A value the database cannot hold (PostgreSQL text cannot contain U+0000); the
    /// message says what.
    #[error("{0}")]
    Unstorable(String),
    /// The database cannot be reached for now (connection refused or lost, every pooled
    /// connection busy): the request may succeed if retried. The message names the
    /// operation.
    #[error("metadata store unavailable: {0}")]
    Unavailable(String),
    /// The database failed; the message names the operation.
    #[error("metadata store: {0}")]
    Backend(String),
}

/// A new asset to record, with the blob it references and the job that processes it.
#[derive(Debug, Clone)]
pub struct NewAsset {
    /// The new asset's id.
    pub id: AssetId,
    /// The owning namespace.
    pub namespace: NamespaceId,
    /// What it is.
    pub kind: AssetKind,
    /// Detected MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// Content hash.
    pub sha256: Sha256,
    /// Blob store key of the original.
    pub storage_key: String,
    /// Sanitised filename.
    pub original_filename: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Public delivery.
    pub is_public: bool,
    /// Width in pixels after orientation, from the header probe.
    pub width: Option<u32>,
    /// Height in pixels after orientation, from the header probe.
    pub height: Option<u32>,
    /// Playing time in seconds, from the probe (video, audio).
    pub duration_s: Option<f64>,
    /// Who uploaded it.
    pub uploaded_by: Option<UserId>,
    /// Attempts allowed for its processing job (and later transcode jobs).
    pub max_attempts: u32,
}

/// What recording a new asset led to. A duplicate is an expected outcome, not an error.
#[derive(Debug, Clone)]
pub enum IngestRecord {
    /// The asset was created and its processing job queued.
    Created {
        /// The new asset.
        asset: Asset,
        /// Its processing job (`None` for kinds stored as they are, which are ready at once).
        job: Option<JobId>,
    },
    /// The namespace already holds these bytes in this live asset; nothing was written.
    Duplicate(Asset),
}

/// Fields a user may change on an asset; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AssetPatch {
    /// New title (non-empty).
    pub title: Option<String>,
    /// New description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// New alt text; `Some(None)` clears it.
    pub alt_text: Option<Option<String>>,
    /// New public flag.
    pub is_public: Option<bool>,
    /// New focal point; `Some(None)` clears it.
    pub focal_point: Option<Option<crate::FocalPoint>>,
}

/// A variant made by processing, to be recorded.
#[derive(Debug, Clone)]
pub struct NewVariant {
    /// Spec name.
    pub name: String,
    /// Format.
    pub format: crate::OutputFormat,
    /// Width in pixels (`None` for audio and data).
    pub width: Option<u32>,
    /// Height in pixels (`None` for audio and data).
    pub height: Option<u32>,
    /// Playing time in seconds (video and audio renditions).
    pub duration_s: Option<f64>,
    /// Size in bytes.
    pub size: u64,
    /// Hash of the encoded bytes.
    pub sha256: Sha256,
    /// Where the bytes were stored.
    pub storage_key: String,
}

/// The result of processing an asset, recorded in one transaction.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Extracted metadata; its dimensions, duration, frames and pages become the asset's.
    pub metadata: Metadata,
    /// Placeholders, when there is a picture (image, poster, cover art, page, model preview).
    pub placeholder: Option<Placeholder>,
    /// When the content was captured, parsed from the metadata, for sorting and filters.
    pub taken_at: Option<Timestamp>,
    /// Every variant made; replaces any previous set except the renditions of the
    /// `transcodes` below, which their jobs replace.
    pub variants: Vec<NewVariant>,
    /// Text for search (PDF text, text files), already capped by the caller.
    pub text: Option<String>,
    /// 64-bit perceptual hash (dHash) of the asset's picture, for near-duplicate search.
    pub phash: Option<u64>,
    /// Transcode profiles to queue as jobs, in the same transaction.
    pub transcodes: Vec<String>,
    /// Queue an `analyse` job (every enabled analyser), in the same transaction.
    pub analyse: bool,
}

/// Storage keys that are no longer referenced after a purge, for the caller to delete.
/// The originals among them stay held (see [`MetadataStore::hold_blob`]) until the caller
/// calls [`MetadataStore::release_purged`] with these keys, once the bytes are gone.
#[derive(Debug, Clone, Default)]
pub struct Unreferenced {
    /// Keys of blobs to delete.
    pub keys: Vec<String>,
}

/// A blob the metadata references (see [`MetadataStore::stored_blobs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Its storage key.
    pub key: String,
    /// Its length, in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes.
    pub sha256: Sha256,
}

/// An upload's hold on an original's storage key (see [`MetadataStore::hold_blob`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobHold(pub i64);

/// How a job attempt ended.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    /// It succeeded.
    Succeeded,
    /// It failed and should be retried at `at` (the store fails it for good when
    /// no attempts remain).
    Retry {
        /// The error.
        error: String,
        /// When to try again.
        at: Timestamp,
    },
    /// It failed for good; the asset is marked failed with the same error.
    Failed {
        /// The error.
        error: String,
    },
}

/// Assets, their blobs and variants: what exists, dedup, edits, the trash and purges.
#[async_trait]
pub trait AssetStore {
    /// The namespace used by the embedded default (created by migrations).
    async fn default_namespace(&self) -> Result<NamespaceId, StoreError>;

    /// Records an asset, its blob and its processing job atomically, or reports the live
    /// asset that already holds these bytes in the namespace.
    async fn create_asset(&self, new: NewAsset) -> Result<IngestRecord, StoreError>;

    /// The live (not deleted) asset with these bytes in the namespace, if any.
    async fn find_by_sha256(
        &self,
        namespace: NamespaceId,
        sha: &Sha256,
    ) -> Result<Option<Asset>, StoreError>;

    /// An asset by id, deleted or not.
    async fn get_asset(&self, id: AssetId) -> Result<Option<Asset>, StoreError>;

    /// A counter that advances after every change, committed or attempted, to what
    /// delivery reads: an asset's existence, visibility, trash state or filename, its
    /// variants and renditions, and the collections it is in (which may impose a
    /// watermark). A cache of those facts is valid while the counter still
    /// reads what it read before the facts were loaded (the server's delivery cache).
    ///
    /// It counts the changes made through this store value. A backend shared by several
    /// processes must also advance it for the other processes' changes.
    fn asset_generation(&self) -> u64;

    /// Assets by id, deleted or not, in the order of `ids`; unknown ids are left out.
    async fn get_assets(&self, ids: &[AssetId]) -> Result<Vec<Asset>, StoreError>;

    /// A page of assets matching a search (text, filters, sort); see [`AssetQuery`].
    ///
    /// Errors: [`StoreError::InvalidCursor`] for a cursor this store did not issue for the
    /// same sort.
    async fn list_assets(&self, query: &AssetQuery) -> Result<Page<Asset>, StoreError>;

    /// The words of the namespace's live assets (titles, original filenames, alt texts,
    /// descriptions) and of its tag names, as [`search_words`] splits them, each with how
    /// many times it occurs, in no particular order: what search suggestions are drawn
    /// from.
    async fn search_vocabulary(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// Applies a patch; `None` when the asset does not exist.
    async fn update_asset(
        &self,
        id: AssetId,
        patch: &AssetPatch,
    ) -> Result<Option<Asset>, StoreError>;

    /// Removes an asset and its variants for good, returning the keys nobody references
    /// any more (its variants, and its original when no other asset uses that blob and no
    /// upload holds it).
    async fn purge_asset(&self, id: AssetId) -> Result<Option<Unreferenced>, StoreError>;

    /// Holds the original at `key` for an upload about to store its bytes, for at most
    /// `ttl`: until released, no purge frees that blob. `None` while a purge is deleting
    /// the blob at `key`: wait, then try again. This is what keeps an upload and a purge
    /// of the same bytes, in any two processes, from losing them.
    async fn hold_blob(&self, key: &str, ttl: Duration) -> Result<Option<BlobHold>, StoreError>;

    /// Ends an upload's hold, once its asset row exists (or the upload gave up).
    async fn release_blob(&self, hold: BlobHold) -> Result<(), StoreError>;

    /// Ends a purge's holds on the originals it returned, once their bytes are deleted.
    async fn release_purged(&self, keys: &[String]) -> Result<(), StoreError>;

    /// A page of the blobs the metadata references, in storage-key order: the originals
    /// (one per namespace and content hash, assets in the trash included), then every
    /// variant and rendition, those after the key `after` (exclusive), at most `limit`.
    /// What a verification or a copy to another store walks, page by page.
    async fn stored_blobs(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredBlob>, StoreError>;

    /// The asset's variants, in spec order.
    async fn list_variants(&self, id: AssetId) -> Result<Vec<Variant>, StoreError>;

    /// The variants of several assets (a page of results), each asset's in spec order.
    async fn variants_of(&self, ids: &[AssetId]) -> Result<Vec<Variant>, StoreError>;

    /// The text extracted from an asset for search, if any.
    async fn asset_text(&self, id: AssetId) -> Result<Option<String>, StoreError>;

    /// Applies one action to assets of a namespace in one transaction: every asset or none.
    /// Deleting moves to the trash (see [`BulkAction`]); ids may repeat.
    async fn bulk(
        &self,
        namespace: NamespaceId,
        action: &BulkAction,
        ids: &[AssetId],
    ) -> Result<BulkReport, StoreError>;

    /// Purges up to `limit` assets that went to the trash before `deleted_before`, and
    /// returns the storage keys no asset references any more (their variants, and originals
    /// no other asset, live or in the trash, shares); `None` when no such asset is left.
    async fn purge_trash(
        &self,
        deleted_before: Timestamp,
        limit: u32,
    ) -> Result<Option<Unreferenced>, StoreError>;

    /// The perceptual hashes of the namespace's live assets that have one.
    async fn perceptual_hashes(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<(AssetId, u64)>, StoreError>;
}

/// Persistent metadata: the only source of truth for what exists and what references
/// which blob.
pub trait MetadataStore:
    AssetStore
    + JobQueue
    + OrganiseStore
    + AnalyticsStore
    + UploadStore
    + AccessStore
    + AuditStore
    + SessionStore
    + DerivativeStore
    + WebhookStore
    + AnalysisStore
    + Send
    + Sync
    + 'static
{
}

impl<T> MetadataStore for T where
    T: AssetStore
        + JobQueue
        + OrganiseStore
        + AnalyticsStore
        + UploadStore
        + AccessStore
        + AuditStore
        + SessionStore
        + DerivativeStore
        + WebhookStore
        + AnalysisStore
        + Send
        + Sync
        + 'static
{
}
