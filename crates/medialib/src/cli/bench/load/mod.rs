//! `medialib bench load`: the server under mixed traffic for minutes (issue 21), against
//! itself over time rather than a reference tool.
//!
//! 1. starts `medialib serve` as the other benchmarks do (SQLite and blobs on a fresh
//!    data directory, the default workers, no rate limits; quotas are unlimited by
//!    default), with ad-hoc transforms allowed unsigned and a render queue as deep as the
//!    readers are many, so that only a fault can answer 5xx;
//! 2. seeds `--seed` assets from the corpus mix (`corpus`), public, and waits until they
//!    are processed;
//! 3. for `--seconds`, on loopback: `--uploaders` tasks each upload the next file of the
//!    mix, made unique, by multipart `POST` and by tus in turn, and `--readers` tasks
//!    each request in turn a variant, an original (every other one a 64 KiB `Range`), a
//!    search, a transform and a listing page of the seeded assets (`traffic`). Each task
//!    sends its next request when the answer to the previous one has arrived; none starts
//!    after the deadline. The server's resident memory is sampled every second;
//! 4. waits (at most `--drain-seconds`) until `/readyz` counts no job queued or running.
//!
//! Reported (`report`): per request type, the count and p50/p95/p99/max latency of the
//! successes, and failures by class; RSS before, at 60 s, at the end, after the drain and
//! at its peak (`VmHWM`); the drain time. The run fails on any 5xx, dropped connection or
//! timeout, a queue that did not drain, or a peak over `--max-rss-mb`.

mod corpus;
mod report;
mod traffic;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::workers::total;
use super::{CpuTicks, Server, client};
use corpus::Corpus;
use traffic::{Tally, Traffic};

/// Flags of `medialib bench load`.
#[derive(clap::Args)]
pub struct Options {
    /// Seconds of traffic.
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// Concurrent uploaders.
    #[arg(long, default_value_t = 50)]
    uploaders: usize,
    /// Concurrent readers.
    #[arg(long, default_value_t = 200)]
    readers: usize,
    /// Assets uploaded and processed before the traffic, which the readers read.
    #[arg(long, default_value_t = 20)]
    seed: usize,
    /// The most resident memory the server may reach (`VmHWM`), in MB (MiB).
    #[arg(long, default_value_t = 600)]
    max_rss_mb: u64,
    /// How long the job queue may take to drain after the traffic, in seconds.
    #[arg(long, default_value_t = 600)]
    drain_seconds: u64,
    /// The corpus (default: `$MEDIALIB_CORPUS`, else `../shared/corpus`).
    #[arg(long)]
    corpus: Option<PathBuf>,
}

/// Resident memory of the server, in KiB, sampled each second of the traffic (index 0:
/// when it began).
struct Memory {
    before_seed_kib: u64,
    samples: Vec<u64>,
    after_drain_kib: u64,
    peak_kib: u64,
}

/// How the queue drained after the traffic.
struct Drain {
    /// Jobs queued or running when the traffic ended.
    at_end: u64,
    /// The time until none was left; `None` when some still were after the wait.
    took: Option<Duration>,
    left: u64,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    if options.seconds == 0 || options.seed == 0 {
        bail!("--seconds and --seed must be at least 1");
    }
    if options.uploaders + options.readers == 0 {
        bail!("no uploaders and no readers: nothing to measure");
    }
    let corpus = Corpus::load(&super::corpus(options.corpus.clone()))?;
    // Ad-hoc ops unsigned (on public assets), as `bench transform` has them; the render
    // queue as deep as there are readers, so that it cannot shed any of their requests.
    let config = format!(
        "[transforms]\nunsigned = \"all\"\nmax_queued = {}\n",
        options.readers.max(64)
    );
    let server = Arc::new(Server::start(Some(&config)).await?);
    let client = client()?;
    let before_seed_kib = server.rss_kib()?;
    let pool = traffic::seed(&client, &server, &corpus, options.seed).await?;

