//! Stored results are records: listed, deleted one by one or all, removed with their asset;
//! and the pixels: gravity and smart crop keep a marked corner, GPS never leaves.

use std::io::Cursor;
use std::time::Duration;

use medialib_core::config::Unsigned;
use serde_json::Value;

use super::{PHOTO, app_with, asset, fetch, img};
use crate::helpers::TestApp;

async fn derivatives(app: &TestApp, asset: &Value) -> Vec<Value> {
    let id = asset["id"].as_str().unwrap();
    let (status, list) = app
        .get_json(&format!("/api/v1/assets/{id}/derivatives"))
        .await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn results_are_listed_deleted_and_go_with_their_asset() {
    let app = app_with(|s| s.transforms.unsigned = Unsigned::All).await;
    let photo = asset(&app, PHOTO, true).await;
    let id = photo["id"].as_str().unwrap().to_owned();
    for ops in ["w_200", "w_300", "p_card"] {
        assert_eq!(
            fetch(&app, &img(&photo, ops, "webp"), None).await.status,
            200
        );
    }
    let list = derivatives(&app, &photo).await;
    assert_eq!(list.len(), 3);
    let card = list
        .iter()
        .find(|d| d["ops"] == "w_400,h_225,c_fill,g_auto")
        .unwrap();
    assert_eq!(
        (card["width"].as_u64(), card["height"].as_u64()),
        (Some(400), Some(225))
    );
    assert_eq!(card["format"], "webp");
    assert!(card["bytes"].as_u64().unwrap() > 1000);
    assert_eq!(app.blob_keys(&format!("derivatives/{id}/")).await.len(), 3);

    // One by one: its bytes go, and the next request renders it again.
    let key = card["cache_key"].as_str().unwrap();
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/assets/{id}/derivatives/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(derivatives(&app, &photo).await.len(), 2);
    assert_eq!(app.blob_keys(&format!("derivatives/{id}/")).await.len(), 2);
    let again = fetch(&app, &img(&photo, "p_card", "webp"), None).await;
    assert_eq!(again.header("x-transform-cache"), "miss");
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/assets/{id}/derivatives/{key}0")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // All at once.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/assets/{id}/derivatives")))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["deleted"], 3);
    assert!(
        app.blob_keys(&format!("derivatives/{id}/"))
            .await
            .is_empty()
    );

    // Purged with the asset.
    assert_eq!(
        fetch(&app, &img(&photo, "w_120", "jpg"), None).await.status,
        200
    );
    assert_eq!(app.blob_keys(&format!("derivatives/{id}/")).await.len(), 1);
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/assets/{id}?purge=true")))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    assert!(
        app.blob_keys(&format!("derivatives/{id}/"))
            .await
            .is_empty()
    );
    assert_eq!(
        fetch(&app, &img(&photo, "w_120", "jpg"), None).await.status,
        404
    );
}

/// A 400×300 grey PNG with a red 40×40 square in its bottom-right corner.
fn marked_picture() -> Vec<u8> {
    let image = image::RgbImage::from_fn(400, 300, |x, y| {
        if x >= 360 && y >= 260 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([128, 128, 128])
        }
    });
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

fn has_red(png: &[u8]) -> bool {
    let image = image::load_from_memory(png).unwrap().to_rgb8();
    image
        .pixels()
        .any(|p| p.0[0] > 180 && p.0[1] < 80 && p.0[2] < 80)
}

async fn thumbnail_has_red(app: &TestApp, id: &str) -> bool {
    let r = fetch(app, &format!("/variants/{id}/thumbnail.jpg"), None).await;
    assert_eq!(r.status, 200, "{}", r.message);
    has_red(&r.body)
}

#[tokio::test]
async fn gravity_and_smart_crop_keep_the_subject_and_gps_never_leaves() {
    let app = app_with(|s| s.transforms.unsigned = Unsigned::All).await;
    let (status, marked) = app.upload_bytes("marked.png", marked_picture()).await;
    assert_eq!(status, 201, "{marked}");
    let id = marked["id"].as_str().unwrap();
    super::publish(&app, id).await;
    let marked = app.wait_processed(id, Duration::from_secs(30)).await;
    let crop = |ops: &'static str| {
        let url = img(&marked, ops, "png");
        let app = &app;
        async move {
            let r = fetch(app, &url, None).await;
            assert_eq!(r.status, 200, "{ops}: {}", r.message);
            has_red(&r.body)
        }
    };
    assert!(crop("w_100,h_100,c_fill,g_fp:0.95:0.95").await);
    assert!(crop("w_100,h_100,c_fill,g_se").await);
    assert!(!crop("w_100,h_100,c_fill,g_fp:0.05:0.05").await);
    assert!(
        !crop("w_100,h_100,c_fill").await,
        "the centre crop misses the corner"
    );
    assert!(
        crop("w_100,h_100,c_fill,g_auto").await,
        "smart crop finds it"
    );
    assert!(
        thumbnail_has_red(&app, id).await,
        "the thumbnail is cropped around the subject"
    );

    // An editor's focal point wins over the smart crop, changes the revision, and old
    // URLs lead to the new one; the thumbnail is remade around it.
    let set_focal = |point: serde_json::Value| {
        let app = &app;
        async move {
            let response = app
                .client
                .patch(app.url(&format!("/api/v1/assets/{id}")))
                .json(&serde_json::json!({ "focal_point": point }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, moved) = set_focal(serde_json::json!({"x": 0.05, "y": 0.05})).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        moved["focal_point"],
        serde_json::json!({"x": 0.05, "y": 0.05})
    );
    assert_ne!(moved["rev"], marked["rev"]);
    assert_eq!(
        moved["status"], "processing",
        "the cropped variants are remade"
    );
    let old = fetch(
        &app,
        &img(&marked, "w_100,h_100,c_fill,g_auto", "png"),
        None,
    )
    .await;
    assert_eq!(old.status, 302);
    assert_eq!(
        old.header("location"),
        img(&moved, "w_100,h_100,c_fill,g_auto", "png")
    );
    let r = fetch(&app, &img(&moved, "w_100,h_100,c_fill,g_auto", "png"), None).await;
    assert_eq!(r.status, 200, "{}", r.message);
    assert!(!has_red(&r.body), "the crop follows the focal point");
    app.wait_processed(id, Duration::from_secs(30)).await;
    assert!(
        !thumbnail_has_red(&app, id).await,
        "the thumbnail follows the focal point"
    );
    let (status, body) = set_focal(serde_json::json!({"x": 1.5, "y": 0.5})).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("focal_point")
    );
    let (_, cleared) = set_focal(Value::Null).await;
    assert_eq!(cleared["focal_point"], Value::Null);
    assert_eq!(cleared["rev"], marked["rev"]);
    app.wait_processed(id, Duration::from_secs(30)).await;
    let r = fetch(
        &app,
        &img(&cleared, "w_100,h_100,c_fill,g_auto", "png"),
        None,
    )
    .await;
    assert!(has_red(&r.body), "cleared, the smart crop is back");

    let gps = asset(&app, "images/camera/gps_DSCN0010.jpg", true).await;
    for ext in ["jpg", "webp", "png", "avif"] {
        let r = fetch(&app, &img(&gps, "w_300", ext), None).await;
        assert_eq!(r.status, 200);
        let has = |needle: &[u8]| r.body.windows(needle.len()).any(|w| w == needle);
        assert!(
            !has(b"Exif") && !has(b"GPS") && !has(b"NIKON"),
            "{ext} carries metadata"
        );
    }
}
