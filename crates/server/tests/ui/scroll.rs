//! A long scroll: through a thousand assets the library holds a bounded window of cards
//! (farther pages leave and come back), and still shows every asset once on the way down
//! and the first again on the way up.

use std::collections::HashSet;

use futures_util::{StreamExt, stream};
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TOKEN, TestApp, editor_with_password, spawn_app_with};

/// The most cards the list may hold: five pages of 48.
const MOST_CARDS: u64 = 240;

/// `n` tiny PNGs of their own bytes, uploaded eight at a time.
pub(crate) async fn upload_pngs(app: &TestApp, n: u32) {
    stream::iter(0..n)
        .map(|i| async move {
            let pixels = image::RgbImage::from_fn(4, 4, |x, y| {
                image::Rgb([(i >> 8) as u8, i as u8, (x * 4 + y) as u8])
            });
            let mut png = std::io::Cursor::new(Vec::new());
            pixels.write_to(&mut png, image::ImageFormat::Png).unwrap();
            let (status, asset) = app
                .upload_as(TOKEN, &format!("frame-{i}.png"), png.into_inner())
                .await;
            assert_eq!(status, 201, "{asset}");
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
}

/// The ids of the cards the list holds, in order.
async fn held(browser: &Browser) -> Vec<String> {
    let ids = browser
        .run(
            "return [...document.querySelectorAll('#assets .asset-card')].map((c) => c.dataset.id)",
            vec![],
        )
        .await;
    serde_json::from_value(ids).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_assets_scroll_in_a_bounded_window() {
    // No workers: the cards need not be processed, only listed.
    let app = spawn_app_with(|_| {}, false).await;
    upload_pngs(&app, 1000).await;
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;
    browser
        .wait_until(
            "the first page",
            "document.querySelectorAll('#assets .asset-card').length === 48",
        )
        .await;
    let newest = held(&browser).await[0].clone();

    let mut seen = HashSet::new();
    let mut most = 0;
    loop {
        let ids = held(&browser).await;
        most = most.max(ids.len() as u64);
        let last = ids.last().unwrap().clone();
        seen.extend(ids);
        let done = browser
            .run("return document.getElementById('load-more').hidden", vec![])
            .await;
        if done == Value::Bool(true) {
            break;
        }
        browser
            .run(
                "document.getElementById('load-more').scrollIntoView()",
                vec![],
            )
            .await;
        browser
            .wait_until(
                "the next page",
                &format!(
                    "document.querySelector('#assets .asset-card:last-child')?.dataset.id !== '{last}' \
                     && !document.getElementById('load-more').disabled"
                ),
            )
            .await;
    }
    assert_eq!(seen.len(), 1000, "every asset shown once on the way down");
    assert!(most <= MOST_CARDS, "{most} cards held at once");
    let shown = browser
        .run(
            "return document.getElementById('result-count').textContent",
            vec![],
        )
        .await;
    assert_eq!(shown, "1000 assets");

    // Back up: the earlier pages come again, the later ones leave.
    for _ in 0..100 {
        if held(&browser).await[0] == newest {
            break;
        }
        browser.run("window.scrollTo(0, 0)", vec![]).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let ids = held(&browser).await;
    assert_eq!(ids[0], newest, "the newest asset first again");
    assert!(ids.len() as u64 <= MOST_CARDS, "{} cards held", ids.len());
    browser.close().await;
}
