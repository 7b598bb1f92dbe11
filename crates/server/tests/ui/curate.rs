//! Curating: make a collection, bulk tag and add to it, reorder it with the keyboard,
//! move to the trash (past a usage) and restore; and editing an asset while it is still
//! processing. Each step is checked in the API, not only on the page.

use fantoccini::key::Key;
use medialib_core::NamespaceId;
use medialib_core::access::Role;
use medialib_worker::{Step, run_next_job};
use reqwest::Method;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{
    PASSWORD, TOKEN, TestApp, corpus, editor_with_password, eventually, item_ids, join, spawn_app,
    spawn_app_with, tag_slugs,
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
    item_ids(&page)
}

/// The asset `id` as the admin sees it (trashed ones too).
async fn asset_of(app: &TestApp, id: &str) -> Value {
    let (status, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    assert_eq!(status, 200, "{asset}");
    asset
}

/// Accepts the open `confirm()` dialog (waiting for it to open); returns its question.
async fn answer_dialog(browser: &Browser) -> String {
    let started = std::time::Instant::now();
    loop {
        match browser.client.get_alert_text().await {
            Ok(question) => {
                browser.client.accept_alert().await.unwrap();
                return question;
            }
            Err(e) if started.elapsed() > crate::browser::WAIT => panic!("no dialog: {e}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_reorder_by_keyboard_trash_and_restore() {
    // Editors' tags only: analysis's automatic ones are `api/analysis.rs`'s.
    let app = spawn_app_with(|s| s.analysis.enabled = false, true).await;
    editor_with_password(&app, "curator").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "curator", PASSWORD).await;

    // A collection made on the collections page, which opens it once made.
    browser.goto(&format!("{}/ui/collections", app.base)).await;
    browser.fill("#new-name", "★ Match day").await;
    browser
        .click("#create-collection button[type=submit]")
        .await;
    browser
        .wait_until(
            "the new collection's page",
            "/^\\/ui\\/collections\\/\\d+$/.test(location.pathname) && \
             document.getElementById('collection-title')?.textContent === '★ Match day'",
        )
        .await;
    let page = browser.client.current_url().await.unwrap();
    let collection: i64 = page.path().rsplit('/').next().unwrap().parse().unwrap();
    let (_, made) = app
        .get_json(&format!("/api/v1/collections/{collection}"))
        .await;
    assert_eq!(made["slug"], "match-day", "{made}");

    // The editor's own uploads, which an editor may also delete and restore.
    browser.goto(&format!("{}/ui/", app.base)).await;
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
             [...document.querySelectorAll('#tag-options option')].some(o => o.value === 'Archive')",
        )
        .await;
    for id in [first, second] {
        assert_eq!(tag_slugs(&asset_of(&app, id).await), ["archive"]);
    }
    assert!(tag_slugs(&asset_of(&app, third).await).is_empty());

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
    // An app uses it: the server refuses, the page says so and asks again.
    let (status, usage) = app
        .request_as(
            TOKEN,
            Method::POST,
            &format!("/api/v1/assets/{third}/usage"),
            Some(json!({"entity_type": "article", "entity_id": "42", "usage_type": "inline"})),
        )
        .await;
    assert_eq!(status, 201, "{usage}");
    select(&browser, &[third]).await;
    trash_past_the_usage(&browser).await;
    assert!(asset_of(&app, third).await["deleted_at"].is_string());

    // The notification's Undo brings it back.
    browser.click("#toasts .toast-action").await;
    browser
        .wait_until(
            "three assets again",
            "document.querySelectorAll('#assets .asset-card').length === 3 && \
             document.getElementById('result-count').textContent === '3 assets'",
        )
        .await;
    assert!(asset_of(&app, third).await["deleted_at"].is_null());

    // Trashed again, it is restored from the trash page.
    select(&browser, &[third]).await;
    trash_past_the_usage(&browser).await;
    browser.goto(&format!("{}/ui/trash", app.base)).await;
    browser
        .wait_until(
            "the trash",
            &format!(
                "document.getElementById('result-count').textContent === '1 asset in the trash' && \
                 document.querySelector(\"#assets li[data-id='{third}']\")"
            ),
        )
        .await;
    select(&browser, &[third]).await;
    browser.click("#bulk-restore").await;
    browser
        .wait_until(
            "an empty trash",
            "document.getElementById('result-count').textContent === '0 assets in the trash'",
        )
        .await;
    assert!(asset_of(&app, third).await["deleted_at"].is_null());
    browser.close().await;
}

/// Moves the selection (one asset an app uses) to the trash from the library: no
/// question for the trash itself, one for the usage, with a button that says what it
/// does. Waits until two cards are left.
async fn trash_past_the_usage(browser: &Browser) {
    browser.click("#bulk-delete").await;
    browser
        .wait_until("the question", "document.querySelector('dialog.ask[open]')")
        .await;
    assert_eq!(
        browser.texts("dialog.ask p").await,
        [
            "This asset is still shown by a site or app. Moving it to the trash may leave a gap there."
        ]
    );
    browser.click("dialog.ask button.danger").await;
    browser
        .wait_until(
            "two assets left",
            "document.querySelectorAll('#assets .asset-card').length === 2 && \
             document.getElementById('result-count').textContent === '2 assets'",
        )
        .await;
}

/// What an editor types on the page of an asset still processing stays there while the
/// page follows the processing, and is saved afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_survive_processing() {
    // No workers: the asset stays processing until the test runs its job.
    let app = spawn_app_with(|_| {}, false).await;
    let user = editor_with_password(&app, "writer").await;
    let token = join(&app, user, NamespaceId(1), Role::Editor).await;
    let image = corpus().join("images/camera/gps_DSCN0010.jpg");
    let (status, asset) = app
        .upload_as(&token, "gps_DSCN0010.jpg", std::fs::read(image).unwrap())
        .await;
    assert_eq!(status, 201, "{asset}");
    assert_eq!(asset["status"], "processing");
    let id = asset["id"].as_str().unwrap().to_owned();

    let browser = Browser::start().await;
    browser.sign_in(&app.base, "writer", PASSWORD).await;
    browser.goto(&format!("{}/ui/assets/{id}", app.base)).await;
    browser
        .wait_until(
            "the processing asset",
            "document.querySelector('.preview')?.textContent.includes('Processing')",
        )
        .await;
    let alt = "Farmhouse among vines";
    browser.fill("#edit-alt", alt).await;
    // Some polls while it is still processing, then the job, then the redrawn preview.
    tokio::time::sleep(std::time::Duration::from_millis(4500)).await;
    while let Step::Ran(_) = run_next_job(&app.state.worker_context(), "test")
        .await
        .unwrap()
    {}
    browser
        .wait_until(
            "the preview after processing",
            "document.querySelector('.preview img[src*=variants]')",
        )
        .await;
    let kept = browser
        .run(
            "const f = document.getElementById('edit-alt'); return [f.value, document.activeElement === f];",
            vec![],
        )
        .await;
    assert_eq!(
        kept,
        json!([alt, true]),
        "the typed alt text and the focus stay"
    );
    browser.click("#edit-save").await;
    let saved = eventually(|| async { asset_of(&app, &id).await["alt_text"] == alt }).await;
    assert!(saved, "alt text saved");
    browser.check_page("asset-processed").await;
    browser.close().await;
}

/// The tags page, by keyboard: create a tag, rename it in place (Enter saves), delete it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_are_created_renamed_and_deleted() {
    let app = spawn_app().await;
    editor_with_password(&app, "tagger").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "tagger", PASSWORD).await;
    browser.goto(&format!("{}/ui/tags", app.base)).await;
    browser
        .wait_until(
            "the empty tags page",
            "document.getElementById('tags-state').textContent.includes('No tags yet')",
        )
        .await;
    browser.fill("#new-tag", "Kick-off").await;
    browser.press(Key::Enter).await;
    browser
        .wait_until("the new tag", "document.querySelector('#tags tr')")
        .await;
    let (_, tags) = app.get_json("/api/v1/tags").await;
    assert_eq!(tags["items"][0]["slug"], "kick-off", "{tags}");
    let id = tags["items"][0]["id"].as_i64().unwrap();

    browser.click("#tags [data-action=rename]").await;
    // The field opens focused with the name selected: typing replaces it.
    for c in "Second half".chars() {
        browser.press_char(c).await;
    }
    browser.press(Key::Enter).await;
    let renamed = eventually(|| async {
        app.get_json(&format!("/api/v1/tags/{id}")).await.1["name"] == "Second half"
    })
    .await;
    assert!(renamed, "renamed in place");
    browser
        .wait_until(
            "the focus back on Rename",
            "document.activeElement?.dataset.action === 'rename'",
        )
        .await;
    browser.check_page("tags-edited").await;

    browser.click("#tags [data-action=delete]").await;
    assert_eq!(
        answer_dialog(&browser).await,
        "Delete the tag “Second half”?"
    );
    let deleted =
        eventually(|| async { app.get_json(&format!("/api/v1/tags/{id}")).await.0 == 404 }).await;
    assert!(deleted, "deleted");
    browser.close().await;
}
