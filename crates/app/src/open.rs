//! Opening a catalog for a process: the metadata store `database_url` names, the blob
//! store `storage_url` names, and this process's staging directory.

use std::sync::Arc;

use anyhow::Context;
use medialib_blob::ObjectBlobStore;
use medialib_core::{BlobStore, Settings};

use crate::Catalog;
use crate::ingest::staging::{self, StagingDir};

/// A catalog and the staging directory it owns; dropping it ends this process's claim
/// on that directory (and removes it).
pub struct Opened {
    /// The catalog every use case takes.
    pub catalog: Catalog,
    // Dropped last: removing the staging directory ends this process's claim on it.
    staging: StagingDir,
}

impl Opened {
    /// This process's staging directory.
    pub fn staging(&self) -> &StagingDir {
        &self.staging
    }
}

/// Opens the catalog `settings` describe: the metadata store (SQLite by default,
/// migrated on open; PostgreSQL when `database_url` says so), the blob store
/// (`blobs/` under the data directory by default, or `storage_url`'s), and a fresh
/// staging directory, after removing those of crashed processes.
///
/// Errors, in one line each: the data directory cannot be created; the database cannot
/// be reached or migrated (named without its password); the blob store cannot be
/// configured, or refuses to write, read back or delete a probe object.
pub async fn open(settings: Settings) -> anyhow::Result<Opened> {
    open_with_env(settings, std::env::vars().collect()).await
}

/// [`open`], with the blob store's client configured from `env` (the `AWS_*`, `GOOGLE_*`
/// and `AZURE_*` variables its SDK reads) instead of this process's environment: for
/// several catalogs with their own credentials in one process (tests, embedding).
pub async fn open_with_env(
    settings: Settings,
    env: Vec<(String, String)>,
) -> anyhow::Result<Opened> {
    let data_dir = &settings.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("create data directory {}", data_dir.display()))?;
    staging::clean_abandoned(data_dir).context("clean abandoned staging files")?;
    let staging = StagingDir::create(data_dir).context("create staging")?;
    let database = settings.database();
    let store = medialib_store::open(&database, settings.database_max_connections)
        .await
        .with_context(|| format!("open {}", database.describe()))?;
    let storage = settings.storage()?;
    let blobs = ObjectBlobStore::open_with_env(&storage, env)
        .with_context(|| format!("open {}", storage.describe()))?;
    blobs
        .probe()
        .await
        .with_context(|| format!("check {}", storage.describe()))?;
    let catalog = Catalog {
        analysers: Arc::new(medialib_analysis::Analysers::new(
            &settings.analysis,
            crate::media_limits::image(&settings.limits),
        )),
        embeddings: Arc::default(),
        remote_vision: settings
            .analysis
            .remote
            .as_ref()
            .map(|r| Arc::new(crate::remote_vision::RemoteVision::new(r))),
        settings: Arc::new(settings),
        store,
        blobs: Arc::new(blobs),
        staging_dir: Arc::new(staging.path().to_owned()),
        jobs_queued: Arc::default(),
        vocabularies: Arc::default(),
    };
    Ok(Opened { catalog, staging })
}
