//! The matrix's fixtures: the six callers, and per cell the resources a route's path
//! names, made fresh so that no cell sees another's changes.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

use medialib_core::access::Role;
use medialib_core::{NamespaceId, UserId};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, member};

/// The callers' tokens, `None` for anonymous.
pub(crate) struct Callers {
    pub(crate) tokens: [Option<String>; 6],
}

pub(crate) async fn callers(app: &TestApp) -> Callers {
    let store = &app.state.catalog.store;
    let home = NamespaceId(1);
    let away = store.create_namespace("away", "Away").await.unwrap().id;
    let mut users = Vec::new();
    for (name, namespace, role) in [
        ("viewer", home, Role::Viewer),
        ("owner", home, Role::Editor),
        ("other", home, Role::Editor),
        ("admin2", home, Role::Admin),
        ("foreign", away, Role::Admin),
    ] {
        users.push(member(app, name, namespace, role).await.1);
    }
    let mut tokens: [Option<String>; 6] = Default::default();
    for (i, token) in users.into_iter().enumerate() {
        tokens[i + 1] = Some(token);
    }
    Callers { tokens }
}

/// What the path's placeholders stand for in one cell.
pub(super) struct Fixture {
    pub(super) asset: String,
    pub(super) filename: String,
    pub(super) variant_file: String,
    pub(super) tag: (String, String),
    pub(super) collection: String,
    pub(super) job: String,
    pub(super) upload: String,
    pub(super) chunked: String,
    pub(super) token: String,
    pub(super) member: UserId,
    /// A webhook endpoint and one of its deliveries ([`webhook`]; only for the rows that
    /// name them).
    pub(super) webhook: (String, String),
}

pub(crate) static UNIQUE: AtomicU32 = AtomicU32::new(0);

