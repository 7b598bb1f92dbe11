//! Placeholders shown while an image loads (BlurHash, ThumbHash and a dominant colour) and
//! the perceptual hash that finds near-duplicates.
//!
//! All four are computed from one tiny (at most 100×100) downscale: ThumbHash requires that
//! size (<https://evanw.github.io/thumbhash/>), BlurHash (<https://blurha.sh>) only needs the
//! low frequencies, a colour histogram needs no more, and dHash works on 9×8 pixels.

use base64::Engine;
use medialib_core::{Fit, Placeholder, VariantSpec};

use crate::MediaError;
use crate::raster::Raster;
use crate::resize;

/// Long side, in pixels, of the image the placeholders are computed from.
pub(crate) const WORKING_SIDE: u32 = 100;

/// Computes the placeholders and the perceptual hash from any full-frame rendition of the
/// image.
pub(crate) fn compute(source: &Raster) -> Result<(Placeholder, u64), MediaError> {
    let spec = VariantSpec {
        name: "placeholder".into(),
        width: WORKING_SIDE,
        height: WORKING_SIDE,
        fit: Fit::Fit,
    };
    let target = resize::Target::plan((source.width, source.height), &spec);
    let small = resize::cascade(source, &[target])?
        .pop()
        .ok_or_else(|| MediaError::Corrupt("placeholder downscale produced nothing".into()))?;
    let rgba = small.to_rgba();
    let blurhash = blurhash::encode(4, 3, small.width, small.height, &rgba)
        .map_err(|e| MediaError::Corrupt(format!("BlurHash encoding failed: {e}")))?;
    let thumbhash =
        thumbhash::rgba_to_thumb_hash(small.width as usize, small.height as usize, &rgba);
    let placeholder = Placeholder {
        blurhash,
        thumbhash: base64::engine::general_purpose::STANDARD.encode(thumbhash),
        dominant_color: dominant_color(&rgba),
    };
    Ok((
        placeholder,
        perceptual_hash(small.width, small.height, rgba),
    ))
}

/// 64-bit difference hash (dHash: 9×8 grey pixels, one bit per horizontal neighbour pair,
/// <https://www.hackerfactor.com/blog/index.php?/archives/529-Kind-of-Like-That.html>).
/// Re-encoding, resizing and mild colour changes move it by a few bits; other pictures
/// differ in about half of them.
fn perceptual_hash(width: u32, height: u32, rgba: Vec<u8>) -> u64 {
    let Some(image) = image::RgbaImage::from_raw(width, height, rgba) else {
        return 0;
    };
    let hasher = image_hasher::HasherConfig::new()
        .hash_size(8, 8)
        .hash_alg(image_hasher::HashAlg::Gradient)
        .to_hasher();
    let hash = hasher.hash_image(&image::DynamicImage::ImageRgba8(image));
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_be_bytes(bytes)
}

/// The most common colour: pixels are binned by their top 4 bits per channel, and the fullest
/// bin's mean is returned as `#rrggbb`. Mostly transparent pixels do not vote, unless nothing
/// else is left.
fn dominant_color(rgba: &[u8]) -> String {
    let mut bins = vec![(0u32, [0u64; 3]); 16 * 16 * 16];
    let mut vote = |px: &[u8]| {
        let bin =
            usize::from(px[0] >> 4) << 8 | usize::from(px[1] >> 4) << 4 | usize::from(px[2] >> 4);
        let (count, sum) = &mut bins[bin];
        *count += 1;
        for c in 0..3 {
            sum[c] += u64::from(px[c]);
        }
    };
    let opaque: Vec<&[u8]> = rgba.chunks_exact(4).filter(|px| px[3] >= 128).collect();
    if opaque.is_empty() {
        rgba.chunks_exact(4).for_each(&mut vote);
    } else {
        opaque.into_iter().for_each(&mut vote);
    }
    let (count, sum) = bins
        .iter()
        .max_by_key(|(count, _)| *count)
        .copied()
        .unwrap_or_default();
    let mean = |c: usize| sum[c].checked_div(u64::from(count)).unwrap_or(0);
    format!("#{:02x}{:02x}{:02x}", mean(0), mean(1), mean(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominant_colour_is_the_majority() {
        let mut rgba = [250u8, 10, 10, 255].repeat(70);
        rgba.extend([10u8, 10, 250, 255].repeat(30));
        rgba.extend([0u8, 255, 0, 0].repeat(100)); // transparent pixels do not vote
        assert_eq!(dominant_color(&rgba), "#fa0a0a");
    }

    #[test]
    fn placeholders_for_a_tiny_image() {
        let raster = Raster::new(2, 1, false, vec![255, 0, 0, 0, 0, 255]).unwrap();
        let (p, _) = compute(&raster).unwrap();
        assert_eq!(p.blurhash.len(), 4 + 2 * (4 * 3 - 1) + 2);
        assert!(!p.thumbhash.is_empty());
        assert!(p.dominant_color.starts_with('#') && p.dominant_color.len() == 7);
    }
}
