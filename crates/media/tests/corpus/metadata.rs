//! Camera, GPS and ICC facts match the manifest (computed with exiftool and libvips), and the
//! GPS position never leaks into a variant.

use medialib_core::VariantSpec;
use medialib_media::{EncodeSettings, ImageLimits, ProcessedImage, process, sniff};

use crate::common::{Entry, manifest};

/// Processes with the thumbnail spec only: metadata does not depend on the variants.
fn processed(entry: &Entry) -> ProcessedImage {
    let bytes = entry.bytes();
    let format = sniff(&bytes, bytes.len() as u64)
        .and_then(|d| d.format)
        .expect("image");
    let specs = &VariantSpec::defaults()[..1];
    process(
        &bytes,
        format,
        specs,
        &ImageLimits::default(),
        &EncodeSettings::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", entry.path))
}

#[test]
fn camera_gps_and_icc_facts_match_the_manifest() {
    let entries: Vec<Entry> = manifest()
        .into_iter()
        .filter(|e| {
            e.path.starts_with("images/")
                && (e.raw["gps"].is_array()
                    || e.str("camera_make").is_some()
                    || e.str("icc_profile").is_some())
        })
        .collect();
    assert!(
        entries.len() >= 30,
        "only {} files with facts",
        entries.len()
    );
    let mut checked_gps = 0;
    let mut failures = Vec::new();
    for entry in &entries {
        let m = processed(entry).metadata;
        let mut fail = |what: String| failures.push(format!("{}: {what}", entry.path));
        if let Some(gps) = entry.raw["gps"].as_array() {
            let (lat, lon) = (gps[0].as_f64().unwrap(), gps[1].as_f64().unwrap());
            match m.gps {
                Some(p) if (p.latitude - lat).abs() < 1e-4 && (p.longitude - lon).abs() < 1e-4 => {
                    checked_gps += 1
                }
                other => fail(format!("gps {other:?}, expected {lat},{lon}")),
            }
        }
        for (key, got) in [
            ("camera_make", &m.camera_make),
            ("camera_model", &m.camera_model),
            ("icc_profile", &m.icc_profile),
        ] {
            if let Some(want) = entry.str(key)
                && got.as_deref() != Some(want.trim())
            {
                fail(format!("{key} {got:?}, expected {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked_gps >= 10,
        "only {checked_gps} GPS positions checked"
    );
}

#[test]
fn exposure_and_capture_time_are_read_with_units() {
    let entry = crate::common::entry("images/heif/iphone11_IMG_5195_gps.HEIC");
    let m = processed(&entry).metadata;
    assert_eq!(m.camera_make.as_deref(), Some("Apple"));
    assert_eq!(
        m.lens.as_deref(),
        Some("iPhone 11 Pro Max back triple camera 4.25mm f/1.8")
    );
    assert_eq!(m.exposure_time_s, Some(1.0 / 391.0));
    assert_eq!(m.f_number, Some(1.8));
    assert_eq!(m.iso, Some(32));
    assert_eq!(m.focal_length_mm, Some(4.25));
    assert_eq!(m.taken_at.as_deref(), Some("2021-04-11T15:47:53-05:00"));
    let gps = m.gps.unwrap();
    assert!((gps.altitude.unwrap() - 260.56).abs() < 0.01);
    assert!(gps.longitude < 0.0, "west is negative");

    let entry = crate::common::entry("images/camera/gps_DSCN0010.jpg");
    let m = processed(&entry).metadata;
    assert_eq!(m.taken_at.as_deref(), Some("2008-10-22T16:28:39"));
    assert_eq!(m.orientation, Some(1));
}

#[test]
fn gps_does_not_leak_into_variants() {
    for path in [
        "images/camera/gps_DSCN0010.jpg",
        "images/large/iphone6_hdr_NO_8MP_gps.jpg",
    ] {
        let entry = crate::common::entry(path);
        let original = entry.bytes();
        assert!(
            original.windows(6).any(|w| w == b"Exif\0\0"),
            "{path} has EXIF to begin with"
        );
        let done = processed(&entry);
        assert!(done.metadata.gps.is_some());
        for v in &done.variants {
            assert!(
                !v.bytes.windows(6).any(|w| w == b"Exif\0\0"),
                "{path} {} {:?} has EXIF",
                v.name,
                v.format
            );
            assert!(!v.bytes.windows(4).any(|w| w == b"GPS\0"));
        }
    }
}

#[test]
fn malformed_exif_does_not_fail_the_image() {
    for path in [
        "images/camera/malformed-exif_image01551.jpg",
        "images/camera/malformed-exif_image01713.jpg",
        "images/edge/hopper_bad_exif.jpg",
        "images/camera/exif-wrong-type_30.jpg",
    ] {
        let done = processed(&crate::common::entry(path));
        assert!(!done.variants.is_empty(), "{path}");
    }
}
