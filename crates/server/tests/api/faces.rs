//! Faces over HTTP, on the corpus's film poster (a man walking, his face small near the
//! top): the face is in the asset's analysis, tags it `people`, is searchable by count,
//! and `g_face` crops keep it where a centre crop cuts it off.

use std::time::Duration;

use medialib_core::config::Unsigned;
use serde_json::Value;

use crate::helpers::{TestApp, corpus, tag_sources};
use crate::transforms::{app_with, fetch, img, publish};

const WAIT: Duration = Duration::from_secs(60);

async fn analysed(app: &TestApp, id: &str) -> Value {
    app.wait_processed(id, WAIT).await;
    app.wait_analysed(id, WAIT).await
}

async fn upload(app: &TestApp, filename: &str, bytes: Vec<u8>) -> Value {
    let (status, asset) = app.upload_bytes(filename, bytes).await;
    assert_eq!(status, 201, "{asset}");
    analysed(app, asset["id"].as_str().unwrap()).await
}

fn faces(asset: &Value) -> &Vec<Value> {
    let faces = &asset["analysis"]["faces"];
    assert_eq!(faces["status"], "ok", "{asset}");
    faces["output"]["faces"].as_array().unwrap()
}

/// The ids of a page of assets, in order.
pub fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_face_is_found_tagged_searchable_and_kept_by_face_crops() {
    let app = app_with(|s| s.transforms.unsigned = Unsigned::All).await;
    let poster_bytes = std::fs::read(corpus().join("images/camera/no_exif_xmp.jpg")).unwrap();
    let poster = upload(&app, "poster.jpg", poster_bytes).await;
    let id = poster["id"].as_str().unwrap();
    let found = faces(&poster);
    assert_eq!(found.len(), 1, "{poster}");
    let face = &found[0];
    let (x, y) = (face["x"].as_f64().unwrap(), face["y"].as_f64().unwrap());
    let (w, h) = (
        face["width"].as_f64().unwrap(),
        face["height"].as_f64().unwrap(),
    );
    // 322 × 466 pixels; the face spans about x 194–235 and y 24–65.
    assert!(x < 0.66 && 0.66 < x + w && y < 0.1 && 0.1 < y + h, "{face}");
    assert!(w < 0.25 && h < 0.2, "a small face: {face}");
    assert!(face["confidence"].as_f64().unwrap() >= 0.6);
    let nose = &face["landmarks"]["nose"];
    assert!((x..x + w).contains(&nose["x"].as_f64().unwrap()), "{face}");
    assert!(
        tag_sources(&poster).contains(&("people".into(), "auto".into())),
        "{poster}"
    );

    // Searchable by count; assets without faces, and assets not yet analysed, are apart.
    let beach = std::fs::read(corpus().join("images/jpeg/progressive_icc.jpg")).unwrap();
    let beach = upload(&app, "beach.jpg", beach).await;
    assert!(faces(&beach).is_empty(), "{beach}");
    let beach_id = beach["id"].as_str().unwrap();
    let (_, with) = app.get_json("/api/v1/assets?faces_min=1").await;
    assert_eq!(ids(&with), [id], "{with}");
    let (_, without) = app.get_json("/api/v1/assets?faces_max=0").await;
    assert_eq!(ids(&without), [beach_id], "{without}");
    let (_, one) = app
        .get_json("/api/v1/assets?faces_min=1&faces_max=1&q=poster")
        .await;
    assert_eq!(ids(&one), [id], "{one}");
    let (status, bad) = app.get_json("/api/v1/assets?faces_min=many").await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["error"]["code"], "invalid_query");

    // A square crop of the tall poster: the centre one cuts the face off (it ends at
    // y 65 of 466, the crop starts at 72); `g_face` keeps it. Each crop is uploaded
    // back and analysed, so the detector itself says whether a face is in it.
    publish(&app, id).await;
    let poster = app.wait_analysed(id, WAIT).await;
    let mut counts = Vec::new();
    for ops in ["w_200,h_200,c_fill,g_face", "w_200,h_200,c_fill"] {
        let crop = fetch(&app, &img(&poster, ops, "png"), None).await;
        assert_eq!(crop.status, 200, "{ops}: {}", crop.message);
        let copy = upload(&app, "crop.png", crop.body).await;
        counts.push((ops, faces(&copy).len()));
    }
    assert_eq!(
        counts,
        [("w_200,h_200,c_fill,g_face", 1), ("w_200,h_200,c_fill", 0)]
    );
}
