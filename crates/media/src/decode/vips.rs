//! HEIF/HEIC, AVIF, JPEG XL and SVG (and TIFFs the `image` crate cannot read) through libvips.
//!
//! libvips 8.14 (Debian 12) reads these with libheif, libjxl, librsvg and libtiff; `rs-vips` is
//! the binding that works against it. Rasters from here are upright: libheif applies the HEIF
//! `irot`/`imir` transforms itself (and libvips then drops the EXIF tag, so it is not applied
//! twice), and libvips' thumbnail operation turns by any orientation the other loaders report.
//!
//! libvips keeps one process-wide error buffer; it is cleared before each load so that the
//! message returned belongs to this image (concurrent loads may still interleave messages).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rs_vips::voption::{Setter, VOption};
use rs_vips::{Vips, VipsImage};

use crate::raster::Raster;
use crate::{ImageFormat, MediaError};

/// SVGs are checked by rendering them at most this many pixels on the long side.
const SVG_CHECK_SIDE: f64 = 256.0;

/// What a libvips loader reports from the header alone.
#[derive(Debug, Clone)]
pub(crate) struct VipsHeader {
    /// Width in pixels as loaded (for HEIF/AVIF already transformed by libheif).
    pub width: u32,
    /// Height in pixels as loaded.
    pub height: u32,
    /// The orientation libvips reports and will apply when decoding (never for HEIF/AVIF).
    pub orientation: Option<u16>,
    /// Number of pages or top-level images.
    pub frame_count: u32,
    /// The embedded ICC profile.
    pub icc: Option<Vec<u8>>,
}

/// Starts libvips once per process with a small footprint: no operation cache (every image is
/// new, so caching only holds memory) and one worker thread per pipeline (the caller already
/// runs images in parallel).
pub(crate) fn init() -> Result<(), MediaError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        Vips::init("medialib").map_err(|e| e.to_string())?;
        Vips::cache_set_max(0);
        Vips::cache_set_max_mem(0);
        Vips::cache_set_max_files(0);
        Vips::concurrency_set(1);
        silence_warnings();
        Ok(())
    })
    .clone()
    .map_err(|e| MediaError::Corrupt(format!("the image library could not start: {e}")))
}

/// libvips logs recoverable oddities ("heifload: ignoring nclx profile", "read gave 68
/// warnings") straight to stderr through GLib, outside the server's structured logs, for many
/// ordinary phone photos. Failures still reach the caller as errors with libvips' message.
fn silence_warnings() {
    unsafe extern "C" fn ignore(
        _domain: *const std::os::raw::c_char,
        _level: rs_vips::bindings::GLogLevelFlags,
        _message: *const std::os::raw::c_char,
        _data: rs_vips::bindings::gpointer,
    ) {
    }
    // SAFETY: the domain is a NUL-terminated static string and the handler a function that
    // lives for the whole program, as GLib requires.
    unsafe {
        rs_vips::bindings::g_log_set_handler(
            c"VIPS".as_ptr(),
            rs_vips::bindings::GLogLevelFlags_G_LOG_LEVEL_WARNING,
            Some(ignore),
            std::ptr::null_mut(),
        );
    }
}

fn loader(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Heif | ImageFormat::Avif => "heifload_buffer",
        ImageFormat::Jxl => "jxlload_buffer",
        ImageFormat::Svg => "svgload_buffer",
        _ => "tiffload_buffer",
    }
}

/// Turns a libvips failure into the loader's own words, without the binding's prefix.
fn error(format: ImageFormat, err: rs_vips::error::Error) -> MediaError {
    let text = err.to_string();
    // rs-vips appends libvips' error buffer after ". "; that part is the useful reason.
    let reason = text
        .split_once("failed. ")
        .map(|(_, detail)| detail)
        .unwrap_or(&text);
    let reason = reason
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    MediaError::corrupt(decoder(format), reason)
}

fn decoder(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Heif | ImageFormat::Avif => "HEIF/AVIF decoder (libheif)",
        ImageFormat::Jxl => "JPEG XL decoder (libjxl)",
        ImageFormat::Svg => "SVG renderer (librsvg)",
        _ => "TIFF decoder (libtiff)",
    }
}

