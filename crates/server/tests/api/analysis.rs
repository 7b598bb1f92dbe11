//! Analysis over HTTP: queued after processing, places from GPS and tags from facts on
//! real corpus photos, tags editors accept or reject, reruns, and what happens without
//! the models.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, corpus, spawn_app, spawn_app_with, tag_slugs, tag_sources};

const WAIT: Duration = Duration::from_secs(60);

/// Uploads a corpus file and waits for its processing and then its analysis to end;
/// returns the asset as it is then.
async fn analysed(app: &TestApp, path: &str) -> Value {
    let (status, asset) = app.upload(&corpus().join(path)).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap().to_owned();
    app.wait_processed(&id, WAIT).await;
    app.wait_analysed(&id, WAIT).await
}

#[tokio::test]
async fn a_gps_photo_is_tagged_with_its_place_and_facts_and_found_by_them() {
    let app = spawn_app().await;
    // A Nikon D70s photo, 1488×2240, taken at 14:39 at 43.7856° N 11.2346° E: Florence.
    let asset = analysed(&app, "images/camera/nikon_d70s_gps.jpg").await;
    let places = &asset["analysis"]["places"];
    assert_eq!(places["status"], "ok", "{asset}");
    assert_eq!(places["output"]["city"], "Florence");
    assert_eq!(places["output"]["region"], "Tuscany");
    assert_eq!(places["output"]["country"], "Italy");
    assert_eq!(places["output"]["country_code"], "IT");
    assert!(places["model"].as_str().unwrap().contains("GeoNames"));
    assert_eq!(asset["analysis"]["facts"]["status"], "ok");
    let auto = |slug: &str| (slug.to_owned(), "auto".to_owned());
    let tags = tag_sources(&asset);
    for expected in [
        "florence",
        "tuscany",
        "italy",
        "portrait",
        "afternoon",
        "nikon-d70s",
    ] {
        assert!(
            tags.contains(&auto(expected)),
            "{expected} missing: {tags:?}"
        );
    }
    assert!(
        asset["tags"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["confidence"].as_f64().is_some_and(|c| c > 0.3)),
        "{asset}"
    );

    // The place is searchable like any tag.
    let (status, found) = app.get_json("/api/v1/assets?q=florence").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["items"][0]["id"], asset["id"], "{found}");

    // An editor keeps one tag and rejects another; a rerun respects both.
    let id = asset["id"].as_str().unwrap();
    let review = |slug: &str, verdict: &str| {
        app.client
            .post(app.url(&format!("/api/v1/assets/{id}/tags/{slug}/{verdict}")))
            .send()
    };
    let accepted: Value = review("italy", "accept")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tag_sources(&accepted).contains(&("italy".into(), "user".into())));
    let rejected = review("florence", "reject").await.unwrap();
    assert_eq!(rejected.status(), 200);
    let rejected: Value = rejected.json().await.unwrap();
    assert!(!tag_slugs(&rejected).contains(&"florence"), "{rejected}");
    let again = review("florence", "reject").await.unwrap();
    assert_eq!(
        again.status(),
        404,
        "a tag no longer on the asset cannot be reviewed"
    );

    let rerun = app
        .client
        .post(app.url(&format!("/api/v1/assets/{id}/analyse?analysers=places")))
        .send()
        .await
        .unwrap();
    assert_eq!(rerun.status(), 202);
    let job: Value = rerun.json().await.unwrap();
    assert_eq!(
        (job["kind"].as_str(), job["profile"].as_str()),
        (Some("analyse"), Some("places"))
    );
    app.wait_job(job["id"].as_str().unwrap(), WAIT, |j| {
        j["status"] == "succeeded"
    })
    .await;
    let after = app.wait_analysed(id, WAIT).await;
    let tags = tag_sources(&after);
    assert!(!tags.iter().any(|(slug, _)| slug == "florence"), "{tags:?}");
    assert!(tags.contains(&("italy".into(), "user".into())), "{tags:?}");
    assert!(
        tags.contains(&auto("tuscany")) && tags.contains(&auto("afternoon")),
        "{tags:?}"
    );
}

