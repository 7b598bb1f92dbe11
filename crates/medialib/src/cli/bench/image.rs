//! `medialib bench`: the ingest benchmark recorded in BENCHMARKS.md.
//!
//! It starts `medialib serve` as a child process on a fresh data directory (so the
//! server's peak RSS is its own), then measures, on one JPEG:
//! 1. upload → all default variants ready, over HTTP, `runs` times (median reported);
//! 2. in the same run, Debian's `vipsthumbnail` making the same ten outputs one by one;
//! 3. the server's peak RSS (`VmHWM`) while 8 copies of the photo (each with different
//!    trailing bytes, so dedup does not merge them) are ingested at once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_core::{Fit, Settings};
use serde_json::Value;

const TOKEN: &str = "bench-token-0123456789abcdef";

/// Flags of `medialib bench`.
#[derive(clap::Args)]
pub struct Options {
    /// The JPEG to ingest (default: the corpus's 12 MP Olympus photo).
    #[arg(
        long,
        default_value = "../shared/corpus/images/large/olympus_E-P3_12MP.jpg"
    )]
    image: PathBuf,
    /// Timed runs of the single-photo ingest (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Photos ingested at once for the memory measurement.
    #[arg(long, default_value_t = 8)]
    concurrent: usize,
}

struct Server {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(settings: &Settings, options: Options) -> anyhow::Result<ExitCode> {
    let photo = std::fs::read(&options.image)
        .with_context(|| format!("read {}", options.image.display()))?;
    let server = start_server().await?;
    let client = client()?;

    let mut ingest = Vec::new();
    let mut accepted = Vec::new();
    for run in 0..options.runs {
        let (upload, ready) = ingest_once(&client, &server, with_suffix(&photo, run)).await?;
        accepted.push(upload);
        ingest.push(ready);
    }
    let vips = vipsthumbnail(&options.image, settings)?;

    let before = peak_rss_kib(server.child.id())?;
    let started = Instant::now();
    let uploads = (0..options.concurrent).map(|n| {
        let bytes = with_suffix(&photo, 1000 + n);
        let (client, server) = (&client, &server);
        async move { ingest_once(client, server, bytes).await }
    });
    for result in futures_util::future::join_all(uploads).await {
        result?;
    }
    let burst = started.elapsed();
    let peak = peak_rss_kib(server.child.id())?;

    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (ingest_median, upload_median) = (median(&mut ingest), median(&mut accepted));
    let vips_total: Duration = vips.iter().map(|(_, d)| *d).sum();
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| image | {} ({} bytes) |",
        options.image.display(),
        photo.len()
    );
    println!(
        "| upload → all 10 variants ready (median of {}) | {:.3} s |",
        options.runs,
        ingest_median.as_secs_f64()
    );
    println!(
        "| of which the upload request (stage, sniff, validate, store) | {:.3} s |",
        upload_median.as_secs_f64()
    );
    println!(
        "| vipsthumbnail, same 10 outputs one by one | {:.3} s |",
        vips_total.as_secs_f64()
    );
    println!(
        "| ratio medialib / vipsthumbnail | {:.2} |",
        ingest_median.as_secs_f64() / vips_total.as_secs_f64()
    );
    println!(
        "| {} photos at once: all ready after | {:.3} s |",
        options.concurrent,
        burst.as_secs_f64()
    );
    println!(
        "| server peak RSS (VmHWM) before / after the burst | {} MB / {} MB |",
        before / 1024,
        peak / 1024
    );
    println!();
    println!(
        "vipsthumbnail per output: {}",
        vips.iter()
            .map(|(n, d)| format!("{n} {:.3}s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// The photo with `n` appended after the JPEG end marker: decoders ignore it, but the
/// SHA-256 differs, so every copy is a new asset.
fn with_suffix(photo: &[u8], n: usize) -> Vec<u8> {
    let mut bytes = photo.to_vec();
    bytes.extend_from_slice(format!("bench-{n}").as_bytes());
    bytes
}

fn client() -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {TOKEN}").parse()?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

async fn start_server() -> anyhow::Result<Server> {
    let data = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(std::env::current_exe()?)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data.path())
        .env("MEDIALIB_ADMIN_TOKEN", TOKEN)
        .env("RUST_LOG", "warn,nom_exif=error")
        .stdout(Stdio::null())
        .spawn()
        .context("start medialib serve")?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _data: data,
    };
    let started = Instant::now();
    while reqwest::get(format!("{}/healthz", server.base))
        .await
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the server did not start within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(server)
}

/// Uploads and polls until ready; returns (upload request time, time until ready).
async fn ingest_once(
    client: &reqwest::Client,
    server: &Server,
    bytes: Vec<u8>,
) -> anyhow::Result<(Duration, Duration)> {
    let started = Instant::now();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("bench.jpg"),
    );
    let response = client
        .post(format!("{}/api/v1/assets", server.base))
        .multipart(form)
        .send()
        .await?;
    let status = response.status();
    let asset: Value = response.json().await?;
    if status != 201 {
        bail!("upload answered {status}: {asset}");
    }
    let uploaded = started.elapsed();
    let url = format!(
        "{}/api/v1/assets/{}",
        server.base,
        asset["id"].as_str().unwrap_or_default()
    );
    loop {
        let asset: Value = client.get(&url).send().await?.json().await?;
        match asset["status"].as_str() {
            Some("ready") => return Ok((uploaded, started.elapsed())),
            Some("processing") => tokio::time::sleep(Duration::from_millis(10)).await,
            _ => bail!("processing failed: {asset}"),
        }
    }
}

/// `vipsthumbnail` making each configured variant as WebP and JPEG, one process each.
fn vipsthumbnail(image: &Path, settings: &Settings) -> anyhow::Result<Vec<(String, Duration)>> {
    let out = tempfile::tempdir()?;
    let mut timings = Vec::new();
    for spec in &settings.images.variants {
        for (ext, quality) in [
            ("webp", settings.images.webp_quality),
            ("jpg", settings.images.jpeg_quality),
        ] {
            let target = out
                .path()
                .join(format!("{}.{ext}[Q={quality},strip]", spec.name));
            let mut cmd = Command::new("vipsthumbnail");
            cmd.arg(image)
                .arg("--size")
                .arg(format!("{}x{}", spec.width, spec.height))
                .arg("-o")
                .arg(&target);
            if spec.fit == Fit::Cover {
                cmd.args(["--smartcrop", "centre"]);
            }
            let started = Instant::now();
            let status = cmd
                .status()
                .context("run vipsthumbnail (apt-get install libvips-tools)")?;
            if !status.success() {
                bail!("vipsthumbnail failed for {}", spec.name);
            }
            timings.push((format!("{}.{ext}", spec.name), started.elapsed()));
        }
    }
    Ok(timings)
}

/// Peak resident set size of a process, in KiB, from `/proc/{pid}/status`.
fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmHWM missing from /proc status")
}
