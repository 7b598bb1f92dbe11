//! Facts extracted from an original, one shape per asset kind. Stored as JSON in the
//! asset row (tagged by `kind`), so every type here is serde-able.

use serde::{Deserialize, Serialize};

use crate::{GpsPosition, ImageMetadata};

/// What processing learned about an original, by kind.
///
/// JSON: the kind's fields plus `"kind": "image" | "video" | "audio" | "document" | "model3d"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Metadata {
    /// EXIF and decoder facts.
    Image(ImageMetadata),
    /// ffprobe facts about a video.
    Video(VideoMetadata),
    /// ffprobe facts and tags of an audio file.
    Audio(AudioMetadata),
    /// PDF, office or text document facts.
    Document(DocumentMetadata),
    /// 3D model facts.
    Model3d(ModelMetadata),
}

impl Metadata {
    /// Display width and height in pixels, for kinds that have them.
    pub fn dimensions(&self) -> Option<(u32, u32)> {
        match self {
            Self::Image(m) => Some((m.width, m.height)),
            Self::Video(m) => Some((m.width, m.height)),
            _ => None,
        }
    }

    /// Playing time in seconds, for video and audio.
    pub fn duration_s(&self) -> Option<f64> {
        match self {
            Self::Video(m) => Some(m.duration_s),
            Self::Audio(m) => Some(m.duration_s),
            _ => None,
        }
    }

    /// Frames: animation frames of an image, frames of a video's first stream.
    pub fn frame_count(&self) -> Option<u32> {
        match self {
            Self::Image(m) => Some(m.frame_count),
            Self::Video(m) => m.frame_count.and_then(|n| u32::try_from(n).ok()),
            _ => None,
        }
    }

    /// Pages of a document.
    pub fn page_count(&self) -> Option<u32> {
        match self {
            Self::Document(m) => m.page_count,
            _ => None,
        }
    }

    /// Where the content was captured (EXIF GPS, ISO 6709 location of a video).
    pub fn gps(&self) -> Option<&GpsPosition> {
        match self {
            Self::Image(m) => m.gps.as_ref(),
            Self::Video(m) => m.gps.as_ref(),
            _ => None,
        }
    }

    /// When the content was captured or created, as written in the file (RFC 3339 or
    /// `YYYY-MM-DDTHH:MM:SS` without an offset).
    pub fn taken_at(&self) -> Option<&str> {
        match self {
            Self::Image(m) => m.taken_at.as_deref(),
            Self::Video(m) => m.creation_time.as_deref(),
            Self::Document(m) => m.created_at.as_deref(),
            _ => None,
        }
    }
}

/// Facts about a video, from ffprobe's JSON (`-show_format -show_streams`; field names
/// in the docs below are ffprobe's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoMetadata {
    /// Container, ffprobe `format.format_name` (e.g. `mov,mp4,m4a,3gp,3g2,mj2`).
    pub container: String,
    /// Duration in seconds, `format.duration`.
    pub duration_s: f64,
    /// Display width in pixels: the coded width, swapped with the height when the
    /// rotation is ±90° or ±270°.
    pub width: u32,
    /// Display height in pixels (see `width`).
    pub height: u32,
    /// Coded width in pixels, `stream.width`.
    pub coded_width: u32,
    /// Coded height in pixels, `stream.height`.
    pub coded_height: u32,
    /// Rotation in degrees as ffprobe reports it (the display matrix side data, or
    /// the legacy `rotate` tag negated): counter-clockwise positive, e.g. −90.
    pub rotation: i32,
    /// Frames per second, from `stream.avg_frame_rate` (or `r_frame_rate`).
    pub frame_rate: Option<f64>,
    /// Frames in the first video stream, `stream.nb_frames`, when the container says.
    pub frame_count: Option<u64>,
    /// Video codec, `stream.codec_name` (e.g. `h264`, `hevc`, `vp9`, `av1`).
    pub video_codec: String,
    /// Audio codec of the first audio stream, if any.
    pub audio_codec: Option<String>,
    /// Audio sample rate in hertz.
    pub audio_sample_rate: Option<u32>,
    /// Audio channels.
    pub audio_channels: Option<u32>,
    /// Overall bitrate in bits per second, `format.bit_rate`.
    pub bitrate: Option<u64>,
    /// `format.tags.creation_time` (RFC 3339).
    pub creation_time: Option<String>,
    /// Capture position from the ISO 6709 `location` tag (or
    /// `com.apple.quicktime.location.ISO6709`).
    pub gps: Option<GpsPosition>,
}

/// Tags of an audio file (ID3, Vorbis comments, iTunes atoms), as ffprobe names them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AudioTags {
    /// `title`.
    pub title: Option<String>,
    /// `artist`.
    pub artist: Option<String>,
    /// `album`.
    pub album: Option<String>,
    /// `date` or `year`, as written (often just the year).
    pub year: Option<String>,
    /// `track`, as written (e.g. `3` or `3/12`).
    pub track: Option<String>,
    /// `genre`.
    pub genre: Option<String>,
}

/// Facts about an audio file, from ffprobe's JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AudioMetadata {
    /// Container, `format.format_name` (e.g. `mp3`, `flac`, `ogg`, `wav`).
    pub container: String,
    /// Duration in seconds, `format.duration`.
    pub duration_s: f64,
    /// Codec of the first audio stream, `stream.codec_name` (e.g. `mp3`, `aac`, `opus`).
    pub codec: String,
    /// Bitrate in bits per second (`format.bit_rate`, or the stream's).
    pub bitrate: Option<u64>,
    /// Sample rate in hertz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u32,
    /// Whether the file embeds cover art (a video stream with the `attached_pic`
    /// disposition).
    pub has_cover_art: bool,
    /// Title, artist, album, year, track and genre.
    pub tags: AudioTags,
}

