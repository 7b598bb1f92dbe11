//! The job runner: workers claim due jobs from the store, run them, and record the
//! outcome. Jobs survive restarts because they live in the metadata store; a failed
//! attempt is retried with exponential backoff until `max_attempts`.
//!
//! - `process`: the processing job of each asset kind (facts, picture variants, text).
//! - `transcode`: one video or audio rendition, with live progress and cancel.
//! - `results`: storing variant bytes and recording them.
//! - `analyse`: the analysers' results and automatic tags.
#![deny(missing_docs)]

mod analyse;
mod process;
mod results;
mod transcode;

use std::convert::Infallible;
use std::time::Duration;

use medialib_core::store::JobOutcome;
use medialib_core::{
    Asset, BlobFile, Job, JobId, JobKind, JobPayload, Lease, StorageKey, Timestamp,
};
use medialib_media::MediaError;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info_span};

use medialib_app::Catalog;

/// How long an idle worker sleeps when nobody wakes it, as a safety net for jobs
/// queued by another process (`medialib import`) or whose backoff has expired.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// What one step of a worker did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// No job was due.
    Idle,
    /// This job ran (whatever its outcome).
    Ran(JobId),
}

/// Why an attempt failed: permanently (the input is bad) or transiently (retry).
enum Failure {
    Permanent(String),
    Transient(String),
}

impl Failure {
    fn transient(e: impl std::fmt::Display) -> Self {
        Self::Transient(e.to_string())
    }

    /// A tool that is missing or failed for reasons outside the file may work next time;
    /// anything else about the file will fail the same way again.
    fn media(e: MediaError) -> Self {
        match e {
            MediaError::Tool(_) => Self::Transient(e.to_string()),
            other => Self::Permanent(other.to_string()),
        }
    }
}

/// How a job that did not fail ended.
enum Done {
    /// Record it as succeeded.
    Succeeded,
    /// The job already recorded its own end (processing and transcodes record their
    /// results and their success together) or lost its lease: nothing more to write.
    Recorded,
}

/// What a worker runs jobs with: the catalog, the kinds of job it takes, and this
/// process's shutdown, which interrupts long jobs (transcodes) and leaves them under
/// their lease.
#[derive(Clone)]
pub struct WorkerContext {
    /// The stores, settings and staging directory.
    pub catalog: Catalog,
    /// The kinds of job to claim; every kind when empty.
    pub kinds: Vec<JobKind>,
    /// Cancelled when running jobs must stop at once.
    pub shutdown: CancellationToken,
}

/// Claims and runs the next due job, if any, as `owner` (a name unique to this worker,
/// for the queue's records). Tests call this to drain the queue without sleeping.
pub async fn run_next_job(
    context: &WorkerContext,
    owner: &str,
) -> Result<Step, medialib_core::StoreError> {
    let catalog = &context.catalog;
    let duration = Duration::from_secs(catalog.settings.jobs.lease_seconds);
    let claimed = catalog
        .store
        .claim_job_of(owner, &context.kinds, duration)
        .await?;
    let Some((job, lease)) = claimed else {
        return Ok(Step::Idle);
    };
    let span = info_span!("job", id = %job.id, kind = %job.payload.kind(), asset = %job.asset_id, attempt = job.attempts, lease = lease.token);
    async {
        let started = std::time::Instant::now();
        let result = tokio::select! {
            result = run(context, &job, lease) => result,
            never = heartbeat(catalog, lease, duration) => match never {},
        };
        let outcome = match result {
            Ok(Done::Succeeded) => {
                tracing::info!(ms = started.elapsed().as_millis() as u64, "job succeeded");
                Some(JobOutcome::Succeeded)
            }
            Ok(Done::Recorded) => {
                tracing::info!(ms = started.elapsed().as_millis() as u64, "job ended");
                None
            }
            Err(Failure::Permanent(error)) => {
                tracing::warn!(%error, "job failed for good");
                Some(JobOutcome::Failed { error })
            }
            Err(Failure::Transient(error)) => {
                let delay = backoff(catalog, job.attempts);
                tracing::warn!(%error, retry_in_s = delay.as_secs(), "job attempt failed");
                Some(JobOutcome::Retry {
                    error,
                    at: Timestamp::now_utc() + delay,
                })
            }
        };
        let counted = match &outcome {
            None | Some(JobOutcome::Succeeded) => "succeeded",
            // The store fails a job for good once no attempt remains.
            Some(JobOutcome::Retry { .. }) if job.attempts >= job.max_attempts => "failed",
            Some(JobOutcome::Retry { .. }) => "retried",
            Some(JobOutcome::Failed { .. }) => "failed",
        };
        medialib_app::metrics::job(job.payload.kind().as_str(), counted, started.elapsed());
        if let Some(outcome) = outcome
            && !catalog.store.finish_job(lease, outcome).await?
        {
            tracing::warn!(
                "the job no longer holds its lease (cancelled, claimed again, or its asset purged); its outcome is dropped"
            );
        }
        Ok::<_, medialib_core::StoreError>(())
    }
    .instrument(span)
    .await?;
    Ok(Step::Ran(job.id))
}

