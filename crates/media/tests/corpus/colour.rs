//! Colour: ICC profiles are converted to sRGB, CMYK JPEGs come out as correct RGB, and JPEGs
//! with harmless warnings are decoded completely.

use medialib_core::{Fit, OutputFormat, VariantSpec};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits, process};

use crate::common::{decode_variant, entry, mean_abs_diff, thumb32};

fn full_size_png_or_jpeg(path: &str) -> image::DynamicImage {
    let bytes = entry(path).bytes();
    let format = medialib_media::sniff(&bytes, bytes.len() as u64)
        .and_then(|d| d.format)
        .unwrap();
    let spec = VariantSpec {
        name: "big".into(),
        width: 20_000,
        height: 20_000,
        fit: Fit::Fit,
    };
    let settings = EncodeSettings {
        webp_quality: 100,
        jpeg_quality: 100,
        avif_quality: 100,
        avif_variants: false,
    };
    let done = process(&bytes, format, &[spec], &ImageLimits::default(), &settings).unwrap();
    let v = done
        .variants
        .iter()
        .find(|v| v.format != OutputFormat::Webp)
        .unwrap();
    decode_variant(v.format, &v.bytes)
}

/// A Display P3 photo is converted to sRGB as lcms2 (through libvips) converts it, and the
/// conversion matters: read naively (P3 numbers shown as sRGB) it would look different.
#[test]
fn display_p3_is_converted_to_srgb() {
    let bytes = entry("images/camera/Iceland-P3.jpg").bytes();
    let ours = full_size_png_or_jpeg("images/camera/Iceland-P3.jpg");
    let naive = image::load_from_memory(&bytes).unwrap();
    let reference = lcms_reference(&bytes);
    let converted = mean_abs_diff(&thumb32(&ours), &thumb32(&reference));
    let unconverted = mean_abs_diff(&thumb32(&naive), &thumb32(&reference));
    assert!(converted < 1.5, "differs from lcms2 by {converted:.2}");
    assert!(
        unconverted > 3.0 * converted.max(0.5),
        "conversion made no difference ({converted:.2} vs {unconverted:.2})"
    );
}

/// libvips' `icc_transform` to sRGB (lcms2), as an independent reference.
fn lcms_reference(bytes: &[u8]) -> image::DynamicImage {
    use rs_vips::VipsImage;
    rs_vips::Vips::init("test").unwrap();
    let image = VipsImage::new_from_buffer(bytes, "")
        .and_then(|i| i.icc_transform("srgb"))
        .and_then(|i| i.copy_memory())
        .unwrap();
    let (w, h) = (image.get_width() as u32, image.get_height() as u32);
    image::DynamicImage::ImageRgb8(
        image::RgbImage::from_raw(w, h, image.write_to_memory()).unwrap(),
    )
}

/// Adobe CMYK (stored inverted) decodes to the colours libvips gives with its CMYK profile:
/// a red top-left corner and a dark centre, not a negative.
#[test]
fn cmyk_jpeg_decodes_to_rgb() {
    let rgb = full_size_png_or_jpeg("images/jpeg/cmyk.jpg").into_rgb8();
    assert_eq!(rgb.dimensions(), (100, 100));
    let [r, g, b] = rgb.get_pixel(0, 0).0;
    assert!(
        r > 200 && g < 90 && b < 90,
        "top-left should be red, is {r},{g},{b}"
    );
    let [r, g, b] = rgb.get_pixel(50, 50).0;
    assert!(
        r < 70 && g < 70 && b < 80,
        "centre should be dark, is {r},{g},{b}"
    );
}

/// libjpeg warns 68 times about extraneous bytes, but every pixel is there: the mean matches
/// libvips' full decode (125.48).
#[test]
fn jpeg_with_extraneous_bytes_is_decoded_completely() {
    let gray = full_size_png_or_jpeg("images/edge/hopper_bad_exif.jpg").into_luma8();
    let mean = gray.iter().map(|&v| f64::from(v)).sum::<f64>() / gray.len() as f64;
    assert!((mean - 125.48).abs() < 1.5, "mean {mean:.2}");
    let info = medialib_media::validate(
        &entry("images/edge/junk_jpeg_header.jpg").bytes(),
        ImageFormat::Jpeg,
        &ImageLimits::default(),
    )
    .unwrap();
    assert_eq!((info.width, info.height), (1024, 768));
}
