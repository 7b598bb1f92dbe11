//! What every handler and worker shares.

use std::sync::Arc;

use medialib_app::Catalog;
use medialib_app::import::Importer;
use medialib_app::signing::Signer;
use medialib_app::transforms::Transforms;
use medialib_app::uploads::Uploads;
use medialib_worker::WorkerContext;
use tokio_util::sync::CancellationToken;

use crate::delivery_cache::DeliveryCache;
use crate::maintenance::DeliveryStats;

/// What the HTTP handlers share: the application's catalog and what only serving HTTP
/// needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The stores, settings and staging directory every use case takes.
    pub catalog: Catalog,
    /// Builds the URLs responses carry.
    pub urls: Arc<Urls>,
    /// The bytes and leases of upload sessions (tus, chunked), which outlive the process.
    pub uploads: Arc<Uploads>,
    /// The HTTP client that imports from URLs, behind the SSRF guard.
    pub importer: Importer,
    /// Signs and verifies delivery URLs of private assets.
    pub signer: Arc<Signer>,
    /// Delivery counts not yet written (see [`crate::maintenance`]).
    pub deliveries: Arc<DeliveryStats>,
    /// Asset facts and small files that delivery keeps in memory.
    pub delivery_cache: Arc<DeliveryCache>,
    /// On-the-fly transforms: render slots, renders in flight, results known to exist.
    pub transforms: Arc<Transforms>,
    /// Cancelled when the process shuts down: long jobs (transcodes) stop at once and
    /// keep their lease, so the next start runs them again. Behind an `Arc` because the
    /// state is cloned for every request, and a token's own clone takes a lock.
    pub shutdown: Arc<CancellationToken>,
}

impl AppState {
    /// What this process's job workers run with: every kind of job.
    pub fn worker_context(&self) -> WorkerContext {
        WorkerContext {
            catalog: self.catalog.clone(),
            kinds: Vec::new(),
            shutdown: CancellationToken::clone(&self.shutdown),
        }
    }
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

    /// `public_base_url` without a trailing `/`, or empty for root-relative URLs.
    pub fn base(&self) -> &str {
        self.base.as_deref().unwrap_or("")
    }

    /// Prefixes a root-relative URL path (`/files/…`) with `public_base_url`, when set.
    pub fn url(&self, path: &str) -> String {
        match &self.base {
            Some(base) => format!("{base}{path}"),
            None => path.to_owned(),
        }
    }
}