/// Renews `lease` every third of its `duration` while the job runs, so a live worker keeps
/// its job however long it takes, and a dead one loses it within `duration`. Once the
/// lease no longer holds it stops beating: the job's writes are refused from then on.
async fn heartbeat(catalog: &Catalog, lease: Lease, duration: Duration) -> Infallible {
    let mut beat = tokio::time::interval(duration / 3);
    beat.tick().await; // The first tick is now, right after the claim.
    loop {
        beat.tick().await;
        match catalog.store.job_progress(lease, None, duration).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!("the job's lease no longer holds (cancelled or claimed again)");
                return std::future::pending().await;
            }
            // Not fatal: the next beat tries again, and the lease has slack.
            Err(e) => tracing::warn!(error = %e, "could not renew the job's lease"),
        }
    }
}

/// `base × 2^(attempt−1)`, capped at one hour.
fn backoff(catalog: &Catalog, attempt: u32) -> Duration {
    let base = catalog.settings.jobs.backoff_base_seconds.max(1);
    Duration::from_secs(
        base.saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(3600),
    )
}

async fn run(context: &WorkerContext, job: &Job, lease: Lease) -> Result<Done, Failure> {
    let catalog = &context.catalog;
    let Some(asset) = catalog
        .store
        .get_asset(job.asset_id)
        .await
        .map_err(Failure::transient)?
    else {
        return Ok(Done::Succeeded); // Purged while queued: nothing left to do.
    };
    match &job.payload {
        JobPayload::Transcode { profile } => transcode::run(context, profile, lease, &asset).await,
        JobPayload::Analyse { analysers } => analyse::run(catalog, lease, &asset, analysers).await,
        JobPayload::ProcessImage
        | JobPayload::ProcessVideo
        | JobPayload::ProcessAudio
        | JobPayload::ProcessDocument
        | JobPayload::ProcessModel => {
            let processed = process::run(catalog, &asset).await?;
            results::record_processed(catalog, &asset, lease, processed).await?;
            Ok(Done::Recorded)
        }
    }
}

/// The original of `asset` as a file the external tools (ffmpeg, poppler) can open: the
/// blob's own file on local storage, else a copy in this process's staging directory,
/// removed when dropped.
async fn original_file(catalog: &Catalog, asset: &Asset) -> Result<BlobFile, Failure> {
    let key = StorageKey::original(asset.namespace, &asset.sha256);
    catalog
        .blobs
        .get_to_file(&key, &catalog.staging_dir)
        .await
        .map_err(Failure::transient)
}

/// Runs `work` on the blocking pool. A panic inside a decoder fails the job for good
/// instead of killing the worker.
async fn blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> Result<T, MediaError> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Failure::Permanent(format!("{what} crashed on this file: {e}")))?
        .map_err(Failure::media)
}

/// Runs `count` workers until `drain` is cancelled: each then stops claiming and ends
/// after its current job. A job cut off by the context's shutdown keeps its lease and is
/// claimed again once that expires.
pub fn spawn_workers(
    context: WorkerContext,
    count: usize,
    drain: CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..count)
        .map(|n| {
            let context = context.clone();
            let owner = format!(
                "{}-{}-{n}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            );
            let drain = drain.clone();
            tokio::spawn(async move {
                while !drain.is_cancelled() {
                    match run_next_job(&context, &owner).await {
                        Ok(Step::Ran(_)) => continue,
                        Ok(Step::Idle) => {}
                        Err(e) => tracing::error!(error = %e, "job queue unavailable"),
                    }
                    tokio::select! {
                        _ = drain.cancelled() => break,
                        _ = context.catalog.jobs_queued.notified() => {}
                        _ = context.catalog.store.job_queued_elsewhere() => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                    }
                }
            })
        })
        .collect()
}