#[tokio::test]
async fn a_cat_photo_is_labelled_and_tagged_cat_from_its_picture() {
    let app = spawn_app().await;
    // A long-haired tabby's face filling the frame (a JPEG, named .heic by mistake).
    let cat = std::fs::read(corpus().join("images-bad/lying_ext_jpeg_named.heic")).unwrap();
    let (status, asset) = app.upload_bytes("cat.jpg", cat).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap();
    app.wait_processed(id, WAIT).await;
    let asset = app.wait_analysed(id, WAIT).await;
    let labels = &asset["analysis"]["labels"];
    assert_eq!(labels["status"], "ok", "{asset}");
    assert!(
        labels["model"]
            .as_str()
            .unwrap()
            .contains("EfficientNet-Lite0")
    );
    let top = labels["output"]["labels"][0]["name"].as_str().unwrap();
    assert!(
        ["tabby", "tiger cat", "Persian cat"].contains(&top),
        "{labels}"
    );
    let tags = tag_sources(&asset);
    for expected in ["cat", "pet", "animal"] {
        assert!(
            tags.contains(&(expected.into(), "auto".into())),
            "{expected}: {tags:?}"
        );
    }
    assert!(!tags.iter().any(|(slug, _)| slug == "dog"), "{tags:?}");
    let (_, found) = app.get_json("/api/v1/assets?q=cat").await;
    assert_eq!(found["items"][0]["id"], asset["id"], "{found}");
}

#[tokio::test]
async fn analysis_skips_what_does_not_apply_and_refuses_what_cannot_be_done() {
    let app = spawn_app().await;
    // No GPS in this Canon 40D sample: places is skipped with a reason, facts still run.
    let asset = analysed(&app, "images/camera/Canon_40D.jpg").await;
    assert_eq!(asset["status"], "ready");
    let places = &asset["analysis"]["places"];
    assert_eq!(places["status"], "skipped", "{asset}");
    assert_eq!(places["reason"], "The file records no GPS position.");
    assert!(tag_slugs(&asset).contains(&"canon-eos-40d"), "{asset}");

    let id = asset["id"].as_str().unwrap();
    let post = |path: String| app.client.post(app.url(&path)).send();
    let bad = post(format!(
        "/api/v1/assets/{id}/analyse?analysers=places,colours"
    ))
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_query");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colours")
    );
    let unknown = post(format!("/api/v1/assets/{id}/tags/never-made/reject"))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    // Without workers the next upload stays processing: nothing to analyse yet.
    let idle = spawn_app_with(|_| {}, false).await;
    let (_, pending) = idle
        .upload(&corpus().join("images/camera/Canon_40D.jpg"))
        .await;
    let pending = pending["id"].as_str().unwrap();
    let early = idle
        .client
        .post(idle.url(&format!("/api/v1/assets/{pending}/analyse")))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 409);
    let body: Value = early.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_ready");
}

#[tokio::test]
async fn without_the_models_the_analysers_are_off_and_processing_still_works() {
    let empty = tempfile::tempdir().unwrap();
    let models = empty.path().to_owned();
    let app = spawn_app_with(move |s| s.analysis.models_dir = models, true).await;
    let (_, capabilities) = app.get_json("/api/v1/capabilities").await;
    let places = capabilities["analysers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "places")
        .unwrap()
        .clone();
    assert_eq!(places["state"], "unavailable", "{capabilities}");
    assert!(
        places["reason"]
            .as_str()
            .unwrap()
            .contains("geonames_cities.json.gz")
    );
    let states: Vec<(&str, &str)> = capabilities["analysers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("facts", "ready"),
            ("places", "unavailable"),
            ("labels", "unavailable"),
            ("faces", "unavailable"),
            ("text", "unavailable"),
            ("moderation", "unavailable"),
            ("remote", "disabled")
        ]
    );
    assert_eq!(capabilities["features"]["analysis"], true);

    let asset = analysed(&app, "images/camera/nikon_d70s_gps.jpg").await;
    assert_eq!(asset["status"], "ready");
    assert!(!asset["variants"].as_array().unwrap().is_empty());
    let places = &asset["analysis"]["places"];
    assert_eq!(places["status"], "skipped", "{asset}");
    assert!(
        places["reason"].as_str().unwrap().contains("not available"),
        "{places}"
    );
    let labels = &asset["analysis"]["labels"];
    assert_eq!(labels["status"], "skipped", "{asset}");
    let reason = labels["reason"].as_str().unwrap();
    assert!(
        reason.contains("libonnxruntime.so is not installed"),
        "{labels}"
    );
    assert!(
        tag_slugs(&asset).contains(&"portrait"),
        "facts still tag: {asset}"
    );
}

#[tokio::test]
async fn with_analysis_off_no_job_is_queued() {
    let app = spawn_app_with(|s| s.analysis.enabled = false, true).await;
    let (_, asset) = app
        .upload(&corpus().join("images/camera/Canon_40D.jpg"))
        .await;
    let asset = app
        .wait_processed(asset["id"].as_str().unwrap(), WAIT)
        .await;
    let kinds: Vec<&str> = asset["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["process_image"]);
    assert!(asset["tags"].as_array().unwrap().is_empty());
}
