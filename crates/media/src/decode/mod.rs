//! Decoding: which library reads which format, behind one header / verify / decode interface.
//!
//! - [`jpeg`]: JPEG with libjpeg-turbo, DCT-scaled (shrink-on-load), CMYK converted.
//! - [`jpeg_segments`]: JPEG marker segments (ICC, Adobe, MPO index, end of image).
//! - [`image_rs`]: PNG, GIF, WebP, TIFF, BMP, ICO, PNM with the `image` crate under memory
//!   limits.
//! - [`psd`]: the flattened composite of Photoshop documents.
//! - [`raw`]: camera RAW developed by LibRaw's tools.
//! - [`vips`]: HEIF, AVIF, JPEG XL, SVG, and TIFFs the `image` crate does not support.

pub(crate) mod image_rs;
pub(crate) mod jpeg;
pub(crate) mod jpeg_segments;
pub(crate) mod psd;
pub(crate) mod raw;
pub(crate) mod vips;

use crate::raster::Raster;
use crate::validate::Probe;
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
    /// A Photoshop document's header; PSDs carry no orientation to apply.
    Psd(psd::PsdHeader),
    /// Read by LibRaw, which also develops and orients the pixels.
    Raw(raw::RawHeader),
}

impl Header {
    /// Size in pixels as stored, i.e. what the decoder produces before orientation.
    pub(crate) fn stored_size(&self) -> (u32, u32) {
        match self {
            Self::Jpeg(h) => (h.width, h.height),
            Self::ImageRs(h) => (h.width, h.height),
            Self::Vips(h) => (h.width, h.height),
            Self::Psd(h) => (h.width, h.height),
            Self::Raw(h) => (h.width, h.height),
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
            Self::Psd(_) | Self::Raw(_) => (w, h),
        }
    }

    /// The orientation the pipeline still has to apply to the decoded pixels. libvips hands
    /// back upright pixels (libheif applies HEIF transforms, other loaders are auto-rotated),
    /// so only the Rust-side decoders need the EXIF tag applied.
    pub(crate) fn pending_orientation(&self, exif_orientation: Option<u16>) -> Option<u16> {
        match self {
            Self::Jpeg(_) | Self::ImageRs(_) => orient::normalize(exif_orientation),
            Self::Vips(_) | Self::Psd(_) | Self::Raw(_) => None,
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
pub(crate) fn alloc_budget(limits: &ImageLimits) -> u64 {
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
        ImageFormat::Psd => psd::header(bytes).map(Header::Psd),
        ImageFormat::Raw => raw::header(bytes, limits.decode_timeout).map(Header::Raw),
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
        Header::Psd(h) => psd::decode(bytes, h).map(|raster| raster.has_transparency()),
        // Developed at half size, LibRaw's cheapest full pass over the sensor data.
        Header::Raw(h) => raw::decode(
            bytes,
            h,
            (0, 0),
            alloc_budget(limits),
            limits.decode_timeout,
        )
        .map(|raster| raster.has_transparency()),
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

/// Pixels fresh from a decoder, before [`crate::pipeline::orient`] and
/// [`crate::pipeline::convert_to_srgb`].
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The pixels in stored orientation, covering at least the requested box where the source
    /// allows (shrink-on-load never goes below it).
    pub raster: Raster,
    /// The embedded ICC profile (ICC.1) still to apply, or `None` when there is none or the
    /// decoder applied it (libvips converts to sRGB itself).
    pub icc: Option<Vec<u8>>,
}

/// Decodes the first frame once, shrinking on load to the smallest size that still covers
/// `min_box` = (width, height) in *display* pixels (see [`crate::pipeline::decode_box`]), or
/// the full image when it is smaller. Pass `(0, 0)` for the decoder's smallest scale.
///
/// Who shrinks how: libjpeg-turbo decodes JPEG at the smallest n/8 DCT scale (n = 1..8) that
/// covers the box; libvips renders SVG at the box's scale and decodes HEIF, AVIF, JPEG XL
/// (and TIFFs the `image` crate cannot read) in full, then scales them down to the box; the
/// `image` crate (PNG, GIF, WebP, TIFF, BMP, ICO) decodes in full. CMYK JPEGs come out as
/// RGB.
///
/// The raster is in stored orientation, with [`Probe::pending_orientation`] still to apply
/// (it is `None` for libvips, which orients while decoding), and in the file's colour space
/// until [`Decoded::icc`] is applied. `limits` bounds the decoders' memory and libvips' time.
///
/// Errors: [`MediaError::Corrupt`] when the pixel data does not decode,
/// [`MediaError::Timeout`] when libvips runs past `limits.decode_timeout`.
pub fn decode(
    bytes: &[u8],
    probe: &Probe,
    (min_width, min_height): (u32, u32),
    limits: &ImageLimits,
) -> Result<Decoded, MediaError> {
    let format = probe.format;
    let (stored_min_w, stored_min_h) = if orient::swaps_axes(probe.pending_orientation()) {
        (min_height, min_width)
    } else {
        (min_width, min_height)
    };
    match &probe.header {
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
        Header::Psd(h) => Ok(Decoded {
            raster: psd::decode(bytes, h)?,
            icc: None,
        }),
        Header::Raw(h) => Ok(Decoded {
            raster: raw::decode(
                bytes,
                h,
                (min_width, min_height),
                alloc_budget(limits),
                limits.decode_timeout,
            )?,
            icc: None,
        }),
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
