//! Resumable uploads (tus 1.0): the protocol's answers checked request by request, and
//! real clients (tuspy, tus-js-client, Uppy; installed by `scripts/setup.sh` under
//! `tests/clients/`) uploading corpus files, resuming across a restart and uploading in
//! parallel parts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use sha2::Digest;

use crate::helpers::{TOKEN, TestApp, corpus, spawn_app, spawn_app_with, tag_slugs};

const OCTETS: &str = "application/offset+octet-stream";

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

fn tus(app: &TestApp, method: Method, path: &str) -> RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("Tus-Resumable", "1.0.0")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
        .to_str()
        .unwrap()
}

/// Creates an upload of `length` bytes; returns its path.
pub(crate) async fn create(app: &TestApp, length: usize, metadata: &[(&str, &str)]) -> String {
    let metadata: Vec<String> = metadata
        .iter()
        .map(|(k, v)| format!("{k} {}", STANDARD.encode(v)))
        .collect();
    let response = tus(app, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", metadata.join(","))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    header(response.headers(), "Location").to_owned()
}

pub(crate) async fn patch(
    app: &TestApp,
    path: &str,
    offset: usize,
    bytes: &[u8],
) -> reqwest::Response {
    tus(app, Method::PATCH, path)
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", OCTETS)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["error"]["code"].as_str().unwrap().to_owned())
}

/// Files in the data directory's `uploads/`: what sessions still hold on disk.
fn upload_files(app: &TestApp) -> Vec<PathBuf> {
    std::fs::read_dir(app.data.path().join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[tokio::test]
async fn the_protocol_answers_as_tus_1_0_says() {
    let app = spawn_app().await;
    let options = app
        .anonymous()
        .request(Method::OPTIONS, app.url("/api/v1/uploads"))
        .send()
        .await
        .unwrap();
    assert_eq!(options.status(), 204);
    let h = options.headers();
    assert_eq!(header(h, "Tus-Version"), "1.0.0");
    assert_eq!(header(h, "Tus-Resumable"), "1.0.0");
    assert_eq!(
        header(h, "Tus-Extension"),
        "creation,creation-with-upload,termination,expiration,checksum,concatenation"
    );
    assert_eq!(header(h, "Tus-Checksum-Algorithm"), "sha1,sha256");
    assert_eq!(header(h, "Tus-Max-Size"), (256 * 1024 * 1024).to_string());

    // Bad requests are refused before anything is stored.
    let no_version = app
        .client
        .post(app.url("/api/v1/uploads"))
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status(), 412);
    assert_eq!(header(no_version.headers(), "Tus-Version"), "1.0.0");
    let too_big = tus(&app, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", (256u64 * 1024 * 1024 + 1).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(too_big).await, (413, "file_too_large".into()));
    for (name, value, code) in [
        ("Upload-Metadata", "filename ***", "invalid_tus_header"),
        (
            "Upload-Metadata",
            "collection bm9uZQ==",
            "unknown_collection",
        ),
        (
            "Upload-Concat",
            "final;/api/v1/uploads/nope",
            "invalid_tus_header",
        ),
    ] {
        let response = tus(&app, Method::POST, "/api/v1/uploads")
            .header("Upload-Length", "10")
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(response).await,
            (400, code.into()),
            "{name}: {value}"
        );
    }
    let no_length = tus(&app, Method::POST, "/api/v1/uploads")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(no_length).await.0, 400);
    let unauthorized = app
        .anonymous()
        .post(app.url("/api/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
    assert!(upload_files(&app).is_empty());

    // A collection and tags to file the asset under.
    let (status, collection) = app
        .client
        .post(app.url("/api/v1/collections"))
        .json(&serde_json::json!({"title": "Match day"}))
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(status, 201);
    let collection: Value = collection.json().await.unwrap();

    let source = std::fs::read(corpus().join("images/camera/gps_DSCN0010.jpg")).unwrap();
    let path = create(
        &app,
        source.len(),
        &[
            ("filename", "kick-off.jpg"),
            ("title", "Kick-off"),
            ("tags", "match day, goal"),
            ("collection", collection["slug"].as_str().unwrap()),
        ],
    )
    .await;
    assert!(path.starts_with("/api/v1/uploads/"), "{path}");
    let head = tus(&app, Method::HEAD, &path).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let h = head.headers();
    assert_eq!(header(h, "Upload-Offset"), "0");
    assert_eq!(header(h, "Upload-Length"), source.len().to_string());
    assert_eq!(header(h, "Cache-Control"), "no-store");
    assert!(header(h, "Upload-Expires").ends_with(" GMT"));
    assert!(
        header(h, "Upload-Metadata").contains(&format!("title {}", STANDARD.encode("Kick-off")))
    );

    // The body must be the protocol's type and start at the upload's offset.
    let wrong_type = tus(&app, Method::PATCH, &path)
        .header("Upload-Offset", "0")
        .header("Content-Type", "image/jpeg")
        .body(source[..10].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(wrong_type).await.0, 415);
    assert_eq!(
        error_code(patch(&app, &path, 5, &source[5..10]).await).await,
        (409, "offset_mismatch".into())
    );

    // A checksum that does not match keeps nothing; one that matches keeps the bytes.
    let half = source.len() / 2;
    let sha1 = |bytes: &[u8]| STANDARD.encode(<sha1::Sha1 as Digest>::digest(bytes));
    let bad = tus(&app, Method::PATCH, &path)
        .header("Upload-Offset", "0")
        .header("Content-Type", OCTETS)
        .header("Upload-Checksum", format!("sha1 {}", sha1(b"other bytes")))
        .body(source[..half].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad).await, (460, "checksum_mismatch".into()));
    let head = tus(&app, Method::HEAD, &path).send().await.unwrap();
    assert_eq!(header(head.headers(), "Upload-Offset"), "0");
    let good = tus(&app, Method::PATCH, &path)
        .header("Upload-Offset", "0")
        .header("Content-Type", OCTETS)
        .header("Upload-Checksum", format!("sha1 {}", sha1(&source[..half])))
        .body(source[..half].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 204);
    assert_eq!(header(good.headers(), "Upload-Offset"), half.to_string());
    assert!(good.headers().get("Medialib-Asset-Id").is_none());

    // Bytes past the upload's length are refused, and nothing of them is kept.
    let mut too_long = source[half..].to_vec();
    too_long.push(0);
    assert_eq!(
        error_code(patch(&app, &path, half, &too_long).await).await,
        (413, "upload_too_long".into())
    );

    // The last byte makes the asset, tagged and collected as the metadata asked.
    let last = patch(&app, &path, half, &source[half..]).await;
    assert_eq!(last.status(), 204);
    assert_eq!(
        header(last.headers(), "Upload-Offset"),
        source.len().to_string()
    );
    let asset_id = header(last.headers(), "Medialib-Asset-Id").to_owned();
    let (status, asset) = app.get_json(&format!("/api/v1/assets/{asset_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(asset["sha256"], sha256_hex(&source));
    assert_eq!(asset["title"], "Kick-off");
    assert_eq!(asset["original_filename"], "kick-off.jpg");
    let mut tags = tag_slugs(&asset);
    tags.sort();
    assert_eq!(tags, ["goal", "match-day"]);
    let (_, items) = app
        .get_json(&format!("/api/v1/collections/{}/items", collection["id"]))
        .await;
    assert_eq!(
        items["items"][0]["asset"]["id"],
        asset_id.as_str(),
        "{items}"
    );
    let head = tus(&app, Method::HEAD, &path).send().await.unwrap();
    assert_eq!(header(head.headers(), "Medialib-Asset-Id"), asset_id);
    assert_eq!(
        error_code(patch(&app, &path, source.len(), b"x").await)
            .await
            .0,
        413,
        "a finished upload takes no more bytes"
    );
    assert!(
        upload_files(&app).is_empty(),
        "the bytes moved to the blob store"
    );

    // Termination removes an unfinished upload and its bytes.
    let abandoned = create(&app, 100, &[("filename", "a.jpg")]).await;
    assert_eq!(
        patch(&app, &abandoned, 0, &source[..40]).await.status(),
        204
    );
    let deleted = tus(&app, Method::DELETE, &abandoned).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = tus(&app, Method::HEAD, &abandoned).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    assert!(upload_files(&app).is_empty());
}

#[tokio::test]
async fn a_rejected_file_gets_the_multipart_error_and_leaves_nothing() {
    let app = spawn_app().await;
    let text = b"just some text, not media".to_vec();
    let path = create(&app, text.len(), &[("filename", "notes.jpg")]).await;
    let response = tus(&app, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, (422, "empty_file".into()));
    let rejected = patch(&app, &path, 0, &text).await;
    assert_eq!(header(rejected.headers(), "Tus-Resumable"), "1.0.0");
    let (status, code) = error_code(rejected).await;
    let (multipart_status, multipart) = app.upload_bytes("notes.jpg", text).await;
    assert_eq!(
        (status, code.as_str()),
        (
            multipart_status,
            multipart["error"]["code"].as_str().unwrap()
        )
    );
    assert_eq!(status, 415);
    assert_eq!(
        tus(&app, Method::HEAD, &path)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert!(upload_files(&app).is_empty());
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn unfinished_uploads_expire_with_their_bytes() {
    let app = spawn_app_with(
        |s| {
            s.uploads.expire_seconds = 1;
            s.maintenance.purge_interval_seconds = 1;
        },
        false,
    )
    .await;
    let path = create(&app, 100, &[("filename", "a.jpg")]).await;
    assert_eq!(patch(&app, &path, 0, &[1; 50]).await.status(), 204);
    assert_eq!(upload_files(&app).len(), 1);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let head = tus(&app, Method::HEAD, &path).send().await.unwrap();
    assert_eq!(head.status(), 404, "the cleanup removed the session");
    assert!(upload_files(&app).is_empty());
}

/// `tests/clients/…`, which `scripts/setup.sh` installs.
fn clients() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients")
}

/// Runs a client script with `args` then `files` on the blocking pool; asserts it
/// succeeded and returns the JSON lines it printed.
async fn run_client(
    program: PathBuf,
    script: &'static str,
    args: &[&str],
    files: &[PathBuf],
) -> Vec<Value> {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string())
        .chain(files.iter().map(|f| f.to_str().unwrap().to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let output = Command::new(&program)
            .arg(clients().join(script))
            .args(&args)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "run {} {script}: {e} (./scripts/setup.sh installs the clients)",
                    program.display()
                )
            });
        let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("{script} printed {l:?}")))
            .collect();
        assert!(
            output.status.success(),
            "{script} failed: {lines:?}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        lines
    })
    .await
    .unwrap()
}

