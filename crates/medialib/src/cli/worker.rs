//! `medialib worker`: runs jobs only, beside any number of `medialib serve --no-workers`
//! processes and other workers on the same database.

use std::process::ExitCode;
use std::time::Duration;

use medialib_core::{JobKind, Settings};
use medialib_worker::{WorkerContext, spawn_workers};
use tokio_util::sync::CancellationToken;

/// A kind of work, as `--kinds` names it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Work {
    /// Processing of new images.
    Image,
    /// Processing of new videos (probe, poster; queues transcodes).
    Video,
    /// Processing of new audio (probe, waveform, cover; queues transcodes).
    Audio,
    /// Processing of new documents (facts, text, first page).
    Document,
    /// Processing of new 3D models (validation, preview).
    Model3d,
    /// Video and audio renditions (ffmpeg).
    Transcode,
    /// Analysis of processed assets (tags, places, labels).
    Analyse,
}

impl Work {
    fn kind(self) -> JobKind {
        match self {
            Work::Image => JobKind::ProcessImage,
            Work::Video => JobKind::ProcessVideo,
            Work::Audio => JobKind::ProcessAudio,
            Work::Document => JobKind::ProcessDocument,
            Work::Model3d => JobKind::ProcessModel,
            Work::Transcode => JobKind::Transcode,
            Work::Analyse => JobKind::Analyse,
        }
    }
}

/// Runs `concurrency` workers (`workers` from the settings when `None`) on the jobs of
/// `kinds` (all when empty) until SIGTERM or Ctrl-C; then stops claiming, lets running
/// jobs finish for `jobs.shutdown_grace_seconds`, and interrupts the rest, which keep
/// their leases for another worker to take once they expire.
pub async fn run(
    settings: Settings,
    kinds: &[Work],
    concurrency: Option<usize>,
) -> anyhow::Result<ExitCode> {
    let count = concurrency
        .unwrap_or_else(|| settings.worker_count())
        .max(1);
    let grace = Duration::from_secs(settings.jobs.shutdown_grace_seconds);
    let opened = medialib_app::open::open(settings).await?;
    let shutdown = CancellationToken::new();
    let context = WorkerContext {
        catalog: opened.catalog.clone(),
        kinds: kinds.iter().map(|w| w.kind()).collect(),
        shutdown: shutdown.clone(),
    };
    let drain = CancellationToken::new();
    tracing::info!(count, kinds = ?context.kinds, "medialib worker running");
    let mut handles = spawn_workers(context, count, drain.clone());
    super::serve::shutdown_signal().await;
    drain.cancel();
    tracing::info!(
        grace_s = grace.as_secs(),
        "stopping: running jobs may finish"
    );
    let finished = tokio::time::timeout(grace, async {
        for handle in &mut handles {
            let _ = handle.await;
        }
    })
    .await;
    if finished.is_err() {
        tracing::warn!("grace period over: interrupting running jobs, which keep their leases");
        shutdown.cancel();
        for handle in handles {
            let _ = handle.await;
        }
    }
    tracing::info!("stopped");
    drop(opened);
    Ok(ExitCode::SUCCESS)
}
