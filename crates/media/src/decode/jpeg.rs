//! JPEG decoding with libjpeg-turbo through its TurboJPEG 3 API.
//!
//! The `turbojpeg` crate's safe `Decompressor` turns every libjpeg *warning* into an error and
//! re-reads the header before decoding, so a file with harmless junk between markers cannot be
//! decoded through it at all. This module drives the same C API (re-exported by the crate as
//! `turbojpeg::raw`) directly, so it can tell warnings (`TJERR_WARNING`: the image was decoded,
//! the message is libjpeg's *first* warning) from fatal errors, and classify them:
//!
//! - "extraneous bytes before marker" and other marker-level complaints leave every pixel
//!   intact: accepted, provided the entropy-coded data still ends in an EOI marker;
//! - "Premature end of JPEG file", "premature end of data segment", "bad Huffman code" and
//!   "found marker ... instead of RST" mean lost pixel data: rejected.

use std::ffi::CStr;
use std::os::raw::c_int;

use turbojpeg::raw;

use super::jpeg_segments;
use crate::MediaError;
use crate::raster::Raster;

/// Name used in error messages.
const DECODER: &str = "JPEG decoder (libjpeg-turbo)";

/// Progressive JPEGs may declare thousands of tiny scans to make decoding quadratic; libjpeg-turbo
/// recommends a cap (see its `TJPARAM_SCANLIMIT` documentation).
const SCAN_LIMIT: i32 = 500;

/// Warnings after which every pixel was still decoded correctly.
const BENIGN_WARNINGS: &[&str] = &[
    "extraneous bytes before marker",
    "bad ICC marker",
    "unknown JFIF revision",
    "Unknown Adobe color transform",
    "Inconsistent progression sequence",
];

/// What the JPEG header declares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JpegHeader {
    /// Stored width in pixels (before EXIF orientation).
    pub width: u32,
    /// Stored height in pixels.
    pub height: u32,
    /// CMYK or YCCK: decoded as CMYK and converted here.
    pub cmyk: bool,
    /// Lossless JPEGs (T.81 process 14) cannot be DCT-scaled.
    pub lossless: bool,
}

/// A TurboJPEG decompressor instance; destroyed on drop.
struct Handle(raw::tjhandle);

impl Handle {
    fn new() -> Result<Self, MediaError> {
        // SAFETY: tj3Init has no preconditions; a null result is checked below.
        let ptr = unsafe { raw::tj3Init(raw::TJINIT_TJINIT_DECOMPRESS as c_int) };
        if ptr.is_null() {
            return Err(MediaError::corrupt(
                DECODER,
                "could not allocate a decompressor",
            ));
        }
        Ok(Self(ptr))
    }

    fn set(&self, param: raw::TJPARAM, value: i32) {
        // SAFETY: the handle is valid for the lifetime of self. The parameters come from the
        // bindings generated for the libjpeg-turbo built alongside, so they are all known.
        unsafe { raw::tj3Set(self.0, param as c_int, value) };
    }

    fn get(&self, param: raw::TJPARAM) -> i32 {
        // SAFETY: as above.
        unsafe { raw::tj3Get(self.0, param as c_int) }
    }

    /// Interprets a TurboJPEG return code: `Ok(None)` on success, `Ok(Some(warning))` when
    /// libjpeg finished but warned, `Err(message)` on a fatal error.
    fn outcome(&self, ret: c_int) -> Result<Option<String>, String> {
        if ret == 0 {
            return Ok(None);
        }
        // SAFETY: the handle is valid; tj3GetErrorStr returns a NUL-terminated string owned
        // by the handle, copied out before any other call.
        let (code, message) = unsafe {
            let code = raw::tj3GetErrorCode(self.0);
            let message = CStr::from_ptr(raw::tj3GetErrorStr(self.0))
                .to_string_lossy()
                .into_owned();
            (code, message)
        };
        if code == raw::TJERR_TJERR_WARNING as c_int {
            Ok(Some(message))
        } else {
            Err(message)
        }
    }

    /// Reads the header into the handle's parameters; returns the first warning, if any.
    fn read_header(&self, bytes: &[u8]) -> Result<Option<String>, MediaError> {
        // SAFETY: the pointer and length describe a live slice.
        let ret =
            unsafe { raw::tj3DecompressHeader(self.0, bytes.as_ptr(), bytes.len() as raw::size_t) };
        self.outcome(ret)
            .map_err(|message| MediaError::corrupt(DECODER, message))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from tj3Init and is destroyed exactly once.
        unsafe { raw::tj3Destroy(self.0) }
    }
}

/// Reads the header: dimensions and colour space. Warnings are ignored here (they are judged
/// when the pixels are decoded); a header libjpeg cannot parse is [`MediaError::Corrupt`].
pub(crate) fn header(bytes: &[u8]) -> Result<JpegHeader, MediaError> {
    let handle = Handle::new()?;
    handle.read_header(bytes)?;
    let width = handle.get(raw::TJPARAM_TJPARAM_JPEGWIDTH);
    let height = handle.get(raw::TJPARAM_TJPARAM_JPEGHEIGHT);
    let colorspace = handle.get(raw::TJPARAM_TJPARAM_COLORSPACE);
    let (width, height) = match (u32::try_from(width), u32::try_from(height)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        // Should not happen after a successful header read, but the SOF is easy to read.
        _ => jpeg_segments::frame_size(bytes)
            .ok_or_else(|| MediaError::corrupt(DECODER, "the header declares no image size"))?,
    };
    Ok(JpegHeader {
        width,
        height,
        cmyk: colorspace == raw::TJCS_TJCS_CMYK as i32 || colorspace == raw::TJCS_TJCS_YCCK as i32,
        lossless: handle.get(raw::TJPARAM_TJPARAM_LOSSLESS) == 1,
    })
}

