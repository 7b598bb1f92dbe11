//! Jobs: durable across restarts, visible through the API, never taken from a live
//! process.

use std::time::Duration;

use medialib_core::Timestamp;
use medialib_core::store::JobOutcome;

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

/// A second process on the same data directory leaves the first process's running job
/// alone at start-up and while its lease is renewed, and runs it once the first lets go.
#[tokio::test]
async fn a_second_process_does_not_take_over_a_running_job() {
    let first = spawn_app_with(|_| {}, false).await;
    let (status, asset) = first.upload(&corpus().join("images/bmp/hopper.bmp")).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap().to_owned();
    // The first process's worker has claimed the job and is busy with it.
    let store = &first.state.catalog.store;
    let (job, lease) = store
        .claim_job("first", Duration::from_secs(600))
        .await
        .unwrap()
        .expect("the upload's job is due");

    let second = first.spawn_beside(true).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        store
            .job_progress(lease, None, Duration::from_secs(600))
            .await
            .unwrap(),
        "the second process took the running job"
    );
    let (_, still) = second.get_json(&format!("/api/v1/assets/{id}")).await;
    assert_eq!(still["status"], "processing", "{still}");

    // The first lets go (a retry now): the second's workers run it.
    let retry = JobOutcome::Retry {
        error: "handed over".into(),
        at: Timestamp::now_utc(),
    };
    assert!(store.finish_job(lease, retry).await.unwrap());
    let done = second.wait_processed(&id, Duration::from_secs(60)).await;
    assert_eq!(done["status"], "ready", "{done}");
    let (_, job) = second.get_json(&format!("/api/v1/jobs/{}", job.id)).await;
    assert_eq!(
        (&job["status"], &job["attempts"]),
        (&"succeeded".into(), &2.into())
    );
}
