//! Sizing and resizing: what each variant's box means for a given image, and the cascade that
//! derives every variant from one decoded image.
//!
//! Geometry is computed from the *display* size (after orientation), never from the decoded
//! size, so a variant's size does not depend on how much the decoder shrank on load.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use medialib_core::{Fit, VariantSpec};

use crate::MediaError;
use crate::raster::Raster;

/// A variant's output size and the part of the source it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Target {
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Source scale factor (≤ 1): output pixels per source pixel.
    pub scale: f64,
    /// Source region shown, in display pixels: left, top, width, height.
    pub crop: [f64; 4],
}

impl Target {
    /// True when the whole source is shown (the variant can serve as a cascade intermediate).
    fn is_full_frame(&self, source: (u32, u32)) -> bool {
        self.crop == [0.0, 0.0, f64::from(source.0), f64::from(source.1)]
    }
}

fn round(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

/// Where a spec's box puts an image of `width × height` display pixels.
///
/// Fit scales to fit inside the box; cover scales to cover it and centre-crops. Neither ever
/// upscales: a source smaller than the box keeps its size (cover then crops it to the box's
/// aspect ratio instead).
pub(crate) fn plan(width: u32, height: u32, spec: &VariantSpec) -> Target {
    let (w, h) = (f64::from(width), f64::from(height));
    let (bw, bh) = (f64::from(spec.width), f64::from(spec.height));
    match spec.fit {
        Fit::Fit => {
            let scale = (bw / w).min(bh / h).min(1.0);
            Target {
                width: round(w * scale).min(spec.width),
                height: round(h * scale).min(spec.height),
                scale,
                crop: [0.0, 0.0, w, h],
            }
        }
        Fit::Cover => {
            let scale = (bw / w).max(bh / h);
            let (out_w, out_h, scale) = if scale < 1.0 {
                (spec.width, spec.height, scale)
            } else if w / h > bw / bh {
                // Too small to cover: keep full height, crop the width to the box's aspect.
                (round(h * bw / bh).min(width), height, 1.0)
            } else {
                (width, round(w * bh / bw).min(height), 1.0)
            };
            let (crop_w, crop_h) = (f64::from(out_w) / scale, f64::from(out_h) / scale);
            let (crop_w, crop_h) = (crop_w.min(w), crop_h.min(h));
            Target {
                width: out_w,
                height: out_h,
                scale,
                crop: [(w - crop_w) / 2.0, (h - crop_h) / 2.0, crop_w, crop_h],
            }
        }
    }
}

/// The smallest size the decoder must deliver (in display pixels) so that every target is
/// resized down, never up: the source scaled by the largest target scale, but never less than
/// `floor_side` on the long side (the placeholders' working size) unless the source is smaller.
pub(crate) fn decode_box(
    width: u32,
    height: u32,
    targets: &[Target],
    floor_side: u32,
) -> (u32, u32) {
    let long = f64::from(width.max(height));
    let floor = (f64::from(floor_side) / long).min(1.0);
    let scale = targets.iter().map(|t| t.scale).fold(floor, f64::max);
    (
        (f64::from(width) * scale).ceil() as u32,
        (f64::from(height) * scale).ceil() as u32,
    )
}

/// Resizes `source` (the whole image, `display` pixels when unscaled) to every target, in
/// target order.
///
/// The cascade: targets are made from the largest to the smallest, and each one is resized from
/// the smallest full-frame image made so far that still has at least its resolution. A 150 px
/// thumbnail then comes from the 300 px variant, not from the decoded original, which is
/// both faster and, with a Lanczos filter, as sharp.
pub(crate) fn cascade(
    source: &Raster,
    display: (u32, u32),
    targets: &[Target],
) -> Result<Vec<Raster>, MediaError> {
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by(|&a, &b| targets[b].scale.total_cmp(&targets[a].scale));

    let mut resizer = Resizer::new();
    let mut outputs: Vec<Option<Raster>> = vec![None; targets.len()];
    // Indices into `outputs` of full-frame results, usable as sources for smaller targets.
    let mut intermediates: Vec<usize> = Vec::new();
    for i in order {
        let target = targets[i];
        let needed_width = (f64::from(display.0) * target.scale).ceil() as u32;
        let from = intermediates
            .iter()
            .filter_map(|&j| outputs[j].as_ref())
            .filter(|r| r.width >= needed_width)
            .min_by_key(|r| r.width)
            .unwrap_or(source);
        let out = resize(&mut resizer, from, display, &target)?;
        outputs[i] = Some(out);
        if target.is_full_frame(display) {
            intermediates.push(i);
        }
    }
    Ok(outputs.into_iter().flatten().collect())
}

/// Resizes the target's crop region of `from` (a full-frame image at any scale) to its size.
fn resize(
    resizer: &mut Resizer,
    from: &Raster,
    display: (u32, u32),
    target: &Target,
) -> Result<Raster, MediaError> {
    let pixel_type = if from.alpha {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let fail = |e: &dyn std::fmt::Display| MediaError::Corrupt(format!("resizing failed: {e}"));
    let src =
        ImageRef::new(from.width, from.height, &from.data, pixel_type).map_err(|e| fail(&e))?;
    // Map the display-space crop onto this image, which may be scaled differently per axis
    // by rounding in the decoder.
    let sx = f64::from(from.width) / f64::from(display.0);
    let sy = f64::from(from.height) / f64::from(display.1);
    let [left, top, w, h] = target.crop;
    let (left, top) = (left * sx, top * sy);
    let w = (w * sx).min(f64::from(from.width) - left);
    let h = (h * sy).min(f64::from(from.height) - top);
    let mut dst = Image::new(target.width, target.height, pixel_type);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(left, top, w, h);
    resizer
        .resize(&src, &mut dst, &options)
        .map_err(|e| fail(&e))?;
    Raster::new(target.width, target.height, from.alpha, dst.into_vec()).map_err(|m| fail(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(width: u32, height: u32, fit: Fit) -> VariantSpec {
        VariantSpec {
            name: "t".into(),
            width,
            height,
            fit,
        }
    }

    #[test]
    fn fit_scales_down_and_never_up() {
        let t = plan(4032, 3024, &spec(1200, 800, Fit::Fit));
        assert_eq!((t.width, t.height), (1067, 800));
        let t = plan(100, 68, &spec(300, 300, Fit::Fit));
        assert_eq!((t.width, t.height, t.scale), (100, 68, 1.0));
    }

    #[test]
    fn cover_crops_to_the_box_or_its_aspect() {
        let t = plan(4032, 3024, &spec(1920, 1080, Fit::Cover));
        assert_eq!((t.width, t.height), (1920, 1080));
        assert_eq!(t.crop[2], 4032.0);
        assert!((t.crop[3] - 2268.0).abs() < 1e-9);
        // Smaller than the box: no upscaling, the box's aspect ratio.
        let t = plan(100, 68, &spec(150, 150, Fit::Cover));
        assert_eq!((t.width, t.height), (68, 68));
        assert_eq!(t.crop, [16.0, 0.0, 68.0, 68.0]);
        let t = plan(100, 68, &spec(1920, 1080, Fit::Cover));
        assert_eq!((t.width, t.height), (100, 56));
        // Covering in one direction only still must not upscale.
        let t = plan(2000, 100, &spec(150, 150, Fit::Cover));
        assert_eq!((t.width, t.height), (100, 100));
    }

    #[test]
    fn cascade_makes_every_target_at_its_size() {
        let data = (0..400 * 300)
            .flat_map(|i| [(i % 251) as u8, 0, 255])
            .collect();
        let source = Raster::new(400, 300, false, data).unwrap();
        let targets: Vec<Target> = [
            spec(150, 150, Fit::Cover),
            spec(300, 300, Fit::Fit),
            spec(1920, 1080, Fit::Cover),
        ]
        .iter()
        .map(|s| plan(400, 300, s))
        .collect();
        let out = cascade(&source, (400, 300), &targets).unwrap();
        let sizes: Vec<_> = out.iter().map(|r| (r.width, r.height)).collect();
        assert_eq!(sizes, [(150, 150), (300, 225), (400, 225)]);
    }
}
