//! Video and audio through the HTTP API: every corpus file against `manifest.json`,
//! upright posters and transcodes of rotated clips, a transcode surviving a restart,
//! and a cancel that leaves nothing behind.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    TestApp, corpus, entries, ffprobe_video, generated_clip, spawn_app_with, upload_as_expected,
};

const WAIT: Duration = Duration::from_secs(120);

fn near(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

/// Only the profiles named stay enabled.
fn only_profiles(names: &'static [&'static str]) -> impl FnOnce(&mut medialib_core::Settings) {
    move |s| {
        for p in &mut s.video.profiles {
            p.enabled = names.contains(&p.name.as_str());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_video_and_audio_file_matches_the_manifest() {
    // Transcodes have their own tests; here they would only slow the corpus down.
    let app = spawn_app_with(only_profiles(&[]), true).await;
    let files = entries(&["video/", "audio/"]);
    assert!(files.len() >= 35, "corpus has {} A/V files", files.len());
    let mut accepted = Vec::new();
    for entry in &files {
        if let Some(id) = upload_as_expected(&app, entry).await {
            accepted.push((entry, id));
        }
    }
    for (entry, id) in accepted {
        let path = entry["path"].as_str().unwrap();
        let asset = app.wait_processed(&id, WAIT).await;
        assert_eq!(asset["status"], "ready", "{path}: {asset}");
        assert_eq!(asset["kind"], entry["kind"], "{path}");
        let duration = asset["duration_s"].as_f64().expect("duration");
        let expected = entry["duration_s"].as_f64().unwrap();
        assert!(
            near(duration, expected, 0.1),
            "{path}: {duration} s, manifest {expected} s"
        );
        let meta = &asset["metadata"];
        let names: Vec<(&str, &str)> = asset["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["name"].as_str().unwrap(), v["format"].as_str().unwrap()))
            .collect();
        if entry["kind"] == "video" {
            assert_eq!(asset["width"], entry["width"], "{path}: display width");
            assert_eq!(asset["height"], entry["height"], "{path}: display height");
            assert_eq!(meta["kind"], "video");
            // Poster variants: the five default boxes and the full-size poster, twice.
            assert_eq!(names.len(), 12, "{path}: {names:?}");
            let poster = asset["variants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == "poster")
                .unwrap();
            assert_eq!(poster["width"], entry["width"], "{path}: poster");
            assert_eq!(poster["height"], entry["height"], "{path}: poster");
            assert!(asset["placeholder"]["blurhash"].is_string(), "{path}");
        } else {
            assert_eq!(meta["kind"], "audio");
            assert_eq!(meta["codec"], entry["audio_codec"], "{path}");
            assert_eq!(meta["sample_rate"], entry["sample_rate"], "{path}");
            assert_eq!(meta["channels"], entry["channels"], "{path}");
            if let Some(tags) = entry["tags"].as_object() {
                for key in ["title", "artist", "album"] {
                    if let Some(want) = tags.get(key) {
                        assert_eq!(&meta["tags"][key], want, "{path}: tag {key}");
                    }
                }
            }
            assert!(names.contains(&("waveform", "png")), "{path}: {names:?}");
            assert!(names.contains(&("waveform", "json")), "{path}: {names:?}");
            let has_cover = entry["has_cover_art"] == true;
            assert_eq!(
                names.contains(&("thumbnail", "webp")),
                has_cover,
                "{path}: cover art"
            );
            assert_eq!(
                names.contains(&("poster", "webp")),
                has_cover,
                "{path}: cover art at full size"
            );
            let json = asset["variants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["format"] == "json")
                .unwrap();
            let peaks: Value =
                serde_json::from_slice(&app.fetch(json["url"].as_str().unwrap()).await).unwrap();
            let peaks = peaks["peaks"].as_array().unwrap();
            assert_eq!(peaks.len(), 1000, "{path}");
            assert!(
                peaks
                    .iter()
                    .all(|p| (0.0..=1.0).contains(&p.as_f64().unwrap()))
            );
        }
    }
    let (status, _) = app.get_json("/api/v1/assets").await;
    assert_eq!(status, 200);
}

/// Fetches a delivery URL into a temporary file for ffprobe.
async fn download(
    app: &TestApp,
    url: &str,
    dir: &std::path::Path,
    name: &str,
) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, app.fetch(url).await).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_clips_get_upright_posters_and_transcodes() {
    let app = spawn_app_with(only_profiles(&["mp4_720p"]), true).await;
    let tmp = tempfile::tempdir().unwrap();
    for (file, display) in [
        ("video/h264_rotate90_buck_bunny.mp4", (1080, 1920)),
        ("video/h264_rotation_90_tiny.mp4", (60, 100)),
        ("video/hevc_iphone_rotated.mov", (720, 1280)),
    ] {
        let (status, body) = app.upload(&corpus().join(file)).await;
        assert_eq!(status, 201, "{file}: {body}");
        let id = body["id"].as_str().unwrap();
        let job = app.transcode_job(id, "mp4_720p").await;
        let job = app
            .wait_job(&job, WAIT, |j| {
                j["status"] != "queued" && j["status"] != "running"
            })
            .await;
        assert_eq!(job["status"], "succeeded", "{file}: {job}");
        let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;

        let poster = asset["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "poster" && v["format"] == "jpeg")
            .unwrap();
        let img =
            image::load_from_memory(&app.fetch(poster["url"].as_str().unwrap()).await).unwrap();
        assert_eq!(
            (img.width(), img.height()),
            display,
            "{file}: poster is upright"
        );

        let rendition = &asset["renditions"][0];
        assert_eq!(rendition["name"], "mp4_720p", "{file}: {asset}");
        assert_eq!(rendition["mime"], "video/mp4");
        let url = rendition["url"].as_str().unwrap();
        let local = download(&app, url, tmp.path(), "r.mp4").await;
        let (w, h, rotation, codec) = ffprobe_video(&local);
        assert_eq!(rotation, 0, "{file}: the rotation is applied, not flagged");
        assert_eq!(codec, "h264");
        assert!(h > w, "{file}: {w}x{h} must stay portrait");
        assert!(w <= 720, "{file}: {w}x{h} is above 720p");
        let expected_w = display.0.min(720);
        assert!(w.abs_diff(expected_w) <= 2, "{file}: {w}x{h}");
        assert_eq!(
            (rendition["width"].as_u64(), rendition["height"].as_u64()),
            (Some(w.into()), Some(h.into()))
        );

        // A browser's <video> seeks with ranges.
        let response = app
            .client
            .get(app.url(url))
            .header("Range", "bytes=100-199")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 206);
        assert_eq!(response.bytes().await.unwrap().len(), 100);
    }
}

/// Waits until the job runs and has made some progress.
async fn wait_running(app: &TestApp, job: &str) -> Value {
    app.wait_job(job, WAIT, |j| {
        assert_ne!(j["status"], "failed", "{j}");
        j["status"] == "running" && j["progress"].as_u64().unwrap() > 0
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transcode_interrupted_by_a_restart_completes_afterwards() {
    // The interrupted job keeps its lease; the next process claims it once that expires.
    let short_lease = |s: &mut medialib_core::Settings| {
        only_profiles(&["mp4_720p"])(s);
        s.jobs.lease_seconds = 3;
    };
    let app = spawn_app_with(short_lease, true).await;
    let tmp = tempfile::tempdir().unwrap();
    let clip = generated_clip(tmp.path(), 30);
    let (status, body) = app.upload(&clip).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let job = app.transcode_job(&id, "mp4_720p").await;
    let running = wait_running(&app, &job).await;
    assert!(running["progress"].as_u64().unwrap() < 100);

    let app = app.restart(true).await;
    let done = app
        .wait_job(&job, WAIT, |j| j["status"] == "succeeded")
        .await;
    assert_eq!(done["progress"], 100);
    assert!(done["attempts"].as_u64().unwrap() >= 2, "{done}");
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    let rendition = &asset["renditions"][0];
    assert_eq!(rendition["name"], "mp4_720p", "{asset}");
    let duration = rendition["duration_s"].as_f64().unwrap();
    assert!(near(duration, 30.0, 0.1), "rendition lasts {duration} s");
    // One rendition blob, no leftovers from the interrupted run.
    let files = app.blob_keys(&format!("variants/{id}")).await;
    let mp4s = files.iter().filter(|key| key.ends_with(".mp4"));
    assert_eq!(mp4s.count(), 1, "{files:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_transcode_leaves_no_rendition_and_no_blob() {
    let app = spawn_app_with(only_profiles(&["mp4_720p"]), true).await;
    let tmp = tempfile::tempdir().unwrap();
    let clip = generated_clip(tmp.path(), 30);
    let (_, body) = app.upload(&clip).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let job = app.transcode_job(&id, "mp4_720p").await;
    wait_running(&app, &job).await;

    let cancel = |job: String| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url(&format!("/api/v1/jobs/{job}/cancel")))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, cancelled) = cancel(job.clone()).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (status, again) = cancel(job.clone()).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "job_ended");

    // ffmpeg is killed within a heartbeat; give the worker time to clean up.
    let staging = app.data.path().join("staging");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let leftovers: Vec<_> = walk(&staging)
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("transcode-"))
            .collect();
        if leftovers.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "partial output left: {leftovers:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    assert_eq!(asset["status"], "ready", "the asset itself stays usable");
    assert_eq!(asset["renditions"], Value::Array(Vec::new()), "{asset}");
    let files = app.blob_keys(&format!("variants/{id}")).await;
    assert!(files.iter().all(|key| !key.ends_with(".mp4")), "{files:?}");
    let (_, job) = app.get_json(&format!("/api/v1/jobs/{job}")).await;
    assert_eq!(job["status"], "cancelled");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[tokio::test]
async fn a_video_over_the_duration_limit_is_refused_with_the_limit() {
    let app = spawn_app_with(|s| s.limits.max_duration_seconds = 5.0, false).await;
    let (status, body) = app
        .upload(&corpus().join("video/h264_noaudio_320x240_10s.mp4"))
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "over_limit");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains('5'), "{message}");
}
