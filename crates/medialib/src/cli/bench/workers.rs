//! `medialib bench workers`: end to end, how processing scales with worker processes
//! (issue 18). For each setup (worker processes × jobs each: 1 × 1, 2 × 1, 1 × 2, 2 × 2),
//! on a fresh data directory (SQLite):
//! 1. `medialib serve --no-workers` takes `--photos` corpus images through the API
//!    (distinct accepted images, in manifest order; not timed);
//! 2. the `medialib worker` processes start, and the time until no asset is still
//!    processing is measured (a failed asset fails the benchmark).
//!
//! The reference is the same run with one process running one job at a time.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use super::{Server, client, upload};

/// Flags of `medialib bench workers`.
#[derive(clap::Args)]
pub struct Options {
    /// Images uploaded, from the corpus: distinct accepted images, in manifest order.
    #[arg(long, default_value_t = 200)]
    photos: usize,
    /// The corpus (default: `$MEDIALIB_CORPUS`, else `../shared/corpus`).
    #[arg(long)]
    corpus: Option<PathBuf>,
}

/// One measured setup: worker processes × jobs each runs at once.
const SETUPS: [(usize, usize); 4] = [(1, 1), (2, 1), (1, 2), (2, 2)];
/// How long the workers may take before the benchmark gives up.
const PATIENCE: Duration = Duration::from_secs(1800);

/// Runs every setup and prints the Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    let corpus = super::corpus(options.corpus);
    let files = photos(&corpus, options.photos)?;
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .sum::<std::io::Result<u64>>()?;
    let mut rows = Vec::new();
    for (processes, concurrency) in SETUPS {
        let took = measure(&files, processes, concurrency).await?;
        eprintln!(
            "{processes} × {concurrency}: {} images in {:.1} s",
            files.len(),
            took.as_secs_f64()
        );
        rows.push((processes, concurrency, took));
    }

    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| images | {} distinct accepted corpus images, {:.1} MB in all, uploaded to \
         `serve --no-workers` before the clock starts |",
        files.len(),
        bytes as f64 / 1e6
    );
    println!("| timed | from starting the workers until no asset is processing |");
    println!(
        "| machine | {} CPUs; one SQLite data directory per setup |",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| worker processes × jobs each | processed in | images/s | against 1 × 1 |");
    println!("|---|---:|---:|---:|");
    let base = files.len() as f64 / rows[0].2.as_secs_f64();
    for (processes, concurrency, took) in rows {
        let rate = files.len() as f64 / took.as_secs_f64();
        println!(
            "| {processes} × {concurrency} | {:.1} s | {rate:.1} | {:.2}× |",
            took.as_secs_f64(),
            rate / base
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The first `count` distinct images the corpus manifest expects to be accepted.
fn photos(corpus: &Path, count: usize) -> anyhow::Result<Vec<PathBuf>> {
    let manifest: Vec<Value> = serde_json::from_slice(
        &std::fs::read(corpus.join("manifest.json")).context("read the corpus manifest")?,
    )?;
    let mut seen = std::collections::HashSet::new();
    let files: Vec<PathBuf> = manifest
        .iter()
        .filter(|e| e["kind"] == "image" && e["expect"] == "accept")
        .filter(|e| seen.insert(e["sha256"].as_str().unwrap_or_default().to_owned()))
        .filter_map(|e| e["path"].as_str().map(|p| corpus.join(p)))
        .take(count)
        .collect();
    if files.len() < count {
        bail!("the corpus has {} such images, not {count}", files.len());
    }
    Ok(files)
}

/// Uploads every file to a fresh `serve --no-workers`, then times `processes` workers of
/// `concurrency` jobs each until every asset is processed.
async fn measure(
    files: &[PathBuf],
    processes: usize,
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let scratch = tempfile::tempdir()?;
    let data = scratch.path().join("data");
    let server = Server::start_in(scratch, data, None, &["--no-workers"]).await?;
    let client = client()?;
    let bar = super::super::import::progress(files.len() as u64, "uploading");
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        upload(&client, &server, &name, std::fs::read(file)?).await?;
        bar.inc(1);
    }
    bar.finish_and_clear();

    let concurrency = concurrency.to_string();
    let started = Instant::now();
    let mut workers = Vec::with_capacity(processes);
    for _ in 0..processes {
        workers.push(KillOnDrop(server.worker(&["--concurrency", &concurrency])?));
    }
    loop {
        if total(&client, &server, "processing").await? == 0 {
            let took = started.elapsed();
            let failed = total(&client, &server, "failed").await?;
            if failed != 0 {
                bail!("{failed} image(s) failed to process");
            }
            return Ok(took);
        }
        if started.elapsed() > PATIENCE {
            bail!("not processed after {} s", PATIENCE.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many assets have `status`.
pub(super) async fn total(
    client: &reqwest::Client,
    server: &Server,
    status: &str,
) -> anyhow::Result<u64> {
    let page: Value = client
        .get(server.url(&format!("/api/v1/assets?status={status}&limit=1")))
        .send()
        .await?
        .json()
        .await?;
    page["total"]
        .as_u64()
        .with_context(|| format!("no total in {page}"))
}

/// A worker process, killed when the setup ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
