//! Blobs in an S3 bucket (s3s-fs on 127.0.0.1): a node and a worker store originals and
//! variants there and nowhere else, deliver them byte for byte (whole, by range, or by
//! a redirect to a presigned URL), and purge them; a blob lost from the bucket answers
//! 404 `blob_missing` and `medialib verify` names it; an outage of the store answers 503
//! and loses nothing; a store that cannot be reached stops start-up with one line;
//! `storage migrate` moves a local install into a bucket, resuming after an interruption.

use std::path::Path;
use std::time::{Duration, Instant};

use medialib_blob::ObjectBlobStore;
use medialib_core::BlobStore;
use medialib_core::config::Storage;
use medialib_test_servers::{Kind, StorageServer};

use crate::{
    Process, TOKEN, all_ready, asset, corpus, get, images, medialib_with, readiness, serve_with,
    signal, try_upload, upload,
};

/// Writes the configuration: SQLite in the data directory, blobs in `storage_url`, and
/// `delivery` settings when given (TOML lines).
fn configure(data: &Path, storage_url: &str, delivery: &str) {
    // Jobs that fail for an outage are retried a second later.
    let config = format!(
        "storage_url = \"{storage_url}\"\n[jobs]\nbackoff_base_seconds = 1\n[delivery]\n{delivery}"
    );
    std::fs::write(data.join("medialib.toml"), config).unwrap();
}

/// The bucket as the test sees it, through the same client medialib uses.
fn bucket(storage_url: &str, env: &[(String, String)]) -> ObjectBlobStore {
    let storage = Storage::parse(storage_url).unwrap();
    ObjectBlobStore::open_with_env(&storage, env.iter().cloned()).unwrap()
}

/// A node and a worker on a fresh bucket of `server`, with `delivery` settings.
struct S3Node {
    url: String,
    env: Vec<(String, String)>,
    data: tempfile::TempDir,
    base: String,
    node: Process,
    worker: Process,
}

