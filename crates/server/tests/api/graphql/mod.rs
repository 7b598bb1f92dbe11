//! GraphQL at `/api/v1/graphql`, driven by a real client (`gql` from PyPI, over HTTP and
//! WebSocket: `tests/clients/graphql_client.py`) against a running server: uploads of
//! corpus files, search and pages, tags, collections, usage, an import, subscriptions
//! to a transcode's progress and to assets' status. `limits` checks every refusal,
//! `authorization` every mutation for every kind of caller; `tests/graphql_statements.rs`
//! the number of statements a page costs.

mod authorization;
mod limits;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::helpers::{TOKEN, TestApp, corpus, generated_clip, spawn_app_with};

fn clients() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients")
}

/// Runs the gql client with `spec` (see its docstring) as `token`; returns its lines.
pub(crate) async fn client(app: &TestApp, token: &str, spec: Value) -> Vec<Value> {
    let python = clients().join(".venv/bin/python");
    assert!(
        python.exists(),
        "tests/clients/.venv is missing: run ./scripts/setup.sh"
    );
    let ws = app
        .url("/api/v1/graphql/ws")
        .replacen("http://", "ws://", 1);
    let mut child = tokio::process::Command::new(python)
        .arg(clients().join("graphql_client.py"))
        .args(["--endpoint", &app.url("/api/v1/graphql"), "--ws", &ws])
        .args(["--token", token])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run graphql_client.py");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(spec.to_string().as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("client printed {l:?}")))
        .collect();
    assert!(
        output.status.success(),
        "graphql_client.py failed: {lines:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    lines
}

/// Runs one query or mutation through the client; returns `{data, errors, extensions}`.
pub(crate) async fn execute(app: &TestApp, token: &str, document: &str, variables: Value) -> Value {
    let spec = json!({"mode": "execute", "document": document, "variables": variables});
    let mut lines = client(app, token, spec).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.remove(0)
}

/// The `data` of a response that must have no errors.
pub(crate) fn data(response: &Value) -> &Value {
    assert!(response["errors"].is_null(), "errors: {response}");
    &response["data"]
}

/// Sends a GraphQL request over plain HTTP with `token`; returns the status and body.
pub(crate) async fn post(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let response = app
        .anonymous()
        .post(app.url("/api/v1/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

const UPLOAD: &str = "mutation($files: [Upload!]!) {
  assetsUpload(files: $files, title: \"Match day\") {
    results { filename duplicate error { field code message } asset { id title kind status } }
  }
}";

fn ids(nodes: &Value) -> Vec<String> {
    let mut ids: Vec<String> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_uploads_files_watches_them_process_then_finds_and_pages_them() {
    let app = spawn_app_with(
        |s| {
            let card = medialib_core::config::TransformPreset {
                ops: "w_400,h_300,c_fill".into(),
            };
            s.transforms.presets.insert("card".into(), card);
            // Editors' tags only: analysis's automatic ones are `analysis.rs`'s.
            s.analysis.enabled = false;
        },
        true,
    )
    .await;
    let files: Vec<PathBuf> = [
        "images/camera/gps_DSCN0010.jpg",
        "images/png/transparent_rgba.png",
        "images/camera/Iceland-sRGB.jpg",
        "docs/accentué.txt",
    ]
    .iter()
    .map(|f| corpus().join(f))
    .collect();
    let spec = json!({"mode": "upload", "document": UPLOAD, "files": files});
    let uploaded = client(&app, TOKEN, spec).await.remove(0);
    let results = data(&uploaded)["assetsUpload"]["results"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(results.len(), 4);
    for result in &results[..3] {
        assert_eq!(result["asset"]["kind"], "IMAGE", "{result}");
        assert_eq!(result["asset"]["title"], "Match day");
        assert_eq!(result["duplicate"], false);
    }
    assert_eq!(results[3]["asset"]["kind"], "DOCUMENT");
    let images: Vec<String> = results[..3]
        .iter()
        .map(|r| r["asset"]["id"].as_str().unwrap().to_owned())
        .collect();

    // The same bytes again are the existing asset; a text named .jpg is refused alone.
    let again = json!({"mode": "upload", "document": UPLOAD,
        "files": [files[0].clone(), write_fake_jpeg(&app)]});
    let again = client(&app, TOKEN, again).await.remove(0);
    let again = &data(&again)["assetsUpload"]["results"];
    assert_eq!(
        (&again[0]["duplicate"], &again[0]["asset"]["id"]),
        (&json!(true), &json!(images[0]))
    );
    assert_eq!(again[1]["error"]["code"], "extension_mismatch", "{again}");
    assert_eq!(again[1]["error"]["field"], json!(["files", "1"]));

    // Status changes pushed as processing goes, until every asset is ready.
    let watch = json!({"mode": "subscribe",
        "document": "subscription($ids: [ID!]!) { assetStatus(ids: $ids) { id status } }",
        "variables": {"ids": images}});
    let events = client(&app, TOKEN, watch).await;
    assert_eq!(
        events.last().unwrap(),
        &json!({"complete": true}),
        "{events:?}"
    );
    for id in &images {
        let last = events
            .iter()
            .rfind(|e| e["data"]["assetStatus"]["id"] == json!(id))
            .unwrap_or_else(|| panic!("no event for {id}: {events:?}"));
        assert_eq!(last["data"]["assetStatus"]["status"], "READY", "{events:?}");
    }

    // Pages of two, oldest first, with the camera facts of the JPEG.
    let page = "query($after: String) {
      assets(first: 2, after: $after, filter: {kinds: [IMAGE]}, sort: OLDEST) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor }
        nodes { id ... on ImageAsset { facts { format gps { latitude } } } variants { name url } }
      }
    }";
    let first = execute(&app, TOKEN, page, json!({})).await;
    let first = &data(&first)["assets"];
    assert_eq!(first["totalCount"], 3);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["edges"][1]["cursor"], first["pageInfo"]["endCursor"]);
    assert_eq!(first["nodes"][0]["id"], json!(images[0]));
    assert_eq!(first["nodes"][0]["facts"]["format"], "jpeg");
    assert!(
        first["nodes"][0]["facts"]["gps"]["latitude"].is_f64(),
        "{first}"
    );
    assert!(!first["nodes"][0]["variants"].as_array().unwrap().is_empty());
    let after = json!({"after": first["pageInfo"]["endCursor"]});
    let second = execute(&app, TOKEN, page, after).await;
    let second = &data(&second)["assets"];
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    let mut seen = ids(&first["nodes"]);
    seen.extend(ids(&second["nodes"]));
    seen.sort();
    let mut expected = images.clone();
    expected.sort();
    assert_eq!(seen, expected);

    // The picker's query: newest first.
    let recent = "{ recentMedia(first: 10, kinds: [IMAGE]) { nodes { id } } }";
    let recent = execute(&app, TOKEN, recent, json!({})).await;
    let newest: Vec<&str> = data(&recent)["recentMedia"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(newest, [&images[2], &images[1], &images[0]]);

    // Tags, then a search by them; a preset URL that serves the picture.
    let tag = "mutation($ids: [ID!]!) { assetsTag(ids: $ids, tags: [\"Final\", \"Crowd\"]) {
        assets { id tags { slug source } } userErrors { code } } }";
    let tagged = execute(&app, TOKEN, tag, json!({"ids": images})).await;
    let tagged = &data(&tagged)["assetsTag"]["assets"];
    assert_eq!(
        tagged[0]["tags"],
        json!([{"slug": "crowd", "source": "user"}, {"slug": "final", "source": "user"}])
    );
    let by_tags = "{ assets(filter: {tags: [\"final\", \"crowd\"]}) { totalCount }
        tags { slug assetCount } }";
    let by_tags = execute(&app, TOKEN, by_tags, json!({})).await;
    assert_eq!(data(&by_tags)["assets"]["totalCount"], 3);
    assert_eq!(data(&by_tags)["tags"][0]["assetCount"], 3);
    let url = "query($id: ID!) { asset(id: $id) { url(preset: \"card\", format: \"webp\") } }";
    let url = execute(&app, TOKEN, url, json!({"id": images[2]})).await;
    let url = data(&url)["asset"]["url"].as_str().unwrap().to_owned();
    let picture = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(picture.status(), 200, "{url}");
    let bytes = picture.bytes().await.unwrap();
    assert_eq!(&bytes[8..12], b"WEBP");
}

