//! Encoding variants: WebP (libwebp), JPEG (libjpeg-turbo), PNG (the `png` crate via
//! `image`) and AVIF (libaom through libheif, driven by libvips). Encoders receive bare pixels, so variants carry no EXIF, GPS or ICC metadata;
//! the pixels are sRGB, which is what browsers assume for untagged images.

use medialib_core::OutputFormat;

use crate::MediaError;
use crate::raster::Raster;

/// Encoder quality settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeSettings {
    /// libwebp lossy quality, 0–100 (default 80).
    pub webp_quality: u8,
    /// libjpeg-turbo quality, 1–100 (default 85); output is baseline 4:2:0 with optimised
    /// Huffman tables.
    pub jpeg_quality: u8,
    /// AVIF quality (libheif's Q), 1–100 (default 50, as sharp's and libvips' defaults).
    pub avif_quality: u8,
    /// Whether [`crate::process`] also makes every variant in AVIF (default: no; it costs
    /// about as much CPU as the other two formats together).
    pub avif_variants: bool,
}

impl Default for EncodeSettings {
    fn default() -> Self {
        Self {
            webp_quality: 80,
            jpeg_quality: 85,
            avif_quality: 50,
            avif_variants: false,
        }
    }
}

/// Encodes a raster as a complete file of `format` and returns its bytes, with no metadata
/// (no EXIF, ICC or text chunks: pass sRGB pixels, which browsers assume for untagged files).
///
/// - [`OutputFormat::Webp`]: lossy VP8 (RFC 9649) at `settings.webp_quality`, libwebp method 2;
///   alpha is kept, losslessly compressed. At most 16 383 pixels per side.
/// - [`OutputFormat::Jpeg`]: baseline JFIF (ITU-T T.81), 4:2:0, optimised Huffman tables, at
///   `settings.jpeg_quality`. JPEG has no alpha: an alpha channel is dropped, not composited,
///   so pass only opaque rasters (see [`Raster::has_transparency`]).
/// - [`OutputFormat::Png`]: 8-bit RGB or RGBA (ISO/IEC 15948), default deflate, adaptive
///   filters.
/// - [`OutputFormat::Avif`]: 8-bit AV1 intra frame in HEIF (ISO/IEC 23000-22), 4:2:0, at
///   `settings.avif_quality`, alpha kept.
///
/// Errors: [`MediaError::Corrupt`] naming the format when the encoder refuses the raster
/// (e.g. a WebP side over 16 383 px) or for the non-image formats of [`OutputFormat`].
pub fn encode(
    raster: &Raster,
    format: OutputFormat,
    settings: &EncodeSettings,
) -> Result<Vec<u8>, MediaError> {
    match format {
        OutputFormat::Webp => webp(raster, settings.webp_quality),
        OutputFormat::Jpeg => jpeg(raster, settings.jpeg_quality),
        OutputFormat::Png => png(raster),
        OutputFormat::Avif => crate::decode::vips::avif(raster, settings.avif_quality)
            .map_err(|reason| failed("AVIF", reason)),
        other => Err(failed(
            other.as_str(),
            "not an image format (renditions are made by ffmpeg)",
        )),
    }
}

fn failed(format: &str, reason: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt(format!("encoding the {format} variant failed: {reason}"))
}

/// libwebp's speed/size trade-off (0 fastest … 6 smallest; its default is 4). Measured on the
/// 12 MP corpus photo on this project's 2-core machine: the 1920×1080 hero took 386 ms of CPU at
/// method 4 and 137 ms at method 2, for 1.3 % more bytes over all ten outputs; methods 3 and 4
/// add rate-distortion search that costs more than it saves here. Quality is set separately.
pub(crate) const WEBP_METHOD: i32 = 2;

/// WebP's VP8 bitstream cannot describe images larger than this on either side (RFC 9649 §2.5).
const WEBP_MAX_SIDE: u32 = 16_383;

