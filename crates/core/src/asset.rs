//! Assets: one uploaded original plus what processing learned about it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{AssetId, NamespaceId, Sha256, Timestamp, UserId};

/// What an asset is, decided from its magic bytes at ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssetKind {
    /// A still or animated raster or vector image.
    Image,
    /// A video container.
    Video,
    /// An audio file.
    Audio,
    /// A PDF or office document.
    Document,
    /// A 3D model (glTF, OBJ, STL).
    Model3d,
    /// Anything else that is stored but not processed.
    Other,
}

/// Generates `as_str`, `Display` and `FromStr` for a field-less enum stored as text.
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable lower-case name used in the database and the API.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "unknown {} {other:?}; expected one of: {}",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(AssetKind {
    Image => "image",
    Video => "video",
    Audio => "audio",
    Document => "document",
    Model3d => "model3d",
    Other => "other",
});

/// Where an asset is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssetStatus {
    /// Stored; its processing job is queued or running.
    Processing,
    /// Processed: metadata and variants are available.
    Ready,
    /// Processing failed for good; `Asset::error` says why.
    Failed,
}

text_enum!(AssetStatus {
    Processing => "processing",
    Ready => "ready",
    Failed => "failed",
});

/// A GPS position from EXIF (degrees, WGS 84; altitude in metres above sea level).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GpsPosition {
    /// Degrees north (negative: south), −90…90.
    pub latitude: f64,
    /// Degrees east (negative: west), −180…180.
    pub longitude: f64,
    /// Metres above sea level (negative: below), when recorded.
    pub altitude: Option<f64>,
}

/// Facts extracted from an image. Stored as JSON in the asset row, so it is serde-able.
///
/// EXIF fields follow the EXIF 2.32 tag names (CIPA DC-008); all are optional because
/// most images carry only some of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageMetadata {
    /// Decoder format name, e.g. `jpeg`, `png`, `heif`.
    pub format: String,
    /// Width in pixels after EXIF orientation is applied.
    pub width: u32,
    /// Height in pixels after EXIF orientation is applied.
    pub height: u32,
    /// Raw EXIF Orientation tag (1–8) when present.
    pub orientation: Option<u16>,
    /// Whether the image has an alpha channel.
    pub has_alpha: bool,
    /// Number of frames (animation frames, pages); 1 for a still image.
    pub frame_count: u32,
    /// EXIF `Make`.
    pub camera_make: Option<String>,
    /// EXIF `Model`.
    pub camera_model: Option<String>,
    /// EXIF `LensModel`.
    pub lens: Option<String>,
    /// EXIF `ExposureTime`, in seconds.
    pub exposure_time_s: Option<f64>,
    /// EXIF `FNumber` (the aperture as an f-number, e.g. 2.8).
    pub f_number: Option<f64>,
    /// EXIF `PhotographicSensitivity` (ISO speed).
    pub iso: Option<u32>,
    /// EXIF `FocalLength`, in millimetres.
    pub focal_length_mm: Option<f64>,
    /// EXIF `DateTimeOriginal` as `YYYY-MM-DDTHH:MM:SS`, with the offset from
    /// `OffsetTimeOriginal` appended when present. Camera clocks have no zone otherwise.
    pub taken_at: Option<String>,
    /// EXIF GPS position.
    pub gps: Option<GpsPosition>,
    /// The ICC profile's description tag (`desc`), e.g. `Display P3`.
    pub icc_profile: Option<String>,
}

/// Tiny previews shown while the real image loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placeholder {
    /// BlurHash string (4×3 components), see <https://blurha.sh>.
    pub blurhash: String,
    /// ThumbHash bytes, base64 (standard alphabet), see <https://evanw.github.io/thumbhash/>.
    pub thumbhash: String,
    /// Dominant colour as `#rrggbb` (sRGB).
    pub dominant_color: String,
}

/// An asset as stored: the original's facts plus what processing added.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The asset's id.
    pub id: AssetId,
    /// The namespace that owns it.
    pub namespace: NamespaceId,
    /// What it is.
    pub kind: AssetKind,
    /// Where it is in processing.
    pub status: AssetStatus,
    /// MIME type detected from the magic bytes, e.g. `image/jpeg`.
    pub mime: String,
    /// Size of the original in bytes.
    pub size: u64,
    /// SHA-256 of the original's bytes.
    pub sha256: Sha256,
    /// Sanitised filename the client sent.
    pub original_filename: String,
    /// Title (defaults to the filename without its extension).
    pub title: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Alternative text for accessibility.
    pub alt_text: Option<String>,
    /// Whether delivery needs no credentials.
    pub is_public: bool,
    /// Width in pixels after orientation, once known.
    pub width: Option<u32>,
    /// Height in pixels after orientation, once known.
    pub height: Option<u32>,
    /// Animation or video frames, once known.
    pub frame_count: Option<u32>,
    /// Playing time in seconds (video, audio), once known.
    pub duration_s: Option<f64>,
    /// Pages (documents), once known.
    pub page_count: Option<u32>,
    /// Extracted metadata, once processed.
    pub metadata: Option<crate::Metadata>,
    /// Placeholders, once processed.
    pub placeholder: Option<Placeholder>,
    /// Why processing failed, when it did.
    pub error: Option<String>,
    /// When the content was captured (EXIF `DateTimeOriginal`, container creation time),
    /// once processed.
    pub taken_at: Option<Timestamp>,
    /// How many usages are recorded for it (see [`crate::organise::Usage`]).
    pub usage_count: u64,
    /// Who uploaded it.
    pub uploaded_by: Option<UserId>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it was soft-deleted, if it was.
    pub deleted_at: Option<Timestamp>,
    /// Where the subject is, set by an editor: crops (`g_auto`) keep it in view.
    pub focal_point: Option<FocalPoint>,
    /// Where it stands with moderation; `None` until the moderation analyser has scored
    /// it.
    pub moderation: Option<crate::analysis::ModerationState>,
}

/// A point of the upright picture, as fractions of its width and height (0–1 each, from
/// the top-left corner).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FocalPoint {
    /// From the left edge: 0 to 1.
    pub x: f64,
    /// From the top edge: 0 to 1.
    pub y: f64,
}

impl FocalPoint {
    /// A point with both coordinates in 0–1; `None` otherwise (or for NaN).
    pub fn new(x: f64, y: f64) -> Option<Self> {
        let fraction = |v: f64| (0.0..=1.0).contains(&v);
        (fraction(x) && fraction(y)).then_some(Self { x, y })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focal_points_are_fractions_of_the_picture() {
        assert_eq!(
            FocalPoint::new(0.0, 1.0),
            Some(FocalPoint { x: 0.0, y: 1.0 })
        );
        assert_eq!(
            FocalPoint::new(0.25, 0.75).map(|p| (p.x, p.y)),
            Some((0.25, 0.75))
        );
        for (x, y) in [
            (-0.1, 0.5),
            (0.5, 1.01),
            (f64::NAN, 0.5),
            (0.5, f64::INFINITY),
        ] {
            assert_eq!(FocalPoint::new(x, y), None, "({x}, {y})");
        }
    }

    #[test]
    fn kinds_and_statuses_have_stable_names() {
        let kinds: Vec<_> = AssetKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["image", "video", "audio", "document", "model3d", "other"]
        );
        for status in AssetStatus::ALL {
            assert_eq!(status.to_string().parse::<AssetStatus>(), Ok(*status));
        }
        let err = "picture".parse::<AssetKind>().unwrap_err();
        assert_eq!(
            err,
            "unknown AssetKind \"picture\"; expected one of: image, video, audio, document, model3d, other"
        );
    }
}
