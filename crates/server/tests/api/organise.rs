//! Finding and organising real uploads over HTTP: search and filters, tags, collections,
//! usage guards, bulk actions, trash and its purge, near-duplicates and analytics.

use std::time::Duration;

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, corpus, eventually, item_ids, member, spawn_app, spawn_app_with, tag_slugs,
};

const WAIT: Duration = Duration::from_secs(60);

impl TestApp {
    /// Sends a JSON request; returns status and JSON body (`null` when empty).
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Uploads a corpus file and waits until it is processed; returns its id.
    pub async fn ready(&self, path: &str) -> String {
        let (status, asset) = self.upload(&corpus().join(path)).await;
        assert_eq!(status, 201, "{path}: {asset}");
        let id = asset["id"].as_str().unwrap().to_owned();
        let done = self.wait_processed(&id, WAIT).await;
        assert_eq!(done["status"], "ready", "{path}: {done}");
        id
    }

    /// The ids a search returns, in order (one page of up to 200).
    pub async fn search(&self, query: &str) -> Vec<String> {
        let (status, page) = self
            .get_json(&format!("/api/v1/assets?limit=200&{query}"))
            .await;
        assert_eq!(status, 200, "{query}: {page}");
        let ids: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(page["total"], ids.len(), "{query}");
        ids
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn search_filters_and_tags_find_what_the_files_contain() {
    // Editors' tags only: analysis's automatic ones are `analysis.rs`'s.
    let app = spawn_app_with(|s| s.analysis.enabled = false, true).await;
    let canon = app.ready("images/camera/Canon_40D.jpg").await; // landscape, Canon
    let fuji = app.ready("images/camera/Fujifilm_FinePix_E500.jpg").await; // portrait
    let kodak = app.ready("images/camera/Kodak_CX7530.jpg").await; // GPS
    let pdf = app.ready("docs/crazyones-pdfa.pdf").await; // text "The Crazy Ones"

    // Text: the camera make, the PDF's words (prefix: "misfit" finds "misfits"), the
    // filename, and nothing for words no file has.
    assert_eq!(app.search("q=canon").await, vec![canon.clone()]);
    assert_eq!(app.search("q=misfit").await, vec![pdf.clone()]);
    assert_eq!(app.search("q=kodak_cx").await, vec![kodak.clone()]);
    assert!(app.search("q=zebra").await.is_empty());

    // Filters from the metadata.
    assert_eq!(app.search("kind=document").await, vec![pdf.clone()]);
    assert_eq!(app.search("has_gps=true").await, vec![kodak.clone()]);
    assert_eq!(
        app.search("orientation=portrait&kind=image").await,
        vec![fuji.clone()]
    );
    assert_eq!(
        sorted(app.search("mime=image/*&orientation=landscape").await),
        sorted(vec![canon.clone(), kodak.clone()])
    );
    assert_eq!(
        app.search("taken_from=2008-01-01&taken_to=2009-01-01")
            .await,
        vec![canon.clone()],
        "Canon_40D was taken 2008-05-30"
    );
    assert_eq!(
        app.search("sort=taken_at&kind=image").await,
        vec![kodak.clone(), fuji.clone(), canon.clone()]
    );

    // Tags: assigned by name, found by slug and by name in the text search.
    let (status, tagged) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{canon}/tags"),
            Some(json!({"tags": ["Main Event", "Press"]})),
        )
        .await;
    assert_eq!(status, 200, "{tagged}");
    assert_eq!(tag_slugs(&tagged), ["main-event", "press"]);
    assert_eq!(tagged["tags"][0]["source"], "user");
    let (status, _) = app
        .send(
            "POST",
            "/api/v1/assets/bulk",
            Some(json!({"action": "tag", "ids": [fuji, kodak], "tags": ["press"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.search("q=main+ev").await, vec![canon.clone()]);
    assert_eq!(
        app.search("tags=press,main-event").await,
        vec![canon.clone()]
    );
    assert_eq!(
        app.search("tags=press,main-event&tag_match=any")
            .await
            .len(),
        3
    );
    let (_, tags) = app.get_json("/api/v1/tags").await;
    let counts: Vec<(String, u64)> = tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap().to_owned(),
                t["asset_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, vec![("main-event".into(), 1), ("press".into(), 3)]);

    // Renaming a tag re-indexes its assets for search; untagging removes it.
    let press = tags["items"][1]["id"].as_i64().unwrap();
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/tags/{press}"),
            Some(json!({"name": "Media Day"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.search("q=media+day").await.len(), 3);
    // Relevance with no words to rank by: every asset ranks the same, newest first.
    assert_eq!(app.search("sort=relevance").await, app.search("").await);
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/assets/{fuji}/tags/press"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.search("tags=press").await.len(), 2);

    // Bad input: clear 4xx, never 500.
    for (query, code) in [
        ("sort=colour", 400),
        ("orientation=round", 400),
        ("created_from=yesterday", 400),
        ("limit=0", 400),
        ("cursor=garbage", 400),
        ("size_min=-5", 400),
        ("unknown=1", 400),
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/assets?{query}")).await;
        assert_eq!(status, code, "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().len() > 10,
            "{query}: {body}"
        );
    }
    let (status, body) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{canon}/tags"),
            Some(json!({"tags": ["!!!"]})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app
        .send("POST", "/api/v1/tags", Some(json!({"name": "Main Event"})))
        .await;
    assert_eq!(status, 409, "the slug main-event is taken");
}

#[tokio::test]
async fn collections_keep_their_order_and_totals() {
    let app = spawn_app().await;
    let a = app.ready("images/camera/Canon_40D.jpg").await;
    let b = app.ready("images/camera/Nikon_D70.jpg").await;
    let c = app.ready("images/camera/Sony_HDR-HC3.jpg").await;
    let (status, gallery) = app
        .send(
            "POST",
            "/api/v1/collections",
            Some(json!({"title": "UFC 300 Weigh-in", "kind": "event_photos", "color": "#ff0000"})),
        )
        .await;
    assert_eq!(status, 201, "{gallery}");
    assert_eq!(gallery["slug"], "ufc-300-weigh-in");
    let id = gallery["id"].as_i64().unwrap();
    let items = format!("/api/v1/collections/{id}/items");
    let (status, after) = app
        .send("POST", &items, Some(json!({"asset_ids": [a, b]})))
        .await;
    assert_eq!(status, 200, "{after}");
    let (_, after) = app
        .send(
            "POST",
            &items,
            Some(json!({"asset_ids": [c], "position": 0})),
        )
        .await;
    assert_eq!(after["item_count"], 3);
    assert_eq!(
        after["total_bytes"],
        7958 + 14034 + 3565,
        "sum of the three originals"
    );
    let (_, page) = app.get_json(&items).await;
    assert_eq!(item_ids(&page), vec![c.clone(), a.clone(), b.clone()]);
    assert_eq!(page["items"][2]["position"], 2);

    let (status, _) = app
        .send("PUT", &items, Some(json!({"asset_ids": [b, c, a]})))
        .await;
    assert_eq!(status, 200);
    let (_, page) = app.get_json(&items).await;
    assert_eq!(item_ids(&page), vec![b.clone(), c.clone(), a.clone()]);
    let (status, body) = app
        .send("PUT", &items, Some(json!({"asset_ids": [b, c]})))
        .await;
    assert_eq!(status, 409, "an order must name every item: {body}");
    assert_eq!(
        sorted(app.search(&format!("collection={id}")).await),
        sorted(vec![a.clone(), b.clone(), c.clone()])
    );

    // A trashed item leaves the listing and the totals, and comes back on restore.
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/assets/{c}"), None)
        .await;
    assert_eq!(status, 204);
    let (_, now) = app.get_json(&format!("/api/v1/collections/{id}")).await;
    assert_eq!(now["item_count"], 2);
    let (status, _) = app
        .send("POST", &format!("/api/v1/assets/{c}/restore"), None)
        .await;
    assert_eq!(status, 200);
    let (_, page) = app.get_json(&items).await;
    assert_eq!(item_ids(&page), vec![b.clone(), c.clone(), a.clone()]);

    let (status, _) = app
        .send("DELETE", &items, Some(json!({"asset_ids": [c]})))
        .await;
    assert_eq!(status, 200);
    let (_, page) = app.get_json(&items).await;
    assert_eq!(item_ids(&page), vec![b, a]);
    let (status, _) = app
        .send(
            "POST",
            &items,
            Some(json!({"asset_ids": ["01900000-0000-7000-8000-000000000000"]})),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn usage_guards_deletion_and_bulk_is_all_or_nothing() {
    let app = spawn_app().await;
    let used = app.ready("images/camera/Canon_40D.jpg").await;
    let free = app.ready("images/camera/Nikon_D70.jpg").await;
    let usage = format!("/api/v1/assets/{used}/usage");
    let body = json!({"entity_type": "article", "entity_id": "42", "usage_type": "featured_image"});
    let (status, recorded) = app.send("POST", &usage, Some(body.clone())).await;
    assert_eq!(status, 201, "{recorded}");
    let (_, again) = app.send("POST", &usage, Some(body)).await;
    assert_eq!(
        again["created_at"], recorded["created_at"],
        "recording again refreshes"
    );
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{used}")).await;
    assert_eq!(asset["usage_count"], 1);
    let (_, list) = app.get_json(&usage).await;
    assert_eq!(list["items"][0]["usage_type"], "featured_image");

    // In use: a plain delete is refused, and so is a bulk delete naming it; the bulk
    // request changes nothing at all, not even the unused asset.
    let (status, body) = app
        .send("DELETE", &format!("/api/v1/assets/{used}"), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("asset_in_use"))
    );
    let (status, report) = app
        .send(
            "POST",
            "/api/v1/assets/bulk",
            Some(json!({"action": "delete", "ids": [free, used]})),
        )
        .await;
    assert_eq!(status, 409, "{report}");
    assert_eq!(report["error"]["code"], "bulk_refused");
    assert_eq!(report["results"][0]["status"], "skipped");
    assert_eq!(report["results"][1]["error"]["code"], "asset_in_use");
    assert_eq!(app.search("").await.len(), 2, "nothing was deleted");

    // Unused listing: only the asset nobody uses (older_than 0s includes brand-new ones).
    let (_, unused) = app.get_json("/api/v1/assets/unused?older_than=0s").await;
    assert_eq!(unused["items"][0]["id"], free.as_str());
    assert_eq!(unused["total"], 1);
    // Not an age, a unit of several bytes, an age before any date: 400, not a panic.
    for wrong in ["soon", "5%C3%A9", "999999999w"] {
        let path = format!("/api/v1/assets/unused?older_than={wrong}");
        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, 400, "{wrong}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{wrong}");
    }

    // Forced, both go to the trash; the trash lists them; restore brings one back.
    let (status, report) = app
        .send(
            "POST",
            "/api/v1/assets/bulk",
            Some(json!({"action": "delete", "ids": [free, used], "force": true})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert!(app.search("").await.is_empty());
    assert_eq!(app.search("deleted=true").await.len(), 2);
    let (status, restored) = app
        .send("POST", &format!("/api/v1/assets/{free}/restore"), None)
        .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["deleted_at"], Value::Null);
    let (status, body) = app
        .send("POST", &format!("/api/v1/assets/{free}/restore"), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("not_deleted"))
    );

    // Removing the usage frees the other; unknown usages and actions are clear errors.
    let (status, _) = app
        .send(
            "DELETE",
            &format!("{usage}?entity_type=article&entity_id=42"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .send(
            "DELETE",
            &format!("{usage}?entity_type=article&entity_id=42"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = app
        .send(
            "POST",
            "/api/v1/assets/bulk",
            Some(json!({"action": "explode", "ids": [free]})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app
        .send(
            "POST",
            "/api/v1/assets/bulk",
            Some(json!({"action": "set_public", "ids": [free], "is_public": true})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{free}")).await;
    assert_eq!(asset["is_public"], true);
}

#[tokio::test]
async fn the_purge_removes_blobs_only_when_no_asset_references_them() {
    let app = spawn_app_with(
        |s| {
            s.maintenance.trash_retention_seconds = 2;
            s.maintenance.purge_interval_seconds = 1;
        },
        true,
    )
    .await;
    let path = corpus().join("images/camera/Canon_40D.jpg");
    let first = app.ready("images/camera/Canon_40D.jpg").await;
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/assets/{first}"), None)
        .await;
    assert_eq!(status, 204);
    // The same bytes again: a new live asset on the same blob as the one in the trash.
    let second = app.ready("images/camera/Canon_40D.jpg").await;
    assert_ne!(first, second);
    assert_eq!(app.blob_keys("originals").await.len(), 1);

    // The first is purged once its retention has passed; the blob stays for the second.
    let purged =
        eventually(|| async { app.get_json(&format!("/api/v1/assets/{first}")).await.0 == 404 })
            .await;
    assert!(purged, "the trashed asset was not purged");
    assert_eq!(app.blob_keys("originals").await.len(), 1);
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{second}")).await;
    let original = app
        .fetch(asset["links"]["original"].as_str().unwrap())
        .await;
    assert_eq!(original, std::fs::read(&path).unwrap());

    // Once the second goes too, nothing is left on disk.
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/assets/{second}"), None)
        .await;
    assert_eq!(status, 204);
    let empty = eventually(|| async {
        app.blob_keys("originals").await.is_empty() && app.blob_keys("variants").await.is_empty()
    })
    .await;
    assert!(empty, "blobs left: {:?}", app.blob_keys("").await);
}

#[tokio::test]
async fn near_duplicates_and_delivery_analytics() {
    let app = spawn_app_with(|s| s.maintenance.stats_flush_seconds = 1, true).await;
    let original = app.ready("images/orientation/Landscape_1.jpg").await;
    let other = app.ready("images/orientation/Portrait_1.jpg").await;
    // A resized, re-encoded copy of the first, uploaded as a new file.
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{original}")).await;
    let medium = asset["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "medium" && v["format"] == "jpeg")
        .unwrap();
    let copy_bytes = app.fetch(medium["url"].as_str().unwrap()).await;
    let (status, copy) = app.upload_bytes("copy.jpg", copy_bytes.clone()).await;
    assert_eq!(status, 201);
    let copy = copy["id"].as_str().unwrap().to_owned();
    app.wait_processed(&copy, WAIT).await;

    let (status, dups) = app.get_json("/api/v1/assets/duplicates").await;
    assert_eq!(status, 200, "{dups}");
    assert_eq!(dups["total"], 1, "{dups}");
    let group: Vec<&str> = dups["groups"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        sorted(group.iter().map(|s| s.to_string()).collect()),
        sorted(vec![original.clone(), copy.clone()])
    );
    assert!(!group.contains(&other.as_str()));
    let (status, _) = app.get_json("/api/v1/assets/duplicates?threshold=99").await;
    assert_eq!(status, 400);

    // Deliveries: three full reads of the original, one ranged read of a variant.
    let original_url = asset["links"]["original"].as_str().unwrap();
    let size = asset["size"].as_u64().unwrap();
    for _ in 0..3 {
        app.fetch(original_url).await;
    }
    let response = app
        .client
        .get(app.url(medium["url"].as_str().unwrap()))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    // The web UI's requests (with the session cookie) are not views.
    let cookie = crate::web_ui::signed_in(&app, "staff").await;
    let staff = reqwest::Client::new()
        .get(app.url(original_url))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(staff.status(), 200);
    staff.bytes().await.unwrap();
    let counted = eventually(|| async {
        let (_, top) = app.get_json("/api/v1/analytics/top?days=1").await;
        top["items"][0]["views"] == 5
    })
    .await;
    assert!(counted, "deliveries were not counted");
    let (_, top) = app.get_json("/api/v1/analytics/top?days=1").await;
    assert_eq!(top["items"][0]["asset"]["id"], original.as_str());
    // The copy's variant fetch above counts for the original (a variant of it) too.
    let bytes = top["items"][0]["bytes"].as_u64().unwrap();
    assert_eq!(bytes, 3 * size + copy_bytes.len() as u64 + 100);

    let (_, storage) = app.get_json("/api/v1/analytics/storage").await;
    assert_eq!(storage["by_kind"][0]["kind"], "image");
    assert_eq!(storage["by_kind"][0]["assets"], 3);
    // The owner (the admin token's user) sees every namespace's size; an admin of one
    // namespace sees none of them.
    assert_eq!(storage["by_namespace"][0]["namespace"], "default");
    let (_, token) = member(&app, "ns-admin", NamespaceId(1), Role::Admin).await;
    let (_, theirs) = app
        .request_as(
            &token,
            reqwest::Method::GET,
            "/api/v1/analytics/storage",
            None,
        )
        .await;
    assert_eq!(theirs["by_kind"], storage["by_kind"]);
    assert_eq!(theirs["by_namespace"], json!([]));
    let (_, uploads) = app.get_json("/api/v1/analytics/uploads?days=7").await;
    let days = uploads["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[6]["assets"], 3, "today: {uploads}");
    let (_, failures) = app.get_json("/api/v1/analytics/failures").await;
    assert_eq!(failures["total"], 0);
}
