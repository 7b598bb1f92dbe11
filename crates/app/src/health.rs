//! Readiness: whether this process can do its work now, check by check (the metadata
//! store, the blob store, the job queue, the data directory's disk), each bounded by
//! [`CHECK_TIMEOUT`] so that a hung dependency makes the answer "not ready", not a hang.

use std::path::Path;
use std::time::Duration;

use medialib_core::Timestamp;
use medialib_core::store::QueueStats;

use crate::Catalog;

/// The longest one check may take before it counts as failing.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Free space under which the data directory's disk fails its check, in bytes: uploads
/// stage there, and SQLite writes there.
pub const MIN_FREE_BYTES: u64 = 100 << 20;

/// How far back failed jobs are counted.
const FAILED_WINDOW: Duration = Duration::from_secs(3600);

/// One check's outcome: `Err` holds why it fails, as a sentence.
pub type Check<T> = Result<T, String>;

/// Every check, run at `checked_at`.
#[derive(Debug)]
pub struct Readiness {
    /// When the checks ran.
    pub checked_at: Timestamp,
    /// The metadata store answers a query.
    pub database: Check<()>,
    /// The blob store takes, returns and deletes a probe object.
    pub storage: Check<()>,
    /// The job queue's counts (read from the metadata store), failed jobs of the last hour.
    pub queue: Check<QueueStats>,
    /// Free bytes on the data directory's disk.
    pub disk_free_bytes: Check<u64>,
}

impl Readiness {
    /// Whether every check passed.
    pub fn is_ready(&self) -> bool {
        self.database.is_ok()
            && self.storage.is_ok()
            && self.queue.is_ok()
            && self.disk_free_bytes.is_ok()
    }
}

/// Runs every check at once, each within [`CHECK_TIMEOUT`].
pub async fn readiness(catalog: &Catalog) -> Readiness {
    let checked_at = Timestamp::now_utc();
    let since = checked_at - FAILED_WINDOW;
    let (database, storage, disk) = tokio::join!(
        bounded("the database", catalog.store.queue_stats(since)),
        bounded("the blob store", catalog.blobs.probe()),
        bounded(
            "the data directory's disk",
            free_bytes(&catalog.settings.data_dir)
        ),
    );
    let disk_free_bytes = disk.and_then(|free| {
        if free < MIN_FREE_BYTES {
            Err(format!(
                "the data directory's disk has {} MiB free, under the {} MiB uploads need",
                free >> 20,
                MIN_FREE_BYTES >> 20
            ))
        } else {
            Ok(free)
        }
    });
    Readiness {
        checked_at,
        database: database.as_ref().map(drop).map_err(Clone::clone),
        storage,
        queue: database,
        disk_free_bytes,
    }
}

/// `work`'s outcome within [`CHECK_TIMEOUT`], with `what` failed and why otherwise.
async fn bounded<T, E: std::fmt::Display>(
    what: &str,
    work: impl Future<Output = Result<T, E>>,
) -> Check<T> {
    match tokio::time::timeout(CHECK_TIMEOUT, work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(format!("{what} failed: {e}")),
        Err(_) => Err(format!(
            "{what} did not answer within {} s",
            CHECK_TIMEOUT.as_secs()
        )),
    }
}

/// Bytes available to this process on the disk holding `dir` (statvfs).
async fn free_bytes(dir: &Path) -> Result<u64, String> {
    let dir = dir.to_owned();
    let stat = tokio::task::spawn_blocking(move || rustix::fs::statvfs(&dir)).await;
    match stat {
        Ok(Ok(stat)) => Ok(stat.f_bavail.saturating_mul(stat.f_frsize)),
        Ok(Err(e)) => Err(format!("statvfs: {e}")),
        Err(e) => Err(e.to_string()),
    }
}
