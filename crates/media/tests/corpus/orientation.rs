//! Every EXIF orientation comes out upright: the variant of `Landscape_N`/`Portrait_N` matches
//! `_1` pixel for pixel (after a 32x32 downscale), for N = 0 (invalid, treated as upright) to 8.

use medialib_core::{Fit, OutputFormat, VariantSpec};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits, process};

use crate::common::{decode_variant, entry, mean_abs_diff, thumb32};

fn upright_thumb(path: &str) -> (Vec<u8>, (u32, u32)) {
    let bytes = entry(path).bytes();
    let spec = VariantSpec {
        name: "small".into(),
        width: 300,
        height: 300,
        fit: Fit::Fit,
    };
    let done = process(
        &bytes,
        ImageFormat::Jpeg,
        &[spec],
        &ImageLimits::default(),
        &EncodeSettings::default(),
    )
    .unwrap_or_else(|e| panic!("{path}: {e}"));
    let jpeg = done
        .variants
        .iter()
        .find(|v| v.format == OutputFormat::Jpeg)
        .unwrap();
    let image = decode_variant(jpeg.format, &jpeg.bytes);
    (thumb32(&image), (jpeg.width, jpeg.height))
}

#[test]
fn every_orientation_is_upright() {
    for (stem, size) in [("Landscape", (300, 200)), ("Portrait", (200, 300))] {
        let (reference, ref_size) = upright_thumb(&format!("images/orientation/{stem}_1.jpg"));
        assert_eq!(ref_size, size);
        for n in [0, 2, 3, 4, 5, 6, 7, 8] {
            let path = format!("images/orientation/{stem}_{n}.jpg");
            let (thumb, got_size) = upright_thumb(&path);
            assert_eq!(got_size, size, "{path}");
            let diff = mean_abs_diff(&thumb, &reference);
            assert!(
                diff < 10.0,
                "{path} differs from {stem}_1 by {diff:.1} per channel"
            );
        }
    }
}

/// A control: the comparison would notice a wrong orientation.
#[test]
fn the_comparison_detects_a_mirrored_image() {
    let (upright, _) = upright_thumb("images/orientation/Landscape_1.jpg");
    let mirrored: Vec<u8> = upright
        .chunks_exact(32 * 3)
        .flat_map(|row| {
            row.chunks_exact(3)
                .rev()
                .flatten()
                .copied()
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(mean_abs_diff(&upright, &mirrored) > 20.0);
}
