//! The perceptual hash finds the same picture again, whatever its encoding, size and EXIF
//! orientation, and tells different pictures apart.

use medialib_core::{OutputFormat, VariantSpec};
use medialib_media::{EncodeSettings, ImageLimits, process, sniff};

use crate::common::entry;

fn phash_of(bytes: &[u8]) -> u64 {
    let format = sniff(bytes, bytes.len() as u64)
        .and_then(|d| d.format)
        .unwrap();
    process(
        bytes,
        format,
        &VariantSpec::defaults(),
        &ImageLimits::default(),
        &EncodeSettings::default(),
    )
    .unwrap()
    .phash
}

fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[test]
fn every_orientation_and_a_reencoded_copy_hash_alike() {
    let original = entry("images/orientation/Landscape_1.jpg").bytes();
    let reference = phash_of(&original);
    for n in [2, 3, 4, 5, 6, 7, 8] {
        let rotated = phash_of(&entry(&format!("images/orientation/Landscape_{n}.jpg")).bytes());
        let d = distance(reference, rotated);
        assert!(d <= 6, "Landscape_{n} is {d} bits from Landscape_1");
    }
    // The medium WebP variant, processed as a new upload: smaller, lossy, another codec.
    let variants = process(
        &original,
        medialib_media::ImageFormat::Jpeg,
        &VariantSpec::defaults(),
        &ImageLimits::default(),
        &EncodeSettings::default(),
    )
    .unwrap()
    .variants;
    let medium = variants
        .iter()
        .find(|v| v.name == "medium" && v.format == OutputFormat::Webp)
        .unwrap();
    let d = distance(reference, phash_of(&medium.bytes));
    assert!(d <= 6, "re-encoded copy is {d} bits away");
}

#[test]
fn different_pictures_hash_apart() {
    let a = phash_of(&entry("images/orientation/Landscape_1.jpg").bytes());
    let b = phash_of(&entry("images/orientation/Portrait_1.jpg").bytes());
    let c = phash_of(&entry("images/large/6720px_white_30MP.jpg").bytes());
    for (x, y, what) in [
        (a, b, "landscape/portrait"),
        (a, c, "landscape/snow"),
        (b, c, "portrait/snow"),
    ] {
        let d = distance(x, y);
        assert!(d > 12, "{what}: only {d} bits apart");
    }
}
