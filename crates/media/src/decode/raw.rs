//! Camera RAW through LibRaw's command-line tools (Debian's `libraw-bin`): `raw-identify`
//! reads the size and orientation, `dcraw_emu` develops the sensor data (demosaicing, the
//! camera's white balance, sRGB, 8 bits, the camera's orientation applied) into a TIFF that
//! the `image` crate reads.
//!
//! Subprocesses rather than a linked library, like ffmpeg and poppler: a crash or a hang in
//! a decoder on a hostile file takes down one child process, never the server. The tools
//! read files, so the bytes go to a private temporary file first.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tempfile::NamedTempFile;

use super::image_rs;
use crate::raster::Raster;
use crate::tool::{self, Stdout};
use crate::{ImageFormat, MediaError};

/// The decoder's name in error messages.
const DECODER: &str = "RAW decoder (LibRaw)";

/// Most bytes of TIFF header and tags `dcraw_emu` writes before the pixels.
const TIFF_OVERHEAD: usize = 64 * 1024;

/// What LibRaw says before developing anything.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawHeader {
    /// Width in pixels of the developed image, upright.
    pub width: u32,
    /// Height in pixels of the developed image, upright.
    pub height: u32,
}

/// Reads the developed size with `raw-identify -v`: its `Output size: W x H` line, with the
/// sides swapped when `Image flip:` turns the picture by 90° (LibRaw's flip 5 or 6).
///
/// Errors: [`MediaError::Corrupt`] when LibRaw cannot read the file,
/// [`MediaError::Timeout`] after `timeout`, [`MediaError::Tool`] when the tool is missing.
pub(crate) fn header(bytes: &[u8], timeout: Duration) -> Result<RawHeader, MediaError> {
    let file = temporary(bytes)?;
    let mut cmd = Command::new("raw-identify");
    cmd.arg("-v").arg(file.path());
    let out = tool::run(&mut cmd, timeout, None, Stdout::Collect { max: 1 << 20 })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::trim)
    };
    let size = field("Output size:").and_then(|size| {
        let (w, h) = size.split_once(" x ")?;
        Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?))
    });
    let Some((width, height)) = size.filter(|&(w, h)| w > 0 && h > 0) else {
        let reason = out.reason();
        return Err(MediaError::corrupt(
            DECODER,
            if reason.is_empty() {
                "the file is not a camera RAW image LibRaw can read".to_owned()
            } else {
                strip_path(&reason, file.path())
            },
        ));
    };
    let turned = matches!(field("Image flip:"), Some("5" | "6"));
    Ok(if turned {
        RawHeader {
            width: height,
            height: width,
        }
    } else {
        RawHeader { width, height }
    })
}

/// Develops the image, at half size (LibRaw's fast 2×2 binning) when that still covers the
/// display box `(box_width, box_height)`; `(0, 0)` asks for the smallest. `max_alloc` bounds
/// the TIFF decoder's memory as for other formats.
///
/// Errors: [`MediaError::Corrupt`] when LibRaw fails on the file or its output does not
/// decode, [`MediaError::Timeout`] after `timeout`.
pub(crate) fn decode(
    bytes: &[u8],
    header: &RawHeader,
    (box_width, box_height): (u32, u32),
    max_alloc: u64,
    timeout: Duration,
) -> Result<Raster, MediaError> {
    let half = box_width <= header.width / 2 && box_height <= header.height / 2;
    let file = temporary(bytes)?;
    let mut cmd = Command::new("dcraw_emu");
    // -w camera white balance, -T TIFF, -Z - to stdout; sRGB and 8 bits are the defaults.
    cmd.args(["-w", "-T", "-Z", "-"]);
    if half {
        cmd.arg("-h");
    }
    cmd.arg(file.path());
    let max = header.width as usize * header.height as usize * 3 + TIFF_OVERHEAD;
    let out = tool::run(&mut cmd, timeout, None, Stdout::Collect { max })?;
    if !out.status.success() || out.stdout.is_empty() {
        return Err(MediaError::corrupt(
            DECODER,
            strip_path(&out.reason(), file.path()),
        ));
    }
    let (raster, _) = image_rs::decode(&out.stdout, ImageFormat::Tiff, max_alloc)?;
    Ok(raster)
}

/// The bytes in a temporary file that is removed when dropped.
fn temporary(bytes: &[u8]) -> Result<NamedTempFile, MediaError> {
    let mut file = NamedTempFile::with_prefix("medialib-raw-")
        .map_err(|e| MediaError::Tool(format!("cannot create a temporary file: {e}")))?;
    file.write_all(bytes)
        .map_err(|e| MediaError::Tool(format!("cannot write a temporary file: {e}")))?;
    Ok(file)
}

/// LibRaw names the input file in its messages; the temporary path means nothing to users.
fn strip_path(reason: &str, path: &Path) -> String {
    reason
        .replace(&format!("{}: ", path.display()), "")
        .replace(&path.display().to_string(), "the file")
}
