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

/// Where one box puts one image: the output size and the part of the source it shows, planned
/// with [`Target::plan`] from the image's display size (see [`crate::pipeline::Probe`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Output pixels per display pixel, at most 1.
    pub(crate) scale: f64,
    /// In display pixels: left, top, width, height.
    pub(crate) crop: [f64; 4],
    /// The display size the geometry refers to.
    pub(crate) display: (u32, u32),
}

fn round(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

impl Target {
    /// Where `spec`'s box puts an image of `display` = (width, height) pixels as displayed.
    ///
    /// [`Fit::Fit`] scales to fit inside the box; [`Fit::Cover`] scales to cover it and
    /// centre-crops. Neither ever upscales: a source smaller than the box keeps its size
    /// (cover then crops it to the box's aspect ratio instead). Sides are rounded to whole
    /// pixels and are at least 1.
    pub fn plan(display: (u32, u32), spec: &VariantSpec) -> Self {
        let (width, height) = display;
        let (w, h) = (f64::from(width), f64::from(height));
        let (bw, bh) = (f64::from(spec.width), f64::from(spec.height));
        match spec.fit {
            Fit::Fit => {
                let scale = (bw / w).min(bh / h).min(1.0);
                Self {
                    width: round(w * scale).min(spec.width),
                    height: round(h * scale).min(spec.height),
                    scale,
                    crop: [0.0, 0.0, w, h],
                    display,
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
                Self {
                    width: out_w,
                    height: out_h,
                    scale,
                    crop: [(w - crop_w) / 2.0, (h - crop_h) / 2.0, crop_w, crop_h],
                    display,
                }
            }
        }
    }

    /// The same target with its crop moved so that `focus` (fractions of the picture) is
    /// as near its centre as the picture's edges allow.
    pub fn centred_on(self, (fx, fy): (f64, f64)) -> Self {
        let (w, h) = (f64::from(self.display.0), f64::from(self.display.1));
        let [_, _, cw, ch] = self.crop;
        let left = (fx * w - cw / 2.0).clamp(0.0, (w - cw).max(0.0));
        let top = (fy * h - ch / 2.0).clamp(0.0, (h - ch).max(0.0));
        Self {
            crop: [left, top, cw, ch],
            ..self
        }
    }

    /// Output (width, height) in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Output pixels per display pixel (at most 1).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The source region shown, in display pixels: left, top, width, height.
    pub fn crop(&self) -> [f64; 4] {
        self.crop
    }

    /// True when the whole source is shown, so the output can stand in for the source when
    /// making smaller targets.
    pub fn is_full_frame(&self) -> bool {
        self.crop
            == [
                0.0,
                0.0,
                f64::from(self.display.0),
                f64::from(self.display.1),
            ]
    }
}

/// The size, in pixels, to draw a vector picture (SVG) of `intrinsic` = (width, height)
/// so that every spec's box is met without enlarging pixels: the intrinsic size scaled up
/// to what the most demanding box needs ([`Fit::Fit`]: fitting inside it, [`Fit::Cover`]:
/// covering it), never scaled down, and kept within `max_pixels` and `max_side`. A 72×72
/// icon drawn for a 1920×1080 cover box is drawn at 1920×1920.
pub fn drawing_size(
    intrinsic: (u32, u32),
    specs: &[VariantSpec],
    max_pixels: u64,
    max_side: u32,
) -> (u32, u32) {
    let (w, h) = (f64::from(intrinsic.0), f64::from(intrinsic.1));
    let needed = specs
        .iter()
        .map(|spec| {
            let (sx, sy) = (f64::from(spec.width) / w, f64::from(spec.height) / h);
            match spec.fit {
                Fit::Fit => sx.min(sy),
                Fit::Cover => sx.max(sy),
            }
        })
        .fold(1.0, f64::max);
    let within = (max_pixels as f64 / (w * h))
        .sqrt()
        .min(f64::from(max_side) / w.max(h));
    let scale = needed.min(within).max(1.0);
    (round(w * scale), round(h * scale))
}

/// The smallest size, in display pixels (width, height), a decoder must deliver so that
/// every target is resized down, never up: the `display` size scaled by the largest target
/// scale, but never less than `min_long_side` pixels on the long side unless the image is
/// smaller. Pass it to [`crate::pipeline::decode`] to shrink on load.
pub fn decode_box(display: (u32, u32), targets: &[Target], min_long_side: u32) -> (u32, u32) {
    let (width, height) = display;
    let long = f64::from(width.max(height));
    let floor = (f64::from(min_long_side) / long).min(1.0);
    let scale = targets.iter().map(|t| t.scale).fold(floor, f64::max);
    (
        (f64::from(width) * scale).ceil() as u32,
        (f64::from(height) * scale).ceil() as u32,
    )
}

/// Resizes `source` to every target, in target order; one [`Raster`] of each target's
/// [`Target::size`] per target.
///
/// `source` is the whole upright image at any scale (e.g. from
/// [`crate::pipeline::decode_upright`]); the targets must have been planned for its display
/// size. The cascade makes targets from the largest to the smallest, and resizes each one from
/// the smallest full-frame output made so far that still has at least its resolution. A 150 px
/// thumbnail then comes from the 300 px variant, not from the decoded original, which is both
/// faster and, with a Lanczos-3 filter, as sharp.
///
/// Errors: [`MediaError::Corrupt`] when the resizer refuses the geometry.
pub fn cascade(source: &Raster, targets: &[Target]) -> Result<Vec<Raster>, MediaError> {
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by(|&a, &b| targets[b].scale.total_cmp(&targets[a].scale));

    let mut resizer = Resizer::new();
    let mut outputs: Vec<Option<Raster>> = vec![None; targets.len()];
    // Indices into `outputs` of full-frame results, usable as sources for smaller targets.
    let mut intermediates: Vec<usize> = Vec::new();
    for i in order {
        let target = targets[i];
        let needed_width = (f64::from(target.display.0) * target.scale).ceil() as u32;
        let from = intermediates
            .iter()
            .filter_map(|&j| outputs[j].as_ref())
            .filter(|r| r.width >= needed_width)
            .min_by_key(|r| r.width)
            .unwrap_or(source);
        let out = resize_with(&mut resizer, from, &target)?;
        outputs[i] = Some(out);
        if target.is_full_frame() {
            intermediates.push(i);
        }
    }
    Ok(outputs.into_iter().flatten().collect())
}

/// Resizes `source` to one target: a [`Raster`] of [`Target::size`], showing the target's
/// crop region, with a Lanczos-3 filter.
///
/// `source` is the whole upright image at any scale; its sides may be rounded differently from
/// the display size (as shrink-on-load does), the crop is mapped per axis. For several targets
/// of one image use [`cascade`], which is faster.
///
/// Errors: [`MediaError::Corrupt`] when the resizer refuses the geometry.
pub fn resize(source: &Raster, target: &Target) -> Result<Raster, MediaError> {
    resize_with(&mut Resizer::new(), source, target)
}

fn resize_with(
    resizer: &mut Resizer,
    from: &Raster,
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
    let sx = f64::from(from.width) / f64::from(target.display.0);
    let sy = f64::from(from.height) / f64::from(target.display.1);
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
        let t = Target::plan((4032, 3024), &spec(1200, 800, Fit::Fit));
        assert_eq!((t.width, t.height), (1067, 800));
        let t = Target::plan((100, 68), &spec(300, 300, Fit::Fit));
        assert_eq!((t.width, t.height, t.scale), (100, 68, 1.0));
    }

    #[test]
    fn cover_crops_to_the_box_or_its_aspect() {
        let t = Target::plan((4032, 3024), &spec(1920, 1080, Fit::Cover));
        assert_eq!((t.width, t.height), (1920, 1080));
        assert_eq!(t.crop[2], 4032.0);
        assert!((t.crop[3] - 2268.0).abs() < 1e-9);
        // Smaller than the box: no upscaling, the box's aspect ratio.
        let t = Target::plan((100, 68), &spec(150, 150, Fit::Cover));
        assert_eq!((t.width, t.height), (68, 68));
        assert_eq!(t.crop, [16.0, 0.0, 68.0, 68.0]);
        let t = Target::plan((100, 68), &spec(1920, 1080, Fit::Cover));
        assert_eq!((t.width, t.height), (100, 56));
        // Covering in one direction only still must not upscale.
        let t = Target::plan((2000, 100), &spec(150, 150, Fit::Cover));
        assert_eq!((t.width, t.height), (100, 100));
    }

    #[test]
    fn a_crop_moves_to_its_focus_within_the_picture() {
        let t = Target::plan((400, 300), &spec(150, 150, Fit::Cover));
        assert_eq!(t.crop, [50.0, 0.0, 300.0, 300.0]);
        assert_eq!(t.centred_on((1.0, 0.5)).crop, [100.0, 0.0, 300.0, 300.0]);
        assert_eq!(t.centred_on((0.0, 0.0)).crop, [0.0, 0.0, 300.0, 300.0]);
        assert_eq!(t.centred_on((0.4, 0.5)).crop, [10.0, 0.0, 300.0, 300.0]);
    }

    #[test]
    fn a_drawing_is_as_large_as_its_largest_box_needs_within_the_limits() {
        let boxes = [spec(150, 150, Fit::Cover), spec(1200, 800, Fit::Fit)];
        assert_eq!(
            drawing_size((72, 72), &boxes, 100_000_000, 20_000),
            (800, 800)
        );
        let hero = [spec(1920, 1080, Fit::Cover)];
        assert_eq!(
            drawing_size((72, 72), &hero, 100_000_000, 20_000),
            (1920, 1920)
        );
        assert_eq!(
            drawing_size((72, 36), &hero, 100_000_000, 20_000),
            (2160, 1080)
        );
        // Never smaller than drawn by its own size, never over the limits.
        assert_eq!(
            drawing_size((4000, 2000), &boxes, 100_000_000, 20_000),
            (4000, 2000)
        );
        assert_eq!(
            drawing_size((72, 72), &hero, 1_000_000, 20_000),
            (1000, 1000)
        );
        assert_eq!(
            drawing_size((72, 36), &hero, 100_000_000, 1500),
            (1500, 750)
        );
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
        .map(|s| Target::plan((400, 300), s))
        .collect();
        let out = cascade(&source, &targets).unwrap();
        let sizes: Vec<_> = out.iter().map(|r| (r.width, r.height)).collect();
        assert_eq!(sizes, [(150, 150), (300, 225), (400, 225)]);
    }
}
