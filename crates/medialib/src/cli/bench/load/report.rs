//! The report of `medialib bench load`: the setup, one row per request type, the
//! server's memory over time and the queue's drain, as Markdown for BENCHMARKS.md; and
//! what failed the run.

use std::time::Duration;

use super::super::{ms, percentile};
use super::traffic::{Kind, Stats, Tally};
use super::{Drain, Memory, Options};

/// When the memory is read again to judge whether it stays flat, in seconds.
const SETTLED: usize = 60;
/// Seconds between the memory samples listed.
const EVERY: usize = 10;

/// What one run measured.
pub(super) struct Run<'a> {
    pub(super) options: &'a Options,
    pub(super) seeded: usize,
    pub(super) tally: &'a Tally,
    pub(super) memory: &'a Memory,
    pub(super) drain: &'a Drain,
    /// Assets ready and failed after the drain.
    pub(super) assets: (u64, u64),
    /// Share of CPU time the hypervisor stole during the traffic, in percent.
    pub(super) steal: Option<f64>,
}

/// Prints the report; returns why the run failed, if it did.
pub(super) fn print(run: &Run) -> Vec<String> {
    let o = run.options;
    println!("| setting | value |");
    println!("|---|---|");
    println!(
        "| traffic | {} uploaders and {} readers for {} s on loopback, closed loop (each sends \
         its next request when the last answer has arrived), one keep-alive client |",
        o.uploaders, o.readers, o.seconds
    );
    println!(
        "| uploads | the corpus mix (4 JPEGs of 0.3–2.2 MP, a 1 s 320×180 MP4, a 2 s WAV, a \
         1-page PDF, an OBJ), each copy unique; multipart and tus (64 KiB PATCHes) in turn |"
    );
    println!(
        "| reads | {} seeded public assets: a variant, an original (every other one a 64 KiB \
         Range), a search (`q=`), a transform (8 widths × WebP/JPEG), a listing page of 50, \
         in turn |",
        run.seeded
    );
    println!(
        "| server | `medialib serve`: SQLite and blobs on a fresh data directory, the default \
         workers (one per CPU); rate limits off, quotas unlimited (the default), \
         `transforms.unsigned = \"all\"`, `transforms.max_queued = {}` |",
        o.readers.max(64)
    );
    let steal = run.steal.map_or("unknown".into(), |p| format!("{p:.0} %"));
    println!(
        "| machine | {} CPUs, shared by the server and this client; CPU time stolen by the \
         host during the traffic: {steal} |",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    requests(run.tally, o.seconds);
    println!();
    let mut failures = Vec::new();
    memory(run.memory, o.max_rss_mb, &mut failures);
    drained(run, &mut failures);
    examples(run.tally);

    let all = |count: fn(&Stats) -> u64| -> u64 {
        Kind::ALL.iter().map(|&k| count(run.tally.of(k))).sum()
    };
    for (what, n) in [
        ("5xx answers", all(|s| s.server)),
        ("dropped connections", all(|s| s.dropped)),
        ("requests timed out", all(|s| s.timed_out)),
    ] {
        if n > 0 {
            failures.push(format!("{n} {what}"));
        }
    }
    println!();
    if failures.is_empty() {
        println!(
            "Verdict: **passed** (no 5xx, no dropped connection, queue drained, RSS within bounds)."
        );
    } else {
        println!("Verdict: **failed**: {}.", failures.join("; "));
    }
    failures
}

/// The table of request types.
fn requests(tally: &Tally, seconds: u64) {
    println!(
        "| request | count | req/s | p50 | p95 | p99 | max | 4xx | 5xx | dropped | timed out | other |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for kind in Kind::ALL {
        let s = tally.of(kind);
        let count = s.times.len() as u64 + s.errors();
        let at = |p: usize| {
            if s.times.is_empty() {
                "–".to_owned()
            } else {
                ms(percentile(&s.times, p))
            }
        };
        let max = s.times.iter().max().map_or("–".to_owned(), |&d| ms(d));
        println!(
            "| {} | {count} | {:.1} | {} | {} | {} | {max} | {} | {} | {} | {} | {} |",
            kind.name(),
            count as f64 / seconds as f64,
            at(50),
            at(95),
            at(99),
            s.client,
            s.server,
            s.dropped,
            s.timed_out,
            s.unexpected
        );
    }
    println!();
    println!(
        "Latencies are from sending the request to the last byte of the answer, over the \
         successful requests; a tus upload is timed whole."
    );
}

/// The memory table; adds a failure when the peak is over `max_mb`.
fn memory(memory: &Memory, max_mb: u64, failures: &mut Vec<String>) {
    let mb = |kib: u64| format!("{:.0} MB", kib as f64 / 1024.0);
    let samples = &memory.samples;
    let at = |second: usize| {
        samples
            .get(second)
            .map_or("– (shorter run)".into(), |&k| mb(k))
    };
    let end = samples.last().copied().unwrap_or_default();
    let peak = memory.peak_kib / 1024;
    let met = peak <= max_mb;
    if !met {
        failures.push(format!("peak RSS {peak} MB over {max_mb} MB"));
    }
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| server RSS (VmRSS): before seeding / traffic starts / at {SETTLED} s / at the end / \
         after the drain | {} / {} / {} / {} / {} |",
        mb(memory.before_seed_kib),
        at(0),
        at(SETTLED),
        mb(end),
        mb(memory.after_drain_kib)
    );
    println!(
        "| server RSS every {EVERY} s of the traffic | {} |",
        samples
            .iter()
            .step_by(EVERY)
            .map(|&k| format!("{}", k / 1024))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| server peak RSS (VmHWM) | {} (≤ {max_mb} MB: {}) |",
        mb(memory.peak_kib),
        if met { "met" } else { "**missed**" }
    );
}

/// The drain rows; adds a failure when the queue did not drain.
fn drained(run: &Run, failures: &mut Vec<String>) {
    let drain = run.drain;
    let patience = Duration::from_secs(run.options.drain_seconds);
    println!(
        "| job queue when the traffic ended | {} jobs queued or running |",
        drain.at_end
    );
    match drain.took {
        Some(took) => println!(
            "| queue drained in | {:.1} s (≤ {} s) |",
            took.as_secs_f64(),
            patience.as_secs()
        ),
        None => {
            println!(
                "| queue drained in | **not within {} s**: {} jobs left |",
                patience.as_secs(),
                drain.left
            );
            failures.push(format!(
                "the queue did not drain within {} s ({} jobs left)",
                patience.as_secs(),
                drain.left
            ));
        }
    }
    let (ready, failed) = run.assets;
    println!("| assets after the drain | {ready} ready, {failed} failed |");
}

/// The first failures of each request type, to start looking from.
fn examples(tally: &Tally) {
    let mut first = true;
    for kind in Kind::ALL {
        for example in &tally.of(kind).examples {
            if first {
                println!();
                println!("First failures:");
                first = false;
            }
            println!("- {}: {example}", kind.name());
        }
    }
}
