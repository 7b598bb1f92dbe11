//! Documents and 3D models through the HTTP API, against `manifest.json`; a PDF's pages
//! and an STL model's glTF form, made when asked.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{corpus, entries, spawn_app, upload_as_expected};

const WAIT: Duration = Duration::from_secs(60);

fn variant_names(asset: &Value) -> Vec<String> {
    asset["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{}.{}",
                v["name"].as_str().unwrap(),
                v["format"].as_str().unwrap()
            )
        })
        .collect()
}

/// Uploads every file under `prefix`; returns the accepted ones, processed.
async fn upload_all(app: &crate::helpers::TestApp, prefix: &str) -> Vec<(Value, Value)> {
    let files = entries(&[prefix]);
    assert!(
        files.len() >= 10,
        "corpus has {} files under {prefix}",
        files.len()
    );
    let mut accepted = Vec::new();
    for entry in files {
        if let Some(id) = upload_as_expected(app, &entry).await {
            let asset = app.wait_processed(&id, WAIT).await;
            let path = &entry["path"];
            assert_eq!(asset["status"], "ready", "{path}: {asset}");
            accepted.push((entry, asset));
        }
    }
    accepted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_document_matches_the_manifest() {
    let app = spawn_app().await;
    for (entry, asset) in upload_all(&app, "docs/").await {
        let path = entry["path"].as_str().unwrap();
        assert_eq!(asset["kind"], "document", "{path}");
        let meta = &asset["metadata"];
        assert_eq!(meta["kind"], "document", "{path}");
        let names = variant_names(&asset);
        if entry["encrypted"] == true {
            assert_eq!(meta["encrypted"], true, "{path}");
            assert!(
                names.is_empty(),
                "{path}: no preview without the password: {names:?}"
            );
            continue;
        }
        if entry["mime"] == "application/pdf" {
            assert_eq!(asset["page_count"], entry["pages"], "{path}: pages");
            assert_eq!(meta["pdf_version"], entry["pdf_version"], "{path}");
            assert_eq!(
                names.len(),
                12,
                "{path}: first page variants and poster {names:?}"
            );
            // The page keeps its aspect ratio.
            let [pw, ph] = [0, 1].map(|i| entry["page_size_pt"][i].as_f64().unwrap());
            let large = asset["variants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == "large")
                .unwrap();
            let (w, h) = (
                large["width"].as_f64().unwrap(),
                large["height"].as_f64().unwrap(),
            );
            assert!(
                ((w / h) - (pw / ph)).abs() < 0.05 * (pw / ph) + 1.0 / h,
                "{path}: {w}x{h}"
            );
        } else if entry["mime"] == "text/plain" {
            assert_eq!(meta["lines"], entry["lines"], "{path}");
            assert_eq!(meta["charset"], entry["charset"], "{path}");
        } else if let Some(pages) = entry["pages"].as_u64() {
            assert_eq!(asset["page_count"].as_u64(), Some(pages), "{path}");
        }
    }
}

#[tokio::test]
async fn pdf_text_is_extracted_for_search() {
    let app = spawn_app().await;
    let (status, body) = app.upload(&corpus().join("docs/crazyones-pdfa.pdf")).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap();
    app.wait_processed(id, WAIT).await;
    let response = app
        .client
        .get(app.url(&format!("/api/v1/assets/{id}/text")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.to_lowercase().contains("crazy"), "{text}");

    let (status, body) = app
        .upload(&corpus().join("docs/bad/libreoffice-writer-password.pdf"))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap();
    app.wait_processed(id, WAIT).await;
    let (status, body) = app.get_json(&format!("/api/v1/assets/{id}/text")).await;
    assert_eq!(status, 404, "an encrypted PDF is never read: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_model_matches_the_manifest() {
    let app = spawn_app().await;
    for (entry, asset) in upload_all(&app, "models3d/").await {
        let path = entry["path"].as_str().unwrap();
        assert_eq!(asset["kind"], "model3d", "{path}");
        let meta = &asset["metadata"];
        assert_eq!(meta["kind"], "model3d", "{path}");
        if let Some(triangles) = entry["triangles"].as_u64() {
            assert_eq!(meta["triangle_count"].as_u64(), Some(triangles), "{path}");
        }
        if let Some(vertices) = entry["vertices"].as_u64() {
            assert_eq!(meta["vertex_count"].as_u64(), Some(vertices), "{path}");
        }
        let names = variant_names(&asset);
        assert_eq!(
            names.len(),
            12,
            "{path}: preview variants and poster {names:?}"
        );
        assert!(asset["placeholder"]["blurhash"].is_string(), "{path}");
    }
}

/// A PDF pages through as pictures rendered when asked: each page its own picture, fitted
/// to the side asked for; a page that is not there is a 404, a side out of range a 422.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_pages_through_as_pictures() {
    let app = spawn_app().await;
    let pdf = app.ready("docs/pdflatex-4-pages.pdf").await;
    let photo = app.ready("images/camera/Canon_40D.jpg").await;
    let page = |n: u32, query: &str| {
        let url = app.url(&format!("/api/v1/assets/{pdf}/pages/{n}{query}"));
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            let status = response.status().as_u16();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, kind, response.bytes().await.unwrap().to_vec())
        }
    };
    let (status, kind, second) = page(2, "?side=400").await;
    assert_eq!((status, kind.as_deref()), (200, Some("image/png")));
    let picture = image::load_from_memory(&second).unwrap();
    assert_eq!(picture.width().max(picture.height()), 400);
    let (_, _, first) = page(1, "?side=400").await;
    assert_ne!(first, second, "each page its own picture");
    let (status, _, last) = page(4, "").await;
    let picture = image::load_from_memory(&last).unwrap();
    assert_eq!((status, picture.width().max(picture.height())), (200, 1200));

    for (path, expected) in [
        (format!("/api/v1/assets/{pdf}/pages/5"), 404),
        (format!("/api/v1/assets/{pdf}/pages/0"), 404),
        (format!("/api/v1/assets/{pdf}/pages/two"), 404),
        (format!("/api/v1/assets/{pdf}/pages/1?side=50"), 422),
        (format!("/api/v1/assets/{photo}/pages/1"), 404),
    ] {
        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body["error"]["message"].is_string(), "{path}: {body}");
    }
}

/// An STL model has a glTF form for browsers' viewers, which reads back with the same
/// triangles; a glTF model and a picture have none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_stl_model_has_a_gltf_form() {
    let app = spawn_app().await;
    let stl = app.ready("models3d/Spider_binary.stl").await;
    let glb = app.ready("models3d/Duck.glb").await;
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{stl}")).await;
    let response = app
        .client
        .get(app.url(&format!("/api/v1/assets/{stl}/model.glb")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "model/gltf-binary");
    let bytes = response.bytes().await.unwrap();
    let back = medialib_media::model3d::probe(&bytes, "model/gltf-binary").unwrap();
    assert_eq!(
        back.triangle_count,
        asset["metadata"]["triangle_count"].as_u64().unwrap()
    );
    for id in [glb, app.ready("images/camera/Canon_40D.jpg").await] {
        let (status, body) = app
            .get_json(&format!("/api/v1/assets/{id}/model.glb"))
            .await;
        assert_eq!(status, 404, "{body}");
    }
}
