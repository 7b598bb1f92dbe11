//! The upload check: ffprobe facts, limits, and a short decode.

use std::path::Path;
use std::time::Duration;

use medialib_core::{AudioMetadata, AudioTags, VideoMetadata};

use super::ffprobe::{self, Report, Stream};
use super::{command, iso6709};
use crate::MediaError;
use crate::tool::{self, Stdout};

/// Seconds decoded by the upload check: enough to catch a broken header, index or codec
/// setup, cheap enough that a three-hour upload costs the same as a short one.
const DECODE_CHECK_S: &str = "2";

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

impl Default for AvLimits {
    /// Three hours, 8K (7680×4320), 120 s per tool run.
    fn default() -> Self {
        Self {
            max_duration_s: 3.0 * 3600.0,
            max_long_side: 7680,
            max_short_side: 4320,
            timeout: Duration::from_secs(120),
        }
    }
}

/// What a probe found.
#[derive(Debug, Clone, PartialEq)]
pub enum Probed {
    /// At least one video stream that is not cover art.
    Video(VideoMetadata),
    /// Audio only (cover art allowed).
    Audio(AudioMetadata),
}

impl Probed {
    /// Duration in seconds (ffprobe `format.duration`).
    pub fn duration_s(&self) -> f64 {
        match self {
            Self::Video(v) => v.duration_s,
            Self::Audio(a) => a.duration_s,
        }
    }

    /// Whether there is an audio stream to carry into a rendition.
    pub fn has_audio(&self) -> bool {
        match self {
            Self::Video(v) => v.audio_codec.is_some(),
            Self::Audio(_) => true,
        }
    }

    /// Channels of the first audio stream (ffprobe `stream.channels`), when known.
    pub fn audio_channels(&self) -> Option<u32> {
        match self {
            Self::Video(v) => v.audio_channels,
            Self::Audio(a) => Some(a.channels),
        }
    }
}

/// Probes a file and checks that its first seconds decode.
///
/// Runs `ffprobe -show_format -show_streams` (facts), checks `limits`, then
/// `ffmpeg -t 2 -f null` over the first video and audio stream: any message from that
/// decode rejects the file.
///
/// Errors: [`MediaError::Invalid`] with the tool's reason for unreadable or undecodable
/// files and files with neither audio nor video; [`MediaError::OverLimit`] naming the
/// value and the limit; [`MediaError::Timeout`] / [`MediaError::Tool`] from the tools,
/// and `Tool` when `path` cannot be read at all.
pub fn probe(path: &Path, limits: &AvLimits) -> Result<Probed, MediaError> {
    let probed = probe_facts(path, limits)?;
    decode_check(path, limits.timeout)?;
    Ok(probed)
}

/// [`probe`] without the decode check: for a file that already passed it (the
/// processing job re-reads the facts of an accepted upload; ~0.4 s saved on 1080p).
///
/// Errors: as [`probe`], except that undecodable streams go unnoticed.
pub fn probe_facts(path: &Path, limits: &AvLimits) -> Result<Probed, MediaError> {
    // A missing staging file is the server's problem, not the upload's.
    std::fs::metadata(path)
        .map_err(|e| MediaError::Tool(format!("cannot read {}: {e}", path.display())))?;
    let report = ffprobe::run(path, limits.timeout)?;
    let probed = facts(&report)?;
    check_limits(&probed, limits)?;
    Ok(probed)
}

/// Maps ffprobe's report to metadata: video when a video stream is not cover art.
pub(super) fn facts(report: &Report) -> Result<Probed, MediaError> {
    let video = report
        .streams
        .iter()
        .find(|s| s.is_video() && !s.is_attached_pic());
    let audio = report.streams.iter().find(|s| s.is_audio());
    let duration_s = report
        .format
        .duration
        .or_else(|| {
            report
                .streams
                .iter()
                .filter_map(|s| s.duration)
                .reduce(f64::max)
        })
        .unwrap_or(0.0)
        .max(0.0);
    let bitrate = report.format.bit_rate.map(to_u64);
    let container = report.format.format_name.clone();
    match (video, audio) {
        (Some(video), audio) => {
            let coded_width = dimension(video.width);
            let coded_height = dimension(video.height);
            if coded_width == 0 || coded_height == 0 {
                return Err(MediaError::Invalid(format!(
                    "the {} video stream has no frame size",
                    video.codec_name
                )));
            }
            let rotation = rotation(video);
            let (width, height) = if rotation.rem_euclid(180) == 90 {
                (coded_height, coded_width)
            } else {
                (coded_width, coded_height)
            };
            let tags = &report.format.tags;
            Ok(Probed::Video(VideoMetadata {
                container,
                duration_s,
                width,
                height,
                coded_width,
                coded_height,
                rotation,
                frame_rate: [&video.avg_frame_rate, &video.r_frame_rate]
                    .into_iter()
                    .find_map(|r| r.as_deref().and_then(ffprobe::rational)),
                frame_count: video.nb_frames.map(to_u64),
                video_codec: video.codec_name.clone(),
                audio_codec: audio.map(|a| a.codec_name.clone()),
                audio_sample_rate: audio.and_then(|a| a.sample_rate).map(to_u32),
                audio_channels: audio.and_then(|a| a.channels).map(to_u32),
                bitrate,
                creation_time: tags
                    .get(&["creation_time"])
                    .or_else(|| video.tags.get(&["creation_time"])),
                gps: tags
                    .get(&["location", "com.apple.quicktime.location.ISO6709"])
                    .and_then(|text| iso6709::parse(&text)),
            }))
        }
        (None, Some(audio)) => Ok(Probed::Audio(AudioMetadata {
            container,
            duration_s,
            codec: audio.codec_name.clone(),
            bitrate: bitrate.or(audio.bit_rate.map(to_u64)),
            sample_rate: audio.sample_rate.map(to_u32).unwrap_or(0),
            channels: audio.channels.map(to_u32).unwrap_or(0),
            has_cover_art: report.streams.iter().any(Stream::is_attached_pic),
            tags: audio_tags(report, audio),
        })),
        (None, None) => Err(MediaError::Invalid("no audio or video streams".to_owned())),
    }
}

