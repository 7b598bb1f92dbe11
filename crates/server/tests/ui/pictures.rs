//! Pictures that are more than one still: an animated GIF plays in its card and on its page
//! (its WebP variants keep every frame), and an SVG is drawn at the size it is shown, not
//! enlarged from its 200×100 intrinsic size.

use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, editor_with_password, spawn_app};
use crate::previews::processed;

/// How many frames the picture the browser shows in `img` (a CSS selector) holds, counted
/// by the browser's own decoder (WebCodecs `ImageDecoder`) from the file it chose.
async fn frames_shown(browser: &Browser, img: &str) -> u64 {
    browser
        .wait_until(
            "the picture loaded",
            &format!("document.querySelector({img:?})?.complete && document.querySelector({img:?}).naturalWidth > 0"),
        )
        .await;
    let frames = browser
        .run(
            "const img = document.querySelector(arguments[0]);
             const response = await fetch(img.currentSrc);
             const decoder = new ImageDecoder({
               data: response.body, type: response.headers.get('content-type') });
             await decoder.completed;
             return [decoder.type, decoder.tracks.selectedTrack.frameCount];",
            vec![Value::from(img)],
        )
        .await;
    let (kind, count): (String, u64) = serde_json::from_value(frames).unwrap();
    assert_eq!(kind, "image/webp", "{img} shows a WebP variant");
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_animation_plays_and_a_drawing_is_sharp() {
    let app = spawn_app().await;
    let gif = processed(&app, "images/gif/chi_animated.gif").await;
    let svg = processed(&app, "images/svg/imgproxy_test1_sanitized.svg").await;
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;
    browser
        .wait_until(
            "two cards",
            "document.querySelectorAll('#assets .asset-card').length === 2",
        )
        .await;

    let card = format!(
        "#assets li[data-id='{}'] .thumb img",
        gif["id"].as_str().unwrap()
    );
    let frames = frames_shown(&browser, &card).await;
    assert!(frames > 1, "the card's GIF variant has {frames} frame");

    let page = |asset: &Value| format!("{}/ui/assets/{}", app.base, asset["id"].as_str().unwrap());
    browser.goto(&page(&gif)).await;
    let frames = frames_shown(&browser, ".preview img").await;
    assert!(frames > 1, "the page's GIF variant has {frames} frame");
    browser.check_page("asset-animated").await;

    browser.goto(&page(&svg)).await;
    browser
        .wait_until(
            "the drawing",
            "document.querySelector('.preview img')?.complete",
        )
        .await;
    let shown = browser
        .run(
            "const img = document.querySelector('.preview img');
             return [img.naturalWidth, img.naturalHeight];",
            vec![],
        )
        .await;
    let (width, height): (u32, u32) = serde_json::from_value(shown).unwrap();
    assert_eq!(
        (svg["width"].as_u64(), svg["height"].as_u64()),
        (Some(200), Some(100))
    );
    assert!(
        width > 200 && width == 2 * height,
        "the preview is {width}×{height}, drawn larger than 200×100 in its proportions"
    );
    // Links to it offer its own width, not an empty choice.
    let widths = browser.texts("#use-width option").await;
    assert_eq!(widths, ["200 px"]);
    browser.check_page("asset-svg").await;
    browser.close().await;
}
