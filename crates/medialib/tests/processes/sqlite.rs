//! Processes on one data directory and its SQLite database.

use std::time::Duration;

use crate::{all_ready, asset, medialib, serve, terminate, upload};

#[tokio::test]
async fn worker_processes_run_the_jobs_of_their_kinds_and_stop_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let (_serve, base) = serve(data.path()).await;
    // A worker for other kinds leaves image jobs alone.
    let _transcoder = medialib(data.path(), &["worker", "--kinds", "video,transcode"]);
    let images = [
        "images/bmp/hopper.bmp",
        "images/png/transparent_rgba.png",
        "images/jpeg/hopper_orientation_6.jpg",
    ];
    let mut ids = Vec::new();
    for file in images {
        ids.push(upload(&base, file).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for id in &ids {
        assert_eq!(
            asset(&base, id).await["status"],
            "processing",
            "the API node runs no jobs and the worker takes no image jobs"
        );
    }

    let mut imager = medialib(
        data.path(),
        &["worker", "--kinds", "image", "--concurrency", "2"],
    );
    for asset in all_ready(&base, &ids).await {
        let jobs = asset["jobs"].as_array().unwrap();
        assert_eq!(jobs[0]["kind"], "process_image", "{asset}");
        assert_eq!(jobs[0]["attempts"], 1, "each job ran once: {asset}");
        assert_eq!(jobs[0]["status"], "succeeded");
        // Processing queued the analysis, which a worker of images does not take.
        assert_eq!(jobs.len(), 2, "{asset}");
        assert_eq!(
            (&jobs[1]["kind"], &jobs[1]["status"]),
            (&"analyse".into(), &"queued".into())
        );
    }

    // An idle worker stops at once.
    let status = terminate(&mut imager, Duration::from_secs(10)).await;
    assert!(status.success(), "{status}");
}
