//! The square at the centre of a picture, at a model's input size: how image classifiers
//! look at a picture. EfficientNet's evaluation, for one, scales the shorter side to 256
//! and keeps the centre 224 × 224: the centre square of 224/256 of the shorter side.

use image::imageops::{self, FilterType};

use crate::pipeline::{self, Raster};
use crate::{ImageFormat, ImageLimits, MediaError};

/// The centre square of `source` (a picture of `format`), `keep` (0–1] of its shorter side,
/// scaled to `side` × `side` RGB pixels (bilinear, up or down), upright and sRGB. A
/// transparent picture is composited on white.
///
/// Decodes at the smallest scale that keeps `side` pixels across the square (JPEG: DCT
/// scaling), so a 12 MP photo costs a fraction of a full decode.
///
/// Errors: those of [`pipeline::probe`] and [`pipeline::decode_upright`]: over `limits`,
/// or not decodable.
pub fn centre_square(
    source: &[u8],
    format: ImageFormat,
    keep: f64,
    side: u32,
    limits: &ImageLimits,
) -> Result<Raster, MediaError> {
    let probe = pipeline::probe(source, format, limits)?;
    let (w, h) = probe.display_size();
    let keep = keep.clamp(f64::MIN_POSITIVE, 1.0);
    let square = (f64::from(w.min(h)) * keep).max(1.0);
    let scale = (f64::from(side) / square).min(1.0);
    let min_box = (
        (f64::from(w) * scale).ceil() as u32,
        (f64::from(h) * scale).ceil() as u32,
    );
    let raster = pipeline::decode_upright(source, &probe, min_box, limits)?.raster;
    let (rw, rh) = (raster.width(), raster.height());
    let rgb = opaque(raster);
    let c = ((f64::from(rw.min(rh)) * keep).round() as u32).clamp(1, rw.min(rh));
    let cropped = imageops::crop_imm(&rgb, (rw - c) / 2, (rh - c) / 2, c, c).to_image();
    let out = imageops::resize(&cropped, side, side, FilterType::Triangle);
    Raster::new(side, side, false, out.into_raw()).map_err(MediaError::Corrupt)
}

/// The pixels as RGB, transparent ones composited on white.
fn opaque(raster: Raster) -> image::RgbImage {
    let (w, h) = (raster.width(), raster.height());
    let data = if raster.alpha() {
        raster
            .data()
            .chunks_exact(4)
            .flat_map(|px| {
                let a = u16::from(px[3]);
                let over = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
                [over(px[0]), over(px[1]), over(px[2])]
            })
            .collect()
    } else {
        raster.data().to_vec()
    };
    image::RgbImage::from_raw(w, h, data).expect("a raster's length matches its size")
}
