//! The object-storage side of `bench upload --storage` and `bench delivery --storage`: an
//! S3-compatible bucket named by a `storage_url` (credentials from `AWS_*`, as medialib
//! reads them), and the direct paths to it that the benchmarks compare medialib with:
//! boto3's `upload_file` with the same part size, and `GET`s of a presigned URL.
//!
//! `scripts/bench-s3.sh` starts s3s-fs on loopback with a fresh bucket and runs both.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use medialib_blob::ObjectBlobStore;
use medialib_core::config::{S3Location, Storage};
use medialib_core::{BlobStore, NamespaceId, Sha256, StorageKey};
use serde_json::Value;

use super::delivery::wrk::Load;
use super::{Server, client, median};

/// The boto3 script of the direct upload path.
const BOTO3_UPLOAD: &str = include_str!("boto3_upload.py");

/// An S3 bucket named by a `storage_url`.
pub struct Bucket {
    /// The `storage_url`, for medialib's configuration.
    pub url: String,
    location: S3Location,
    store: ObjectBlobStore,
}

impl Bucket {
    /// Parses `url`, which must be an `s3://` URL with an `endpoint`.
    pub fn open(url: &str) -> anyhow::Result<Bucket> {
        let storage = Storage::parse(url)?;
        let Storage::S3(location) = &storage else {
            bail!("--storage must be an s3:// URL (the direct path is an S3 client)");
        };
        if location.endpoint.is_none() {
            bail!("--storage must name the server's endpoint (endpoint=http://…)");
        }
        let store = ObjectBlobStore::open(&storage)?;
        Ok(Bucket {
            url: url.to_owned(),
            location: location.clone(),
            store,
        })
    }

    /// The line of medialib's configuration that puts blobs in this bucket.
    pub fn setting(&self) -> String {
        format!("storage_url = {:?}\n", self.url)
    }

    /// Uploads `file` with boto3's `upload_file` in parts of `part` bytes, as object
    /// `key`; the time boto3 took.
    pub fn upload_with_boto3(
        &self,
        python: &Path,
        file: &Path,
        key: &str,
        part: u64,
    ) -> anyhow::Result<Duration> {
        let output = Command::new(python)
            .arg("-c")
            .arg(BOTO3_UPLOAD)
            .arg(self.location.endpoint.as_deref().unwrap_or_default())
            .arg(&self.location.bucket)
            .arg(key)
            .arg(file)
            .arg(part.to_string())
            .stdin(Stdio::null())
            .output()
            .with_context(|| {
                format!(
                    "run {} (./scripts/setup.sh installs boto3 under tests/servers/.venv)",
                    python.display()
                )
            })?;
        if !output.status.success() {
            bail!(
                "boto3 upload failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let seconds: f64 = String::from_utf8_lossy(&output.stdout).trim().parse()?;
        Ok(Duration::from_secs_f64(seconds))
    }

    /// A presigned URL of an asset's original in this bucket, valid for an hour.
    async fn presigned_original(&self, asset: &Value) -> anyhow::Result<String> {
        let sha: Sha256 = asset["sha256"]
            .as_str()
            .context("no sha256")?
            .parse()
            .map_err(|_| anyhow::anyhow!("a malformed sha256"))?;
        let key = StorageKey::original(NamespaceId(1), &sha);
        self.store
            .presigned_get(&key, Duration::from_secs(3600))
            .await?
            .context("the store made no presigned URL")
    }
}

/// The default interpreter with boto3: the venv `scripts/setup.sh` makes.
pub fn default_python() -> PathBuf {
    PathBuf::from("tests/servers/.venv/bin/python")
}

/// `bench delivery --storage`: the padded 5 MB original, public, through medialib in
/// proxy mode and straight from the bucket (a presigned URL), with wrk at 8 connections
/// for `seconds`; and each one's time to first byte (curl, median of 20).
pub async fn delivery(bucket: &Bucket, photo: &[u8], seconds: u32) -> anyhow::Result<ExitCode> {
    let config = format!("{}[delivery]\nmode = \"proxy\"\n", bucket.setting());
    let server = Server::start(Some(&config)).await?;
    let client = client()?;
    let asset = super::delivery::ingest(&client, &server, photo, "public", true).await?;
    let original = server.url(asset["links"]["original"].as_str().context("no link")?);
    let direct = bucket.presigned_original(&asset).await?;
    let ours_bytes = client.get(&original).send().await?.bytes().await?;
    let theirs_bytes = reqwest::get(&direct)
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    if ours_bytes != theirs_bytes {
        bail!("medialib and the bucket answered different bytes");
    }

    let load = |url: &str| {
        Load {
            url,
            connections: 8,
            seconds,
            headers: &[],
            script: None,
        }
        .run()
    };
    let ours = load(&original)?;
    let theirs = load(&direct)?;
    let ttfb_ours = time_to_first_byte(&original)?;
    let ttfb_theirs = time_to_first_byte(&direct)?;
    let ratio = ours.per_second / theirs.per_second;
    println!(
        "| 5 MB original, 8 connections | requests/s | p50 | p99 | time to first byte (median of 20) |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| medialib (proxy mode) | {:.0} | {:.1} ms | {:.1} ms | {:.2} ms |",
        ours.per_second,
        ours.p50_ms,
        ours.p99_ms,
        ttfb_ours.as_secs_f64() * 1e3
    );
    println!(
        "| the bucket directly (presigned GET) | {:.0} | {:.1} ms | {:.1} ms | {:.2} ms |",
        theirs.per_second,
        theirs.p50_ms,
        theirs.p99_ms,
        ttfb_theirs.as_secs_f64() * 1e3
    );
    println!(
        "| ratio | {ratio:.2}× (target ≥ 0.8×: {}) | | | |",
        if ratio >= 0.8 { "met" } else { "**missed**" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Median of 20 `curl` runs' `time_starttransfer` for `url` (both are public: no token).
fn time_to_first_byte(url: &str) -> anyhow::Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..20 {
        let output = Command::new("curl")
            .args(["--silent", "--show-error", "--fail", "-o", "/dev/null"])
            .args(["-w", "%{time_starttransfer}"])
            .arg(url)
            .stdin(Stdio::null())
            .output()
            .context("run curl")?;
        if !output.status.success() {
            bail!("curl {url}: {}", String::from_utf8_lossy(&output.stderr));
        }
        let seconds: f64 = String::from_utf8_lossy(&output.stdout).trim().parse()?;
        times.push(Duration::from_secs_f64(seconds));
    }
    Ok(median(times))
}
