//! `medialib bench`: the benchmarks recorded in BENCHMARKS.md, each against a reference
//! tool run in the same process on the same input.
//!
//! - `image`: a 12 MP JPEG's ingest against `vipsthumbnail`, and peak RSS.
//! - `video`: a 60 s 1080p clip's probe + poster + variants, and its `mp4_720p`
//!   transcode against the identical ffmpeg command run by hand.
//! - `search`: five representative searches over a generated library of 100 000 assets,
//!   against the same queries in SQLite alone (Python's `sqlite3`).
//! - `upload`: a 1 GiB file through tus against curl PUT to a sink.
//! - `delivery`: cached delivery of variants and originals against nginx, under `wrk`.
//! - `queue`: job claim → heartbeat → finish, 1–8 tasks in 2 processes (no server).
//! - `workers`: 200 corpus images processed by 1 or 2 `medialib worker` processes.
//! - `transform`: cache-busted `/img` transforms of a 12 MP JPEG against a sharp server,
//!   and cache hits against nginx.
//! - `graphql`: the media picker's GraphQL query against its REST equivalent, over the
//!   `search` library.
//! - `load`: uploaders and readers at once for minutes; latency, errors, memory and
//!   the queue's drain (no reference: the server against itself over time).
//! - `analyse`: the analysers' CPU time on a 12 MP photo, in-process, and the labels
//!   model against onnxruntime.
//!
//! Most start `medialib serve` as a child process on a fresh data directory (`search`:
//! one it seeded first), so the server's timings and memory are its own.

mod analyse;
mod delivery;
mod graphql;
mod image;
mod load;
mod queue;
mod s3;
mod search;
mod transform;
mod tus;
mod upload;
mod video;
mod workers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_core::Settings;
use serde_json::Value;

const TOKEN: &str = "bench-token-0123456789abcdef";

/// The photo the image benchmarks use by default: the corpus's 12 MP Olympus E-P3 JPEG,
/// relative to the repository (run them from its root).
const PHOTO_12MP: &str = "../shared/corpus/images/large/olympus_E-P3_12MP.jpg";

/// Flags of `medialib bench`.
#[derive(clap::Args)]
pub struct Options {
    #[command(subcommand)]
    what: Which,
}

#[derive(clap::Subcommand)]
enum Which {
    /// Ingest of a 12 MP JPEG (or, with `--animated`, an animation) against vipsthumbnail,
    /// and peak RSS under a burst.
    Image(image::Options),
    /// Video poster and transcode of a generated 60 s 1080p clip against ffmpeg.
    Video(video::Options),
    /// Five searches over a generated library of 100 000 assets against SQLite alone.
    Search(search::Options),
    /// A 1 GiB file through tus in 8 MiB PATCHes against curl PUT to a sink (or, into
    /// an S3 bucket, against boto3), and RSS.
    Upload(upload::Options),
    /// Cached delivery of variants and originals against nginx serving the same bytes
    /// (or, from an S3 bucket, against direct GETs).
    Delivery(delivery::Options),
    /// Job-queue throughput (claim, heartbeat, finish) on SQLite and PostgreSQL.
    Queue(queue::Options),
    /// Corpus images processed by 1 or 2 worker processes beside `serve --no-workers`.
    Workers(workers::Options),
    /// On-the-fly transforms (W1, W3, W4) against sharp, and cache hits against nginx.
    Transform(transform::Options),
    /// The media picker's GraphQL query against its REST equivalent, over the search
    /// benchmark's library.
    Graphql(graphql::Options),
    /// Concurrent uploaders (multipart and tus) and readers (variants, originals,
    /// searches, transforms, listings) for minutes: latency, errors, RSS, queue drain.
    Load(load::Options),
    /// The analysers' CPU time on a 12 MP photo, and the labels model against
    /// onnxruntime.
    Analyse(analyse::Options),
}

/// Runs the chosen benchmark and prints a Markdown report.
pub async fn run(settings: &Settings, options: Options) -> anyhow::Result<ExitCode> {
    match options.what {
        Which::Image(o) => image::run(settings, o).await,
        Which::Video(o) => video::run(o).await,
        Which::Search(o) => search::run(o).await,
        Which::Upload(o) => upload::run(o).await,
        Which::Delivery(o) => delivery::run(o).await,
        Which::Queue(o) => queue::run(o).await,
        Which::Workers(o) => workers::run(o).await,
        Which::Transform(o) => transform::run(o).await,
        Which::Graphql(o) => graphql::run(o).await,
        Which::Load(o) => load::run(o).await,
        Which::Analyse(o) => analyse::run(settings, o).await,
    }
}

/// A `medialib serve` child process, killed on drop.
struct Server {
    child: Child,
    base: String,
    /// The configuration file and data directory, for worker processes beside it.
    config: PathBuf,
    data: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `medialib serve` on a free port and a fresh data directory, with an extra
    /// configuration file when given.
    async fn start(config: Option<&str>) -> anyhow::Result<Server> {
        let scratch = tempfile::tempdir()?;
        let data = scratch.path().join("data");
        Server::start_in(scratch, data, config, &[]).await
    }

