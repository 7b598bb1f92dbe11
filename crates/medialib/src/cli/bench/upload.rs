//! `medialib bench upload`: a large file through tus (`/api/v1/uploads`, 8 MB `PATCH`
//! requests, the last of which ingests it) against `curl` uploading the same file with
//! one `PUT` to a sink that discards it, in the same run; and the server's memory.
//!
//! With `--storage s3://…` medialib keeps the file in that bucket, and the reference is
//! boto3's `upload_file` of the same file to the same bucket, in parts of the PATCH size.
//!
//! The file is a generated WAV (8 channels of 32-bit samples at 192 kHz: 6.1 MB a
//! second), because only real media passes ingest. Each run changes a few samples, so
//! that every upload is new bytes rather than a duplicate of the previous run.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::s3::Bucket;
use super::{Server, client, median, tus};

/// Bytes a second of the generated WAV: 8 channels × 4 bytes × 192 000 Hz.
const WAV_BYTES_PER_SECOND: u64 = 8 * 4 * 192_000;

/// Flags of `medialib bench upload`.
#[derive(clap::Args)]
pub struct Options {
    /// Size of the uploaded file, in MiB.
    #[arg(long, default_value_t = 1024)]
    mib: u64,
    /// Size of each tus PATCH request, in MiB.
    #[arg(long, default_value_t = 8)]
    patch_mib: u64,
    /// Timed runs of each side (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// An S3 `storage_url` (credentials from `AWS_*`) for medialib's blobs; the
    /// reference is then boto3 uploading to the same bucket.
    #[arg(long)]
    storage: Option<String>,
    /// boto3's part size in MiB, for `--storage`: medialib's multipart uploads to a
    /// bucket use 8 MiB parts.
    #[arg(long, default_value_t = 8)]
    part_mib: u64,
    /// The Python with boto3, for `--storage`.
    #[arg(long, default_value_os_t = super::s3::default_python())]
    python: PathBuf,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    if options.runs == 0 || options.mib == 0 || options.patch_mib == 0 {
        bail!("--mib, --patch-mib and --runs must be at least 1");
    }
    let dir = tempfile::tempdir()?;
    let file = generate(dir.path(), options.mib)?;
    let size = std::fs::metadata(&file)?.len();

    let bucket = options.storage.as_deref().map(Bucket::open).transpose()?;
    let sink = Sink::start().await?;
    let config = format!(
        "{}[limits]\nmax_upload_bytes = {}\nmax_request_bytes = {}\n",
        bucket.as_ref().map(Bucket::setting).unwrap_or_default(),
        size * 2,
        size * 2
    );
    // curl to the sink, or boto3 to the bucket.
    let mut direct = Vec::new();
    let mut kept = Vec::new();
    let mut tus = Vec::new();
    let (mut idle_kib, mut peak_kib) = (0u64, 0u64);
    for run in 0..options.runs {
        // Each run starts with no dirty pages left by the one before.
        sync()?;
        if let Some(bucket) = &bucket {
            let key = format!("bench/boto3-{run}");
            let part = options.part_mib << 20;
            direct.push(bucket.upload_with_boto3(&options.python, &file, &key, part)?);
        } else {
            direct.push(sink.put_with_curl(&file, "/sink")?);
            sync()?;
            kept.push(sink.put_with_curl(&file, "/keep")?);
        }
        sync()?;
        // A fresh server per run: the processing job of the previous upload (a pass
        // over 1 GiB of audio) must not compete with this one.
        let server = Server::start(Some(&config)).await?;
        let idle = server.rss_kib()?;
        make_unique(&file, run)?;
        tus.push(upload_with_tus(&server, &file, options.patch_mib << 20).await?);
        let peak = server.peak_rss_kib()?;
        if peak.saturating_sub(idle) >= peak_kib.saturating_sub(idle_kib) {
            (idle_kib, peak_kib) = (idle, peak);
        }
    }

