//! Animated GIF, WebP and APNG keep every frame in their WebP variants; the other renditions
//! show the first frame.

use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use medialib_core::{OutputFormat, VariantSpec};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits, process};

use crate::common::{decode_variant, entry, mean_abs_diff, thumb32};

/// The frames of an animation as the `image` crate composites them, with their delays in ms.
fn frames(bytes: &[u8], format: ImageFormat) -> Vec<(image::DynamicImage, u32)> {
    let cursor = std::io::Cursor::new(bytes);
    let frames = match format {
        ImageFormat::Gif => GifDecoder::new(cursor).unwrap().into_frames(),
        ImageFormat::Webp => WebPDecoder::new(cursor).unwrap().into_frames(),
        ImageFormat::Png => PngDecoder::new(cursor)
            .unwrap()
            .apng()
            .unwrap()
            .into_frames(),
        other => panic!("{other:?} is not animated"),
    };
    frames
        .map(|frame| {
            let frame = frame.expect("frame decodes");
            let (numer, denom) = frame.delay().numer_denom_ms();
            (frame.into_buffer().into(), numer / denom)
        })
        .collect()
}

fn check(path: &str, format: ImageFormat) {
    let e = entry(path);
    let bytes = e.bytes();
    let expected = e.raw["frames"].as_u64().unwrap() as usize;
    let source = frames(&bytes, format);
    assert_eq!(source.len(), expected, "{path}: the source's frames");
    let specs = VariantSpec::defaults();
    let done = process(
        &bytes,
        format,
        &specs,
        &ImageLimits::default(),
        &EncodeSettings::default(),
    )
    .unwrap();
    assert_eq!(done.metadata.frame_count as usize, expected);
    for spec in &specs {
        let webp = done
            .variants
            .iter()
            .find(|v| v.name == spec.name && v.format == OutputFormat::Webp)
            .unwrap();
        let played = frames(&webp.bytes, ImageFormat::Webp);
        // libwebp merges identical consecutive frames into one longer frame, so the
        // animations are compared on their timelines: at the moment each source frame
        // starts, the variant shows that frame, and both last as long.
        let timing = |frames: &[(image::DynamicImage, u32)]| -> Vec<u32> {
            frames
                .iter()
                .map(|(_, delay)| if *delay <= 10 { 100 } else { *delay })
                .scan(0, |t, d| {
                    *t += d;
                    Some(*t)
                })
                .collect()
        };
        let (played_ends, source_ends) = (timing(&played), timing(&source));
        assert!(
            played.len() >= 2,
            "{path} {}: {} frames",
            spec.name,
            played.len()
        );
        assert_eq!(
            played_ends.last(),
            source_ends.last(),
            "{path} {}: duration",
            spec.name
        );
        let whole = (webp.width, webp.height)
            == crate::common::expected_size(
                e.size().unwrap(),
                &VariantSpec {
                    fit: medialib_core::Fit::Fit,
                    ..spec.clone()
                },
            );
        for (i, (original, _)) in source.iter().enumerate() {
            let start = if i == 0 { 0 } else { source_ends[i - 1] };
            let shown = played_ends.iter().position(|&end| end > start).unwrap();
            let frame = &played[shown].0;
            assert_eq!((frame.width(), frame.height()), (webp.width, webp.height));
            // Compared at 32×32 where the variant shows the whole frame (not the cover crops).
            if whole {
                let diff = mean_abs_diff(&thumb32(frame), &thumb32(original));
                assert!(
                    diff < 12.0,
                    "{path} {} frame {i} differs by {diff:.1}",
                    spec.name
                );
            }
        }
        let still = done
            .variants
            .iter()
            .find(|v| v.name == spec.name && v.format != OutputFormat::Webp)
            .unwrap();
        assert_eq!(
            frames_in(&still.bytes, still.format),
            1,
            "{path}: the still rendition"
        );
        let first = decode_variant(still.format, &still.bytes);
        let diff = mean_abs_diff(&thumb32(&first), &thumb32(&played[0].0));
        assert!(
            diff < 12.0,
            "{path} {}: the still is the first frame ({diff:.1})",
            spec.name
        );
    }
}

/// Frames of a JPEG or PNG rendition: 1 for JPEG, the APNG count (or 1) for PNG.
fn frames_in(bytes: &[u8], format: OutputFormat) -> usize {
    match format {
        OutputFormat::Jpeg => 1,
        OutputFormat::Png => {
            let decoder = PngDecoder::new(std::io::Cursor::new(bytes)).unwrap();
            if decoder.is_apng().unwrap() { 2 } else { 1 }
        }
        other => panic!("{other} is not a still rendition"),
    }
}

#[test]
fn an_animated_gif_keeps_its_frames_and_their_timing() {
    check("images/gif/chi_animated.gif", ImageFormat::Gif);
}

#[test]
fn gif_disposal_to_the_previous_frame_is_composited() {
    check("images/gif/dispose_prev.gif", ImageFormat::Gif);
}

#[test]
fn an_animated_webp_stays_animated() {
    check("images/webp/iss634_animated.webp", ImageFormat::Webp);
}

#[test]
fn an_animated_png_becomes_an_animated_webp() {
    check("images/png/basic_f20_apng.png", ImageFormat::Png);
}
