//! Similar media over HTTP: a resized, re-encoded copy of a photo ranks first, with why;
//! unrelated photos rank below it.

use std::io::Cursor;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, corpus, spawn_app};

const WAIT: Duration = Duration::from_secs(90);

/// Uploads `bytes` as `name`; its id.
async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> String {
    let (status, asset) = app.upload_bytes(name, bytes).await;
    assert_eq!(status, 201, "{asset}");
    asset["id"].as_str().unwrap().to_owned()
}

fn similarity(item: &Value) -> f64 {
    item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "looks_alike")
        .and_then(|r| r["similarity"].as_f64())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_resized_reencoded_copy_ranks_first_and_unrelated_photos_below() {
    let app = spawn_app().await;
    let read = |path: &str| std::fs::read(corpus().join(path)).unwrap();
    // An autumn mountain above parked cars, and the same photo at 60 % as a quality-70 JPEG.
    let photo = read("images/camera/exif-org_olympus-c960.jpg");
    let decoded = image::load_from_memory(&photo).unwrap();
    let (w, h) = (decoded.width() * 3 / 5, decoded.height() * 3 / 5);
    let smaller = decoded.resize_exact(w, h, image::imageops::FilterType::Triangle);
    let mut copy = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut copy), 70);
    smaller.write_with_encoder(encoder).unwrap();

    let original = upload(&app, "mountain.jpg", photo).await;
    let copy = upload(&app, "mountain-small.jpg", copy).await;
    let mut unrelated = Vec::new();
    for (name, path) in [
        ("cat.jpg", "images-bad/lying_ext_jpeg_named.heic"),
        ("beach.jpg", "images/jpeg/progressive_icc.jpg"),
        ("bus.jpg", "images/camera/Nikon_COOLPIX_P1.jpg"),
        ("lizard.jpg", "images/camera/Kodak_CX7530.jpg"),
    ] {
        unrelated.push(upload(&app, name, read(path)).await);
    }
    let mut all = vec![original.clone(), copy.clone()];
    all.extend(unrelated.iter().cloned());
    for id in &all {
        app.wait_analysed(id, WAIT).await;
    }

    let (status, found) = app
        .get_json(&format!("/api/v1/assets/{original}/similar?limit=10"))
        .await;
    assert_eq!(status, 200, "{found}");
    let items = found["items"].as_array().unwrap();
    assert_eq!(items[0]["asset"]["id"], copy.as_str(), "{found}");
    let kinds: Vec<&str> = items[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["near_duplicate", "looks_alike"], "{found}");
    assert!(similarity(&items[0]) > 0.9, "{found}");
    assert!(
        !items.iter().any(|i| i["asset"]["id"] == original.as_str()),
        "an asset is not similar to itself"
    );
    for item in &items[1..] {
        assert!(unrelated.contains(&item["asset"]["id"].as_str().unwrap().to_owned()));
        assert!(
            similarity(item) < 0.8 && item["score"].as_f64() < items[0]["score"].as_f64(),
            "{item}"
        );
    }

    let (status, bad) = app
        .get_json(&format!("/api/v1/assets/{original}/similar?limit=0"))
        .await;
    assert_eq!(
        (status, &bad["error"]["code"]),
        (400, &"invalid_query".into())
    );
}

#[tokio::test]
async fn content_is_recommended_media_like_what_it_uses_and_never_the_same() {
    let app = spawn_app().await;
    let read = |path: &str| std::fs::read(corpus().join(path)).unwrap();
    // An article uses a photo of an agama lizard; the library also holds another lizard
    // and three photos of other things.
    let used = upload(&app, "agama.jpg", read("images/camera/Kodak_CX7530.jpg")).await;
    let lizard = upload(&app, "lizard.jpg", read("images/camera/Nikon_D70.jpg")).await;
    let mut others = Vec::new();
    for (name, path) in [
        ("beach.jpg", "images/jpeg/progressive_icc.jpg"),
        ("bus.jpg", "images/camera/Nikon_COOLPIX_P1.jpg"),
        ("mountain.jpg", "images/camera/exif-org_olympus-c960.jpg"),
    ] {
        others.push(upload(&app, name, read(path)).await);
    }
    for id in [&used, &lizard].into_iter().chain(&others) {
        app.wait_analysed(id, WAIT).await;
    }
    let (status, none) = app
        .get_json("/api/v1/recommendations?entity_type=article&entity_id=42")
        .await;
    assert_eq!(status, 200, "{none}");
    assert_eq!(none["items"], serde_json::json!([]), "it uses nothing yet");
    let response = app
        .client
        .post(app.url(&format!("/api/v1/assets/{used}/usage")))
        .json(
            &serde_json::json!({"entity_type": "article", "entity_id": "42", "usage_type": "hero"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    let (status, found) = app
        .get_json("/api/v1/recommendations?entity_type=article&entity_id=42&limit=3")
        .await;
    assert_eq!(status, 200, "{found}");
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{found}");
    assert_eq!(items[0]["asset"]["id"], lizard.as_str(), "{found}");
    let because = &items[0]["reasons"][0];
    assert_eq!(because["kind"], "looks_like_used", "{found}");
    assert_eq!(because["asset_id"], used.as_str());
    assert!(
        items.iter().all(|i| i["asset"]["id"] != used.as_str()),
        "what the article uses is not recommended"
    );
    let (status, bad) = app
        .get_json("/api/v1/recommendations?entity_type=article")
        .await;
    assert_eq!(status, 400, "{bad}");
    let (status, bad) = app
        .get_json("/api/v1/recommendations?entity_type=article&entity_id=")
        .await;
    assert_eq!(
        (status, &bad["error"]["code"]),
        (400, &serde_json::json!("invalid_query")),
        "{bad}"
    );
}

#[tokio::test]
async fn a_crop_counts_as_a_duplicate_by_its_embedding() {
    let app = spawn_app().await;
    let read = |path: &str| std::fs::read(corpus().join(path)).unwrap();
    // An autumn mountain above parked cars, and its middle with a tenth of each side
    // trimmed, re-encoded: the crop moves every pixel the perceptual hash looks at.
    let photo = read("images/camera/exif-org_olympus-c960.jpg");
    let decoded = image::load_from_memory(&photo).unwrap();
    let (w, h) = (decoded.width(), decoded.height());
    let cropped = decoded.crop_imm(w / 10, h / 10, w * 8 / 10, h * 8 / 10);
    let mut crop = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut crop), 80);
    cropped.write_with_encoder(encoder).unwrap();
    let original = upload(&app, "mountain.jpg", photo).await;
    let crop = upload(&app, "mountain-crop.jpg", crop).await;
    let other = upload(&app, "beach.jpg", read("images/jpeg/progressive_icc.jpg")).await;
    for id in [&original, &crop, &other] {
        app.wait_analysed(id, WAIT).await;
    }
    // Even with the hashes held to an exact match, the crop is in the original's group.
    let (status, dups) = app.get_json("/api/v1/assets/duplicates?threshold=0").await;
    assert_eq!(status, 200, "{dups}");
    assert_eq!(dups["total"], 1, "{dups}");
    let mut group: Vec<&str> = dups["groups"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    group.sort();
    let mut expected = vec![original.as_str(), crop.as_str()];
    expected.sort();
    assert_eq!(group, expected, "{dups}");
}
