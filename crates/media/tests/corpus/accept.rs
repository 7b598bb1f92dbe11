//! Every accepted image sniffs, validates at the manifest's size and yields every default
//! variant at the right size and format, decodable by an independent decoder, without EXIF.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use medialib_core::{OutputFormat, VariantSpec};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits, process, sniff, validate};

use crate::common::{
    Entry, decode_variant, expected_drawn_size, expected_size, manifest, no_panic,
};

/// The size the pipeline is expected to report. The manifest's reference tools (ImageMagick)
/// took an ICO's *first* entry; this crate uses the *largest*, the best source for variants.
fn expected_display_size(entry: &Entry, bytes: &[u8], format: ImageFormat) -> (u32, u32) {
    if format == ImageFormat::Ico {
        let n = u16::from_le_bytes([bytes[4], bytes[5]]) as usize;
        let side = |b: u8| if b == 0 { 256 } else { u32::from(b) };
        return (0..n)
            .map(|i| (side(bytes[6 + 16 * i]), side(bytes[7 + 16 * i])))
            .max_by_key(|(w, h)| w * h)
            .unwrap();
    }
    entry.size().expect("manifest size")
}

fn check(entry: &Entry) -> Result<(), String> {
    let bytes = entry.bytes();
    let detected =
        sniff(&bytes[..bytes.len().min(8192)], bytes.len() as u64).ok_or("sniff found nothing")?;
    let format = detected
        .format
        .ok_or(format!("sniffed {} without a format", detected.mime))?;
    let limits = ImageLimits::default();
    let info = validate(&bytes, format, &limits).map_err(|e| format!("validate: {e}"))?;
    let size = expected_display_size(entry, &bytes, format);
    if (info.width, info.height) != size {
        return Err(format!(
            "validate says {}x{}, expected {size:?}",
            info.width, info.height
        ));
    }
    let specs = VariantSpec::defaults();
    let done = process(&bytes, format, &specs, &limits, &EncodeSettings::default())
        .map_err(|e| format!("process: {e}"))?;
    let m = &done.metadata;
    if (m.width, m.height) != size || m.has_alpha != info.has_alpha {
        return Err(format!(
            "process metadata {m:?} disagrees with validate {info:?}"
        ));
    }
    if done.variants.len() != 2 * specs.len() {
        return Err(format!("{} variants", done.variants.len()));
    }
    let second = if info.has_alpha {
        OutputFormat::Png
    } else {
        OutputFormat::Jpeg
    };
    for (spec, pair) in specs.iter().zip(done.variants.chunks(2)) {
        let drawing = format == ImageFormat::Svg;
        let want = if drawing {
            expected_drawn_size(size, spec)
        } else {
            expected_size(size, spec)
        };
        for (v, format) in pair.iter().zip([OutputFormat::Webp, second]) {
            // A drawing's canvas is rounded to whole pixels before the boxes are cut from it,
            // which may move the side a box does not limit by one pixel.
            let slack = u32::from(drawing);
            let off = v.width.abs_diff(want.0).max(v.height.abs_diff(want.1));
            if v.name != spec.name || v.format != format || off > slack {
                return Err(format!(
                    "{} {:?} is {}x{}, expected {} {format:?} {want:?}",
                    v.name, v.format, v.width, v.height, spec.name
                ));
            }
            let decoded = decode_variant(v.format, &v.bytes);
            if (decoded.width(), decoded.height()) != (v.width, v.height) {
                return Err(format!(
                    "{} {:?} decodes to {}x{}",
                    v.name,
                    v.format,
                    decoded.width(),
                    decoded.height()
                ));
            }
            for marker in [
                &b"Exif\0\0"[..],
                b"ICC_PROFILE",
                b"EXIF",
                b"ICCP",
                b"eXIf",
                b"iCCP",
            ] {
                if v.bytes.windows(marker.len()).any(|w| w == marker) {
                    return Err(format!(
                        "{} {:?} carries metadata ({:?})",
                        v.name,
                        v.format,
                        String::from_utf8_lossy(marker)
                    ));
                }
            }
        }
    }
    if let Some(frames) = entry.raw["frames"].as_u64() {
        // libheif 1.15 exposes only the still primary item of an AVIF sequence.
        let sequence_unsupported = entry.path.ends_with(".avifs");
        if !sequence_unsupported && u64::from(info.frame_count) != frames {
            return Err(format!(
                "frame_count {} but manifest says {frames}",
                info.frame_count
            ));
        }
    }
    Ok(())
}

#[test]
fn every_accepted_image_validates_and_processes() {
    let entries: Vec<Entry> = manifest()
        .into_iter()
        .filter(|e| e.path.starts_with("images/") && e.expect != "reject")
        .collect();
    assert!(
        entries.len() > 250,
        "corpus incomplete: {} images",
        entries.len()
    );
    // Two workers: resizing is compiled without optimisation in test builds and is the slow
    // part, and the pipeline itself only runs the encoders in parallel.
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some(entry) = entries.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let failure = match no_panic(&entry.path, || check(entry)) {
                        Ok(Ok(())) => None,
                        // `either` files may be refused, as long as that is an error, not a panic.
                        Ok(Err(_)) if entry.expect == "either" => None,
                        Ok(Err(e)) => Some(format!("{}: {e}", entry.path)),
                        Err(panic) => Some(panic),
                    };
                    failures.lock().unwrap().extend(failure);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
