//! Import from URL, against a source server of our own on 127.0.0.2 (allowed through
//! `import.allow_networks`, as an operator would allow an intranet host) and a canary
//! on 127.0.0.1 that the SSRF guard must never let the server reach.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::{TestApp, corpus, spawn_app_with, tag_slugs};

const PHOTO: &str = "Iceland-sRGB.jpg";
const MAX_UPLOAD: u64 = 1024 * 1024;

/// Serves the source files and the misbehaviours on 127.0.0.2; returns its address.
async fn source_server() -> SocketAddr {
    let app = Router::new()
        .route("/files/{name}", get(file))
        .route("/redirect/{n}", get(redirect_chain))
        .route("/to", get(redirect_to))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/page.html", get(|| async { "<html>not media</html>" }))
        .route(
            "/declared-big",
            get(|| async { vec![0u8; MAX_UPLOAD as usize + 1] }),
        )
        .route("/endless", get(endless))
        .route("/stall", get(stall));
    serve(app, "127.0.0.2:0").await
}

async fn serve(app: Router, addr: &str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let local = listener.local_addr().unwrap();
    tokio::spawn(async move {
        medialib_server::http::serve(listener, app, std::future::pending())
            .await
            .unwrap()
    });
    local
}

/// A server on 127.0.0.1 that counts the requests reaching it.
async fn canary() -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let app = Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { std::fs::read(corpus().join("images/camera").join(PHOTO)).unwrap() }
    });
    (serve(app, "127.0.0.1:0").await, hits)
}

async fn file(Path(name): Path<String>) -> Response {
    match std::fs::read(corpus().join("images/camera").join(name)) {
        Ok(bytes) => bytes.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn redirect_chain(Path(n): Path<u32>) -> Redirect {
    match n {
        0 => Redirect::to(&format!("/files/{PHOTO}")),
        n => Redirect::to(&format!("/redirect/{}", n - 1)),
    }
}

#[derive(serde::Deserialize)]
struct To {
    url: String,
}

async fn redirect_to(Query(to): Query<To>) -> Redirect {
    Redirect::temporary(&to.url)
}

/// A body with no declared length that never ends.
async fn endless() -> Body {
    let chunk = bytes::Bytes::from(vec![0xffu8; 64 * 1024]);
    Body::from_stream(futures_util::stream::repeat_with(move || {
        Ok::<_, std::io::Error>(chunk.clone())
    }))
}

/// Headers, the start of a JPEG, then nothing for longer than the import timeout.
async fn stall() -> Body {
    let start = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(&[0xff, 0xd8, 0xff, 0xe0]))
    });
    let silence = futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(bytes::Bytes::new())
    });
    Body::from_stream(futures_util::StreamExt::chain(start, silence))
}

async fn app_for_imports() -> TestApp {
    spawn_app_with(
        |s| {
            s.import.allow_networks = vec!["127.0.0.2/32".parse().unwrap()];
            s.import.timeout_seconds = 2;
            s.limits.max_upload_bytes = MAX_UPLOAD;
        },
        false,
    )
    .await
}

async fn import(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/assets/import"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn import_error(app: &TestApp, url: &str) -> (u16, String, String) {
    let (status, body) = import(app, json!({ "url": url })).await;
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    (status, code, message.to_owned())
}

/// Nothing of a failed import is left: no asset, no original, no staged file.
async fn assert_nothing_stored(app: &TestApp) {
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 0, "{list}");
    assert!(app.blob_keys("originals").await.is_empty());
    let staging = app.data.path().join("staging");
    for dir in std::fs::read_dir(staging).unwrap().flatten() {
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .filter(|name| name != ".lock")
            .collect();
        assert!(files.is_empty(), "staged files left: {files:?}");
    }
}

