//! Bad and adversarial images are refused with a clear message, and `either` files neither
//! panic nor hang: `sniff` finds no decodable format, or `validate` returns an error.

use std::time::{Duration, Instant};

use medialib_core::VariantSpec;
use medialib_media::{EncodeSettings, ImageLimits, process, sniff, validate};

use crate::common::{Entry, manifest, no_panic};

/// The decode timeout for the adversarial files: shorter than the default, so that a file the
/// guard stops cannot pass for one that finishes, and the whole check stays quick.
const DECODE_TIMEOUT: Duration = Duration::from_secs(3);

/// Beyond this, one file counts as hung: its validation and its processing may each run up to
/// [`DECODE_TIMEOUT`], with room for the CI machine running other test binaries alongside.
const HANG: Duration = Duration::from_secs(20);

/// What happened to one file: `Ok(true)` accepted, `Ok(false)` refused with a message.
fn outcome(entry: &Entry) -> Result<bool, String> {
    let bytes = entry.bytes();
    let Some(format) =
        sniff(&bytes[..bytes.len().min(8192)], bytes.len() as u64).and_then(|d| d.format)
    else {
        return Ok(false);
    };
    let limits = ImageLimits {
        decode_timeout: DECODE_TIMEOUT,
        ..ImageLimits::default()
    };
    match validate(&bytes, format, &limits) {
        Err(e) if e.to_string().trim().is_empty() => Err("empty error message".into()),
        Err(_) => Ok(false),
        // Files that pass validation must also survive processing (errors allowed, panics not).
        Ok(_) => {
            let _ = process(
                &bytes,
                format,
                &VariantSpec::defaults(),
                &limits,
                &EncodeSettings::default(),
            );
            Ok(true)
        }
    }
}

#[test]
fn bad_images_are_refused_and_none_panics_or_hangs() {
    let entries: Vec<Entry> = manifest()
        .into_iter()
        .filter(|e| e.path.starts_with("images-bad/"))
        .collect();
    assert!(entries.len() > 40, "corpus incomplete");
    let mut failures = Vec::new();
    for entry in &entries {
        let started = Instant::now();
        let result = no_panic(&entry.path, || outcome(entry));
        let took = started.elapsed();
        if took > HANG {
            failures.push(format!("{}: took {took:?}", entry.path));
        }
        match (result, entry.expect.as_str()) {
            (Err(panic), _) => failures.push(panic),
            (Ok(Err(e)), _) => failures.push(format!("{}: {e}", entry.path)),
            (Ok(Ok(true)), "reject") => failures.push(format!("{}: accepted", entry.path)),
            (Ok(Ok(_)), _) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// librsvg's nested-pattern SVG renders for seconds from 8 KB: past the decode timeout the
/// render is killed and the image refused, rather than holding a worker for as long as it takes.
#[test]
fn a_render_past_the_decode_timeout_is_stopped() {
    let bytes = crate::common::entry("images-bad/svg_pattern_billion_laughs.svg").bytes();
    let limits = ImageLimits {
        decode_timeout: Duration::from_secs(1),
        ..ImageLimits::default()
    };
    let format = medialib_media::ImageFormat::Svg;
    let started = Instant::now();
    // Rendered whole (1134 px wide) for the variants, this takes more than 2 s on its own.
    let specs = VariantSpec::defaults();
    let Err(err) = process(&bytes, format, &specs, &limits, &EncodeSettings::default()) else {
        panic!("the render outlasts one second, yet the image was processed");
    };
    assert_eq!(err.code().as_str(), "processing_timeout", "{err}");
    assert!(
        err.to_string()
            .contains("SVG renderer (librsvg) did not finish within 1 s"),
        "{err}"
    );
    assert!(started.elapsed() < HANG, "took {:?}", started.elapsed());
}

/// The specific reasons matter to API users: they name the limit, or the decoder's complaint.
#[test]
fn rejections_say_why() {
    let limits = ImageLimits::default();
    let cases = [
        (
            "images-bad/truncated_jpeg.jpg",
            "corrupt_image",
            "Premature end of JPEG file",
        ),
        (
            "images-bad/corrupted_olympus_10MP.jpg",
            "corrupt_image",
            "premature end of data segment",
        ),
        ("images-bad/truncated_image.png", "corrupt_image", "PNG"),
    ];
    for (path, code, text) in cases {
        let entry = crate::common::entry(path);
        let bytes = entry.bytes();
        let format = sniff(&bytes, bytes.len() as u64)
            .and_then(|d| d.format)
            .expect(path);
        let err = validate(&bytes, format, &limits).expect_err(path);
        assert!(
            code.is_empty() || err.code().as_str() == code,
            "{path}: {err:?}"
        );
        assert!(err.to_string().contains(text), "{path}: {err}");
    }
}

/// A JPEG whose SOF claims 30000x30000 over 64 real pixels is refused from the header, naming
/// the declared size and the limit, without decoding (which would fail differently).
#[test]
fn oversized_headers_are_refused_before_decoding() {
    let pixels = vec![128u8; 8 * 8 * 3];
    let image = turbojpeg::Image {
        pixels: pixels.as_slice(),
        width: 8,
        pitch: 24,
        height: 8,
        format: turbojpeg::PixelFormat::RGB,
    };
    let mut jpeg = turbojpeg::compress(image, 90, turbojpeg::Subsamp::Sub2x2)
        .unwrap()
        .to_vec();
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x75, 0x30, 0x75, 0x30]); // height, width = 30000
    let err = validate(
        &jpeg,
        medialib_media::ImageFormat::Jpeg,
        &ImageLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code().as_str(), "image_too_large");
    let message = err.to_string();
    assert!(
        message.contains("30000x30000") && message.contains("100.0 megapixels"),
        "{message}"
    );
    let strict = ImageLimits {
        max_side: 4_000,
        ..ImageLimits::default()
    };
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x00, 0x10, 0x13, 0x88]); // 5000x16
    let err = validate(&jpeg, medialib_media::ImageFormat::Jpeg, &strict).unwrap_err();
    assert!(
        err.to_string().contains("5000x16") && err.to_string().contains("4000 pixels per side"),
        "{err}"
    );
}
