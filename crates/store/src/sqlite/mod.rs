//! The SQLite backend: one database file in WAL mode, migrated on open.
//!
//! - `rows`: mapping rows to domain types and timestamps to milliseconds.
//! - `assets`: assets, blobs and variants.
//! - `search`: full-text search, filters and keyset pages over assets.
//! - `bulk`: actions on many assets at once, and the trash purge.
//! - `tags`, `collections`, `usage`: how editors organise assets.
//! - `analytics`: delivery counts and reports.
//! - `analysis`: analysers' results, automatic tags and their review.
//! - `jobs`: the job queue (claims under fenced leases, finish, cancel).
//! - `holds`: holds on originals that order uploads and purges across processes.
//! - `stored`: the blobs the metadata references, in storage-key order.
//! - `tokens`: API tokens and principals.
//! - `uploads`: resumable upload sessions.

mod access;
mod analysis;
mod analytics;
mod assets;
mod audit;
mod bulk;
mod collections;
mod derivatives;
mod holds;
mod jobs;
mod moderation;
mod namespaces;
mod rows;
mod search;
mod sessions;
mod stored;
mod tags;
mod tokens;
mod uploads;
mod usage;
mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use medialib_core::organise::{
    AssetTag, Collection, CollectionId, CollectionItem, Tag, TagId, Usage, UsageRef,
};
use medialib_core::store::{
    AnalyticsStore, AssetStore, JobQueue, OrganiseStore, QueueDepth, QueueStats, UploadStore,
};
use medialib_core::store::{
    AssetPatch, AssetQuery, AssetViews, BlobHold, BulkAction, BulkReport, CollectionPatch,
    DayUploads, DeliveryCount, IngestRecord, JobOutcome, NamespaceUsage, NewAsset, NewCollection,
    NewTag, NewVariant, Page, Processed, StorageReport, StoredBlob, TagPatch, Unreferenced,
};
use medialib_core::{
    Asset, AssetId, Job, JobId, JobKind, Lease, NamespaceId, Sha256, StoreError, Timestamp,
    UploadId, UploadSession, Variant,
};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Bytes of the database file each connection maps into memory (SQLite `mmap_size`).
const MMAP_BYTES: u64 = 1 << 30;
/// Bytes of page cache per connection (SQLite `cache_size`, given in KiB when negative).
const CACHE_BYTES: u64 = 32 << 20;

/// The embedded metadata store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// [`MetadataStore::asset_generation`]: one database file has one writer process
    /// (the server), so counting this value's own writes counts them all.
    generation: Arc<AtomicU64>,
}

pub(crate) fn backend(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{what}: {e}"))
}

