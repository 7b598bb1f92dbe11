//! An upload survives a page reload: the file waits in IndexedDB, and tus resumes the
//! same upload session instead of starting over.

use serde_json::json;

use crate::browser::{Browser, Network};
use crate::helpers::{PASSWORD, corpus, editor_with_password, spawn_app};

/// Throttles uploads, drops a corpus photo, and waits until `percent` of it is sent:
/// ~890 KB at 100 KB/s takes about nine seconds, long enough to act in the middle.
async fn slow_upload(browser: &Browser, percent: u32) {
    let bytes = std::fs::read(corpus().join("images/camera/nikon_d70s_gps.jpg")).unwrap();
    browser.network(Network::UploadRate(100_000)).await;
    browser
        .drop_files("[data-dropzone]", &[("nikon_d70s_gps.jpg".into(), bytes)])
        .await;
    browser
        .wait_until(
            &format!("{percent}% of the upload"),
            &format!("Number(document.querySelector('.upload-item progress')?.value) >= {percent}"),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_resumes_after_a_page_reload() {
    let app = spawn_app().await;
    editor_with_password(&app, "resumer").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "resumer", PASSWORD).await;

    slow_upload(&browser, 20).await;
    browser.client.refresh().await.unwrap();

    // The reloaded page finds the file in IndexedDB and carries on, from the offset the
    // server has.
    browser
        .wait_until(
            "the upload listed again",
            "document.querySelector('.upload-item')",
        )
        .await;
    browser.screenshot("upload-resumed").await;
    browser.network(Network::Normal).await;
    browser
        .wait_until(
            "the resumed upload to finish",
            "document.querySelector('.upload-item[data-state=done]')",
        )
        .await;
    browser
        .wait_until(
            "its thumbnail",
            "document.querySelector('#assets .thumb.loaded')",
        )
        .await;

    // One upload session, created once and finished once: resumed, not restarted.
    let (status, audit) = app.get_json("/api/v1/audit?limit=100").await;
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("uploads_"))
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "uploads_create").count(),
        1,
        "{actions:?}"
    );
    assert!(actions.contains(&"uploads_patch"), "{actions:?}");
    let (_, assets) = app.get_json("/api/v1/assets").await;
    assert_eq!(assets["total"], 1);
    browser.close().await;
}

/// An unfinished upload belongs to its user: signing out forgets it in the browser, and
/// the next user to sign in there neither sees it nor uploads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_upload_stays_with_its_user() {
    let app = spawn_app().await;
    editor_with_password(&app, "ana").await;
    editor_with_password(&app, "ben").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "ana", PASSWORD).await;
    slow_upload(&browser, 10).await;
    browser.click(".upload-item .upload-actions button").await;
    browser
        .wait_until(
            "the paused upload",
            "document.querySelector('.upload-item[data-state=paused]')",
        )
        .await;
    let kept = "Object.keys(localStorage).filter(k => k.startsWith('tus::')).length";
    browser
        .wait_until("its resume entry", &format!("{kept} === 1"))
        .await;
    browser.network(Network::Normal).await;

    browser.click("[data-action=logout]").await;
    browser
        .wait_until("the login page", "location.pathname === '/ui/login'")
        .await;
    assert_eq!(
        browser.run(&format!("return {kept};"), vec![]).await,
        json!(0)
    );

    browser.sign_in(&app.base, "ben", PASSWORD).await;
    browser
        .wait_until(
            "ben's empty library",
            "document.getElementById('library-state').textContent.includes('No assets yet')",
        )
        .await;
    // Time enough for a restored upload to show and finish, had there been one.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let rows = browser
        .run(
            "return document.querySelectorAll('.upload-item').length;",
            vec![],
        )
        .await;
    assert_eq!(rows, json!(0), "no upload of ana's shown to ben");
    let (_, assets) = app.get_json("/api/v1/assets").await;
    assert_eq!(assets["total"], 0, "nothing uploaded: {assets}");
    browser.close().await;
}
