//! Bad input gets a clear JSON error with the right status, and leaves nothing behind.

use crate::helpers::{TestApp, corpus, spawn_app, spawn_app_with};

async fn assert_error(app: &TestApp, name: &str, bytes: Vec<u8>, status: u16, code: &str) {
    let (got, body) = app.upload_bytes(name, bytes).await;
    assert_eq!(got, status, "{name}: {body}");
    assert_eq!(body["error"]["code"], code, "{name}: {body}");
    assert!(
        body["error"]["message"].as_str().unwrap().len() > 10,
        "{body}"
    );
}

async fn assert_nothing_stored(app: &TestApp) {
    assert!(
        app.blob_keys("originals").await.is_empty(),
        "{:?}",
        app.blob_keys("").await
    );
    let staging = app.data.path().join("staging");
    for dir in std::fs::read_dir(staging).unwrap().flatten() {
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, [".lock"], "staging files left behind");
    }
}

#[tokio::test]
async fn rejected_uploads_say_why_and_store_nothing() {
    let app = spawn_app_with(
        |s| {
            s.limits.max_upload_bytes = 2_000_000;
            s.limits.max_image_pixels = 20_000_000;
        },
        true,
    )
    .await;
    let read = |p: &str| std::fs::read(corpus().join(p)).unwrap();

    // Bytes that are no media type (text would be a document now).
    assert_error(
        &app,
        "blob.bin",
        b"\x00\x01\x02\x03 no magic here \xff\xfe".to_vec(),
        415,
        "unsupported_media_type",
    )
    .await;
    assert_error(&app, "empty.jpg", Vec::new(), 422, "empty_file").await;
    // JPEG bytes named .png: the type comes from the bytes and the name contradicts it.
    assert_error(
        &app,
        "photo.png",
        read("images/camera/gps_DSCN0010.jpg"),
        415,
        "extension_mismatch",
    )
    .await;
    assert_error(
        &app,
        "big.jpg",
        read("images/large/HMD_Nokia_8.3_5G_9MP_gps.jpg"),
        413,
        "file_too_large",
    )
    .await;
    // 30 MP in 163 KB: refused from the header, before any decoding.
    assert_error(
        &app,
        "white.jpg",
        read("images/large/6720px_white_30MP.jpg"),
        413,
        "image_too_large",
    )
    .await;
    assert_error(
        &app,
        "trunc.jpg",
        read("images-bad/truncated_jpeg.jpg"),
        422,
        "corrupt_image",
    )
    .await;
    assert_error(
        &app,
        "trunc.png",
        read("images-bad/truncated_image.png"),
        422,
        "corrupt_image",
    )
    .await;

    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 0);
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn requests_without_valid_credentials_are_refused() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    for (method, path) in [("GET", "/api/v1/assets"), ("POST", "/api/v1/assets")] {
        let req = anon.request(method.parse().unwrap(), app.url(path));
        let response = req.send().await.unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let response = anon
        .get(app.url("/api/v1/assets"))
        .bearer_auth("mlk_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn unknown_things_are_404_and_bad_bodies_400_or_422() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/assets/0193a8c4-0000-7000-8000-000000000000",
        "/api/v1/assets/not-a-uuid",
        "/api/v1/assets/../../etc/passwd",
        "/api/v1/jobs/0193a8c4-0000-7000-8000-000000000000",
        "/api/v1/nothing",
        "/files/0193a8c4-0000-7000-8000-000000000000/x.jpg",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let (_, asset) = app.upload(&corpus().join("images/bmp/hopper.bmp")).await;
    let url = app.url(&format!("/api/v1/assets/{}", asset["id"].as_str().unwrap()));
    let patch = |body: &'static str| {
        app.client
            .patch(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(patch("{not json").await.unwrap().status(), 400);
    assert_eq!(patch(r#"{"colour":"red"}"#).await.unwrap().status(), 422);
    assert_eq!(patch(r#"{"title":"   "}"#).await.unwrap().status(), 422);
    assert_eq!(patch(r#"{"is_public":"yes"}"#).await.unwrap().status(), 422);
    // Whole numbers written as floats are integers (JSON Schema's view); a body that is
    // not an object, or text holding U+0000 (PostgreSQL cannot store it), is refused.
    let focal = r#"{"focal_point":{"x":1.0,"y":0}}"#;
    assert_eq!(patch(focal).await.unwrap().status(), 200);
    assert_eq!(patch("[]").await.unwrap().status(), 422);
    assert_eq!(patch("").await.unwrap().status(), 400);
    let response = patch(r#"{"title":"a\u0000b"}"#).await.unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("U+0000"),
        "{body}"
    );
    let (status, body) = app.get_json("/api/v1/assets?q=a%00b").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &serde_json::json!("invalid_query"))
    );
    let (status, _) = app
        .post_form(reqwest::multipart::Form::new().text("title", "a\0b").part(
            "file",
            reqwest::multipart::Part::bytes(b"plain text".to_vec()).file_name("a.txt"),
        ))
        .await;
    assert_eq!(status, 422);
    let response = app.client.put(&url).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let (status, body) = app
        .post_form(reqwest::multipart::Form::new().text("title", "x"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("no_file"))
    );
}
