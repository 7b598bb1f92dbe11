//! medialib's HTTP server and job runner.
//!
//! - [`App`]: opens the embedded stores for a [`Settings`] and serves them.
//! - `routes`: the axum router (API, delivery), one module per resource.
//! - `ui`: the admin web UI at `/ui/` (pages, picker, embedded static files).
//! - [`tus`]: resumable uploads (tus 1.0) that end in `medialib_app::ingest`.
//! - [`webhooks`]: the webhook dispatcher (outbox → deliveries → attempts).
//! - [`maintenance`]: periodic upkeep (trash purge, delivery counts, metrics gauges).
//! - [`metrics`]: the Prometheus recorder, request counting and `/metrics`.
//! - [`http`]: the one way a listener is served (`TCP_NODELAY` on every connection).
//! - [`bench_sink`]: the reference servers of `medialib bench upload`.
//! - `auth`: bearer tokens and principals.
//! - [`delivery_cache`]: asset facts and small files kept in memory for delivery.
//! - `dto`: the JSON shapes clients see.
//! - `error`: [`error::ApiError`], the one error type at the HTTP boundary.
//! - `state`: [`AppState`], shared by handlers and workers.
#![deny(missing_docs)]

mod audit;
pub mod auth;
pub mod bench_sink;
pub mod delivery_cache;
pub mod dto;
pub mod error;
mod graphql;
pub mod http;
pub mod maintenance;
pub mod metrics;
mod routes;
pub mod session;
pub mod state;
pub mod tus;
mod ui;
pub mod webhooks;

use medialib_app::transforms::Transforms;
use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use medialib_app::access::credentials;
use medialib_app::open::Opened;
use medialib_app::uploads::Uploads;
use medialib_app::{import, signing};
use medialib_core::{Database, Settings};
use medialib_worker as worker;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use graphql::sdl as graphql_sdl;
pub use routes::router;
pub use state::AppState;

/// An opened instance: stores, blob storage and this process's staging directory.
pub struct App {
    /// Shared state for handlers and workers.
    pub state: AppState,
    // Dropped last: it owns this process's staging directory.
    _opened: Opened,
}

impl App {
    /// Opens the catalog `settings` describe (see [`medialib_app::open::open`]) and
    /// what serving HTTP needs beside it: tus files, the import client, the signer and
    /// the delivery cache.
    ///
    /// Errors when the data directory or database cannot be opened.
    pub async fn open(settings: Settings) -> anyhow::Result<Self> {
        Self::open_with_env(settings, std::env::vars().collect()).await
    }

    /// [`App::open`], with the blob store's credentials from `env` rather than this
    /// process's environment (see [`medialib_app::open::open_with_env`]).
    pub async fn open_with_env(
        settings: Settings,
        env: Vec<(String, String)>,
    ) -> anyhow::Result<Self> {
        if matches!(settings.database(), Database::Postgres(_)) && settings.signing.keys.is_empty()
        {
            anyhow::bail!(
                "database_url is PostgreSQL, which several nodes may share: set signing.keys \
                 in the configuration, the same on every node (a key generated here would \
                 sign URLs that the other nodes reject)"
            );
        }
        metrics::install();
        let opened = medialib_app::open::open_with_env(settings, env).await?;
        let catalog = opened.catalog.clone();
        let settings = &catalog.settings;
        let data_dir = &settings.data_dir;
        let uploads = Uploads::open(&catalog).context("create uploads")?;
        let importer =
            import::Importer::new(&settings.import).context("create the import client")?;
        let signer = signing::Signer::open(&settings.signing, data_dir)?;
        let delivery_cache = delivery_cache::DeliveryCache::new(&settings.delivery);
        let urls = state::Urls::new(settings.public_base_url.as_deref());
        let transforms = Transforms::new(&settings.transforms);
        let state = AppState {
            catalog,
            urls: Arc::new(urls),
            uploads: Arc::new(uploads),
            importer,
            signer: Arc::new(signer),
            deliveries: Arc::default(),
            delivery_cache: Arc::new(delivery_cache),
            transforms: Arc::new(transforms),
            shutdown: Arc::new(CancellationToken::new()),
        };
        Ok(Self {
            state,
            _opened: opened,
        })
    }

    /// Creates the first admin token when none exists: `settings.admin_token`
    /// (`MEDIALIB_ADMIN_TOKEN`) if set, else a random one, which is returned so the
    /// caller can show it once. Only the token's hash is stored.
    pub async fn ensure_admin_token(&self) -> anyhow::Result<Option<String>> {
        let store = &self.state.catalog.store;
        if store.has_tokens().await? {
            return Ok(None);
        }
        let (token, generated) = match &self.state.catalog.settings.admin_token {
            Some(secret) if secret.expose().len() >= 16 => (secret.expose().to_owned(), false),
            Some(_) => anyhow::bail!("MEDIALIB_ADMIN_TOKEN must be at least 16 characters"),
            None => (credentials::generate_token(), true),
        };
        store
            .create_admin_token("admin (first start)", &credentials::hash_token(&token))
            .await?;
        Ok(generated.then_some(token))
    }

    /// Serves HTTP on `listener` and, when `workers` is true, runs the job workers,
    /// until `shutdown` completes. Jobs left running by a stopped process are claimed
    /// again once their leases expire; a live process's running jobs are never taken.
    pub async fn serve(
        self,
        listener: TcpListener,
        workers: bool,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state.clone();
        let cancel = CancellationToken::clone(&state.shutdown);
        let handles = if workers {
            let count = state.catalog.settings.worker_count();
            tracing::info!(count, "starting job workers");
            worker::spawn_workers(state.worker_context(), count, cancel.clone())
        } else {
            Vec::new()
        };
        let upkeep = maintenance::spawn(state.clone());
        let dispatcher = webhooks::spawn(state.clone()).context("the webhook client")?;
        let app = router(state);
        let stop = cancel.clone();
        http::serve(listener, app, async move {
            shutdown.await;
            stop.cancel();
        })
        .await
        .context("HTTP server")?;
        cancel.cancel();
        for handle in handles {
            let _ = handle.await;
        }
        let _ = upkeep.await;
        let _ = dispatcher.await;
        Ok(())
    }
}