    let ticks = CpuTicks::now();
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let traffic = Arc::new(Traffic::new(
        server.clone(),
        client.clone(),
        corpus,
        pool,
        deadline,
    )?);
    let (tally, samples) = load(&traffic, &options).await?;
    let steal = ticks.and_then(CpuTicks::steal_percent_since);

    let drain = drain(&client, &server, Duration::from_secs(options.drain_seconds)).await?;
    let memory = Memory {
        before_seed_kib,
        samples,
        after_drain_kib: server.rss_kib()?,
        peak_kib: server.peak_rss_kib()?,
    };
    let assets = (
        total(&client, &server, "ready").await?,
        total(&client, &server, "failed").await?,
    );
    let failures = report::print(&report::Run {
        options: &options,
        seeded: traffic.pool.len(),
        tally: &tally,
        memory: &memory,
        drain: &drain,
        assets,
        steal,
    });
    if failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for failure in &failures {
        eprintln!("failed: {failure}");
    }
    Ok(ExitCode::FAILURE)
}

/// Runs the uploaders and readers until the deadline, sampling the server's memory
/// each second; returns their counts and the samples.
async fn load(traffic: &Arc<Traffic>, options: &Options) -> anyhow::Result<(Tally, Vec<u64>)> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..options.uploaders {
        tasks.spawn(traffic::uploader(traffic.clone(), index));
    }
    for index in 0..options.readers {
        tasks.spawn(traffic::reader(traffic.clone(), index));
    }
    let bar = ProgressBar::new(options.seconds).with_style(ProgressStyle::with_template(
        "load {bar:40} {pos}/{len} s {wide_msg}",
    )?);
    let mut samples = vec![traffic.server.rss_kib()?];
    for second in 1..=options.seconds {
        tokio::time::sleep_until((started + Duration::from_secs(second)).into()).await;
        // A server that died shows in the failures; its memory reads as nothing.
        let kib = traffic.server.rss_kib().unwrap_or(0);
        samples.push(kib);
        let live = &traffic.live;
        bar.set_position(second);
        bar.set_message(format!(
            "{} requests, {} uploads, {} failed, RSS {} MB",
            live.requests.load(Ordering::Relaxed),
            live.uploads.load(Ordering::Relaxed),
            live.failures.load(Ordering::Relaxed),
            kib / 1024
        ));
    }
    bar.set_message("waiting for the requests in flight");
    let mut tally = Tally::default();
    while let Some(done) = tasks.join_next().await {
        tally.merge(done.context("a traffic task panicked")?);
    }
    bar.finish_and_clear();
    Ok((tally, samples))
}

/// Polls `/readyz` every 500 ms until it counts no job queued or running, for at most
/// `patience`.
async fn drain(
    client: &reqwest::Client,
    server: &Server,
    patience: Duration,
) -> anyhow::Result<Drain> {
    let bar = ProgressBar::new_spinner().with_style(ProgressStyle::with_template(
        "draining the queue {spinner} {elapsed} {wide_msg}",
    )?);
    bar.enable_steady_tick(Duration::from_millis(200));
    let started = Instant::now();
    let mut at_end = None;
    loop {
        // 503 when a check fails; the queue's counts are there all the same.
        let ready: Value = client
            .get(server.url("/readyz"))
            .send()
            .await?
            .json()
            .await?;
        let queue = &ready["checks"]["queue"];
        let left = queue["queued"]
            .as_u64()
            .zip(queue["running"].as_u64())
            .map(|(queued, running)| queued + running)
            .with_context(|| format!("no queue counts in /readyz: {ready}"))?;
        let at_end = *at_end.get_or_insert(left);
        bar.set_message(format!("{left} jobs queued or running"));
        if left == 0 || started.elapsed() > patience {
            bar.finish_and_clear();
            return Ok(Drain {
                at_end,
                took: (left == 0).then(|| started.elapsed()),
                left,
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