/// A text file named like a JPEG, in the test's data directory.
fn write_fake_jpeg(app: &TestApp) -> PathBuf {
    let path = app.data.path().join("notes.jpg");
    std::fs::write(&path, "these are notes, not a photo\n").unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_follows_a_transcode_to_100_percent() {
    let app = spawn_app_with(|s| s.video.profiles.retain(|p| p.name == "mp4_720p"), true).await;
    let tmp = tempfile::tempdir().unwrap();
    let clip = generated_clip(tmp.path(), 20);
    let (status, body) = app.upload(&clip).await;
    assert_eq!(status, 201, "{body}");
    let job = app
        .transcode_job(body["id"].as_str().unwrap(), "mp4_720p")
        .await;
    let follow = json!({"mode": "subscribe",
        "document": "subscription($id: ID!) { jobProgress(jobId: $id) { status progress } }",
        "variables": {"id": job}});
    let events = client(&app, TOKEN, follow).await;
    assert_eq!(
        events.last().unwrap(),
        &json!({"complete": true}),
        "{events:?}"
    );
    let progress: Vec<(String, u64)> = events[..events.len() - 1]
        .iter()
        .map(|e| {
            let p = &e["data"]["jobProgress"];
            (
                p["status"].as_str().unwrap().to_owned(),
                p["progress"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        progress.last().unwrap(),
        &("SUCCEEDED".to_owned(), 100),
        "{progress:?}"
    );
    assert!(progress.len() >= 3, "too few updates: {progress:?}");
    assert!(
        progress.windows(2).all(|w| w[0].1 <= w[1].1),
        "{progress:?}"
    );
    assert!(
        progress
            .iter()
            .any(|(s, p)| s == "RUNNING" && *p > 0 && *p < 100),
        "{progress:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_usage_trash_and_import_through_the_client() {
    let source = source_server().await;
    let app = spawn_app_with(
        |s| s.import.allow_networks = vec!["127.0.0.2/32".parse().unwrap()],
        false,
    )
    .await;
    let import = "mutation($url: String!) { assetImport(url: $url, title: \"Imported\") {
        asset { id title } duplicate userErrors { code } } }";
    let url = format!("http://{source}/hopper.bmp");
    let imported = execute(&app, TOKEN, import, json!({"url": url})).await;
    let first = data(&imported)["assetImport"]["asset"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("http://{source}/hopper_lossy.webp");
    let imported = execute(&app, TOKEN, import, json!({"url": url})).await;
    let second = data(&imported)["assetImport"]["asset"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let blocked = json!({"url": "http://127.0.0.1:9/x.jpg"});
    let blocked = execute(&app, TOKEN, import, blocked).await;
    assert_eq!(
        data(&blocked)["assetImport"]["userErrors"][0]["code"],
        "blocked_address"
    );

    let create = "mutation { collectionCreate(input: {title: \"Final\", color: \"#112233\"}) {
        collection { id slug itemCount } userErrors { code message } } }";
    let created = execute(&app, TOKEN, create, json!({})).await;
    let collection = &data(&created)["collectionCreate"]["collection"];
    assert_eq!(collection["slug"], "final");
    let id = collection["id"].as_str().unwrap().to_owned();
    let again = execute(&app, TOKEN, create, json!({})).await;
    assert_eq!(
        data(&again)["collectionCreate"]["userErrors"][0]["code"],
        "conflict"
    );

    let add =
        "mutation($id: ID!, $assets: [ID!]!) { collectionAddAssets(id: $id, assetIds: $assets) {
        collection { itemCount } userErrors { code } } }";
    let added = execute(
        &app,
        TOKEN,
        add,
        json!({"id": id, "assets": [first, second]}),
    )
    .await;
    assert_eq!(
        data(&added)["collectionAddAssets"]["collection"]["itemCount"],
        2
    );
    let reorder =
        "mutation($id: ID!, $assets: [ID!]!) { collectionReorder(id: $id, assetIds: $assets) {
        userErrors { code } } }";
    let wrong = execute(&app, TOKEN, reorder, json!({"id": id, "assets": [first]})).await;
    assert_eq!(
        data(&wrong)["collectionReorder"]["userErrors"][0]["code"],
        "conflict"
    );
    let order = json!({"id": id, "assets": [second, first]});
    let reordered = execute(&app, TOKEN, reorder, order).await;
    assert_eq!(
        data(&reordered)["collectionReorder"]["userErrors"],
        json!([])
    );
    let member = "query($id: ID!) { asset(id: $id) { collections { slug } } }";
    let member = execute(&app, TOKEN, member, json!({"id": first})).await;
    assert_eq!(
        data(&member)["asset"]["collections"],
        json!([{"slug": "final"}])
    );
    let update =
        "mutation($id: ID!) { collectionUpdate(id: $id, input: {title: \"Finals\", color: null}) {
        collection { title color } } }";
    let updated = execute(&app, TOKEN, update, json!({"id": id})).await;
    assert_eq!(
        data(&updated)["collectionUpdate"]["collection"],
        json!({"title": "Finals", "color": null})
    );
    let remove =
        "mutation($id: ID!, $assets: [ID!]!) { collectionRemoveAssets(id: $id, assetIds: $assets) {
        collection { itemCount } } }";
    let removed = execute(&app, TOKEN, remove, json!({"id": id, "assets": [second]})).await;
    assert_eq!(
        data(&removed)["collectionRemoveAssets"]["collection"]["itemCount"],
        1
    );

    // A used asset stays out of the trash unless forced; restore and purge.
    let usage = "mutation($id: ID!) { usageAdd(input: {assetId: $id, entityType: \"page\",
        entityId: \"home\", usageType: \"hero\"}) { usage { entityType entityId usageType } } }";
    let used = execute(&app, TOKEN, usage, json!({"id": first})).await;
    assert_eq!(data(&used)["usageAdd"]["usage"]["usageType"], "hero");
    let trash = "mutation($ids: [ID!]!, $force: Boolean!) { assetsTrash(ids: $ids, force: $force) {
        assets { id trashedAt } userErrors { field code } } }";
    let refused = execute(&app, TOKEN, trash, json!({"ids": [first], "force": false})).await;
    let refused = &data(&refused)["assetsTrash"];
    assert_eq!(
        refused["userErrors"],
        json!([{"field": ["ids", "0"], "code": "asset_in_use"}])
    );
    let forced = execute(&app, TOKEN, trash, json!({"ids": [first], "force": true})).await;
    assert!(data(&forced)["assetsTrash"]["assets"][0]["trashedAt"].is_string());
    let restore = "mutation($ids: [ID!]!) { assetsRestore(ids: $ids) { assets { trashedAt } } }";
    let restored = execute(&app, TOKEN, restore, json!({"ids": [first]})).await;
    assert!(data(&restored)["assetsRestore"]["assets"][0]["trashedAt"].is_null());
    let purge = "mutation($ids: [ID!]!) { assetsPurge(ids: $ids, force: true) { removedIds userErrors { code } } }";
    let purged = execute(&app, TOKEN, purge, json!({"ids": [second]})).await;
    assert_eq!(data(&purged)["assetsPurge"]["removedIds"], json!([second]));
    let gone = execute(
        &app,
        TOKEN,
        "query($id: ID!) { asset(id: $id) { id } }",
        json!({"id": second}),
    )
    .await;
    assert_eq!(data(&gone)["asset"], Value::Null);
}

/// Serves corpus images on 127.0.0.2 for imports; returns its address.
async fn source_server() -> std::net::SocketAddr {
    use axum::extract::Path as UrlPath;
    let app = axum::Router::new().route(
        "/{name}",
        axum::routing::get(|UrlPath(name): UrlPath<String>| async move {
            let dir = if name.ends_with(".bmp") {
                "images/bmp"
            } else {
                "images/webp"
            };
            std::fs::read(corpus().join(dir).join(name)).unwrap()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let local = listener.local_addr().unwrap();
    tokio::spawn(async move {
        medialib_server::http::serve(listener, app, std::future::pending())
            .await
            .unwrap()
    });
    local
}
