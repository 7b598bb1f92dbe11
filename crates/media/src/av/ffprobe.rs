//! ffprobe's JSON (`-show_format -show_streams`), read leniently: numbers arrive as JSON
//! numbers or as strings depending on the field, and anything missing is `None`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::command;
use crate::MediaError;
use crate::tool::{self, Stdout};

/// Most JSON accepted: far above any real file, and bounds a file with absurd tag counts.
const MAX_JSON: usize = 16 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Report {
    #[serde(default)]
    pub streams: Vec<Stream>,
    #[serde(default)]
    pub format: Format,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Format {
    #[serde(default)]
    pub format_name: String,
    #[serde(default, deserialize_with = "lenient")]
    pub duration: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub bit_rate: Option<f64>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Stream {
    #[serde(default, deserialize_with = "lenient")]
    pub index: Option<f64>,
    #[serde(default)]
    pub codec_type: String,
    #[serde(default)]
    pub codec_name: String,
    #[serde(default, deserialize_with = "lenient")]
    pub width: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub height: Option<f64>,
    #[serde(default)]
    pub avg_frame_rate: Option<String>,
    #[serde(default)]
    pub r_frame_rate: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub nb_frames: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub duration: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub bit_rate: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub sample_rate: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub channels: Option<f64>,
    #[serde(default)]
    pub disposition: Disposition,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub side_data_list: Vec<SideData>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Disposition {
    #[serde(default, deserialize_with = "lenient")]
    pub attached_pic: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SideData {
    #[serde(default, deserialize_with = "lenient")]
    pub rotation: Option<f64>,
}

/// Stream or format tags. Containers disagree on case (`TITLE` in FLAC, `title` in MP3),
/// so lookups ignore it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Tags(BTreeMap<String, serde_json::Value>);

impl Tags {
    /// The first of `keys` present with a non-blank value, trimmed.
    pub fn get(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| {
            self.0
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                .find_map(|(_, v)| v.as_str().map(str::trim).filter(|v| !v.is_empty()))
                .map(str::to_owned)
        })
    }
}

impl Stream {
    pub fn is_video(&self) -> bool {
        self.codec_type == "video"
    }

    pub fn is_audio(&self) -> bool {
        self.codec_type == "audio"
    }

    /// Cover art: a picture stored as a one-frame video stream.
    pub fn is_attached_pic(&self) -> bool {
        self.is_video() && self.disposition.attached_pic == Some(1.0)
    }
}

/// Runs ffprobe on `input`. A non-zero exit is the file's fault ([`MediaError::Invalid`]
/// with ffprobe's reason); unreadable JSON is the tool's ([`MediaError::Tool`]).
pub(super) fn run(input: &Path, timeout: Duration) -> Result<Report, MediaError> {
    let out = tool::run(
        &mut command::ffprobe(input),
        timeout,
        None,
        Stdout::Collect { max: MAX_JSON },
    )?;
    if !out.status.success() {
        return Err(command::invalid(out, input, "ffprobe"));
    }
    // Tags are copied from the file byte for byte; a stray invalid UTF-8 sequence must
    // not make the whole report unreadable.
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&text)
        .map_err(|e| MediaError::Tool(format!("ffprobe printed JSON that could not be read: {e}")))
}

/// A number, or a string holding one (`"duration": "2.005333"`); anything else is `None`.
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|v: &f64| v.is_finite()))
}

/// Parses ffprobe's rational strings such as `30000/1001`; `0/0` (unknown) is `None`.
pub(super) fn rational(text: &str) -> Option<f64> {
    let (num, den) = text.split_once('/')?;
    let (num, den): (f64, f64) = (num.trim().parse().ok()?, den.trim().parse().ok()?);
    (num > 0.0 && den > 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_in_either_form_and_tags_in_any_case() {
        let report: Report = serde_json::from_str(
            r#"{"streams":[{"index":0,"codec_type":"audio","sample_rate":"44100","channels":2,
                "duration":"N/A","disposition":{"attached_pic":0}}],
                "format":{"format_name":"flac","duration":"3.685","tags":{"TITLE":" Silence "}}}"#,
        )
        .unwrap();
        let stream = &report.streams[0];
        assert_eq!(stream.sample_rate, Some(44100.0));
        assert_eq!(stream.channels, Some(2.0));
        assert_eq!(stream.duration, None);
        assert!(!stream.is_attached_pic());
        assert_eq!(report.format.duration, Some(3.685));
        assert_eq!(
            report.format.tags.get(&["title"]).as_deref(),
            Some("Silence")
        );
    }

    #[test]
    fn rationals_skip_unknown_rates() {
        assert_eq!(rational("30000/1001"), Some(30000.0 / 1001.0));
        assert_eq!(rational("0/0"), None);
        assert_eq!(rational("24"), None);
    }
}
