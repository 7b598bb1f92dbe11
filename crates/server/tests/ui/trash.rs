//! Choosing many and cleaning up: a shift-click range, everything shown, every match of
//! the search past the loaded page; bulk public; the trash page with deleted dates,
//! "Delete permanently" and "Empty trash", each asked first and checked in the API.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, editor_with_password, spawn_app_with};
use crate::library::signed_in_with_three;

/// Waits for the bulk bar to count `n`.
async fn selected(browser: &Browser, n: usize) {
    let condition = format!(
        "!document.getElementById('bulk-bar').hidden && \
         document.getElementById('bulk-count').textContent === '{n} selected'"
    );
    browser
        .wait_until(&format!("{n} selected"), &condition)
        .await;
}

/// Answers the open question with its confirming button, once it says `question`.
async fn confirm(browser: &Browser, question: &str) {
    browser
        .wait_until("the question", "document.querySelector('dialog.ask[open]')")
        .await;
    assert_eq!(browser.texts("dialog.ask p").await, [question]);
    browser.click("dialog.ask button.danger").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_goes_public_to_the_trash_and_out_for_good() {
    let app = crate::helpers::spawn_app().await;
    let (browser, ids) = signed_in_with_three(&app).await;

    // The first card, then Shift and the third: all three.
    browser
        .click("#assets .asset-card:nth-child(1) input.select")
        .await;
    selected(&browser, 1).await;
    browser
        .shift_click("#assets .asset-card:nth-child(3) input.select")
        .await;
    selected(&browser, 3).await;
    let ticked = browser
        .run(
            "return document.querySelectorAll('#assets .asset-card.selected input.select:checked').length",
            vec![],
        )
        .await;
    assert_eq!(ticked, json!(3));
    browser.click("#bulk-public").await;
    browser
        .wait_until("the bar gone", "document.getElementById('bulk-bar').hidden")
        .await;
    for id in &ids {
        let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
        assert_eq!(asset["is_public"], true, "{asset}");
    }

    // Everything shown, to the trash: no question, an Undo instead.
    browser.click("#select-shown").await;
    selected(&browser, 3).await;
    browser.click("#bulk-delete").await;
    browser
        .wait_until(
            "an empty library",
            "document.getElementById('result-count').textContent === '0 assets'",
        )
        .await;
    let told = browser.texts("#toasts .toast").await;
    assert!(
        told.iter().any(|t| t == "Moved 3 assets to the trash Undo"),
        "{told:?}"
    );

    // The trash says when each went and when it goes for good.
    browser.goto(&format!("{}/ui/trash", app.base)).await;
    browser
        .wait_until(
            "the trash",
            "document.getElementById('result-count').textContent === '3 assets in the trash' && \
             document.querySelectorAll('#assets .deleted-at').length === 3",
        )
        .await;
    let rule = browser.texts("#trash-rule").await.join("");
    assert!(rule.contains("for 30 days"), "{rule}");
    for line in browser.texts("#assets .deleted-at").await {
        assert!(line.starts_with("Deleted "), "{line}");
    }
    browser.check_page("trash").await;

    // One deleted for good, asked first.
    let first = &ids[0];
    browser
        .click(&format!("#assets li[data-id='{first}'] input.select"))
        .await;
    selected(&browser, 1).await;
    browser.click("#bulk-purge").await;
    confirm(&browser, "Delete 1 asset for good? This cannot be undone.").await;
    browser
        .wait_until(
            "two left",
            "document.getElementById('result-count').textContent === '2 assets in the trash'",
        )
        .await;
    assert_eq!(
        app.get_json(&format!("/api/v1/assets/{first}")).await.0,
        404
    );

    // The rest, by emptying the trash: an editor's is what they uploaded.
    browser.click("#empty-trash").await;
    confirm(
        &browser,
        "Delete every asset you uploaded that is in the trash for good? This cannot be undone.",
    )
    .await;
    browser
        .wait_until(
            "the empty trash",
            "document.getElementById('trash-state').textContent.includes('The trash is empty') && \
             document.getElementById('empty-trash').hidden",
        )
        .await;
    let (_, trash) = app.get_json("/api/v1/assets?deleted=true").await;
    assert_eq!(trash["total"], 0, "{trash}");
    assert!(app.blob_keys("originals").await.is_empty());
    browser.check_page("trash-empty").await;
    browser.close().await;
}

/// More matches than one page loads: the bar offers them all, and an action reaches
/// every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_match_is_chosen_past_the_loaded_page() {
    // No workers: fifty uploads stay cheap; their processing does not matter here.
    let app = spawn_app_with(|_| {}, false).await;
    crate::scroll::upload_pngs(&app, 50).await;
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;
    browser
        .wait_until(
            "the first page",
            "document.getElementById('result-count').textContent === '50 assets' && \
             document.querySelectorAll('#assets .asset-card').length > 0",
        )
        .await;
    let shown = browser
        .run(
            "return document.querySelectorAll('#assets .asset-card').length",
            vec![],
        )
        .await;
    assert_eq!(shown, json!(48), "one page of 48");

    browser.click("#select-shown").await;
    selected(&browser, 48).await;
    assert_eq!(
        browser.texts("#select-matches").await,
        ["Select all 50 matches"]
    );
    browser.click("#select-matches").await;
    selected(&browser, 50).await;
    browser
        .wait_until(
            "no more to offer",
            "document.getElementById('select-matches').hidden",
        )
        .await;
    browser.fill("#bulk-tag-input", "Batch").await;
    browser.click("#bulk-tag button[type=submit]").await;
    browser
        .wait_until("the bar gone", "document.getElementById('bulk-bar').hidden")
        .await;
    let (_, tagged) = app.get_json("/api/v1/assets?tags=batch&limit=1").await;
    assert_eq!(tagged["total"], 50, "{tagged}");
    browser.close().await;
}
