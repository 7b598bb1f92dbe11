//! API tokens: shown once, scoped, and refused at once when revoked or expired.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

async fn create(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn status_with(app: &TestApp, token: &str, path: &str) -> u16 {
    let response = app
        .anonymous()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn tokens_are_scoped_and_stop_working_when_revoked_or_expired() {
    let app = spawn_app_with(|_| {}, false).await;

    let (status, read_only) = create(&app, json!({"name": "reader", "scopes": "read"})).await;
    assert_eq!(status, 201, "{read_only}");
    let token = read_only["token"].as_str().unwrap();
    assert!(token.starts_with("mlk_"));
    assert_eq!(read_only["scopes"], "read");
    assert_eq!(status_with(&app, token, "/api/v1/assets").await, 200);
    // Scoped to read: writing is forbidden, and so is minting a stronger token.
    let upload = app
        .anonymous()
        .post(app.url("/api/v1/tags"))
        .bearer_auth(token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 403);
    let stronger = app
        .anonymous()
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(token)
        .json(&json!({"name": "escalate", "scopes": "read,write"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stronger.status(), 422);

    // The list never shows a token's secret.
    let (_, list) = app.get_json("/api/v1/tokens").await;
    let listed = list["items"].as_array().unwrap();
    assert!(listed.iter().all(|t| t.get("token").is_none()), "{list}");
    assert!(listed.iter().any(|t| t["name"] == "reader"));

    // Revoked: refused on the next request.
    let revoke = app
        .client
        .delete(app.url(&format!("/api/v1/tokens/{}", read_only["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    assert_eq!(status_with(&app, token, "/api/v1/assets").await, 401);

    // Expired: refused once its TTL has passed.
    let (status, short) = create(&app, json!({"name": "brief", "ttl_seconds": 1})).await;
    assert_eq!(status, 201);
    let token = short["token"].as_str().unwrap();
    assert_eq!(status_with(&app, token, "/api/v1/assets").await, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(status_with(&app, token, "/api/v1/assets").await, 401);

    for bad in [
        json!({"name": ""}),
        json!({"name": "x", "scopes": "root"}),
        json!({"name": "x", "ttl_seconds": 0}),
    ] {
        let (status, body) = create(&app, bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
}
