//! Sorting by capture time: assets without one come after every dated asset, newest
//! first, and before them oldest first, rather than among photos taken when they were
//! uploaded.

use crate::helpers::spawn_app_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undated_assets_sort_after_dated_ones_newest_first() {
    let app = spawn_app_with(|_| {}, true).await;
    // Uploaded first, so the undated PNG is the newest upload of the three.
    let kodak = app.ready("images/camera/Kodak_CX7530.jpg").await; // taken 2005
    let canon = app.ready("images/camera/Canon_40D.jpg").await; // taken 2008
    let undated = app.ready("images/png/transparent_rgba.png").await;
    let (_, png) = app.get_json(&format!("/api/v1/assets/{undated}")).await;
    assert!(png["taken_at"].is_null(), "{png}");

    assert_eq!(
        app.search("sort=-taken_at").await,
        [canon.clone(), kodak.clone(), undated.clone()]
    );
    assert_eq!(app.search("sort=taken_at").await, [undated, kodak, canon]);
    // Page by page, the cursor crosses from dated to undated assets.
    let (_, first) = app.get_json("/api/v1/assets?sort=-taken_at&limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get_json(&format!(
            "/api/v1/assets?sort=-taken_at&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(rest["items"][0]["id"], png["id"]);
}