    /// Starts `medialib serve` on a free port and the data directory `data` (which may
    /// already hold a database), with `config` (TOML that starts with a table header)
    /// and no rate limits, passing `serve` the extra `flags`. `scratch` holds the
    /// configuration file and is removed when the server stops.
    async fn start_in(
        scratch: tempfile::TempDir,
        data: PathBuf,
        config: Option<&str>,
        flags: &[&str],
    ) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        // A benchmark is one client as fast as it can go: no rate limits.
        let toml = format!(
            "{}\n[rate_limits]\napi_per_second = 0\nuploads_per_second = 0\n",
            config.unwrap_or_default()
        );
        let path = scratch.path().join("bench.toml");
        std::fs::write(&path, toml)?;
        let child = medialib(&path, &data, "serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(flags)
            .spawn()
            .context("start medialib serve")?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            config: path,
            data,
            _scratch: scratch,
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

    /// Starts `medialib worker` with `flags` on this server's configuration and data
    /// directory (and so its database).
    fn worker(&self, flags: &[&str]) -> anyhow::Result<Child> {
        medialib(&self.config, &self.data, "worker")
            .args(flags)
            .spawn()
            .context("start medialib worker")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's process id.
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident set size, in KiB, from `/proc/{pid}/status`.
    fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        self.proc_status_kib("VmHWM:")
    }

    /// Resident set size now, in KiB.
    fn rss_kib(&self) -> anyhow::Result<u64> {
        self.proc_status_kib("VmRSS:")
    }

    fn proc_status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let pid = self.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("{field} missing from /proc status"))
    }
}

/// `medialib --config <config> <command> --data-dir <data>`, as the benchmarks run it:
/// the admin token set, warnings only, standard output discarded.
fn medialib(config: &Path, data: &Path, command: &str) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("medialib"));
    let mut cmd = Command::new(exe);
    cmd.arg("--config")
        .arg(config)
        .arg(command)
        .arg("--data-dir")
        .arg(data)
        .env("MEDIALIB_ADMIN_TOKEN", TOKEN)
        .env("RUST_LOG", "warn,nom_exif=error")
        .stdout(Stdio::null());
    cmd
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

/// Uploads `bytes` as `filename`; returns the asset JSON.
async fn upload(
    client: &reqwest::Client,
    server: &Server,
    filename: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<Value> {
    let response = upload_request(client, server, filename, bytes)
        .send()
        .await?;
    let status = response.status();
    let asset: Value = response.json().await?;
    if status != 201 {
        bail!("upload answered {status}: {asset}");
    }
    Ok(asset)
}

/// The multipart `POST /api/v1/assets` of `bytes` as `filename`, one file part.
fn upload_request(
    client: &reqwest::Client,
    server: &Server,
    filename: &str,
    bytes: Vec<u8>,
) -> reqwest::RequestBuilder {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()),
    );
    client.post(server.url("/api/v1/assets")).multipart(form)
}

/// Makes the asset `id` public or private and waits until it is processed; returns
/// the asset JSON.
async fn publish(
    client: &reqwest::Client,
    server: &Server,
    id: &str,
    public: bool,
) -> anyhow::Result<Value> {
    let path = format!("/api/v1/assets/{id}");
    client
        .patch(server.url(&path))
        .json(&serde_json::json!({ "is_public": public }))
        .send()
        .await?
        .error_for_status()?;
    poll(client, server, &path, |a| a["status"] == "ready").await
}

/// The corpus: `dir`, else `$MEDIALIB_CORPUS`, else `../shared/corpus`.
fn corpus(dir: Option<PathBuf>) -> PathBuf {
    dir.or_else(|| std::env::var_os("MEDIALIB_CORPUS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"))
}

/// Polls `path` every 10 ms until `done` says the JSON is final; fails on `failed`.
async fn poll(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> anyhow::Result<Value> {
    loop {
        let value: Value = client.get(server.url(path)).send().await?.json().await?;
        if value["status"] == "failed" {
            bail!("{path} failed: {value}");
        }
        if done(&value) {
            return Ok(value);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs a reference command and returns its wall-clock time.
fn timed(cmd: &mut Command, what: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("run {what}"))?;
    if !status.success() {
        bail!("{what} failed");
    }
    Ok(started.elapsed())
}

/// The `p`th percentile (nearest rank) of some timings.
fn percentile(times: &[Duration], p: usize) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// A duration in milliseconds, for a report.
fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The median of some timings.
fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A path for printing.
fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// CPU time counters of the whole machine, in clock ticks, from the `cpu` line of
/// `/proc/stat` (proc(5)): all time, and the steal time a hypervisor gave to other guests.
#[derive(Clone, Copy)]
struct CpuTicks {
    total: u64,
    steal: u64,
}

impl CpuTicks {
    /// `None` where `/proc/stat` cannot be read (not Linux).
    fn now() -> Option<CpuTicks> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        Some(CpuTicks {
            // user nice system idle iowait irq softirq steal; guest time is inside user.
            total: fields.iter().take(8).sum(),
            steal: *fields.get(7)?,
        })
    }

    /// The share of CPU time stolen since `self`, in percent: a benchmark on a busy host
    /// runs slower than the code does.
    fn steal_percent_since(self) -> Option<f64> {
        let now = CpuTicks::now()?;
        let total = now.total.checked_sub(self.total)?;
        (total > 0).then(|| (now.steal - self.steal) as f64 * 100.0 / total as f64)
    }
}
