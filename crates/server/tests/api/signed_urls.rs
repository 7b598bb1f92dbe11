//! Signed URLs deliver private originals and variants without a token: until they expire,
//! only for the path they were signed for, and only while their key is configured.

use std::time::Duration;

use medialib_core::Secret;
use medialib_core::config::SigningKey;
use serde_json::Value;

use crate::helpers::{TestApp, corpus, spawn_app_with};

/// Asks the API for a signed URL; returns the status and the body.
async fn sign(app: &TestApp, id: &str, query: &str) -> (u16, Value) {
    app.get_json(&format!("/api/v1/assets/{id}/signed-url{query}"))
        .await
}

/// A signed URL for `id` (with `query`): the path and query, so that it outlives a
/// restart on another port.
async fn signed(app: &TestApp, id: &str, query: &str) -> String {
    let (status, body) = sign(app, id, query).await;
    assert_eq!(status, 200, "{body}");
    body["url"].as_str().unwrap().to_owned()
}

/// A response to a fetch without a token.
struct Fetched {
    status: u16,
    /// The error code, empty on success.
    code: String,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// Fetches `url` (a path and query) without a token.
async fn fetch(app: &TestApp, url: &str) -> Fetched {
    let response = app.anonymous().get(app.url(url)).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap().to_vec();
    let code = match status {
        400.. => serde_json::from_slice::<Value>(&body).unwrap()["error"]["code"]
            .as_str()
            .unwrap()
            .to_owned(),
        _ => String::new(),
    };
    Fetched {
        status,
        code,
        headers,
        body,
    }
}

async fn private_upload(app: &TestApp, file: &str) -> String {
    let (status, asset) = app.upload(&corpus().join(file)).await;
    assert!(status == 201 || status == 200, "{asset}");
    assert_eq!(asset["is_public"], false);
    asset["id"].as_str().unwrap().to_owned()
}

fn key(id: &str) -> SigningKey {
    SigningKey {
        id: id.to_owned(),
        secret: Secret::new(format!("{id}-secret-0123456789abcdef0123456789")),
    }
}

#[tokio::test]
async fn signed_urls_deliver_private_files_until_they_expire() {
    let app = spawn_app_with(|_| {}, true).await;
    let id = private_upload(&app, "images/webp/hopper_lossy.webp").await;
    let other = private_upload(&app, "images/jpeg/cmyk.jpg").await;
    app.wait_processed(&id, Duration::from_secs(60)).await;
    let original = std::fs::read(corpus().join("images/webp/hopper_lossy.webp")).unwrap();

    // Without a token or a signature, the private file is refused.
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    let plain = asset["links"]["original"].as_str().unwrap();
    assert_eq!(fetch(&app, plain).await.status, 401);

    // Signed: delivered, cacheable only privately and no longer than the signature lasts.
    let url = signed(&app, &id, "").await;
    // The key id: `local` for the generated key; `api_postgres` configures one.
    let kid = if app.database.is_some() {
        "test"
    } else {
        "local"
    };
    assert!(
        url.contains("?exp=") && url.contains(&format!("&kid={kid}&sig=")),
        "{url}"
    );
    let response = fetch(&app, &url).await;
    assert_eq!(response.status, 200);
    let cache = response.headers["cache-control"].to_str().unwrap();
    let max_age: u64 = cache
        .strip_prefix("private, max-age=")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{cache}"));
    assert!((3590..=3600).contains(&max_age), "{cache}");
    assert_eq!(response.body, original);
    // The generated key is kept in the data directory, readable by its owner only
    // (PostgreSQL installs configure theirs: every node must sign alike).
    if app.database.is_none() {
        let key_file = app.data.path().join("signing.key");
        let permissions = key_file.metadata().unwrap().permissions();
        let mode = std::os::unix::fs::PermissionsExt::mode(&permissions);
        assert_eq!(mode & 0o777, 0o600);
    }

    // Variants, by name and format or by name alone.
    let thumb = signed(&app, &id, "?variant=thumbnail.webp&ttl=600").await;
    let response = fetch(&app, &thumb).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "image/webp");
    let by_name = signed(&app, &id, "?variant=thumbnail").await;
    assert!(by_name.contains("/variants/") && by_name.contains("/thumbnail."));
    assert_eq!(fetch(&app, &by_name).await.status, 200);

