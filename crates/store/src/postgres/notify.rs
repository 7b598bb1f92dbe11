//! Listening for other processes' changes (`migrations_pg/0002_notify.sql`): queued jobs
//! wake this process's idle workers, and asset changes advance its asset generation, so
//! its delivery cache never serves facts another node has changed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::Notify;

/// The channel that announces queued jobs.
const JOBS: &str = "medialib_jobs";
/// The channel that announces changed assets and variants.
const ASSETS: &str = "medialib_assets";
/// How long to wait before listening again after the connection failed.
const RETRY: Duration = Duration::from_secs(1);

/// What the listener tells the rest of the process.
#[derive(Clone)]
pub(crate) struct Signals {
    /// This process's `application_name`: asset notifications carrying it announce
    /// changes this process counted already when it made them.
    pub(crate) name: String,
    /// Woken (every waiter) when a job was queued anywhere.
    pub(crate) jobs: Arc<Notify>,
    /// The asset generation, advanced on every asset change anywhere.
    pub(crate) generation: Arc<AtomicU64>,
}

impl Signals {
    /// Both at once: after a lost connection nobody knows what was missed.
    fn everything_changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
        self.jobs.notify_waiters();
    }
}

/// Listens on both channels, on a connection of its own outside the pool, until the pool
/// is closed; after a failure it connects again and assumes it missed something.
/// Returns once it listens (or failed to, then it keeps trying), so that nothing this
/// process reads afterwards can miss a change.
pub(crate) async fn spawn(pool: &PgPool, signals: Signals) {
    let pool = pool.clone();
    let (listening, started) = tokio::sync::oneshot::channel();
    let mut listening = Some(listening);
    tokio::spawn(async move {
        while !pool.is_closed() {
            match listen(&pool, &signals, &mut listening).await {
                Ok(()) => return,
                // Closing the pool ends the listener's connection too: a shutdown.
                Err(_) if pool.is_closed() => return,
                Err(e) => {
                    tracing::warn!(error = %e, "lost the PostgreSQL notification connection; listening again");
                    if let Some(listening) = listening.take() {
                        let _ = listening.send(());
                    }
                    signals.everything_changed();
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    });
    let _ = started.await;
}

/// Relays notifications until the pool closes (`Ok`) or the connection fails.
async fn listen(
    pool: &PgPool,
    signals: &Signals,
    listening: &mut Option<tokio::sync::oneshot::Sender<()>>,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([JOBS, ASSETS]).await?;
    if let Some(listening) = listening.take() {
        let _ = listening.send(());
    }
    loop {
        // `try_recv` answers `None` after it had to reconnect: notifications may have
        // been missed meanwhile.
        match listener.try_recv().await? {
            Some(n) if n.channel() == JOBS => signals.jobs.notify_waiters(),
            Some(n) if n.payload() == signals.name => {}
            Some(_) => {
                signals.generation.fetch_add(1, Ordering::Release);
            }
            None if pool.is_closed() => return Ok(()),
            None => signals.everything_changed(),
        }
    }
}
