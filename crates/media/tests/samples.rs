//! The wider formats on real files from other software (`tests/samples`, sources and
//! licences in its README): each is sniffed (zip packages by their directory), then probed
//! by its kind's reader, and its facts compared with `manifest.json`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use medialib_core::{AssetKind, VariantSpec};
use medialib_media::av::{self, AvLimits, Probed};
use medialib_media::{
    Detected, EncodeSettings, ImageLimits, document, model3d, process, sniff, sniff_package,
    text_by_name, validate,
};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(samples_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Sniffs a sample as the server does: the first 8 KiB, the zip directory, the name.
fn detect(path: &Path) -> Detected {
    let bytes = std::fs::read(path).unwrap();
    let head = &bytes[..bytes.len().min(8192)];
    let detected = sniff(head, bytes.len() as u64)
        .unwrap_or_else(|| panic!("{}: nothing detected", path.display()));
    let detected = sniff_package(head, path).unwrap_or(detected);
    text_by_name(detected, &path.file_name().unwrap().to_string_lossy())
}

fn kind(name: &str) -> AssetKind {
    match name {
        "video" => AssetKind::Video,
        "audio" => AssetKind::Audio,
        "document" => AssetKind::Document,
        "image" => AssetKind::Image,
        "model3d" => AssetKind::Model3d,
        other => panic!("unknown kind {other}"),
    }
}

fn near(actual: f64, expected: &Value, what: &str) {
    let expected = expected.as_f64().unwrap();
    assert!(
        (actual - expected).abs() < 0.05,
        "{what}: {actual} s, expected {expected} s"
    );
}

#[test]
fn every_sample_is_detected_as_its_manifest_says() {
    for entry in manifest() {
        let rel = entry["path"].as_str().unwrap();
        let detected = detect(&samples_dir().join(rel));
        assert_eq!(detected.mime, entry["mime"], "{rel}");
        // Sniffing sees an ASF container; ffprobe later finds only audio in a WMA.
        let sniffed = entry["detected_kind"].as_str().or(entry["kind"].as_str());
        assert_eq!(detected.kind, kind(sniffed.unwrap()), "{rel}");
        let name = rel.rsplit('/').next().unwrap();
        medialib_media::check_extension(name, &detected)
            .unwrap_or_else(|e| panic!("{rel}: its own extension is refused: {e}"));
    }
}

#[test]
fn video_and_audio_samples_probe_with_their_facts() {
    let limits = AvLimits::default();
    for entry in manifest() {
        let rel = entry["path"].as_str().unwrap();
        let probed = match entry["kind"].as_str() {
            Some("video" | "audio") => av::probe(&samples_dir().join(rel), &limits),
            _ => continue,
        };
        match probed {
            Ok(Probed::Video(v)) => {
                assert_eq!(entry["kind"], "video", "{rel}");
                assert_eq!((v.width, v.height), dims(&entry), "{rel}");
                near(v.duration_s, &entry["duration_s"], rel);
                assert_eq!(v.video_codec, entry["video_codec"], "{rel}");
                assert_eq!(
                    v.audio_codec.as_deref(),
                    entry["audio_codec"].as_str(),
                    "{rel}"
                );
            }
            Ok(Probed::Audio(a)) => {
                assert_eq!(entry["kind"], "audio", "{rel}");
                near(a.duration_s, &entry["duration_s"], rel);
                assert_eq!(a.codec, entry["codec"], "{rel}");
                assert_eq!(u64::from(a.sample_rate), entry["sample_rate"], "{rel}");
                assert_eq!(u64::from(a.channels), entry["channels"], "{rel}");
            }
            Err(e) => panic!("{rel}: {e}"),
        }
    }
}

fn dims(entry: &Value) -> (u32, u32) {
    let side = |k: &str| entry[k].as_u64().unwrap() as u32;
    (side("width"), side("height"))
}

#[test]
fn image_samples_make_variants_or_are_refused_cleanly() {
    let limits = ImageLimits::default();
    for entry in manifest().into_iter().filter(|e| e["kind"] == "image") {
        let rel = entry["path"].as_str().unwrap();
        let bytes = std::fs::read(samples_dir().join(rel)).unwrap();
        let format = detect(&samples_dir().join(rel)).format.unwrap();
        let validated = std::panic::catch_unwind(|| validate(&bytes, format, &limits))
            .unwrap_or_else(|_| panic!("{rel}: validation panicked"));
        if entry["refused"].is_string() {
            let err = validated.expect_err(rel);
            assert!(
                matches!(
                    err.code().as_str(),
                    "corrupt_image" | "unsupported_media_type"
                ),
                "{rel}: {err} ({})",
                err.code().as_str()
            );
            continue;
        }
        let info = validated.unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!((info.width, info.height), dims(&entry), "{rel}");
        let specs = VariantSpec::defaults();
        let done = process(&bytes, format, &specs, &limits, &EncodeSettings::default())
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(done.variants.len(), 2 * specs.len(), "{rel}");
        for fact in ["camera_make", "camera_model", "taken_at"] {
            let recorded = serde_json::to_value(&done.metadata).unwrap()[fact].clone();
            if !entry[fact].is_null() {
                assert_eq!(recorded, entry[fact], "{rel}: {fact}");
            }
        }
        // A picture, not a blank: the variants differ from one flat colour.
        let thumb = image::load_from_memory(&done.variants[0].bytes)
            .unwrap()
            .to_rgb8();
        let first = thumb.get_pixel(0, 0);
        assert!(thumb.pixels().any(|p| p != first), "{rel}: a flat variant");
    }
}

#[test]
fn document_samples_have_their_format_and_text() {
    for entry in manifest().into_iter().filter(|e| e["kind"] == "document") {
        let rel = entry["path"].as_str().unwrap();
        let path = samples_dir().join(rel);
        let mime = entry["mime"].as_str().unwrap();
        let meta = document::probe(&path, mime, TIMEOUT).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(meta.format, entry["format"], "{rel}");
        if let Some(title) = entry["title"].as_str() {
            assert_eq!(meta.title.as_deref(), Some(title), "{rel}");
        }
        let text = document::extract_text(&path, &meta, 1 << 20, TIMEOUT)
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        if let Some(expected) = entry["text"].as_str() {
            let text = text.unwrap_or_default();
            assert!(
                text.contains(expected),
                "{rel}: {expected:?} not in {text:.200}"
            );
        }
    }
}

#[test]
fn model_samples_count_and_draw() {
    for entry in manifest().into_iter().filter(|e| e["kind"] == "model3d") {
        let rel = entry["path"].as_str().unwrap();
        let bytes = std::fs::read(samples_dir().join(rel)).unwrap();
        let mime = entry["mime"].as_str().unwrap();
        let meta = model3d::probe(&bytes, mime).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(meta.format, entry["format"], "{rel}");
        assert_eq!(meta.vertex_count, entry["vertex_count"], "{rel}");
        assert_eq!(meta.triangle_count, entry["triangle_count"], "{rel}");
        let png = model3d::render_preview(&bytes, mime, 64, 48).unwrap();
        let preview = image::load_from_memory(&png).unwrap();
        assert_eq!((preview.width(), preview.height()), (64, 48), "{rel}");
        let glb = model3d::to_glb(&bytes, mime).unwrap();
        assert!(glb.starts_with(b"glTF"), "{rel}");
    }
}
