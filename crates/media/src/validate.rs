//! Upload-time validation: header facts, size limits checked before any pixel is decoded, and
//! a cheap proof that the pixel data decodes.

use std::time::Duration;

use crate::decode::{self, Header};
use crate::exif::{self, ExifFacts};
use crate::{ImageFormat, MediaError, frames};

/// Limits for images: sizes checked against the declared size before decoding, and a time
/// limit on decoders whose cost the size does not bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Maximum width × height in pixels (default 100 000 000).
    pub max_pixels: u64,
    /// Maximum width or height in pixels (default 20 000).
    pub max_side: u32,
    /// Longest one libvips decode may take: an SVG render, or a HEIF, AVIF, JPEG XL or TIFF
    /// decode (default 30 s). Past it the decode fails with [`MediaError::Timeout`]. JPEG, PNG,
    /// GIF and WebP decoders do work bounded by the pixel limits and are not timed.
    pub decode_timeout: Duration,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            max_pixels: 100_000_000,
            max_side: 20_000,
            decode_timeout: Duration::from_secs(30),
        }
    }
}

/// Facts about an image from its header and a verifying decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format that was decoded.
    pub format: ImageFormat,
    /// Width in pixels as displayed: after EXIF orientation (5–8 swap the sides), and for
    /// HEIF/AVIF after the `irot`/`imir` transforms libheif applies.
    pub width: u32,
    /// Height in pixels as displayed.
    pub height: u32,
    /// The raw EXIF Orientation tag when present (for HEIF/AVIF informational only: the
    /// container's transforms govern display).
    pub orientation: Option<u16>,
    /// Whether the first frame has transparent pixels (an alpha channel that is fully opaque
    /// does not count, since it needs no PNG).
    pub has_alpha: bool,
    /// Frames (animation frames, pages, icon entries, MPO pictures); 1 for a still image.
    pub frame_count: u32,
}

/// What an image's header and EXIF say, learned without decoding pixels: the first stage of
/// the pipeline ([`crate::pipeline`]), shared by [`validate`] and [`crate::process`].
#[derive(Debug, Clone)]
pub struct Probe {
    /// The format the bytes were probed as.
    pub format: ImageFormat,
    /// Width in pixels as displayed: after EXIF orientation (5–8 swap the sides), and for
    /// HEIF/AVIF after the `irot`/`imir` transforms libheif applies.
    pub width: u32,
    /// Height in pixels as displayed.
    pub height: u32,
    /// Frames (animation frames, pages, icon entries, MPO pictures); 1 for a still image.
    pub frame_count: u32,
    pub(crate) header: Header,
    pub(crate) exif: ExifFacts,
}

impl Probe {
    /// (width, height) in pixels as displayed: the size every [`crate::pipeline::Target`] is
    /// planned from.
    pub fn display_size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The raw EXIF Orientation tag (EXIF 2.32 tag 0x0112) when present, as stored: it may be
    /// 0 or out of range. For HEIF/AVIF it is informational only.
    pub fn orientation(&self) -> Option<u16> {
        self.exif.orientation
    }

    /// The orientation (2–8) that [`crate::pipeline::decode`]'s pixels still need turned by
    /// [`crate::pipeline::orient`], or `None` when they come out upright: libvips (HEIF, AVIF,
    /// JPEG XL, SVG, some TIFFs) orients while decoding, the other decoders do not.
    pub fn pending_orientation(&self) -> Option<u16> {
        self.header.pending_orientation(self.exif.orientation)
    }
}

/// Reads the header and EXIF of `bytes` in `format`, and refuses images over `limits` before
/// anything is decoded.
///
/// Errors: [`MediaError::TooLarge`] naming the declared size and the limit;
/// [`MediaError::Corrupt`] when the header cannot be read.
/// Unreadable EXIF is not an error (the image then has no orientation).
pub fn probe(bytes: &[u8], format: ImageFormat, limits: &ImageLimits) -> Result<Probe, MediaError> {
    let header = decode::read_header(bytes, format, limits)?;
    let (stored_w, stored_h) = header.stored_size();
    check_limits(stored_w, stored_h, limits)?;
    let exif = exif::read(bytes, format);
    let (width, height) = header.display_size(exif.orientation);
    let frame_count = match &header {
        Header::Vips(h) if format != ImageFormat::Tiff => h.frame_count,
        _ => frames::count(bytes, format).unwrap_or(1),
    };
    Ok(Probe {
        format,
        width,
        height,
        frame_count,
        header,
        exif,
    })
}

fn check_limits(width: u32, height: u32, limits: &ImageLimits) -> Result<(), MediaError> {
    let pixels = u64::from(width) * u64::from(height);
    let message = if pixels > limits.max_pixels {
        format!(
            "the image declares {width}x{height} pixels ({:.1} megapixels), over the limit of \
             {:.1} megapixels; downscale it before uploading",
            pixels as f64 / 1e6,
            limits.max_pixels as f64 / 1e6
        )
    } else if width.max(height) > limits.max_side {
        format!(
            "the image declares {width}x{height} pixels, over the limit of {} pixels per side; \
             downscale it before uploading",
            limits.max_side
        )
    } else {
        return Ok(());
    };
    Err(MediaError::TooLarge {
        width: u64::from(width),
        height: u64::from(height),
        message,
    })
}

/// Upload-time check, fast enough to run inside the request.
///
/// Reads the header and rejects images over `limits` before decoding anything
/// ([`MediaError::TooLarge`] names the declared size and the limit). Then verifies that the
/// pixel data decodes, as cheaply as the format allows: JPEG at 1/8 DCT scale (a 12 MP photo
/// in a few tens of milliseconds), SVG rendered small, other formats' first frame in full.
/// Corrupt or truncated data is [`MediaError::Corrupt`] with the decoder's reason.
pub fn validate(
    bytes: &[u8],
    format: ImageFormat,
    limits: &ImageLimits,
) -> Result<ImageInfo, MediaError> {
    let probe = probe(bytes, format, limits)?;
    let has_alpha = decode::verify(bytes, format, &probe.header, limits)?;
    Ok(ImageInfo {
        format,
        width: probe.width,
        height: probe.height,
        orientation: probe.exif.orientation,
        has_alpha,
        frame_count: probe.frame_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_size_and_the_limit() {
        let limits = ImageLimits::default();
        let err = check_limits(20_001, 10, &limits).unwrap_err();
        assert_eq!(err.code(), medialib_core::ErrorCode::ImageTooLarge);
        assert!(err.to_string().contains("20001x10") && err.to_string().contains("20000"));
        let err = check_limits(12_000, 9_000, &limits).unwrap_err();
        assert!(err.to_string().contains("108.0 megapixels"), "{err}");
        assert!(check_limits(10_000, 10_000, &limits).is_ok());
    }
}
