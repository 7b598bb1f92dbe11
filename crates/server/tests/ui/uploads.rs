//! The upload list as an editor lives with it: a file dropped beside the drop zone is
//! uploaded (not opened by the browser in place of the page), a refused file's row says
//! why once (no notification besides it) and offers Remove instead of a progress bar and
//! Cancel, notifications stack at most three deep, and "Clear finished" empties the list.

use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{PASSWORD, corpus, editor_with_password, spawn_app};
use crate::library::three_images;

/// Drops files on the page's body, beside the drop zone.
async fn drop_beside(browser: &Browser, files: &[(String, Vec<u8>)]) {
    use base64::Engine;
    let files: Vec<Value> = files
        .iter()
        .map(|(name, bytes)| {
            json!({"name": name, "b64": base64::engine::general_purpose::STANDARD.encode(bytes)})
        })
        .collect();
    browser
        .wait_until(
            "the drop zone to be wired",
            "document.querySelector('[data-dropzone]')?.dataset.ready === 'true'",
        )
        .await;
    browser
        .run(
            "const transfer = new DataTransfer();
             for (const f of arguments[0]) {
               const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
               transfer.items.add(new File([bytes], f.name));
             }
             document.querySelector('h1').dispatchEvent(
               new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));",
            vec![Value::Array(files)],
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_show_once_notifications_stay_few_and_the_list_clears() {
    let app = spawn_app().await;
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;

    let corrupt = std::fs::read(corpus().join("images-bad/corrupted_olympus_10MP.jpg")).unwrap();
    let mut files = three_images();
    files.push(("corrupted.jpg".into(), corrupt));
    drop_beside(&browser, &files).await;
    browser
        .wait_until(
            "three uploads done and one refused by the server",
            "document.querySelectorAll('.upload-item[data-state=done]').length === 3
             && document.querySelector('.upload-item[data-state=failed]')",
        )
        .await;
    let path = browser.run("return location.pathname", vec![]).await;
    assert_eq!(path, "/ui/", "the page stayed");
    browser.check_page("upload-list-ended").await;

    let failed = ".upload-item[data-state=failed]";
    let visible = |what: &str| {
        format!(
            "(() => {{ const e = document.querySelector('{failed} {what}'); return !!e && !e.hidden; }})()"
        )
    };
    assert_eq!(
        browser
            .run(&format!("return {}", visible("progress")), vec![])
            .await,
        false
    );
    let buttons = browser
        .texts(&format!("{failed} .upload-actions button:not([hidden])"))
        .await;
    assert_eq!(buttons, ["Remove"], "a refused file offers only Remove");
    let errors = browser
        .run(
            "return document.querySelectorAll('#toasts .toast.error').length",
            vec![],
        )
        .await;
    assert_eq!(errors, 0, "the refusal is told in its row only");
    let toasts = browser
        .run(
            "return document.querySelectorAll('#toasts .toast').length",
            vec![],
        )
        .await;
    assert!(
        toasts.as_u64().unwrap() <= 3,
        "{toasts} notifications at once"
    );

    browser.click("[data-upload-clear]").await;
    browser
        .wait_until(
            "an empty upload list",
            "document.querySelectorAll('.upload-item').length === 0
             && document.querySelector('[data-upload-clear]').hidden",
        )
        .await;
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 3, "{list}");
    browser.close().await;
}
