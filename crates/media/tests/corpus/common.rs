//! Shared helpers: locating the corpus, reading its manifest, and the expected variant geometry.

use medialib_core::{Fit, OutputFormat, VariantSpec};
use serde_json::Value;

pub use crate::support::corpus_dir;

/// One manifest entry.
pub struct Entry {
    pub path: String,
    pub expect: String,
    pub raw: Value,
}

impl Entry {
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(corpus_dir().join(&self.path)).expect("corpus file")
    }

    pub fn size(&self) -> Option<(u32, u32)> {
        Some((
            self.raw["width"].as_u64()? as u32,
            self.raw["height"].as_u64()? as u32,
        ))
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.raw[key].as_str()
    }
}

pub fn manifest() -> Vec<Entry> {
    crate::support::manifest()
        .into_iter()
        .map(|raw| Entry {
            path: raw["path"].as_str().unwrap().to_owned(),
            expect: raw["expect"].as_str().unwrap().to_owned(),
            raw,
        })
        .collect()
}

pub fn entry(path: &str) -> Entry {
    manifest()
        .into_iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("{path} not in manifest"))
}

/// The size a variant must have, computed independently of the crate's own geometry code:
/// fit scales into the box, cover fills the box and crops; neither upscales, and cover on a
/// source smaller than the box keeps the largest centred region with the box's aspect ratio.
pub fn expected_size((w, h): (u32, u32), spec: &VariantSpec) -> (u32, u32) {
    let (bw, bh) = (spec.width, spec.height);
    let round = |v: f64| (v.round() as u32).max(1);
    match spec.fit {
        Fit::Fit => {
            if w <= bw && h <= bh {
                (w, h)
            } else {
                let s = (bw as f64 / w as f64).min(bh as f64 / h as f64);
                (round(w as f64 * s).min(bw), round(h as f64 * s).min(bh))
            }
        }
        Fit::Cover => {
            if w >= bw && h >= bh {
                (bw, bh)
            } else if u64::from(w) * u64::from(bh) > u64::from(h) * u64::from(bw) {
                (round(h as f64 * bw as f64 / bh as f64).min(w), h)
            } else {
                (w, round(w as f64 * bh as f64 / bw as f64).min(h))
            }
        }
    }
}

/// The size a variant of a vector picture (SVG) of intrinsic size `(w, h)` must have: it is
/// drawn for the box, so fit fills the box on its limiting side and cover is the box itself,
/// larger than the intrinsic size when the box is.
pub fn expected_drawn_size((w, h): (u32, u32), spec: &VariantSpec) -> (u32, u32) {
    match spec.fit {
        Fit::Fit => {
            let s = (spec.width as f64 / w as f64).min(spec.height as f64 / h as f64);
            let round = |v: f64| (v.round() as u32).max(1);
            (
                round(w as f64 * s).min(spec.width),
                round(h as f64 * s).min(spec.height),
            )
        }
        Fit::Cover => (spec.width, spec.height),
    }
}

/// Decodes a variant's bytes with the `image` crate (an independent decoder).
pub fn decode_variant(format: OutputFormat, bytes: &[u8]) -> image::DynamicImage {
    let f = match format {
        OutputFormat::Jpeg => image::ImageFormat::Jpeg,
        OutputFormat::Webp => image::ImageFormat::WebP,
        OutputFormat::Png => image::ImageFormat::Png,
        other => panic!("{other} is not an image variant format"),
    };
    image::load_from_memory_with_format(bytes, f).expect("variant decodes")
}

/// A 32x32 RGB rendition, for comparing images by pixels.
pub fn thumb32(image: &image::DynamicImage) -> Vec<u8> {
    image
        .resize_exact(32, 32, image::imageops::FilterType::Triangle)
        .into_rgb8()
        .into_raw()
}

/// Mean absolute difference per channel, 0–255.
pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.len() as f64
}

/// Runs `f`, turning a panic into an error message naming `what`.
pub fn no_panic<T>(
    what: &str,
    f: impl FnOnce() -> T + std::panic::UnwindSafe,
) -> Result<T, String> {
    std::panic::catch_unwind(f).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{what}: panicked: {msg}")
    })
}
