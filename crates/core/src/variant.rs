//! Variants: the resized renditions made from an original.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::asset::text_enum;
use crate::{AssetId, Sha256, Timestamp};

/// How an image is fitted into a variant's box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Scale to cover the whole box, then centre-crop to exactly the box
    /// (or less when the source is smaller: variants are never upscaled).
    Cover,
    /// Scale to fit inside the box, keeping the aspect ratio.
    Fit,
}

/// An encoded variant format: images, and the renditions of video and audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// JPEG (baseline, 4:2:0), no alpha.
    Jpeg,
    /// WebP (lossy VP8, with alpha when the source has it).
    Webp,
    /// PNG, used instead of JPEG when the source has alpha, and for waveforms.
    Png,
    /// AVIF (AV1 in HEIF, ISO/IEC 23000-22), from transforms.
    Avif,
    /// MP4: H.264 + AAC, `+faststart`.
    Mp4,
    /// WebM: VP9 + Opus.
    Webm,
    /// M4A: AAC audio in MP4.
    M4a,
    /// MP3 audio.
    Mp3,
    /// JSON data (waveform peaks).
    Json,
}

text_enum!(OutputFormat {
    Jpeg => "jpeg",
    Webp => "webp",
    Png => "png",
    Avif => "avif",
    Mp4 => "mp4",
    Webm => "webm",
    M4a => "m4a",
    Mp3 => "mp3",
    Json => "json",
});

impl OutputFormat {
    /// The file extension used in delivery URLs.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Png => "png",
            Self::Avif => "avif",
            Self::Mp4 => "mp4",
            Self::Webm => "webm",
            Self::M4a => "m4a",
            Self::Mp3 => "mp3",
            Self::Json => "json",
        }
    }

    /// Parses a delivery URL extension (`jpg`, `jpeg`, `webp`, `png`, `mp4`, …).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            "png" => Some(Self::Png),
            "avif" => Some(Self::Avif),
            "mp4" => Some(Self::Mp4),
            "webm" => Some(Self::Webm),
            "m4a" => Some(Self::M4a),
            "mp3" => Some(Self::Mp3),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The MIME type sent as `Content-Type`.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Png => "image/png",
            Self::Avif => "image/avif",
            Self::Mp4 => "video/mp4",
            Self::Webm => "video/webm",
            Self::M4a => "audio/mp4",
            Self::Mp3 => "audio/mpeg",
            Self::Json => "application/json",
        }
    }
}

/// What to make: a named box in pixels and how to fit the image into it.
///
/// In `medialib.toml`:
/// ```toml
/// [[images.variants]]
/// name = "thumbnail"
/// width = 150
/// height = 150
/// fit = "cover"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantSpec {
    /// URL-safe name: `[a-z0-9_-]{1,32}`.
    pub name: String,
    /// Box width in pixels (1…20 000).
    pub width: u32,
    /// Box height in pixels (1…20 000).
    pub height: u32,
    /// How the image is fitted into the box.
    pub fit: Fit,
}

impl VariantSpec {
    /// Checks the name and box; the error says which field is wrong.
    pub fn validate(&self) -> Result<(), String> {
        check_name(&self.name).map_err(|e| format!("variant {e}"))?;
        for (what, v) in [("width", self.width), ("height", self.height)] {
            if !(1..=20_000).contains(&v) {
                return Err(format!(
                    "variant {:?}: {what} {v} must be 1-20000 pixels",
                    self.name
                ));
            }
        }
        Ok(())
    }

    /// The spec's default set: thumbnail 150×150 cover, small 300×300 fit,
    /// medium 600×400 fit, large 1200×800 fit, hero 1920×1080 cover.
    pub fn defaults() -> Vec<VariantSpec> {
        [
            ("thumbnail", 150, 150, Fit::Cover),
            ("small", 300, 300, Fit::Fit),
            ("medium", 600, 400, Fit::Fit),
            ("large", 1200, 800, Fit::Fit),
            ("hero", 1920, 1080, Fit::Cover),
        ]
        .into_iter()
        .map(|(name, width, height, fit)| VariantSpec {
            name: name.to_owned(),
            width,
            height,
            fit,
        })
        .collect()
    }
}

