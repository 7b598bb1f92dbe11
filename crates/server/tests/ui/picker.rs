//! The embeddable picker: a page of another origin frames it, the user picks two images,
//! and the page receives them by `postMessage`.

use std::sync::{Arc, OnceLock};

use axum::response::Html;
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, corpus, editor_with_password, spawn_app_with};
use crate::library::three_images;

/// The host page of the README's snippet: frames the picker, shows what it receives.
fn host_page(medialib: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><title>Host app</title></head><body>
<h1>Host app</h1>
<pre id="received"></pre>
<script>
const MEDIALIB = "{medialib}";
const picker = new URL("/ui/picker", MEDIALIB);
picker.search = new URLSearchParams({{
  origin: location.origin, multiple: "true", maxItems: "2", mediaTypes: "image",
}});
const frame = document.createElement("iframe");
frame.src = picker;
frame.title = "Choose media";
frame.width = 1000;
frame.height = 700;
document.body.append(frame);
window.addEventListener("message", (event) => {{
  if (event.origin !== MEDIALIB) return;
  if (event.data.type === "medialib:select") {{
    document.getElementById("received").textContent = JSON.stringify(event.data.assets);
  }}
}});
</script></body></html>"#
    )
}

/// Serves the page in `page` (set once the server's address is known) at `/` on a free
/// loopback port; returns the origin.
async fn serve_host(page: Arc<OnceLock<String>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { Html(page.get().cloned().unwrap_or_default()) }),
    );
    tokio::spawn(async move {
        medialib_server::http::serve(listener, app, std::future::pending())
            .await
            .unwrap()
    });
    origin
}

/// Opens the host page and steps into the picker's frame.
async fn enter_picker(browser: &Browser, host_origin: &str) {
    browser.goto(host_origin).await;
    browser
        .wait_until("the picker frame", "document.querySelector('iframe')")
        .await;
    browser.find("iframe").await.enter_frame().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_page_receives_two_picked_images() {
    // The server must allow the host's origin before it starts, and the host page
    // names the server: the host listens first, its page is filled in afterwards.
    let page = Arc::new(OnceLock::new());
    let host_origin = serve_host(page.clone()).await;
    let allowed = host_origin.clone();
    let app = spawn_app_with(move |s| s.ui.picker_origins = vec![allowed], true).await;
    page.set(host_page(&app.base)).unwrap();
    editor_with_password(&app, "picker").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "picker", PASSWORD).await;
    // Two images are in the library already; the third is uploaded inside the picker.
    let mut images = three_images();
    let in_picker = images.pop().unwrap();
    browser.drop_files("[data-dropzone]", &images).await;
    browser
        .wait_until(
            "two processed images",
            "document.querySelectorAll('#assets .thumb.loaded').length === 2",
        )
        .await;

    enter_picker(&browser, &host_origin).await;
    browser
        .wait_until(
            "images in the picker",
            "document.querySelectorAll('#assets .thumb.loaded').length === 2",
        )
        .await;
    // A PDF is not what the host asked for: uploaded, but not offered.
    let pdf = corpus().join("docs/minimal-document_1p.pdf");
    let pdf = (
        "minimal-document_1p.pdf".to_owned(),
        std::fs::read(pdf).unwrap(),
    );
    browser
        .drop_files("[data-dropzone]", &[pdf, in_picker])
        .await;
    browser
        .wait_until(
            "the PDF refused and the image chosen as it finished",
            "document.getElementById('toasts').textContent.includes('only Images can be chosen here') && \
             document.querySelectorAll('#assets .asset-pick[aria-pressed=true]').length === 1",
        )
        .await;
    browser
        .wait_until(
            "the picked upload processed",
            "document.querySelectorAll('#assets .thumb.loaded').length === 3",
        )
        .await;
    assert_eq!(
        browser
            .texts("#assets .asset-pick[aria-pressed=true] .asset-title")
            .await,
        ["transparent_rgba"]
    );
    let cards = browser
        .client
        .find_all(fantoccini::Locator::Css(
            "#assets .asset-pick[aria-pressed=false]",
        ))
        .await
        .unwrap();
    for card in &cards {
        card.click().await.unwrap();
    }
    // maxItems=2: the second click is refused.
    browser
        .wait_until(
            "two selected",
            "document.querySelectorAll('#assets .asset-pick[aria-pressed=true]').length === 2",
        )
        .await;
    let chosen = browser
        .run(
            "return [...document.querySelectorAll('#assets .asset-pick[aria-pressed=true]')].map(b => b.dataset.pick);",
            vec![],
        )
        .await;
    browser.check_page("picker").await;
    browser.click("#picker-choose").await;

    browser.client.enter_parent_frame().await.unwrap();
    browser
        .wait_until(
            "the selection in the host page",
            "document.getElementById('received').textContent",
        )
        .await;
    browser.screenshot("picker-host").await;
    let received = browser.texts("#received").await.remove(0);
    let received: Vec<Value> = serde_json::from_str(&received).unwrap();
    let ids: Vec<&str> = received.iter().map(|a| a["id"].as_str().unwrap()).collect();
    let chosen: Vec<&str> = chosen
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    for id in &chosen {
        assert!(ids.contains(id), "{id} in {ids:?}");
    }
    // The one uploaded here arrives as it is now, processed: with its size and variants.
    assert!(
        received
            .iter()
            .any(|a| a["title"] == "transparent_rgba" && a["width"] == 200),
        "{received:?}"
    );
    for asset in &received {
        assert_eq!(asset["kind"], "image");
        let url = asset["url"].as_str().unwrap();
        assert!(
            url.starts_with(&app.base),
            "absolute URL on medialib: {url}"
        );
        // Private (uploaded as is): the links are signed, so the host's visitors, who
        // have no account, can load them until they expire.
        assert_eq!(asset["is_public"], false);
        assert!(asset["expires_at"].is_string(), "{asset}");
        let original = app.anonymous().get(url).send().await.unwrap();
        assert_eq!(original.status(), 200, "{url}");
        for variant in asset["variants"].as_array().unwrap() {
            let url = variant["url"].as_str().unwrap();
            let response = app.anonymous().get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url}");
        }
        assert!(
            asset["variants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["name"] == "thumbnail")
        );
    }
    browser.close().await;
}

