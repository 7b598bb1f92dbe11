//! Uploading: one file, several files, duplicates, parallel uploads, listing.

use std::time::Duration;

use crate::helpers::{DEFAULT_BOXES, assert_size_near, corpus, expected_size, spawn_app};
use reqwest::multipart::{Form, Part};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn an_uploaded_photo_gets_metadata_placeholders_and_every_variant() {
    let app = spawn_app().await;
    let path = corpus().join("images/camera/gps_DSCN0010.jpg");
    let (status, asset) = app.upload(&path).await;
    assert_eq!(status, 201, "{asset}");
    assert_eq!(asset["kind"], "image");
    assert_eq!(asset["mime"], "image/jpeg");
    assert_eq!(asset["original_filename"], "gps_DSCN0010.jpg");
    assert_eq!(asset["title"], "gps_DSCN0010");
    assert_eq!(asset["size"], std::fs::metadata(&path).unwrap().len());
    assert_eq!(asset["duplicate"], false);
    assert_eq!(
        (asset["width"].as_u64(), asset["height"].as_u64()),
        (Some(640), Some(480))
    );
    assert!(
        asset["links"]["original"]
            .as_str()
            .unwrap()
            .starts_with("/files/")
    );

    let id = asset["id"].as_str().unwrap();
    let asset = app.wait_processed(id, WAIT).await;
    assert_eq!(asset["status"], "ready", "{asset}");
    assert_eq!(asset["jobs"][0]["status"], "succeeded");
    let meta = &asset["metadata"];
    assert_eq!(meta["camera_make"], "NIKON");
    assert_eq!(meta["camera_model"], "COOLPIX P6000");
    let lat = meta["gps"]["latitude"].as_f64().unwrap();
    let lon = meta["gps"]["longitude"].as_f64().unwrap();
    assert!(
        (lat - 43.46745).abs() < 1e-4 && (lon - 11.88513).abs() < 1e-4,
        "{meta}"
    );
    let placeholder = &asset["placeholder"];
    assert!(placeholder["blurhash"].as_str().unwrap().len() >= 6);
    assert!(!placeholder["thumbhash"].as_str().unwrap().is_empty());
    assert!(
        placeholder["dominant_color"]
            .as_str()
            .unwrap()
            .starts_with('#')
    );

    let variants = asset["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 10, "{variants:?}");
    for (name, bw, bh, cover) in DEFAULT_BOXES {
        for format in ["webp", "jpeg"] {
            let v = variants
                .iter()
                .find(|v| v["name"] == name && v["format"] == format)
                .unwrap_or_else(|| panic!("no {name} {format}"));
            let bytes = app.fetch(v["url"].as_str().unwrap()).await;
            assert_eq!(bytes.len() as u64, v["bytes"].as_u64().unwrap());
            let img = image::load_from_memory(&bytes).unwrap();
            let expected = expected_size(640, 480, bw, bh, cover);
            assert_size_near((img.width(), img.height()), expected, name);
            assert_eq!(
                (
                    v["width"].as_u64().unwrap() as u32,
                    v["height"].as_u64().unwrap() as u32
                ),
                (img.width(), img.height())
            );
            // No metadata in variants: the GPS position must not leak.
            assert!(
                !bytes.windows(6).any(|w| w == b"Exif\0\0"),
                "{name}.{format} carries EXIF"
            );
        }
    }
}

#[tokio::test]
async fn the_same_bytes_twice_are_one_asset() {
    let app = spawn_app().await;
    let path = corpus().join("images/jpeg/hopper_orientation_6.jpg");
    let (first_status, first) = app.upload(&path).await;
    assert_eq!(first_status, 201);
    let (status, second) = app.upload(&path).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["id"], first["id"]);
    assert_eq!(app.blob_keys("originals").await.len(), 1);
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn several_files_in_one_request_each_get_a_result() {
    let app = spawn_app().await;
    let good = std::fs::read(corpus().join("images/png/transparent_rgba.png")).unwrap();
    let other = std::fs::read(corpus().join("images/gif/transparent.gif")).unwrap();
    let form = Form::new()
        .text("title", "Batch")
        .text("is_public", "true")
        .part("file", Part::bytes(good).file_name("a.png"))
        .part(
            "file",
            Part::bytes(b"\x00\x01 not media \xff".to_vec()).file_name("notes.bin"),
        )
        .part("file", Part::bytes(other).file_name("b.gif"));
    let (status, body) = app.post_form(form).await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    let statuses: Vec<u64> = results
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 415, 201], "{body}");
    assert_eq!(results[0]["asset"]["title"], "Batch");
    assert_eq!(results[0]["asset"]["is_public"], true);
    assert_eq!(results[1]["filename"], "notes.bin");
    assert_eq!(results[1]["error"]["code"], "unsupported_media_type");
    // A PNG with alpha gets PNG variants instead of JPEG.
    let id = results[0]["asset"]["id"].as_str().unwrap();
    let asset = app.wait_processed(id, WAIT).await;
    let formats: Vec<&str> = asset["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["format"].as_str().unwrap())
        .collect();
    assert!(
        formats.contains(&"png") && !formats.contains(&"jpeg"),
        "{formats:?}"
    );
}