/// Starts a write transaction that takes SQLite's write lock up front.
///
/// A default (deferred) transaction that reads and then writes cannot wait for a writer
/// that got in between: SQLite fails it at once with "database is locked", whatever the
/// busy timeout. `BEGIN IMMEDIATE` queues for the lock instead.
pub(crate) async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
    pool.begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(backend("begin write transaction"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    ///
    /// Errors when the file cannot be opened or a migration fails.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(backend("sqlite options"))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL is durable across process crashes; only an OS crash may lose
            // the last transactions, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Searches read tens of thousands of index entries: with SQLite's default
            // 2 MB page cache they came from `pread` each time, which made a filtered
            // text count 2.7x slower than the same SQL in one warm connection. Pages are
            // mapped instead of copied, and each connection keeps 32 MB of them.
            .pragma("mmap_size", MMAP_BYTES.to_string())
            .pragma("cache_size", format!("-{}", CACHE_BYTES / 1024))
            // The scored hits of a search and its sorts are temporary tables: in memory,
            // not in temporary files.
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A connection to a local file does not go stale; the check before every
            // acquire was one more round trip to its thread per query.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(backend("open database"))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrate database: {e}")))?;
        Ok(Self {
            pool,
            generation: Arc::default(),
        })
    }

    /// Advances the asset generation once `change` has ended, committed or not: a reader
    /// that loaded facts before the commit then sees its cached copy outdated.
    async fn changing<T>(&self, change: impl Future<Output = T>) -> T {
        let result = change.await;
        self.generation.fetch_add(1, Ordering::Release);
        result
    }

    /// Writes a consistent copy of the whole database to `into` (a new file), while
    /// others keep reading and writing: SQLite's `VACUUM INTO` reads one snapshot.
    ///
    /// Errors when `into` exists or cannot be written.
    pub async fn snapshot(&self, into: &Path) -> Result<(), StoreError> {
        let into = into
            .to_str()
            .ok_or_else(|| StoreError::Backend(format!("{}: not UTF-8", into.display())))?;
        sqlx::query("VACUUM INTO ?")
            .bind(into)
            .execute(&self.pool)
            .await
            .map_err(backend("snapshot the database"))?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl AssetStore for SqliteStore {
    async fn default_namespace(&self) -> Result<NamespaceId, StoreError> {
        Ok(NamespaceId(1))
    }

    async fn create_asset(&self, new: NewAsset) -> Result<IngestRecord, StoreError> {
        self.changing(assets::create(&self.pool, new)).await
    }

    async fn find_by_sha256(
        &self,
        namespace: NamespaceId,
        sha: &Sha256,
    ) -> Result<Option<Asset>, StoreError> {
        assets::find_by_sha256(&self.pool, namespace, sha).await
    }

    async fn get_asset(&self, id: AssetId) -> Result<Option<Asset>, StoreError> {
        assets::get(&self.pool, id).await
    }

    fn asset_generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    async fn get_assets(&self, ids: &[AssetId]) -> Result<Vec<Asset>, StoreError> {
        search::rows_of(&self.pool, ids).await
    }

    async fn list_assets(&self, query: &AssetQuery) -> Result<Page<Asset>, StoreError> {
        search::list(&self.pool, query).await
    }

    async fn search_vocabulary(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        search::vocabulary(&self.pool, namespace).await
    }

    async fn update_asset(
        &self,
        id: AssetId,
        patch: &AssetPatch,
    ) -> Result<Option<Asset>, StoreError> {
        self.changing(assets::update(&self.pool, id, patch)).await
    }

    async fn purge_asset(&self, id: AssetId) -> Result<Option<Unreferenced>, StoreError> {
        self.changing(assets::purge(&self.pool, id)).await
    }

    async fn hold_blob(&self, key: &str, ttl: Duration) -> Result<Option<BlobHold>, StoreError> {
        holds::hold_for_upload(&self.pool, key, ttl).await
    }

    async fn release_blob(&self, hold: BlobHold) -> Result<(), StoreError> {
        holds::release(&self.pool, hold).await
    }

    async fn release_purged(&self, keys: &[String]) -> Result<(), StoreError> {
        holds::release_purged(&self.pool, keys).await
    }

    async fn stored_blobs(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredBlob>, StoreError> {
        crate::stored::page(after, limit, |table, after, limit| {
            stored::read(&self.pool, table, after, limit)
        })
        .await
    }

    async fn list_variants(&self, id: AssetId) -> Result<Vec<Variant>, StoreError> {
        assets::list_variants(&self.pool, id).await
    }

    async fn variants_of(&self, ids: &[AssetId]) -> Result<Vec<Variant>, StoreError> {
        assets::variants_of(&self.pool, ids).await
    }

    async fn asset_text(&self, id: AssetId) -> Result<Option<String>, StoreError> {
        assets::text(&self.pool, id).await
    }

    async fn bulk(
        &self,
        namespace: NamespaceId,
        action: &BulkAction,
        ids: &[AssetId],
    ) -> Result<BulkReport, StoreError> {
        self.changing(bulk::bulk(&self.pool, namespace, action, ids))
            .await
    }

    async fn purge_trash(
        &self,
        deleted_before: Timestamp,
        limit: u32,
    ) -> Result<Option<Unreferenced>, StoreError> {
        self.changing(bulk::purge_trash(&self.pool, deleted_before, limit))
            .await
    }

    async fn perceptual_hashes(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<(AssetId, u64)>, StoreError> {
        usage::perceptual_hashes(&self.pool, namespace).await
    }
}

#[async_trait]
impl JobQueue for SqliteStore {
    async fn record_processed(
        &self,
        lease: Lease,
        processed: Processed,
    ) -> Result<Option<Unreferenced>, StoreError> {
        self.changing(assets::record_processed(&self.pool, lease, processed))
            .await
    }

    async fn claim_job_of(
        &self,
        owner: &str,
        kinds: &[JobKind],
        duration: Duration,
    ) -> Result<Option<(Job, Lease)>, StoreError> {
        jobs::claim(&self.pool, owner, kinds, duration).await
    }

    async fn finish_job(&self, lease: Lease, outcome: JobOutcome) -> Result<bool, StoreError> {
        jobs::finish(&self.pool, lease, outcome).await
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        jobs::get(&self.pool, id).await
    }

    async fn queue_stats(&self, since: Timestamp) -> Result<QueueStats, StoreError> {
        jobs::queue_stats(&self.pool, since).await
    }

    async fn queue_depth(&self) -> Result<Vec<QueueDepth>, StoreError> {
        jobs::queue_depth(&self.pool).await
    }

    async fn latest_job(&self, asset: AssetId) -> Result<Option<Job>, StoreError> {
        jobs::latest_for_asset(&self.pool, asset).await
    }

    async fn list_jobs(&self, asset: AssetId) -> Result<Vec<Job>, StoreError> {
        jobs::list_for_asset(&self.pool, asset).await
    }

    async fn job_progress(
        &self,
        lease: Lease,
        progress: Option<u8>,
        duration: Duration,
    ) -> Result<bool, StoreError> {
        jobs::progress(&self.pool, lease, progress, duration).await
    }

    async fn reprocess(
        &self,
        asset: AssetId,
        max_attempts: u32,
    ) -> Result<Option<JobId>, StoreError> {
        self.changing(assets::reprocess(&self.pool, asset, max_attempts))
            .await
    }

    async fn cancel_job(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        jobs::cancel(&self.pool, id).await
    }

    async fn record_rendition(
        &self,
        lease: Lease,
        variant: NewVariant,
    ) -> Result<Option<Unreferenced>, StoreError> {
        self.changing(jobs::record_rendition(&self.pool, lease, variant))
            .await
    }
}

#[async_trait]
impl OrganiseStore for SqliteStore {
    async fn list_tags(&self, namespace: NamespaceId) -> Result<Vec<Tag>, StoreError> {
        tags::list(&self.pool, namespace).await
    }

    async fn get_tag(&self, namespace: NamespaceId, id: TagId) -> Result<Option<Tag>, StoreError> {
        tags::get(&self.pool, namespace, id).await
    }

    async fn create_tag(&self, namespace: NamespaceId, new: &NewTag) -> Result<Tag, StoreError> {
        tags::create(&self.pool, namespace, new).await
    }

    async fn update_tag(
        &self,
        namespace: NamespaceId,
        id: TagId,
        patch: &TagPatch,
    ) -> Result<Option<Tag>, StoreError> {
        tags::update(&self.pool, namespace, id, patch).await
    }

    async fn delete_tag(&self, namespace: NamespaceId, id: TagId) -> Result<bool, StoreError> {
        tags::delete(&self.pool, namespace, id).await
    }

    async fn asset_tags(&self, ids: &[AssetId]) -> Result<Vec<AssetTag>, StoreError> {
        tags::of_assets(&self.pool, ids).await
    }

    async fn list_collections(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<Collection>, StoreError> {
        collections::list(&self.pool, namespace).await
    }

    async fn asset_collections(
        &self,
        ids: &[AssetId],
    ) -> Result<Vec<(AssetId, Collection)>, StoreError> {
        collections::of_assets(&self.pool, ids).await
    }

    async fn get_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
    ) -> Result<Option<Collection>, StoreError> {
        collections::get(&self.pool, namespace, id).await
    }

    async fn create_collection(
        &self,
        namespace: NamespaceId,
        new: &NewCollection,
    ) -> Result<Collection, StoreError> {
        collections::create(&self.pool, namespace, new).await
    }

    async fn update_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
        patch: &CollectionPatch,
    ) -> Result<Option<Collection>, StoreError> {
        // A watermark is a fact delivery reads (see `asset_generation`).
        self.changing(collections::update(&self.pool, namespace, id, patch))
            .await
    }

    async fn delete_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
    ) -> Result<bool, StoreError> {
        self.changing(collections::delete(&self.pool, namespace, id))
            .await
    }

    async fn collection_watermark(&self, asset: AssetId) -> Result<Option<String>, StoreError> {
        collections::watermark_of(&self.pool, asset).await
    }

    async fn collection_items(
        &self,
        id: CollectionId,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<CollectionItem>, StoreError> {
        collections::items(&self.pool, id, offset, limit).await
    }

    async fn insert_items(
        &self,
        id: CollectionId,
        assets: &[AssetId],
        position: Option<u32>,
    ) -> Result<(), StoreError> {
        self.changing(collections::insert(&self.pool, id, assets, position))
            .await
    }

    async fn reorder_items(&self, id: CollectionId, assets: &[AssetId]) -> Result<(), StoreError> {
        collections::reorder(&self.pool, id, assets).await
    }

    async fn record_usage(&self, asset: AssetId, usage: &UsageRef) -> Result<Usage, StoreError> {
        usage::record(&self.pool, asset, usage).await
    }

    async fn remove_usage(
        &self,
        asset: AssetId,
        entity_type: &str,
        entity_id: &str,
        usage_type: Option<&str>,
    ) -> Result<u64, StoreError> {
        usage::remove(&self.pool, asset, entity_type, entity_id, usage_type).await
    }

    async fn list_usage(&self, asset: AssetId) -> Result<Vec<Usage>, StoreError> {
        usage::list(&self.pool, asset).await
    }

    async fn assets_used_by(
        &self,
        namespace: NamespaceId,
        entity_type: &str,
        entity_id: &str,
    ) -> Result<Vec<AssetId>, StoreError> {
        usage::used_by(&self.pool, namespace, entity_type, entity_id).await
    }
}

#[async_trait]
impl AnalyticsStore for SqliteStore {
    async fn record_deliveries(&self, counts: &[DeliveryCount]) -> Result<(), StoreError> {
        analytics::record_deliveries(&self.pool, counts).await
    }

    async fn namespace_usage(&self, namespace: NamespaceId) -> Result<NamespaceUsage, StoreError> {
        analytics::usage(&self.pool, namespace).await
    }

    async fn retention_candidates(
        &self,
        namespace: NamespaceId,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<AssetId>, StoreError> {
        analytics::retention_candidates(&self.pool, namespace, since, limit).await
    }

    async fn storage_report(&self, namespace: NamespaceId) -> Result<StorageReport, StoreError> {
        analytics::storage(&self.pool, namespace).await
    }

    async fn uploads_per_day(
        &self,
        namespace: NamespaceId,
        from_day: i64,
    ) -> Result<Vec<DayUploads>, StoreError> {
        analytics::uploads_per_day(&self.pool, namespace, from_day).await
    }

    async fn top_assets(
        &self,
        namespace: NamespaceId,
        from_day: i64,
        limit: u32,
    ) -> Result<Vec<AssetViews>, StoreError> {
        analytics::top_assets(&self.pool, namespace, from_day, limit).await
    }
}

#[async_trait]
impl UploadStore for SqliteStore {
    async fn create_upload(&self, session: &UploadSession) -> Result<(), StoreError> {
        uploads::create(&self.pool, session).await
    }

    async fn get_upload(&self, id: UploadId) -> Result<Option<UploadSession>, StoreError> {
        uploads::get_one(&self.pool, id).await
    }

    async fn lease_upload(
        &self,
        id: UploadId,
        token: uuid::Uuid,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        uploads::lease(&self.pool, id, token, until, now).await
    }

    async fn release_upload(&self, id: UploadId, token: uuid::Uuid) -> Result<(), StoreError> {
        uploads::release(&self.pool, id, token).await
    }

    async fn set_upload_offset(
        &self,
        id: UploadId,
        offset: u64,
        expires_at: Timestamp,
        lease: uuid::Uuid,
    ) -> Result<bool, StoreError> {
        uploads::set_offset(&self.pool, id, offset, expires_at, lease).await
    }

    async fn finish_upload(
        &self,
        id: UploadId,
        asset: AssetId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        uploads::finish(&self.pool, id, asset, expires_at).await
    }

    async fn delete_upload(&self, id: UploadId) -> Result<bool, StoreError> {
        uploads::delete(&self.pool, id).await
    }

    async fn expired_uploads(&self, now: Timestamp) -> Result<Vec<UploadId>, StoreError> {
        uploads::expired(&self.pool, now).await
    }
}
