//! JSON shapes of the API. Only these types face clients; domain types stay free of
//! presentation concerns.
//!
//! - this module: assets, variants and jobs;
//! - [`organise`] — tags, collections, usage and bulk results;
//! - [`analytics`] — reports;
//! - [`analysis`] — analysers' results;
//! - [`schema`] — schemas for values the Rust types do not describe.

pub mod analysis;
pub mod analytics;
pub mod organise;
pub(crate) mod schema;

use medialib_core::organise::AssetTag;
use medialib_core::{Asset, Job, Metadata, OutputFormat, Placeholder, Timestamp, Variant};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use crate::state::Urls;
pub use analysis::AnalysisDto;
pub use organise::AssetTagDto;

/// Formats a timestamp as RFC 3339 (UTC).
pub fn rfc3339(t: Timestamp) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A list answered whole, without pages: `{"items": […]}`.
#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    /// The entries.
    pub items: Vec<T>,
}

/// A point of the upright picture: fractions of its width and height from the top-left
/// corner, 0–1 each.
#[derive(Serialize, serde::Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct FocalPointDto {
    /// From the left edge, 0–1.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub x: f64,
    /// From the top edge, 0–1.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub y: f64,
}

/// An asset as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct AssetDto {
    /// UUIDv7.
    pub id: String,
    /// `image`, `video`, …
    pub kind: &'static str,
    /// Detected MIME type.
    pub mime: String,
    /// Original size in bytes.
    pub size: u64,
    /// SHA-256 of the original, hex.
    pub sha256: String,
    /// Content revision of the picture that transforms read (10 hex characters); it is
    /// part of every transform URL and changes when that picture does.
    pub rev: String,
    /// Sanitised client filename.
    pub original_filename: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Public delivery.
    pub is_public: bool,
    /// Pixels, after orientation.
    pub width: Option<u32>,
    /// Pixels, after orientation.
    pub height: Option<u32>,
    /// Animation or video frames.
    pub frame_count: Option<u32>,
    /// Playing time in seconds (video, audio).
    pub duration_s: Option<f64>,
    /// Pages (documents).
    pub page_count: Option<u32>,
    /// `processing`, `ready` or `failed`.
    pub status: &'static str,
    /// Why processing failed.
    pub error: Option<String>,
    /// Id of the user who uploaded it (`null` for command-line imports); an anonymized
    /// user keeps their id, under the name `deleted-user-{id}`.
    pub uploaded_by: Option<i64>,
    /// The uploader's login name (`null` for command-line imports).
    pub uploaded_by_name: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// RFC 3339, when soft-deleted (the asset is in the trash).
    pub deleted_at: Option<String>,
    /// Where the subject is, as fractions of the upright picture; `null` when unset.
    pub focal_point: Option<FocalPointDto>,
    /// Where it stands with moderation: `clear`, `flagged`, `held` (private until an
    /// admin clears it), `rejected` or `cleared`; `null` until the moderation analyser
    /// has scored it.
    #[schema(pattern = "^(clear|flagged|held|rejected|cleared)$")]
    pub moderation: Option<&'static str>,
    /// RFC 3339, when the content was captured (from its metadata), once processed.
    pub taken_at: Option<String>,
    /// How many places use the asset (see `/api/v1/assets/{id}/usage`).
    pub usage_count: u64,
    /// Its tags, by name.
    pub tags: Vec<AssetTagDto>,
    /// Extracted metadata, once processed: the kind's facts, tagged with `kind`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
    /// Placeholders of the asset's picture, once processed: `blurhash`, `thumbhash`
    /// (base64) and `dominant_color` (`#rrggbb`).
    #[schema(value_type = Option<Object>)]
    pub placeholder: Option<Placeholder>,
    /// Picture and data variants made so far (thumbnail…hero, poster, waveform).
    pub variants: Vec<VariantDto>,
    /// Video and audio renditions made so far (`mp4_720p`, …), for `<video>`/`<audio>`.
    pub renditions: Vec<VariantDto>,
    /// The asset's jobs, oldest first: processing, then transcodes with their progress.
    /// Present on single-asset responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<Vec<JobDto>>,
    /// Each analyser's latest result, by analyser (`facts`, `places`, `labels`, `faces`, `text`, `moderation`, `remote`). Present on
    /// single-asset responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<std::collections::BTreeMap<&'static str, AnalysisDto>>,
    /// Related URLs.
    pub links: Links,
    /// Present on upload results: whether the bytes were already stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
}

/// URLs related to an asset.
#[derive(Serialize, ToSchema)]
pub struct Links {
    /// The asset in the API.
    #[serde(rename = "self")]
    pub this: String,
    /// The original file.
    pub original: String,
    /// The variant list.
    pub variants: String,
}

