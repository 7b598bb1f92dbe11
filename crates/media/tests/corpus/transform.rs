//! On-the-fly transforms on real files: every crop mode's size, each output format decoded
//! back, gravity moving the crop, letterbox colour, blur, metadata stripped, the same result
//! whichever stored picture it is derived from, and watermarks where they were asked for.

use medialib_core::OutputFormat;
use medialib_core::transform::TransformOps;
use medialib_media::transform::{RenderRequest, Rendered, render};
use medialib_media::watermark::{Mark, Watermark};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits};

use crate::common::{decode_variant, entry, mean_abs_diff, thumb32};

const PHOTO: &str = "images/large/olympus_E-P3_12MP.jpg";

fn run(path: &str, format: ImageFormat, ops: &str, out: OutputFormat) -> Rendered {
    let bytes = entry(path).bytes();
    let size = entry(path).size().unwrap();
    from(&bytes, format, size, ops, out)
}

fn from(
    bytes: &[u8],
    format: ImageFormat,
    picture: (u32, u32),
    ops: &str,
    out: OutputFormat,
) -> Rendered {
    marked(bytes, format, picture, ops, out, None)
}

fn marked(
    bytes: &[u8],
    format: ImageFormat,
    picture: (u32, u32),
    ops: &str,
    out: OutputFormat,
    watermark: Option<Watermark<'_>>,
) -> Rendered {
    let ops = TransformOps::parse(ops).unwrap();
    let request = RenderRequest {
        ops: &ops,
        picture,
        focus: ops.gravity.point(),
        max_side: 4096,
        format: out,
        encode: EncodeSettings::default(),
        watermark,
    };
    render(bytes, format, &request, &ImageLimits::default()).unwrap()
}

#[test]
fn every_crop_mode_gives_its_size_in_every_format() {
    for (ops, size) in [
        ("w_150,h_150,c_fill", (150, 150)),
        ("w_1200,h_1200", (1200, 900)),
        ("w_300,h_100,c_fit", (133, 100)),
        ("w_200,h_200,c_pad", (200, 200)),
        ("w_100,dpr_2", (200, 150)),
        ("w_5000", (4032, 3024)),
    ] {
        let r = run(PHOTO, ImageFormat::Jpeg, ops, OutputFormat::Jpeg);
        assert_eq!((r.width, r.height), size, "{ops}");
        let decoded = decode_variant(OutputFormat::Jpeg, &r.bytes);
        assert_eq!((decoded.width(), decoded.height()), size, "{ops}");
    }
    for format in [OutputFormat::Webp, OutputFormat::Png] {
        let r = run(PHOTO, ImageFormat::Jpeg, "w_320", format);
        let decoded = decode_variant(format, &r.bytes);
        assert_eq!((decoded.width(), decoded.height()), (320, 240));
    }
    // AVIF: read back by libheif through the crate's own validation.
    let r = run(PHOTO, ImageFormat::Jpeg, "w_320,q_40", OutputFormat::Avif);
    assert_eq!(&r.bytes[4..12], b"ftypavif");
    let info =
        medialib_media::validate(&r.bytes, ImageFormat::Avif, &ImageLimits::default()).unwrap();
    assert_eq!((info.width, info.height), (320, 240));
}

#[test]
fn gravity_moves_the_crop() {
    let path = "images/orientation/Landscape_1.jpg";
    let crop = |g: &str| {
        let r = run(
            path,
            ImageFormat::Jpeg,
            &format!("w_100,h_100,c_fill,{g}"),
            OutputFormat::Png,
        );
        thumb32(&decode_variant(OutputFormat::Png, &r.bytes))
    };
    let west = crop("g_w");
    assert!(mean_abs_diff(&west, &crop("g_fp:0:0.5")) < 1.0);
    assert!(mean_abs_diff(&west, &crop("g_e")) > 10.0);
}

#[test]
fn the_same_result_comes_from_a_smaller_stored_picture() {
    let original = entry(PHOTO).bytes();
    let picture = entry(PHOTO).size().unwrap();
    // A 1200 px stored variant, as ingest keeps.
    let stored = from(
        &original,
        ImageFormat::Jpeg,
        picture,
        "w_1200",
        OutputFormat::Jpeg,
    );
    let a = from(
        &original,
        ImageFormat::Jpeg,
        picture,
        "w_150,h_150,c_fill",
        OutputFormat::Png,
    );
    let b = from(
        &stored.bytes,
        ImageFormat::Jpeg,
        picture,
        "w_150,h_150,c_fill",
        OutputFormat::Png,
    );
    assert_eq!((a.width, a.height), (b.width, b.height));
    let (a, b) = (
        decode_variant(OutputFormat::Png, &a.bytes),
        decode_variant(OutputFormat::Png, &b.bytes),
    );
    assert!(mean_abs_diff(&thumb32(&a), &thumb32(&b)) < 3.0);
}

