//! What every handler and worker shares.

use std::path::PathBuf;
use std::sync::Arc;

use medialib_core::{BlobStore, MetadataStore, Settings};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::delivery_cache::DeliveryCache;
use crate::import::Importer;
use crate::maintenance::DeliveryStats;
use crate::signing::Signer;
use crate::tus::UploadFiles;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Validated settings.
    pub settings: Arc<Settings>,
    /// Builds the URLs responses carry.
    pub urls: Arc<Urls>,
    /// Metadata: the source of truth for what exists.
    pub store: Arc<dyn MetadataStore>,
    /// Bytes of originals and variants.
    pub blobs: Arc<dyn BlobStore>,
    /// This process's staging directory for uploads in flight (see `ingest::staging`).
    pub staging_dir: Arc<PathBuf>,
    /// The bytes of resumable (tus) upload sessions, which outlive the process.
    pub uploads: Arc<UploadFiles>,
    /// The HTTP client that imports from URLs, behind the SSRF guard.
    pub importer: Importer,
    /// Signs and verifies delivery URLs of private assets.
    pub signer: Arc<Signer>,
    /// Woken when a job is queued, so idle workers start at once instead of polling.
    pub jobs_queued: Arc<Notify>,
    /// Delivery counts not yet written (see [`crate::maintenance`]).
    pub deliveries: Arc<DeliveryStats>,
    /// Asset facts and small files that delivery keeps in memory.
    pub delivery_cache: Arc<DeliveryCache>,
    /// Cancelled when the process shuts down: long jobs (transcodes) stop at once and
    /// keep their lease, so the next start runs them again. Behind an `Arc` because the
    /// state is cloned for every request, and a token's own clone takes a lock.
    pub shutdown: Arc<CancellationToken>,
}

/// Builds the URLs the API returns: what DTOs need of the state, and no more.
#[derive(Debug, Clone, Default)]
pub struct Urls {
    /// `public_base_url` without a trailing `/`.
    base: Option<String>,
}

impl Urls {
    /// URLs under `public_base_url` (a CDN domain), or root-relative when it is `None`.
    pub fn new(public_base_url: Option<&str>) -> Self {
        Self {
            base: public_base_url.map(|b| b.trim_end_matches('/').to_owned()),
        }
    }

    /// Prefixes a root-relative URL path (`/files/…`) with `public_base_url`, when set.
    pub fn url(&self, path: &str) -> String {
        match &self.base {
            Some(base) => format!("{base}{path}"),
            None => path.to_owned(),
        }
    }
}
