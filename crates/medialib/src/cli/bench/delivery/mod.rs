//! `medialib bench delivery`: the cached-delivery path against nginx serving the same bytes
//! from a directory, in the same run.
//!
//! Two copies of a 12 MP photo, each padded to 5 MB with trailing bytes (delivery sends
//! bytes; what they hold does not matter), are uploaded: one public, one private. Their
//! 150 px thumbnail (~5 KB WebP), 1200 px large WebP (~220 KB) and 5 MB original are then
//! fetched by `wrk` with keep-alive at 1, 2, 8 and 64 connections, as are a 64 KiB range of
//! the original, a conditional request answered 304, and the private copy's variants
//! through signed URLs. nginx serves the public copy's files for each of them. Reported:
//! requests/s, p50/p99 latency, server CPU time per request, and resident memory.

pub(super) mod nginx;
pub(super) mod wrk;

use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::{Server, client, publish, upload};
use nginx::{Nginx, cpu_seconds, rss_kib};
use wrk::{Load, Measured};

/// The size the originals are padded to, in bytes.
const ORIGINAL_BYTES: usize = 5_000_000;

/// Flags of `medialib bench delivery`.
#[derive(clap::Args)]
pub struct Options {
    /// The JPEG whose variants are delivered (default: the corpus's 12 MP Olympus photo).
    #[arg(long, default_value = crate::cli::bench::PHOTO_12MP)]
    image: std::path::PathBuf,
    /// Seconds of load per measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u32,
    /// An S3 `storage_url` (credentials from `AWS_*`): measures the original's delivery
    /// from that bucket through medialib against a direct GET from it, instead of the
    /// comparison with nginx.
    #[arg(long)]
    storage: Option<String>,
}

/// One line of the report: the same request to medialib and to nginx.
struct Case {
    file: &'static str,
    request: &'static str,
    connections: u32,
    medialib: (String, Vec<String>),
    nginx: (String, Vec<String>),
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    let photo = std::fs::read(&options.image)
        .with_context(|| format!("read {}", options.image.display()))?;
    if photo.len() >= ORIGINAL_BYTES {
        bail!("the photo must be smaller than {ORIGINAL_BYTES} bytes");
    }
    if let Some(url) = &options.storage {
        return super::s3::delivery(&super::s3::Bucket::open(url)?, &photo, options.seconds).await;
    }
    let server = Server::start(None).await?;
    let client = client()?;
    let public = ingest(&client, &server, &photo, "public", true).await?;
    let private = ingest(&client, &server, &photo, "private", false).await?;

    let scratch = tempfile::tempdir()?;
    let root = scratch.path().join("root");
    std::fs::create_dir(&root)?;
    let files = [
        ("thumbnail", variant_url(&public, "thumbnail")?),
        ("large", variant_url(&public, "large")?),
        (
            "original",
            public["links"]["original"]
                .as_str()
                .context("no link")?
                .to_owned(),
        ),
    ];
    let mut sizes = Vec::new();
    for (name, path) in &files {
        let bytes = client
            .get(server.url(path))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        sizes.push((*name, bytes.len()));
        std::fs::write(root.join(name), &bytes)?;
    }
    let nginx = Nginx::start(&root, scratch.path()).await?;

    let mut cases = Vec::new();
    for (name, path) in &files {
        for connections in [1, 2, 8, 64] {
            cases.push(Case {
                file: name,
                request: "public GET",
                connections,
                medialib: (server.url(path), Vec::new()),
                nginx: (format!("{}/{name}", nginx.base), Vec::new()),
            });
        }
    }
    let (_, original) = &files[2];
    let range = vec!["Range: bytes=0-65535".to_owned()];
    cases.push(Case {
        file: "original",
        request: "Range: 64 KiB",
        connections: 8,
        medialib: (server.url(original), range.clone()),
        nginx: (format!("{}/original", nginx.base), range),
    });
    let (_, large) = &files[1];
    let ours = etag(&client, &server.url(large)).await?;
    let theirs = etag(&client, &format!("{}/large", nginx.base)).await?;
    cases.push(Case {
        file: "large",
        request: "If-None-Match → 304",
        connections: 8,
        medialib: (server.url(large), vec![format!("If-None-Match: {ours}")]),
        nginx: (
            format!("{}/large", nginx.base),
            vec![format!("If-None-Match: {theirs}")],
        ),
    });
    for name in ["thumbnail", "large"] {
        let signed = signed_url(&client, &server, &private, name).await?;
        cases.push(Case {
            file: name,
            request: "private, signed URL",
            connections: 8,
            medialib: (server.url(&signed), Vec::new()),
            nginx: (format!("{}/{name}", nginx.base), Vec::new()),
        });
    }

