//! Every page with content in it: a library holding each kind of asset (in grid and list
//! views), each kind's asset page with the preview that fits it, a collection, tags and
//! analytics. Each is screenshotted and passes the accessibility checks.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, corpus, editor_with_password, spawn_app};

/// Processing a video (poster and transcodes) on a busy CI machine.
const PROCESSING: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_and_each_kind_of_preview() {
    let app = spawn_app().await;
    editor_with_password(&app, "viewer-of-all").await;
    // Each kind, and the element its asset page previews it with.
    let kinds = [
        (
            "images/camera/Iceland-sRGB.jpg",
            "image",
            ".preview img[alt='Iceland-sRGB']",
        ),
        (
            "video/h264_rotation_90_tiny.mp4",
            "video",
            ".preview video[poster] source",
        ),
        (
            "audio/mp3_id3v1v2_combined.mp3",
            "audio",
            ".preview audio[src] ~ *, .preview img[alt^='Waveform of']",
        ),
        (
            "docs/minimal-document_1p.pdf",
            "document",
            ".preview img[alt^='First page of']",
        ),
        (
            "models3d/Box.glb",
            "model3d",
            // The orbit viewer, its static rendering as the poster until it loads; or, for
            // a model the viewer cannot read (three.js refuses this Box.glb), the rendering.
            ".preview model-viewer[poster*='/variants/'], .preview img[alt^='Rendering of']",
        ),
    ];
    let mut ids = Vec::new();
    for (path, kind, _) in kinds {
        let (status, body) = app.upload(&corpus().join(path)).await;
        assert_eq!(status, 201, "{path}: {body}");
        let id = body["id"].as_str().unwrap().to_owned();
        let asset = app.wait_processed(&id, PROCESSING).await;
        assert_eq!(asset["kind"], kind, "{path}");
        assert_eq!(asset["status"], "ready", "{path}: {asset}");
        ids.push(id);
    }
    let (status, collection) = app
        .request_as(
            crate::helpers::TOKEN,
            Method::POST,
            "/api/v1/collections",
            Some(json!({"title": "Launch week", "description": "Everything for the launch"})),
        )
        .await;
    assert_eq!(status, 201, "{collection}");
    let collection = collection["id"].as_i64().unwrap();
    let (status, _) = app
        .request_as(
            crate::helpers::TOKEN,
            Method::POST,
            &format!("/api/v1/collections/{collection}/items"),
            Some(json!({"asset_ids": ids})),
        )
        .await;
    assert_eq!(status, 200);

    let browser = Browser::start().await;
    browser.sign_in(&app.base, "viewer-of-all", PASSWORD).await;
    browser
        .wait_until(
            "five thumbnails or kind labels",
            "document.querySelectorAll('#assets .asset-card').length === 5",
        )
        .await;
    browser.check_page("library-all-kinds").await;
    browser.click("[data-view=list]").await;
    browser
        .wait_until(
            "the list view",
            "document.getElementById('assets').classList.contains('list')",
        )
        .await;
    browser.check_page("library-list").await;

    for ((_, kind, preview), id) in kinds.iter().zip(&ids) {
        browser.goto(&format!("{}/ui/assets/{id}", app.base)).await;
        browser
            .wait_until(
                &format!("the {kind} preview"),
                &format!("document.querySelector(\"{preview}\")"),
            )
            .await;
        browser.check_page(&format!("asset-{kind}")).await;
    }

    for (page, ready) in [
        (
            format!("collections/{collection}"),
            "document.querySelectorAll('#items li').length === 5",
        ),
        (
            "collections".to_owned(),
            "document.getElementById('collections').textContent.includes('Launch week')",
        ),
        (
            "tags".to_owned(),
            "document.getElementById('tags-state')?.hidden === false || document.querySelector('#tags tr')",
        ),
        (
            "analytics".to_owned(),
            "document.querySelector('#storage-chart svg') && document.querySelector('#uploads-chart svg')",
        ),
    ] {
        browser.goto(&format!("{}/ui/{page}", app.base)).await;
        browser.wait_until(&page, ready).await;
        let name = if page.contains('/') {
            "collection"
        } else {
            page.as_str()
        };
        browser.check_page(name).await;
    }
    browser.close().await;
}