    // Tampered path: another asset, another file name, another variant.
    let tampered = [
        url.replace(&id, &other),
        url.replacen("/hopper_lossy.webp?", "/other.webp?", 1),
        thumb.replace("/thumbnail.webp?", "/large.webp?"),
    ];
    for bad in tampered {
        assert_ne!(bad, url);
        assert_eq!(fetch(&app, &bad).await.code, "invalid_signature", "{bad}");
    }
    // Tampered expiry, unknown key, and a signature cut off.
    let exp: i64 = url
        .split("exp=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    let later = url.replace(&format!("exp={exp}"), &format!("exp={}", exp + 86_400));
    assert_eq!(fetch(&app, &later).await.code, "invalid_signature");
    let unknown_key = url.replace(&format!("kid={kid}"), "kid=retired");
    assert_eq!(fetch(&app, &unknown_key).await.code, "invalid_signature");
    let unsigned = url.split("&sig=").next().unwrap().to_owned();
    assert_eq!(fetch(&app, &unsigned).await.code, "invalid_signature");
    // A bad signature is refused even with a valid token: the signature is what is judged.
    let with_token = app.client.get(app.url(&later)).send().await.unwrap();
    assert_eq!(with_token.status(), 403);

    // Expired.
    let brief = signed(&app, &id, "?ttl=1").await;
    assert_eq!(fetch(&app, &brief).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = fetch(&app, &brief).await;
    assert_eq!(
        (expired.status, expired.code.as_str()),
        (403, "signature_expired")
    );

    // Bad requests for a signed URL.
    for (query, expected) in [
        ("?ttl=0", 422),
        ("?ttl=604801", 422),
        ("?ttl=soon", 400),
        ("?variant=poster.webp", 404),
    ] {
        let (status, body) = sign(&app, &id, query).await;
        assert_eq!(status, expected, "{query}: {body}");
    }
    let missing = "01900000-0000-7000-8000-000000000000";
    assert_eq!(sign(&app, missing, "").await.0, 404);
}

#[tokio::test]
async fn rotated_keys_keep_old_urls_working_until_the_key_is_dropped() {
    let app = spawn_app_with(|s| s.signing.keys = vec![key("k1")], false).await;
    let id = private_upload(&app, "images/webp/hopper_lossy.webp").await;
    let old = signed(&app, &id, "").await;
    assert!(old.contains("kid=k1"));
    assert_eq!(fetch(&app, &old).await.status, 200);

    // Rotated: a new key signs, the old one still verifies.
    let app = app
        .restart_with(|s| s.signing.keys = vec![key("k2"), key("k1")], false)
        .await;
    let new = signed(&app, &id, "").await;
    assert!(new.contains("kid=k2"), "{new}");
    assert_eq!(fetch(&app, &old).await.status, 200);
    assert_eq!(fetch(&app, &new).await.status, 200);

    // The old key dropped: its URLs stop working, the new key's go on.
    let app = app
        .restart_with(|s| s.signing.keys = vec![key("k2")], false)
        .await;
    let dropped = fetch(&app, &old).await;
    assert_eq!(
        (dropped.status, dropped.code.as_str()),
        (403, "invalid_signature")
    );
    assert_eq!(fetch(&app, &new).await.status, 200);

    // A key with the same id but another secret does not accept the old signatures.
    let mut forged = key("k2");
    forged.secret = Secret::new("another-secret-0123456789abcdef0123456789".into());
    let app = app
        .restart_with(move |s| s.signing.keys = vec![forged], false)
        .await;
    assert_eq!(fetch(&app, &new).await.code, "invalid_signature");
}
