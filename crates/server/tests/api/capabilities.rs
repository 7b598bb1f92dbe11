//! `GET /api/v1/capabilities`: what it reports is what the server enforces.

use serde_json::Value;

use crate::helpers::{corpus, spawn_app_with};

/// One file of each accepted format, by path under the corpus.
const ONE_OF_EACH: &[&str] = &[
    "images/jpeg/exif_gps_tiny.jpg",
    "images/png/transparent_rgba.png",
    "images/gif/transparent.gif",
    "images/webp/hopper_lossy.webp",
    "images/tiff/cmyk_jpeg.tif",
    "images/bmp/hopper.bmp",
    "images/ico/python.ico",
    "images/heif/thumbor_image.heic",
    "images/avif/hopper.avif",
    "images/jxl/small.jxl",
    "images/svg/commons-logo.svg",
    "video/h264_aac_320x180_1s.mp4",
    "video/h264_aac_earth.mov",
    "video/vp9_opus_buck_bunny.webm",
    "video/h264_multi_cluster.mkv",
    "video/h264_aac_earth.avi",
    "audio/mp3_id3v2_silence.mp3",
    "audio/m4a_aac_tagged.m4a",
    "audio/ogg_vorbis_multipage_comment.ogg",
    "audio/opus.opus",
    "audio/flac_silence_tagged.flac",
    "audio/wav_pcm_u8_16k.wav",
    "audio/aiff_id3.aif",
    "docs/small_130b.pdf",
    "docs/Random.docx",
    "docs/libreoffice-form.odt",
    "docs/accentué.txt",
    "models3d/BoxTextured_embedded.gltf",
    "models3d/Box.glb",
    "models3d/box.obj",
    "models3d/triangle_ascii.stl",
];

/// The format entry of `caps` whose kind and MIME types match.
fn format_of<'a>(caps: &'a Value, kind: &str, mime: &str) -> Option<&'a Value> {
    caps["formats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == kind && f["mimes"].as_array().unwrap().iter().any(|m| m == mime))
}

#[tokio::test]
async fn every_accepted_corpus_file_is_listed_with_its_kind_type_and_extension() {
    let app = spawn_app_with(|_| {}, false).await;
    let (status, caps) = app.get_json("/api/v1/capabilities").await;
    assert_eq!(status, 200, "{caps}");
    for path in ONE_OF_EACH {
        let bytes = std::fs::read(corpus().join(path)).unwrap();
        let name = path.rsplit('/').next().unwrap();
        let (status, body) = app.upload_bytes(name, bytes).await;
        assert_eq!(status, 201, "{path}: {body}");
        let (kind, mime) = (
            body["kind"].as_str().unwrap(),
            body["mime"].as_str().unwrap(),
        );
        let format = format_of(&caps, kind, mime)
            .unwrap_or_else(|| panic!("{path} became {kind} {mime}, which is not listed"));
        let ext = name.rsplit('.').next().unwrap().to_lowercase();
        let listed = format["extensions"].as_array().unwrap();
        assert!(
            listed.iter().any(|e| e == &ext),
            "{path}: .{ext} not in {format}"
        );
    }
}

#[tokio::test]
async fn limits_quota_and_presets_are_the_configured_ones() {
    let file = std::fs::read(corpus().join("images/jpeg/exif_gps_tiny.jpg")).unwrap();
    let max_upload = 3 * file.len() as u64;
    let app = spawn_app_with(
        |s| {
            s.limits.max_upload_bytes = max_upload;
            s.limits.max_image_side = 5000;
            s.quotas.assets = Some(7);
            s.transforms.presets.insert(
                "card".into(),
                medialib_core::config::TransformPreset {
                    ops: "w_400,h_300,c_fill".into(),
                },
            );
        },
        false,
    )
    .await;
    let (status, _) = app.upload_bytes("a.jpg", file.clone()).await;
    assert_eq!(status, 201);

    let (_, caps) = app.get_json("/api/v1/capabilities").await;
    assert_eq!(caps["limits"]["max_upload_bytes"], max_upload);
    assert_eq!(caps["protocols"]["tus"]["max_size"], max_upload);
    assert_eq!(caps["limits"]["max_image_side"], 5000);
    assert_eq!(caps["quota"]["assets"], 1);
    assert_eq!(caps["quota"]["bytes"], file.len());
    assert_eq!(caps["quota"]["max_assets"], 7);
    assert_eq!(caps["quota"]["max_bytes"], Value::Null);
    let presets = caps["transforms"]["presets"].as_array().unwrap();
    assert!(
        presets
            .iter()
            .any(|p| p["name"] == "card" && p["ops"] == "w_400,h_300,c_fill"),
        "{presets:?}"
    );
    let tus = &caps["protocols"]["tus"];
    assert!(
        tus["endpoint"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/uploads")
    );
    assert!(
        tus["extensions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "creation")
    );

    // The reported limit is the enforced one: one byte over it is refused.
    let mut over = file;
    over.resize(max_upload as usize + 1, 0);
    let (status, body) = app.upload_bytes("big.jpg", over).await;
    assert_eq!(status, 413, "{body}");
}