/// A transcode profile: a video or audio rendition made by its own job.
///
/// In `medialib.toml`:
/// ```toml
/// [[video.profiles]]
/// name = "mp4_720p"
/// format = "mp4"
/// resolution = 720
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscodeProfile {
    /// URL-safe name, also the variant name: `[a-z0-9_-]{1,32}`.
    pub name: String,
    /// `mp4` (H.264 + AAC), `webm` (VP9 + Opus), `m4a` (AAC) or `mp3`.
    pub format: OutputFormat,
    /// Video: the largest short side in pixels (720 for 720p). The source is scaled down to
    /// fit, keeping its aspect ratio, and never up. `None` for audio.
    #[serde(default)]
    pub resolution: Option<u32>,
    /// Video: made only when the source's short side is at least this many pixels
    /// (1080 for `mp4_1080p`, so a 720p source gets no pointless copy).
    #[serde(default)]
    pub min_source_resolution: Option<u32>,
    /// Quality: x264/libvpx CRF (lower is better; default 23 for H.264, 33 for VP9).
    #[serde(default)]
    pub crf: Option<u8>,
    /// Audio bitrate in kbit/s. Default 128.
    #[serde(default)]
    pub audio_kbps: Option<u32>,
    /// Whether the profile runs. Off profiles stay listed so they can be switched on.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl TranscodeProfile {
    /// Whether this profile makes a video rendition (`mp4`, `webm`).
    pub fn is_video(&self) -> bool {
        matches!(self.format, OutputFormat::Mp4 | OutputFormat::Webm)
    }

    /// Checks the name, format and numbers; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        check_name(&self.name)?;
        match self.format {
            OutputFormat::Mp4 | OutputFormat::Webm => {
                if !self.resolution.is_some_and(|r| (16..=8640).contains(&r)) {
                    return Err(format!(
                        "profile {:?}: resolution must be 16-8640 pixels for {} output",
                        self.name, self.format
                    ));
                }
            }
            OutputFormat::M4a | OutputFormat::Mp3 => {}
            other => {
                return Err(format!(
                    "profile {:?}: format {other} is not a transcode format (mp4, webm, m4a, mp3)",
                    self.name
                ));
            }
        }
        if self.crf.is_some_and(|c| c > 63) {
            return Err(format!("profile {:?}: crf must be 0-63", self.name));
        }
        if self.audio_kbps.is_some_and(|k| !(8..=512).contains(&k)) {
            return Err(format!("profile {:?}: audio_kbps must be 8-512", self.name));
        }
        Ok(())
    }

    /// The default profiles: `mp4_720p` and `mp4_1080p` (sources of at least 1080p) on;
    /// `webm` (VP9 + Opus, 720p), `m4a` and `mp3` (audio) off.
    pub fn defaults() -> Vec<TranscodeProfile> {
        let video = |name: &str, format, resolution, min_source, enabled| TranscodeProfile {
            name: name.to_owned(),
            format,
            resolution: Some(resolution),
            min_source_resolution: min_source,
            crf: None,
            audio_kbps: None,
            enabled,
        };
        let audio = |name: &str, format| TranscodeProfile {
            name: name.to_owned(),
            format,
            resolution: None,
            min_source_resolution: None,
            crf: None,
            audio_kbps: None,
            enabled: false,
        };
        vec![
            video("mp4_720p", OutputFormat::Mp4, 720, None, true),
            video("mp4_1080p", OutputFormat::Mp4, 1080, Some(1080), true),
            video("webm", OutputFormat::Webm, 720, None, false),
            audio("m4a", OutputFormat::M4a),
            audio("mp3", OutputFormat::Mp3),
        ]
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name {name:?} must be 1-32 characters of a-z, 0-9, '_' or '-'"
        ))
    }
}

/// A stored variant of an asset: an image variant, a poster, a waveform or a
/// video/audio rendition.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The asset it was made from.
    pub asset_id: AssetId,
    /// The spec or profile name, e.g. `thumbnail`, `poster`, `mp4_720p`, `waveform`.
    pub name: String,
    /// The encoded format.
    pub format: OutputFormat,
    /// Width in pixels (`None` for audio and data).
    pub width: Option<u32>,
    /// Height in pixels (`None` for audio and data).
    pub height: Option<u32>,
    /// Playing time in seconds (video and audio renditions).
    pub duration_s: Option<f64>,
    /// Encoded size in bytes.
    pub size: u64,
    /// SHA-256 of the encoded bytes (the delivery ETag).
    pub sha256: Sha256,
    /// Where the bytes live in the blob store.
    pub storage_key: String,
    /// When it was made.
    pub created_at: Timestamp,
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fit::Cover => "cover",
            Fit::Fit => "fit",
        })
    }
}

