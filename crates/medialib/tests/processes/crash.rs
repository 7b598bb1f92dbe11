//! Crash safety: `medialib serve` on the embedded default (SQLite, local blobs, its own
//! workers) is killed with SIGKILL at seeded random moments: during a multipart upload, a
//! tus PATCH, a processing job, a transcode, a purge and a backup. After each restart:
//! every asset that was acknowledged (2xx) is there with its bytes, every job completes,
//! an interrupted tus upload resumes from at least its acknowledged offset, `gc` leaves no
//! orphan and `verify` passes.
//!
//! CI runs one round of the six moments. The long run is
//! `MEDIALIB_CRASH_ITERATIONS=50 cargo test -p medialib --test processes crash -- --nocapture`;
//! `MEDIALIB_CRASH_SEED=N` replays one seed (each run prints its seed).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::Value;

use crate::{
    Process, TOKEN, all_ready, asset, client, corpus, listen, medialib, signal, terminate, tus,
};

/// What is killed in the middle of.
#[derive(Debug, Clone, Copy)]
enum Moment {
    Multipart,
    TusPatch,
    Processing,
    Transcode,
    Purge,
    Backup,
}

const MOMENTS: [Moment; 6] = [
    Moment::Multipart,
    Moment::TusPatch,
    Moment::Processing,
    Moment::Transcode,
    Moment::Purge,
    Moment::Backup,
];

/// What the server acknowledged, and so must keep.
#[derive(Default)]
struct Ledger {
    /// Assets answered 2xx, with the bytes uploaded.
    kept: Vec<(String, Arc<Vec<u8>>)>,
    /// Assets whose purge was answered 2xx.
    purged: Vec<String>,
    /// A tus upload cut off: its URL, the file, and the offset last acknowledged.
    resumable: Option<(String, Arc<Vec<u8>>, usize)>,
    /// Uploads made so far, so that each one's bytes are new (no deduplication).
    uploads: usize,
}

impl Ledger {
    /// A corpus JPEG with bytes after its end marker that make it a new asset.
    fn fresh(&mut self, file: &str) -> Arc<Vec<u8>> {
        self.uploads += 1;
        let mut bytes = std::fs::read(corpus().join(file)).unwrap();
        bytes.extend_from_slice(format!("crash-test-{}", self.uploads).as_bytes());
        Arc::new(bytes)
    }
}

async fn multipart(base: &str, name: &str, bytes: &[u8]) -> Result<Value, String> {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    let response = client()
        .post(format!("{base}/api/v1/assets"))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match response.status().as_u16() {
        200 | 201 => response.json().await.map_err(|e| e.to_string()),
        other => Err(format!("{other}")),
    }
}

/// How long a session stays locked by a request whose server died (the upload lease,
/// `medialib_app::uploads::LEASE`), with a margin.
const LOCKED_AT_MOST: Duration = Duration::from_secs(40);

