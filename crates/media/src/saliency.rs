//! Where the subject of a picture is, for `g_auto` crops without a focal point: the
//! measured heuristic of libvips' `attention` smart crop (edges, saturation and skin tones
//! attract the eye), on a coarse grid so it costs well under a millisecond.

use crate::raster::Raster;

/// Cells on the grid's long side.
const GRID: usize = 48;

/// The centre of the crop window of `region` = (width, height), as fractions of the
/// picture, that holds the most salient content of `raster`; as fractions (x, y) of the
/// picture. Ties go to the window nearest the centre.
pub(crate) fn focus(raster: &Raster, region: (f64, f64)) -> (f64, f64) {
    let (w, h) = (raster.width as usize, raster.height as usize);
    let cell = w.max(h).div_ceil(GRID).max(1);
    let (gw, gh) = (w.div_ceil(cell), h.div_ceil(cell));
    let colours = cell_means(raster, cell, gw, gh);
    let luma: Vec<f64> = colours
        .iter()
        .map(|[r, g, b]| 0.299 * r + 0.587 * g + 0.114 * b)
        .collect();
    let mut score = vec![0.0; gw * gh];
    for y in 0..gh {
        for x in 0..gw {
            let at = |dx: isize, dy: isize| {
                let xx = (x as isize + dx).clamp(0, gw as isize - 1) as usize;
                let yy = (y as isize + dy).clamp(0, gh as isize - 1) as usize;
                luma[yy * gw + xx]
            };
            let edge = (4.0 * at(0, 0) - at(-1, 0) - at(1, 0) - at(0, -1) - at(0, 1)).abs();
            let [r, g, b] = colours[y * gw + x];
            let saturation = r.max(g).max(b) - r.min(g).min(b);
            score[y * gw + x] = edge + 0.5 * saturation + if skin(r, g, b) { 60.0 } else { 0.0 };
        }
    }
    best_window(&score, gw, gh, region)
}

/// Mean RGB of each `cell`×`cell` block, row by row.
fn cell_means(raster: &Raster, cell: usize, gw: usize, gh: usize) -> Vec<[f64; 3]> {
    let (w, channels) = (raster.width as usize, raster.channels());
    let mut sums = vec![[0.0f64; 4]; gw * gh];
    for (y, row) in raster.data.chunks_exact(w * channels).enumerate() {
        for (x, px) in row.chunks_exact(channels).enumerate() {
            let s = &mut sums[(y / cell) * gw + x / cell];
            s[0] += f64::from(px[0]);
            s[1] += f64::from(px[1]);
            s[2] += f64::from(px[2]);
            s[3] += 1.0;
        }
    }
    sums.iter()
        .map(|[r, g, b, n]| [r / n, g / n, b / n])
        .collect()
}

/// A common RGB skin-tone rule (Kovac et al., 2003, daylight).
fn skin(r: f64, g: f64, b: f64) -> bool {
    r > 95.0
        && g > 40.0
        && b > 20.0
        && r - g > 15.0
        && r > b
        && r.max(g).max(b) - r.min(g).min(b) > 15.0
}

fn best_window(score: &[f64], gw: usize, gh: usize, region: (f64, f64)) -> (f64, f64) {
    // Summed-area table, one row and column of zeros in front.
    let mut sat = vec![0.0; (gw + 1) * (gh + 1)];
    for y in 0..gh {
        for x in 0..gw {
            sat[(y + 1) * (gw + 1) + x + 1] =
                score[y * gw + x] + sat[y * (gw + 1) + x + 1] + sat[(y + 1) * (gw + 1) + x]
                    - sat[y * (gw + 1) + x];
        }
    }
    let rw = ((region.0 * gw as f64).round() as usize).clamp(1, gw);
    let rh = ((region.1 * gh as f64).round() as usize).clamp(1, gh);
    let sum = |x: usize, y: usize| {
        sat[(y + rh) * (gw + 1) + x + rw]
            - sat[y * (gw + 1) + x + rw]
            - sat[(y + rh) * (gw + 1) + x]
            + sat[y * (gw + 1) + x]
    };
    let centre = ((gw - rw) as f64 / 2.0, (gh - rh) as f64 / 2.0);
    let mut best = (f64::MIN, f64::MAX, 0, 0);
    for y in 0..=gh - rh {
        for x in 0..=gw - rw {
            let s = sum(x, y);
            let distance = (x as f64 - centre.0).abs() + (y as f64 - centre.1).abs();
            if s > best.0 + 1e-9 || ((s - best.0).abs() <= 1e-9 && distance < best.1) {
                best = (s, distance, x, y);
            }
        }
    }
    (
        (best.2 as f64 + rw as f64 / 2.0) / gw as f64,
        (best.3 as f64 + rh as f64 / 2.0) / gh as f64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_goes_where_the_detail_is() {
        // A flat grey picture with a busy, saturated patch in its right quarter.
        let (w, h) = (400u32, 200u32);
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let busy = x > 320 && (x / 4 + y / 4) % 2 == 0;
                data.extend_from_slice(if busy { &[255, 0, 0] } else { &[128, 128, 128] });
            }
        }
        let raster = Raster::new(w, h, false, data).unwrap();
        let (fx, _) = focus(&raster, (0.25, 1.0));
        assert!(fx > 0.8, "focus x {fx}");
        // Nothing salient: the centre.
        let flat = Raster::new(w, h, false, vec![128; (w * h * 3) as usize]).unwrap();
        assert_eq!(focus(&flat, (0.5, 1.0)), (0.5, 0.5));
    }
}
