//! Sniffing the whole corpus: images get their format from the bytes alone (never the name),
//! and other media are recognised as what they are.

use medialib_core::AssetKind;
use medialib_media::{ImageFormat, check_extension, sniff};

use crate::common::{entry, manifest};

#[test]
fn images_sniff_by_content_and_other_media_by_kind() {
    let mut failures = Vec::new();
    for e in manifest() {
        let bytes = e.bytes();
        let detected = sniff(&bytes[..bytes.len().min(8192)], bytes.len() as u64);
        let expected_kind = match e.path.split('/').next().unwrap() {
            "images" => Some(AssetKind::Image),
            "video" if e.expect == "accept" => Some(AssetKind::Video),
            "audio" if e.expect == "accept" && !e.path.ends_with(".m4a") => Some(AssetKind::Audio),
            _ => None,
        };
        if let Some(kind) = expected_kind {
            match detected {
                Some(d) if d.kind == kind && (kind != AssetKind::Image || d.format.is_some()) => {}
                other => failures.push(format!("{}: {other:?}, expected {kind:?}", e.path)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn specific_formats_and_lying_extensions() {
    let format = |path: &str| {
        let bytes = entry(path).bytes();
        sniff(&bytes, bytes.len() as u64).unwrap()
    };
    assert_eq!(
        format("images/avif/star_animated.avifs").format,
        Some(ImageFormat::Avif)
    );
    assert_eq!(
        format("images/heif/iphone11_IMG_5195_gps.HEIC").mime,
        "image/heic"
    );
    assert_eq!(
        format("images/heif/libheif_example.heic").format,
        Some(ImageFormat::Heif)
    );
    assert_eq!(format("images/png/apng_delay.png").mime, "image/png");
    assert_eq!(format("images/jpeg/sugarshack.mpo").mime, "image/jpeg");
    assert_eq!(
        format("images/svg/commons-logo.svg").format,
        Some(ImageFormat::Svg)
    );
    assert_eq!(
        format("images/jxl/small.jxl").format,
        Some(ImageFormat::Jxl)
    );
    assert_eq!(
        format("images/tiff/hopper_bigtiff.tif").format,
        Some(ImageFormat::Tiff)
    );
    assert_eq!(format("images/ico/python.ico").mime, "image/x-icon");
    assert_eq!(
        format("docs/minimal-document_1p.pdf").kind,
        AssetKind::Document
    );

    let heic_named_jpeg = format("images-bad/lying_ext_jpeg_named.heic");
    assert_eq!(heic_named_jpeg.format, Some(ImageFormat::Jpeg));
    let err = check_extension("lying_ext_jpeg_named.heic", &heic_named_jpeg).unwrap_err();
    assert_eq!(err.code().as_str(), "extension_mismatch");
    let message = err.to_string();
    assert!(
        message.contains("image/jpeg") && message.contains(".heic"),
        "{message}"
    );
    let png_named_jpeg = format("images-bad/lying_ext_jpeg_named.png");
    assert!(check_extension("lying_ext_jpeg_named.png", &png_named_jpeg).is_err());
    assert!(
        check_extension(
            "iphone.HEIC",
            &format("images/heif/iphone11_IMG_5195_gps.HEIC")
        )
        .is_ok()
    );
    assert!(check_extension("star.avifs", &format("images/avif/star_animated.avifs")).is_ok());
    assert!(check_extension("delay.apng", &format("images/png/apng_delay.png")).is_ok());
}
