//! The PostgreSQL backend (PostgreSQL 15 or later): one database that every process of
//! an instance shares, migrated on open (`migrations_pg/`).
//!
//! This is the foundation: connecting and migrating. The store traits are implemented
//! one file per trait beside this one (`assets.rs`, `jobs.rs`, …), each mapping rows the
//! way `sqlite/rows.rs` does: the schema keeps SQLite's tables, columns and millisecond
//! timestamps, so the mapping differs only in types (`migrations_pg/0001_schema.sql`
//! says which and why).

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
mod notify;
mod rows;
mod search;
mod sessions;
mod stored;
mod tags;
mod tokens;
mod uploads;
mod usage;
mod webhooks;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use medialib_core::StoreError;
use medialib_core::organise::{
    AssetTag, Collection, CollectionId, CollectionItem, Tag, TagId, Usage, UsageRef,
};
use medialib_core::store::{
    AssetPatch, AssetQuery, AssetStore, BlobHold, BulkAction, BulkReport, CollectionPatch,
    IngestRecord, JobOutcome, JobQueue, NewAsset, NewCollection, NewTag, NewVariant, OrganiseStore,
    Page, Processed, QueueDepth, QueueStats, StoredBlob, TagPatch, Unreferenced, UploadStore,
};
use medialib_core::{
    Asset, AssetId, Job, JobId, JobKind, Lease, NamespaceId, Sha256, Timestamp, UploadId,
    UploadSession, Variant,
};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// How long a pooled connection may sit idle before it is pinged on its next use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// The shared metadata store: PostgreSQL, for several processes (server nodes, workers)
/// on one database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// [`MetadataStore::asset_generation`](medialib_core::MetadataStore::asset_generation).
    /// Counting this value's own writes is not enough here, unlike in
    /// [`SqliteStore`](crate::SqliteStore): other processes write the same database, so
    /// their changes must advance it too (`LISTEN/NOTIFY`).
    generation: Arc<AtomicU64>,
    /// Woken when another process (or this one) queued a job (`notify.rs`).
    jobs_queued: Arc<tokio::sync::Notify>,
}

/// Maps a driver error to a [`StoreError`], saying what was being done: one that a retry
/// may cure (no connection, a lost one, a server shutting down, every pooled connection
/// busy, a deadlock with a concurrent transaction) is [`StoreError::Unavailable`]; text
/// with U+0000, which PostgreSQL refuses (SQLSTATE 22021), is [`StoreError::Unstorable`];
/// anything else [`StoreError::Backend`].
pub(crate) fn backend(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| {
        // SQLSTATE classes 08 (connection exception), 57 (operator intervention:
        // shutdown, cannot connect now) and 40 (transaction rollback: a deadlock, which
        // PostgreSQL breaks by failing one side, such as a bulk tag racing a tag rename).
        let server_going = e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57") || c.starts_with("40"));
        let unreachable = matches!(
            e,
            sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
        );
        let code = e.as_database_error().and_then(|d| d.code());
        if code.as_deref() == Some("22021") {
            return StoreError::Unstorable(
                "text cannot contain the NUL character (U+0000)".to_owned(),
            );
        }
        if server_going || unreachable {
            StoreError::Unavailable(format!("{what}: {e}"))
        } else {
            StoreError::Backend(format!("{what}: {e}"))
        }
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/name`) with a pool
    /// of at most `max_connections`, and applies the migrations it lacks.
    ///
    /// Errors when the server cannot be reached or a migration fails. The error never
    /// repeats the URL, which may hold a password.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        // A name unique to this process on every connection: notifications of changes
        // carry it, so the process tells its own from other nodes' (`notify.rs`).
        let name = format!("medialib-{}", uuid::Uuid::new_v4().simple());
        let options = PgConnectOptions::from_str(url)
            .map_err(backend("read the PostgreSQL URL"))?
            .application_name(&name);
        // sqlx pings a connection when it goes back to the pool, and by default again
        // before it hands it out: a round trip per statement, a fifth of a queued job's
        // cost. Only a connection that sat idle long enough for the server to have gone
        // away meanwhile is pinged before use.
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(backend("connect to PostgreSQL"))?;
        // Several nodes may start at once: sqlx holds a PostgreSQL advisory lock (keyed
        // by the database's name) while it migrates, so one node applies the migrations,
        // each in its own transaction, and the others wait for it and then find nothing
        // left to apply.
        sqlx::migrate!("./migrations_pg")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrate database: {e}")))?;
        let store = Self {
            pool,
            generation: Arc::default(),
            jobs_queued: Arc::default(),
        };
        notify::spawn(
            &store.pool,
            notify::Signals {
                name,
                jobs: Arc::clone(&store.jobs_queued),
                generation: Arc::clone(&store.generation),
            },
        )
        .await;
        Ok(store)
    }

    /// Advances the asset generation once `change` has ended, committed or not: a reader
    /// that loaded facts before the commit then sees its cached copy outdated.
    async fn changing<T>(&self, change: impl Future<Output = T>) -> T {
        let result = change.await;
        self.generation.fetch_add(1, Ordering::Release);
        result
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Starts a write transaction. PostgreSQL runs writers concurrently (READ COMMITTED):
/// what SQLite's single writer serialised, a statement here must lock itself
/// (`FOR UPDATE`, `SKIP LOCKED`, advisory locks).
pub(crate) async fn begin_write(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
    pool.begin()
        .await
        .map_err(backend("begin write transaction"))
}

#[async_trait]
impl AssetStore for PgStore {
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
impl JobQueue for PgStore {
    async fn job_queued_elsewhere(&self) {
        self.jobs_queued.notified().await
    }

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
impl OrganiseStore for PgStore {
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
impl UploadStore for PgStore {
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
