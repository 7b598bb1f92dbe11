//! `medialib bench transform`: on-the-fly transforms of a 12 MP camera JPEG against a
//! minimal sharp server doing the same operations on the same file, and cache hits
//! against nginx serving the same result file, in the same run.
//!
//! Workloads (issue 20), each under `wrk` with keep-alive at 2 connections:
//! - W1: 150×150 cover, JPEG q80; W3: fit in 1200×1200, WebP q80; W4: fit in 1200×1200,
//!   AVIF at the encoders' default quality (50).
//! - Every request is cache-busted (`bust.lua`: each asks for a size ±40 px and a quality
//!   ±5 not asked before), so each one renders on both servers.
//! - Hit: one stored W3 result, again and again, against nginx sending that file.
//!
//! Reported: requests/s and the ratio to the reference, p50/p95/p99 latency, output bytes
//! (of the base request), and the peak RSS of both servers during the load, sampled every
//! 50 ms.

mod sharp;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::delivery::nginx::{Nginx, rss_kib};
use super::delivery::wrk::{Load, Measured};
use super::{Server, client, publish, upload};

const SCRIPT: &str = include_str!("bust.lua");

/// Flags of `medialib bench transform`.
#[derive(clap::Args)]
pub struct Options {
    /// The JPEG to transform (default: the corpus's 12 MP Olympus photo).
    #[arg(long, default_value = crate::cli::bench::PHOTO_12MP)]
    image: std::path::PathBuf,
    /// Seconds of load per measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
    /// Connections (closed loop: each sends its next request when the answer arrives).
    #[arg(long, default_value_t = 2)]
    connections: u32,
    /// medialib's `transforms.max_concurrent` (0: one render per CPU, the default).
    #[arg(long, default_value_t = 0)]
    max_concurrent: usize,
}

/// One workload: the same transform on both servers.
struct Workload {
    name: &'static str,
    what: &'static str,
    /// medialib's path template (canonical ops, with `{w}`, `{h}`, `{q}`).
    ours: String,
    /// sharp's path template.
    theirs: String,
    base: (u32, u32, u32),
}

/// One side's numbers.
struct Side {
    measured: Measured,
    /// Resident memory before the load, in KiB.
    idle_rss_kib: u64,
    /// The most resident memory sampled during the load, in KiB.
    peak_rss_kib: u64,
    bytes: usize,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    let photo = std::fs::read(&options.image)
        .with_context(|| format!("read {}", options.image.display()))?;
    let config = format!(
        "[transforms]\nunsigned = \"all\"\nmax_concurrent = {}\n",
        options.max_concurrent
    );
    let server = Server::start(Some(&config)).await?;
    let client = client()?;
    let asset = upload(&client, &server, "photo.jpg", photo).await?;
    let id = asset["id"].as_str().context("no id")?.to_owned();
    // Public, as a CDN origin's pictures are: no signature in the URLs.
    let asset = publish(&client, &server, &id, true).await?;
    let rev = asset["rev"].as_str().context("no rev")?.to_owned();

    let scratch = tempfile::tempdir()?;
    let script = scratch.path().join("bust.lua");
    std::fs::write(&script, SCRIPT)?;
    let reference = sharp::Sharp::start(&options.image).await?;

    let img = |ops: &str, ext: &str| format!("/img/{id}/{rev}/{ops}/photo.{ext}");
    let workloads = [
        Workload {
            name: "W1",
            what: "150×150 cover, JPEG q80",
            ours: img("w_{w},h_{h},c_fill,q_{q}", "jpg"),
            theirs: "/t?w={w}&h={h}&fit=cover&q={q}&fmt=jpeg".into(),
            base: (150, 150, 80),
        },
        Workload {
            name: "W3",
            what: "fit 1200×1200, WebP q80",
            ours: img("w_{w},h_{w},q_{q}", "webp"),
            theirs: "/t?w={w}&h={w}&fit=inside&q={q}&fmt=webp".into(),
            base: (1200, 1200, 80),
        },
        Workload {
            name: "W4",
            what: "fit 1200×1200, AVIF q50",
            ours: img("w_{w},h_{w},q_{q}", "avif"),
            theirs: "/t?w={w}&h={w}&fit=inside&q={q}&fmt=avif".into(),
            base: (1200, 1200, 50),
        },
    ];

    let bar = ProgressBar::new(2 * workloads.len() as u64 + 2);
    bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")?);
    let mut rows = Vec::new();
    for w in &workloads {
        bar.set_message(format!("{} medialib", w.name));
        let ours = side(&server.base, &w.ours, w, server.pid(), &script, &options).await?;
        bar.inc(1);
        bar.set_message(format!("{} sharp", w.name));
        let theirs = side(
            &reference.base,
            &w.theirs,
            w,
            reference.pid(),
            &script,
            &options,
        )
        .await?;
        bar.inc(1);
        rows.push((w, ours, theirs));
    }