fn node() -> PathBuf {
    assert!(
        clients().join("node_modules").is_dir(),
        "tests/clients/node_modules is missing: run ./scripts/setup.sh"
    );
    PathBuf::from("node")
}

/// Checks that every uploaded file became an asset with the source's SHA-256.
async fn assert_assets_match(app: &TestApp, lines: &[Value], files: &[PathBuf]) {
    assert_eq!(lines.len(), files.len(), "{lines:?}");
    for (line, file) in lines.iter().zip(files) {
        let id = line["asset_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{line}"));
        let (status, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(
            asset["sha256"],
            sha256_hex(&std::fs::read(file).unwrap()),
            "{}",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tuspy_resumes_an_upload_after_the_server_restarts() {
    let app = spawn_app().await;
    let file = corpus().join("images/camera/nikon_d70s_gps.jpg");
    let python = clients().join(".venv/bin/python");
    assert!(
        python.exists(),
        "tests/clients/.venv is missing: run ./scripts/setup.sh"
    );
    let chunks = ["--token", TOKEN, "--chunk-size", "65536"];
    let endpoint = app.url("/api/v1/uploads");
    let args = [
        &["--endpoint", endpoint.as_str(), "--stop-after", "300000"][..],
        &chunks,
    ]
    .concat();
    let first = run_client(
        python.clone(),
        "tuspy_upload.py",
        &args,
        std::slice::from_ref(&file),
    )
    .await;
    let stopped_at = first[0]["offset"].as_u64().unwrap();
    assert!((300_000..889_829).contains(&stopped_at), "{first:?}");

    let app = app.restart(true).await;
    // The server came back on another port; the upload's path is the same.
    let upload = first[0]["url"].as_str().unwrap();
    let path = &upload[upload.find("/api/v1/uploads/").unwrap()..];
    let head = tus(&app, Method::HEAD, path).send().await.unwrap();
    assert_eq!(
        header(head.headers(), "Upload-Offset"),
        stopped_at.to_string()
    );
    let (endpoint, resume) = (app.url("/api/v1/uploads"), app.url(path));
    let args = [
        &["--endpoint", endpoint.as_str(), "--url", resume.as_str()][..],
        &chunks,
    ]
    .concat();
    let second = run_client(
        python,
        "tuspy_upload.py",
        &args,
        std::slice::from_ref(&file),
    )
    .await;
    assert_eq!(second[0]["offset"], 889_829);
    assert_eq!(second[0]["asset_id"], second[0]["patch_asset_id"]);
    assert_assets_match(&app, &second, &[file]).await;
    assert!(upload_files(&app).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_uploads_in_three_parallel_parts() {
    let app = spawn_app().await;
    let files = vec![
        corpus().join("images/camera/canon_hdr_NO.jpg"),
        corpus().join("docs/google-doc-document.pdf"),
    ];
    let endpoint = app.url("/api/v1/uploads");
    let args = ["--endpoint", &endpoint, "--token", TOKEN, "--parallel", "3"];
    let lines = run_client(node(), "tus_js.mjs", &args, &files).await;
    assert_assets_match(&app, &lines, &files).await;
    assert!(upload_files(&app).is_empty(), "the parts were removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uppy_uploads_a_batch() {
    let app = spawn_app().await;
    let files = vec![
        corpus().join("images/camera/gps_DSCN0021.jpg"),
        corpus().join("images/camera/Iceland-sRGB.jpg"),
        corpus().join("docs/pdflatex-4-pages.pdf"),
    ];
    let endpoint = app.url("/api/v1/uploads");
    let args = [
        "--endpoint",
        &endpoint,
        "--token",
        TOKEN,
        "--meta",
        "tags=batch",
    ];
    let lines = run_client(node(), "uppy.mjs", &args, &files).await;
    assert_assets_match(&app, &lines, &files).await;
    let (_, tagged) = app.get_json("/api/v1/assets?tags=batch").await;
    assert_eq!(tagged["total"], 3);
}
