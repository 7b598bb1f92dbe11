//! Watermarks over HTTP: a picture mark and a text mark where their presets put them (by
//! pixels), a preset that requires one, and a collection's watermark on its public assets'
//! transforms only.

use std::io::Cursor;
use std::time::Duration;

use medialib_core::Settings;
use medialib_core::config::{TransformPreset, Unsigned, WatermarkPreset};
use serde_json::{Value, json};

use super::{fetch, img, publish};
use crate::helpers::{TOKEN, TestApp};

/// An 800×600 grey PNG of `level`, so any mark shows by its pixels.
fn grey_picture(level: u8) -> Vec<u8> {
    png(image::RgbImage::from_pixel(
        800,
        600,
        image::Rgb([level; 3]),
    ))
}

/// A 100×100 red square with a transparent border 20 px wide.
fn red_logo() -> Vec<u8> {
    let logo = image::RgbaImage::from_fn(100, 100, |x, y| {
        let inside = (20..80).contains(&x) && (20..80).contains(&y);
        image::Rgba(if inside {
            [230, 0, 0, 255]
        } else {
            [0, 0, 0, 0]
        })
    });
    let mut bytes = Vec::new();
    logo.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

fn png(image: image::RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

fn text_mark() -> WatermarkPreset {
    WatermarkPreset {
        asset: None,
        text: Some("© Example News".into()),
        color: "ffffff".into(),
        position: "se".into(),
        opacity: 1.0,
        scale: 0.4,
        margin: 0.05,
    }
}

fn with_credit(s: &mut Settings) {
    s.transforms.unsigned = Unsigned::All;
    s.transforms.watermarks.insert("credit".into(), text_mark());
}

async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>, public: bool) -> Value {
    let (status, asset) = app.upload_bytes(name, bytes).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap();
    if public {
        publish(app, id).await;
    }
    app.wait_processed(id, Duration::from_secs(30)).await
}

/// Pixels of a PNG result in the region `[left, top, right, bottom)` (fractions of the
/// picture) that `like` picks out.
fn count(png: &[u8], region: [f64; 4], like: impl Fn([u8; 3]) -> bool) -> usize {
    let image = image::load_from_memory(png).unwrap().to_rgb8();
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    image
        .enumerate_pixels()
        .filter(|(x, y, _)| {
            let (x, y) = (f64::from(*x) / w, f64::from(*y) / h);
            x >= region[0] && x < region[2] && y >= region[1] && y < region[3]
        })
        .filter(|(.., p)| like(p.0))
        .count()
}

fn red(p: [u8; 3]) -> bool {
    p[0] > 180 && p[1] < 60 && p[2] < 60
}

fn white(p: [u8; 3]) -> bool {
    p.iter().all(|&c| c > 200)
}

const TOP_LEFT: [f64; 4] = [0.0, 0.0, 0.5, 0.5];
const BOTTOM_RIGHT: [f64; 4] = [0.5, 0.5, 1.0, 1.0];
const EVERYWHERE: [f64; 4] = [0.0, 0.0, 1.0, 1.0];

async fn png_of(app: &TestApp, url: &str) -> Vec<u8> {
    let r = fetch(app, url, None).await;
    assert_eq!(r.status, 200, "{url}: {}", r.message);
    r.body
}

#[tokio::test]
async fn picture_and_text_marks_go_where_their_presets_put_them() {
    let app = super::app_with(with_credit).await;
    let logo = upload(&app, "logo.png", red_logo(), false).await;
    let grey = upload(&app, "grey.png", grey_picture(128), true).await;
    let logo_id = logo["id"].as_str().unwrap().to_owned();
    // The logo's asset id is known once it is uploaded; a restart reads the new preset.
    let app = app
        .restart_with(
            |s| {
                with_credit(s);
                s.transforms.watermarks.insert(
                    "logo".into(),
                    WatermarkPreset {
                        asset: Some(logo_id),
                        position: "nw".into(),
                        scale: 0.25,
                        ..text_mark()
                    },
                );
                s.transforms.presets.insert(
                    "stamped".into(),
                    TransformPreset {
                        ops: "wm_credit,w_400".into(),
                    },
                );
            },
            true,
        )
        .await;

    let plain = png_of(&app, &img(&grey, "w_400", "png")).await;
    assert_eq!(count(&plain, EVERYWHERE, red), 0);
    assert_eq!(count(&plain, EVERYWHERE, white), 0);

    // The logo is 100 px wide (25 % of 400), its red square 60 px, 15 px from the top left.
    let logo = png_of(&app, &img(&grey, "w_400,wm_logo", "png")).await;
    let square = count(&logo, TOP_LEFT, red);
    assert!((3000..=4000).contains(&square), "{square} red pixels");
    assert_eq!(count(&logo, EVERYWHERE, red), square, "only in its corner");

    let credit = png_of(&app, &img(&grey, "w_400,wm_credit", "png")).await;
    let text = count(&credit, BOTTOM_RIGHT, white);
    assert!(text > 200, "the credit shows: {text} white pixels");
    assert_eq!(count(&credit, EVERYWHERE, white), text, "only bottom right");

    // A preset may carry one: the same result, already stored.
    let r = fetch(&app, &img(&grey, "p_stamped", "png"), None).await;
    assert_eq!(r.status, 200, "{}", r.message);
    assert_eq!(r.header("x-transform-cache"), "hit");
    assert_eq!(r.body, credit);

    let id = grey["id"].as_str().unwrap();
    let (_, listed) = app
        .get_json(&format!("/api/v1/assets/{id}/derivatives"))
        .await;
    let mut ops: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["ops"].as_str().unwrap())
        .collect();
    ops.sort_unstable();
    assert_eq!(ops, ["w_400", "w_400,wm_credit", "w_400,wm_logo"]);
}

