//! Renditions: which profiles apply to a source, and running ffmpeg for one.

use std::path::Path;
use std::time::Duration;

use medialib_core::{OutputFormat, TranscodeProfile};

use super::{Probed, command, ffprobe};
use crate::tool::{self, Stdout};
use crate::{Cancel, MediaError};

/// Timeout of the quick ffprobe of a finished rendition.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(30);

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
///
/// `None` when the profile is disabled, is a video profile and the source is audio only,
/// the source's short side is below `min_source_resolution`, or it is an audio profile
/// and the source has no audio. `Some(None)` for audio profiles. `Some(Some((w, h)))` for
/// video: the display size scaled down so the short side is at most `resolution`
/// (aspect kept, never scaled up), each side rounded to an even number of at least 2
/// because 4:2:0 chroma needs even sizes, rounding down where rounding up would exceed
/// the source or the resolution.
pub fn plan(profile: &TranscodeProfile, source: &Probed) -> Option<Option<(u32, u32)>> {
    if !profile.enabled {
        return None;
    }
    match (profile.format, source) {
        (OutputFormat::Mp4 | OutputFormat::Webm, Probed::Video(v)) => {
            let short = v.width.min(v.height);
            if profile.min_source_resolution.is_some_and(|min| short < min) {
                return None;
            }
            let target = profile.resolution.unwrap_or(short).min(short).max(1);
            let scale = f64::from(target) / f64::from(short.max(1));
            let fit = |side: u32| {
                let cap = if side == short { target } else { side };
                even(f64::from(side) * scale, cap)
            };
            Some(Some((fit(v.width), fit(v.height))))
        }
        (OutputFormat::M4a | OutputFormat::Mp3, source) if source.has_audio() => Some(None),
        _ => None,
    }
}

/// The nearest even number to `x`, but not above `cap` (unless `cap` < 2).
fn even(x: f64, cap: u32) -> u32 {
    let nearest = ((x / 2.0).round() as u32).saturating_mul(2);
    let capped = if nearest > cap { nearest - 2 } else { nearest };
    capped.max(2)
}

/// Transcodes `input` into `output` following `profile`.
///
/// ffmpeg options by format: mp4 = libx264 `-preset veryfast -crf {crf or 23}` + AAC,
/// `-movflags +faststart` (`-f mp4`); webm = libvpx-vp9 `-crf {crf or 33} -b:v 0` in
/// realtime mode + libopus (`-f webm`); m4a = AAC (`-f ipod`); mp3 = libmp3lame
/// (`-f mp3`). Audio is `-b:a {audio_kbps or 128}k`, and more than two channels are
/// mixed down to stereo. Video is `yuv420p`, scaled with `-vf scale=W:H` to [`plan`]'s
/// size: ffmpeg rotates by the display matrix first, so the output is upright and
/// carries no rotation. `on_progress` gets 0–99 as ffmpeg's `-progress` `out_time_us`
/// advances against the source duration (never decreasing), and 100 once the output
/// is complete. `timeout` bounds the ffmpeg run; `cancel` kills it.
///
/// On any error `output` is removed. Errors: [`MediaError::Cancelled`],
/// [`MediaError::Timeout`], [`MediaError::Tool`] with ffmpeg's reason when it fails,
/// and when the profile does not apply to the source (see [`plan`]).
pub fn transcode(
    input: &Path,
    output: &Path,
    profile: &TranscodeProfile,
    source: &Probed,
    timeout: Duration,
    cancel: &Cancel,
    on_progress: &mut dyn FnMut(u8),
) -> Result<Rendition, MediaError> {
    let mut partial = RemoveOnDrop(Some(output));
    let size = applicable(profile, source)?;
    let mut cmd = command::ffmpeg(input, &[]);
    cmd.args(output_options(profile, source, size));
    cmd.args(["-progress", "pipe:1", "-nostats", "-y"]);
    cmd.arg(command::file_arg(output));

    let mut progress = Progress::new(source.duration_s(), on_progress);
    let mut on_line = |line: &str| progress.line(line);
    let out = tool::run(&mut cmd, timeout, Some(cancel), Stdout::Lines(&mut on_line))?;
    if !out.status.success() {
        let reason = command::reason(out, input, "ffmpeg");
        return Err(MediaError::Tool(format!(
            "ffmpeg could not make {}: {reason}",
            profile.name
        )));
    }
    let rendition = inspect(output, size)?;
    partial.0 = None;
    progress.report(100);
    Ok(rendition)
}

/// The ffmpeg command [`transcode`] runs, without its progress reporting: for running
/// the identical command by hand (`medialib bench video` compares the two).
///
/// Errors: [`MediaError::Tool`] when the profile does not apply to the source.
pub fn transcode_command(
    input: &Path,
    output: &Path,
    profile: &TranscodeProfile,
    source: &Probed,
) -> Result<std::process::Command, MediaError> {
    let size = applicable(profile, source)?;
    let mut cmd = command::ffmpeg(input, &[]);
    cmd.args(output_options(profile, source, size));
    cmd.arg("-y").arg(command::file_arg(output));
    Ok(cmd)
}

/// [`plan`], as an error when the profile does not apply.
fn applicable(
    profile: &TranscodeProfile,
    source: &Probed,
) -> Result<Option<(u32, u32)>, MediaError> {
    plan(profile, source).ok_or_else(|| {
        MediaError::Tool(format!(
            "profile {} does not apply to this source",
            profile.name
        ))
    })
}

