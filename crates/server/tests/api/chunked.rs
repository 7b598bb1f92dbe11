//! Chunked uploads by index (`/api/v1/uploads/chunked`): chunks out of order and in
//! parallel, re-sent, checked against their digests, then finalized into an asset; and
//! every refusal with what it names.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::join_all;
use md5::Digest;
use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, spawn_app, spawn_app_with, tag_slugs};

const CHUNK: usize = 64 * 1024;

async fn create(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/uploads/chunked"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn put_chunk(app: &TestApp, id: &str, index: usize, bytes: Vec<u8>) -> (u16, Value) {
    put_chunk_with(app, id, index, bytes, &[]).await
}

async fn put_chunk_with(
    app: &TestApp,
    id: &str,
    index: usize,
    bytes: Vec<u8>,
    headers: &[(&str, String)],
) -> (u16, Value) {
    let mut request = app
        .client
        .put(app.url(&format!("/api/v1/uploads/chunked/{id}/chunks/{index}")))
        .body(bytes);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn finalize(app: &TestApp, id: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/uploads/chunked/{id}/finalize")))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn photo() -> Vec<u8> {
    std::fs::read(corpus().join("images/jpeg/progressive_icc.jpg")).unwrap()
}

#[tokio::test]
async fn chunks_sent_out_of_order_in_parallel_become_one_asset() {
    let app = spawn_app().await;
    let bytes = photo();
    let (status, upload) = create(
        &app,
        json!({"file_name": "harbour.jpg", "file_size": bytes.len(), "content_type": "image/jpeg",
               "chunk_size": CHUNK, "title": "Harbour", "tags": ["Sea", "Boats"]}),
    )
    .await;
    assert_eq!(status, 201, "{upload}");
    let id = upload["upload_id"].as_str().unwrap().to_owned();
    let total = bytes.len().div_ceil(CHUNK);
    assert!(total >= 3, "the photo makes several chunks");
    assert_eq!(upload["chunk_size"], CHUNK);
    assert_eq!(upload["total_chunks"], total);

    // Every chunk but the first, last first and all at once; the last one twice.
    let chunks: Vec<Vec<u8>> = bytes.chunks(CHUNK).map(<[u8]>::to_vec).collect();
    let sends = (1..total).rev().chain([total - 1]).map(|i| {
        let (app, id, chunk) = (&app, &id, chunks[i].clone());
        async move { put_chunk(app, id, i, chunk).await.0 }
    });
    assert!(join_all(sends).await.iter().all(|s| *s == 204));

    let (status, progress) = app.get_json(&format!("/api/v1/uploads/chunked/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(progress["received"], total - 1);
    assert_eq!(progress["missing"], json!([0]));
    let arrived = (bytes.len() - CHUNK) as f64 / bytes.len() as f64;
    assert!((progress["progress"].as_f64().unwrap() - arrived).abs() < 1e-9);

    let (status, refused) = finalize(&app, &id).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "chunks_missing");
    assert_eq!(refused["error"]["details"]["missing"], json!([0]));
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(": 0;"),
        "{refused}"
    );

    let md5 = STANDARD.encode(md5::Md5::digest(&chunks[0]));
    let (status, _) =
        put_chunk_with(&app, &id, 0, chunks[0].clone(), &[("Content-MD5", md5)]).await;
    assert_eq!(status, 204);
    let (status, asset) = finalize(&app, &id).await;
    assert_eq!(status, 201, "{asset}");
    assert_eq!(asset["size"], bytes.len());
    assert_eq!(asset["title"], "Harbour");
    assert_eq!(tag_slugs(&asset), ["boats", "sea"]);
    let original = app
        .fetch(asset["links"]["original"].as_str().unwrap())
        .await;
    assert!(
        original == bytes,
        "the asset holds the file's bytes, in order"
    );
    assert_eq!(
        app.blob_keys("uploads").await,
        Vec::<String>::new(),
        "chunks deleted"
    );

    // Finalizing again, or asking, names the same asset.
    let (status, again) = finalize(&app, &id).await;
    assert_eq!((status, &again["id"]), (200, &asset["id"]));
    let (_, progress) = app.get_json(&format!("/api/v1/uploads/chunked/{id}")).await;
    assert_eq!(progress["asset_id"], asset["id"]);
    assert_eq!(progress["missing"], json!([]));
    let (status, late) = put_chunk(&app, &id, 0, chunks[0].clone()).await;
    assert_eq!(
        (status, &late["error"]["code"]),
        (409, &json!("upload_finished"))
    );
}

#[tokio::test]
async fn a_chunk_that_breaks_a_rule_is_refused_and_nothing_of_it_kept() {
    let app = spawn_app().await;
    let size = 3 * CHUNK + 10;
    let (_, upload) = create(
        &app,
        json!({"file_name": "a.jpg", "file_size": size, "chunk_size": CHUNK}),
    )
    .await;
    let id = upload["upload_id"].as_str().unwrap();
    let code = |r: &(u16, Value)| (r.0, r.1["error"]["code"].as_str().unwrap_or("").to_owned());

    let out = put_chunk(&app, id, 4, vec![0; 10]).await;
    assert_eq!(code(&out), (400, "chunk_out_of_range".into()));
    assert!(
        out.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("0 to 3")
    );
    let out = put_chunk(&app, id, 0, vec![0; CHUNK - 1]).await;
    assert_eq!(code(&out), (422, "chunk_size_mismatch".into()));
    let out = put_chunk(&app, id, 3, vec![0; 11]).await;
    assert_eq!(
        code(&out),
        (422, "chunk_size_mismatch".into()),
        "the last chunk's size"
    );
    let wrong = STANDARD.encode(md5::Md5::digest(b"other bytes"));
    let out = put_chunk_with(&app, id, 1, vec![1; CHUNK], &[("Content-MD5", wrong)]).await;
    assert_eq!(code(&out), (422, "digest_mismatch".into()));
    let sha = STANDARD.encode(sha2::Sha256::digest(vec![2u8; CHUNK]));
    let digest = format!("unknown=abc, SHA-256={sha}");
    let out = put_chunk_with(&app, id, 2, vec![2; CHUNK], &[("Digest", digest)]).await;
    assert_eq!(out.0, 204, "{}", out.1);
    let out = put_chunk_with(
        &app,
        id,
        1,
        vec![1; CHUNK],
        &[("Digest", "sha-256=!".into())],
    )
    .await;
    assert_eq!(code(&out), (422, "invalid_request".into()));

    let (_, progress) = app.get_json(&format!("/api/v1/uploads/chunked/{id}")).await;
    assert_eq!(
        progress["missing"],
        json!([0, 1, 3]),
        "only chunk 2 was kept"
    );
    let (status, refused) = finalize(&app, id).await;
    assert_eq!(status, 409);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("3 of 4 chunks")
    );

    // Cancelling removes the session and its chunk.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/uploads/chunked/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, _) = app.get_json(&format!("/api/v1/uploads/chunked/{id}")).await;
    assert_eq!(status, 404);
    assert!(app.blob_keys("uploads").await.is_empty());
}

