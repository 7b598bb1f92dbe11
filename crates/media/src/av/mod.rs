//! Video and audio through Debian's `ffprobe` and `ffmpeg` (subprocesses, see `tool`).
//!
//! CONTRACT (filled in by the av work; signatures are used by medialib-server).

use std::path::Path;
use std::time::Duration;

use medialib_core::TranscodeProfile;
use medialib_core::{AudioMetadata, VideoMetadata};

use crate::{Cancel, MediaError};

/// Limits checked when probing an upload.
#[derive(Debug, Clone)]
pub struct AvLimits {
    /// Longest accepted duration in seconds.
    pub max_duration_s: f64,
    /// Largest accepted long side in pixels (7680 for 8K).
    pub max_long_side: u32,
    /// Largest accepted short side in pixels (4320 for 8K).
    pub max_short_side: u32,
    /// Timeout of each ffprobe/ffmpeg run during the probe.
    pub timeout: Duration,
}

/// What a probe found.
#[derive(Debug, Clone, PartialEq)]
pub enum Probed {
    /// At least one video stream that is not cover art.
    Video(VideoMetadata),
    /// Audio only (cover art allowed).
    Audio(AudioMetadata),
}

/// Probes a file and checks that its first seconds decode.
pub fn probe(path: &Path, limits: &AvLimits) -> Result<Probed, MediaError> {
    let _ = (path, limits);
    unimplemented!()
}

/// The poster frame, upright, as PNG bytes.
pub fn poster(
    path: &Path,
    meta: &VideoMetadata,
    at_s: f64,
    timeout: Duration,
) -> Result<Vec<u8>, MediaError> {
    let _ = (path, meta, at_s, timeout);
    unimplemented!()
}

/// Embedded cover art as stored (JPEG or PNG bytes); `None` when there is none.
pub fn cover_art(path: &Path, timeout: Duration) -> Result<Option<Vec<u8>>, MediaError> {
    let _ = (path, timeout);
    unimplemented!()
}

/// An audio waveform: peaks and a picture of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Waveform {
    /// Peak absolute amplitude per bucket, 0.0–1.0, `buckets` entries, in time order.
    pub peaks: Vec<f32>,
    /// PNG picture of the peaks.
    pub png: Vec<u8>,
    /// PNG width in pixels.
    pub width: u32,
    /// PNG height in pixels.
    pub height: u32,
}

/// Decodes the audio once and computes its waveform.
pub fn waveform(
    path: &Path,
    buckets: usize,
    size: (u32, u32),
    timeout: Duration,
) -> Result<Waveform, MediaError> {
    let _ = (path, buckets, size, timeout);
    unimplemented!()
}

/// A finished rendition.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    /// Width in pixels (video renditions).
    pub width: Option<u32>,
    /// Height in pixels (video renditions).
    pub height: Option<u32>,
    /// Duration in seconds.
    pub duration_s: f64,
    /// File size in bytes.
    pub size: u64,
}

/// Whether `profile` applies to a source, and the output size in pixels for video.
pub fn plan(profile: &TranscodeProfile, source: &Probed) -> Option<Option<(u32, u32)>> {
    let _ = (profile, source);
    unimplemented!()
}

/// Transcodes `input` into `output` following `profile`.
pub fn transcode(
    input: &Path,
    output: &Path,
    profile: &TranscodeProfile,
    source: &Probed,
    timeout: Duration,
    cancel: &Cancel,
    on_progress: &mut dyn FnMut(u8),
) -> Result<Rendition, MediaError> {
    let _ = (input, output, profile, source, timeout, cancel, on_progress);
    unimplemented!()
}