/// Loads `bytes` (drawn at `scale` when an SVG, failing on any decoder error) and runs
/// `pipeline` on the image in a thread of its own, which owns a copy of the bytes. Past
/// `timeout` the answer is a timeout, whether or not the thread has finished: an SVG of
/// nested patterns costs seconds to minutes of rendering in a few kilobytes (librsvg bug
/// 515), a header check cannot tell, and librsvg renders each region whole, so the caller
/// must not wait for it. The image is marked killed then, which libvips checks before each
/// region, so the abandoned thread stops after the region it is drawing.
///
/// Errors: [`MediaError::Timeout`] naming the decoder, or the load's or pipeline's own error.
fn load_within<T: Send + 'static>(
    bytes: &[u8],
    format: ImageFormat,
    scale: Option<f64>,
    timeout: Duration,
    pipeline: impl FnOnce(&VipsImage) -> Result<T, MediaError> + Send + 'static,
) -> Result<T, MediaError> {
    let bytes = bytes.to_vec();
    let loaded: Arc<OnceLock<VipsImage>> = Arc::default();
    let abandoned = Arc::new(AtomicBool::new(false));
    let (slot, gave_up) = (Arc::clone(&loaded), Arc::clone(&abandoned));
    let (answer, answered) = mpsc::sync_channel(1);
    let run = move || {
        let options = VOption::new().set("fail_on", "error");
        let options = match scale {
            Some(scale) => options.set("scale", scale),
            None => options,
        };
        let image = load(&bytes, format, options)?;
        // Shared, so that a caller who stops waiting can kill the render.
        let image = slot.get_or_init(move || image);
        if gave_up.load(Ordering::SeqCst) {
            image.set_kill(true);
        }
        pipeline(image)
    };
    std::thread::Builder::new()
        .name("libvips".to_owned())
        .spawn(move || {
            let _ = answer.send(run());
        })
        .map_err(|e| {
            MediaError::corrupt(decoder(format), format!("no thread to decode in: {e}"))
        })?;
    match answered.recv_timeout(timeout) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => {
            abandoned.store(true, Ordering::SeqCst);
            if let Some(image) = loaded.get() {
                image.set_kill(true);
            }
            Err(MediaError::Timeout {
                tool: decoder(format).to_owned(),
                seconds: timeout.as_secs(),
            })
        }
        Err(RecvTimeoutError::Disconnected) => Err(MediaError::corrupt(
            decoder(format),
            "the decoder stopped without an answer",
        )),
    }
}

/// Loads lazily (header only) with the format's own loader; pixels are read on demand.
fn load(bytes: &[u8], format: ImageFormat, options: VOption) -> Result<VipsImage, MediaError> {
    init()?;
    Vips::error_clear();
    let result = match format {
        ImageFormat::Heif | ImageFormat::Avif => {
            VipsImage::heifload_buffer_with_opts(bytes, options)
        }
        ImageFormat::Jxl => VipsImage::jxlload_buffer_with_opts(bytes, options),
        ImageFormat::Svg => VipsImage::svgload_buffer_with_opts(bytes, options),
        _ => VipsImage::tiffload_buffer_with_opts(bytes, options),
    };
    result.map_err(|e| error(format, e))
}

/// Reads the header: size, orientation tag, page count and ICC profile. No pixels are decoded.
pub(crate) fn header(bytes: &[u8], format: ImageFormat) -> Result<VipsHeader, MediaError> {
    let image = load(bytes, format, VOption::new())?;
    let (width, height) = (image.get_width(), image.get_height());
    if width <= 0 || height <= 0 {
        return Err(MediaError::corrupt(
            loader(format),
            "the header declares no image size",
        ));
    }
    let frame_count = image
        .get_int("n-pages")
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0)
        .unwrap_or(1);
    Ok(VipsHeader {
        width: width as u32,
        height: height as u32,
        orientation: image
            .get_int("orientation")
            .ok()
            .and_then(|o| u16::try_from(o).ok()),
        frame_count,
        icc: image
            .get_blob("icc-profile-data")
            .ok()
            .filter(|p| !p.is_empty()),
    })
}