impl FromStr for Fit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cover" => Ok(Fit::Cover),
            "fit" => Ok(Fit::Fit),
            other => Err(format!("unknown fit {other:?}; expected cover or fit")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_round_trips_through_its_extension() {
        for format in OutputFormat::ALL {
            assert_eq!(
                OutputFormat::from_extension(format.extension()),
                Some(*format)
            );
            let family = format.mime().split('/').next().unwrap();
            let expected = match format {
                OutputFormat::Jpeg
                | OutputFormat::Webp
                | OutputFormat::Png
                | OutputFormat::Avif => "image",
                OutputFormat::Mp4 | OutputFormat::Webm => "video",
                OutputFormat::M4a | OutputFormat::Mp3 => "audio",
                OutputFormat::Json => "application",
            };
            assert_eq!(family, expected, "{format}");
        }
        assert_eq!(
            OutputFormat::from_extension("JPEG"),
            Some(OutputFormat::Jpeg)
        );
        assert_eq!(OutputFormat::from_extension("gif"), None);
    }

    #[test]
    fn variant_specs_check_name_and_box() {
        for spec in VariantSpec::defaults() {
            spec.validate().unwrap();
        }
        let spec = |name: &str, width, height| VariantSpec {
            name: name.into(),
            width,
            height,
            fit: Fit::Cover,
        };
        let cases = [
            (spec("Thumb", 10, 10), "must be 1-32 characters"),
            (spec("", 10, 10), "must be 1-32 characters"),
            (spec(&"a".repeat(33), 10, 10), "must be 1-32 characters"),
            (spec("wide", 0, 10), "width 0 must be 1-20000"),
            (spec("tall", 10, 20_001), "height 20001 must be 1-20000"),
        ];
        for (spec, expected) in cases {
            let err = spec.validate().unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn transcode_profiles_check_format_and_numbers() {
        let defaults = TranscodeProfile::defaults();
        for profile in &defaults {
            profile.validate().unwrap();
        }
        let video: Vec<_> = defaults
            .iter()
            .filter(|p| p.is_video())
            .map(|p| &p.name)
            .collect();
        assert_eq!(video, ["mp4_720p", "mp4_1080p", "webm"]);
        let base = defaults[0].clone();
        let cases = [
            (
                TranscodeProfile {
                    resolution: None,
                    ..base.clone()
                },
                "resolution must be 16-8640",
            ),
            (
                TranscodeProfile {
                    resolution: Some(8),
                    ..base.clone()
                },
                "resolution must be 16-8640",
            ),
            (
                TranscodeProfile {
                    format: OutputFormat::Jpeg,
                    ..base.clone()
                },
                "not a transcode format",
            ),
            (
                TranscodeProfile {
                    crf: Some(64),
                    ..base.clone()
                },
                "crf must be 0-63",
            ),
            (
                TranscodeProfile {
                    audio_kbps: Some(4),
                    ..base.clone()
                },
                "audio_kbps must be 8-512",
            ),
            (
                TranscodeProfile {
                    name: "a b".into(),
                    ..base.clone()
                },
                "must be 1-32 characters",
            ),
        ];
        for (profile, expected) in cases {
            let err = profile.validate().unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
        // Audio needs no resolution.
        let audio = defaults.iter().find(|p| p.name == "m4a").unwrap();
        assert!(!audio.is_video() && audio.resolution.is_none());
    }

    #[test]
    fn profiles_are_on_unless_switched_off_and_unknown_keys_are_refused() {
        #[derive(Deserialize)]
        struct File {
            profiles: Vec<TranscodeProfile>,
        }
        let file: File = serde_json::from_str(
            r#"{"profiles": [{"name": "hd", "format": "mp4", "resolution": 720},
                             {"name": "a", "format": "mp3", "enabled": false}]}"#,
        )
        .unwrap();
        assert!(file.profiles[0].enabled);
        assert!(!file.profiles[1].enabled);
        let unknown = serde_json::from_str::<TranscodeProfile>(
            r#"{"name": "hd", "format": "mp4", "bitrate": 1}"#,
        );
        assert!(unknown.unwrap_err().to_string().contains("bitrate"));
    }

    #[test]
    fn fits_parse_and_display() {
        for fit in [Fit::Cover, Fit::Fit] {
            assert_eq!(fit.to_string().parse::<Fit>(), Ok(fit));
        }
        assert!("fill".parse::<Fit>().unwrap_err().contains("cover or fit"));
    }
}
