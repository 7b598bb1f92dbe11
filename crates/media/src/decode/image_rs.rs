//! PNG, GIF, WebP, TIFF, BMP, ICO and PNM through the `image` crate's memory-safe Rust decoders.
//!
//! Every decoder gets an allocation budget, so a header that lies about its size (a GIF frame
//! bigger than its screen, an ICO entry whose BMP claims 65535×65535, a text chunk that
//! inflates to gigabytes) fails instead of exhausting memory. Animated formats decode their
//! first frame here; `crate::animation` walks the others.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits};

use crate::raster::Raster;
use crate::{ImageFormat, MediaError};

/// What the header says, before any pixel is decoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImageRsHeader {
    /// Stored width in pixels.
    pub width: u32,
    /// Stored height in pixels.
    pub height: u32,
}

/// Why the `image` crate could not help.
pub(crate) enum Failure {
    /// The file uses a feature these decoders do not implement (some TIFF compressions and
    /// colour spaces): worth retrying with libvips.
    Unsupported(MediaError),
    /// The data is bad.
    Corrupt(MediaError),
}

impl From<Failure> for MediaError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Unsupported(e) | Failure::Corrupt(e) => e,
        }
    }
}

fn image_format(format: ImageFormat) -> image::ImageFormat {
    match format {
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Gif => image::ImageFormat::Gif,
        ImageFormat::Webp => image::ImageFormat::WebP,
        ImageFormat::Tiff => image::ImageFormat::Tiff,
        ImageFormat::Bmp => image::ImageFormat::Bmp,
        ImageFormat::Pnm => image::ImageFormat::Pnm,
        _ => image::ImageFormat::Ico,
    }
}

fn decoder_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG decoder",
        ImageFormat::Gif => "GIF decoder",
        ImageFormat::Webp => "WebP decoder",
        ImageFormat::Tiff => "TIFF decoder",
        ImageFormat::Bmp => "BMP decoder",
        ImageFormat::Pnm => "PNM decoder",
        _ => "ICO decoder",
    }
}

fn failure(format: ImageFormat, err: ImageError) -> Failure {
    let error = MediaError::corrupt(decoder_name(format), &err);
    match err {
        ImageError::Unsupported(_) => Failure::Unsupported(error),
        _ => Failure::Corrupt(error),
    }
}

/// Opens a decoder with an allocation budget in bytes. No dimension limits are set here: the
/// caller compares the declared size with its own limits, so the error can name them.
fn open(
    bytes: &[u8],
    format: ImageFormat,
    max_alloc: u64,
) -> Result<impl ImageDecoder + '_, Failure> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(format));
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(max_alloc);
    reader.limits(limits);
    reader.into_decoder().map_err(|e| failure(format, e))
}

/// Reads the header only.
pub(crate) fn header(
    bytes: &[u8],
    format: ImageFormat,
    max_alloc: u64,
) -> Result<ImageRsHeader, Failure> {
    let decoder = open(bytes, format, max_alloc)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Failure::Corrupt(MediaError::corrupt(
            decoder_name(format),
            format!("the header declares a {width}x{height} image"),
        )));
    }
    Ok(ImageRsHeader { width, height })
}

/// Decodes the first frame to 8-bit RGB or RGBA, and returns the embedded ICC profile.
pub(crate) fn decode(
    bytes: &[u8],
    format: ImageFormat,
    max_alloc: u64,
) -> Result<(Raster, Option<Vec<u8>>), Failure> {
    let mut decoder = open(bytes, format, max_alloc)?;
    // Metadata is best effort: a broken ICC chunk must not fail an image whose pixels are fine.
    let icc = decoder
        .icc_profile()
        .ok()
        .flatten()
        .filter(|p| !p.is_empty());
    // The `tiff` crate asserts instead of failing on some layouts (tiled TIFFs with separate
    // colour planes): a corrupt file, not a crashed worker.
    let image = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        DynamicImage::from_decoder(decoder)
    }))
    .map_err(|_| {
        Failure::Corrupt(MediaError::corrupt(
            decoder_name(format),
            "the decoder could not read this file's layout",
        ))
    })?
    .map_err(|e| failure(format, e))?;
    let (width, height) = (image.width(), image.height());
    let raster = if image.color().has_alpha() {
        Raster::new(width, height, true, image.into_rgba8().into_raw())
    } else {
        Raster::new(width, height, false, image.into_rgb8().into_raw())
    };
    let raster =
        raster.map_err(|m| Failure::Corrupt(MediaError::corrupt(decoder_name(format), m)))?;
    Ok((raster, icc))
}
