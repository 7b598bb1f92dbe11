//! Separate processes, started as children of the test: `medialib serve --no-workers`
//! nodes take uploads, `medialib worker` processes run the jobs, routed by kind, and stop
//! cleanly on SIGTERM; on one data directory (SQLite) and on one PostgreSQL database;
//! blobs in a local directory, or in an S3 bucket.

mod crash;
mod nodes;
mod postgres;
mod sqlite;
mod storage;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

pub const TOKEN: &str = "mlk_processes_test_token_0123456789";

pub fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// A child process, killed when dropped (a failed test leaves nothing running).
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET /readyz`: its status, and the check named `failing` with its reason, if any
/// (`database`, `storage`, `queue`, `disk`).
pub async fn readiness(base: &str) -> (u16, Vec<(String, String)>) {
    let response = reqwest::get(format!("{base}/readyz")).await.unwrap();
    let status = response.status().as_u16();
    let report: Value = response.json().await.unwrap();
    let failing = report["checks"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, check)| check["status"] == "failing")
        .map(|(name, check)| (name.clone(), check["error"].as_str().unwrap().to_owned()))
        .collect();
    (status, failing)
}

/// Sends `signal` (a `kill` flag such as `-STOP`) to `process`.
pub fn signal(process: &Process, signal: &str) {
    let pid = process.0.id().to_string();
    let status = Command::new("kill").args([signal, &pid]).status().unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

/// `medialib --data-dir DATA [--config DATA/medialib.toml] ARGS…`: the configuration file
/// is used when the test wrote one.
pub fn medialib(data: &Path, args: &[&str]) -> Process {
    medialib_with(data, args, &[])
}

/// [`medialib`] with extra environment variables (a storage server's credentials).
pub fn medialib_with(data: &Path, args: &[&str], env: &[(String, String)]) -> Process {
    let config = data.join("medialib.toml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_medialib"));
    command.arg("--data-dir").arg(data);
    if config.exists() {
        command.arg("--config").arg(config);
    }
    let child = command
        .args(args)
        .env("RUST_LOG", "warn")
        .env("MEDIALIB_ADMIN_TOKEN", TOKEN)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Process(child)
}

/// Starts `serve --no-workers` on a free loopback port and waits until it answers.
pub async fn serve(data: &Path) -> (Process, String) {
    serve_with(data, &[]).await
}

/// [`serve`] with extra environment variables.
pub async fn serve_with(data: &Path, env: &[(String, String)]) -> (Process, String) {
    listen(data, &["--no-workers"], env).await
}

/// `serve ARGS…` on a free loopback port, once it answers `/healthz`.
pub async fn listen(data: &Path, args: &[&str], env: &[(String, String)]) -> (Process, String) {
    medialib_app::import::install_crypto_provider();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut command = vec!["serve", "--listen", &listen];
    command.extend_from_slice(args);
    let process = medialib_with(data, &command, env);
    let base = format!("http://{listen}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (process, base)
}

/// `count` distinct small images the corpus says are accepted.
pub fn images(count: usize) -> Vec<String> {
    let manifest: Vec<Value> =
        serde_json::from_slice(&std::fs::read(corpus().join("manifest.json")).unwrap()).unwrap();
    let mut seen = std::collections::HashSet::new();
    let files: Vec<String> = manifest
        .iter()
        .filter(|e| e["kind"] == "image" && e["expect"] == "accept")
        .filter(|e| e["bytes"].as_u64().is_some_and(|b| b < 300_000))
        .filter(|e| seen.insert(e["sha256"].as_str().unwrap().to_owned()))
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .take(count)
        .collect();
    assert_eq!(files.len(), count, "the corpus has too few small images");
    files
}

/// Uploads the corpus file `file` (multipart); must answer 201. Returns the asset id.
pub async fn upload(base: &str, file: &str) -> String {
    let (status, _, asset) = try_upload(base, file).await;
    assert_eq!(status, 201, "{asset}");
    asset["id"].as_str().unwrap().to_owned()
}

/// Uploads the corpus file `file` and answers the response's status, `Retry-After` and
/// body.
pub async fn try_upload(base: &str, file: &str) -> (u16, Option<String>, Value) {
    let bytes = std::fs::read(corpus().join(file)).unwrap();
    let name = Path::new(file)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name),
    );
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/assets"))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, response.json().await.unwrap())
}

/// `GET base+path` with the admin token.
pub async fn get(base: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

pub async fn asset(base: &str, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/assets/{id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits until every asset is ready and returns them.
pub async fn all_ready(base: &str, ids: &[String]) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let mut assets = Vec::new();
        for id in ids {
            assets.push(asset(base, id).await);
        }
        if assets.iter().all(|a| a["status"] == "ready") {
            return assets;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "not processed: {assets:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// [`all_ready`], and then until every job of every asset has ended (analysis runs after
/// processing).
pub async fn all_settled(base: &str, ids: &[String]) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let assets = all_ready(base, ids).await;
        let running = |a: &Value| {
            a["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["status"] == "queued" || j["status"] == "running")
        };
        if !assets.iter().any(running) {
            return assets;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "jobs still waiting: {assets:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM to `process` and waits (at most `within`) for it to exit.
pub async fn terminate(process: &mut Process, within: Duration) -> std::process::ExitStatus {
    let pid = process.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    loop {
        if let Some(status) = process.0.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < within, "did not stop within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An HTTP client that does not follow redirects (a node's redirect to a bucket is
/// followed by hand, without the token).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A tus 1.0.0 request to `base` + `path` with the admin token.
pub fn tus(base: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    client()
        .request(method, format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .header("Tus-Resumable", "1.0.0")
}
