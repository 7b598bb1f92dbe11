//! Messages an editor can act on: a duplicate upload says it is already in the library
//! and links to it; leaving an unsaved edit asks first; trashing an asset in use asks with a "Trash anyway" button and a link
//! to where it is used, never with API paths or parameters; an asset that failed
//! processing says so in a sentence, with the decoder's words under "Technical details".

use std::time::Duration;

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use medialib_core::store::JobOutcome;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, editor_with_password, join, spawn_app_with};
use crate::library::three_images;

/// The visible text of the page, to check that no API path shows.
async fn page_text(browser: &Browser) -> String {
    let text = browser.run("return document.body.innerText", vec![]).await;
    text.as_str().unwrap().to_owned()
}

/// Opens the page of asset `id` and waits for `ready` (a CSS selector) on it.
async fn open_asset(browser: &Browser, base: &str, id: &str, ready: &str) {
    browser.goto(&format!("{base}/ui/assets/{id}")).await;
    let condition = format!("document.querySelector({ready:?})");
    browser.wait_until(ready, &condition).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_in_use_and_failures_are_told_in_sentences() {
    // No workers: the third asset's job is failed by hand below.
    let app = spawn_app_with(|_| {}, false).await;
    // The editor's own uploads, which an editor may trash.
    let editor = editor_with_password(&app, "editor").await;
    let token = join(&app, editor, NamespaceId(1), Role::Editor).await;
    let mut images = three_images().into_iter();
    let (first, second, third) = (
        images.next().unwrap(),
        images.next().unwrap(),
        images.next().unwrap(),
    );
    let (status, existing) = app.upload_as(&token, &first.0, first.1.clone()).await;
    assert_eq!(status, 201, "{existing}");
    let existing_id = existing["id"].as_str().unwrap().to_owned();
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;

    // The same bytes again, under another name: the row links to the one in the library.
    browser
        .drop_files("[data-dropzone]", &[("again.jpg".into(), first.1.clone())])
        .await;
    browser
        .wait_until(
            "the duplicate's row",
            "document.querySelector('.upload-item[data-state=done] .upload-status a')",
        )
        .await;
    let status = browser
        .texts(".upload-item[data-state=done] .upload-status")
        .await;
    assert_eq!(
        status,
        [format!(
            "Already in the library as {}",
            existing["title"].as_str().unwrap()
        )]
    );
    let link = browser
        .run(
            "return document.querySelector('.upload-item .upload-status a').getAttribute('href')",
            vec![],
        )
        .await;
    assert_eq!(link, format!("/ui/assets/{existing_id}"));
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 1, "nothing new was stored: {list}");

    // Leaving an edited, unsaved field asks first; once saved, it does not.
    open_asset(&browser, &app.base, &existing_id, "#edit").await;
    let leaving = "const event = new Event('beforeunload', { cancelable: true });
                   window.dispatchEvent(event);
                   return event.defaultPrevented;";
    assert_eq!(
        browser.run(leaving, vec![]).await,
        false,
        "nothing edited yet"
    );
    browser.fill("#edit-alt", "A glacier lagoon").await;
    assert_eq!(browser.run(leaving, vec![]).await, true, "an unsaved edit");
    browser.click("#edit-save").await;
    browser
        .wait_until(
            "the saved alt text",
            "document.getElementById('edit-alt')?.defaultValue === 'A glacier lagoon'",
        )
        .await;
    assert_eq!(browser.run(leaving, vec![]).await, false, "saved");

    // In use: the question names where, with a button that says what it does.
    let (status, _) = app
        .request_as(
            crate::helpers::TOKEN,
            reqwest::Method::POST,
            &format!("/api/v1/assets/{existing_id}/usage"),
            Some(json!({"entity_type": "article", "entity_id": "42", "usage_type": "hero"})),
        )
        .await;
    assert_eq!(status, 201);
    open_asset(&browser, &app.base, &existing_id, "#edit").await;
    browser.click("#edit button.danger").await;
    browser
        .wait_until("the question", "document.querySelector('dialog.ask[open]')")
        .await;
    browser.check_page("asset-trash-in-use").await;
    let question = browser.texts("dialog.ask p").await.join(" ");
    assert!(question.contains("where it is used"), "{question}");
    assert!(
        !question.contains("/api/") && !question.contains("force"),
        "{question}"
    );
    let buttons = browser.texts("dialog.ask button").await;
    assert_eq!(buttons, ["Cancel", "Trash anyway"]);
    browser.click("dialog.ask button[value=yes]").await;
    browser
        .wait_until(
            "the asset in the trash",
            "[...document.querySelectorAll('.chip')].some((c) => c.textContent === 'In the trash')",
        )
        .await;
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{existing_id}")).await;
    assert!(!asset["deleted_at"].is_null(), "{asset}");

    // Unused: the usage panel explains without an API call.
    let (_, unused) = app.upload_as(&token, &second.0, second.1).await;
    let unused_id = unused["id"].as_str().unwrap();
    open_asset(&browser, &app.base, unused_id, "#usage-heading + p").await;
    let text = page_text(&browser).await;
    assert!(!text.contains("/api/"), "{text}");

    // Failed processing: a sentence first, the decoder's words folded away.
    let (_, failing) = app.upload_as(&token, &third.0, third.1).await;
    let failing_id = failing["id"].as_str().unwrap();
    let store = &app.state.catalog.store;
    loop {
        let (job, lease) = store
            .claim_job("test", Duration::from_secs(60))
            .await
            .unwrap()
            .expect("a queued job");
        let outcome = if job.asset_id.to_string() == failing_id {
            JobOutcome::Failed {
                error: "vips: unable to decode: truncated file".into(),
            }
        } else {
            JobOutcome::Succeeded
        };
        let done = matches!(outcome, JobOutcome::Failed { .. });
        store.finish_job(lease, outcome).await.unwrap();
        if done {
            break;
        }
    }
    open_asset(&browser, &app.base, failing_id, "#asset-failure").await;
    browser.check_page("asset-failed").await;
    let sentence = browser.texts("#asset-failure > p").await;
    assert!(
        sentence[0].starts_with("This file could not be processed"),
        "{sentence:?}"
    );
    let open = browser
        .run(
            "return document.querySelector('#asset-failure details').open",
            vec![],
        )
        .await;
    assert_eq!(open, false, "the decoder's words stay folded");
    browser.close().await;
}
