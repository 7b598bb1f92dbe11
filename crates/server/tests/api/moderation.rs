//! Moderation over HTTP: each namespace policy's consequences and an admin's clearance.
//!
//! The corpus holds no picture open_nsfw scores as not safe for work (and the tests make
//! none), so the policies are driven with `analysis.moderation_threshold = 0`: every
//! scored picture is at or above it. With the default threshold (0.8) a cat photo is
//! clear, which shows the score is read and compared.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, spawn_app, spawn_app_with, tag_sources};

const WAIT: Duration = Duration::from_secs(60);
const CAT: &str = "images-bad/lying_ext_jpeg_named.heic";

async fn set_policy(app: &TestApp, policy: &str) {
    let (status, namespace) = app
        .send(
            "PATCH",
            "/api/v1/namespaces/default",
            Some(json!({ "moderation": policy })),
        )
        .await;
    assert_eq!(status, 200, "{namespace}");
    assert_eq!(namespace["moderation"], policy);
}

/// Uploads the corpus's cat photo under `name`, waits for its analysis: the asset then.
async fn analysed(app: &TestApp, name: &str) -> Value {
    let bytes = std::fs::read(corpus().join(CAT)).unwrap();
    let mut bytes = bytes;
    // A different file each time (a byte after the JPEG's end), so none is a duplicate.
    bytes.extend_from_slice(name.as_bytes());
    let (status, asset) = app.upload_bytes(&format!("{name}.jpg"), bytes).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap();
    app.wait_processed(id, WAIT).await;
    app.wait_analysed(id, WAIT).await
}

fn id(asset: &Value) -> String {
    asset["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_safe_photo_is_clear_under_the_default_threshold() {
    let app = spawn_app().await;
    set_policy(&app, "reject").await;
    let cat = analysed(&app, "cat").await;
    let moderation = &cat["analysis"]["moderation"];
    assert_eq!(moderation["status"], "ok", "{cat}");
    let score = moderation["output"]["nsfw"].as_f64().unwrap();
    assert!(score < 0.2, "a cat's face scores {score}");
    assert_eq!(cat["moderation"], "clear");
    assert_eq!(cat["status"], "ready");
    let (status, bad) = app
        .send(
            "PATCH",
            "/api/v1/namespaces/default",
            Some(json!({ "moderation": "ban" })),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("off, flag, private or reject")
    );
}

#[tokio::test]
async fn each_policy_flags_holds_or_rejects_and_an_admin_clears() {
    let app = spawn_app_with(|s| s.analysis.moderation_threshold = 0.0, true).await;

    // Off: scored, nothing happens.
    let off = analysed(&app, "off").await;
    assert_eq!(off["moderation"], "clear", "{off}");

    // Flag: tagged and found; clearing takes the tag off, and a rerun leaves it off.
    set_policy(&app, "flag").await;
    let flagged = analysed(&app, "flagged").await;
    assert_eq!(flagged["moderation"], "flagged", "{flagged}");
    assert!(tag_sources(&flagged).contains(&("nsfw".into(), "auto".into())));
    let (_, found) = app.get_json("/api/v1/assets?moderation=flagged").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["id"], flagged["id"]);
    let flagged_id = id(&flagged);
    let (status, cleared) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{flagged_id}/moderation/clear"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!(cleared["moderation"], "cleared");
    assert!(!tag_sources(&cleared).iter().any(|(slug, _)| slug == "nsfw"));
    let (status, again) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{flagged_id}/moderation/clear"),
            None,
        )
        .await;
    assert_eq!((status, &again["error"]["code"]), (409, &json!("conflict")));
    let (status, job) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{flagged_id}/analyse?analysers=moderation"),
            None,
        )
        .await;
    assert_eq!(status, 202, "{job}");
    app.wait_job(job["id"].as_str().unwrap(), WAIT, |j| {
        j["status"] == "succeeded"
    })
    .await;
    let (_, rerun) = app.get_json(&format!("/api/v1/assets/{flagged_id}")).await;
    assert_eq!(rerun["moderation"], "cleared", "a rerun respects the admin");
    assert!(!tag_sources(&rerun).iter().any(|(slug, _)| slug == "nsfw"));

    // Private: a public upload becomes private and stays so until cleared.
    set_policy(&app, "private").await;
    let bytes = std::fs::read(corpus().join(CAT)).unwrap();
    let mut bytes = bytes;
    bytes.extend_from_slice(b"held");
    let (status, held) = app.upload_bytes("held.jpg", bytes).await;
    assert_eq!(status, 201, "{held}");
    let held_id = id(&held);
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/assets/{held_id}"),
            Some(json!({"is_public": true})),
        )
        .await;
    assert_eq!(status, 200);
    app.wait_processed(&held_id, WAIT).await;
    let held = app.wait_analysed(&held_id, WAIT).await;
    assert_eq!(
        (&held["moderation"], &held["is_public"]),
        (&json!("held"), &json!(false)),
        "{held}"
    );
    let held_path = format!("/api/v1/assets/{held_id}");
    let publish = || app.send("PATCH", &held_path, Some(json!({"is_public": true})));
    let (status, refused) = publish().await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("moderation_hold")),
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("admin must clear it")
    );
    let (status, bulk) = app
        .send(
            "POST",
            "/api/v1/assets/bulk",
            Some(json!({"action": "set_public", "ids": [held_id], "is_public": true})),
        )
        .await;
    assert_eq!(status, 409, "{bulk}");
    assert_eq!(bulk["error"]["code"], "bulk_refused");
    assert_eq!(
        bulk["results"][0]["error"]["code"], "moderation_hold",
        "{bulk}"
    );
    let (status, _) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{held_id}/moderation/clear"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, public) = publish().await;
    assert_eq!(
        (status, &public["is_public"]),
        (200, &json!(true)),
        "{public}"
    );

    // Reject: the asset fails with a sentence; clearing makes it ready again.
    set_policy(&app, "reject").await;
    let rejected = analysed(&app, "rejected").await;
    assert_eq!(rejected["moderation"], "rejected", "{rejected}");
    assert_eq!(rejected["status"], "failed");
    assert!(
        rejected["error"]
            .as_str()
            .unwrap()
            .contains("content policy")
    );
    let rejected_id = id(&rejected);
    let (status, back) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{rejected_id}/moderation/clear"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(
        (&back["status"], &back["error"]),
        (&json!("ready"), &Value::Null)
    );
}