#[tokio::test]
async fn a_bad_session_is_refused_before_any_chunk() {
    let app = spawn_app_with(|s| s.limits.max_upload_bytes = 10 << 20, false).await;
    for (body, status, code) in [
        (
            json!({"file_name": "a.jpg", "file_size": 0}),
            422,
            "empty_file",
        ),
        (
            json!({"file_name": "a.jpg", "file_size": 11 << 20}),
            413,
            "file_too_large",
        ),
        (
            json!({"file_name": "a.jpg", "file_size": 1000, "chunk_size": 1000}),
            422,
            "invalid_request",
        ),
        (
            json!({"file_name": " ", "file_size": 1000}),
            422,
            "invalid_request",
        ),
        (
            json!({"file_name": "a.jpg", "file_size": 1000, "collection": "nowhere"}),
            400,
            "unknown_collection",
        ),
        (
            json!({"file_name": "a.jpg", "size": 1000}),
            422,
            "invalid_request",
        ),
    ] {
        let (got, answer) = create(&app, body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str().unwrap()),
            (status, code),
            "{body}"
        );
    }
    // A tus session is no chunked upload, and an unknown id is not found.
    let (status, _) = app
        .get_json(&format!("/api/v1/uploads/chunked/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_file_refused_at_finalize_leaves_no_session_and_no_chunks() {
    let app = spawn_app().await;
    let bytes = vec![7u8; CHUNK + 100];
    let (_, upload) = create(
        &app,
        json!({"file_name": "noise.jpg", "file_size": bytes.len(), "chunk_size": CHUNK}),
    )
    .await;
    let id = upload["upload_id"].as_str().unwrap();
    for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
        assert_eq!(put_chunk(&app, id, i, chunk.to_vec()).await.0, 204);
    }
    let (status, refused) = finalize(&app, id).await;
    assert_eq!(status, 415, "{refused}");
    assert_eq!(refused["error"]["code"], "extension_mismatch");
    let (status, _) = app.get_json(&format!("/api/v1/uploads/chunked/{id}")).await;
    assert_eq!(status, 404);
    assert!(app.blob_keys("uploads").await.is_empty());
}