#[tokio::test]
async fn eight_large_photos_uploaded_at_once_all_succeed() {
    let app = spawn_app().await;
    let files = [
        "images/large/olympus_E-P3_12MP.jpg",
        "images/large/HMD_Nokia_8.3_5G_9MP_gps.jpg",
        "images/large/iphone6_hdr_NO_8MP_gps.jpg",
        "images/large/jolla_8MP.jpg",
        "images/large/6720px_white_30MP.jpg",
        "images/camera/exif-wrong-type_30.jpg",
        "images/camera/canon_hdr_NO.jpg",
        "images/camera/nikon_d70s_gps.jpg",
    ];
    let uploads = files.iter().map(|f| {
        let app = &app;
        async move { app.upload(&corpus().join(f)).await }
    });
    let results = futures_util::future::join_all(uploads).await;
    for ((status, asset), file) in results.iter().zip(files) {
        assert_eq!(*status, 201, "{file}: {asset}");
    }
    for (_, asset) in &results {
        let done = app
            .wait_processed(asset["id"].as_str().unwrap(), Duration::from_secs(180))
            .await;
        assert_eq!(done["status"], "ready", "{done}");
        assert_eq!(done["variants"].as_array().unwrap().len(), 10);
    }
}

#[tokio::test]
async fn listing_pages_filters_and_sorts() {
    let app = spawn_app().await;
    let files = [
        "images/bmp/hopper.bmp",
        "images/gif/dispose_prev.gif",
        "images/webp/hopper_lossy.webp",
        "images/tiff/hopper.tif",
        "images/png/icc_profile.png",
    ];
    for f in files {
        assert_eq!(app.upload(&corpus().join(f)).await.0, 201, "{f}");
    }
    let mut seen = Vec::new();
    let mut url = "/api/v1/assets?limit=2&sort=size".to_string();
    loop {
        let (status, page) = app.get_json(&url).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 5);
        for item in page["items"].as_array().unwrap() {
            seen.push(item["size"].as_u64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/assets?limit=2&sort=size&cursor={c}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 5);

    let (_, by_title) = app.get_json("/api/v1/assets?sort=-title").await;
    let titles: Vec<&str> = by_title["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    let mut desc = titles.clone();
    desc.sort_by_key(|t| std::cmp::Reverse(t.to_lowercase()));
    assert_eq!(titles, desc);

    let (_, none) = app.get_json("/api/v1/assets?kind=video").await;
    assert_eq!(none["total"], 0);
    for bad in [
        "sort=colour",
        "kind=pdf",
        "limit=0",
        "cursor=garbage",
        "status=maybe",
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/assets?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().len() > 10,
            "{body}"
        );
    }
}
