//! Delivery: caching headers, conditional and range requests, access, delete/purge.

use std::time::Duration;

use crate::helpers::{corpus, spawn_app};

#[tokio::test]
async fn originals_and_variants_are_cdn_friendly() {
    let app = spawn_app().await;
    let path = corpus().join("images/camera/Iceland-sRGB.jpg");
    let original = std::fs::read(&path).unwrap();
    let (_, asset) = app.upload(&path).await;
    let id = asset["id"].as_str().unwrap();
    let asset = app.wait_processed(id, Duration::from_secs(60)).await;
    let file_url = app.url(asset["links"]["original"].as_str().unwrap());

    let response = app.client.get(&file_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers().clone();
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", asset["sha256"].as_str().unwrap()));
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["cache-control"], "private, max-age=31536000, immutable");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename=\"Iceland-sRGB.jpg\"")
    );
    assert_eq!(response.bytes().await.unwrap(), original);

    let not_modified = app
        .client
        .get(&file_url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    assert!(not_modified.bytes().await.unwrap().is_empty());

    let part = app
        .client
        .get(&file_url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100-199/{}", original.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap(), original[100..200]);
    let suffix = app
        .client
        .get(&file_url)
        .header("range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(
        suffix.bytes().await.unwrap(),
        original[original.len() - 10..]
    );
    let beyond = app
        .client
        .get(&file_url)
        .header("range", "bytes=99999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);

    let head = app.client.head(&file_url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        original.len().to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());

    let variant = &asset["variants"][0];
    let v = app
        .client
        .get(app.url(variant["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), 200);
    assert_eq!(v.headers()["content-type"], "image/webp");
    assert!(v.headers()["etag"].to_str().unwrap().starts_with('"'));
    let (status, _) = app.get_json(&format!("/variants/{id}/thumbnail.gif")).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json(&format!("/variants/{id}/nothing.webp")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn private_assets_need_a_token_public_ones_do_not() {
    let app = spawn_app().await;
    let (_, asset) = app
        .upload(&corpus().join("images/webp/hopper_lossy.webp"))
        .await;
    let file_url = app.url(asset["links"]["original"].as_str().unwrap());
    let anon = app.anonymous();
    assert_eq!(anon.get(&file_url).send().await.unwrap().status(), 401);

    let patched = app
        .client
        .patch(app.url(&format!("/api/v1/assets/{}", asset["id"].as_str().unwrap())))
        .json(&serde_json::json!({"is_public": true, "alt_text": "A portrait", "title": "Hopper"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let patched: serde_json::Value = patched.json().await.unwrap();
    assert_eq!(
        (patched["title"].as_str(), patched["alt_text"].as_str()),
        (Some("Hopper"), Some("A portrait"))
    );
    let public = anon.get(&file_url).send().await.unwrap();
    assert_eq!(public.status(), 200);
    assert_eq!(
        public.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(public.headers()["content-type"], "image/webp");
}

#[tokio::test]
async fn delete_hides_and_purge_removes_the_bytes() {
    let app = spawn_app().await;
    let (_, asset) = app
        .upload(&corpus().join("images/gif/transparent.gif"))
        .await;
    let id = asset["id"].as_str().unwrap().to_owned();
    app.wait_processed(&id, Duration::from_secs(60)).await;
    let api = app.url(&format!("/api/v1/assets/{id}"));
    let file_url = app.url(asset["links"]["original"].as_str().unwrap());
    assert_eq!(app.blob_files("originals").len(), 1);
    assert_eq!(app.blob_files("variants").len(), 10);

    assert_eq!(app.client.delete(&api).send().await.unwrap().status(), 204);
    let (_, deleted) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    assert!(deleted["deleted_at"].is_string());
    assert_eq!(
        app.client.get(&file_url).send().await.unwrap().status(),
        404
    );
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 0);
    assert_eq!(
        app.blob_files("originals").len(),
        1,
        "soft delete keeps the bytes"
    );

    let purged = app
        .client
        .delete(format!("{api}?purge=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(purged.status(), 204);
    assert_eq!(app.get_json(&format!("/api/v1/assets/{id}")).await.0, 404);
    assert!(app.blob_files("").is_empty(), "{:?}", app.blob_files(""));
}
