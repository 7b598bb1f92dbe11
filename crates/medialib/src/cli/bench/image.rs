//! `medialib bench image`: ingest of one image (a JPEG photo, or with `--animated` an
//! animated GIF or WebP) against `vipsthumbnail`.
//!
//! 1. upload → all default variants ready, over HTTP, `runs` times (median reported);
//! 2. in the same run, Debian's `vipsthumbnail` making the same ten outputs one by one;
//! 3. the server's peak RSS (`VmHWM`) while 8 copies of the photo (each with different
//!    trailing bytes, so dedup does not merge them) are ingested at once.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::Context;
use medialib_core::{Fit, Settings};

use super::{Server, client, median, poll, shown, timed, upload};

/// Flags of `medialib bench image`.
#[derive(clap::Args)]
pub struct Options {
    /// The image to ingest (default: the corpus's 12 MP Olympus photo); its extension
    /// names it in the upload.
    #[arg(long, default_value = crate::cli::bench::PHOTO_12MP)]
    image: PathBuf,
    /// Timed runs of the single-photo ingest (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Photos ingested at once for the memory measurement.
    #[arg(long, default_value_t = 8)]
    concurrent: usize,
    /// The image is an animation: the reference makes its WebP outputs from every frame
    /// (`[n=-1]`), as medialib does, and its JPEG outputs from the first.
    #[arg(long)]
    animated: bool,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(settings: &Settings, options: Options) -> anyhow::Result<ExitCode> {
    let photo = std::fs::read(&options.image)
        .with_context(|| format!("read {}", options.image.display()))?;
    let name = format!(
        "bench.{}",
        options
            .image
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("jpg")
    );
    let server = Server::start(None).await?;
    let client = client()?;

    let mut ingest = Vec::new();
    let mut accepted = Vec::new();
    for run in 0..options.runs {
        let (upload, ready) =
            ingest_once(&client, &server, &name, with_suffix(&photo, run)).await?;
        accepted.push(upload);
        ingest.push(ready);
    }
    let vips = vipsthumbnail(&options.image, options.animated, settings)?;

    let before = server.peak_rss_kib()?;
    let started = Instant::now();
    let uploads = (0..options.concurrent).map(|n| {
        let bytes = with_suffix(&photo, 1000 + n);
        let (client, server, name) = (&client, &server, &name);
        async move { ingest_once(client, server, name, bytes).await }
    });
    for result in futures_util::future::join_all(uploads).await {
        result?;
    }
    let burst = started.elapsed();
    let peak = server.peak_rss_kib()?;

    let (ingest_median, upload_median) = (median(ingest), median(accepted));
    let vips_total: Duration = vips.iter().map(|(_, d)| *d).sum();
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| image | {} ({} bytes) |",
        shown(&options.image),
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

/// The image with `n` appended after its end (the JPEG end marker, the GIF trailer):
/// decoders ignore it, but the SHA-256 differs, so every copy is a new asset.
pub(super) fn with_suffix(photo: &[u8], n: usize) -> Vec<u8> {
    let mut bytes = photo.to_vec();
    bytes.extend_from_slice(format!("bench-{n}").as_bytes());
    bytes
}

/// Uploads and polls until ready; returns (upload request time, time until ready).
async fn ingest_once(
    client: &reqwest::Client,
    server: &Server,
    name: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<(Duration, Duration)> {
    let started = Instant::now();
    let asset = upload(client, server, name, bytes).await?;
    let uploaded = started.elapsed();
    let id = asset["id"].as_str().unwrap_or_default();
    poll(client, server, &format!("/api/v1/assets/{id}"), |a| {
        a["status"] == "ready"
    })
    .await?;
    Ok((uploaded, started.elapsed()))
}

/// `vipsthumbnail` making each configured variant as WebP and JPEG, one process each; the
/// WebP ones from every frame of an `animated` image.
fn vipsthumbnail(
    image: &Path,
    animated: bool,
    settings: &Settings,
) -> anyhow::Result<Vec<(String, Duration)>> {
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
            if animated && ext == "webp" {
                cmd.arg(format!("{}[n=-1]", image.display()));
            } else {
                cmd.arg(image);
            }
            cmd.arg("--size")
                // `>`: only shrink, as medialib's variants never enlarge.
                .arg(format!("{}x{}>", spec.width, spec.height))
                .arg("-o")
                .arg(&target);
            if spec.fit == Fit::Cover {
                cmd.args(["--smartcrop", "centre"]);
            }
            let took = timed(&mut cmd, "vipsthumbnail (apt-get install libvips-tools)")?;
            timings.push((format!("{}.{ext}", spec.name), took));
        }
    }
    Ok(timings)
}