/// Opened on its own, with no app to send to, the picker says so and Choose stays off,
/// instead of doing nothing when clicked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_opened_alone_says_it_needs_an_app() {
    let app = spawn_app_with(|_| {}, true).await;
    editor_with_password(&app, "picker").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "picker", PASSWORD).await;
    let (status, _) = app
        .upload_bytes("one.jpg", three_images().remove(0).1)
        .await;
    assert_eq!(status, 201);
    browser.goto(&format!("{}/ui/picker", app.base)).await;
    browser
        .wait_until(
            "the note and a card",
            "document.getElementById('picker-no-host') && document.querySelector('#assets .asset-pick')",
        )
        .await;
    browser.click("#assets .asset-pick").await;
    browser
        .wait_until(
            "the card selected",
            "document.querySelector('#assets .asset-pick[aria-pressed=true]')",
        )
        .await;
    let disabled = browser
        .run(
            "return document.getElementById('picker-choose').disabled",
            vec![],
        )
        .await;
    assert_eq!(disabled, true, "Choose has nowhere to send to");
    let note = browser.texts("#picker-no-host").await.remove(0);
    assert!(note.contains("no app did"), "{note}");
    browser.check_page("picker-alone").await;
    browser.close().await;
}

/// A site not in `ui.picker_origins` that frames the picker sees, inside its frame, a
/// page saying what to configure, not the browser's "refused to connect".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_not_allowed_sees_what_to_configure() {
    let page = Arc::new(OnceLock::new());
    let host_origin = serve_host(page.clone()).await;
    let app = spawn_app_with(|_| {}, false).await;
    page.set(host_page(&app.base)).unwrap();
    editor_with_password(&app, "picker").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "picker", PASSWORD).await;
    enter_picker(&browser, &host_origin).await;
    browser
        .wait_until(
            "the explanation in the frame",
            "document.body && document.body.innerText.includes('ui.picker_origins')",
        )
        .await;
    let heading = browser.texts("h1").await;
    assert_eq!(heading, ["This site may not use the picker"]);
    browser.client.enter_parent_frame().await.unwrap();
    browser.screenshot("picker-refused-origin").await;
    browser.close().await;
}