/// PATCHes `bytes` from `from` in 256 KiB pieces, recording each acknowledged offset in
/// `acked`; returns the asset id from the last answer. A 423 (the session still locked by
/// a request of the killed server) is retried, as tus clients do, until the lease ends.
async fn patch_all(
    base: &str,
    path: &str,
    bytes: &[u8],
    from: usize,
    acked: &AtomicUsize,
) -> Result<String, String> {
    let mut offset = from;
    let started = std::time::Instant::now();
    loop {
        let end = (offset + 256 * 1024).min(bytes.len());
        let response = tus(base, Method::PATCH, path)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(bytes[offset..end].to_vec())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status() == 423 && started.elapsed() < LOCKED_AT_MOST {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if response.status() != 204 {
            return Err(format!("PATCH at {offset}: {}", response.status()));
        }
        offset = end;
        acked.store(offset, Ordering::SeqCst);
        if offset == bytes.len() {
            let id = response.headers()["Medialib-Asset-Id"].to_str().unwrap();
            return Ok(id.to_owned());
        }
    }
}

/// The asset's original, if the asset exists.
async fn original(base: &str, id: &str) -> Option<Vec<u8>> {
    let asset = client()
        .get(format!("{base}/api/v1/assets/{id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    match asset.status().as_u16() {
        200 => {}
        404 => return None,
        other => panic!("asset {id}: {other}"),
    }
    let asset: Value = asset.json().await.unwrap();
    let link = asset["links"]["original"].as_str().unwrap();
    let response = client()
        .get(format!("{base}{link}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "original of {id}");
    Some(response.bytes().await.unwrap().to_vec())
}

/// Each job of the asset as `kind: status`.
async fn jobs_of(base: &str, id: &str) -> String {
    let asset = asset(base, id).await;
    let jobs = asset["jobs"].as_array().cloned().unwrap_or_default();
    let jobs: Vec<String> = jobs
        .iter()
        .map(|j| {
            format!(
                "{}: {}",
                j["kind"].as_str().unwrap_or("?"),
                j["status"].as_str().unwrap_or("?")
            )
        })
        .collect();
    jobs.join(", ")
}

async fn status_of(base: &str, method: Method, path: &str) -> u16 {
    client()
        .request(method, format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Starts the server with its workers on `data`.
async fn start(data: &Path) -> (Process, String) {
    listen(data, &[], &[]).await
}

/// The checks after a crash: what was acknowledged is there, the cut-off tus upload
/// resumes and ends, every job completes; then, stopped, `gc` and `verify` find nothing.
async fn recover(data: &Path, ledger: &mut Ledger, seed: u64) {
    let (mut server, base) = start(data).await;
    if let Some((path, bytes, acked)) = ledger.resumable.take() {
        let started = std::time::Instant::now();
        let head = loop {
            let head = tus(&base, Method::HEAD, &path).send().await.unwrap();
            // 423: all bytes were in, and the dead server's lease still holds the session.
            if head.status() != 423 || started.elapsed() > LOCKED_AT_MOST {
                break head;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        assert_eq!(
            head.status(),
            200,
            "seed {seed}: the tus upload outlived the crash"
        );
        let offset: usize = head.headers()["Upload-Offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (acked..=bytes.len()).contains(&offset),
            "seed {seed}: offset {offset} after {acked} bytes were acknowledged"
        );
        let id = match head.headers().get("Medialib-Asset-Id") {
            // Every byte was in before the crash: HEAD ingested what the server had not.
            Some(id) => id.to_str().unwrap().to_owned(),
            None => patch_all(&base, &path, &bytes, offset, &AtomicUsize::new(offset))
                .await
                .unwrap_or_else(|e| panic!("seed {seed}: resuming at {offset}: {e}")),
        };
        ledger.kept.push((id, bytes));
    }
    for (id, bytes) in &ledger.kept {
        let stored = original(&base, id).await;
        assert!(
            stored.as_deref() == Some(bytes.as_slice()),
            "seed {seed}: acknowledged asset {id} lost its original"
        );
    }
    let ids: Vec<String> = ledger.kept.iter().map(|(id, _)| id.clone()).collect();
    all_ready(&base, &ids).await;
    for id in &ledger.purged {
        let path = format!("/api/v1/assets/{id}");
        assert_eq!(
            status_of(&base, Method::GET, &path).await,
            404,
            "seed {seed}: purged {id} came back"
        );
    }
    let stopped = terminate(&mut server, Duration::from_secs(30)).await;
    assert!(stopped.success(), "seed {seed}: {stopped}");
    let gc = medialib(data, &["gc", "--orphan-age-hours", "0"])
        .0
        .wait()
        .unwrap();
    assert!(gc.success(), "seed {seed}: gc {gc}");
    let verify = medialib(data, &["verify"]).0.wait().unwrap();
    assert!(
        verify.success(),
        "seed {seed}: verify found problems after the crash"
    );
}

/// Starts the server, begins `moment`, and kills the server with SIGKILL `delay` into it.
async fn crash_during(data: &Path, moment: Moment, ledger: &mut Ledger, rng: &mut StdRng) {
    let (server, base) = start(data).await;
    let kill_after =
        |max_ms: u64, rng: &mut StdRng| Duration::from_millis(rng.random_range(0..max_ms));
    match moment {
        Moment::Multipart => {
            let bytes = ledger.fresh("images/large/olympus_E-P3_12MP.jpg");
            let upload = tokio::spawn({
                let (base, bytes) = (base.clone(), Arc::clone(&bytes));
                async move { multipart(&base, "photo.jpg", &bytes).await }
            });
            tokio::time::sleep(kill_after(400, rng)).await;
            signal(&server, "-KILL");
            match upload.await.unwrap() {
                Ok(asset) => {
                    println!("  the upload was acknowledged before the kill");
                    ledger
                        .kept
                        .push((asset["id"].as_str().unwrap().to_owned(), bytes));
                }
                Err(e) => println!("  the upload was cut off: {e}"),
            }
        }
        Moment::TusPatch => {
            let bytes = ledger.fresh("images/large/olympus_E-P3_12MP.jpg");
            let name = base64::engine::general_purpose::STANDARD.encode("photo.jpg");
            let created = tus(&base, Method::POST, "/api/v1/uploads")
                .header("Upload-Length", bytes.len().to_string())
                .header("Upload-Metadata", format!("filename {name}"))
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), 201);
            let path = created.headers()["Location"].to_str().unwrap().to_owned();
            let acked = Arc::new(AtomicUsize::new(0));
            let upload = tokio::spawn({
                let (base, path, bytes, acked) = (
                    base.clone(),
                    path.clone(),
                    Arc::clone(&bytes),
                    Arc::clone(&acked),
                );
                async move { patch_all(&base, &path, &bytes, 0, &acked).await }
            });
            tokio::time::sleep(kill_after(300, rng)).await;
            signal(&server, "-KILL");
            match upload.await.unwrap() {
                Ok(id) => {
                    println!("  every PATCH was acknowledged before the kill");
                    ledger.kept.push((id, bytes));
                }
                Err(_) => {
                    let acked = acked.load(Ordering::SeqCst);
                    println!("  cut off after {acked} of {} bytes", bytes.len());
                    ledger.resumable = Some((path, bytes, acked));
                }
            }
        }
        Moment::Processing | Moment::Transcode => {
            let (file, name, window) = match moment {
                Moment::Processing => ("images/jpeg/progressive_icc.jpg", "still.jpg", 200),
                _ => ("video/h264_noaudio_320x240_10s.mp4", "clip.mp4", 1200),
            };
            let bytes = ledger.fresh(file);
            let asset = multipart(&base, name, &bytes).await.unwrap();
            let id = asset["id"].as_str().unwrap().to_owned();
            tokio::time::sleep(kill_after(window, rng)).await;
            let jobs = jobs_of(&base, &id).await;
            signal(&server, "-KILL");
            println!("  killed with its jobs {jobs}");
            ledger.kept.push((id, bytes));
        }
        Moment::Purge => {
            let bytes = ledger.fresh("images/jpeg/progressive_icc.jpg");
            let asset = multipart(&base, "gone.jpg", &bytes).await.unwrap();
            let id = asset["id"].as_str().unwrap().to_owned();
            all_ready(&base, std::slice::from_ref(&id)).await;
            let path = format!("/api/v1/assets/{id}");
            assert_eq!(status_of(&base, Method::DELETE, &path).await, 204);
            let purge = tokio::spawn({
                let base = base.clone();
                async move {
                    let answer = client()
                        .delete(format!("{base}/api/v1/trash"))
                        .bearer_auth(TOKEN)
                        .send()
                        .await;
                    answer.is_ok_and(|a| a.status() == 200)
                }
            });
            tokio::time::sleep(kill_after(100, rng)).await;
            signal(&server, "-KILL");
            if purge.await.unwrap() {
                println!("  the purge was acknowledged before the kill");
                ledger.purged.push(id);
            } else {
                println!("  the purge was cut off");
            }
            // Not acknowledged: in the trash or gone, either is consistent.
        }
        Moment::Backup => {
            let into = data.with_file_name("backup");
            let mut backup = medialib(data, &["backup", into.to_str().unwrap()]);
            tokio::time::sleep(kill_after(500, rng)).await;
            signal(&server, "-KILL");
            // An online backup does not depend on the server: it completes, and restores
            // into an install that verifies.
            let done = backup.0.wait().unwrap();
            assert!(done.success(), "backup with the server killed: {done}");
            let restored = data.with_file_name("restored");
            let _ = std::fs::remove_dir_all(&restored);
            let into = into.to_str().unwrap();
            let restore = medialib(&restored, &["restore", into]).0.wait().unwrap();
            assert!(restore.success(), "restore: {restore}");
            let verify = medialib(&restored, &["verify"]).0.wait().unwrap();
            assert!(verify.success(), "the restored install verifies");
        }
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_any_moment_it_loses_nothing_acknowledged() {
    let iterations: usize = std::env::var("MEDIALIB_CRASH_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(MOMENTS.len());
    let seed: u64 = std::env::var("MEDIALIB_CRASH_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(rand::random);
    println!("crash test: seed {seed}, {iterations} iterations");
    let mut rng = StdRng::seed_from_u64(seed);
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("medialib.toml"), "[jobs]\nlease_seconds = 3\n").unwrap();

    let mut ledger = Ledger::default();
    let mut round = Vec::new();
    for i in 0..iterations {
        // Every moment once per round, in a seeded order within it.
        if round.is_empty() {
            round = MOMENTS.to_vec();
            round.shuffle(&mut rng);
        }
        let moment = round.pop().unwrap();
        println!("crash {i}: during {moment:?}");
        crash_during(&data, moment, &mut ledger, &mut rng).await;
        recover(&data, &mut ledger, seed).await;
    }
    assert!(
        !ledger.kept.is_empty(),
        "seed {seed}: nothing was acknowledged, so nothing was tested"
    );
}
