//! "Did you mean": a search that matches nothing suggests the namespace's own words for
//! its misspelt ones, and never another namespace's.

use medialib_core::access::Role;
use serde_json::{Value, json};

use crate::helpers::{member, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelt_search_suggests_the_namespace_s_own_words() {
    let app = spawn_app_with(|_| {}, true).await;
    let id = app.ready("images/camera/Canon_40D.jpg").await;
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/assets/{id}"),
            Some(json!({"title": "Flower meadow", "description": "Bees at sunset"})),
        )
        .await;
    assert_eq!(status, 200);
    let suggestion = |page: &Value| page["suggestion"].as_str().map(str::to_owned);

    let (status, page) = app.get_json("/api/v1/assets?q=flwoer").await;
    assert_eq!((status, page["total"].as_u64()), (200, Some(0)), "{page}");
    assert_eq!(suggestion(&page).as_deref(), Some("flower"));
    // Each misspelt word is corrected; known words and prefixes stay.
    let (_, page) = app.get_json("/api/v1/assets?q=flwoer+medow+bees").await;
    assert_eq!(suggestion(&page).as_deref(), Some("flower meadow bees"));
    // The suggestion finds what was meant.
    let (_, found) = app.get_json("/api/v1/assets?q=flower+meadow+bees").await;
    assert_eq!(found["total"], 1, "{found}");
    assert!(found.get("suggestion").is_none(), "{found}");
    // Nothing close: no suggestion.
    let (_, page) = app.get_json("/api/v1/assets?q=zqxwv").await;
    assert_eq!(page["total"], 0);
    assert!(page.get("suggestion").is_none(), "{page}");

    // Another namespace's admin searching the same typo learns nothing of these words.
    let store = &app.state.catalog.store;
    let away = store.create_namespace("away", "Away").await.unwrap().id;
    let (_, token) = member(&app, "away-admin", away, Role::Admin).await;
    let (status, page) = app
        .request_as(
            &token,
            reqwest::Method::GET,
            "/api/v1/assets?q=flwoer",
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.get("suggestion").is_none(), "{page}");
}
