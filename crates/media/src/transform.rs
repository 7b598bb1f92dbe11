//! One on-the-fly transform: a stored picture in, one encoded file out, composed of the
//! [`crate::pipeline`] stages.
//!
//! The geometry comes from [`TransformOps::plan`] on the *asset's* picture size, whatever
//! stored picture the caller passes as the source (the original, or a smaller full-frame
//! variant that is large enough): the output is the same size either way, and decoding a
//! 300 px variant for a 150 px thumbnail is two orders of magnitude cheaper than a 12 MP
//! original.

use medialib_core::OutputFormat;
use medialib_core::transform::TransformOps;

use crate::pipeline::{self, Raster, Target};
use crate::watermark::{self, Watermark};
use crate::{EncodeSettings, ImageFormat, ImageLimits, MediaError, saliency};

/// What to make.
#[derive(Debug, Clone)]
pub struct RenderRequest<'a> {
    /// The ops, canonical or not.
    pub ops: &'a TransformOps,
    /// The asset's picture size as displayed (after orientation), in pixels: the geometry
    /// refers to it, not to the source passed in.
    pub picture: (u32, u32),
    /// Where `c_fill` centres its crop, as fractions of the picture; `None` finds the most
    /// salient region.
    pub focus: Option<(f64, f64)>,
    /// Longest side a picture without `w_`/`h_` keeps, in pixels.
    pub max_side: u32,
    /// The output format.
    pub format: OutputFormat,
    /// Encoder qualities; `ops.quality` overrides the one of `format`.
    pub encode: EncodeSettings,
    /// The watermark laid over the result, if any (what `ops.watermark` names, resolved).
    pub watermark: Option<Watermark<'a>>,
}

/// An encoded transform result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The file, without metadata (no EXIF, GPS or ICC; sRGB pixels).
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Renders `request` from `source`, a stored picture of `format` showing the whole asset
/// picture at any scale.
///
/// Decodes at the scale the output needs (JPEG: DCT scaling), turns the pixels upright and
/// sRGB, resizes (Lanczos-3) the planned region, letterboxes (`c_pad`), blurs, sharpens,
/// lays the watermark over it and encodes. A transparent picture sent as JPEG is
/// composited on white.
///
/// Errors: [`MediaError::TooLarge`] when the source or the watermark's picture is over
/// `limits`, [`MediaError::Corrupt`] when either does not decode or the encoder refuses
/// the result.
pub fn render(
    source: &[u8],
    format: ImageFormat,
    request: &RenderRequest<'_>,
    limits: &ImageLimits,
) -> Result<Rendered, MediaError> {
    let probe = pipeline::probe(source, format, limits)?;
    let stored = probe.display_size();
    let ops = request.ops;
    let centre = request.focus.unwrap_or((0.5, 0.5));
    let plan = ops.plan(request.picture, request.max_side, centre);
    // Source pixels per picture pixel, per axis (a variant's sides are rounded separately).
    let sx = f64::from(stored.0) / f64::from(request.picture.0);
    let sy = f64::from(stored.1) / f64::from(request.picture.1);
    let needed = (plan.scale / sx.min(sy)).min(1.0);
    let min_box = (
        (f64::from(stored.0) * needed).ceil() as u32,
        (f64::from(stored.1) * needed).ceil() as u32,
    );
    let upright = pipeline::decode_upright(source, &probe, min_box, limits)?;

    let plan = match request.focus {
        Some(_) => plan,
        None if plan.crop[2] < f64::from(request.picture.0)
            || plan.crop[3] < f64::from(request.picture.1) =>
        {
            let region = (
                plan.crop[2] / f64::from(request.picture.0),
                plan.crop[3] / f64::from(request.picture.1),
            );
            let focus = saliency::focus(&upright.raster, region);
            ops.plan(request.picture, request.max_side, focus)
        }
        None => plan,
    };
    let [left, top, w, h] = plan.crop;
    let target = Target {
        width: plan.size.0,
        height: plan.size.1,
        scale: needed,
        crop: [left * sx, top * sy, w * sx, h * sy],
        display: stored,
    };
    let mut raster = pipeline::resize(&upright.raster, &target)?;
    drop(upright);

    if let Some(canvas) = plan.canvas {
        raster = letterbox(&raster, canvas.size, canvas.at, ops.pad_colour());
    }
    if let Some(sigma) = ops.blur {
        raster = raster.map_image(|img| img.fast_blur(f32::from(sigma)));
    }
    if ops.sharpen {
        raster = raster.map_image(|img| img.unsharpen(0.7, 2));
    }
    if let Some(mark) = &request.watermark {
        watermark::apply(&mut raster, mark, limits)?;
    }
    if request.format == OutputFormat::Jpeg && raster.has_transparency() {
        raster = letterbox(&raster, (raster.width, raster.height), (0, 0), [255; 3]);
    }

    let mut encode = request.encode;
    if let Some(q) = ops.quality {
        encode.jpeg_quality = q;
        encode.webp_quality = q;
        encode.avif_quality = q;
    }
    let bytes = pipeline::encode(&raster, request.format, &encode)?;
    Ok(Rendered {
        bytes,
        width: raster.width,
        height: raster.height,
    })
}

/// `picture` on an opaque canvas of `size` filled with `colour`, its top-left corner at `at`;
/// transparent pixels are blended over the colour.
fn letterbox(picture: &Raster, size: (u32, u32), at: (u32, u32), colour: [u8; 3]) -> Raster {
    let (cw, ch) = (size.0 as usize, size.1 as usize);
    let mut data: Vec<u8> = colour.iter().copied().cycle().take(cw * ch * 3).collect();
    let channels = picture.channels();
    for y in 0..picture.height as usize {
        let row = &picture.data[y * picture.width as usize * channels..]
            [..picture.width as usize * channels];
        let out_row = (y + at.1 as usize) * cw * 3 + at.0 as usize * 3;
        for (x, px) in row.chunks_exact(channels).enumerate() {
            let out = &mut data[out_row + x * 3..][..3];
            let alpha = if channels == 4 { u32::from(px[3]) } else { 255 };
            for c in 0..3 {
                let blended =
                    (u32::from(px[c]) * alpha + u32::from(out[c]) * (255 - alpha) + 127) / 255;
                out[c] = blended as u8;
            }
        }
    }
    Raster::new(size.0, size.1, false, data).expect("the canvas is built to its size")
}