    let bar = ProgressBar::new(cases.len() as u64 * 2).with_style(ProgressStyle::with_template(
        "{bar:30} {pos}/{len} runs of {msg}",
    )?);
    let server_pid = server.pid();
    let mut rows = Vec::new();
    for case in &cases {
        bar.set_message(format!(
            "{} {} ×{}",
            case.file, case.request, case.connections
        ));
        let ours = measure(
            &case.medialib,
            case.connections,
            options.seconds,
            server_pid,
        )?;
        bar.inc(1);
        let theirs = measure(&case.nginx, case.connections, options.seconds, nginx.pid())?;
        bar.inc(1);
        rows.push((case, ours, theirs));
    }
    bar.finish_and_clear();

    println!(
        "Files: {}.",
        sizes
            .iter()
            .map(|(n, s)| format!("{n} {s} bytes"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "wrk, keep-alive, {} s per run; CPU is the server's user + system time per request.",
        options.seconds
    );
    println!();
    println!(
        "| file | request | conns | medialib req/s | p50 ms | p99 ms | CPU µs/req | nginx req/s | p50 ms | p99 ms | CPU µs/req | medialib / nginx |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (case, (ours, our_cpu), (theirs, their_cpu)) in &rows {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} | {:.2} | {:.2} | {:.0} | {:.2} |",
            case.file,
            case.request,
            case.connections,
            ours.per_second,
            ours.p50_ms,
            ours.p99_ms,
            our_cpu,
            theirs.per_second,
            theirs.p50_ms,
            theirs.p99_ms,
            their_cpu,
            ours.per_second / theirs.per_second
        );
    }
    println!();
    println!(
        "Resident memory after the runs: medialib {} MB, nginx (master and workers) {} MB.",
        rss_kib(server_pid)? / 1024,
        rss_kib(nginx.pid())? / 1024
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs one load against a server and returns it with the server's CPU µs per request.
fn measure(
    (url, headers): &(String, Vec<String>),
    connections: u32,
    seconds: u32,
    pid: u32,
) -> anyhow::Result<(Measured, f64)> {
    let before = cpu_seconds(pid)?;
    let load = Load {
        url,
        connections,
        seconds,
        headers,
        script: None,
    };
    let measured = load.run()?;
    let cpu = (cpu_seconds(pid)? - before) * 1e6 / measured.requests.max(1) as f64;
    Ok((measured, cpu))
}

/// Uploads the photo padded to [`ORIGINAL_BYTES`] (`tag` makes the copies differ), sets
/// its visibility and waits until its variants are ready; returns the asset JSON.
pub(super) async fn ingest(
    client: &reqwest::Client,
    server: &Server,
    photo: &[u8],
    tag: &str,
    public: bool,
) -> anyhow::Result<Value> {
    let mut bytes = photo.to_vec();
    bytes.extend(tag.bytes().cycle().take(ORIGINAL_BYTES - photo.len()));
    let asset = upload(client, server, &format!("{tag}.jpg"), bytes).await?;
    let id = asset["id"].as_str().context("no asset id")?;
    publish(client, server, id, public).await
}

/// The URL path of the asset's WebP variant `name`.
fn variant_url(asset: &Value, name: &str) -> anyhow::Result<String> {
    asset["variants"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["name"] == name && v["format"] == "webp")
        .and_then(|v| v["url"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("no {name} WebP variant"))
}

/// A day-long signed URL path for the private asset's WebP variant `name`.
async fn signed_url(
    client: &reqwest::Client,
    server: &Server,
    asset: &Value,
    name: &str,
) -> anyhow::Result<String> {
    let id = asset["id"].as_str().context("no asset id")?;
    let signed: Value = client
        .get(server.url(&format!(
            "/api/v1/assets/{id}/signed-url?variant={name}.webp&ttl=86400"
        )))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    signed["url"]
        .as_str()
        .map(str::to_owned)
        .context("no signed url")
}

/// The ETag a server sends for `url`.
async fn etag(client: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let response = client.head(url).send().await?.error_for_status()?;
    Ok(response
        .headers()
        .get("etag")
        .context("no ETag")?
        .to_str()?
        .to_owned())
}
