//! The authorization matrix: every route of the API and of delivery, for every kind of
//! caller, from one table. Each cell runs on fresh fixtures (an asset uploaded by the
//! owning editor, a tag, a collection, a usage, a job, a tus upload, a token), so that
//! one cell's deletion cannot decide another's answer. A route missing from the table,
//! or a row naming a route that does not exist, fails the test.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

use medialib_core::access::{Role, Scopes};
use medialib_core::store::NewToken;
use medialib_core::{NamespaceId, UserId};
use medialib_server::auth::{generate_token, hash_token};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, spawn_app_with};

/// Who calls, in the order of the table's columns.
const CALLERS: [&str; 6] = [
    "anonymous",
    "viewer",
    "editor (owner)",
    "editor (other)",
    "admin",
    "other namespace's admin",
];

/// One route: method, path as the API description spells it, an optional JSON body
/// (`{asset}` stands for the fixture asset's id, `{unique}` for a number no other cell
/// uses), and the status each caller gets.
struct Row {
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    expect: [u16; 6],
}

fn row(method: Method, path: &'static str, body: Option<&'static str>, expect: [u16; 6]) -> Row {
    Row {
        method,
        path,
        body,
        expect,
    }
}

/// The table. Reads: viewers and up, 404 across namespaces. Organising (tags,
/// collections, usage): editors and up. Changing an asset: its uploader or an admin.
/// Members: admins. Tokens: everyone, their own only.
fn table() -> Vec<Row> {
    use Method as M;
    const READ: [u16; 6] = [401, 200, 200, 200, 200, 404];
    const ORGANISE_LIST: [u16; 6] = [401, 200, 200, 200, 200, 200];
    vec![
        row(M::GET, "/healthz", None, [200; 6]),
        row(M::GET, "/api/v1/assets", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/assets",
            None,
            [401, 403, 201, 201, 201, 201],
        ),
        row(
            M::POST,
            "/api/v1/assets/import",
            Some(r#"{"url":"http://127.0.0.1:9/x.jpg"}"#),
            // Allowed callers reach the fetch, which the SSRF guard refuses.
            [401, 403, 422, 422, 422, 422],
        ),
        row(M::GET, "/api/v1/assets/unused", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/assets/duplicates", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/assets/bulk",
            Some(r#"{"action":"delete","ids":["{asset}"],"force":true}"#),
            [401, 403, 200, 403, 200, 409],
        ),
        row(M::GET, "/api/v1/assets/{id}", None, READ),
        row(
            M::PATCH,
            "/api/v1/assets/{id}",
            Some(r#"{"title":"Renamed"}"#),
            [401, 403, 200, 403, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/assets/{id}",
            None,
            [401, 403, 204, 403, 204, 404],
        ),
        row(
            M::POST,
            "/api/v1/assets/{id}/restore",
            None,
            [401, 403, 200, 403, 200, 404],
        ),
        row(M::GET, "/api/v1/assets/{id}/variants", None, READ),
        row(M::GET, "/api/v1/assets/{id}/text", None, READ),
        row(
            M::POST,
            "/api/v1/assets/{id}/tags",
            Some(r#"{"tags":["goal"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/assets/{id}/tags/{slug}",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        row(M::GET, "/api/v1/assets/{id}/usage", None, READ),
        row(
            M::POST,
            "/api/v1/assets/{id}/usage",
            Some(r#"{"entity_type":"article","entity_id":"42","usage_type":"hero"}"#),
            [401, 403, 201, 201, 201, 404],
        ),
        // With `?entity_type=article&entity_id=7`, the fixture's usage.
        row(
            M::DELETE,
            "/api/v1/assets/{id}/usage",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        row(M::GET, "/api/v1/tags", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/tags",
            Some(r#"{"name":"New tag {unique}"}"#),
            [401, 403, 201, 201, 201, 201],
        ),
        row(M::GET, "/api/v1/tags/{id}", None, READ),
        row(
            M::PATCH,
            "/api/v1/tags/{id}",
            Some(r#"{"description":"d"}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/tags/{id}",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        row(M::GET, "/api/v1/collections", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/collections",
            Some(r#"{"title":"New collection {unique}"}"#),
            [401, 403, 201, 201, 201, 201],
        ),
        row(M::GET, "/api/v1/collections/{id}", None, READ),
        row(
            M::PATCH,
            "/api/v1/collections/{id}",
            Some(r#"{"title":"Renamed"}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/collections/{id}",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        row(M::GET, "/api/v1/collections/{id}/items", None, READ),
        row(
            M::POST,
            "/api/v1/collections/{id}/items",
            Some(r#"{"asset_ids":["{asset}"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::PUT,
            "/api/v1/collections/{id}/items",
            Some(r#"{"asset_ids":["{asset}"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/collections/{id}/items",
            Some(r#"{"asset_ids":["{asset}"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(M::GET, "/api/v1/jobs/{id}", None, READ),
        row(
            M::POST,
            "/api/v1/jobs/{id}/cancel",
            None,
            [401, 403, 200, 403, 200, 404],
        ),
        row(M::GET, "/api/v1/analytics/storage", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/analytics/uploads", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/analytics/top", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/analytics/failures", None, ORGANISE_LIST),
        row(M::OPTIONS, "/api/v1/uploads", None, [204; 6]),
        row(
            M::POST,
            "/api/v1/uploads",
            None,
            [401, 403, 201, 201, 201, 201],
        ),
        // A tus upload is its creator's (the owning editor): 404 for everyone else.
        row(
            M::HEAD,
            "/api/v1/uploads/{id}",
            None,
            [401, 403, 200, 404, 404, 404],
        ),
        row(
            M::PATCH,
            "/api/v1/uploads/{id}",
            None,
            [401, 403, 204, 404, 404, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/uploads/{id}",
            None,
            [401, 403, 204, 404, 404, 404],
        ),
        row(M::GET, "/api/v1/tokens", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/tokens",
            Some(r#"{"name":"ci","scopes":"read"}"#),
            [401, 201, 201, 201, 201, 201],
        ),
        // The fixture token is the owning editor's: nobody else can revoke it.
        row(
            M::DELETE,
            "/api/v1/tokens/{id}",
            None,
            [401, 404, 204, 404, 404, 404],
        ),
        row(
            M::GET,
            "/api/v1/members",
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        // Users are instance-wide: another namespace's admin may add this one to theirs.
        row(
            M::PUT,
            "/api/v1/members/{user_id}",
            Some(r#"{"role":"viewer"}"#),
            [401, 403, 403, 403, 200, 200],
        ),
        row(
            M::DELETE,
            "/api/v1/members/{user_id}",
            None,
            [401, 403, 403, 403, 204, 404],
        ),
        // Private asset delivery: a token of its namespace; anonymous callers are asked
        // for one.
        row(
            M::GET,
            "/files/{id}/{filename}",
            None,
            [401, 200, 200, 200, 200, 404],
        ),
        row(
            M::GET,
            "/variants/{id}/{file}",
            None,
            [401, 200, 200, 200, 200, 404],
        ),
    ]
}

/// The callers' tokens, `None` for anonymous.
struct Callers {
    tokens: [Option<String>; 6],
}

async fn token(app: &TestApp, user: UserId, namespace: NamespaceId) -> String {
    let token = generate_token();
    app.state
        .store
        .create_token(NewToken {
            user,
            namespace,
            name: "matrix".into(),
            hash: hash_token(&token),
            scopes: Scopes::ALL,
            expires_at: None,
        })
        .await
        .unwrap();
    token
}

async fn callers(app: &TestApp) -> Callers {
    let store = &app.state.store;
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
        let user = store.create_user(name, None, None).await.unwrap();
        store
            .set_role(user.id, namespace, Some(role))
            .await
            .unwrap();
        users.push((user.id, namespace));
    }
    let mut tokens: [Option<String>; 6] = Default::default();
    for (i, (user, namespace)) in users.iter().enumerate() {
        tokens[i + 1] = Some(token(app, *user, *namespace).await);
    }
    Callers { tokens }
}

/// What the path's placeholders stand for in one cell.
struct Fixture {
    asset: String,
    filename: String,
    variant_file: String,
    tag: (String, String),
    collection: String,
    job: String,
    upload: String,
    token: String,
    member: UserId,
}

static UNIQUE: AtomicU32 = AtomicU32::new(0);

/// A PNG no other fixture has (dedup would hand back an older asset).
fn unique_png() -> Vec<u8> {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let pixels = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([n as u8, (n >> 8) as u8, (x * 8 + y) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn send(
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

async fn fixture(app: &TestApp, callers: &Callers, processed: &(String, String)) -> Fixture {
    let owner = callers.tokens[2].as_deref();
    let admin = callers.tokens[4].as_deref();
    let form = Form::new().part("file", Part::bytes(unique_png()).file_name("fixture.png"));
    let asset: Value = app
        .anonymous()
        .post(app.url("/api/v1/assets"))
        .bearer_auth(owner.unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
        token: token["id"].to_string(),
        member,
    }
}

/// The path with its placeholders filled; `{id}` means whatever the segment before it
/// names. Text and variants are read from a processed PDF (`processed`), since the
/// fixture image is never processed.
fn fill(path: &str, f: &Fixture, processed: &(String, String)) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    if path.ends_with("/text") {
        return format!("/api/v1/assets/{}/text", processed.0);
    }
    let mut out = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let before = if i > 0 { segments[i - 1] } else { "" };
        out.push(match (*segment, before) {
            ("{id}", "assets" | "files") => f.asset.clone(),
            ("{id}", "variants") => processed.0.clone(),
            ("{id}", "tags") => f.tag.0.clone(),
            ("{id}", "collections") => f.collection.clone(),
            ("{id}", "jobs") => f.job.clone(),
            ("{id}", "uploads") => f.upload.clone(),
            ("{id}", "tokens") => f.token.clone(),
            ("{user_id}", _) => f.member.0.to_string(),
            ("{slug}", _) => f.tag.1.clone(),
            ("{filename}", _) => f.filename.clone(),
            ("{file}", _) => f.variant_file.clone(),
            (other, _) => other.to_owned(),
        });
    }
    out.join("/")
}

/// A PDF uploaded by the owning editor and processed: it has text and a preview.
async fn processed_pdf(app: &TestApp, callers: &Callers) -> (String, String) {
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
    while let medialib_server::worker::Step::Ran(_) =
        medialib_server::worker::run_next_job(&app.state, "matrix")
            .await
            .unwrap()
    {}
    let id = asset["id"].as_str().unwrap().to_owned();
    let (_, variants) = app.get_json(&format!("/api/v1/assets/{id}/variants")).await;
    let url = variants["items"][0]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{variants}"));
    (id, url.rsplit('/').next().unwrap().to_owned())
}

/// The routes the API description lists, as `METHOD path`.
async fn documented_routes(app: &TestApp) -> BTreeSet<String> {
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

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let app = spawn_app_with(|_| {}, false).await;
    let callers = callers(&app).await;
    let table = table();

    let listed: BTreeSet<String> = table
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let documented = documented_routes(&app).await;
    let missing: Vec<_> = documented.difference(&listed).collect();
    let unknown: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the matrix: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "matrix rows naming no route: {unknown:?}"
    );

    let processed = processed_pdf(&app, &callers).await;
    let mut wrong = Vec::new();
    for row in &table {
        for (i, expected) in row.expect.iter().enumerate() {
            let f = fixture(&app, &callers, &processed).await;
            let mut path = fill(row.path, &f, &processed);
            if (row.method.clone(), row.path) == (Method::DELETE, "/api/v1/assets/{id}") {
                // The fixture asset is in use: deleting it needs `force`.
                path.push_str("?force=true");
            }
            if (row.method.clone(), row.path) == (Method::DELETE, "/api/v1/assets/{id}/usage") {
                path.push_str("?entity_type=article&entity_id=7");
            }
            let body: Option<Value> = row.body.map(|b| {
                let unique = UNIQUE.fetch_add(1, Ordering::Relaxed).to_string();
                let b = b.replace("{asset}", &f.asset).replace("{unique}", &unique);
                serde_json::from_str(&b).unwrap()
            });
            let token = callers.tokens[i].as_deref();
            if row.path.ends_with("/restore") {
                let trash = format!("/api/v1/assets/{}?force=true", f.asset);
                send(
                    &app,
                    callers.tokens[4].as_deref(),
                    Method::DELETE,
                    &trash,
                    None,
                )
                .await;
            }
            let mut request = app.anonymous().request(row.method.clone(), app.url(&path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request = match (row.method.as_str(), row.path) {
                ("POST", "/api/v1/assets") => request.multipart(
                    Form::new().part("file", Part::bytes(unique_png()).file_name("new.png")),
                ),
                ("POST", "/api/v1/uploads") => request
                    .header("Tus-Resumable", "1.0.0")
                    .header("Upload-Length", "10"),
                ("HEAD" | "DELETE", "/api/v1/uploads/{id}") => {
                    request.header("Tus-Resumable", "1.0.0")
                }
                ("PATCH", "/api/v1/uploads/{id}") => request
                    .header("Tus-Resumable", "1.0.0")
                    .header("Upload-Offset", "0")
                    .header("Content-Type", "application/offset+octet-stream")
                    .body(vec![1u8; 5]),
                _ => match body {
                    Some(body) => request.json(&body),
                    None => request,
                },
            };
            let status = request.send().await.unwrap().status().as_u16();
            if status != *expected {
                wrong.push(format!(
                    "{} {} as {}: {status}, expected {expected}",
                    row.method, row.path, CALLERS[i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
