//! The metadata store seam: assets, variants, jobs, tokens, and how editors organise
//! and find assets.
//!
//! `medialib-store` implements [`MetadataStore`] on SQLite (embedded default); the
//! PostgreSQL backend implements the same trait and passes the same conformance tests.
//!
//! - this module: the trait, errors, and the ingest and processing inputs;
//! - [`query`]: search, filters, sorting and pages;
//! - [`organise`]: tags, collections and bulk actions;
//! - [`analytics`]: storage, uploads and delivery counts;
//! - [`access`]: namespaces, users, roles and tokens; [`sessions`]: browser sessions;
//!   [`audit`]: the audit log.
//!
//! Upload sessions ([`UploadSession`]) are recorded here too; their bytes are not.

pub mod access;
pub mod analytics;
pub mod audit;
pub mod organise;
pub mod query;
pub mod sessions;

use std::time::Duration;

use async_trait::async_trait;

pub use access::*;
pub use analytics::*;
pub use audit::*;
pub use organise::*;
pub use query::*;
pub use sessions::*;

use crate::organise::{
    AssetTag, Collection, CollectionId, CollectionItem, Tag, TagId, Usage, UsageRef,
};
use crate::{
    Asset, AssetId, AssetKind, Job, JobId, Lease, Metadata, NamespaceId, Placeholder, Sha256,
    Timestamp, UploadId, UploadSession, UserId, Variant,
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
}

/// Storage keys that are no longer referenced after a purge, for the caller to delete.
/// The originals among them stay held (see [`MetadataStore::hold_blob`]) until the caller
/// calls [`MetadataStore::release_purged`] with these keys, once the bytes are gone.
#[derive(Debug, Clone, Default)]
pub struct Unreferenced {
    /// Keys of blobs to delete.
    pub keys: Vec<String>,
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

/// Persistent metadata: the only source of truth for what exists and what references
/// which blob.
#[async_trait]
pub trait MetadataStore: AccessStore + AuditStore + SessionStore + Send + Sync + 'static {
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
    /// delivery reads: an asset's existence, visibility, trash state or filename, and its
    /// variants and renditions. A cache of those facts is valid while the counter still
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

    /// The asset's variants, in spec order.
    async fn list_variants(&self, id: AssetId) -> Result<Vec<Variant>, StoreError>;
    /// The variants of several assets (a page of results), each asset's in spec order.
    async fn variants_of(&self, ids: &[AssetId]) -> Result<Vec<Variant>, StoreError>;
    /// Records a successful processing run under `lease`, in one transaction: the facts
    /// and variants, the asset marked ready, its transcode jobs queued, and the job
    /// succeeded. Returns the keys of earlier variants the new set no longer uses; `None`,
    /// recording nothing, when the lease no longer holds (the job was cancelled, or claimed
    /// again after the lease expired) or the asset is gone.
    async fn record_processed(
        &self,
        lease: Lease,
        processed: Processed,
    ) -> Result<Option<Unreferenced>, StoreError>;

    /// Claims the next due job for `owner` (a name for logs) for `duration`: a queued job
    /// whose `run_after` has passed, or a running one whose lease expired. `None` when none
    /// is due. Each claim takes a new fencing token (see [`Lease`]).
    async fn claim_job(
        &self,
        owner: &str,
        duration: Duration,
    ) -> Result<Option<(Job, Lease)>, StoreError>;
    /// Records how the attempt under `lease` ended. Returns `false`, recording nothing,
    /// when the lease no longer holds.
    async fn finish_job(&self, lease: Lease, outcome: JobOutcome) -> Result<bool, StoreError>;
    /// A job by id.
    async fn get_job(&self, id: JobId) -> Result<Option<Job>, StoreError>;
    /// The most recent job of an asset.
    async fn latest_job(&self, asset: AssetId) -> Result<Option<Job>, StoreError>;
    /// Every job of an asset, oldest first.
    async fn list_jobs(&self, asset: AssetId) -> Result<Vec<Job>, StoreError>;
    /// Extends `lease` by `duration` from now (the worker's heartbeat) and, when given,
    /// records progress (0–100). Returns `false` when the lease no longer holds (the job
    /// was cancelled or ended, or claimed again): the caller must stop working on it.
    async fn job_progress(
        &self,
        lease: Lease,
        progress: Option<u8>,
        duration: Duration,
    ) -> Result<bool, StoreError>;
    /// Cancels a queued or running job; a processing job's asset is marked failed.
    /// Returns the job as it is afterwards (unchanged when it had already ended), or
    /// `None` when it does not exist.
    async fn cancel_job(&self, id: JobId) -> Result<Option<Job>, StoreError>;
    /// Records a transcode job's rendition and marks the job succeeded, in one
    /// transaction, only while `lease` holds. Returns the storage key of the rendition it
    /// replaced, for the caller to delete; `None` (and records nothing) when the lease no
    /// longer holds: the caller deletes the blob it made, which has a key of its own job.
    async fn record_rendition(
        &self,
        lease: Lease,
        variant: NewVariant,
    ) -> Result<Option<Unreferenced>, StoreError>;
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