/// Rotation in degrees, counter-clockwise positive: the display matrix, else the legacy
/// `rotate` tag, which counts clockwise and so is negated.
fn rotation(video: &Stream) -> i32 {
    if let Some(r) = video.side_data_list.iter().find_map(|d| d.rotation) {
        return r.round() as i32;
    }
    video
        .tags
        .get(&["rotate"])
        .and_then(|r| r.parse::<f64>().ok())
        .filter(|r| r.is_finite())
        // Into ffprobe's range (-180, 180], so 270 reads as 90 like the display matrix says.
        .map(|r| {
            let ccw = ((-r.round()) as i64).rem_euclid(360) as i32;
            if ccw > 180 { ccw - 360 } else { ccw }
        })
        .unwrap_or(0)
}

/// Tags live on the container in most formats, on the audio stream in Ogg and Opus.
fn audio_tags(report: &Report, audio: &Stream) -> AudioTags {
    let get = |keys: &[&str]| {
        report
            .format
            .tags
            .get(keys)
            .or_else(|| audio.tags.get(keys))
    };
    AudioTags {
        title: get(&["title"]),
        artist: get(&["artist"]),
        album: get(&["album"]),
        year: get(&["date", "year"]),
        track: get(&["track"]),
        genre: get(&["genre"]),
    }
}

fn check_limits(probed: &Probed, limits: &AvLimits) -> Result<(), MediaError> {
    let duration = probed.duration_s();
    if duration > limits.max_duration_s {
        return Err(MediaError::OverLimit(format!(
            "the file plays for {duration:.1} s, longer than the limit of {} s",
            limits.max_duration_s
        )));
    }
    if let Probed::Video(v) = probed {
        let (long, short) = (
            v.coded_width.max(v.coded_height),
            v.coded_width.min(v.coded_height),
        );
        if long > limits.max_long_side || short > limits.max_short_side {
            return Err(MediaError::OverLimit(format!(
                "the video is {}x{} pixels, larger than the limit of {}x{} pixels (long side x \
                 short side)",
                v.width, v.height, limits.max_long_side, limits.max_short_side
            )));
        }
    }
    Ok(())
}

/// Decodes the first seconds of the streams medialib uses (the first real video stream
/// and the first audio stream). ffmpeg at `-v error` is silent on a healthy file, so any
/// message at all means corrupt data.
fn decode_check(path: &Path, timeout: Duration) -> Result<(), MediaError> {
    let mut cmd = command::ffmpeg(path, &[]);
    cmd.args(["-map", "0:V:0?", "-map", "0:a:0?", "-t", DECODE_CHECK_S]);
    cmd.args(["-f", "null", "-"]);
    let out = tool::run(&mut cmd, timeout, None, Stdout::Collect { max: 4096 })?;
    if out.status.success() && out.stderr.trim().is_empty() {
        Ok(())
    } else {
        Err(command::invalid(out, path, "ffmpeg"))
    }
}

/// ffprobe numbers are floats here; sizes, rates and counts are small non-negative integers.
fn to_u32(v: f64) -> u32 {
    v.clamp(0.0, f64::from(u32::MAX)) as u32
}

fn to_u64(v: f64) -> u64 {
    v.max(0.0) as u64
}

fn dimension(v: Option<f64>) -> u32 {
    v.map(to_u32).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(json: &str) -> Report {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_legacy_rotate_tag_is_negated_and_swaps_the_size() {
        let r = report(
            r#"{"streams":[{"codec_type":"video","codec_name":"h264","width":1920,"height":1080,
                "tags":{"rotate":"90"}}],"format":{"format_name":"mov","duration":"2.0"}}"#,
        );
        let Ok(Probed::Video(v)) = facts(&r) else {
            panic!("not video")
        };
        assert_eq!((v.rotation, v.width, v.height), (-90, 1080, 1920));
    }

    #[test]
    fn cover_art_alone_makes_an_audio_file_and_ogg_tags_come_from_the_stream() {
        let r = report(
            r#"{"streams":[
                {"codec_type":"audio","codec_name":"opus","sample_rate":"48000","channels":1,
                 "tags":{"ARTIST":"Someone","DATE":"2001"}},
                {"codec_type":"video","codec_name":"png","width":1,"height":1,
                 "disposition":{"attached_pic":1}}],
                "format":{"format_name":"ogg","duration":"12.7","tags":{"title":"T"}}}"#,
        );
        let Ok(Probed::Audio(a)) = facts(&r) else {
            panic!("not audio")
        };
        assert!(a.has_cover_art);
        assert_eq!(a.tags.title.as_deref(), Some("T"));
        assert_eq!(a.tags.artist.as_deref(), Some("Someone"));
        assert_eq!(a.tags.year.as_deref(), Some("2001"));
    }

    #[test]
    fn no_streams_is_invalid() {
        let r = report(r#"{"streams":[],"format":{"format_name":"mov"}}"#);
        assert_eq!(
            facts(&r),
            Err(MediaError::Invalid("no audio or video streams".to_owned()))
        );
    }
}
