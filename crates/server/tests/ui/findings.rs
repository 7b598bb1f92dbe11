//! What analysis found, on the asset page: the place, the suggested tags an editor keeps
//! or rejects, the faces drawn over the picture, and the assets that look alike.

use std::io::Cursor;
use std::time::Duration;

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{
    PASSWORD, TestApp, corpus, editor_with_password, join, spawn_app, tag_sources,
};

/// Uploads `bytes` as `name` and waits for its analysis; the asset then.
async fn analysed(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let (status, asset) = app.upload_bytes(name, bytes).await;
    assert_eq!(status, 201, "{asset}");
    app.wait_analysed(asset["id"].as_str().unwrap(), Duration::from_secs(90))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_sees_the_place_keeps_and_rejects_suggestions_and_finds_lookalikes() {
    let app = spawn_app().await;
    // A photo taken in Florence, and the same photo at half size, re-encoded.
    let photo = std::fs::read(corpus().join("images/camera/nikon_d70s_gps.jpg")).unwrap();
    let half = image::load_from_memory(&photo)
        .unwrap()
        .thumbnail(744, 1120);
    let mut copy = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut copy), 75);
    half.write_with_encoder(encoder).unwrap();
    let asset = analysed(&app, "florence.jpg", photo).await;
    let copy = analysed(&app, "florence-small.jpg", copy).await;
    let id = asset["id"].as_str().unwrap();

    let reviewer = editor_with_password(&app, "reviewer").await;
    join(&app, reviewer, NamespaceId(1), Role::Admin).await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "reviewer", PASSWORD).await;
    browser.goto(&format!("{}/ui/assets/{id}", app.base)).await;
    browser
        .wait_until(
            "the place",
            "document.getElementById('place')?.textContent === 'Taken in Florence, Tuscany, Italy'",
        )
        .await;
    let suggested = browser.texts("#suggested-tags .chip a").await;
    assert!(
        ["Florence", "Italy", "portrait"]
            .iter()
            .all(|t| suggested.contains(&t.to_string())),
        "{suggested:?}"
    );
    assert!(
        !browser
            .texts("#asset-tags .chip a")
            .await
            .contains(&"Florence".to_string()),
        "automatic tags are shown apart from the editors'"
    );
    browser
        .wait_until(
            "the copy among the lookalikes",
            &format!(
                "document.querySelector('#similar a')?.getAttribute('href') === '/ui/assets/{}'",
                copy["id"].as_str().unwrap()
            ),
        )
        .await;
    browser.check_page("findings").await;

    browser.click("[aria-label='Reject tag Florence']").await;
    browser
        .wait_until(
            "Florence gone",
            "![...document.querySelectorAll('#suggested-tags .chip a')].some((a) => a.textContent === 'Florence')",
        )
        .await;
    browser.click("[aria-label='Keep tag Italy']").await;
    browser
        .wait_until(
            "Italy among the editors' tags",
            "[...document.querySelectorAll('#asset-tags .chip a')].some((a) => a.textContent === 'Italy')",
        )
        .await;
    let now = tag_sources(&app.get_json(&format!("/api/v1/assets/{id}")).await.1);
    assert!(!now.iter().any(|(slug, _)| slug == "florence"), "{now:?}");
    assert!(now.contains(&("italy".into(), "user".into())), "{now:?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faces_found_are_drawn_over_the_picture_on_request() {
    let app = spawn_app().await;
    // A film poster: one man, his face small near the top right of centre.
    let poster = std::fs::read(corpus().join("images/camera/no_exif_xmp.jpg")).unwrap();
    let asset = analysed(&app, "poster.jpg", poster).await;
    assert_eq!(asset["analysis"]["faces"]["status"], "ok", "{asset}");
    let id = asset["id"].as_str().unwrap();

    editor_with_password(&app, "looker").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "looker", PASSWORD).await;
    browser.goto(&format!("{}/ui/assets/{id}", app.base)).await;
    browser
        .wait_until(
            "the faces line",
            "document.getElementById('faces')?.textContent === 'One face Show on the picture'",
        )
        .await;
    browser
        .wait_until(
            "the picture",
            "document.querySelector('.preview img')?.complete === true",
        )
        .await;
    browser.click("#faces button").await;
    // The box lies over the face: inside the picture's upper half, right of its centre.
    let placed = browser
        .run(
            "const img = document.querySelector('.preview img').getBoundingClientRect();
             const box = document.querySelector('.show-faces .face-box').getBoundingClientRect();
             const x = (box.left + box.width / 2 - img.left) / img.width;
             const y = (box.top + box.height / 2 - img.top) / img.height;
             return [box.width > 4, x > 0.55 && x < 0.8, y > 0 && y < 0.2];",
            vec![],
        )
        .await;
    assert_eq!(placed, serde_json::json!([true, true, true]));
    assert_eq!(
        browser
            .find("#faces button")
            .await
            .attr("aria-pressed")
            .await
            .unwrap(),
        Some("true".into())
    );
    browser.check_page("faces").await;
    browser.click("#faces button").await;
    browser
        .wait_until(
            "the boxes hidden",
            "!document.querySelector('.show-faces') && document.querySelector('.face-box').offsetWidth === 0",
        )
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_what_moderation_held_and_clears_it() {
    // A threshold of 0: every scored picture is held (see tests/api/moderation.rs).
    let app = crate::helpers::spawn_app_with(|s| s.analysis.moderation_threshold = 0.0, true).await;
    let response = app
        .client
        .patch(app.url("/api/v1/namespaces/default"))
        .json(&serde_json::json!({"moderation": "private"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let beach = std::fs::read(corpus().join("images/jpeg/progressive_icc.jpg")).unwrap();
    let asset = analysed(&app, "beach.jpg", beach).await;
    assert_eq!(asset["moderation"], "held", "{asset}");
    let id = asset["id"].as_str().unwrap();

    let admin = editor_with_password(&app, "moderator").await;
    join(&app, admin, NamespaceId(1), Role::Admin).await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "moderator", PASSWORD).await;
    browser.goto(&format!("{}/ui/assets/{id}", app.base)).await;
    browser
        .wait_until(
            "the notice",
            "document.getElementById('moderation')?.textContent.startsWith('Held for review')",
        )
        .await;
    browser.check_page("moderation").await;
    browser.click("#moderation button").await;
    browser
        .wait_until("the notice gone", "!document.getElementById('moderation')")
        .await;
    let (_, now) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    assert_eq!(now["moderation"], "cleared", "{now}");
    browser.close().await;
}
