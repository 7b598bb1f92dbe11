//! `medialib analyse`: backfills analysis over a library: queues an `analyse` job per
//! ready asset (or per asset never analysed) and runs them here, with a progress bar.

use std::process::ExitCode;

use medialib_core::analysis::Analyser;
use medialib_core::{JobKind, Settings};
use medialib_worker::{self as worker, Step, WorkerContext};
use tokio_util::sync::CancellationToken;

use super::import::progress;

/// Which assets [`run`] queues.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Every ready asset.
    All,
    /// Ready assets without any analysis result.
    Missing,
}

/// Parses one `--kinds` entry.
pub fn analyser(name: &str) -> Result<Analyser, String> {
    name.parse()
}

/// Queues the analysis of `scope` with `analysers` (every enabled one when empty) and,
/// unless `queue_only`, runs the jobs with `settings.workers` workers until none is left.
pub async fn run(
    settings: Settings,
    scope: Scope,
    analysers: &[Analyser],
    queue_only: bool,
) -> anyhow::Result<ExitCode> {
    let workers = settings.worker_count().max(1);
    let opened = medialib_app::open::open(settings).await?;
    let catalog = opened.catalog.clone();
    let missing = matches!(scope, Scope::Missing);
    let queueing = progress(0, "queueing");
    let queued = medialib_app::analysis::backfill(&catalog, missing, analysers, |n| {
        queueing.inc_length(n);
        queueing.inc(n);
    })
    .await?;
    queueing.finish_and_clear();
    println!("queued {queued} analysis jobs");
    if queue_only || queued == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let context = WorkerContext {
        catalog,
        kinds: vec![JobKind::Analyse],
        shutdown: CancellationToken::new(),
    };
    let bar = progress(queued, "analysing");
    let drains = (0..workers).map(|n| {
        let (context, bar) = (context.clone(), bar.clone());
        tokio::spawn(async move {
            let owner = format!("analyse-{}-{n}", std::process::id());
            while let Step::Ran(_) = worker::run_next_job(&context, &owner).await? {
                bar.inc(1);
            }
            Ok::<_, medialib_core::StoreError>(())
        })
    });
    for drain in futures_util::future::join_all(drains).await {
        drain??;
    }
    bar.finish_and_clear();
    println!("analysed {} assets", bar.position());
    drop(opened);
    Ok(ExitCode::SUCCESS)
}
