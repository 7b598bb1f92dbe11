//! Curating with the keyboard and the selection: bulk tag and add to a collection,
//! reorder the collection with Move up/Move down, move to the trash and restore. Each
//! step is checked in the API, not only on the page.

use fantoccini::key::Key;
use reqwest::Method;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{
    PASSWORD, TOKEN, TestApp, editor_with_password, eventually, spawn_app, tag_slugs,
};
use crate::library::three_images;

/// Ticks the selection checkbox of the card of each asset in `ids`, then waits for the
/// bulk bar to count them.
async fn select(browser: &Browser, ids: &[&str]) {
    for id in ids {
        browser
            .click(&format!("#assets li[data-id='{id}'] input.select"))
            .await;
    }
    browser
        .wait_until(
            "the bulk bar",
            &format!(
                "!document.getElementById('bulk-bar').hidden && \
                 document.getElementById('bulk-count').textContent === '{} selected'",
                ids.len()
            ),
        )
        .await;
}

/// The ids of a collection's items, in order.
async fn order(app: &TestApp, collection: i64) -> Vec<String> {
    let (status, page) = app
        .get_json(&format!("/api/v1/collections/{collection}/items"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["asset"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The asset `id` as the admin sees it (trashed ones too).
async fn asset(app: &TestApp, id: &str) -> Value {
    let (status, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    assert_eq!(status, 200, "{asset}");
    asset
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_reorder_by_keyboard_trash_and_restore() {
    let app = spawn_app().await;
    editor_with_password(&app, "curator").await;
    let (status, collection) = app
        .request_as(
            TOKEN,
            Method::POST,
            "/api/v1/collections",
            Some(json!({"title": "Match day"})),
        )
        .await;
    assert_eq!(status, 201, "{collection}");
    let collection = collection["id"].as_i64().unwrap();

    let browser = Browser::start().await;
    browser.sign_in(&app.base, "curator", PASSWORD).await;
    // The editor's own uploads, which an editor may also delete and restore.
    browser.drop_files("[data-dropzone]", &three_images()).await;
    browser
        .wait_until(
            "three processed images",
            "document.querySelectorAll('#assets .thumb.loaded').length === 3",
        )
        .await;
    let (_, listed) = app.get_json("/api/v1/assets?sort=title").await;
    let ids: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    let [first, second, third] = [&ids[0], &ids[1], &ids[2]].map(String::as_str);

    // Tag two at once: they have the tag, the third does not, and the tag filter offers it.
    select(&browser, &[first, second]).await;
    browser.check_page("library-selection").await;
    browser.fill("#bulk-tag-input", "Archive").await;
    browser.click("#bulk-tag button[type=submit]").await;
    browser
        .wait_until(
            "the selection cleared after tagging",
            "document.getElementById('bulk-bar').hidden && \
             [...document.querySelectorAll('#tags option')].some(o => o.value === 'archive')",
        )
        .await;
    for id in [first, second] {
        assert_eq!(tag_slugs(&asset(&app, id).await), ["archive"]);
    }
    assert!(tag_slugs(&asset(&app, third).await).is_empty());

    // Add the same two to the collection.
    select(&browser, &[second, first]).await;
    browser
        .find("#bulk-collection-select")
        .await
        .select_by_value(&collection.to_string())
        .await
        .unwrap();
    browser.click("#bulk-collection button[type=submit]").await;
    let added = eventually(|| async { order(&app, collection).await.len() == 2 }).await;
    assert!(added, "two items in the collection");
    let before = order(&app, collection).await;

    // Reorder with the keyboard alone: Enter on the top item's "Move down". The focus
    // stays on that button as the item moves, and the new order is saved.
    browser
        .goto(&format!("{}/ui/collections/{collection}", app.base))
        .await;
    browser
        .wait_until(
            "the collection's items",
            "document.querySelectorAll('#items li').length === 2",
        )
        .await;
    browser
        .run(
            "document.querySelector('#items li:first-child [data-action=down]').focus();",
            vec![],
        )
        .await;
    let focused = browser.client.active_element().await.unwrap();
    focused.send_keys(&Key::Enter).await.unwrap();
    let moved = &before[0];
    let saved = eventually(|| async {
        order(&app, collection).await == [before[1].as_str(), moved.as_str()]
    })
    .await;
    assert!(
        saved,
        "the new order saved: {:?}",
        order(&app, collection).await
    );
    let focus = browser
        .run(
            "const b = document.activeElement;
             return [b.closest('li')?.dataset.id, b.dataset.action, b.getAttribute('aria-disabled')];",
            vec![],
        )
        .await;
    assert_eq!(
        focus,
        json!([moved, "down", "true"]),
        "the focus follows the moved item, whose Move down no longer applies"
    );
    browser.check_page("collection-reordered").await;

    // Move one to the trash (confirming the dialog), then restore it from the trash view.
    browser.goto(&format!("{}/ui/", app.base)).await;
    browser
        .wait_until(
            "the library",
            "document.querySelectorAll('#assets .asset-card').length === 3",
        )
        .await;
    select(&browser, &[third]).await;
    browser.click("#bulk-delete").await;
    let question = browser.client.get_alert_text().await.unwrap();
    assert_eq!(question, "Move 1 asset to the trash?");
    browser.client.accept_alert().await.unwrap();
    browser
        .wait_until(
            "two assets left",
            "document.querySelectorAll('#assets .asset-card').length === 2 && \
             document.getElementById('result-count').textContent === '2 assets'",
        )
        .await;
    assert!(asset(&app, third).await["deleted_at"].is_string());

    browser.click("#deleted").await;
    browser
        .wait_until(
            "the trash",
            &format!(
                "document.getElementById('result-count').textContent === '1 asset in the trash' && \
                 document.querySelector(\"#assets li[data-id='{third}']\")"
            ),
        )
        .await;
    browser.check_page("library-trash").await;
    select(&browser, &[third]).await;
    browser.click("#bulk-restore").await;
    browser
        .wait_until(
            "an empty trash",
            "document.getElementById('result-count').textContent === '0 assets in the trash'",
        )
        .await;
    assert!(asset(&app, third).await["deleted_at"].is_null());
    browser.close().await;
}
