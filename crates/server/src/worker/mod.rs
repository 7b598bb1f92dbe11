//! The job runner: workers claim due jobs from the store, run them, and record the
//! outcome. Jobs survive restarts because they live in the metadata store; a failed
//! attempt is retried with exponential backoff until `max_attempts`.
//!
//! - `process`: the processing job of each asset kind (facts, picture variants, text).
//! - `transcode`: one video or audio rendition, with live progress and cancel.
//! - `results`: storing variant bytes and recording them.
//! - `original`: the original as a local file for the external tools.

mod original;
mod process;
mod results;
mod transcode;

use std::time::Duration;

use medialib_core::store::JobOutcome;
use medialib_core::{Job, JobId, JobKind, Timestamp};
use medialib_media::MediaError;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info_span};

use crate::state::AppState;

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
    /// The job already recorded its own end (a transcode records its rendition and its
    /// success together) or was cancelled meanwhile: nothing more to write.
    Recorded,
}

/// Claims and runs the next due job, if any. Tests call this to drain the queue
/// without sleeping.
pub async fn run_next_job(
    state: &AppState,
    owner: &str,
) -> Result<Step, medialib_core::StoreError> {
    let lease = Duration::from_secs(state.settings.jobs.lease_seconds);
    let Some(job) = state.store.claim_job(owner, lease).await? else {
        return Ok(Step::Idle);
    };
    let span = info_span!("job", id = %job.id, kind = %job.kind, asset = %job.asset_id, attempt = job.attempts);
    async {
        let started = std::time::Instant::now();
        let outcome = match run(state, &job, owner).await {
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
                let delay = backoff(state, job.attempts);
                tracing::warn!(%error, retry_in_s = delay.as_secs(), "job attempt failed");
                Some(JobOutcome::Retry {
                    error,
                    at: Timestamp::now_utc() + delay,
                })
            }
        };
        match outcome {
            Some(outcome) => state.store.finish_job(job.id, outcome).await,
            None => Ok(()),
        }
    }
    .instrument(span)
    .await?;
    Ok(Step::Ran(job.id))
}

/// `base × 2^(attempt−1)`, capped at one hour.
fn backoff(state: &AppState, attempt: u32) -> Duration {
    let base = state.settings.jobs.backoff_base_seconds.max(1);
    Duration::from_secs(
        base.saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(3600),
    )
}

async fn run(state: &AppState, job: &Job, owner: &str) -> Result<Done, Failure> {
    let Some(asset) = state
        .store
        .get_asset(job.asset_id)
        .await
        .map_err(Failure::transient)?
    else {
        return Ok(Done::Succeeded); // Purged while queued: nothing left to do.
    };
    match job.kind {
        JobKind::Transcode => transcode::run(state, job, owner, &asset).await,
        JobKind::ProcessImage
        | JobKind::ProcessVideo
        | JobKind::ProcessAudio
        | JobKind::ProcessDocument
        | JobKind::ProcessModel => {
            let processed = process::run(state, &asset).await?;
            results::record_processed(state, &asset, processed).await?;
            Ok(Done::Succeeded)
        }
    }
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

/// Runs `count` workers until `shutdown` is cancelled. A worker stops between jobs;
/// a job cut off by shutdown keeps its lease and is requeued at the next start.
pub fn spawn_workers(
    state: AppState,
    count: usize,
    shutdown: CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..count)
        .map(|n| {
            let state = state.clone();
            let shutdown = shutdown.clone();
            let owner = format!(
                "{}-{}-{n}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            );
            tokio::spawn(async move {
                while !shutdown.is_cancelled() {
                    match run_next_job(&state, &owner).await {
                        Ok(Step::Ran(_)) => continue,
                        Ok(Step::Idle) => {}
                        Err(e) => tracing::error!(error = %e, "job queue unavailable"),
                    }
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = state.jobs_queued.notified() => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                    }
                }
            })
        })
        .collect()
}
