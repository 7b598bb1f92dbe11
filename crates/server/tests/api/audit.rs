//! The audit log: every write through the API is recorded with who, what, when and from
//! where, and only the namespace's admins can read it.

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, member, spawn_app_with};

/// The namespace's audit log as `token` sees it (`query` after `?`).
async fn audit(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let path = format!("/api/v1/audit?{query}");
    app.request_as(token, Method::GET, &path, None).await
}

/// `(action, target, status, user name)` of each event, newest first.
fn summary(page: &Value) -> Vec<(String, String, u64, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap_or("").to_owned(),
                e["status"].as_u64().unwrap(),
                e["user"]["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn writes_are_recorded_and_only_admins_read_them() {
    let app = spawn_app_with(|_| {}, false).await;
    let home = NamespaceId(1);
    let (editor_id, editor) = member(&app, "ed", home, Role::Editor).await;
    let (_, viewer) = member(&app, "vi", home, Role::Viewer).await;
    let (_, admin) = member(&app, "ad", home, Role::Admin).await;
    let away = app
        .state
        .catalog
        .store
        .create_namespace("away", "Away")
        .await
        .unwrap();
    let (_, foreign) = member(&app, "far", away.id, Role::Admin).await;

    // An editor uploads and edits; reads and a request that fails validation are not
    // recorded, a refused write is.
    let bytes = std::fs::read(corpus().join("images/webp/hopper_lossy.webp")).unwrap();
    let (status, uploaded) = app.upload_as(&editor, "hopper.webp", bytes).await;
    assert_eq!(status, 201, "{uploaded}");
    let asset = uploaded["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/assets/{asset}");
    let edited = app
        .request_as(
            &editor,
            Method::PATCH,
            &path,
            Some(json!({"title": "Hopper"})),
        )
        .await;
    assert_eq!(edited.0, 200);
    let invalid = app
        .request_as(&editor, Method::PATCH, &path, Some(json!({"colour": 1})))
        .await;
    assert_eq!(invalid.0, 422);
    let read = app.request_as(&editor, Method::GET, &path, None).await;
    assert_eq!(read.0, 200);
    let refused = app
        .request_as(
            &viewer,
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(refused.0, 403);

    // An admin changes a role and creates a token: the token's secret is not recorded.
    let role_path = format!("/api/v1/members/{}", editor_id.0);
    let role = app
        .request_as(
            &admin,
            Method::PUT,
            &role_path,
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(role.0, 200);
    let token = app
        .request_as(
            &admin,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(token.0, 201);

    let (status, page) = audit(&app, &admin, "").await;
    assert_eq!(status, 200, "{page}");
    let token_id = token.1["id"].to_string();
    assert_eq!(
        summary(&page),
        [
            ("tokens_create".into(), token_id, 201, "ad".into()),
            (
                "members_set".into(),
                editor_id.0.to_string(),
                200,
                "ad".into()
            ),
            ("tags_create".into(), String::new(), 403, "vi".into()),
            ("assets_patch".into(), asset.clone(), 200, "ed".into()),
            ("assets_upload".into(), asset.clone(), 201, "ed".into()),
        ]
    );
    let secret = token.1["token"].as_str().unwrap();
    assert!(!page.to_string().contains(secret));
    for event in page["items"].as_array().unwrap() {
        assert_eq!(event["ip"], "127.0.0.1", "{event}");
        assert!(event["at"].as_str().unwrap().ends_with('Z'), "{event}");
    }
    assert!(page["next_cursor"].is_null());

    // Filters and pages.
    let (_, patches) = audit(&app, &admin, "action=assets_patch").await;
    assert_eq!(summary(&patches).len(), 1);
    let (_, by_editor) = audit(&app, &admin, &format!("user_id={}", editor_id.0)).await;
    assert_eq!(summary(&by_editor).len(), 2);
    let (_, first) = audit(&app, &admin, "limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = audit(&app, &admin, &format!("limit=2&cursor={cursor}")).await;
    let (_, third) = audit(
        &app,
        &admin,
        &format!("limit=2&cursor={}", second["next_cursor"].as_str().unwrap()),
    )
    .await;
    let paged: Vec<_> = [&first, &second, &third]
        .into_iter()
        .flat_map(summary)
        .collect();
    assert_eq!(paged, summary(&page));
    assert!(third["next_cursor"].is_null());
    assert_eq!(audit(&app, &admin, "limit=0").await.0, 422);
    assert_eq!(audit(&app, &admin, "limit=501").await.0, 422);
    assert_eq!(audit(&app, &admin, "cursor=yesterday").await.0, 400);

    // Only admins read it, and only their namespace's.
    assert_eq!(audit(&app, &viewer, "").await.0, 403);
    let (_, other) = audit(&app, &foreign, "").await;
    assert_eq!(other["items"], json!([]));
    // The editor is an admin now, and reads the same log.
    let (status, promoted) = audit(&app, &editor, "").await;
    assert_eq!(status, 200);
    assert_eq!(summary(&promoted), summary(&page));
}

#[tokio::test]
async fn a_resumable_upload_is_recorded_once_not_per_chunk() {
    let app = spawn_app_with(|_| {}, false).await;
    let bytes = std::fs::read(corpus().join("images/jpeg/cmyk.jpg")).unwrap();
    let location = crate::tus::create(&app, bytes.len(), &[("filename", "cmyk.jpg")]).await;
    let half = bytes.len() / 2;
    for (offset, chunk) in [(0, &bytes[..half]), (half, &bytes[half..])] {
        let response = crate::tus::patch(&app, &location, offset, chunk).await;
        assert_eq!(response.status(), 204);
    }
    let (_, page) = audit(&app, crate::helpers::TOKEN, "").await;
    let (_, asset) = app.get_json("/api/v1/assets?limit=1").await;
    let asset = asset["items"][0]["id"].as_str().unwrap().to_owned();
    let upload = location.rsplit('/').next().unwrap().to_owned();
    let actions: Vec<_> = summary(&page)
        .into_iter()
        .map(|(action, target, status, _)| (action, target, status))
        .collect();
    assert_eq!(
        actions,
        [
            ("uploads_patch".into(), format!("{upload},{asset}"), 204),
            ("uploads_create".into(), upload, 201),
        ]
    );
}
