//! The admin API for tenants: namespaces and user accounts, as the instance owner and
//! as a namespace's admin.

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TOKEN, TestApp, corpus, member, spawn_app_with};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.request_as(token, method, &format!("/api/v1{path}"), body)
        .await
}

fn slugs(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap())
        .collect()
}

/// A password login; the status.
async fn login(app: &TestApp, name: &str, password: &str) -> u16 {
    app.anonymous()
        .post(app.url("/api/v1/session"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("name", name), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_owner_runs_namespaces_and_their_admins_only_their_own() {
    let app = spawn_app_with(|_| {}, false).await;
    let new = json!({"slug": "sports-desk", "name": "Sports", "quota_assets": 2});
    let (status, desk) = call(&app, TOKEN, Method::POST, "/namespaces", Some(new.clone())).await;
    assert_eq!(status, 201, "{desk}");
    assert_eq!(
        (&desk["quota_assets"], &desk["quota_bytes"]),
        (&json!(2), &Value::Null)
    );
    let (status, again) = call(&app, TOKEN, Method::POST, "/namespaces", Some(new)).await;
    assert_eq!((status, &again["error"]["code"]), (409, &json!("conflict")));
    let bad = json!({"slug": "Sports Desk"});
    let (status, _) = call(&app, TOKEN, Method::POST, "/namespaces", Some(bad)).await;
    assert_eq!(status, 422);
    let (_, all) = call(&app, TOKEN, Method::GET, "/namespaces", None).await;
    assert_eq!(slugs(&all), ["default", "sports-desk"]);

    let desk_id = NamespaceId(desk["id"].as_i64().unwrap());
    let (_, admin) = member(&app, "ed", desk_id, Role::Admin).await;
    let (_, mine) = call(&app, &admin, Method::GET, "/namespaces", None).await;
    assert_eq!(slugs(&mine), ["sports-desk"]);
    let (status, _) = call(&app, &admin, Method::GET, "/namespaces/default", None).await;
    assert_eq!(status, 404);
    let rename = json!({"name": "Sports desk", "retention_days": 90});
    let (status, renamed) = call(
        &app,
        &admin,
        Method::PATCH,
        "/namespaces/sports-desk",
        Some(rename),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(
        (&renamed["name"], &renamed["retention_days"]),
        (&json!("Sports desk"), &json!(90))
    );
    let raise = json!({"quota_assets": 1000});
    let (status, refused) = call(
        &app,
        &admin,
        Method::PATCH,
        "/namespaces/sports-desk",
        Some(raise),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    let (status, _) = call(
        &app,
        &admin,
        Method::DELETE,
        "/namespaces/sports-desk",
        None,
    )
    .await;
    assert_eq!(status, 403);
    let other = json!({"slug": "mine"});
    let (status, _) = call(&app, &admin, Method::POST, "/namespaces", Some(other)).await;
    assert_eq!(status, 403);

    // The quota set over the API is the one uploads meet.
    for file in ["images/bmp/hopper.bmp", "images/webp/hopper_lossy.webp"] {
        let bytes = std::fs::read(corpus().join(file)).unwrap();
        let (status, body) = app.upload_as(&admin, "a.bin", bytes).await;
        assert_eq!(status, 201, "{body}");
    }
    let third = std::fs::read(corpus().join("images/gif/transparent.gif")).unwrap();
    let (status, body) = app.upload_as(&admin, "t.gif", third).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (413, &json!("quota_exceeded"))
    );

    let originals = format!("originals/{}/", desk_id.0);
    assert_eq!(app.blob_keys(&originals).await.len(), 2);
    let (status, busy) = call(&app, TOKEN, Method::DELETE, "/namespaces/sports-desk", None).await;
    assert_eq!(
        (status, &busy["error"]["code"]),
        (409, &json!("namespace_not_empty"))
    );
    assert_eq!(
        app.blob_keys(&originals).await.len(),
        2,
        "a refusal deletes nothing"
    );
    let purge = "/namespaces/sports-desk?purge=true";
    let (status, body) = call(&app, TOKEN, Method::DELETE, purge, None).await;
    assert_eq!(status, 204, "{body}");
    assert!(app.blob_keys(&originals).await.is_empty());
    let (status, _) = call(&app, &admin, Method::GET, "/namespaces", None).await;
    assert_eq!(status, 401, "the namespace's tokens end with it");
    let (_, all) = call(&app, TOKEN, Method::GET, "/namespaces", None).await;
    assert_eq!(slugs(&all), ["default"]);
    let (status, _) = call(&app, TOKEN, Method::DELETE, "/namespaces/default", None).await;
    assert_eq!(status, 403, "the default namespace stays");
}

#[tokio::test]
async fn users_are_created_changed_disabled_and_deleted() {
    let app = spawn_app_with(|_| {}, false).await;
    let home = NamespaceId(1);
    let (admin_id, admin) = member(&app, "ad", home, Role::Admin).await;

    let bo = json!({"name": "bo", "email": "bo@example.org", "password": "correct horse"});
    let (status, bo) = call(&app, TOKEN, Method::POST, "/users", Some(bo)).await;
    assert_eq!(status, 201, "{bo}");
    assert_eq!(
        (&bo["has_password"], &bo["disabled_at"]),
        (&json!(true), &Value::Null)
    );
    let bo_path = format!("/users/{}", bo["id"]);
    // Bo works in another namespace than the admin's.
    let store = &app.state.catalog.store;
    let away = store.create_namespace("away", "Away").await.unwrap().id;
    let bo_id = medialib_core::UserId(bo["id"].as_i64().unwrap());
    store
        .set_role(bo_id, away, Some(Role::Viewer))
        .await
        .unwrap();
    for (body, status) in [
        (json!({"name": "bo"}), 409),
        (json!({"name": "x", "email": "not an email"}), 422),
        (json!({"name": "y", "password": "short"}), 422),
        (json!({"name": " padded "}), 422),
    ] {
        let (got, answer) = call(&app, TOKEN, Method::POST, "/users", Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {answer}");
    }

    // A namespace admin's new user joins their namespace.
    let cy = json!({"name": "cy", "role": "editor", "password": "battery staple"});
    let (status, cy) = call(&app, &admin, Method::POST, "/users", Some(cy)).await;
    assert_eq!(status, 201, "{cy}");
    let cy_path = format!("/users/{}", cy["id"]);
    let (_, members) = call(&app, &admin, Method::GET, "/members", None).await;
    let cy_member = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "cy");
    assert_eq!(cy_member.unwrap()["role"], "editor");
    let (_, seen) = call(&app, &admin, Method::GET, "/users", None).await;
    let names: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"cy") && !names.contains(&"bo"), "{names:?}");
    let (status, _) = call(&app, &admin, Method::GET, &bo_path, None).await;
    assert_eq!(status, 404, "bo is no member of the admin's namespace");

    // Disabling stops the password; enabling brings it back.
    assert_eq!(login(&app, "bo", "correct horse").await, 200);
    let off = json!({"disabled": true});
    let (status, disabled) = call(&app, TOKEN, Method::PATCH, &bo_path, Some(off.clone())).await;
    assert_eq!(status, 200, "{disabled}");
    assert!(disabled["disabled_at"].is_string());
    assert_eq!(login(&app, "bo", "correct horse").await, 401);
    let on = json!({"disabled": false});
    call(&app, TOKEN, Method::PATCH, &bo_path, Some(on)).await;
    assert_eq!(login(&app, "bo", "correct horse").await, 200);

    // Passwords are their user's or the owner's to set; nobody disables themself.
    let password = json!({"password": "another secret"});
    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        &cy_path,
        Some(password.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let cy_token = crate::helpers::join(
        &app,
        medialib_core::UserId(cy["id"].as_i64().unwrap()),
        home,
        Role::Editor,
    )
    .await;
    let (status, renamed) = call(
        &app,
        &cy_token,
        Method::PATCH,
        &cy_path,
        Some(json!({"name": "cy2", "password": "another secret"})),
    )
    .await;
    assert_eq!(
        (status, &renamed["name"]),
        (200, &json!("cy2")),
        "{renamed}"
    );
    assert_eq!(login(&app, "cy2", "another secret").await, 200);
    let (status, _) = call(&app, &cy_token, Method::PATCH, &cy_path, Some(off.clone())).await;
    assert_eq!(status, 403, "nobody disables themself");
    let admin_path = format!("/users/{}", admin_id.0);
    let (status, _) = call(&app, &admin, Method::PATCH, &admin_path, Some(off)).await;
    assert_eq!(status, 403, "nor the owner");

    // Disabling ends the user's tokens too, and deleting erases them.
    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        &cy_path,
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, &cy_token, Method::GET, "/assets", None).await;
    assert_eq!(status, 401);
    let (status, _) = call(&app, &admin, Method::DELETE, &cy_path, None).await;
    assert_eq!(status, 204);
    let (_, gone) = call(&app, TOKEN, Method::GET, &cy_path, None).await;
    assert_eq!(gone["name"], format!("deleted-user-{}", cy["id"]));
    assert!(gone["anonymized_at"].is_string());
}

#[tokio::test]
async fn tenants_in_graphql_follow_the_same_rules() {
    let app = spawn_app_with(|_| {}, false).await;
    let create = "mutation { namespaceCreate(input: {slug: \"shop\", quotaAssets: 5}) {
        namespace { slug quotaAssets } userErrors { code } } }";
    let (_, made) = crate::graphql::post(&app, TOKEN, json!({"query": create})).await;
    assert_eq!(
        made["data"]["namespaceCreate"]["namespace"],
        json!({"slug": "shop", "quotaAssets": 5}),
        "{made}"
    );
    let (_, again) = crate::graphql::post(&app, TOKEN, json!({"query": create})).await;
    assert_eq!(
        again["data"]["namespaceCreate"]["userErrors"][0]["code"],
        "conflict"
    );
    let user = "mutation { userCreate(input: {name: \"dee\", email: \"dee@example.org\", role: \"editor\"}) {
        user { id name } userErrors { code } } }";
    let (_, dee) = crate::graphql::post(&app, TOKEN, json!({"query": user})).await;
    let id = dee["data"]["userCreate"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let disable = format!(
        "mutation {{ userUpdate(id: \"{id}\", input: {{disabled: true, email: null}}) {{
        user {{ email disabledAt }} }} }}"
    );
    let (_, off) = crate::graphql::post(&app, TOKEN, json!({"query": disable})).await;
    let off = &off["data"]["userUpdate"]["user"];
    assert!(
        off["disabledAt"].is_string() && off["email"].is_null(),
        "{off}"
    );
    let list = "{ namespaces { slug } users { name } }";
    let (_, listed) = crate::graphql::post(&app, TOKEN, json!({"query": list})).await;
    assert_eq!(
        listed["data"]["namespaces"],
        json!([{"slug": "default"}, {"slug": "shop"}])
    );
    let names = listed["data"]["users"].to_string();
    assert!(names.contains("dee"), "{names}");
    let delete = "mutation { namespaceDelete(slug: \"shop\") { deleted userErrors { code } } }";
    let (_, gone) = crate::graphql::post(&app, TOKEN, json!({"query": delete})).await;
    assert_eq!(gone["data"]["namespaceDelete"]["deleted"], true, "{gone}");
}
