//! Watermarks: a picture or a line of text laid over a transform's result (DESIGN §9.3,
//! `[transforms.watermarks.NAME]`), sized relative to the result so that one preset suits a
//! 320 px thumbnail and a 2560 px hero alike.

use crate::pipeline::{self, Raster, Target};
use crate::{ImageFormat, ImageLimits, MediaError};

/// What a watermark shows.
#[derive(Debug, Clone, Copy)]
pub enum Mark<'a> {
    /// A stored picture (a logo, say), its transparency kept.
    Picture {
        /// The file.
        bytes: &'a [u8],
        /// Its format.
        format: ImageFormat,
    },
    /// One line of text in `color` (RGB), set in DejaVu Sans Bold.
    Text {
        /// The text, shown as written (no markup).
        text: &'a str,
        /// Its colour.
        color: [u8; 3],
    },
}

/// A watermark and where it goes on a result.
#[derive(Debug, Clone, Copy)]
pub struct Watermark<'a> {
    /// What it shows.
    pub mark: Mark<'a>,
    /// Where it goes, as fractions (x, y) of the room left around it: (1, 1) is the
    /// bottom-right corner, (0.5, 0.5) the centre.
    pub anchor: (f64, f64),
    /// Opacity, more than 0 and at most 1, multiplied into the mark's own transparency.
    pub opacity: f64,
    /// The mark's width as a fraction (at most 1) of the result's width. A picture mark
    /// keeps its aspect ratio and is never taller than the result less its margins.
    pub scale: f64,
    /// The gap from the edges, as a fraction of the result's shorter side.
    pub margin: f64,
}

/// Lays `watermark` over `raster`, in place.
///
/// Errors: [`MediaError::TooLarge`] when a picture mark is over `limits`,
/// [`MediaError::Corrupt`] when it does not decode or the text cannot be set.
pub(crate) fn apply(
    raster: &mut Raster,
    watermark: &Watermark<'_>,
    limits: &ImageLimits,
) -> Result<(), MediaError> {
    let (width, height) = (raster.width, raster.height);
    let margin = (watermark.margin * f64::from(width.min(height))).round() as u32;
    let room = (
        width.saturating_sub(2 * margin).max(1),
        height.saturating_sub(2 * margin).max(1),
    );
    let wanted = ((watermark.scale * f64::from(width)).round() as u32).clamp(1, room.0);
    let mark = match watermark.mark {
        Mark::Picture { bytes, format } => picture(bytes, format, (wanted, room.1), limits)?,
        Mark::Text { text, color } => text_mark(text, color, (wanted, room.1))?,
    };
    let left = margin + ((watermark.anchor.0 * f64::from(room.0 - mark.width)).round() as u32);
    let top = margin + ((watermark.anchor.1 * f64::from(room.1 - mark.height)).round() as u32);
    blend(raster, &mark, (left, top), watermark.opacity);
    Ok(())
}

/// The picture mark as RGBA pixels, `size.0` wide (or less, to stay within `size.1` high).
fn picture(
    bytes: &[u8],
    format: ImageFormat,
    size: (u32, u32),
    limits: &ImageLimits,
) -> Result<Raster, MediaError> {
    let probe = pipeline::probe(bytes, format, limits)?;
    let display = probe.display_size();
    let (dw, dh) = (f64::from(display.0), f64::from(display.1));
    let scale = (f64::from(size.0) / dw).min(f64::from(size.1) / dh);
    let out = (
        ((dw * scale).round() as u32).clamp(1, size.0),
        ((dh * scale).round() as u32).clamp(1, size.1),
    );
    let upright = pipeline::decode_upright(bytes, &probe, out, limits)?;
    let target = Target {
        width: out.0,
        height: out.1,
        scale: scale.min(1.0),
        crop: [0.0, 0.0, dw, dh],
        display,
    };
    let resized = pipeline::resize(&upright.raster, &target)?;
    Ok(with_alpha(resized))
}