#[test]
fn padding_blur_and_transparency() {
    let padded = run(
        PHOTO,
        ImageFormat::Jpeg,
        "w_200,h_200,c_pad,bg_ff0000",
        OutputFormat::Png,
    );
    let image = decode_variant(OutputFormat::Png, &padded.bytes).to_rgb8();
    assert_eq!(
        image.get_pixel(100, 2).0,
        [255, 0, 0],
        "the letterbox is the bg colour"
    );

    let edges = |ops: &str| {
        let r = run(PHOTO, ImageFormat::Jpeg, ops, OutputFormat::Png);
        let image = decode_variant(OutputFormat::Png, &r.bytes).to_luma8();
        let pixels = image.as_raw();
        pixels
            .windows(2)
            .map(|w| u64::from(w[0].abs_diff(w[1])))
            .sum::<u64>()
    };
    assert!(edges("w_400,blur_8") * 3 < edges("w_400"), "blur smooths");
    assert!(
        edges("w_400,sharpen") > edges("w_400"),
        "sharpen adds contrast"
    );

    // A transparent PNG sent as JPEG is composited on white, not on black.
    let r = run(
        "images/png/transparent_rgba.png",
        ImageFormat::Png,
        "_",
        OutputFormat::Jpeg,
    );
    let image = decode_variant(OutputFormat::Jpeg, &r.bytes).to_rgb8();
    let corner = image.get_pixel(0, 0).0;
    assert!(corner.iter().all(|&c| c > 200), "{corner:?}");
}

#[test]
fn results_carry_no_metadata() {
    for format in [
        OutputFormat::Jpeg,
        OutputFormat::Webp,
        OutputFormat::Avif,
        OutputFormat::Png,
    ] {
        let r = run(
            "images/camera/gps_DSCN0010.jpg",
            ImageFormat::Jpeg,
            "w_200",
            format,
        );
        let has = |needle: &[u8]| r.bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"Exif") && !has(b"NIKON"), "{format:?} keeps EXIF");
    }
}

#[test]
fn a_picture_watermark_covers_its_corner_and_nothing_else() {
    let photo = entry(PHOTO).bytes();
    let logo = entry("images/png/transparent_rgba.png").bytes();
    let picture = entry(PHOTO).size().unwrap();
    let plain = from(
        &photo,
        ImageFormat::Jpeg,
        picture,
        "w_800",
        OutputFormat::Png,
    );
    let watermark = Watermark {
        mark: Mark::Picture {
            bytes: &logo,
            format: ImageFormat::Png,
        },
        anchor: (0.0, 0.0),
        opacity: 1.0,
        scale: 0.25,
        margin: 0.02,
    };
    let stamped = marked(
        &photo,
        ImageFormat::Jpeg,
        picture,
        "w_800",
        OutputFormat::Png,
        Some(watermark),
    );
    let plain = decode_variant(OutputFormat::Png, &plain.bytes).to_rgb8();
    let stamped = decode_variant(OutputFormat::Png, &stamped.bytes).to_rgb8();
    assert_eq!(stamped.dimensions(), (800, 600));
    // The 200×150 logo at 25 % of 800 px is 200×150, 12 px (2 % of 600) from the top left.
    let mut inside = 0u64;
    for (x, y, px) in stamped.enumerate_pixels() {
        let before = plain.get_pixel(x, y);
        let within = (12..212).contains(&x) && (12..162).contains(&y);
        if within {
            inside +=
                px.0.iter()
                    .zip(before.0)
                    .map(|(a, b)| u64::from(a.abs_diff(b)))
                    .sum::<u64>();
        } else {
            assert_eq!(px, before, "({x}, {y}) is outside the mark");
        }
    }
    let mean = inside as f64 / (200.0 * 150.0 * 3.0);
    assert!(mean > 10.0, "the logo shows: mean difference {mean:.1}");
}
