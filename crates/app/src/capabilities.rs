//! What this server accepts and does, for clients that check a file before sending it:
//! the accepted formats, the limits, the caller's quota room, the variants, transform
//! presets and transcode profiles, and which optional features are on.
//!
//! Everything comes from the settings and the media crate's format table, so the answer
//! is what the server really enforces; only the quota reads the store.

pub use medialib_analysis::Availability;
use medialib_core::access::{Access, Principal};
use medialib_core::analysis::Analyser;
use medialib_core::config::Unsigned;
use medialib_core::{AppError, OutputFormat, TranscodeProfile, VariantSpec};
use medialib_media::formats::{ACCEPTED, AcceptedFormat};

use crate::Catalog;
use crate::access::authorize;

/// The upload and media limits, as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadLimits {
    /// Largest file, in bytes.
    pub max_upload_bytes: u64,
    /// Most files in one multipart request.
    pub max_files_per_request: usize,
    /// Largest request body (a multipart request, a tus `PATCH`, a chunk), in bytes.
    pub max_request_bytes: u64,
    /// Most pixels of an image (width × height).
    pub max_image_pixels: u64,
    /// Longest side of an image, in pixels.
    pub max_image_side: u32,
    /// Longest video or audio, in seconds.
    pub max_duration_seconds: f64,
    /// Longest side of a video frame, in pixels.
    pub max_video_long_side: u32,
    /// Shortest side of a video frame, in pixels.
    pub max_video_short_side: u32,
}

/// The caller's namespace against its quotas (its own, or the server's defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRoom {
    /// Bytes of originals stored.
    pub bytes: u64,
    /// Live assets.
    pub assets: u64,
    /// The byte quota; `None` is unlimited.
    pub max_bytes: Option<u64>,
    /// The asset quota; `None` is unlimited.
    pub max_assets: Option<u64>,
}

/// The on-the-fly transform settings a client builds URLs with.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformCapabilities {
    /// Named presets and their ops, by name.
    pub presets: Vec<(String, String)>,
    /// Watermark names (`wm_NAME`).
    pub watermarks: Vec<String>,
    /// Output formats: `jpg`, `png`, `webp`, `avif`, `auto`.
    pub formats: Vec<&'static str>,
    /// Longest side of a result, in pixels.
    pub max_side: u32,
    /// Which transform URLs need no signature: `presets`, `all` or `none`.
    pub unsigned: &'static str,
}

/// Optional features and whether they are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// Variants are also made as AVIF (`images.formats`); transforms always can.
    pub avif_variants: bool,
    /// Signed delivery URLs for private assets (`signing.keys` is set).
    pub signed_urls: bool,
    /// Webhook endpoints can be registered.
    pub webhooks: bool,
    /// Import from URL.
    pub import: bool,
    /// Media analysis runs after processing (`analysis.enabled`); `analysers` says which.
    pub analysis: bool,
    /// `/metrics` needs a bearer token of its own (`metrics.token`).
    pub metrics_token: bool,
}

/// Everything `GET /api/v1/capabilities` reports, transport aside.
#[derive(Debug, Clone)]
pub struct Capabilities {
    /// The accepted formats, by kind.
    pub formats: &'static [AcceptedFormat],
    /// The limits every upload is checked against.
    pub limits: UploadLimits,
    /// The caller's namespace against its quotas.
    pub quota: QuotaRoom,
    /// The image variants made for every picture.
    pub variants: Vec<VariantSpec>,
    /// The formats each variant is encoded in.
    pub variant_formats: Vec<OutputFormat>,
    /// Transcode profiles that run (disabled ones left out).
    pub profiles: Vec<TranscodeProfile>,
    /// The transform settings.
    pub transforms: TransformCapabilities,
    /// Optional features.
    pub features: Features,
    /// Each analyser and whether it can run (its model installed, enabled).
    pub analysers: Vec<(Analyser, Availability)>,
}

/// What the server accepts and does, for any signed-in caller (viewers included: an
/// upload client may hold a read token while it asks).
///
/// Errors: 403 when the token's scopes do not include reading.
pub async fn capabilities(catalog: &Catalog, caller: &Principal) -> Result<Capabilities, AppError> {
    authorize::require(caller, Access::Read)?;
    let settings = &catalog.settings;
    let usage = catalog.store.namespace_usage(caller.namespace).await?;
    let l = &settings.limits;
    let t = &settings.transforms;
    Ok(Capabilities {
        formats: ACCEPTED,
        limits: UploadLimits {
            max_upload_bytes: l.max_upload_bytes,
            max_files_per_request: l.max_files_per_request,
            max_request_bytes: l.max_request_bytes,
            max_image_pixels: l.max_image_pixels,
            max_image_side: l.max_image_side,
            max_duration_seconds: l.max_duration_seconds,
            max_video_long_side: l.max_video_long_side,
            max_video_short_side: l.max_video_short_side,
        },
        quota: QuotaRoom {
            bytes: usage.bytes,
            assets: usage.assets,
            max_bytes: usage.quota_bytes.or(settings.quotas.bytes),
            max_assets: usage.quota_assets.or(settings.quotas.assets),
        },
        variants: settings.images.variants.clone(),
        variant_formats: settings.images.formats.clone(),
        profiles: settings
            .video
            .profiles
            .iter()
            .filter(|p| p.enabled)
            .cloned()
            .collect(),
        transforms: TransformCapabilities {
            presets: t
                .presets
                .iter()
                .map(|(name, preset)| (name.clone(), preset.ops.clone()))
                .collect(),
            watermarks: t.watermarks.keys().cloned().collect(),
            formats: vec!["jpg", "png", "webp", "avif", "auto"],
            max_side: t.max_side,
            unsigned: match t.unsigned {
                Unsigned::Presets => "presets",
                Unsigned::All => "all",
                Unsigned::None => "none",
            },
        },
        features: Features {
            avif_variants: settings.images.formats.contains(&OutputFormat::Avif),
            signed_urls: !settings.signing.keys.is_empty(),
            webhooks: true,
            import: true,
            analysis: settings.analysis.enabled,
            metrics_token: settings.metrics.token.is_some(),
        },
        analysers: catalog.analysers.availability(),
    })
}