#[tokio::test]
async fn a_collection_watermark_marks_its_public_assets_everywhere_they_are_fetched() {
    let app = super::app_with(with_credit).await;
    let public = upload(&app, "public.png", grey_picture(128), true).await;
    let private = upload(&app, "private.png", grey_picture(120), false).await;
    let url = img(&public, "w_400", "png");
    let plain = png_of(&app, &url).await;

    let create =
        |watermark: &str| json!({"title": format!("Agency {watermark}"), "watermark": watermark});
    let (status, refused) = app
        .request_as(
            TOKEN,
            reqwest::Method::POST,
            "/api/v1/collections",
            Some(create("nope")),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("invalid_request"))
    );
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"nope\"") && message.contains("credit"),
        "{message}"
    );

    let (status, agency) = app
        .request_as(
            TOKEN,
            reqwest::Method::POST,
            "/api/v1/collections",
            Some(create("credit")),
        )
        .await;
    assert_eq!(status, 201, "{agency}");
    assert_eq!(agency["watermark"], "credit");
    let collection = format!("/api/v1/collections/{}", agency["id"]);
    let ids = json!({"asset_ids": [public["id"], private["id"]]});
    let (status, body) = app
        .request_as(
            TOKEN,
            reqwest::Method::POST,
            &format!("{collection}/items"),
            Some(ids),
        )
        .await;
    assert!(status < 300, "{status} {body}");

    // The very same URL now carries the mark.
    let marked = png_of(&app, &url).await;
    assert!(count(&marked, BOTTOM_RIGHT, white) > 200);
    assert_eq!(count(&plain, EVERYWHERE, white), 0);

    // A private asset's links are for the people its namespace gives them to: no mark.
    let (status, minted) = app
        .request_as(
            TOKEN,
            reqwest::Method::POST,
            &format!(
                "/api/v1/assets/{}/transform-url",
                private["id"].as_str().unwrap()
            ),
            Some(json!({"ops": "w_400", "format": "png", "ttl": 600})),
        )
        .await;
    assert_eq!(status, 200, "{minted}");
    let link = minted["url"].as_str().unwrap();
    let link = link.strip_prefix(&app.base).unwrap_or(link);
    assert_eq!(count(&png_of(&app, link).await, EVERYWHERE, white), 0);

    // Taking the watermark off the collection brings the plain result back.
    let clear = json!({"watermark": null});
    let (status, body) = app
        .request_as(TOKEN, reqwest::Method::PATCH, &collection, Some(clear))
        .await;
    assert_eq!((status, &body["watermark"]), (200, &Value::Null), "{body}");
    let r = fetch(&app, &url, None).await;
    assert_eq!(
        (r.header("x-transform-cache"), r.body == plain),
        ("hit", true)
    );
}
