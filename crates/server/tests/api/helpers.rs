//! Test harness: a real server on 127.0.0.1:0 with a fresh data directory, a client
//! with the admin token, and the corpus manifest.
//!
//! The same tests build three times: `api` runs every server on SQLite (a file in its data
//! directory), `api_postgres` on a fresh PostgreSQL database each, in a throwaway cluster
//! this binary starts on 127.0.0.1, and `api_s3` with its blobs in a fresh bucket each of
//! an s3s-fs server this binary starts on 127.0.0.1 (`medialib-test-servers`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use medialib_app::access::credentials::{generate_token, hash_token};
use medialib_core::access::{Role, Scopes};
use medialib_core::store::NewToken;
use medialib_core::{NamespaceId, Settings, UserId};
use medialib_server::App;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tokio::sync::oneshot;

pub const TOKEN: &str = "test-admin-token-0123456789";
/// The password of users made by `editor_with_password`.
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    /// The server's state, for fixtures the API does not make (users, roles, tokens).
    pub state: medialib_server::AppState,
    pub client: reqwest::Client,
    pub data: tempfile::TempDir,
    /// The PostgreSQL database (`api_postgres`); `None` on SQLite.
    pub database: Option<String>,
    /// The S3 bucket's `storage_url` (`api_s3`); `None` for the data directory.
    pub storage: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A fresh database for a new server: PostgreSQL in `api_postgres`, else none (SQLite in
/// the data directory).
async fn fresh_database() -> Option<String> {
    if !matches!(
        env!("CARGO_CRATE_NAME"),
        "api_postgres" | "graphql_statements"
    ) {
        return None;
    }
    let cluster = medialib_test_servers::PgCluster::shared();
    Some(cluster.fresh_database().await)
}

/// A fresh bucket for a new server: in s3s-fs in `api_s3`, else none (blobs in the data
/// directory).
fn fresh_storage() -> Option<String> {
    (env!("CARGO_CRATE_NAME") == "api_s3").then(|| s3().fresh_bucket())
}

fn s3() -> &'static medialib_test_servers::StorageServer {
    medialib_test_servers::StorageServer::shared(medialib_test_servers::Kind::S3)
}

/// The environment the blob store's client reads: the S3 server's credentials in
/// `api_s3`, nothing else (tests never reach beyond loopback).
fn storage_env(storage: Option<&str>) -> Vec<(String, String)> {
    storage.map(|_| s3().env()).unwrap_or_default()
}

/// Default settings for tests: the given data dir, database and bucket, the admin token,
/// and no rate limits (tests poll fast; `rate_limits.rs` turns them on). On PostgreSQL,
/// signing keys are configured, as several nodes need.
pub fn settings(data_dir: &Path, database: Option<&str>, storage: Option<&str>) -> Settings {
    let mut settings = Settings {
        data_dir: data_dir.to_owned(),
        admin_token: Some(medialib_core::Secret::new(TOKEN.into())),
        workers: 2,
        ..Settings::default()
    };
    settings.rate_limits.api_per_second = 0;
    settings.rate_limits.uploads_per_second = 0;
    // The models and data sets scripts/setup.sh installs in the repository.
    settings.analysis.models_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    settings.storage_url = storage.map(str::to_owned);
    if let Some(url) = database {
        settings.database_url = Some(medialib_core::Secret::new(url.into()));
        settings.signing.keys = vec![medialib_core::config::SigningKey {
            id: "test".into(),
            secret: medialib_core::Secret::new("a-test-signing-key-of-32-characters!".into()),
        }];
    }
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, true).await
}

/// Starts a server with tweaked settings, with or without job workers.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings), workers: bool) -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let database = fresh_database().await;
    let storage = fresh_storage();
    let mut s = settings(data.path(), database.as_deref(), storage.as_deref());
    tweak(&mut s);
    start(data, database, storage, s, workers).await
}

