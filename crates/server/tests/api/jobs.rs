//! Jobs: durable across restarts, visible through the API.

use std::time::Duration;

use crate::helpers::{corpus, spawn_app_with};

#[tokio::test]
async fn jobs_queued_before_a_restart_complete_after_it() {
    // First run without workers: the jobs stay queued, as if the process died.
    let app = spawn_app_with(|_| {}, false).await;
    let mut ids = Vec::new();
    for f in [
        "images/bmp/hopper.bmp",
        "images/webp/lossless1.webp",
        "images/jpeg/cmyk.jpg",
    ] {
        let (status, asset) = app.upload(&corpus().join(f)).await;
        assert_eq!(status, 201, "{asset}");
        assert_eq!(asset["status"], "processing");
        assert_eq!(asset["jobs"][0]["status"], "queued");
        ids.push(asset["id"].as_str().unwrap().to_owned());
    }
    let app = app.restart(true).await;
    for id in &ids {
        let asset = app.wait_processed(id, Duration::from_secs(60)).await;
        assert_eq!(asset["status"], "ready", "{asset}");
        let job_id = asset["jobs"][0]["id"].as_str().unwrap();
        let (status, job) = app.get_json(&format!("/api/v1/jobs/{job_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(job["status"], "succeeded");
        assert_eq!(job["progress"], 100);
        assert_eq!(job["asset_id"], id.as_str());
    }
}