/// Decodes every pixel of the first image (SVG: renders it small), failing on any decoder
/// error or truncation, or after `timeout`. Returns whether the image has transparent pixels.
pub(crate) fn verify(
    bytes: &[u8],
    format: ImageFormat,
    header: &VipsHeader,
    timeout: Duration,
) -> Result<bool, MediaError> {
    let scale = (format == ImageFormat::Svg).then(|| {
        let long_side = f64::from(header.width.max(header.height));
        (SVG_CHECK_SIDE / long_side).min(1.0)
    });
    load_within(bytes, format, scale, timeout, move |image| {
        // One pass over the pixels: `stats` needs them all, and reports each band's minimum.
        let stats = image.stats().map_err(|e| error(format, e))?;
        if !image.hasalpha() {
            return Ok(false);
        }
        let alpha_band = image.get_bands(); // row 0 is all bands together, row n is band n
        let min = stats
            .getpoint(0, alpha_band)
            .map_err(|e| error(format, e))?;
        let opaque = match image.get_format() {
            Ok(rs_vips::enums::BandFormat::Ushort) => 65535.0,
            Ok(rs_vips::enums::BandFormat::Float) => 1.0,
            _ => 255.0,
        };
        Ok(min.first().is_some_and(|&m| m < opaque))
    })
}

/// Decodes to 8-bit sRGB, fitted within `box_width × box_height`, turned upright when
/// `rotate` is set, with the embedded ICC profile applied. SVGs are drawn at the box's
/// scale, larger than their intrinsic size if the box is; the other loaders have no cheaper
/// reduced decode and are never enlarged. Fails after `timeout`.
///
/// The format's own loader is called rather than libvips' sniffing `thumbnail_buffer`, which
/// does not recognise AVIF sequences (`avis` brand) in libvips 8.14.
pub(crate) fn decode(
    bytes: &[u8],
    format: ImageFormat,
    header: &VipsHeader,
    (box_width, box_height): (u32, u32),
    rotate: bool,
    timeout: Duration,
) -> Result<Raster, MediaError> {
    let scale = (format == ImageFormat::Svg).then(|| {
        (f64::from(box_width) / f64::from(header.width))
            .max(f64::from(box_height) / f64::from(header.height))
    });
    let width = i32::try_from(box_width.max(1)).unwrap_or(i32::MAX);
    let height = i32::try_from(box_height.max(1)).unwrap_or(i32::MAX);
    load_within(bytes, format, scale, timeout, move |source| {
        let thumbnail = VOption::new()
            .set("height", height)
            .set("size", "down")
            .set("no_rotate", !rotate)
            // libvips 8.14 name: an embedded profile is imported and the result exported as sRGB.
            .set("export_profile", "srgb");
        let image = source
            .thumbnail_image_with_opts(width, thumbnail)
            .and_then(|i| i.colourspace(rs_vips::enums::Interpretation::Srgb))
            .and_then(|i| match i.get_format() {
                Ok(rs_vips::enums::BandFormat::Uchar) => Ok(i),
                _ => i.cast(rs_vips::enums::BandFormat::Uchar),
            })
            // Renders the whole pipeline once, so errors surface here and not as a null buffer.
            .and_then(|i| i.copy_memory())
            .map_err(|e| error(format, e))?;
        let (w, h) = (image.get_width() as u32, image.get_height() as u32);
        let bands = image.get_bands();
        let data = image.write_to_memory();
        let raster = match bands {
            3 => Raster::new(w, h, false, data),
            4 => Raster::new(w, h, true, data),
            _ => Err(format!(
                "unexpected {bands} colour bands after conversion to sRGB"
            )),
        };
        raster.map_err(|m| MediaError::corrupt(loader(format), m))
    })
}

/// libaom's speed for AVIF: libvips' `effort` 0–9 is `9 - cpu-used`. sharp's default is 4;
/// effort 2 with 4:2:0 chroma took a quarter of the time for 4 % fewer bytes on the 12 MP
/// corpus photo fitted to 1200 px (0.22 s against 0.83 s, `vips thumbnail` on this machine).
const AVIF_EFFORT: i32 = 2;

