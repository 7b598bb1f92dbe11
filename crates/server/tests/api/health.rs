//! Liveness and readiness: `/readyz` reports each check with the queue's counts and the
//! disk's free bytes, needs no token, and turns 503 naming the blob store when the blob
//! directory cannot be written, then 200 again once it can.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{corpus, spawn_app_with};

async fn readiness(app: &crate::helpers::TestApp) -> (u16, Value) {
    let response = app
        .anonymous()
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn readiness_reports_every_check_and_names_the_one_that_fails() {
    // No workers: the upload's job stays queued.
    let app = spawn_app_with(|_| {}, false).await;
    let live = app
        .anonymous()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    let (status, body) = app
        .upload(&corpus().join("images/jpeg/progressive_icc.jpg"))
        .await;
    assert_eq!(status, 201, "{body}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, report) = readiness(&app).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["status"], "ok");
    let checks = &report["checks"];
    for check in ["database", "storage", "queue", "disk"] {
        assert_eq!(checks[check]["status"], "ok", "{report}");
    }
    assert_eq!(checks["queue"]["queued"], 1, "{report}");
    assert_eq!(checks["queue"]["running"], 0);
    assert_eq!(checks["queue"]["failed_last_hour"], 0);
    assert!(
        checks["queue"]["oldest_queued_age_s"].as_u64().unwrap() >= 1,
        "{report}"
    );
    assert!(checks["disk"]["free_bytes"].as_u64().unwrap() > 100 << 20);
    assert!(report["timestamp"].as_str().unwrap().ends_with('Z'));

    // A bucket has no directory to break; the process tests stop its server instead.
    if app.storage.is_some() {
        return;
    }
    let blobs = app.data.path().join("blobs");
    let aside = app.data.path().join("blobs-aside");
    std::fs::rename(&blobs, &aside).unwrap();
    std::fs::write(&blobs, b"not a directory").unwrap();
    let (status, report) = readiness(&app).await;
    assert_eq!(status, 503, "{report}");
    assert_eq!(report["status"], "failing");
    assert_eq!(report["checks"]["storage"]["status"], "failing");
    let why = report["checks"]["storage"]["error"].as_str().unwrap();
    assert!(why.starts_with("the blob store failed"), "{why}");
    assert_eq!(report["checks"]["database"]["status"], "ok");

    std::fs::remove_file(&blobs).unwrap();
    std::fs::rename(&aside, &blobs).unwrap();
    let (status, report) = readiness(&app).await;
    assert_eq!(status, 200, "{report}");
}
