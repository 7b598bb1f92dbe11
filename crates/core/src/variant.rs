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

/// An encoded variant format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// JPEG (baseline, 4:2:0), no alpha.
    Jpeg,
    /// WebP (lossy VP8, with alpha when the source has it).
    Webp,
    /// PNG, used instead of JPEG when the source has alpha.
    Png,
}

text_enum!(OutputFormat {
    Jpeg => "jpeg",
    Webp => "webp",
    Png => "png",
});

impl OutputFormat {
    /// The file extension used in delivery URLs.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Png => "png",
        }
    }

    /// Parses a delivery URL extension (`jpg`, `jpeg`, `webp`, `png`).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            "png" => Some(Self::Png),
            _ => None,
        }
    }

    /// The MIME type sent as `Content-Type`.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Png => "image/png",
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
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 32
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(format!(
                "variant name {:?} must be 1-32 characters of a-z, 0-9, '_' or '-'",
                self.name
            ));
        }
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

/// A stored variant of an asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The asset it was made from.
    pub asset_id: AssetId,
    /// The spec name, e.g. `thumbnail`.
    pub name: String,
    /// The encoded format.
    pub format: OutputFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
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
