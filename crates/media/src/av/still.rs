//! Still pictures out of a file: a video's poster frame, an audio file's cover art.

use std::path::Path;
use std::time::Duration;

use medialib_core::VideoMetadata;

use super::{command, ffprobe};
use crate::MediaError;
use crate::tool::{self, Stdout};

/// Most cover-art bytes accepted; real covers are a few MB at most.
const MAX_COVER: usize = 64 * 1024 * 1024;

/// The poster frame, upright, as BMP bytes (8-bit RGB, uncompressed: the image pipeline
/// decodes it at once, and skipping PNG's deflate saves ~0.2 s on a 1080p frame).
///
/// The frame at `at_s` seconds, or from the middle (`duration_s / 2`) when the clip is
/// not that long. `-ss` before `-i` jumps to the keyframe before that time and decodes
/// only from there; ffmpeg applies the display matrix itself, so the frame has the display
/// size
/// (`meta.width` × `meta.height` pixels). A clip too short to seek into (one frame) gets
/// its first frame. `timeout` bounds each ffmpeg run.
///
/// Errors: [`MediaError::Invalid`] when no frame decodes, with ffmpeg's reason.
pub fn poster(
    path: &Path,
    meta: &VideoMetadata,
    at_s: f64,
    timeout: Duration,
) -> Result<Vec<u8>, MediaError> {
    let at_s = if meta.duration_s > at_s {
        at_s.max(0.0)
    } else {
        meta.duration_s / 2.0
    };
    // A BMP is the raw RGB size plus row padding and a header; a frame beyond that is not
    // the frame ffprobe described.
    let max = (meta.width as usize)
        .saturating_mul(meta.height as usize)
        .saturating_mul(4)
        .saturating_add(1024 * 1024);
    let seeked = frame(path, Some(at_s), timeout, max)?;
    if !seeked.is_empty() {
        return Ok(seeked);
    }
    let first = frame(path, None, timeout, max)?;
    if first.is_empty() {
        return Err(MediaError::Invalid(
            "the video stream has no frame that decodes".to_owned(),
        ));
    }
    Ok(first)
}

/// One frame as BMP; empty when seeking went past the last frame.
fn frame(
    path: &Path,
    at_s: Option<f64>,
    timeout: Duration,
    max: usize,
) -> Result<Vec<u8>, MediaError> {
    let seek = at_s.map(|s| format!("{s:.3}"));
    let input_options: Vec<&str> = match &seek {
        Some(s) => vec!["-ss", s],
        None => Vec::new(),
    };
    let mut cmd = command::ffmpeg(path, &input_options);
    // `V` skips cover art, which ffmpeg might otherwise pick as the "best" video stream.
    cmd.args(["-map", "0:V:0", "-frames:v", "1", "-pix_fmt", "rgb24"]);
    cmd.args(["-c:v", "bmp", "-f", "image2pipe", "-"]);
    let out = tool::run(&mut cmd, timeout, None, Stdout::Collect { max })?;
    if !out.status.success() {
        return Err(command::invalid(out, path, "ffmpeg"));
    }
    Ok(out.stdout)
}

/// Embedded cover art as stored (JPEG or PNG bytes); `None` when there is none.
///
/// The first stream with ffprobe's `disposition.attached_pic == 1`, copied out with
/// `-c copy -f image2pipe`; a cover in another codec (BMP, GIF, …) is re-encoded as PNG.
/// `timeout` bounds each of the two tool runs.
pub fn cover_art(path: &Path, timeout: Duration) -> Result<Option<Vec<u8>>, MediaError> {
    let report = ffprobe::run(path, timeout)?;
    let Some(cover) = report.streams.iter().find(|s| s.is_attached_pic()) else {
        return Ok(None);
    };
    let Some(index) = cover.index else {
        return Ok(None);
    };
    let map = format!("0:{}", index as u32);
    let codec = match cover.codec_name.as_str() {
        "mjpeg" | "png" => "copy",
        _ => "png",
    };
    let mut cmd = command::ffmpeg(path, &[]);
    cmd.args(["-map", &map, "-c:v", codec, "-frames:v", "1"]);
    cmd.args(["-f", "image2pipe", "-"]);
    let out = tool::run(&mut cmd, timeout, None, Stdout::Collect { max: MAX_COVER })?;
    if !out.status.success() {
        return Err(command::invalid(out, path, "ffmpeg"));
    }
    Ok(Some(out.stdout).filter(|bytes| !bytes.is_empty()))
}
