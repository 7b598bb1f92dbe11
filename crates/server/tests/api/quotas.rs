//! Namespace quotas: bytes and assets, checked before the bytes are accepted where the
//! size is declared (tus) and while they stream otherwise (multipart).

use serde_json::Value;

use crate::helpers::{corpus, spawn_app_with};

fn file(name: &str) -> (String, Vec<u8>) {
    let bytes = std::fs::read(corpus().join("images/camera").join(name)).unwrap();
    (name.to_owned(), bytes)
}

fn quota_message(body: &Value) -> &str {
    assert_eq!(body["error"]["code"], "quota_exceeded", "{body}");
    body["error"]["message"].as_str().unwrap()
}

#[tokio::test]
async fn an_upload_over_the_byte_quota_is_refused_and_stores_nothing() {
    let (a_name, a) = file("Iceland-sRGB.jpg");
    let (b_name, b) = file("gps_DSCN0010.jpg");
    let quota = (a.len() + b.len() - 1) as u64;
    let app = spawn_app_with(|s| s.quotas.bytes = Some(quota), false).await;
    let (status, _) = app.upload_bytes(&a_name, a.clone()).await;
    assert_eq!(status, 201);

    // Multipart: the size is not declared, the stream is cut at the quota's room.
    let (status, body) = app.upload_bytes(&b_name, b.clone()).await;
    assert_eq!(status, 413);
    let message = quota_message(&body);
    assert!(
        message.contains(&format!("stores {} of its {quota} bytes", a.len())),
        "{message}"
    );
    assert_eq!(app.blob_keys("originals").await.len(), 1);

    // tus: refused at creation, from Upload-Length, before any byte is sent.
    let response = app
        .client
        .post(app.url("/api/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", b.len().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    quota_message(&response.json().await.unwrap());

    // The same bytes again cost nothing: a duplicate passes.
    let (status, body) = app.upload_bytes("again.jpg", a).await;
    assert_eq!((status, &body["duplicate"]), (200, &Value::Bool(true)));
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn an_upload_over_the_asset_quota_is_refused() {
    let app = spawn_app_with(|s| s.quotas.assets = Some(1), false).await;
    let (a_name, a) = file("Iceland-sRGB.jpg");
    let (b_name, b) = file("gps_DSCN0010.jpg");
    assert_eq!(app.upload_bytes(&a_name, a).await.0, 201);
    let (status, body) = app.upload_bytes(&b_name, b).await;
    assert_eq!(status, 413);
    assert!(
        quota_message(&body).contains("holds 1 of its 1 assets"),
        "{body}"
    );
}