    /// The namespace's tags by name, with their live asset counts.
    async fn list_tags(&self, namespace: NamespaceId) -> Result<Vec<Tag>, StoreError>;
    /// A tag of the namespace.
    async fn get_tag(&self, namespace: NamespaceId, id: TagId) -> Result<Option<Tag>, StoreError>;
    /// Creates a tag. Errors: [`StoreError::Conflict`] when the slug is taken.
    async fn create_tag(&self, namespace: NamespaceId, new: &NewTag) -> Result<Tag, StoreError>;
    /// Changes a tag; `None` when it does not exist in the namespace.
    async fn update_tag(
        &self,
        namespace: NamespaceId,
        id: TagId,
        patch: &TagPatch,
    ) -> Result<Option<Tag>, StoreError>;
    /// Deletes a tag and takes it off every asset; `false` when it does not exist.
    async fn delete_tag(&self, namespace: NamespaceId, id: TagId) -> Result<bool, StoreError>;
    /// The tags of these assets, each asset's by name.
    async fn asset_tags(&self, ids: &[AssetId]) -> Result<Vec<AssetTag>, StoreError>;

    /// The namespace's collections by title.
    async fn list_collections(&self, namespace: NamespaceId)
    -> Result<Vec<Collection>, StoreError>;
    /// A collection of the namespace.
    async fn get_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
    ) -> Result<Option<Collection>, StoreError>;
    /// Creates a collection. Errors: [`StoreError::Conflict`] when the slug is taken,
    /// [`StoreError::NotFound`] when the cover asset is not in the namespace.
    async fn create_collection(
        &self,
        namespace: NamespaceId,
        new: &NewCollection,
    ) -> Result<Collection, StoreError>;
    /// Changes a collection; `None` when it does not exist in the namespace. Errors as
    /// [`MetadataStore::create_collection`].
    async fn update_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
        patch: &CollectionPatch,
    ) -> Result<Option<Collection>, StoreError>;
    /// Deletes a collection (not its assets); `false` when it does not exist.
    async fn delete_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
    ) -> Result<bool, StoreError>;
    /// The collection's live items in order: `limit` of them after the first `offset`.
    /// Offsets count listed (live) items, so consecutive pages neither overlap nor skip
    /// when an item is in the trash; an item's `position` is its place in the whole order,
    /// trashed items included.
    async fn collection_items(
        &self,
        id: CollectionId,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<CollectionItem>, StoreError>;
    /// Inserts assets at `position` (0-based; `None` appends), in the given order; assets
    /// already in the collection move there. Errors: [`StoreError::NotFound`] naming the
    /// first id that is not a live asset of the collection's namespace.
    async fn insert_items(
        &self,
        id: CollectionId,
        assets: &[AssetId],
        position: Option<u32>,
    ) -> Result<(), StoreError>;
    /// Sets the order of the items: `assets` must list every item exactly once.
    /// Errors: [`StoreError::Conflict`] when it does not.
    async fn reorder_items(&self, id: CollectionId, assets: &[AssetId]) -> Result<(), StoreError>;

    /// Records that an asset is used (again): creates the usage, or refreshes its
    /// `last_used_at`.
    async fn record_usage(&self, asset: AssetId, usage: &UsageRef) -> Result<Usage, StoreError>;
    /// Removes usages of an asset by an entity: one usage type, or all when `usage_type` is
    /// `None`. Returns how many were removed.
    async fn remove_usage(
        &self,
        asset: AssetId,
        entity_type: &str,
        entity_id: &str,
        usage_type: Option<&str>,
    ) -> Result<u64, StoreError>;
    /// Where an asset is used, most recent first.
    async fn list_usage(&self, asset: AssetId) -> Result<Vec<Usage>, StoreError>;

    /// The perceptual hashes of the namespace's live assets that have one.
    async fn perceptual_hashes(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<(AssetId, u64)>, StoreError>;

    /// Adds delivery counts (batched by the delivery path) to the daily totals.
    async fn record_deliveries(&self, counts: &[DeliveryCount]) -> Result<(), StoreError>;
    /// What the namespace stores and its own quotas.
    async fn namespace_usage(&self, namespace: NamespaceId) -> Result<NamespaceUsage, StoreError>;
    /// Storage per kind (namespace) and per namespace (instance).
    async fn storage_report(&self, namespace: NamespaceId) -> Result<StorageReport, StoreError>;
    /// Uploads per day from `from_day` on (days since the epoch, UTC); days without
    /// uploads are left out.
    async fn uploads_per_day(
        &self,
        namespace: NamespaceId,
        from_day: i64,
    ) -> Result<Vec<DayUploads>, StoreError>;
    /// The most delivered live assets from `from_day` on, most views first.
    async fn top_assets(
        &self,
        namespace: NamespaceId,
        from_day: i64,
        limit: u32,
    ) -> Result<Vec<AssetViews>, StoreError>;

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
