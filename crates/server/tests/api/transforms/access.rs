//! Who may fetch a transform: presets open, ad-hoc ops signed (`transforms.unsigned` in
//! its three modes), private assets signed with an expiry; tampered and expired links
//! refused; minted URLs that work.

use medialib_core::config::Unsigned;
use serde_json::{Value, json};

use super::{PHOTO, app_with, asset, fetch, img};
use crate::helpers::TestApp;

/// Mints a transform URL through the API; the body.
async fn mint(app: &TestApp, asset: &Value, body: Value) -> (u16, Value) {
    let id = asset["id"].as_str().unwrap();
    app.request_as(
        crate::helpers::TOKEN,
        reqwest::Method::POST,
        &format!("/api/v1/assets/{id}/transform-url"),
        Some(body),
    )
    .await
}

async fn minted(app: &TestApp, asset: &Value, body: Value) -> String {
    let (status, minted) = mint(app, asset, body).await;
    assert_eq!(status, 200, "{minted}");
    let url = minted["url"].as_str().unwrap();
    url.strip_prefix(&app.base).unwrap_or(url).to_owned()
}

#[tokio::test]
async fn presets_are_open_and_ad_hoc_ops_need_a_signature() {
    let app = app_with(|_| {}).await;
    let photo = asset(&app, PHOTO, true).await;
    assert_eq!(
        fetch(&app, &img(&photo, "p_card", "jpg"), None)
            .await
            .status,
        200
    );
    let r = fetch(&app, &img(&photo, "w_100", "jpg"), None).await;
    assert_eq!((r.status, r.code.as_str()), (403, "invalid_signature"));

    let (status, body) = mint(
        &app,
        &photo,
        json!({"ops": "h_90,w_160,c_fill", "format": "webp"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["canonical_ops"], "w_160,h_90,c_fill");
    assert!(
        body.get("expires_at").is_none(),
        "public links need not expire"
    );
    let url = minted(
        &app,
        &photo,
        json!({"ops": "h_90,w_160,c_fill", "format": "webp"}),
    )
    .await;
    assert!(url.contains("?s="), "{url}");
    let r = fetch(&app, &url, None).await;
    assert_eq!(r.status, 200, "{}", r.message);
    assert_eq!(super::size_of(&r.body, "image/webp"), (160, 90));

    // Tampering with the ops, the name or the key breaks the signature.
    let kid = url.split("?s=").nth(1).unwrap().split('.').next().unwrap();
    for tampered in [
        url.replace("w_160", "w_161"),
        url.replace("/olympus_E-P3_12MP.webp", "/other.webp"),
        url.replace(&format!("s={kid}."), "s=other."),
    ] {
        assert_ne!(tampered, url);
        let r = fetch(&app, &tampered, None).await;
        assert_eq!(
            (r.status, r.code.as_str()),
            (403, "invalid_signature"),
            "{tampered}"
        );
    }
    // Invalid ops through the API: 422 naming the op.
    let (status, body) = mint(&app, &photo, json!({"ops": "w_100,zoom_2"})).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("zoom_2")
    );
    let (status, _) = mint(&app, &photo, json!({"ops": "p_missing"})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_unsigned_policy_has_three_modes() {
    for (mode, preset, ad_hoc) in [
        (Unsigned::All, 200, 200),
        (Unsigned::Presets, 200, 403),
        (Unsigned::None, 403, 403),
    ] {
        let app = app_with(|s| s.transforms.unsigned = mode).await;
        let photo = asset(&app, PHOTO, true).await;
        let statuses = (
            fetch(&app, &img(&photo, "p_card", "jpg"), None)
                .await
                .status,
            fetch(&app, &img(&photo, "w_90", "jpg"), None).await.status,
        );
        assert_eq!(statuses, (preset, ad_hoc), "{mode:?}");
        // Whatever the mode, a minted URL works.
        let url = minted(&app, &photo, json!({"ops": "p_card", "format": "jpg"})).await;
        assert_eq!(fetch(&app, &url, None).await.status, 200, "{mode:?}: {url}");
    }
}

#[tokio::test]
async fn private_assets_need_an_expiring_signature() {
    let app = app_with(|s| s.transforms.unsigned = Unsigned::All).await;
    let photo = asset(&app, PHOTO, false).await;
    let r = fetch(&app, &img(&photo, "p_card", "jpg"), None).await;
    assert_eq!((r.status, r.code.as_str()), (403, "invalid_signature"));
    // The namespace's own token may look.
    let response = app
        .client
        .get(app.url(&img(&photo, "p_card", "jpg")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "private, max-age=31536000, immutable"
    );

    let (status, body) = mint(
        &app,
        &photo,
        json!({"ops": "p_card", "format": "jpg", "ttl": 600}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["expires_at"].is_string());
    let url = body["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap_or(body["url"].as_str().unwrap())
        .to_owned();
    assert!(url.contains("&exp="), "{url}");
    let r = fetch(&app, &url, None).await;
    assert_eq!(r.status, 200, "{}", r.message);
    let max_age: u64 = r
        .header("cache-control")
        .strip_prefix("private, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!((590..=600).contains(&max_age), "{max_age}");
    // Moving the expiry is tampering; a link that expired is refused as such.
    let later = url.split("&exp=").next().unwrap().to_owned() + "&exp=99999999999";
    assert_eq!(fetch(&app, &later, None).await.code, "invalid_signature");
    let short = minted(
        &app,
        &photo,
        json!({"ops": "p_card", "format": "jpg", "ttl": 1}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = fetch(&app, &short, None).await;
    assert_eq!((r.status, r.code.as_str()), (403, "signature_expired"));
}