impl S3Node {
    async fn start(server: &StorageServer, delivery: &str) -> S3Node {
        let url = server.fresh_bucket();
        let env = server.env();
        let data = tempfile::tempdir().unwrap();
        configure(data.path(), &url, delivery);
        let (node, base) = serve_with(data.path(), &env).await;
        let worker = medialib_with(data.path(), &["worker"], &env);
        S3Node {
            url,
            env,
            data,
            base,
            node,
            worker,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_node_stores_delivers_and_purges_through_the_bucket() {
    let s3 = S3Node::start(StorageServer::shared(Kind::S3), "").await;
    let (base, url, env, data) = (&s3.base, &s3.url, &s3.env, &s3.data);

    let files = images(3);
    let mut ids = Vec::new();
    for file in &files {
        ids.push(upload(base, file).await);
    }
    let assets = all_ready(base, &ids).await;
    let store = bucket(url, env);
    assert_eq!(store.list("originals").await.unwrap().len(), files.len());
    assert!(
        !data.path().join("blobs").exists(),
        "no blob is kept on the node's disk"
    );

    for (file, asset) in files.iter().zip(&assets) {
        let bytes = std::fs::read(corpus().join(file)).unwrap();
        let original = asset["links"]["original"].as_str().unwrap();
        let whole = get(base, original).await;
        assert_eq!(whole.status(), 200, "{file}");
        assert!(whole.bytes().await.unwrap() == bytes, "{file}: whole");
        let part = reqwest::Client::new()
            .get(format!("{base}{original}"))
            .bearer_auth(TOKEN)
            .header("Range", "bytes=10-109")
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), 206, "{file}");
        assert!(
            part.bytes().await.unwrap() == bytes[10..110],
            "{file}: range"
        );
        let variants = asset["variants"].as_array().unwrap();
        assert!(!variants.is_empty(), "{file}: {asset}");
        for variant in variants {
            let response = get(base, variant["url"].as_str().unwrap()).await;
            assert_eq!(response.status(), 200, "{file}: {variant}");
            assert_eq!(
                response.bytes().await.unwrap().len() as u64,
                variant["bytes"].as_u64().unwrap(),
                "{file}: {variant}"
            );
        }
    }

    let purged = &ids[0];
    let deleted = reqwest::Client::new()
        .delete(format!("{base}/api/v1/assets/{purged}?purge=true"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        store.list("originals").await.unwrap().len(),
        files.len() - 1,
        "the purged original is gone from the bucket"
    );
    assert!(
        store
            .list(&format!("variants/{purged}"))
            .await
            .unwrap()
            .is_empty(),
        "and its variants"
    );
}

/// `medialib verify` on the install in `data`: whether it passed, and what it printed.
fn verify(data: &Path, env: &[(String, String)]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_medialib"))
        .arg("--data-dir")
        .arg(data)
        .arg("--config")
        .arg(data.join("medialib.toml"))
        .arg("verify")
        .envs(env.iter().cloned())
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_lost_from_the_bucket_answers_404_and_verify_names_it() {
    let S3Node {
        url,
        env,
        data,
        base,
        node,
        worker,
    } = S3Node::start(StorageServer::shared(Kind::S3), "").await;
    let mut ids = Vec::new();
    for file in images(2) {
        ids.push(upload(&base, &file).await);
    }
    let assets = all_ready(&base, &ids).await;
    drop(worker);
    let (passed, report) = verify(data.path(), &env);
    assert!(passed, "{report}");
    assert!(report.contains("0 missing"), "{report}");

    let variant = &assets[1]["variants"][0];
    let variant_url = variant["url"].as_str().unwrap();
    let key = format!(
        "variants/{}/{}",
        ids[1],
        variant_url.rsplit('/').next().unwrap()
    );
    let store = bucket(&url, &env);
    store
        .delete(&medialib_core::StorageKey::from_stored(key.clone()))
        .await
        .unwrap();
    let lost = get(&base, variant_url).await;
    assert_eq!(lost.status(), 404);
    let body: serde_json::Value = lost.json().await.unwrap();
    assert_eq!(body["error"]["code"], "blob_missing", "{body}");
    drop(node);

    let (passed, report) = verify(data.path(), &env);
    assert!(!passed, "{report}");
    assert!(report.contains("1 missing"), "{report}");
    assert!(report.contains(&key), "names the key: {report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_mode_sends_clients_to_the_bucket() {
    let server = StorageServer::shared(Kind::S3);
    let public = format!("{}/public-bucket", server.endpoint());
    let delivery = format!("mode = \"redirect\"\npublic_storage_url = \"{public}\"\n");
    let s3 = S3Node::start(server, &delivery).await;
    let base = &s3.base;
    let file = &images(1)[0];
    let id = upload(base, file).await;
    let asset = &all_ready(base, std::slice::from_ref(&id)).await[0];
    let original = asset["links"]["original"].as_str().unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Private: a presigned URL that needs no credentials and leads to the same bytes.
    let found = no_redirects
        .get(format!("{base}{original}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 302);
    assert_eq!(found.headers()["cache-control"], "private, no-store");
    let location = found.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&server.endpoint()), "{location}");
    assert!(location.contains("X-Amz-Signature="), "{location}");
    let bytes = reqwest::get(&location).await.unwrap();
    assert_eq!(bytes.status(), 200, "{location}");
    assert!(bytes.bytes().await.unwrap() == std::fs::read(corpus().join(file)).unwrap());
    // Access is still checked before redirecting.
    let anonymous = no_redirects
        .get(format!("{base}{original}"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Public: the bucket's public URL and the storage key, which does not expire.
    let made_public = reqwest::Client::new()
        .patch(format!("{base}/api/v1/assets/{id}"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"is_public": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(made_public.status(), 200);
    let found = wait_for_public_redirect(&no_redirects, &format!("{base}{original}")).await;
    let sha = asset["sha256"].as_str().unwrap();
    let location = found.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("{public}/originals/1/{}/{}/{sha}", &sha[0..2], &sha[2..4])
    );
    assert!(
        found.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
}

/// The public redirect, once the node has seen the asset become public (its delivery
/// cache learns it at once; this only bounds the wait).
async fn wait_for_public_redirect(client: &reqwest::Client, url: &str) -> reqwest::Response {
    let started = Instant::now();
    loop {
        let response = client.get(url).send().await.unwrap();
        if response.status() == 302 {
            return response;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still {} for the public asset",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_be_reached_stops_start_up_with_one_line() {
    let data = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of 127.0.0.1 (discard); the credentials are well formed.
    configure(
        data.path(),
        "s3://media?region=us-east-1&endpoint=http://127.0.0.1:9&path_style=true",
        "",
    );
    let env = StorageServer::shared(Kind::S3).env();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_medialib"));
    let out = command
        .arg("--data-dir")
        .arg(data.path())
        .arg("--config")
        .arg(data.path().join("medialib.toml"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .envs(env)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].contains("S3 bucket media at http://127.0.0.1:9"),
        "names the store: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_migrate_moves_a_local_install_to_s3_even_when_interrupted() {
    let data = tempfile::tempdir().unwrap();
    // A local install: blobs under data/blobs.
    let (node, base) = serve_with(data.path(), &[]).await;
    let worker = medialib_with(data.path(), &["worker"], &[]);
    let files = images(30);
    let mut ids = Vec::new();
    for file in &files {
        ids.push(upload(&base, file).await);
    }
    let before = all_ready(&base, &ids).await;
    drop(worker);
    drop(node);

    let server = StorageServer::shared(Kind::S3);
    let url = server.fresh_bucket();
    let env = server.env();
    let migrate = |extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_medialib"));
        command
            .arg("--data-dir")
            .arg(data.path())
            .args(["storage", "migrate", "--to", &url])
            .args(extra)
            .envs(env.iter().cloned())
            .env("RUST_LOG", "off")
            .stdout(std::process::Stdio::piped());
        command
    };

    // Killed once its first page is in: the checkpoint names a key, and a run resumes
    // after it.
    let checkpoint = data.path().join("storage-migrate.json");
    let mut first = migrate(&["--concurrency", "1"]).spawn().unwrap();
    let started = Instant::now();
    while !checkpoint.exists() {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended before its first checkpoint"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint");
        std::thread::sleep(Duration::from_millis(2));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        checkpoint.exists(),
        "the run was interrupted before its end"
    );
    let store = bucket(&url, &env);
    let copied_before = store.list("").await.unwrap().len();

    let out = migrate(&["--verify"]).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("resumed after "), "{report}");
    assert!(
        report.contains("each read back with the same SHA-256"),
        "{report}"
    );
    assert!(!checkpoint.exists(), "a finished copy leaves no checkpoint");
    assert!(store.list("").await.unwrap().len() > copied_before);

    // The install switched to the bucket serves every asset byte for byte.
    configure(data.path(), &url, "");
    let (passed, report) = verify(data.path(), &env);
    assert!(passed, "{report}");
    assert!(report.contains("0 missing"), "{report}");
    let local = data.path().join("blobs");
    let moved = data.path().join("blobs-before-the-move");
    std::fs::rename(&local, &moved).unwrap();
    let (_node, base) = serve_with(data.path(), &env).await;
    for (file, asset) in files.iter().zip(&before) {
        let original = get(&base, asset["links"]["original"].as_str().unwrap()).await;
        assert_eq!(original.status(), 200, "{file}");
        assert!(
            original.bytes().await.unwrap() == std::fs::read(corpus().join(file)).unwrap(),
            "{file}"
        );
        for variant in asset["variants"].as_array().unwrap() {
            let url = variant["url"].as_str().unwrap();
            let name = url.rsplit('/').next().unwrap();
            let id = asset["id"].as_str().unwrap();
            let expected = std::fs::read(moved.join("variants").join(id).join(name)).unwrap();
            let served = get(&base, url).await;
            assert_eq!(served.status(), 200, "{file}: {url}");
            assert!(served.bytes().await.unwrap() == expected, "{file}: {url}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_outage_answers_503_leaves_nothing_and_ends_by_itself() {
    // A server of this test's own: the shared one serves the other tests meanwhile.
    let server = StorageServer::start(Kind::S3);
    let s3 = S3Node::start(&server, "").await;
    let base = &s3.base;
    let files = images(3);
    let first = upload(base, &files[0]).await;
    let ready = &all_ready(base, std::slice::from_ref(&first)).await[0];
    let variant = ready["variants"][0]["url"].as_str().unwrap().to_owned();

    server.stop();
    let (status, retry_after, body) = try_upload(base, &files[1]).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "storage_unavailable", "{body}");
    assert!(retry_after.is_some(), "Retry-After");
    let page: serde_json::Value = get(base, "/api/v1/assets").await.json().await.unwrap();
    assert_eq!(page["total"], 1, "the refused upload left no asset: {page}");
    // Never delivered before, so not in the node's memory: it must come from the store.
    let delivery = get(base, &variant).await;
    assert_eq!(delivery.status(), 503);
    let (status, failing) = readiness(base).await;
    assert_eq!(status, 503);
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert_eq!(failing[0].0, "storage", "{failing:?}");

    server.resume();
    assert_eq!(readiness(base).await, (200, Vec::new()));
    let (status, _, body) = try_upload(base, &files[1]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(get(base, &variant).await.status(), 200);
    let second = body["id"].as_str().unwrap().to_owned();
    all_ready(base, &[second]).await;

    // A job whose original cannot be read during an outage is retried after it.
    signal(&s3.worker, "-STOP");
    let third = upload(base, &files[2]).await;
    server.stop();
    signal(&s3.worker, "-CONT");
    let started = Instant::now();
    let failed_once = loop {
        let job = asset(base, &third).await["jobs"][0].clone();
        if job["attempts"].as_u64() >= Some(1) && job["status"] == "queued" {
            break job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no attempt failed: {job}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        failed_once["error"]
            .as_str()
            .unwrap_or("")
            .contains("unavailable"),
        "{failed_once}"
    );
    server.resume();
    let retried = &all_ready(base, &[third]).await[0];
    assert!(
        retried["jobs"][0]["attempts"].as_u64() >= Some(2),
        "{retried}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_uploads_leave_the_bucket_when_they_expire() {
    let expiring = "[uploads]\nexpire_seconds = 2\n[maintenance]\npurge_interval_seconds = 1\n";
    let s3 = S3Node::start(StorageServer::shared(Kind::S3), expiring).await;
    let client = reqwest::Client::new();
    let tus = client
        .post(format!("{}/api/v1/uploads", s3.base))
        .bearer_auth(TOKEN)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "100000")
        .send()
        .await
        .unwrap();
    let path = tus.headers()["Location"].to_str().unwrap().to_owned();
    let patched = client
        .patch(format!("{}{path}", s3.base))
        .bearer_auth(TOKEN)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(vec![1u8; 40_000])
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 204);
    let chunked: serde_json::Value = client
        .post(format!("{}/api/v1/uploads/chunked", s3.base))
        .bearer_auth(TOKEN)
        .json(
            &serde_json::json!({"file_name": "a.jpg", "file_size": 100_000, "chunk_size": 65_536}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chunk = format!(
        "{}/api/v1/uploads/chunked/{}/chunks/0",
        s3.base,
        chunked["upload_id"].as_str().unwrap()
    );
    let sent = client
        .put(chunk)
        .bearer_auth(TOKEN)
        .body(vec![2u8; 65_536])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 204);

    let store = bucket(&s3.url, &s3.env);
    assert_eq!(
        store.list("uploads").await.unwrap().len(),
        2,
        "a part and a chunk"
    );
    let started = Instant::now();
    while !store.list("uploads").await.unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the parts stayed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let head = client
        .head(format!("{}{path}", s3.base))
        .bearer_auth(TOKEN)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404, "the session went with its bytes");
}