    // Cache hits: one stored W3 result against nginx sending the same file.
    let hit_path = fill(&workloads[1].ours, workloads[1].base);
    let bytes = client
        .get(server.url(&hit_path))
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let root = scratch.path().join("root");
    std::fs::create_dir(&root)?;
    std::fs::write(root.join("hit.webp"), &bytes)?;
    let nginx = Nginx::start(&root, scratch.path()).await?;
    bar.set_message("hit medialib");
    let hit_ours = hit(&server.url(&hit_path), server.pid(), &options)?;
    bar.inc(1);
    bar.set_message("hit nginx");
    let hit_nginx = hit(&format!("{}/hit.webp", nginx.base), nginx.pid(), &options)?;
    bar.finish_and_clear();

    report(&options, &rows, (&hit_ours, &hit_nginx, bytes.len()));
    Ok(ExitCode::SUCCESS)
}

/// `template` with the base size and quality filled in.
fn fill(template: &str, (w, h, q): (u32, u32, u32)) -> String {
    template
        .replace("{w}", &w.to_string())
        .replace("{h}", &h.to_string())
        .replace("{q}", &q.to_string())
}

/// Measures one server on one workload: the base request's output size, then cache-busted
/// load while sampling the server's memory.
async fn side(
    base: &str,
    template: &str,
    w: &Workload,
    pid: u32,
    script: &std::path::Path,
    options: &Options,
) -> anyhow::Result<Side> {
    let url = format!("{base}{}", fill(template, w.base));
    let bytes = reqwest::get(&url)
        .await?
        .error_for_status()?
        .bytes()
        .await?
        .len();
    let threads = options.connections.min(2);
    let args = vec![
        template.to_owned(),
        w.base.0.to_string(),
        w.base.1.to_string(),
        w.base.2.to_string(),
        threads.to_string(),
    ];
    let idle_rss_kib = rss_kib(pid)?;
    let (measured, peak_rss_kib) = sampled(pid, || {
        Load {
            url: base,
            connections: options.connections,
            seconds: options.seconds,
            headers: &[],
            script: Some((script, args.clone())),
        }
        .run()
    })?;
    Ok(Side {
        measured,
        idle_rss_kib,
        peak_rss_kib,
        bytes,
    })
}

fn hit(url: &str, pid: u32, options: &Options) -> anyhow::Result<Side> {
    let idle_rss_kib = rss_kib(pid)?;
    let (measured, peak_rss_kib) = sampled(pid, || {
        Load {
            url,
            connections: options.connections,
            seconds: options.seconds,
            headers: &[],
            script: None,
        }
        .run()
    })?;
    Ok(Side {
        measured,
        idle_rss_kib,
        peak_rss_kib,
        bytes: 0,
    })
}

/// Runs `load` (wrk, a child process, so blocking here costs nothing) while a thread
/// samples the resident memory of `pid` (and its children) every 50 ms; the load's
/// result and the peak, in KiB.
fn sampled(
    pid: u32,
    load: impl FnOnce() -> anyhow::Result<Measured>,
) -> anyhow::Result<(Measured, u64)> {
    let done = AtomicBool::new(false);
    let peak = AtomicU64::new(0);
    let measured = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if let Ok(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let measured = load();
        done.store(true, Ordering::Relaxed);
        measured
    });
    Ok((measured?, peak.load(Ordering::Relaxed)))
}

fn report(options: &Options, rows: &[(&Workload, Side, Side)], hit: (&Side, &Side, usize)) {
    println!("# medialib bench transform\n");
    println!(
        "{} s per run, {} connections, closed loop (wrk); cache-busted renders of the 12 MP JPEG.\n",
        options.seconds, options.connections
    );
    println!(
        "| workload | server | req/s | ratio | p50 ms | p95 ms | p99 ms | output bytes | RSS MiB before → peak |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let line = |name: &str, who: &str, s: &Side, ratio: Option<f64>, bytes: Option<usize>| {
        let m = &s.measured;
        println!(
            "| {name} | {who} | {:.1} | {} | {:.1} | {} | {:.1} | {} | {:.0} → {:.0} |",
            m.per_second,
            ratio.map_or("".into(), |r| format!("{r:.2}×")),
            m.p50_ms,
            m.p95_ms.map_or("".into(), |p| format!("{p:.1}")),
            m.p99_ms,
            bytes.map_or("".into(), |b| b.to_string()),
            s.idle_rss_kib as f64 / 1024.0,
            s.peak_rss_kib as f64 / 1024.0
        );
    };
    for (w, ours, theirs) in rows {
        let ratio = ours.measured.per_second / theirs.measured.per_second;
        line(
            &format!("{} {}", w.name, w.what),
            "medialib",
            ours,
            Some(ratio),
            Some(ours.bytes),
        );
        line("", "sharp", theirs, None, Some(theirs.bytes));
    }
    let (ours, nginx, bytes) = hit;
    let ratio = ours.measured.per_second / nginx.measured.per_second;
    line(
        &format!("hit ({bytes} B WebP)"),
        "medialib",
        ours,
        Some(ratio),
        None,
    );
    line("", "nginx", nginx, None, None);
}
