//! The focal point, set on the asset page: a click on the picture, crop previews that
//! follow it exactly, the arrow keys, and saving, checked in the API.

use std::io::Cursor;

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::key::Key;
use medialib_core::NamespaceId;
use medialib_core::access::Role;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, editor_with_password, eventually, join, spawn_app};

/// A 600×600 grey PNG with a red square near its top-right corner.
fn square_picture() -> Vec<u8> {
    let image = image::RgbImage::from_fn(600, 600, |x, y| {
        let square = (520..580).contains(&x) && (40..100).contains(&y);
        image::Rgb(if square {
            [220, 20, 20]
        } else {
            [128, 128, 128]
        })
    });
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_sets_the_focal_point_and_the_crops_follow() {
    let app = spawn_app().await;
    // An editor changes their own uploads.
    let user = editor_with_password(&app, "framer").await;
    let token = join(&app, user, NamespaceId(1), Role::Editor).await;
    let (status, asset) = app.upload_as(&token, "square.png", square_picture()).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap().to_owned();
    app.wait_processed(&id, std::time::Duration::from_secs(30))
        .await;

    let browser = Browser::start().await;
    browser.sign_in(&app.base, "framer", PASSWORD).await;
    browser.goto(&format!("{}/ui/assets/{id}", app.base)).await;
    browser
        .wait_until(
            "the focal point picture",
            "document.querySelector('#focal-picker img')?.complete && \
             document.querySelector('#focal-picker img').naturalWidth > 0",
        )
        .await;
    browser.check_page("asset-focal").await;

    // A real click at 90 % across and 20 % down the picture.
    let picture = browser.find("#focal-picker img").await;
    let size = browser
        .run(
            // Wholly in view, so WebDriver's origin is the picture's true centre.
            "const img = document.querySelector('#focal-picker img'); \
             img.scrollIntoView({ block: 'center' }); \
             const r = img.getBoundingClientRect(); return [r.width, r.height];",
            vec![],
        )
        .await;
    let (w, h) = (size[0].as_f64().unwrap(), size[1].as_f64().unwrap());
    let click = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: picture,
            duration: None,
            x: (0.4 * w).round(),
            y: (-0.3 * h).round(),
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    browser.client.perform_actions(click).await.unwrap();
    browser
        .wait_until(
            "the point under the click",
            "document.getElementById('focal-where').textContent.includes('90% across, 20% down')",
        )
        .await;
    // Of a square picture, the square crop is all of it; the wide crop is its full width,
    // moved up to the top edge; the portrait crop its full height, moved to the right edge.
    let positions = browser
        .run(
            "return [...document.querySelectorAll('.crop-previews img')].map(i => i.style.objectPosition);",
            vec![],
        )
        .await;
    assert_eq!(positions, json!(["50% 50%", "50% 0%", "100% 50%"]));

    // The arrow keys move it by 2 %, from the focused picture.
    browser.press(Key::Left).await;
    browser
        .wait_until(
            "the point after ←",
            "document.getElementById('focal-where').textContent.includes('88% across')",
        )
        .await;
    browser.click("#focal-save").await;
    let saved = eventually(|| async {
        let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
        let point = &asset["focal_point"];
        point.is_object()
            && (point["x"].as_f64().unwrap() - 0.88).abs() < 0.006
            && (point["y"].as_f64().unwrap() - 0.2).abs() < 0.006
    })
    .await;
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    assert!(saved, "the focal point is saved: {}", asset["focal_point"]);
    browser
        .wait_until("the clear button", "document.getElementById('focal-clear')")
        .await;
    // Away from the toast in the corner.
    browser
        .run(
            "document.getElementById('focal-clear').scrollIntoView({ block: 'center' });",
            vec![],
        )
        .await;
    browser.click("#focal-clear").await;
    let cleared = eventually(|| async {
        let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
        asset["focal_point"] == json!(null)
    })
    .await;
    assert!(cleared, "the focal point is cleared");
    browser.close().await;
}
