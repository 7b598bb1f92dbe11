//! An editor's day in the library: sign in, drop three files, watch them upload and
//! appear, search, open one, tag it, and filter the library by that tag.

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp, corpus, editor_with_password, join, spawn_app};

/// Three corpus images: name and bytes.
pub fn three_images() -> Vec<(String, Vec<u8>)> {
    [
        "images/camera/Iceland-sRGB.jpg",
        "images/camera/gps_DSCN0010.jpg",
        "images/png/transparent_rgba.png",
    ]
    .iter()
    .map(|path| {
        let file = corpus().join(path);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        (name, std::fs::read(&file).unwrap())
    })
    .collect()
}

/// The three images uploaded by a new editor, `editor` (password [`PASSWORD`]), and a
/// browser signed in as them on the library, once it shows their three cards. Returns
/// the browser and the assets' ids in upload order.
pub async fn signed_in_with_three(app: &TestApp) -> (Browser, Vec<String>) {
    let editor = editor_with_password(app, "editor").await;
    let token = join(app, editor, NamespaceId(1), Role::Editor).await;
    let mut ids = Vec::new();
    for (name, bytes) in three_images() {
        let (status, asset) = app.upload_as(&token, &name, bytes).await;
        assert_eq!(status, 201, "{asset}");
        ids.push(asset["id"].as_str().unwrap().to_owned());
    }
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;
    browser
        .wait_until(
            "three cards",
            "document.querySelectorAll('#assets .asset-card').length === 3",
        )
        .await;
    (browser, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_search_tag_and_filter_in_the_library() {
    let app = spawn_app().await;
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;
    browser
        .wait_until(
            "the empty library",
            "document.getElementById('library-state').textContent.includes('No assets yet')",
        )
        .await;
    browser.check_page("library-empty").await;

    browser.drop_files("[data-dropzone]", &three_images()).await;
    browser
        .wait_until(
            "three progress bars",
            "document.querySelectorAll('.upload-item progress').length === 3",
        )
        .await;
    browser.check_page("upload-progress").await;
    browser
        .wait_until(
            "three finished uploads",
            "document.querySelectorAll('.upload-item[data-state=done]').length === 3",
        )
        .await;
    // Thumbnails appear once processing has made them (the card is redrawn, the image
    // loads and fades in over its placeholder).
    browser
        .wait_until(
            "three thumbnails",
            "document.querySelectorAll('#assets .thumb.loaded img').length === 3",
        )
        .await;
    let names = browser.texts("#assets .asset-title").await;
    for title in ["Iceland-sRGB", "gps_DSCN0010", "transparent_rgba"] {
        assert!(names.iter().any(|n| n == title), "{title} in {names:?}");
    }
    let placeholders = browser
        .run(
            "return document.querySelectorAll('#assets .thumb canvas.placeholder').length;",
            vec![],
        )
        .await;
    assert_eq!(
        placeholders,
        json!(3),
        "a BlurHash placeholder under each thumbnail"
    );
    let alts = browser
        .run(
            "return [...document.querySelectorAll('#assets .thumb img')].map(i => i.alt);",
            vec![],
        )
        .await;
    assert!(
        alts.as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_str().is_some_and(|a| !a.is_empty())),
        "{alts}"
    );
    assert_eq!(browser.texts("#result-count").await, ["3 assets"]);
    browser.check_page("library").await;

    // Search as you type, by a word of one title.
    browser.fill("#q", "iceland").await;
    browser
        .wait_until(
            "one search result",
            "document.querySelectorAll('#assets .asset-card').length === 1",
        )
        .await;
    assert_eq!(
        browser.texts("#assets .asset-title").await,
        ["Iceland-sRGB"]
    );
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .query()
            .unwrap()
            .contains("q=iceland")
    );
    browser.check_page("library-search").await;

    // The asset page: preview, files, metadata with a map link; add a tag.
    browser.click("#assets .asset-link").await;
    browser
        .wait_until("the asset page", "document.getElementById('edit')")
        .await;
    let map = browser
        .run(
            "return document.querySelector('dl.facts a[href*=openstreetmap]')?.href ?? '';",
            vec![],
        )
        .await;
    assert!(
        map.as_str().unwrap().contains("mlat=65.05"),
        "GPS map link: {map}"
    );
    assert!(
        !browser
            .texts(".asset-detail table tbody tr")
            .await
            .is_empty()
    );
    browser.fill("#tag-input", "Harbour view").await;
    browser.click("#add-tag button[type=submit]").await;
    browser
        .wait_until(
            "the new tag on the asset",
            "document.getElementById('asset-tags').textContent.includes('Harbour view')",
        )
        .await;
    browser.check_page("asset").await;

    // The tag is now a library filter, and filtering by it finds the asset.
    browser.goto(&format!("{}/ui/", app.base)).await;
    browser
        .wait_until(
            "the tag among the suggestions",
            "[...document.querySelectorAll('#tag-options option')].some(o => o.value === 'Harbour view')",
        )
        .await;
    browser.fill("#tag-input", "harbour view").await;
    browser.press(fantoccini::key::Key::Enter).await;
    browser
        .wait_until(
            "the tag filter applied",
            "location.search.includes('tags=harbour-view') && document.querySelectorAll('#assets .asset-card').length === 1",
        )
        .await;
    assert_eq!(
        browser.texts("#assets .asset-title").await,
        ["Iceland-sRGB"]
    );
    browser.check_page("library-tag-filter").await;

    browser.close().await;
}
