//! Transcode jobs: one video or audio rendition per job, made by ffmpeg into the
//! staging directory, then stored and recorded together with the job's success.
//!
//! While ffmpeg runs, the job reports progress every half second; that write also
//! renews the lease and tells the worker whether the job is still its own. A cancel
//! (from any process, through the store) or a shutdown kills ffmpeg at once and the
//! partial file is deleted: nothing half-written is ever stored.

use std::path::Path;
use std::time::Duration;

use medialib_core::store::NewVariant;
use medialib_core::{Asset, Lease, Metadata, Sha256, StorageKey};
use medialib_media::av::Probed;
use medialib_media::{Cancel, MediaError};
use sha2::Digest;

use super::results::delete_blobs;
use super::{Done, Failure, WorkerContext};

/// How often progress is written (and the cancel flag read back).
const HEARTBEAT: Duration = Duration::from_millis(500);

/// Runs the transcode of `asset` to profile `name` under `lease`.
pub(super) async fn run(
    context: &WorkerContext,
    name: &str,
    lease: Lease,
    asset: &Asset,
) -> Result<Done, Failure> {
    let catalog = &context.catalog;
    let settings = &catalog.settings;
    let profile = settings
        .video
        .profiles
        .iter()
        .find(|p| p.name == name)
        .cloned()
        .ok_or_else(|| {
            Failure::Permanent(format!(
                "transcode profile {name:?} is no longer configured"
            ))
        })?;
    let source = match &asset.metadata {
        Some(Metadata::Video(m)) => Probed::Video(m.clone()),
        Some(Metadata::Audio(m)) => Probed::Audio(m.clone()),
        _ => {
            return Err(Failure::Permanent(
                "the asset has no video or audio facts to transcode from".into(),
            ));
        }
    };
    let original = super::original_file(catalog, asset).await?;
    let output = tempfile::Builder::new()
        .prefix("transcode-")
        .tempfile_in(catalog.staging_dir.as_ref())
        .map_err(Failure::transient)?
        .into_temp_path();

    let cancel = Cancel::new();
    let (progress_tx, progress_rx) = tokio::sync::watch::channel(0u8);
    let work = {
        let input = original.path().to_owned();
        let output = output.to_path_buf();
        let cancel = cancel.clone();
        let timeout = Duration::from_secs(settings.limits.transcode_timeout_seconds);
        tokio::task::spawn_blocking(move || {
            medialib_media::av::transcode(
                &input,
                &output,
                &profile,
                &source,
                timeout,
                &cancel,
                &mut |p| {
                    let _ = progress_tx.send(p);
                },
            )
            .map(|rendition| (rendition, profile))
        })
    };
    tokio::pin!(work);
    let duration = Duration::from_secs(settings.jobs.lease_seconds);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut interrupted = false;
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = context.shutdown.cancelled(), if !interrupted => {
                interrupted = true;
                cancel.cancel();
            }
            _ = heartbeat.tick() => {
                let progress = *progress_rx.borrow();
                match catalog.store.job_progress(lease, Some(progress), duration).await {
                    Ok(true) => {}
                    Ok(false) => cancel.cancel(),
                    // Not fatal: the next beat tries again, and the lease has slack.
                    Err(e) => tracing::warn!(error = %e, "could not record progress"),
                }
            }
        }
    };
    let (rendition, profile) = match result {
        Ok(Ok(done)) => done,
        Ok(Err(MediaError::Cancelled)) if interrupted => {
            // Keep the lease: once it expires, the next process claims the job again.
            tracing::info!("transcode interrupted by shutdown");
            return Ok(Done::Recorded);
        }
        Ok(Err(MediaError::Cancelled)) => {
            tracing::info!("transcode cancelled");
            return Ok(Done::Recorded);
        }
        Ok(Err(e)) => return Err(Failure::media(e)),
        Err(e) => return Err(Failure::Permanent(format!("ffmpeg's runner crashed: {e}"))),
    };

    let sha256 = hash_file(&output).await?;
    let key = StorageKey::rendition(asset.id, &profile.name, lease, profile.format);
    catalog
        .blobs
        .put_file(&key, &output)
        .await
        .map_err(Failure::transient)?;
    let variant = NewVariant {
        name: profile.name.clone(),
        format: profile.format,
        width: rendition.width,
        height: rendition.height,
        duration_s: Some(rendition.duration_s),
        size: rendition.size,
        sha256,
        storage_key: key.as_str().to_owned(),
    };
    match catalog.store.record_rendition(lease, variant).await {
        Ok(Some(replaced)) => {
            tracing::info!(profile = %profile.name, bytes = rendition.size, "rendition stored");
            delete_blobs(catalog, replaced.keys).await?;
            Ok(Done::Recorded)
        }
        Ok(None) => {
            // Cancelled, claimed again after the lease expired, or the asset purged,
            // after ffmpeg finished: the rendition (its key is this claim's) belongs to
            // nobody.
            delete_blobs(catalog, vec![key.as_str().to_owned()]).await?;
            Ok(Done::Recorded)
        }
        Err(e) => {
            delete_blobs(catalog, vec![key.as_str().to_owned()]).await?;
            Err(Failure::transient(e))
        }
    }
}

/// SHA-256 of a file, read in chunks off the async runtime.
async fn hash_file(path: &Path) -> Result<Sha256, Failure> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = sha2::Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok::<_, std::io::Error>(Sha256(hasher.finalize().into()))
    })
    .await
    .map_err(Failure::transient)?
    .map_err(Failure::transient)
}