/// The text mark as RGBA pixels: `color` where the glyphs are, transparent elsewhere.
fn text_mark(text: &str, color: [u8; 3], size: (u32, u32)) -> Result<Raster, MediaError> {
    let (mask, w, h) = crate::decode::vips::text_mask(text, size.0, size.1)
        .map_err(|m| MediaError::corrupt("text watermark", m))?;
    let data = mask
        .iter()
        .flat_map(|&coverage| [color[0], color[1], color[2], coverage])
        .collect();
    Raster::new(w, h, true, data).map_err(|m| MediaError::corrupt("text watermark", m))
}

fn with_alpha(raster: Raster) -> Raster {
    if raster.alpha {
        return raster;
    }
    let data = raster.to_rgba();
    Raster::new(raster.width, raster.height, true, data).expect("RGBA of the same size")
}

/// Composites `mark` (RGBA, straight alpha) over `raster` at `at`, its alpha multiplied by
/// `opacity` ("over", in 8-bit sRGB as browsers blend).
fn blend(raster: &mut Raster, mark: &Raster, at: (u32, u32), opacity: f64) {
    let channels = raster.channels();
    let (rw, mw) = (raster.width as usize, mark.width as usize);
    let rows = (mark.height as usize).min((raster.height - at.1.min(raster.height)) as usize);
    let cols = mw.min(rw - (at.0 as usize).min(rw));
    for y in 0..rows {
        let src = &mark.data[y * mw * 4..][..cols * 4];
        let start = ((y + at.1 as usize) * rw + at.0 as usize) * channels;
        let dst = &mut raster.data[start..][..cols * channels];
        for (s, d) in src.chunks_exact(4).zip(dst.chunks_exact_mut(channels)) {
            let a = f64::from(s[3]) / 255.0 * opacity;
            if a <= 0.0 {
                continue;
            }
            let below = if channels == 4 {
                f64::from(d[3]) / 255.0
            } else {
                1.0
            };
            let out = a + below * (1.0 - a);
            for c in 0..3 {
                let v = (f64::from(s[c]) * a + f64::from(d[c]) * below * (1.0 - a)) / out;
                d[c] = v.round().clamp(0.0, 255.0) as u8;
            }
            if channels == 4 {
                d[3] = (out * 255.0).round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(width: u32, height: u32) -> Raster {
        Raster::new(
            width,
            height,
            false,
            vec![40; (width * height * 3) as usize],
        )
        .unwrap()
    }

    /// The bounding box of the pixels that differ from the grey background.
    fn marked(raster: &Raster) -> Option<[u32; 4]> {
        let mut bounds: Option<[u32; 4]> = None;
        for (i, px) in raster.data.chunks_exact(3).enumerate() {
            if px.iter().any(|&v| v.abs_diff(40) > 8) {
                let (x, y) = (i as u32 % raster.width, i as u32 / raster.width);
                let b = bounds.get_or_insert([x, y, x, y]);
                *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
        }
        bounds
    }

    #[test]
    fn a_text_mark_sits_in_its_corner_within_the_margin() {
        let mut raster = grey(800, 400);
        let watermark = Watermark {
            mark: Mark::Text {
                text: "© Example & Co",
                color: [255, 255, 255],
            },
            anchor: (1.0, 1.0),
            opacity: 1.0,
            scale: 0.25,
            margin: 0.05,
        };
        apply(&mut raster, &watermark, &ImageLimits::default()).unwrap();
        let [left, top, right, bottom] = marked(&raster).expect("the text shows");
        // 20 px margin (5 % of 400), 200 px wide at most (25 % of 800).
        assert!(
            right <= 780 && bottom <= 380,
            "{left},{top} {right},{bottom}"
        );
        assert!(
            right >= 770 && left >= 580 && right - left >= 150,
            "{left} {right}"
        );
        assert!(top > 300, "one line, at the bottom: {top}");
    }

    #[test]
    fn opacity_scales_the_mark() {
        let mut faint = grey(200, 100);
        let mark = Raster::new(10, 10, true, [255, 0, 0, 255].repeat(100)).unwrap();
        blend(&mut faint, &mark, (0, 0), 0.5);
        assert_eq!(&faint.data[..3], &[148, 20, 20]);
        assert_eq!(&faint.data[30..33], &[40, 40, 40], "outside the mark");
    }
}