fn webp(raster: &Raster, quality: u8) -> Result<Vec<u8>, MediaError> {
    if raster.width > WEBP_MAX_SIDE || raster.height > WEBP_MAX_SIDE {
        return Err(failed(
            "WebP",
            format!(
                "{}x{} exceeds WebP's {WEBP_MAX_SIDE} px limit per side; use a smaller variant box",
                raster.width, raster.height
            ),
        ));
    }
    let encoder = if raster.alpha {
        webp::Encoder::from_rgba(&raster.data, raster.width, raster.height)
    } else {
        webp::Encoder::from_rgb(&raster.data, raster.width, raster.height)
    };
    let mut config = webp::WebPConfig::new()
        .map_err(|()| failed("WebP", "libwebp rejected its default configuration"))?;
    config.quality = f32::from(quality.min(100));
    config.method = WEBP_METHOD;
    config.alpha_compression = 1;
    let memory = encoder
        .encode_advanced(&config)
        .map_err(|e| failed("WebP", format!("{e:?}")))?;
    Ok(memory.to_vec())
}

/// `webp` without its `EXIF`, `XMP ` and `ICCP` chunks, and with the `VP8X` flags that
/// announce them cleared (WebP container, RFC 9649 §2.7). A file that is not a well-formed
/// extended WebP is returned as it is.
pub(crate) fn without_webp_metadata(webp: &[u8]) -> Vec<u8> {
    const METADATA: [&[u8; 4]; 3] = [b"EXIF", b"XMP ", b"ICCP"];
    // VP8X flags byte: ICC profile 0x20, EXIF 0x08, XMP 0x04.
    const METADATA_FLAGS: u8 = 0x20 | 0x08 | 0x04;
    if webp.len() < 12 || &webp[..4] != b"RIFF" || &webp[8..12] != b"WEBP" {
        return webp.to_vec();
    }
    let mut out = webp[..12].to_vec();
    let mut at = 12;
    while at < webp.len() {
        let Some(header) = webp.get(at..at + 8) else {
            return webp.to_vec();
        };
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let end = at + 8 + size + (size & 1);
        let Some(chunk) = webp.get(at..end.min(webp.len())) else {
            return webp.to_vec();
        };
        if !METADATA.iter().any(|name| &header[..4] == *name) {
            let start = out.len();
            out.extend_from_slice(chunk);
            if &header[..4] == b"VP8X" && chunk.len() > 8 {
                out[start + 8] &= !METADATA_FLAGS;
            }
        }
        at = end;
    }
    let riff_size = u32::try_from(out.len() - 8).unwrap_or(u32::MAX);
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    out
}

fn jpeg(raster: &Raster, quality: u8) -> Result<Vec<u8>, MediaError> {
    let opaque;
    let raster = if raster.alpha {
        opaque = raster.clone().without_alpha();
        &opaque
    } else {
        raster
    };
    let image = turbojpeg::Image {
        pixels: raster.data.as_slice(),
        width: raster.width as usize,
        pitch: raster.width as usize * 3,
        height: raster.height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    let mut compressor = turbojpeg::Compressor::new().map_err(|e| failed("JPEG", e))?;
    compressor
        .set_quality(i32::from(quality.clamp(1, 100)))
        .and_then(|()| compressor.set_subsamp(turbojpeg::Subsamp::Sub2x2))
        .and_then(|()| compressor.set_optimize(true))
        .map_err(|e| failed("JPEG", e))?;
    compressor
        .compress_to_vec(image)
        .map_err(|e| failed("JPEG", e))
}

fn png(raster: &Raster) -> Result<Vec<u8>, MediaError> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};

    let mut out = Vec::new();
    let color = if raster.alpha {
        image::ExtendedColorType::Rgba8
    } else {
        image::ExtendedColorType::Rgb8
    };
    PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive)
        .write_image(&raster.data, raster.width, raster.height, color)
        .map_err(|e| failed("PNG", e))?;
    Ok(out)
}
