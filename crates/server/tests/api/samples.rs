//! The wider formats (`tests/samples`, real files from other software) uploaded over HTTP
//! and processed by the worker: each is recorded with its kind and type, gets its previews,
//! or is refused with a clear error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::spawn_app;

const WAIT: Duration = Duration::from_secs(120);

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples")
}

fn has_variant(asset: &Value, name: &str) -> bool {
    asset["variants"]
        .as_array()
        .is_some_and(|vs| vs.iter().any(|v| v["name"] == name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_is_stored_and_processed_or_refused_clearly() {
    let app = spawn_app().await;
    let text = std::fs::read_to_string(samples_dir().join("manifest.json")).unwrap();
    let manifest: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut accepted = Vec::new();
    for entry in manifest {
        let rel = entry["path"].as_str().unwrap().to_owned();
        let (status, asset) = app.upload(&samples_dir().join(&rel)).await;
        if entry["refused"].is_string() {
            assert_eq!(status, 422, "{rel}: {asset}");
            assert_eq!(asset["error"]["code"], "corrupt_image", "{rel}: {asset}");
            continue;
        }
        assert_eq!(status, 201, "{rel}: {asset}");
        let mime = entry.get("recorded_mime").unwrap_or(&entry["mime"]);
        assert_eq!(&asset["mime"], mime, "{rel}");
        assert_eq!(asset["kind"], entry["kind"], "{rel}");
        accepted.push((rel, entry, asset["id"].as_str().unwrap().to_owned()));
    }
    for (rel, entry, id) in accepted {
        let asset = app.wait_processed(&id, WAIT).await;
        assert_eq!(asset["status"], "ready", "{rel}: {asset}");
        match entry["kind"].as_str().unwrap() {
            "image" | "video" => {
                assert_eq!(asset["width"], entry["width"], "{rel}");
                assert_eq!(asset["height"], entry["height"], "{rel}");
                assert!(has_variant(&asset, "thumbnail"), "{rel}: {asset}");
            }
            "audio" => assert!(has_variant(&asset, "waveform"), "{rel}: {asset}"),
            "model3d" => {
                let meta = &asset["metadata"];
                assert_eq!(meta["triangle_count"], entry["triangle_count"], "{rel}");
                assert!(has_variant(&asset, "thumbnail"), "{rel}: {asset}");
            }
            _ => assert_eq!(asset["metadata"]["format"], entry["format"], "{rel}"),
        }
    }
    // The search index has the text of a package whose first zip entry is not the usual one.
    let (status, found) = app.get_json("/api/v1/assets?q=asdasdasdasd").await;
    assert_eq!(status, 200);
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "{found}");
}
