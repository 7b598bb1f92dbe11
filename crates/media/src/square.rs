//! Pictures as models take them, square and small: the centre square, as image
//! classifiers look at a picture (EfficientNet's evaluation, for one, scales the shorter
//! side to 256 and keeps the centre 224 × 224: the centre square of 224/256 of the shorter
//! side), and the whole picture letterboxed, as detectors look for things anywhere in it.

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

/// A picture letterboxed into a square: the square and where the picture lies in it.
#[derive(Debug)]
pub struct Letterboxed {
    /// `side` × `side` RGB pixels: the picture in the middle, black bars on two sides.
    pub raster: Raster,
    /// The width of each bar left and right, as a fraction of the side (0 for a
    /// landscape or square picture).
    pub pad_x: f64,
    /// The height of each bar above and below, as a fraction of the side (0 for a
    /// portrait or square picture).
    pub pad_y: f64,
}

/// The whole of `source` (a picture of `format`), upright and sRGB, scaled (bilinear, up or
/// down) so its longer side is `side` pixels, centred in a black `side` × `side` square.
/// A transparent picture is composited on white. Decodes at the smallest scale that keeps
/// `side` pixels across the longer side.
///
/// Errors: those of [`pipeline::probe`] and [`pipeline::decode_upright`]: over `limits`,
/// or not decodable.
pub fn letterboxed(
    source: &[u8],
    format: ImageFormat,
    side: u32,
    limits: &ImageLimits,
) -> Result<Letterboxed, MediaError> {
    let probe = pipeline::probe(source, format, limits)?;
    let (w, h) = probe.display_size();
    let scale = f64::from(side) / f64::from(w.max(h).max(1));
    let fit = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, side);
    let (fw, fh) = (fit(w), fit(h));
    let rgb = opaque(pipeline::decode_upright(source, &probe, (fw, fh), limits)?.raster);
    let fitted = imageops::resize(&rgb, fw, fh, FilterType::Triangle);
    let mut square = image::RgbImage::new(side, side);
    let (left, top) = ((side - fw) / 2, (side - fh) / 2);
    imageops::replace(&mut square, &fitted, i64::from(left), i64::from(top));
    Ok(Letterboxed {
        raster: Raster::new(side, side, false, square.into_raw()).map_err(MediaError::Corrupt)?,
        pad_x: f64::from(left) / f64::from(side),
        pad_y: f64::from(top) / f64::from(side),
    })
}

/// The whole of `source` (a picture of `format`), upright and sRGB, as RGB pixels
/// (transparent ones on white), scaled down (bilinear, never up) so that neither side
/// exceeds `max_side`: how readers of text take a picture.
///
/// Errors: those of [`pipeline::probe`] and [`pipeline::decode_upright`]: over `limits`,
/// or not decodable.
pub fn upright(
    source: &[u8],
    format: ImageFormat,
    max_side: u32,
    limits: &ImageLimits,
) -> Result<Raster, MediaError> {
    let probe = pipeline::probe(source, format, limits)?;
    let (w, h) = probe.display_size();
    let scale = (f64::from(max_side) / f64::from(w.max(h).max(1))).min(1.0);
    let fit = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    let (fw, fh) = (fit(w), fit(h));
    let rgb = opaque(pipeline::decode_upright(source, &probe, (fw, fh), limits)?.raster);
    let out = if (rgb.width(), rgb.height()) == (fw, fh) {
        rgb
    } else {
        imageops::resize(&rgb, fw, fh, FilterType::Triangle)
    };
    Raster::new(fw, fh, false, out.into_raw()).map_err(MediaError::Corrupt)
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