async fn start(
    data: tempfile::TempDir,
    database: Option<String>,
    storage: Option<String>,
    settings: Settings,
    workers: bool,
) -> TestApp {
    let app = App::open_with_env(settings, storage_env(storage.as_deref()))
        .await
        .unwrap();
    assert!(app.ensure_admin_token().await.unwrap().is_none());
    let state = app.state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.serve(listener, workers, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {TOKEN}").parse().unwrap(),
    );
    TestApp {
        base,
        state,
        client: reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap(),
        data,
        database,
        storage,
        stop: Some(tx),
        task: Some(task),
    }
}

impl TestApp {
    /// Stops the server and starts a new one on the same data directory.
    pub async fn restart(self, workers: bool) -> TestApp {
        self.restart_with(|_| {}, workers).await
    }

    /// Stops the server and starts a new one on the same data directory with tweaked
    /// settings.
    pub async fn restart_with(
        mut self,
        tweak: impl FnOnce(&mut Settings),
        workers: bool,
    ) -> TestApp {
        self.shutdown().await;
        let data = std::mem::replace(&mut self.data, tempfile::tempdir().unwrap());
        let (database, storage) = (self.database.take(), self.storage.take());
        let mut s = settings(data.path(), database.as_deref(), storage.as_deref());
        tweak(&mut s);
        start(data, database, storage, s, workers).await
    }

    /// Starts a second server on this one's data directory: to the store, a second
    /// process.
    pub async fn spawn_beside(&self, workers: bool) -> TestApp {
        let (database, storage) = (self.database.clone(), self.storage.clone());
        let settings = settings(self.data.path(), database.as_deref(), storage.as_deref());
        start(
            tempfile::tempdir().unwrap(),
            database,
            storage,
            settings,
            workers,
        )
        .await
    }

    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// Uploads one file as a `file` part; returns status and JSON body.
    pub async fn upload(&self, path: &Path) -> (u16, Value) {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        self.upload_bytes(&name, bytes).await
    }

    pub async fn upload_bytes(&self, filename: &str, bytes: Vec<u8>) -> (u16, Value) {
        let form = Form::new().part("file", Part::bytes(bytes).file_name(filename.to_owned()));
        self.post_form(form).await
    }

