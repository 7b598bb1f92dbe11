//! Auto-orientation: turning stored pixels upright according to the EXIF Orientation tag.
//!
//! Orientation values follow EXIF 2.32 (CIPA DC-008) tag 0x0112: 1 upright, 2 mirrored
//! horizontally, 3 rotated 180°, 4 mirrored vertically, 5 transposed, 6 needs 90° clockwise,
//! 7 transversed, 8 needs 90° counter-clockwise. Values 5–8 swap width and height.

use crate::raster::Raster;

/// The orientation to apply, or `None` for anything that is not 2–8 (1, 0, garbage: upright).
pub(crate) fn normalize(orientation: Option<u16>) -> Option<u16> {
    orientation.filter(|o| (2..=8).contains(o))
}

/// True when the orientation swaps width and height.
pub(crate) fn swaps_axes(orientation: Option<u16>) -> bool {
    matches!(normalize(orientation), Some(5..=8))
}

/// The display size for a stored size and orientation.
pub(crate) fn display_size(width: u32, height: u32, orientation: Option<u16>) -> (u32, u32) {
    if swaps_axes(orientation) {
        (height, width)
    } else {
        (width, height)
    }
}

/// Turns a raster in stored orientation upright according to an EXIF Orientation value
/// (see the module table; [`crate::pipeline::Probe::pending_orientation`] says which one a
/// decode still needs). 5–8 swap width and height; `None`, 1 and invalid values return the
/// raster unchanged, without copying.
pub fn apply(raster: Raster, orientation: Option<u16>) -> Raster {
    let Some(o) = normalize(orientation) else {
        return raster;
    };
    let (w, h) = (raster.width as usize, raster.height as usize);
    let c = raster.channels();
    let (out_w, out_h) = if o >= 5 { (h, w) } else { (w, h) };
    let src = &raster.data;
    let mut out = vec![0u8; src.len()];
    for oy in 0..out_h {
        let row = &mut out[oy * out_w * c..(oy + 1) * out_w * c];
        if o <= 4 {
            // Mirror/180° cases keep rows as rows, so whole rows can be copied or reversed.
            let sy = if o == 3 || o == 4 { h - 1 - oy } else { oy };
            let src_row = &src[sy * w * c..(sy + 1) * w * c];
            if o == 4 {
                row.copy_from_slice(src_row);
            } else {
                for (dst, px) in row.chunks_exact_mut(c).zip(src_row.chunks_exact(c).rev()) {
                    dst.copy_from_slice(px);
                }
            }
            continue;
        }
        for (ox, dst) in row.chunks_exact_mut(c).enumerate() {
            let (sx, sy) = match o {
                5 => (oy, ox),
                6 => (oy, h - 1 - ox),
                7 => (w - 1 - oy, h - 1 - ox),
                _ => (w - 1 - oy, ox),
            };
            let i = (sy * w + sx) * c;
            dst.copy_from_slice(&src[i..i + c]);
        }
    }
    Raster {
        width: out_w as u32,
        height: out_h as u32,
        alpha: raster.alpha,
        data: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x2 image whose pixels are numbered 0..6 in the red channel.
    fn numbered() -> Raster {
        let data = (0u8..6).flat_map(|i| [i, 0, 0]).collect();
        Raster::new(3, 2, false, data).unwrap()
    }

    fn reds(r: &Raster) -> Vec<u8> {
        r.data.chunks_exact(3).map(|p| p[0]).collect()
    }

    #[test]
    fn every_orientation_maps_pixels_as_exif_says() {
        // Stored:      0 1 2
        //              3 4 5
        let cases: [(u16, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [0, 1, 2, 3, 4, 5]),
            (2, (3, 2), [2, 1, 0, 5, 4, 3]),
            (3, (3, 2), [5, 4, 3, 2, 1, 0]),
            (4, (3, 2), [3, 4, 5, 0, 1, 2]),
            (5, (2, 3), [0, 3, 1, 4, 2, 5]),
            (6, (2, 3), [3, 0, 4, 1, 5, 2]),
            (7, (2, 3), [5, 2, 4, 1, 3, 0]),
            (8, (2, 3), [2, 5, 1, 4, 0, 3]),
        ];
        for (o, size, expected) in cases {
            let r = apply(numbered(), Some(o));
            assert_eq!((r.width, r.height), size, "orientation {o}");
            assert_eq!(reds(&r), expected, "orientation {o}");
        }
    }
}
