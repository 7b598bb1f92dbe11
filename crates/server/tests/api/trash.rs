//! Emptying the trash before its retention: a chosen few (`purge` in bulk), or all of
//! one's own (`DELETE /api/v1/trash`). Only assets in the trash go, and their bytes with
//! them.

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use serde_json::json;

use crate::helpers::{corpus, member, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trash_is_emptied_for_good_whole_or_in_part() {
    let app = spawn_app_with(|_| {}, true).await;
    let first = app.ready("images/camera/Canon_40D.jpg").await;
    let second = app.ready("images/png/transparent_rgba.png").await;
    let (_, editor) = member(&app, "editor", NamespaceId(1), Role::Editor).await;
    let bytes = std::fs::read(corpus().join("images/camera/Iceland-sRGB.jpg")).unwrap();
    let (status, theirs) = app.upload_as(&editor, "Iceland-sRGB.jpg", bytes).await;
    assert_eq!(status, 201, "{theirs}");
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    let purge = |ids: Vec<&str>| json!({"action": "purge", "ids": ids});

    // A live asset is not purged: it goes to the trash first. Nothing changes.
    let (status, report) = app
        .send("POST", "/api/v1/assets/bulk", Some(purge(vec![&first])))
        .await;
    assert_eq!(status, 409, "{report}");
    assert_eq!(report["results"][0]["error"]["code"], "not_deleted");
    assert_eq!(
        app.get_json(&format!("/api/v1/assets/{first}")).await.0,
        200
    );

    for id in [&first, &second] {
        let (status, _) = app
            .send("DELETE", &format!("/api/v1/assets/{id}"), None)
            .await;
        assert_eq!(status, 204);
    }
    let originals = app.blob_keys("originals").await.len();
    assert_eq!(originals, 3);
    let (status, report) = app
        .send("POST", "/api/v1/assets/bulk", Some(purge(vec![&first])))
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["results"][0]["status"], "ok");
    assert_eq!(
        app.get_json(&format!("/api/v1/assets/{first}")).await.0,
        404
    );
    assert_eq!(app.blob_keys("originals").await.len(), 2);
    assert!(app.blob_keys(&format!("variants/{first}")).await.is_empty());
    assert_eq!(
        app.search("deleted=true").await,
        std::slice::from_ref(&second)
    );

    // An editor empties their own part of the trash, not the admin's.
    let (status, _) = app
        .request_as(
            &editor,
            reqwest::Method::DELETE,
            &format!("/api/v1/assets/{theirs}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, emptied) = app
        .request_as(&editor, reqwest::Method::DELETE, "/api/v1/trash", None)
        .await;
    assert_eq!((status, emptied["purged"].as_u64()), (200, Some(1)));
    assert_eq!(
        app.search("deleted=true").await,
        std::slice::from_ref(&second)
    );
    // Nor may they purge the admin's by name.
    let (status, _) = app
        .request_as(
            &editor,
            reqwest::Method::POST,
            "/api/v1/assets/bulk",
            Some(purge(vec![&second])),
        )
        .await;
    assert_eq!(status, 403);

    let (status, emptied) = app.send("DELETE", "/api/v1/trash", None).await;
    assert_eq!((status, emptied["purged"].as_u64()), (200, Some(1)));
    assert!(app.search("deleted=true").await.is_empty());
    assert!(app.blob_keys("originals").await.is_empty());
    // An empty trash empties again, purging nothing.
    let (status, emptied) = app.send("DELETE", "/api/v1/trash", None).await;
    assert_eq!((status, emptied["purged"].as_u64()), (200, Some(0)));
}