/// Facts about a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentMetadata {
    /// `pdf`, `docx`, `xlsx`, `pptx`, `odt`, `ods`, `odp`, `text`, …
    pub format: String,
    /// Pages: PDF (`pdfinfo` Pages) and office files that record it (`docProps/app.xml`).
    pub page_count: Option<u32>,
    /// Document title (PDF Info `Title`, office `dc:title`).
    pub title: Option<String>,
    /// Author (PDF Info `Author`, office `dc:creator`).
    pub author: Option<String>,
    /// Creation date (PDF Info `CreationDate`, office `dcterms:created`, ODF
    /// `meta:creation-date`): RFC 3339, or `YYYY-MM-DDTHH:MM:SS` without an offset when
    /// the file records local time.
    pub created_at: Option<String>,
    /// True for a password-protected PDF: stored, but neither rendered nor read.
    pub encrypted: bool,
    /// PDF version, e.g. `1.4`.
    pub pdf_version: Option<String>,
    /// First page size in PostScript points (1/72 inch), width then height.
    pub page_size_pt: Option<[f64; 2]>,
    /// Text files: lines.
    pub lines: Option<u64>,
    /// Text files: `us-ascii` or `utf-8`.
    pub charset: Option<String>,
}

/// An axis-aligned bounding box in model units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    /// Smallest x, y, z.
    pub min: [f64; 3],
    /// Largest x, y, z.
    pub max: [f64; 3],
}

/// Facts about a 3D model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// `gltf`, `glb`, `obj`, `stl`, `ply` or `3mf`.
    pub format: String,
    /// Vertices: the sum of `POSITION` accessor counts (glTF), `v` lines (OBJ),
    /// 3 × triangles (STL, which stores no shared vertices).
    pub vertex_count: u64,
    /// Triangles, after fan-triangulating polygons (OBJ).
    pub triangle_count: u64,
    /// Meshes (glTF meshes, OBJ objects/groups, 1 for STL).
    pub mesh_count: u32,
    /// Materials.
    pub material_count: u32,
    /// Textures.
    pub texture_count: u32,
    /// Bounds of all vertex positions, when there are any.
    pub bounding_box: Option<BoundingBox>,
    /// The exporting tool, when recorded (glTF `asset.generator`).
    pub generator: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gps() -> GpsPosition {
        GpsPosition {
            latitude: 48.85,
            longitude: 2.35,
            altitude: None,
        }
    }

    #[test]
    fn each_kind_answers_the_facts_it_has() {
        let image = Metadata::Image(ImageMetadata {
            width: 640,
            height: 480,
            frame_count: 3,
            taken_at: Some("2024-05-01T10:00:00".into()),
            gps: Some(gps()),
            ..ImageMetadata::default()
        });
        assert_eq!(image.dimensions(), Some((640, 480)));
        assert_eq!(image.frame_count(), Some(3));
        assert_eq!(image.taken_at(), Some("2024-05-01T10:00:00"));
        assert_eq!(image.gps(), Some(&gps()));
        assert_eq!((image.duration_s(), image.page_count()), (None, None));

        let video = Metadata::Video(VideoMetadata {
            width: 1920,
            height: 1080,
            duration_s: 12.5,
            frame_count: Some(300),
            creation_time: Some("2024-05-01T10:00:00Z".into()),
            gps: Some(gps()),
            ..VideoMetadata::default()
        });
        assert_eq!(video.dimensions(), Some((1920, 1080)));
        assert_eq!(video.duration_s(), Some(12.5));
        assert_eq!(video.frame_count(), Some(300));
        assert_eq!(video.taken_at(), Some("2024-05-01T10:00:00Z"));
        assert!(video.gps().is_some());
        // A frame count beyond u32 is not reported rather than truncated.
        let long = Metadata::Video(VideoMetadata {
            frame_count: Some(u64::MAX),
            ..VideoMetadata::default()
        });
        assert_eq!(long.frame_count(), None);

        let audio = Metadata::Audio(AudioMetadata {
            duration_s: 3.0,
            ..AudioMetadata::default()
        });
        assert_eq!(audio.duration_s(), Some(3.0));
        assert_eq!(
            (audio.dimensions(), audio.gps(), audio.taken_at()),
            (None, None, None)
        );

        let document = Metadata::Document(DocumentMetadata {
            page_count: Some(4),
            created_at: Some("2020-01-01T00:00:00Z".into()),
            ..DocumentMetadata::default()
        });
        assert_eq!(document.page_count(), Some(4));
        assert_eq!(document.taken_at(), Some("2020-01-01T00:00:00Z"));
        assert_eq!(
            (document.frame_count(), document.duration_s()),
            (None, None)
        );

        let model = Metadata::Model3d(ModelMetadata::default());
        assert_eq!((model.dimensions(), model.page_count()), (None, None));
    }

    #[test]
    fn json_is_tagged_by_kind_and_round_trips() {
        let document = Metadata::Document(DocumentMetadata {
            format: "pdf".into(),
            page_count: Some(2),
            ..DocumentMetadata::default()
        });
        let json = serde_json::to_value(&document).unwrap();
        assert_eq!(json["kind"], "document");
        assert_eq!(json["page_count"], 2);
        assert_eq!(serde_json::from_value::<Metadata>(json).unwrap(), document);
        let model = serde_json::to_value(Metadata::Model3d(ModelMetadata::default())).unwrap();
        assert_eq!(model["kind"], "model3d");
        assert!(serde_json::from_value::<Metadata>(serde_json::json!({"kind": "font"})).is_err());
    }
}