/// A PNG no other fixture has (dedup would hand back an older asset).
pub(crate) fn unique_png() -> Vec<u8> {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let pixels = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([n as u8, (n >> 8) as u8, (x * 8 + y) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub(super) async fn send(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.anonymous().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

pub(super) async fn fixture(
    app: &TestApp,
    callers: &Callers,
    processed: &(String, String, String),
) -> Fixture {
    let owner = callers.tokens[2].as_deref();
    let admin = callers.tokens[4].as_deref();
    let (status, asset) = app
        .upload_as(owner.unwrap(), "fixture.png", unique_png())
        .await;
    assert_eq!(status, 201, "{asset}");
    let asset_id = asset["id"].as_str().unwrap().to_owned();
    let job = asset["jobs"][0]["id"].as_str().unwrap().to_owned();
    let json_of = |r: reqwest::Response| async move { r.json::<Value>().await.unwrap() };
    let tag = json_of(
        send(
            app,
            admin,
            Method::POST,
            &format!("/api/v1/assets/{asset_id}/tags"),
            Some(json!({"tags": [format!("t{}", UNIQUE.fetch_add(1, Ordering::Relaxed))]})),
        )
        .await,
    )
    .await;
    let tag = &tag["tags"][0];
    assert!(tag["id"].is_i64(), "{tag}");
    let collection = json_of(
        send(
            app,
            admin,
            Method::POST,
            "/api/v1/collections",
            Some(json!({"title": format!("c{}", UNIQUE.fetch_add(1, Ordering::Relaxed))})),
        )
        .await,
    )
    .await;
    let collection = collection["id"].to_string();
    send(
        app,
        admin,
        Method::POST,
        &format!("/api/v1/collections/{collection}/items"),
        Some(json!({"asset_ids": [asset_id]})),
    )
    .await;
    send(
        app,
        admin,
        Method::POST,
        &format!("/api/v1/assets/{asset_id}/usage"),
        Some(json!({"entity_type": "article", "entity_id": "7", "usage_type": "inline"})),
    )
    .await;
    let upload = app
        .anonymous()
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(owner.unwrap())
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    let upload = upload.headers()["Location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let chunked = json_of(
        send(
            app,
            owner,
            Method::POST,
            "/api/v1/uploads/chunked",
            Some(json!({"file_name": "a.jpg", "file_size": 10})),
        )
        .await,
    )
    .await["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = json_of(
        send(
            app,
            owner,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "fixture"})),
        )
        .await,
    )
    .await;
    let member = app
        .state
        .catalog
        .store
        .create_user(
            &format!("member{}", UNIQUE.fetch_add(1, Ordering::Relaxed)),
            None,
            None,
        )
        .await
        .unwrap()
        .id;
    app.state
        .catalog
        .store
        .set_role(member, NamespaceId(1), Some(Role::Viewer))
        .await
        .unwrap();
    Fixture {
        asset: asset_id,
        filename: "fixture.png".into(),
        variant_file: processed.1.clone(),
        tag: (
            tag["id"].to_string(),
            tag["slug"].as_str().unwrap().to_owned(),
        ),
        collection,
        job,
        upload,
        chunked,
        token: token["id"].to_string(),
        member,
        webhook: ("0".into(), "0".into()),
    }
}

/// A webhook endpoint of the home namespace taking `asset.created`, and the delivery of
/// an upload's event to it (made by the dispatcher within moments). The endpoint is on
/// loopback, which the SSRF guard refuses: no attempt leaves the process.
pub(super) async fn webhook(app: &TestApp, admin: Option<&str>) -> (String, String) {
    let created = send(
        app,
        admin,
        Method::POST,
        "/api/v1/webhooks",
        Some(json!({"url": "http://127.0.0.1:9/in", "events": ["asset.created"]})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].to_string();
    let (status, _) = app
        .upload_as(admin.unwrap(), "event.png", unique_png())
        .await;
    assert_eq!(status, 201);
    for _ in 0..100 {
        let page = send(
            app,
            admin,
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
        if let Some(delivery) = page["items"].get(0) {
            return (id, delivery["id"].to_string());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no delivery of the upload's event to webhook {id}");
}

/// The path with its placeholders filled; `{id}` means whatever the segment before it
/// names. Text, pages and variants are read from a processed PDF (`processed`), since
/// the fixture image is never processed.
pub(super) fn fill(path: &str, f: &Fixture, processed: &(String, String, String)) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    if path.ends_with("/text") {
        return format!("/api/v1/assets/{}/text", processed.0);
    }
    if path.ends_with("/pages/{page}") {
        return format!("/api/v1/assets/{}/pages/1", processed.0);
    }
    let mut out = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let before = if i > 0 { segments[i - 1] } else { "" };
        out.push(match (*segment, before) {
            ("{id}", "assets" | "files") => f.asset.clone(),
            ("{id}", "variants" | "img") => processed.0.clone(),
            ("{rev}", _) => processed.2.clone(),
            ("{ops}", _) => "w_64".to_owned(),
            ("{key}", _) => "0123456789abcdef0123456789abcdef".to_owned(),
            ("{id}", "tags") => f.tag.0.clone(),
            ("{id}", "collections") => f.collection.clone(),
            ("{id}", "jobs") => f.job.clone(),
            ("{id}", "uploads") => f.upload.clone(),
            ("{id}", "chunked") => f.chunked.clone(),
            ("{index}", _) => "0".to_owned(),
            ("{id}", "tokens") => f.token.clone(),
            ("{id}", "webhooks") => f.webhook.0.clone(),
            ("{delivery}", _) => f.webhook.1.clone(),
            ("{user_id}", _) => f.member.0.to_string(),
            ("{slug}", "namespaces") => "default".to_owned(),
            ("{slug}", _) => f.tag.1.clone(),
            ("{filename}", _) => f.filename.clone(),
            ("{file}", "{ops}") => "preview.webp".to_owned(),
            ("{file}", _) => f.variant_file.clone(),
            (other, _) => other.to_owned(),
        });
    }
    out.join("/")
}

/// A PDF uploaded by the owning editor and processed: it has text and a preview. Its id,
/// a variant's file name, and its content revision.
pub(super) async fn processed_pdf(app: &TestApp, callers: &Callers) -> (String, String, String) {
    let bytes = std::fs::read(corpus().join("docs/minimal-document_1p.pdf")).unwrap();
    let form = Form::new().part("file", Part::bytes(bytes).file_name("doc.pdf"));
    let asset: Value = app
        .anonymous()
        .post(app.url("/api/v1/assets"))
        .bearer_auth(callers.tokens[2].as_deref().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    while let medialib_worker::Step::Ran(_) =
        medialib_worker::run_next_job(&app.state.worker_context(), "matrix")
            .await
            .unwrap()
    {}
    let id = asset["id"].as_str().unwrap().to_owned();
    let (_, variants) = app.get_json(&format!("/api/v1/assets/{id}/variants")).await;
    let url = variants["items"][0]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{variants}"));
    let file = url.rsplit('/').next().unwrap().to_owned();
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    (id, file, asset["rev"].as_str().unwrap().to_owned())
}

/// The routes the API description lists, as `METHOD path`.
pub(super) async fn documented_routes(app: &TestApp) -> BTreeSet<String> {
    let (_, spec) = app.get_json("/api/v1/openapi.json").await;
    let mut routes = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete", "head", "options"]
                .contains(&method.as_str())
            {
                routes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    routes
}
