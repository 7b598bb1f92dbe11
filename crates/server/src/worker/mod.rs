//! The job runner: workers claim due jobs from the store, run them, and record the
//! outcome. Jobs survive restarts because they live in the metadata store; a failed
//! attempt is retried with exponential backoff until `max_attempts`.

use std::time::Duration;

use bytes::Bytes;
use medialib_core::store::{JobOutcome, NewVariant, Processed};
use medialib_core::{Asset, Job, JobId, Sha256, StorageKey, Timestamp};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits, MediaError};
use sha2::Digest;
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
        let outcome = match run(state, &job).await {
            Ok(()) => {
                tracing::info!(ms = started.elapsed().as_millis() as u64, "job succeeded");
                JobOutcome::Succeeded
            }
            Err(Failure::Permanent(error)) => {
                tracing::warn!(%error, "job failed for good");
                JobOutcome::Failed { error }
            }
            Err(Failure::Transient(error)) => {
                let delay = backoff(state, job.attempts);
                tracing::warn!(%error, retry_in_s = delay.as_secs(), "job attempt failed");
                JobOutcome::Retry {
                    error,
                    at: Timestamp::now_utc() + delay,
                }
            }
        };
        state.store.finish_job(job.id, outcome).await
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

async fn run(state: &AppState, job: &Job) -> Result<(), Failure> {
    let transient = |e: &dyn std::fmt::Display| Failure::Transient(e.to_string());
    let Some(asset) = state
        .store
        .get_asset(job.asset_id)
        .await
        .map_err(|e| transient(&e))?
    else {
        return Ok(()); // Purged while queued: nothing left to do.
    };
    let format = ImageFormat::from_mime(&asset.mime)
        .ok_or_else(|| Failure::Permanent(format!("no image pipeline for {}", asset.mime)))?;
    let original = state
        .blobs
        .get_bytes(&StorageKey::original(asset.namespace, &asset.sha256))
        .await
        .map_err(|e| transient(&e))?;

    let settings = &state.settings;
    let specs = settings.images.variants.clone();
    let limits = ImageLimits {
        max_pixels: settings.limits.max_image_pixels,
        max_side: settings.limits.max_image_side,
    };
    let encode = EncodeSettings {
        webp_quality: settings.images.webp_quality,
        jpeg_quality: settings.images.jpeg_quality,
    };
    let processed = tokio::task::spawn_blocking(move || {
        medialib_media::process(&original, format, &specs, &limits, &encode)
    })
    .await
    .map_err(|e| Failure::Permanent(format!("the image pipeline crashed on this file: {e}")))?
    .map_err(|e: MediaError| Failure::Permanent(e.to_string()))?;

    store_results(state, &asset, processed).await
}

async fn store_results(
    state: &AppState,
    asset: &Asset,
    processed: medialib_media::ProcessedImage,
) -> Result<(), Failure> {
    let transient = |e: &dyn std::fmt::Display| Failure::Transient(e.to_string());
    let mut variants = Vec::with_capacity(processed.variants.len());
    for v in processed.variants {
        let key = StorageKey::variant(asset.id, &v.name, v.format);
        let sha256 = Sha256(sha2::Sha256::digest(&v.bytes).into());
        let size = v.bytes.len() as u64;
        state
            .blobs
            .put_bytes(&key, Bytes::from(v.bytes))
            .await
            .map_err(|e| transient(&e))?;
        variants.push(NewVariant {
            name: v.name,
            format: v.format,
            width: v.width,
            height: v.height,
            size,
            sha256,
            storage_key: key.as_str().to_owned(),
        });
    }
    let keys: Vec<String> = variants.iter().map(|v| v.storage_key.clone()).collect();
    let taken_at = processed
        .metadata
        .taken_at
        .as_deref()
        .and_then(parse_taken_at);
    let recorded = state
        .store
        .record_processed(
            asset.id,
            Processed {
                metadata: processed.metadata,
                placeholder: processed.placeholder,
                taken_at,
                variants,
            },
        )
        .await;
    let stale = match recorded {
        Ok(unreferenced) => unreferenced.keys,
        // Purged while processing: the variants just stored belong to nobody.
        Err(medialib_core::StoreError::NotFound(_)) => keys,
        Err(e) => return Err(transient(&e)),
    };
    for key in stale {
        state
            .blobs
            .delete(&StorageKey::from_stored(key))
            .await
            .map_err(|e| transient(&e))?;
    }
    Ok(())
}

/// Parses `YYYY-MM-DDTHH:MM:SS[±HH:MM]`; a time without offset is taken as UTC, the
/// best guess for sorting (camera clocks carry no zone).
fn parse_taken_at(s: &str) -> Option<Timestamp> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .or_else(|| time::OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_at_parses_with_and_without_offset() {
        let t = parse_taken_at("2021-06-01T10:20:30").unwrap();
        assert_eq!(t.unix_timestamp(), 1_622_542_830);
        let t = parse_taken_at("2021-06-01T10:20:30+02:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_622_542_830 - 7200);
        assert!(parse_taken_at("0000:00:00 00:00:00").is_none());
    }
}