    pub async fn post_form(&self, form: Form) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/api/v1/assets"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `method path` with `token` (and `body` as JSON when given); returns status and JSON
    /// body (`null` when there is none).
    pub async fn request_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .anonymous()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Uploads `bytes` as one `file` part with `token`; returns status and JSON body.
    pub async fn upload_as(&self, token: &str, filename: &str, bytes: Vec<u8>) -> (u16, Value) {
        let form = Form::new().part("file", Part::bytes(bytes).file_name(filename.to_owned()));
        let response = self
            .anonymous()
            .post(self.url("/api/v1/assets"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Polls an asset until it leaves `processing`; panics after `timeout`.
    pub async fn wait_processed(&self, id: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let (status, asset) = self.get_json(&format!("/api/v1/assets/{id}")).await;
            assert_eq!(status, 200, "{asset}");
            if asset["status"] != "processing" {
                return asset;
            }
            assert!(
                start.elapsed() < timeout,
                "asset {id} still processing after {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls an asset until its newest `analyse` job (queued after processing, or by a
    /// rerun) has succeeded, and returns the asset then; panics after `timeout`.
    pub async fn wait_analysed(&self, id: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let (status, asset) = self.get_json(&format!("/api/v1/assets/{id}")).await;
            assert_eq!(status, 200, "{asset}");
            let newest = asset["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .find(|j| j["kind"] == "analyse");
            if newest.is_some_and(|j| j["status"] == "succeeded") {
                // Read again: one GET reads the asset, its tags and its jobs in separate
                // statements, so it may have read the tags before the analysis committed
                // and the job after. A GET after seeing the commit sees all of it.
                return self.get_json(&format!("/api/v1/assets/{id}")).await.1;
            }
            assert!(
                start.elapsed() < timeout,
                "asset {id} not analysed after {timeout:?}: {asset}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls a job until `done` holds for it; panics after `timeout`.
    pub async fn wait_job(
        &self,
        id: &str,
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            let (status, job) = self.get_json(&format!("/api/v1/jobs/{id}")).await;
            assert_eq!(status, 200, "{job}");
            if done(&job) {
                return job;
            }
            assert!(
                start.elapsed() < timeout,
                "job {id} not there after {timeout:?}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The asset's transcode job for `profile`, once processing has queued it.
    pub async fn transcode_job(&self, asset: &str, profile: &str) -> String {
        let asset = self.wait_processed(asset, Duration::from_secs(60)).await;
        asset["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "transcode" && j["profile"] == profile)
            .unwrap_or_else(|| panic!("no {profile} job: {asset}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Bytes of a delivery URL from an asset's JSON.
    pub async fn fetch(&self, url: &str) -> Vec<u8> {
        let response = self.client.get(self.url(url)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        response.bytes().await.unwrap().to_vec()
    }

    /// Keys of the blobs stored under `prefix` (`originals`, `variants/{id}`; empty for
    /// all), as the blob store lists them.
    pub async fn blob_keys(&self, prefix: &str) -> Vec<String> {
        let listed = self.state.catalog.blobs.list(prefix).await.unwrap();
        listed
            .into_iter()
            .map(|b| b.key.as_str().to_owned())
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The slugs of an asset's tags (its JSON), in the order the API gives them.
pub fn tag_slugs(asset: &Value) -> Vec<&str> {
    asset["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("no tags in {asset}"))
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect()
}

/// `(slug, source)` of an asset's tags (its JSON): who put each on (`user`, `auto`).
pub fn tag_sources(asset: &Value) -> Vec<(String, String)> {
    asset["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("no tags in {asset}"))
        .iter()
        .map(|t| {
            let text = |field: &str| t[field].as_str().unwrap().to_owned();
            (text("slug"), text("source"))
        })
        .collect()
}

/// The shared corpus: `$MEDIALIB_CORPUS` or `../shared/corpus` beside the repository.
/// A new user with `role` in `namespace` and an all-scopes token for them there.
pub async fn member(
    app: &TestApp,
    name: &str,
    namespace: NamespaceId,
    role: Role,
) -> (UserId, String) {
    let user = app
        .state
        .catalog
        .store
        .create_user(name, None, None)
        .await
        .unwrap();
    (user.id, join(app, user.id, namespace, role).await)
}

/// The asset ids of a page of collection items (`GET /api/v1/collections/{id}/items`),
/// in order.
pub fn item_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["asset"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Checks `check` every 100 ms until it holds (true) or 10 s have passed (false).
pub async fn eventually<F, Fut>(check: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A new user `name` who signs in with `PASSWORD`, an editor in the default namespace.
pub async fn editor_with_password(app: &TestApp, name: &str) -> UserId {
    let store = &app.state.catalog.store;
    let hash = medialib_app::access::credentials::hash_password(PASSWORD.into())
        .await
        .unwrap();
    let user = store.create_user(name, None, Some(&hash)).await.unwrap();
    store
        .set_role(user.id, NamespaceId(1), Some(Role::Editor))
        .await
        .unwrap();
    user.id
}

/// Gives `user` the `role` in `namespace`; returns a new all-scopes token for them there.
pub async fn join(app: &TestApp, user: UserId, namespace: NamespaceId, role: Role) -> String {
    let store = &app.state.catalog.store;
    store.set_role(user, namespace, Some(role)).await.unwrap();
    let token = generate_token();
    store
        .create_token(NewToken {
            user,
            namespace,
            name: "test".into(),
            hash: hash_token(&token),
            scopes: Scopes::ALL,
            expires_at: None,
        })
        .await
        .unwrap();
    token
}

pub fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

pub fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus().join("manifest.json"))
        .expect("corpus manifest (set MEDIALIB_CORPUS or put shared/ beside the repo)");
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The manifest entries whose path starts with one of `prefixes`.
pub fn entries(prefixes: &[&str]) -> Vec<Value> {
    manifest()
        .into_iter()
        .filter(|e| {
            let path = e["path"].as_str().unwrap();
            prefixes.iter().any(|p| path.starts_with(p))
        })
        .collect()
}

/// Uploads a corpus file and checks the manifest's `expect`: `accept` is a 201 (its id
/// is returned), `reject` a 4xx with a clear message, `either` never a 5xx and never
/// stuck processing.
pub async fn upload_as_expected(app: &TestApp, entry: &Value) -> Option<String> {
    let path = entry["path"].as_str().unwrap();
    let (status, body) = app.upload(&corpus().join(path)).await;
    match entry["expect"].as_str().unwrap() {
        "accept" => {
            assert_eq!(status, 201, "{path}: {body}");
            Some(body["id"].as_str().unwrap().to_owned())
        }
        "reject" => {
            assert!((400..500).contains(&status), "{path}: {status} {body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.len() > 10, "{path}: unclear error {body}");
            None
        }
        _ => {
            assert!(status < 500, "{path}: {status} {body}");
            if status == 201 {
                let id = body["id"].as_str().unwrap();
                let asset = app.wait_processed(id, Duration::from_secs(120)).await;
                assert_ne!(asset["status"], "processing", "{path}");
            }
            None
        }
    }
}

/// Writes a synthetic 1280×720 H.264 + AAC clip of `seconds` (ffmpeg's testsrc2 and
/// sine sources) into `dir`: long enough to interrupt while it transcodes.
pub fn generated_clip(dir: &Path, seconds: u32) -> PathBuf {
    let out = dir.join(format!("testsrc2-{seconds}s.mp4"));
    let status = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(["-t", &seconds.to_string()])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        .arg(&out)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    out
}

/// Width, height and rotation of the first video stream, by the ffprobe CLI (an
/// independent reader of what the server made).
pub fn ffprobe_video(path: &Path) -> (u32, u32, i64, String) {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let video = json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream")
        .clone();
    let rotation = video["side_data_list"]
        .as_array()
        .and_then(|l| l.iter().find_map(|d| d["rotation"].as_i64()))
        .unwrap_or(0);
    (
        video["width"].as_u64().unwrap() as u32,
        video["height"].as_u64().unwrap() as u32,
        rotation,
        video["codec_name"].as_str().unwrap().to_owned(),
    )
}

/// The default variant boxes: (name, width, height, cover).
pub const DEFAULT_BOXES: [(&str, u32, u32, bool); 5] = [
    ("thumbnail", 150, 150, true),
    ("small", 300, 300, false),
    ("medium", 600, 400, false),
    ("large", 1200, 800, false),
    ("hero", 1920, 1080, true),
];

/// Size of a variant box for a `w`×`h` source: fit scales into the box, cover fills it
/// and crops; neither ever upscales (cover crops a small source to the box's aspect).
pub fn expected_size(w: u32, h: u32, bw: u32, bh: u32, cover: bool) -> (u32, u32) {
    let (w, h, bw, bh) = (w as f64, h as f64, bw as f64, bh as f64);
    if cover {
        if w >= bw && h >= bh {
            return (bw as u32, bh as u32);
        }
        let scale = (bw / w).max(bh / h);
        let (cw, ch) = (bw / scale, bh / scale);
        (
            cw.round().clamp(1.0, w) as u32,
            ch.round().clamp(1.0, h) as u32,
        )
    } else {
        let scale = (bw / w).min(bh / h).min(1.0);
        (
            (w * scale).round().max(1.0) as u32,
            (h * scale).round().max(1.0) as u32,
        )
    }
}

/// Asserts two sizes agree within a pixel (rounding differs between resizers).
pub fn assert_size_near(actual: (u32, u32), expected: (u32, u32), what: &str) {
    let near = |a: u32, b: u32| a.abs_diff(b) <= 1;
    assert!(
        near(actual.0, expected.0) && near(actual.1, expected.1),
        "{what}: got {actual:?}, expected {expected:?}"
    );
}
