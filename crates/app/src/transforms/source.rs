//! Which stored picture a transform reads: the smallest one that shows the whole picture at
//! the resolution the output needs (DESIGN §9.3), so a 150 px thumbnail decodes a 300 px
//! variant rather than a 12 MP original.

use medialib_core::{Asset, AssetKind, OutputFormat, Sha256, StorageKey, Variant};
use medialib_media::ImageFormat;

/// A stored picture that shows the asset's whole picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Source {
    pub key: StorageKey,
    pub format: ImageFormat,
    pub size: (u32, u32),
}

/// The asset's picture: its size as displayed and every stored copy of it.
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    /// Width and height in pixels, upright: the size transforms plan against.
    pub size: (u32, u32),
    /// Whether it has transparent pixels (so `auto` falls back to PNG, not JPEG).
    pub alpha: bool,
    /// The content the results depend on: the original's SHA-256.
    pub sha256: Sha256,
    candidates: Vec<Source>,
}

impl Picture {
    /// The picture of `asset`: an image's original and its full-frame variants; for the
    /// other kinds, the full-size `poster` and the full-frame variants made at ingest from
    /// a video's frame, cover art, a PDF's first page or a model's preview. `None` when the
    /// asset has none (audio without cover art, a text file, not processed yet).
    pub fn of(asset: &Asset, variants: &[Variant]) -> Option<Self> {
        let stored = |v: &Variant| {
            let format = match v.format {
                OutputFormat::Jpeg => ImageFormat::Jpeg,
                OutputFormat::Png => ImageFormat::Png,
                // Variants exist in WebP too; libjpeg-turbo decodes faster than libwebp.
                _ => return None,
            };
            Some(Source {
                key: StorageKey::from_stored(v.storage_key.clone()),
                format,
                size: (v.width?, v.height?),
            })
        };
        let mut candidates = Vec::new();
        let size = if asset.kind == AssetKind::Image {
            let format = ImageFormat::from_mime(&asset.mime)?;
            let size = (asset.width?, asset.height?);
            // First, so that a variant of the same size never replaces it.
            candidates.push(Source {
                key: StorageKey::original(asset.namespace, &asset.sha256),
                format,
                size,
            });
            candidates.extend(variants.iter().filter_map(stored));
            size
        } else {
            candidates.extend(variants.iter().filter_map(stored));
            candidates
                .iter()
                .map(|c| c.size)
                .max_by_key(|(w, h)| u64::from(*w) * u64::from(*h))?
        };
        // Only pictures of the whole frame can stand in for it; cover crops cannot.
        candidates.retain(|c| same_aspect(c.size, size));
        candidates.sort_by_key(|c| u64::from(c.size.0) * u64::from(c.size.1));
        candidates.dedup_by(|a, b| a.size == b.size);
        Some(Self {
            size,
            alpha: Self::has_alpha(asset),
            sha256: asset.sha256,
            candidates,
        })
    }

    /// Whether the asset's picture has transparent pixels: an image's, as processing found.
    pub fn has_alpha(asset: &Asset) -> bool {
        matches!(&asset.metadata, Some(medialib_core::Metadata::Image(m)) if m.has_alpha)
    }

    /// The smallest stored picture with at least `scale` × the picture's pixels on both
    /// sides, else the largest.
    pub fn source_for(&self, scale: f64) -> &Source {
        let need = |side: u32| (f64::from(side) * scale.min(1.0) - 0.5).ceil() as u32;
        let (need_w, need_h) = (need(self.size.0), need(self.size.1));
        self.candidates
            .iter()
            .find(|c| c.size.0 >= need_w && c.size.1 >= need_h)
            .unwrap_or_else(|| self.candidates.last().expect("a picture has a source"))
    }
}

/// Whether `a` is `b` scaled, allowing for each side's rounding to whole pixels.
fn same_aspect(a: (u32, u32), b: (u32, u32)) -> bool {
    let (aw, ah) = (f64::from(a.0), f64::from(a.1));
    let (bw, bh) = (f64::from(b.0), f64::from(b.1));
    (aw * bh / bw - ah).abs() <= 1.0 && (ah * bw / bh - aw).abs() <= 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_frame_variants_of_any_rounding_stand_in() {
        assert!(same_aspect((300, 225), (4032, 3024)));
        assert!(same_aspect((1067, 800), (4032, 3024)));
        assert!(!same_aspect((150, 150), (4032, 3024)));
        assert!(!same_aspect((1920, 1080), (4032, 3024)));
    }
}
