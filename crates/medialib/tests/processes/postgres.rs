//! Processes sharing one PostgreSQL database (and one data directory for the blobs):
//! API nodes and workers, a worker killed mid-transcode, and an SQLite install moved over
//! with `medialib db copy`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use medialib_test_servers::PgCluster;
use serde_json::Value;

use crate::{
    TOKEN, all_settled, asset, corpus, get, images, medialib, readiness, serve, signal, terminate,
    try_upload, upload,
};

/// Writes `DATA/medialib.toml` for a PostgreSQL install: the database, a signing key
/// shared by every node, and a short lease, so a dead worker's job passes on quickly.
fn configure(data: &Path, database: &str) {
    let config = format!(
        "database_url = \"{database}\"\n\
         [jobs]\nlease_seconds = 3\n\
         [[signing.keys]]\nid = \"nodes\"\nsecret = \"a-signing-key-every-node-shares-0123\"\n"
    );
    std::fs::write(data.join("medialib.toml"), config).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_api_nodes_and_two_workers_run_every_job_once() {
    let data = tempfile::tempdir().unwrap();
    configure(data.path(), &PgCluster::shared().fresh_database().await);
    let (_a, node_a) = serve(data.path()).await;
    let (_b, node_b) = serve(data.path()).await;
    let _workers = [
        medialib(data.path(), &["worker", "--concurrency", "2"]),
        medialib(data.path(), &["worker", "--concurrency", "2"]),
    ];
    let mut ids = Vec::new();
    for (n, file) in images(100).iter().enumerate() {
        let node = if n % 2 == 0 { &node_a } else { &node_b };
        ids.push(upload(node, file).await);
    }
    for asset in all_settled(&node_a, &ids).await {
        let jobs = asset["jobs"].as_array().unwrap();
        let kinds: Vec<&str> = jobs.iter().map(|j| j["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["process_image", "analyse"], "{asset}");
        for job in jobs {
            assert_eq!(job["attempts"], 1, "every job ran exactly once: {asset}");
            assert_eq!(job["status"], "succeeded", "{asset}");
        }
    }
    // Every asset reads the same from the other node, and its files are delivered there.
    for id in &ids {
        let there = asset(&node_b, id).await;
        assert_eq!(there["status"], "ready");
        let thumbnail = there["variants"].as_array().unwrap()[0]["url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(get(&node_b, &thumbnail).await.status(), 200, "{thumbnail}");
    }
}

/// A 30 s video (its 720p transcode takes seconds on 2 cores).
const CLIP: &str = "video/h264_aac_earth.mov";

async fn transcode_job(base: &str, id: &str) -> Option<Value> {
    asset(base, id).await["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "transcode" && j["profile"] == "mp4_720p")
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_transcode_loses_the_job_to_another_after_its_lease() {
    let data = tempfile::tempdir().unwrap();
    configure(data.path(), &PgCluster::shared().fresh_database().await);
    let (_node, base) = serve(data.path()).await;
    let mut first = medialib(data.path(), &["worker", "--kinds", "video,transcode"]);
    let id = upload(&base, CLIP).await;
    // A 480x270 transcode can finish within a second on an idle machine, so the
    // worker is frozen (SIGSTOP) the moment its claim shows: from then on it can
    // neither finish the job nor renew its lease, whatever the machine's speed.
    let started = Instant::now();
    loop {
        let job = transcode_job(&base, &id).await;
        if job.as_ref().is_some_and(|j| j["status"] == "running") {
            signal(&first, "-STOP");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no transcode started: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let job = transcode_job(&base, &id).await.unwrap();
    assert_eq!(job["status"], "running", "frozen mid-transcode: {job}");
    // SIGKILL: no chance to release anything; only the lease can end its hold.
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let orphan = format!("ffmpeg.*{}", data.path().display());
    let started = Instant::now();
    while Command::new("pgrep")
        .args(["-f", &orphan])
        .status()
        .unwrap()
        .success()
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the killed worker's ffmpeg must die with it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut second = medialib(data.path(), &["worker", "--kinds", "transcode"]);
    let started = Instant::now();
    let job = loop {
        let job = transcode_job(&base, &id).await.unwrap();
        if job["status"] == "succeeded" {
            break job;
        }
        assert!(
            job["status"] == "running" || job["status"] == "queued",
            "{job}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "not taken over: {job}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        job["attempts"], 2,
        "taken over once, after the lease: {job}"
    );
    let renditions: Vec<Value> = asset(&base, &id).await["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "mp4_720p")
        .cloned()
        .collect();
    assert_eq!(renditions.len(), 1, "exactly one rendition: {renditions:?}");
    let url = renditions[0]["url"].as_str().unwrap();
    assert_eq!(get(&base, url).await.status(), 200);

    let status = terminate(&mut second, Duration::from_secs(40)).await;
    assert!(
        status.success(),
        "a worker stops cleanly on SIGTERM: {status}"
    );
}

/// The assets as one page of the API lists them: id, title, status and tags.
async fn listing(base: &str, query: &str) -> Vec<(String, String, String)> {
    let page: Value = get(base, &format!("/api/v1/assets?limit=200{query}"))
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_owned(),
                a["title"].as_str().unwrap().to_owned(),
                a["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_copy_moves_an_sqlite_install_whose_api_then_answers_the_same() {
    let data = tempfile::tempdir().unwrap();
    let input = tempfile::tempdir().unwrap();
    for file in images(6) {
        let name = file.replace('/', "_");
        std::fs::copy(corpus().join(&file), input.path().join(name)).unwrap();
    }
    let imported = Command::new(env!("CARGO_BIN_EXE_medialib"))
        .arg("--data-dir")
        .arg(data.path())
        .arg("import")
        .arg(input.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");

    let (mut sqlite_node, base) = serve(data.path()).await;
    let tagged = listing(&base, "").await[0].0.clone();
    let tag = reqwest::Client::new()
        .post(format!("{base}/api/v1/assets/{tagged}/tags"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"tags": ["harbour"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(tag.status(), 200);
    let before = listing(&base, "").await;
    let searched = listing(&base, "&q=harbour").await;
    assert_eq!(searched.len(), 1);
    sqlite_node.0.kill().unwrap();
    sqlite_node.0.wait().unwrap();

    let url = PgCluster::shared().fresh_database().await;
    let copied = Command::new(env!("CARGO_BIN_EXE_medialib"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["db", "copy", "--to", &url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&copied.stdout);
    assert!(copied.status.success(), "{copied:?}");
    assert!(report.contains("counts checked"), "{report}");

    configure(data.path(), &url);
    let (_pg_node, base) = serve(data.path()).await;
    assert_eq!(
        listing(&base, "").await,
        before,
        "the same assets, in the same order"
    );
    assert_eq!(
        listing(&base, "&q=harbour").await,
        searched,
        "the same search"
    );
    let original = asset(&base, &tagged).await["links"]["original"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        get(&base, &original).await.status(),
        200,
        "blobs stay where they were"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_given_the_same_bytes_at_once_make_one_asset() {
    let data = tempfile::tempdir().unwrap();
    configure(data.path(), &PgCluster::shared().fresh_database().await);
    let (_a, node_a) = serve(data.path()).await;
    let (_b, node_b) = serve(data.path()).await;
    let files = images(5);
    for file in &files {
        let (first, second) = tokio::join!(try_upload(&node_a, file), try_upload(&node_b, file));
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(statuses, [200, 201], "one Created, one Duplicate: {file}");
        assert!(first.2["id"].is_string(), "{}", first.2);
        assert_eq!(
            first.2["id"], second.2["id"],
            "both answer the one asset: {file}: {} / {}",
            first.2, second.2
        );
    }
    let page: Value = get(&node_a, "/api/v1/assets").await.json().await.unwrap();
    assert_eq!(page["total"], files.len(), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_the_node_recovers_by_itself() {
    // A cluster of its own: stopping the shared one would fail the other tests.
    let cluster = PgCluster::start();
    let data = tempfile::tempdir().unwrap();
    configure(data.path(), &cluster.fresh_database().await);
    let (_node, base) = serve(data.path()).await;
    assert_eq!(get(&base, "/api/v1/assets").await.status(), 200);

    cluster.stop();
    let response = get(&base, "/api/v1/assets").await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
    let asked = Instant::now();
    let (status, failing) = readiness(&base).await;
    assert_eq!(status, 503);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "readiness answers at once"
    );
    let names: Vec<&str> = failing.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["database", "queue"], "{failing:?}");

    cluster.resume();
    let started = Instant::now();
    while get(&base, "/api/v1/assets").await.status() != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the pool reconnects once the database is back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(readiness(&base).await, (200, Vec::new()));
}