/// Everything after the input: stream selection, codecs, container.
fn output_options(
    profile: &TranscodeProfile,
    source: &Probed,
    size: Option<(u32, u32)>,
) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(|s| (*s).to_owned()));
    if let Some((w, h)) = size {
        // `V`: never the cover art, which ffmpeg might rank as the "best" video stream.
        push(&["-map", "0:V:0", "-vf", &format!("scale={w}:{h}")]);
        push(&["-pix_fmt", "yuv420p"]);
        let crf = |default: u8| profile.crf.unwrap_or(default).to_string();
        match profile.format {
            OutputFormat::Webm => {
                // `-b:v 0` makes the CRF the only rate control (constant quality).
                push(&["-c:v", "libvpx-vp9", "-crf", &crf(33), "-b:v", "0"]);
                // Realtime mode at the fastest speed: several times faster than the
                // default good-quality mode, at a modest size cost.
                push(&["-row-mt", "1", "-deadline", "realtime", "-cpu-used", "8"]);
            }
            _ => push(&["-c:v", "libx264", "-preset", "veryfast", "-crf", &crf(23)]),
        }
    } else {
        push(&["-vn"]);
    }
    if source.has_audio() {
        let codec = match profile.format {
            OutputFormat::Webm => "libopus",
            OutputFormat::Mp3 => "libmp3lame",
            _ => "aac",
        };
        let kbps = format!("{}k", profile.audio_kbps.unwrap_or(128));
        push(&["-map", "0:a:0", "-c:a", codec, "-b:a", &kbps]);
        // Renditions are for web playback: 128 kbit/s spread over 5.1 sounds worse than
        // stereo, MP3 cannot carry more than two channels, and libopus rejects some
        // surround layouts.
        if source.audio_channels().is_some_and(|c| c > 2) {
            push(&["-ac", "2"]);
        }
    } else {
        push(&["-an"]);
    }
    // Chapters would become a text track in MP4, which players list as subtitles. Tags
    // go too: renditions are public bytes and must not carry the source's GPS position,
    // just as image variants carry no EXIF.
    push(&["-sn", "-dn", "-map_chapters", "-1", "-map_metadata", "-1"]);
    match profile.format {
        OutputFormat::Webm => push(&["-f", "webm"]),
        OutputFormat::Mp3 => push(&["-f", "mp3"]),
        OutputFormat::M4a => push(&["-movflags", "+faststart", "-f", "ipod"]),
        _ => push(&["-movflags", "+faststart", "-f", "mp4"]),
    }
    args
}

/// Size and duration of the finished file, from ffprobe; the planned size when a
/// container does not say.
fn inspect(output: &Path, size: Option<(u32, u32)>) -> Result<Rendition, MediaError> {
    let report = ffprobe::run(output, VERIFY_TIMEOUT)
        .map_err(|e| MediaError::Tool(format!("the rendition cannot be read back: {e}")))?;
    let video = report.streams.iter().find(|s| s.is_video());
    let dimension = |probed: Option<f64>, planned: Option<u32>| {
        probed
            .map(|v| v.clamp(0.0, f64::from(u32::MAX)) as u32)
            .or(planned)
    };
    let (width, height) = match (size, video) {
        (Some((w, h)), Some(v)) => (dimension(v.width, Some(w)), dimension(v.height, Some(h))),
        (Some((w, h)), None) => (Some(w), Some(h)),
        (None, _) => (None, None),
    };
    let bytes = std::fs::metadata(output)
        .map_err(|e| MediaError::Tool(format!("the rendition was not written: {e}")))?;
    Ok(Rendition {
        width,
        height,
        duration_s: report.format.duration.unwrap_or(0.0),
        size: bytes.len(),
    })
}

/// Turns `-progress` lines into whole percentages that only go up.
struct Progress<'a> {
    duration_us: f64,
    last: Option<u8>,
    on_progress: &'a mut dyn FnMut(u8),
}

impl<'a> Progress<'a> {
    fn new(duration_s: f64, on_progress: &'a mut dyn FnMut(u8)) -> Self {
        Self {
            duration_us: duration_s * 1e6,
            last: None,
            on_progress,
        }
    }

    fn line(&mut self, line: &str) {
        // `out_time_ms` is microseconds too (a long-standing ffmpeg misnomer).
        let Some(value) = line
            .strip_prefix("out_time_us=")
            .or_else(|| line.strip_prefix("out_time_ms="))
        else {
            return;
        };
        let Ok(us) = value.trim().parse::<f64>() else {
            return;
        };
        if self.duration_us > 0.0 && us.is_finite() {
            let pct = (us / self.duration_us * 100.0).clamp(0.0, 99.0);
            self.report(pct as u8);
        }
    }

    fn report(&mut self, pct: u8) {
        if self.last.is_none_or(|last| pct > last) {
            self.last = Some(pct);
            (self.on_progress)(pct);
        }
    }
}

/// Deletes a half-written output unless disarmed, whatever way the function is left.
struct RemoveOnDrop<'a>(Option<&'a Path>);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(path) = self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_monotonic_and_stops_at_99_until_done() {
        let mut seen = Vec::new();
        let mut on_progress = |p| seen.push(p);
        let mut progress = Progress::new(2.0, &mut on_progress);
        for line in [
            "out_time_us=N/A",
            "out_time_us=0",
            "out_time_ms=0",
            "out_time_us=1000000",
            "out_time_us=500000",
            "out_time_us=2100000",
            "progress=end",
        ] {
            progress.line(line);
        }
        progress.report(100);
        assert_eq!(seen, [0, 50, 99, 100]);
    }

    #[test]
    fn even_sizes_never_exceed_the_cap() {
        assert_eq!(even(1280.0, 1280), 1280);
        assert_eq!(even(481.0, 481), 480);
        assert_eq!(even(426.67, 1920), 426);
        assert_eq!(even(1.0, 1), 2);
    }
}