/// A variant or rendition as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct VariantDto {
    /// Spec or profile name.
    pub name: String,
    /// `jpeg`, `webp`, `png`, `json`, `mp4`, `webm`, `m4a` or `mp3`.
    pub format: &'static str,
    /// The `Content-Type` it is delivered with.
    pub mime: &'static str,
    /// Pixels (pictures and video).
    pub width: Option<u32>,
    /// Pixels (pictures and video).
    pub height: Option<u32>,
    /// Seconds (renditions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Encoded size in bytes.
    pub bytes: u64,
    /// Delivery URL.
    pub url: String,
}

/// A job as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct JobDto {
    /// UUIDv7.
    pub id: String,
    /// `process_image`, `process_video`, …, `transcode`, `analyse`.
    pub kind: &'static str,
    /// The transcode profile (`transcode` jobs), or the analysers an `analyse` job runs
    /// when it names some (`places,facts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: &'static str,
    /// 0–100.
    pub progress: u8,
    /// Attempts started.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// The asset it works on.
    pub asset_id: String,
    /// Last error.
    pub error: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl JobDto {
    /// Renders a job.
    pub fn from_job(job: &Job) -> Self {
        Self {
            id: job.id.to_string(),
            kind: job.payload.kind().as_str(),
            profile: job.payload.profile(),
            status: job.status.as_str(),
            progress: job.progress,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            asset_id: job.asset_id.to_string(),
            error: job.error.clone(),
            created_at: rfc3339(job.created_at),
            updated_at: rfc3339(job.updated_at),
        }
    }
}

impl VariantDto {
    /// Renders a variant with its delivery URL.
    pub fn from_variant(urls: &Urls, v: &Variant) -> Self {
        Self {
            url: urls.url(&variant_path(v)),
            name: v.name.clone(),
            format: v.format.as_str(),
            mime: v.format.mime(),
            width: v.width,
            height: v.height,
            duration_s: v.duration_s,
            bytes: v.size,
        }
    }
}

pub use medialib_app::paths::{original_path, variant_path};

impl AssetDto {
    /// Renders an asset with its variants, its tags (any slice holding them; others' are
    /// skipped) and, optionally, its jobs.
    pub fn new(
        urls: &Urls,
        a: &Asset,
        variants: &[Variant],
        tags: &[AssetTag],
        jobs: Option<&[Job]>,
    ) -> Self {
        let (renditions, pictures): (Vec<&Variant>, Vec<&Variant>) =
            variants.iter().partition(|v| is_rendition(v.format));
        let this = urls.url(&format!("/api/v1/assets/{}", a.id));
        Self {
            id: a.id.to_string(),
            kind: a.kind.as_str(),
            mime: a.mime.clone(),
            size: a.size,
            sha256: a.sha256.to_string(),
            rev: medialib_app::transforms::urls::revision(a),
            original_filename: a.original_filename.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            alt_text: a.alt_text.clone(),
            is_public: a.is_public,
            width: a.width,
            height: a.height,
            frame_count: a.frame_count,
            duration_s: a.duration_s,
            page_count: a.page_count,
            status: a.status.as_str(),
            error: a.error.clone(),
            uploaded_by: a.uploaded_by.map(|u| u.0),
            // Filled by the routes, which look the names up for a whole page at once.
            uploaded_by_name: None,
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
            deleted_at: a.deleted_at.map(rfc3339),
            focal_point: a.focal_point.map(|p| FocalPointDto { x: p.x, y: p.y }),
            moderation: a.moderation.map(|m| m.as_str()),
            taken_at: a.taken_at.map(rfc3339),
            usage_count: a.usage_count,
            tags: tags
                .iter()
                .filter(|t| t.asset == a.id)
                .map(AssetTagDto::from_tag)
                .collect(),
            metadata: a.metadata.clone(),
            placeholder: a.placeholder.clone(),
            variants: pictures
                .into_iter()
                .map(|v| VariantDto::from_variant(urls, v))
                .collect(),
            renditions: renditions
                .into_iter()
                .map(|v| VariantDto::from_variant(urls, v))
                .collect(),
            jobs: jobs.map(|jobs| jobs.iter().map(JobDto::from_job).collect()),
            // Filled by the single-asset routes, which read it.
            analysis: None,
            links: Links {
                original: urls.url(&original_path(a)),
                variants: format!("{this}/variants"),
                this,
            },
            duplicate: None,
        }
    }
}

/// Whether a variant format is a playable video or audio rendition.
fn is_rendition(format: OutputFormat) -> bool {
    matches!(
        format,
        OutputFormat::Mp4 | OutputFormat::Webm | OutputFormat::M4a | OutputFormat::Mp3
    )
}
