//! Every image in the shared corpus, through the HTTP API, against `manifest.json`.

use std::time::Duration;

use crate::helpers::{
    DEFAULT_BOXES, assert_size_near, corpus, entries, expected_size, spawn_app, upload_as_expected,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_image_is_accepted_with_its_size_and_variants() {
    let app = spawn_app().await;
    let images = entries(&["images/"]);
    assert!(images.len() > 250, "corpus has {} images", images.len());
    let mut uploaded = Vec::new();
    for entry in &images {
        let path = entry["path"].as_str().unwrap();
        let (status, asset) = app.upload(&corpus().join(path)).await;
        if entry["expect"] == "either" {
            assert!(status < 500, "{path}: {status} {asset}");
            continue;
        }
        assert!(status == 201 || status == 200, "{path}: {status} {asset}");
        if entry["mime"] == "image/x-icon" {
            // An ICO holds several sizes. We use the largest (the best source for
            // variants); the manifest's reference tool took the first entry.
            assert!(
                asset["width"].as_u64() >= entry["width"].as_u64(),
                "{path}: {asset}"
            );
        } else {
            assert_eq!(asset["width"], entry["width"], "{path}: width");
            assert_eq!(asset["height"], entry["height"], "{path}: height");
        }
        let size = (
            asset["width"].as_u64().unwrap() as u32,
            asset["height"].as_u64().unwrap() as u32,
        );
        uploaded.push((path, size, asset["id"].as_str().unwrap().to_owned()));
    }
    for (path, (w, h), id) in uploaded {
        let asset = app.wait_processed(&id, Duration::from_secs(120)).await;
        assert_eq!(asset["status"], "ready", "{path}: {asset}");
        let variants = asset["variants"].as_array().unwrap();
        assert_eq!(variants.len(), 10, "{path}");
        for (name, bw, bh, cover) in DEFAULT_BOXES {
            for v in variants.iter().filter(|v| v["name"] == name) {
                let got = (
                    v["width"].as_u64().unwrap() as u32,
                    v["height"].as_u64().unwrap() as u32,
                );
                // An SVG is drawn at the box's size, as a picture of its proportions larger
                // than every box would be resized; a raster is never enlarged.
                let expected = if path.ends_with(".svg") {
                    expected_size(w * 100, h * 100, bw, bh, cover)
                } else {
                    expected_size(w, h, bw, bh, cover)
                };
                assert_size_near(got, expected, &format!("{path} {name}"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_image_is_rejected_clearly_or_handled_safely() {
    let app = spawn_app().await;
    let bad = entries(&["images-bad/"]);
    assert!(bad.len() > 40);
    for entry in &bad {
        upload_as_expected(&app, entry).await;
    }
    // The server is still healthy after all of it.
    let (status, _) = app.get_json("/api/v1/assets").await;
    assert_eq!(status, 200);
}