/// Encodes upright sRGB pixels as AVIF at quality `quality` (1–100), with 4:2:0 chroma and
/// no metadata. Errors with libvips' (libheif's) reason.
pub(crate) fn avif(raster: &Raster, quality: u8) -> Result<Vec<u8>, String> {
    init().map_err(|e| e.to_string())?;
    let width = i32::try_from(raster.width).map_err(|_| "too wide".to_owned())?;
    let height = i32::try_from(raster.height).map_err(|_| "too tall".to_owned())?;
    let bands = raster.channels() as i32;
    let image = VipsImage::new_from_memory_copy(
        &raster.data,
        width,
        height,
        bands,
        rs_vips::enums::BandFormat::Uchar,
    )
    .and_then(|i| {
        i.copy_with_opts(VOption::new().set(
            "interpretation",
            rs_vips::enums::Interpretation::Srgb as i32,
        ))
    })
    .map_err(|e| e.to_string())?;
    let options = VOption::new()
        .set("Q", i32::from(quality.clamp(1, 100)))
        .set(
            "compression",
            rs_vips::enums::ForeignHeifCompression::Av1 as i32,
        )
        .set("effort", AVIF_EFFORT)
        .set(
            "subsample_mode",
            rs_vips::enums::ForeignSubsample::On as i32,
        )
        .set("strip", true);
    image
        .heifsave_buffer_with_opts(options)
        .map_err(|e| e.to_string())
}

/// Encodes an animation as lossy WebP at quality `quality` (0–100) with libwebp's
/// `WebPAnimEncoder`, and no metadata. `strip` holds the frames top to bottom, each
/// `width × height` RGBA pixels; `delays` is each frame's duration in milliseconds and
/// `loops` the loop count (0 = forever). Errors with libvips' (libwebp's) reason.
pub(crate) fn animated_webp(
    strip: &[u8],
    (width, height): (u32, u32),
    delays: &[i32],
    loops: i32,
    quality: u8,
) -> Result<Vec<u8>, String> {
    init().map_err(|e| e.to_string())?;
    let frames = i32::try_from(delays.len()).map_err(|_| "too many frames".to_owned())?;
    let width = i32::try_from(width).map_err(|_| "too wide".to_owned())?;
    let height = i32::try_from(height).map_err(|_| "too tall".to_owned())?;
    let total = height
        .checked_mul(frames)
        .ok_or_else(|| "too many frames for their height".to_owned())?;
    let mut image =
        VipsImage::new_from_memory_copy(strip, width, total, 4, rs_vips::enums::BandFormat::Uchar)
            .and_then(|i| {
                i.copy_with_opts(VOption::new().set(
                    "interpretation",
                    rs_vips::enums::Interpretation::Srgb as i32,
                ))
            })
            .map_err(|e| e.to_string())?;
    image
        .set_int("page-height", height)
        .and_then(|()| image.set_array_int("delay", delays))
        .and_then(|()| image.set_int("loop", loops))
        .map_err(|e| e.to_string())?;
    let options = VOption::new()
        .set("Q", i32::from(quality.min(100)))
        .set("effort", crate::encode::WEBP_METHOD)
        .set("page_height", height)
        .set("strip", true);
    let webp = image
        .webpsave_buffer_with_opts(options)
        .map_err(|e| e.to_string())?;
    // libvips 8.14 writes an EXIF chunk into animations even when told to strip.
    Ok(crate::encode::without_webp_metadata(&webp))
}

/// The font of text watermarks: Debian's `fonts-dejavu-core`, which fontconfig depends on.
const TEXT_FONT: &str = "DejaVu Sans Bold";

/// Sets `text` on one line, as large as fits `width` × `height` pixels (libvips `text` with
/// autofit, Pango underneath). Returns the coverage mask, one byte per pixel (0 = none,
/// 255 = full), and its width and height, at most the box.
pub(crate) fn text_mask(
    text: &str,
    width: u32,
    height: u32,
) -> Result<(Vec<u8>, u32, u32), String> {
    init().map_err(|e| e.to_string())?;
    // The text is Pango markup: an editor's `&` or `<` must stay a character.
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let options = VOption::new()
        .set("font", TEXT_FONT)
        .set("width", i32::try_from(width.max(1)).unwrap_or(i32::MAX))
        .set("height", i32::try_from(height.max(1)).unwrap_or(i32::MAX))
        .set("wrap", rs_vips::enums::TextWrap::None as i32);
    let image = VipsImage::text_with_opts(&escaped, options)
        .and_then(|i| i.copy_memory())
        .map_err(|e| e.to_string())?;
    let (w, h) = (image.get_width() as u32, image.get_height() as u32);
    if image.get_bands() != 1 || w == 0 || h == 0 {
        return Err(format!(
            "libvips set the text as {w}x{h} with {} bands",
            image.get_bands()
        ));
    }
    Ok((image.write_to_memory(), w, h))
}