    let mib_per_s = |d: Duration| size as f64 / d.as_secs_f64() / f64::from(1 << 20);
    let (ours, reference) = (median(tus.clone()), median(direct.clone()));
    let ratio = mib_per_s(ours) / mib_per_s(reference);
    let listed = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| file | {:.0} MiB WAV, generated with ffmpeg |",
        size as f64 / f64::from(1 << 20)
    );
    let (ending, reference_name) = match &bucket {
        Some(_) => (
            "each PATCH a part object in the bucket (also kept in a local copy), then ingest (sniff, ffprobe; the original copied inside the bucket from a one-part upload, else sent from the copy)",
            format!(
                "boto3 upload_file to the same bucket | {:.0} MiB/s (median of {}: {}), {} MiB parts",
                mib_per_s(reference),
                options.runs,
                listed(&direct),
                options.part_mib
            ),
        ),
        None => (
            "ingest (sniff, ffprobe, a hard link into the blob store)",
            format!(
                "curl PUT to a sink | {:.0} MiB/s (median of {}: {}), one request to a route of the same HTTP stack that discards the body",
                mib_per_s(reference),
                options.runs,
                listed(&direct)
            ),
        ),
    };
    println!(
        "| medialib tus | {:.0} MiB/s (median of {}: {}), {} MiB PATCHes, ending with {ending} |",
        mib_per_s(ours),
        options.runs,
        listed(&tus),
        options.patch_mib
    );
    println!("| {reference_name} |");
    println!(
        "| ratio | {ratio:.2}× (target ≥ 0.8×: {}) |",
        if ratio >= 0.8 { "met" } else { "**missed**" }
    );
    if !kept.is_empty() {
        let floor = median(kept.clone());
        println!(
            "| curl PUT to a sink that keeps it | {:.0} MiB/s (median of {}: {}): SHA-256 and a file write per chunk, the least a server that stores uploads does; medialib {:.2}× |",
            mib_per_s(floor),
            options.runs,
            listed(&kept),
            mib_per_s(ours) / mib_per_s(floor)
        );
    }
    let over = peak_kib.saturating_sub(idle_kib) as f64 / 1024.0;
    println!(
        "| server RSS (worst run) | idle {:.0} MiB, peak {:.0} MiB: {over:.0} MiB above idle (target ≤ 50: {}) |",
        idle_kib as f64 / 1024.0,
        peak_kib as f64 / 1024.0,
        if over <= 50.0 { "met" } else { "**missed**" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes dirty pages to disk (`sync`).
fn sync() -> anyhow::Result<()> {
    let status = Command::new("sync").status().context("run sync")?;
    if !status.success() {
        bail!("sync failed");
    }
    Ok(())
}

/// A WAV of at least `mib` MiB: a 440 Hz sine on 8 channels.
fn generate(dir: &Path, mib: u64) -> anyhow::Result<PathBuf> {
    let path = dir.join("upload.wav");
    let seconds = ((mib << 20) as f64 / WAV_BYTES_PER_SECOND as f64).ceil();
    eprintln!("generating a {mib} MiB WAV ({seconds} s) with ffmpeg");
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg("sine=frequency=440:sample_rate=192000")
        .args(["-ac", "8", "-c:a", "pcm_s32le", "-t"])
        .arg(seconds.to_string())
        .arg(&path)
        .stdin(Stdio::null())
        .status()
        .context("run ffmpeg (./scripts/setup.sh installs it)")?;
    if !status.success() {
        bail!("ffmpeg could not generate the WAV");
    }
    Ok(path)
}

/// Changes a few samples in the middle of the file, so run `run` uploads new bytes.
fn make_unique(path: &Path, run: usize) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    let middle = file.seek(SeekFrom::End(0))? / 2;
    file.seek(SeekFrom::Start(middle & !3))?;
    file.write_all(&(run as u64 + 1).to_le_bytes())?;
    Ok(())
}

/// Uploads the file with tus: create, then `PATCH`es of `patch` bytes read from disk;
/// the time to the response of the last one, which carries the asset.
async fn upload_with_tus(server: &Server, path: &Path, patch: u64) -> anyhow::Result<Duration> {
    let client = client()?;
    let size = std::fs::metadata(path)?.len();
    let bar = ProgressBar::new(size).with_style(ProgressStyle::with_template(
        "tus {bar:40} {bytes}/{total_bytes} {bytes_per_sec}",
    )?);
    let started = Instant::now();
    let created = tus::create(&client, server, size, "upload.wav")
        .send()
        .await?;
    if created.status() != 201 {
        bail!("creating the upload answered {}", created.status());
    }
    let location = tus::location(created.headers()).context("no Location")?;
    let mut offset = 0u64;
    let mut asset = None;
    while offset < size {
        // Streamed from the file, as tus clients send it.
        let len = patch.min(size - offset);
        let mut file = tokio::fs::File::open(path).await?;
        file.seek(SeekFrom::Start(offset)).await?;
        let body = ReaderStream::with_capacity(file.take(len), 256 * 1024);
        let response = tus::patch(&client, server, &location, offset)
            .header("Content-Length", len)
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await?;
        if response.status() != 204 {
            bail!(
                "PATCH at {offset} answered {}: {}",
                response.status(),
                response.text().await.unwrap_or_default()
            );
        }
        asset = tus::asset_id(response.headers()).map(str::to_owned);
        offset += len;
        bar.set_position(offset);
    }
    let took = started.elapsed();
    bar.finish_and_clear();
    asset.context("the last PATCH named no asset")?;
    Ok(took)
}

/// An HTTP server in this process: `/sink` reads a request body and drops it, `/keep`
/// hashes it and writes it to a temporary file.
struct Sink {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    async fn start() -> anyhow::Result<Sink> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = medialib_server::bench_sink::serve(listener).await;
        });
        Ok(Sink { url, task })
    }

    /// `curl -T file` to `route`; the wall-clock time of the whole command.
    fn put_with_curl(&self, path: &Path, route: &str) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let output = Command::new("curl")
            .args(["--silent", "--show-error", "--fail", "-T"])
            .arg(path)
            .arg(format!("{}{route}", self.url))
            .stdin(Stdio::null())
            .output()
            .context("run curl (./scripts/setup.sh installs it)")?;
        let took = started.elapsed();
        if !output.status.success() {
            bail!("curl failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let received: u64 = String::from_utf8_lossy(&output.stdout).trim().parse()?;
        if received != std::fs::metadata(path)?.len() {
            bail!("the sink received {received} bytes");
        }
        Ok(took)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