/// The smallest DCT scale `n/8` whose output is at least `min_width × min_height`.
fn scale_for(header: &JpegHeader, min_width: u32, min_height: u32) -> u32 {
    if header.lossless {
        return 8;
    }
    (1..=8)
        .find(|&n| {
            scaled(header.width, n) >= min_width.min(header.width)
                && scaled(header.height, n) >= min_height.min(header.height)
        })
        .unwrap_or(8)
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// libjpeg's `TJSCALED`: `ceil(dimension × n / 8)`.
fn scaled(dimension: u32, n: u32) -> u32 {
    (u64::from(dimension) * u64::from(n)).div_ceil(8) as u32
}

/// Decodes to RGB at the smallest DCT scale that still yields at least `min_width ×
/// min_height` pixels (pass 0×0 for the cheapest 1/8 decode, the full size to disable scaling).
///
/// `max_pixels` is handed to libjpeg-turbo as a second line of defence behind the caller's
/// header check. Lost or corrupt pixel data is [`MediaError::Corrupt`] with libjpeg's message.
pub(crate) fn decode(
    bytes: &[u8],
    header: &JpegHeader,
    min_width: u32,
    min_height: u32,
    max_pixels: u64,
) -> Result<Raster, MediaError> {
    let handle = Handle::new()?;
    handle.set(raw::TJPARAM_TJPARAM_SCANLIMIT, SCAN_LIMIT);
    handle.set(
        raw::TJPARAM_TJPARAM_MAXPIXELS,
        i32::try_from(max_pixels).unwrap_or(i32::MAX),
    );
    handle.read_header(bytes)?;

    let n = scale_for(header, min_width, min_height);
    // libjpeg-turbo lists its factors in lowest terms (3/4, not 6/8) and matches exactly.
    let common = gcd(n, 8);
    let factor = raw::tjscalingfactor {
        num: (n / common) as c_int,
        denom: (8 / common) as c_int,
    };
    // SAFETY: the handle is valid; the factor is one libjpeg-turbo supports (n/8, n in 1..=8).
    let ret = unsafe { raw::tj3SetScalingFactor(handle.0, factor) };
    handle
        .outcome(ret)
        .map_err(|message| MediaError::corrupt(DECODER, message))?;

    let (width, height) = (scaled(header.width, n), scaled(header.height, n));
    let channels = if header.cmyk { 4 } else { 3 };
    let pixel_format = if header.cmyk {
        raw::TJPF_TJPF_CMYK
    } else {
        raw::TJPF_TJPF_RGB
    };
    let pitch = width as usize * channels;
    let mut pixels = vec![0u8; pitch * height as usize];
    // SAFETY: `pixels` holds exactly `pitch × height` bytes, which is what libjpeg-turbo writes
    // for the scaled size computed with the same formula it uses (TJSCALED).
    let ret = unsafe {
        raw::tj3Decompress8(
            handle.0,
            bytes.as_ptr(),
            bytes.len() as raw::size_t,
            pixels.as_mut_ptr(),
            pitch as c_int,
            pixel_format as c_int,
        )
    };
    match handle.outcome(ret) {
        Ok(None) => {}
        Ok(Some(warning)) => judge_warning(bytes, &warning)?,
        Err(message) => return Err(MediaError::corrupt(DECODER, message)),
    }

    let rgb = if header.cmyk {
        cmyk_to_rgb(&pixels, jpeg_segments::has_adobe_marker(bytes))
    } else {
        pixels
    };
    Raster::new(width, height, false, rgb).map_err(|m| MediaError::corrupt(DECODER, m))
}

/// Accepts warnings that leave the pixels intact; everything else is corrupt data.
fn judge_warning(bytes: &[u8], warning: &str) -> Result<(), MediaError> {
    let benign = BENIGN_WARNINGS.iter().any(|w| warning.contains(w));
    // libjpeg reports only its first warning. A benign first warning could hide a later
    // truncation, so the end of the entropy-coded data is checked as well.
    if benign && jpeg_segments::has_end_of_image(bytes) {
        return Ok(());
    }
    Err(MediaError::corrupt(DECODER, warning))
}

/// Converts CMYK samples to RGB without a profile (the naive formula browsers use too).
///
/// Adobe applications write CMYK inverted (0 = full ink), which the APP14 marker announces.
fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
    cmyk.chunks_exact(4)
        .flat_map(|p| {
            let [c, m, y, k] = if inverted {
                [p[0], p[1], p[2], p[3]]
            } else {
                [255 - p[0], 255 - p[1], 255 - p[2], 255 - p[3]]
            };
            let k = u16::from(k);
            [c, m, y].map(|v| ((u16::from(v) * k + 127) / 255) as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_the_smallest_that_covers_the_request() {
        let h = JpegHeader {
            width: 4032,
            height: 3024,
            cmyk: false,
            lossless: false,
        };
        assert_eq!(scale_for(&h, 0, 0), 1);
        assert_eq!(scale_for(&h, 504, 378), 1);
        assert_eq!(scale_for(&h, 505, 0), 2);
        assert_eq!(scale_for(&h, 1920, 1440), 4);
        assert_eq!(scale_for(&h, 4032, 3024), 8);
        assert_eq!(scale_for(&h, 9000, 9000), 8);
    }
}
