//! GDPR: a user's data exported as JSON, and anonymized while their assets stay.

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TOKEN, TestApp, corpus, join, member, spawn_app_with};

async fn export(app: &TestApp, token: &str, user: i64) -> (u16, Value) {
    let path = format!("/api/v1/users/{user}/export");
    app.request_as(token, Method::GET, &path, None).await
}

async fn anonymize(app: &TestApp, token: &str, user: i64) -> (u16, Value) {
    let path = format!("/api/v1/users/{user}/anonymize");
    app.request_as(token, Method::POST, &path, None).await
}

/// Uploads a corpus file with `token`; returns the new asset's id.
async fn upload_as(app: &TestApp, token: &str, file: &str) -> String {
    let bytes = std::fs::read(corpus().join(file)).unwrap();
    let name = file.rsplit('/').next().unwrap();
    let (status, asset) = app.upload_as(token, name, bytes).await;
    assert_eq!(status, 201, "{asset}");
    asset["id"].as_str().unwrap().to_owned()
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_users_data_is_exported_and_anonymized_with_their_assets_kept() {
    let app = spawn_app_with(|_| {}, false).await;
    let home = NamespaceId(1);
    let store = &app.state.catalog.store;
    let away = store.create_namespace("away", "Away").await.unwrap().id;
    let ana = store
        .create_user("ana", Some("ana@example.org"), None)
        .await
        .unwrap()
        .id;
    let ana_home = join(&app, ana, home, Role::Editor).await;
    let ana_away = join(&app, ana, away, Role::Editor).await;
    let (_, home_admin) = member(&app, "ad", home, Role::Admin).await;
    let (_, away_admin) = member(&app, "far", away, Role::Admin).await;
    let (_, viewer) = member(&app, "vi", home, Role::Viewer).await;

    let kept = upload_as(&app, &ana_home, "images/webp/hopper_lossy.webp").await;
    // Assets name their uploader, in a page of results as on their own.
    let (_, listed) = app.get_json("/api/v1/assets").await;
    let entry = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == kept.as_str())
        .unwrap();
    assert_eq!(entry["uploaded_by_name"], "ana");
    let trashed = upload_as(&app, &ana_home, "images/jpeg/cmyk.jpg").await;
    let elsewhere = upload_as(&app, &ana_away, "images/bmp/hopper.bmp").await;
    let (status, _) = app
        .request_as(
            &ana_home,
            Method::DELETE,
            &format!("/api/v1/assets/{trashed}"),
            None,
        )
        .await;
    assert_eq!(status, 204);

    // Ana exports everything about herself, from either namespace.
    let (status, own) = export(&app, &ana_home, ana.0).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["user"]["name"], "ana");
    assert_eq!(own["user"]["email"], "ana@example.org");
    assert_eq!(own["memberships"].as_array().unwrap().len(), 2);
    assert_eq!(own["tokens"].as_array().unwrap().len(), 2);
    assert!(
        !own.to_string().contains(&ana_home),
        "a token secret was exported"
    );
    let mut all = [kept.clone(), trashed.clone(), elsewhere.clone()];
    all.sort();
    let quoted: Vec<String> = all.iter().map(|id| format!("\"{id}\"")).collect();
    assert_eq!(ids(&own["assets"], "id"), quoted);
    let in_trash: Vec<_> = own["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["deleted_at"].is_null())
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(in_trash, [trashed.as_str()]);
    let audit = own["audit"].as_array().unwrap();
    assert_eq!(audit.len(), 4, "3 uploads and a delete: {own}");
    assert!(audit.iter().all(|e| e["ip"] == "127.0.0.1"));
    assert_eq!(
        export(&app, &ana_away, ana.0).await.1["assets"],
        own["assets"]
    );

    // Each namespace's admin sees that namespace's part only; others are refused.
    let (status, homes) = export(&app, &home_admin, ana.0).await;
    assert_eq!(status, 200);
    assert_eq!(
        homes["memberships"],
        json!([{"namespace": 1, "role": "editor"}])
    );
    assert_eq!(homes["assets"].as_array().unwrap().len(), 2);
    assert_eq!(homes["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(homes["audit"].as_array().unwrap().len(), 3);
    let (_, aways) = export(&app, &away_admin, ana.0).await;
    assert_eq!(aways["assets"][0]["id"], elsewhere.as_str());
    assert_eq!(export(&app, &viewer, ana.0).await.0, 403);
    assert_eq!(export(&app, &home_admin, 999).await.0, 404);

    // A namespace admin may not erase someone who also belongs elsewhere; nobody may
    // erase themself or the owner.
    assert_eq!(anonymize(&app, &home_admin, ana.0).await.0, 403);
    assert_eq!(anonymize(&app, &viewer, ana.0).await.0, 403);
    let (status, body) = anonymize(&app, &ana_home, ana.0).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let owner = app
        .state
        .catalog
        .store
        .find_user("admin")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(anonymize(&app, &home_admin, owner.0).await.0, 403);

    // The owner erases Ana: her personal data is gone, her tokens stop working at once,
    // her assets stay, attributed to the anonymized user.
    let (status, gone) = anonymize(&app, TOKEN, ana.0).await;
    assert_eq!(status, 200, "{gone}");
    let anonymous_name = format!("deleted-user-{}", ana.0);
    assert_eq!(gone["name"], anonymous_name.as_str());
    assert!(gone["email"].is_null() && !gone["anonymized_at"].is_null());
    assert_eq!(
        app.request_as(&ana_home, Method::GET, "/api/v1/assets", None)
            .await
            .0,
        401
    );
    assert_eq!(
        anonymize(&app, TOKEN, ana.0).await.1["anonymized_at"],
        gone["anonymized_at"]
    );
    let (status, asset) = app.get_json(&format!("/api/v1/assets/{kept}")).await;
    assert_eq!(status, 200);
    assert_eq!(asset["uploaded_by"], ana.0);
    assert_eq!(asset["uploaded_by_name"], anonymous_name.as_str());

    let (_, after) = export(&app, TOKEN, ana.0).await;
    assert_eq!(after["user"]["name"], anonymous_name.as_str());
    assert!(after["memberships"].as_array().unwrap().is_empty());
    assert!(
        after["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t["revoked_at"].is_null())
    );
    assert_eq!(after["assets"].as_array().unwrap().len(), 3);
    let audit = after["audit"].as_array().unwrap();
    assert!(
        audit
            .iter()
            .all(|e| e["ip"].is_null() && e["user"]["name"] == anonymous_name.as_str())
    );
    assert!(!after.to_string().contains("ana@example.org"));

    // The erasures, and the refused attempts, are in the audit log.
    let (_, log) = app
        .request_as(
            TOKEN,
            Method::GET,
            "/api/v1/audit?action=users_anonymize",
            None,
        )
        .await;
    let attempts: Vec<_> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["status"].as_u64().unwrap(),
                e["user"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    // Newest first; the refusals are there too, Ana's own under her erased name.
    assert_eq!(
        attempts,
        [
            (200, "admin"),
            (200, "admin"),
            (403, "ad"),
            (403, "deleted-user-2"),
            (403, "vi"),
            (403, "ad")
        ]
    );
    assert_eq!(log["items"][0]["target"], ana.0.to_string());
}
