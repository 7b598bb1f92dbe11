//! Decoding: which library reads which format, behind one header / verify / decode interface.
//!
//! - [`jpeg`]: JPEG with libjpeg-turbo, DCT-scaled (shrink-on-load), CMYK converted.
//! - [`jpeg_segments`]: JPEG marker segments (ICC, Adobe, MPO index, end of image).
//! - [`image_rs`]: PNG, GIF, WebP, TIFF, BMP, ICO with the `image` crate under memory limits.
//! - [`vips`]: HEIF, AVIF, JPEG XL, SVG, and TIFFs the `image` crate does not support.

pub(crate) mod image_rs;
pub(crate) mod jpeg;
pub(crate) mod jpeg_segments;
pub(crate) mod vips;

use crate::raster::Raster;
use crate::{ImageFormat, ImageLimits, MediaError, orient};

/// A header read by one of the decoders.
#[derive(Debug, Clone)]
pub(crate) enum Header {
    /// Read by libjpeg-turbo.
    Jpeg(jpeg::JpegHeader),
    /// Read by the `image` crate.
    ImageRs(image_rs::ImageRsHeader),
    /// Read by libvips, which also decodes and orients the pixels.
    Vips(vips::VipsHeader),
}

impl Header {
    /// Size in pixels as stored, i.e. what the decoder produces before orientation.
    pub(crate) fn stored_size(&self) -> (u32, u32) {
        match self {
            Self::Jpeg(h) => (h.width, h.height),
            Self::ImageRs(h) => (h.width, h.height),
            Self::Vips(h) => (h.width, h.height),
        }
    }

    /// Size in pixels as displayed. For the Rust-side decoders that is the stored size turned by
    /// the EXIF orientation; libvips reports its own orientation (which it applies when
    /// decoding), and none for HEIF, whose transforms libheif has already applied.
    pub(crate) fn display_size(&self, exif_orientation: Option<u16>) -> (u32, u32) {
        let (w, h) = self.stored_size();
        match self {
            Self::Jpeg(_) | Self::ImageRs(_) => orient::display_size(w, h, exif_orientation),
            Self::Vips(v) => orient::display_size(w, h, v.orientation),
        }
    }

    /// The orientation the pipeline still has to apply to the decoded pixels. libvips hands
    /// back upright pixels (libheif applies HEIF transforms, other loaders are auto-rotated),
    /// so only the Rust-side decoders need the EXIF tag applied.
    pub(crate) fn pending_orientation(&self, exif_orientation: Option<u16>) -> Option<u16> {
        match self {
            Self::Jpeg(_) | Self::ImageRs(_) => orient::normalize(exif_orientation),
            Self::Vips(_) => None,
        }
    }

    /// The ICC profile libvips read, for metadata (libvips applies it itself when decoding).
    pub(crate) fn vips_icc(&self) -> Option<&[u8]> {
        match self {
            Self::Vips(h) => h.icc.as_deref(),
            _ => None,
        }
    }
}

/// Allocation budget in bytes for the Rust decoders: the largest allowed image at 16-bit RGBA,
/// plus room for palettes, metadata and scratch buffers.
fn alloc_budget(limits: &ImageLimits) -> u64 {
    limits.max_pixels.saturating_mul(8).saturating_add(64 << 20)
}

/// Reads the header with the format's decoder. TIFFs the `image` crate does not support are
/// read by libvips instead.
pub(crate) fn read_header(
    bytes: &[u8],
    format: ImageFormat,
    limits: &ImageLimits,
) -> Result<Header, MediaError> {
    match format {
        ImageFormat::Jpeg => jpeg::header(bytes).map(Header::Jpeg),
        ImageFormat::Heif | ImageFormat::Avif | ImageFormat::Jxl | ImageFormat::Svg => {
            vips::header(bytes, format).map(Header::Vips)
        }
        _ => match image_rs::header(bytes, format, alloc_budget(limits)) {
            Ok(h) => Ok(Header::ImageRs(h)),
            Err(image_rs::Failure::Unsupported(_)) if format == ImageFormat::Tiff => {
                vips::header(bytes, format).map(Header::Vips)
            }
            Err(failure) => Err(failure.into()),
        },
    }
}

/// Checks, as cheaply as the format allows, that the pixel data decodes: JPEG at 1/8 DCT
/// scale, SVG rendered small, the others fully (truncation is only visible at the end).
/// Returns whether the image has transparent pixels.
pub(crate) fn verify(
    bytes: &[u8],
    format: ImageFormat,
    header: &Header,
    limits: &ImageLimits,
) -> Result<bool, MediaError> {
    match header {
        Header::Jpeg(h) => jpeg::decode(bytes, h, 0, 0, limits.max_pixels).map(|_| false),
        Header::Vips(h) => vips::verify(bytes, format, h, limits.decode_timeout),
        Header::ImageRs(_) => match image_rs::decode(bytes, format, alloc_budget(limits)) {
            Ok((raster, _)) => Ok(raster.has_transparency()),
            // Some TIFF features only show up in the pixel data (compression of later strips).
            Err(image_rs::Failure::Unsupported(_)) if format == ImageFormat::Tiff => {
                let h = vips::header(bytes, format)?;
                vips::verify(bytes, format, &h, limits.decode_timeout)
            }
            Err(failure) => Err(failure.into()),
        },
    }
}

/// Pixels fresh from a decoder.
pub(crate) struct Decoded {
    /// At least the requested size where the source allows (shrink-on-load never goes below).
    pub raster: Raster,
    /// An ICC profile still to apply (`None` when there is none or the decoder applied it).
    pub icc: Option<Vec<u8>>,
}

/// Decodes once, shrinking on load when the decoder can. The result covers at least
/// `min_width × min_height` *display* pixels, or is the full image when it is smaller; it is in
/// stored orientation, with `pending_orientation` (from [`Header::pending_orientation`]) still
/// to apply.
pub(crate) fn decode(
    bytes: &[u8],
    format: ImageFormat,
    header: &Header,
    pending_orientation: Option<u16>,
    (min_width, min_height): (u32, u32),
    limits: &ImageLimits,
) -> Result<Decoded, MediaError> {
    let (stored_min_w, stored_min_h) = if orient::swaps_axes(pending_orientation) {
        (min_height, min_width)
    } else {
        (min_width, min_height)
    };
    match header {
        Header::Jpeg(h) => {
            let raster = jpeg::decode(bytes, h, stored_min_w, stored_min_h, limits.max_pixels)?;
            Ok(Decoded {
                raster,
                icc: jpeg_segments::icc_profile(bytes),
            })
        }
        Header::ImageRs(_) => match image_rs::decode(bytes, format, alloc_budget(limits)) {
            Ok((raster, icc)) => Ok(Decoded { raster, icc }),
            Err(image_rs::Failure::Unsupported(_)) if format == ImageFormat::Tiff => {
                // The pipeline applies the EXIF orientation for this header, so libvips must not.
                let h = vips::header(bytes, format)?;
                let stored_min = (stored_min_w, stored_min_h);
                let raster =
                    vips::decode(bytes, format, &h, stored_min, false, limits.decode_timeout)?;
                Ok(Decoded { raster, icc: None })
            }
            Err(failure) => Err(failure.into()),
        },
        Header::Vips(h) => Ok(Decoded {
            raster: vips::decode(
                bytes,
                format,
                h,
                (min_width, min_height),
                true,
                limits.decode_timeout,
            )?,
            icc: None,
        }),
    }
}
