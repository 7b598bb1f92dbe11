//! The public pipeline stages used one by one, as an on-the-fly transform would, on real
//! corpus photos (`$MEDIALIB_CORPUS`, facts from its `manifest.json`).

mod support;

use medialib_core::{ErrorCode, Fit, OutputFormat, VariantSpec};
use medialib_media::pipeline::{
    Raster, Target, cascade, decode, decode_box, decode_upright, encode, orient, probe, resize,
};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits};
use serde_json::Value;

/// A real camera photo stored 2048×1536 with EXIF Orientation 6 (shown as 1536×2048).
const ROTATED: &str = "images/camera/canon_hdr_NO.jpg";

fn read(path: &str) -> (Vec<u8>, Value) {
    let entry = support::manifest()
        .into_iter()
        .find(|e| e["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in the manifest"));
    let bytes = std::fs::read(support::corpus_dir().join(path)).expect("corpus file");
    (bytes, entry)
}

fn spec(width: u32, height: u32, fit: Fit) -> VariantSpec {
    VariantSpec {
        name: "t".into(),
        width,
        height,
        fit,
    }
}

fn decode_with_image_rs(bytes: &[u8], format: image::ImageFormat) -> image::DynamicImage {
    image::load_from_memory_with_format(bytes, format).expect("the encoded bytes decode")
}

#[test]
fn stages_one_by_one_on_an_exif_rotated_photo() {
    let (bytes, entry) = read(ROTATED);
    let limits = ImageLimits::default();

    let facts = probe(&bytes, ImageFormat::Jpeg, &limits).unwrap();
    let display = (
        entry["width"].as_u64().unwrap() as u32,
        entry["height"].as_u64().unwrap() as u32,
    );
    assert_eq!(display, (1536, 2048));
    assert_eq!(facts.display_size(), display);
    assert_eq!(facts.orientation(), Some(6));
    assert_eq!(
        facts.orientation().map(u64::from),
        entry["orientation"].as_u64()
    );
    assert_eq!(facts.pending_orientation(), Some(6));
    assert_eq!(facts.frame_count, 1);

    let cover = Target::plan(display, &spec(400, 300, Fit::Cover));
    let fit = Target::plan(display, &spec(400, 300, Fit::Fit));
    assert_eq!(cover.size(), (400, 300));
    // 300 / 2048 of 1536 is exactly 225.
    assert_eq!(fit.size(), (225, 300));
    assert!(!cover.is_full_frame() && fit.is_full_frame());

    // Cover needs 400 px across, so 400 / 1536 of the photo: about 400×534.
    let box_ = decode_box(display, &[cover, fit], 0);
    assert!(box_.0 >= 400 && box_.1 >= 533 && box_.1 <= 535, "{box_:?}");

    // Shrink-on-load in stored orientation: 3/8 is the smallest DCT scale covering the box
    // turned sideways (2/8 would give 512×384).
    let decoded = decode(&bytes, &facts, box_, &limits).unwrap();
    let stored = (decoded.raster.width(), decoded.raster.height());
    assert_eq!(stored, (768, 576));
    assert_eq!(
        decoded.icc, None,
        "the manifest says the photo has no ICC profile"
    );

    let upright = decode_upright(&bytes, &facts, box_, &limits).unwrap();
    let raster = &upright.raster;
    assert_eq!((raster.width(), raster.height()), (576, 768));
    assert!(raster.width() >= box_.0 && raster.height() >= box_.1);
    assert!(!raster.alpha() && raster.channels() == 3);
    assert_eq!(raster.data().len(), 576 * 768 * 3);
    assert_eq!(upright.icc_profile, None);
    // Without a profile the combined stage is exactly the separate ones.
    assert_eq!(*raster, orient(decoded.raster, facts.pending_orientation()));

    let both = cascade(raster, &[cover, fit]).unwrap();
    let sizes: Vec<_> = both.iter().map(|r| (r.width(), r.height())).collect();
    assert_eq!(sizes, [(400, 300), (225, 300)]);
    // Neither box is a full-frame source for the other, so both come from the decode.
    assert_eq!(both[0], resize(raster, &cover).unwrap());
    assert_eq!(both[1], resize(raster, &fit).unwrap());

    let settings = EncodeSettings::default();
    let webp = encode(&both[0], OutputFormat::Webp, &settings).unwrap();
    assert_eq!(&webp[..4], b"RIFF");
    let back = decode_with_image_rs(&webp, image::ImageFormat::WebP);
    assert_eq!((back.width(), back.height()), (400, 300));

    let jpeg = encode(&both[1], OutputFormat::Jpeg, &settings).unwrap();
    let back = decode_with_image_rs(&jpeg, image::ImageFormat::Jpeg);
    assert_eq!((back.width(), back.height()), (225, 300));

    // PNG is lossless: the same pixels come back.
    let png = encode(&both[1], OutputFormat::Png, &settings).unwrap();
    let back = decode_with_image_rs(&png, image::ImageFormat::Png).into_rgb8();
    assert_eq!((back.width(), back.height()), (225, 300));
    assert_eq!(back.as_raw().as_slice(), both[1].data());

    assert!(encode(&both[1], OutputFormat::Mp4, &settings).is_err());
}

#[test]
fn probe_refuses_an_image_over_the_limits_before_decoding() {
    let (bytes, _) = read(ROTATED);
    let limits = ImageLimits {
        max_pixels: 2_000_000,
        ..ImageLimits::default()
    };
    let err = probe(&bytes, ImageFormat::Jpeg, &limits).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ImageTooLarge);
}

/// 32×32 of an upright decode of one of the `Landscape_N` test pictures, through the stages.
fn thumb(n: u32, turn: bool) -> Raster {
    let (bytes, _) = read(&format!("images/orientation/Landscape_{n}.jpg"));
    let limits = ImageLimits::default();
    let facts = probe(&bytes, ImageFormat::Jpeg, &limits).unwrap();
    assert_eq!(facts.display_size(), (1800, 1200));
    let decoded = decode(&bytes, &facts, (64, 64), &limits).unwrap();
    let pending = if turn {
        facts.pending_orientation()
    } else {
        None
    };
    let upright = orient(decoded.raster, pending);
    let display = (upright.width(), upright.height());
    resize(&upright, &Target::plan(display, &spec(32, 32, Fit::Cover))).unwrap()
}

fn mean_abs_diff(a: &Raster, b: &Raster) -> f64 {
    let sum: u64 = a
        .data()
        .iter()
        .zip(b.data())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.data().len() as f64
}

#[test]
fn orient_turns_every_exif_orientation_upright() {
    let reference = thumb(1, true);
    for n in 2..=8 {
        let turned = thumb(n, true);
        let diff = mean_abs_diff(&turned, &reference);
        assert!(
            diff < 10.0,
            "Landscape_{n} differs by {diff:.1} per channel"
        );
        // The control: left as stored, the picture does not match.
        let stored = thumb(n, false);
        let diff = mean_abs_diff(&stored, &reference);
        assert!(
            diff > 20.0,
            "Landscape_{n} as stored differs by only {diff:.1}"
        );
    }
}