#[tokio::test]
async fn an_import_fetches_the_file_follows_redirects_and_files_it() {
    let source = source_server().await;
    let app = app_for_imports().await;
    let response = app
        .client
        .post(app.url("/api/v1/collections"))
        .json(&json!({"title": "Wire photos"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let collection: Value = response.json().await.unwrap();
    let expected = hex::encode(sha2::Sha256::digest(
        std::fs::read(corpus().join("images/camera").join(PHOTO)).unwrap(),
    ));

    let (status, asset) = import(
        &app,
        json!({
            "url": format!("http://{source}/files/{PHOTO}"),
            "title": "Glacier",
            "tags": ["iceland", " wire "],
            "collection": "wire-photos",
        }),
    )
    .await;
    assert_eq!(status, 201, "{asset}");
    assert_eq!(asset["sha256"], expected);
    assert_eq!(asset["title"], "Glacier");
    assert_eq!(asset["original_filename"], PHOTO);
    assert_eq!(asset["mime"], "image/jpeg");
    let mut tags = tag_slugs(&asset);
    tags.sort();
    assert_eq!(tags, ["iceland", "wire"]);
    let (_, items) = app
        .get_json(&format!("/api/v1/collections/{}/items", collection["id"]))
        .await;
    assert_eq!(items["items"][0]["asset"]["id"], asset["id"], "{items}");

    // Five redirects are followed; the same bytes are a duplicate, not a second asset.
    let (status, again) = import(&app, json!({"url": format!("http://{source}/redirect/4")})).await;
    assert_eq!(
        (status, &again["duplicate"]),
        (200, &Value::Bool(true)),
        "{again}"
    );
    assert_eq!(again["id"], asset["id"]);
    let (status, code, _) = import_error(&app, &format!("http://{source}/redirect/5")).await;
    assert_eq!((status, code.as_str()), (422, "too_many_redirects"));
}

#[tokio::test]
async fn addresses_inside_the_network_are_refused_directly_after_dns_and_on_redirects() {
    let source = source_server().await;
    let (canary, hits) = canary().await;
    let app = app_for_imports().await;
    let port = canary.port();
    let redirect = |to: &str| format!("http://{source}/to?url={}", urlencode(to));
    for url in [
        format!("http://127.0.0.1:{port}/photo.jpg"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://localhost:{port}/"), // refused by the resolver, after DNS
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        redirect(&format!("http://127.0.0.1:{port}/photo.jpg")),
        redirect(&format!("http://localhost:{port}/photo.jpg")),
        redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
        redirect("http://[fd00:ec2::254]/latest/meta-data/"),
    ] {
        let (status, code, message) = import_error(&app, &url).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "blocked_address"),
            "{url}: {message}"
        );
        assert!(message.contains("not a public address"), "{message}");
    }
    for url in [
        "file:///etc/passwd",
        "ftp://127.0.0.2/a.jpg",
        "gopher://x/",
        "not a url",
    ] {
        let (status, code, message) = import_error(&app, url).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "invalid_url"),
            "{url}: {message}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the canary was reached");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn limits_timeouts_and_upstream_failures_get_clear_errors() {
    let source = source_server().await;
    let app = app_for_imports().await;
    let url = |path: &str| format!("http://{source}{path}");

    let (status, code, message) = import_error(&app, &url("/missing")).await;
    assert_eq!((status, code.as_str()), (422, "upstream_status"));
    assert!(message.contains("404"), "{message}");

    // Declared too large: refused from the headers. Undeclared: cut at the limit.
    for path in ["/declared-big", "/endless"] {
        let (status, code, message) = import_error(&app, &url(path)).await;
        assert_eq!(
            (status, code.as_str()),
            (413, "file_too_large"),
            "{path}: {message}"
        );
    }

    let started = Instant::now();
    let (status, code, _) = import_error(&app, &url("/stall")).await;
    assert_eq!((status, code.as_str()), (422, "upstream_timeout"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let (status, code, _) = import_error(&app, &url("/page.html")).await;
    assert_eq!((status, code.as_str()), (415, "unsupported_media_type"));

    // Nothing listens on port 9 of 127.0.0.2 (discard).
    let (status, code, message) = import_error(&app, "http://127.0.0.2:9/a.jpg").await;
    assert_eq!((status, code.as_str()), (422, "upstream_unreachable"));
    assert!(message.contains("onnect"), "{message}");

    let (status, body) = import(
        &app,
        json!({"url": url("/files/a.jpg"), "collection": "nope"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = import(&app, json!({"link": url("/files/a.jpg")})).await;
    assert_eq!(status, 422, "{body}");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn an_import_counts_against_the_quota() {
    let source = source_server().await;
    let app = spawn_app_with(
        |s| {
            s.import.allow_networks = vec!["127.0.0.2/32".parse().unwrap()];
            s.quotas.bytes = Some(50_000);
        },
        false,
    )
    .await;
    let (status, code, message) =
        import_error(&app, &format!("http://{source}/files/{PHOTO}")).await;
    assert_eq!(
        (status, code.as_str()),
        (413, "quota_exceeded"),
        "{message}"
    );
    assert!(message.contains("0 of its 50000 bytes"), "{message}");
    assert_nothing_stored(&app).await;
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
