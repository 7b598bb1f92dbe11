//! `GET /api/v1/capabilities`: what this server accepts and does, so that an upload
//! client can refuse a file before sending it (the web UI's uploader does).

use axum::Json;
use axum::extract::State;
use medialib_app::capabilities::{self, Availability, Capabilities};
use medialib_core::Fit;
use serde::Serialize;
use utoipa::ToSchema;

use super::chunked;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::tus::headers as tus;

/// An accepted format.
#[derive(Serialize, ToSchema)]
pub(crate) struct FormatDto {
    /// `image`, `video`, `audio`, `document` or `model3d`.
    kind: &'static str,
    /// A human name, e.g. `HEIF/HEIC`.
    name: &'static str,
    /// MIME types recorded for it, canonical first.
    mimes: &'static [&'static str],
    /// File name extensions, lower case, without the dot.
    extensions: &'static [&'static str],
}

/// The limits every upload is checked against.
#[derive(Serialize, ToSchema)]
pub(crate) struct LimitsDto {
    /// Largest file, in bytes.
    max_upload_bytes: u64,
    /// Most files in one multipart request.
    max_files_per_request: usize,
    /// Largest request body, in bytes.
    max_request_bytes: u64,
    /// Most pixels of an image (width × height).
    max_image_pixels: u64,
    /// Longest side of an image, in pixels.
    max_image_side: u32,
    /// Longest video or audio, in seconds.
    max_duration_seconds: f64,
    /// Longest side of a video frame, in pixels.
    max_video_long_side: u32,
    /// Shortest side of a video frame, in pixels.
    max_video_short_side: u32,
}

/// The caller's namespace against its quotas.
#[derive(Serialize, ToSchema)]
pub(crate) struct QuotaDto {
    /// Bytes of originals stored.
    bytes: u64,
    /// Live assets.
    assets: u64,
    /// Byte quota; `null` is unlimited.
    max_bytes: Option<u64>,
    /// Asset quota; `null` is unlimited.
    max_assets: Option<u64>,
}

/// The upload protocols and their endpoints.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProtocolsDto {
    /// Multipart upload: `POST /api/v1/assets`, one or many `file` parts.
    multipart: String,
    /// Resumable upload (tus 1.0).
    tus: TusDto,
    /// Chunked upload by index: `POST /api/v1/uploads/chunked`, then `PUT` each chunk.
    chunked: ChunkedDto,
    /// Import from URL: `POST /api/v1/assets/import`.
    import: String,
}

/// tus 1.0 as this server speaks it (<https://tus.io/protocols/resumable-upload>).
#[derive(Serialize, ToSchema)]
pub(crate) struct TusDto {
    endpoint: String,
    /// `Tus-Version`.
    version: &'static str,
    /// `Tus-Extension`, split.
    extensions: Vec<&'static str>,
    /// `Tus-Checksum-Algorithm`, split.
    checksum_algorithms: Vec<&'static str>,
    /// `Tus-Max-Size`, in bytes.
    max_size: u64,
}

/// Chunked uploads' chunk sizes.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChunkedDto {
    endpoint: String,
    /// Chunk size when the client names none, in bytes.
    default_chunk_bytes: u64,
    /// Smallest chunk size, in bytes.
    min_chunk_bytes: u64,
    /// Largest chunk size (the request body limit), in bytes.
    max_chunk_bytes: u64,
    /// Most chunks in one upload.
    max_chunks: u64,
}

/// An image variant made for every picture.
#[derive(Serialize, ToSchema)]
pub(crate) struct VariantSpecDto {
    name: String,
    /// Box width in pixels.
    width: u32,
    /// Box height in pixels.
    height: u32,
    /// `cover` (fill and crop) or `fit` (inside the box).
    fit: &'static str,
}

/// A transcode profile that runs for video or audio.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProfileDto {
    /// Also the rendition's name.
    name: String,
    /// `mp4`, `webm`, `m4a` or `mp3`.
    format: &'static str,
    /// Video: the largest short side in pixels.
    resolution: Option<u32>,
}

/// Transform URLs (`/img/{id}/{rev}/{ops}/{name}.{ext}`).
#[derive(Serialize, ToSchema)]
pub(crate) struct TransformsDto {
    /// Preset names and their ops (`p_NAME`).
    presets: Vec<PresetDto>,
    /// Watermark names (`wm_NAME`).
    watermarks: Vec<String>,
    /// Output formats (`ext`).
    formats: Vec<&'static str>,
    /// Longest side of a result, in pixels.
    max_side: u32,
    /// Which URLs need no signature: `presets`, `all` or `none`.
    unsigned: &'static str,
}

/// A named transform preset.
#[derive(Serialize, ToSchema)]
pub(crate) struct PresetDto {
    name: String,
    /// Its ops, as configured.
    ops: String,
}

/// Optional features and whether they are on.
#[derive(Serialize, ToSchema)]
pub(crate) struct FeaturesDto {
    /// Variants are also encoded as AVIF (transforms always can).
    avif_variants: bool,
    /// Signed delivery URLs for private assets.
    signed_urls: bool,
    webhooks: bool,
    import: bool,
    /// Analysis runs after processing (`analysis.enabled`); `analysers` says which can.
    analysis: bool,
    /// `/metrics` needs its own bearer token.
    metrics_token: bool,
}

/// What this server accepts and does.
#[derive(Serialize, ToSchema)]
pub(crate) struct CapabilitiesDto {
    /// Accepted formats; a file is judged by its bytes, and its extension must agree.
    formats: Vec<FormatDto>,
    limits: LimitsDto,
    /// The caller's namespace.
    quota: QuotaDto,
    protocols: ProtocolsDto,
    variants: Vec<VariantSpecDto>,
    /// Formats each variant is encoded in.
    variant_formats: Vec<&'static str>,
    profiles: Vec<ProfileDto>,
    transforms: TransformsDto,
    features: FeaturesDto,
    analysers: Vec<AnalyserDto>,
}

/// One analyser and whether it can run here.
#[derive(Serialize, ToSchema)]
pub(crate) struct AnalyserDto {
    /// `facts`, `places`, `labels`, `faces`, `text`, `moderation`, `remote`.
    name: &'static str,
    /// `ready`; `disabled` (not in `analysis.analysers`, or analysis is off); or
    /// `unavailable` (its model is not installed: `reason` says which file).
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// `GET /api/v1/capabilities`: the accepted formats per kind with their extensions, the
/// size, pixel and duration limits, the caller's quota room, the upload protocols, the
/// variants, transform presets and transcode profiles, and which optional features are
/// on. Any role may ask.
#[utoipa::path(
    operation_id = "capabilities",
    get,
    path = "/capabilities",
    tag = "meta",
    responses(
        (status = 200, description = "what the server accepts and does", body = CapabilitiesDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CapabilitiesDto>, ApiError> {
    let found = capabilities::capabilities(&state.catalog, &auth).await?;
    Ok(Json(render(&state, found)))
}

fn render(state: &AppState, c: Capabilities) -> CapabilitiesDto {
    let l = c.limits;
    let api = |path: &str| state.urls.url(&format!("/api/v1{path}"));
    CapabilitiesDto {
        formats: c
            .formats
            .iter()
            .map(|f| FormatDto {
                kind: f.kind.as_str(),
                name: f.name,
                mimes: f.mimes,
                extensions: f.extensions,
            })
            .collect(),
        protocols: ProtocolsDto {
            multipart: api("/assets"),
            tus: TusDto {
                endpoint: api("/uploads"),
                version: tus::VERSION,
                extensions: tus::EXTENSIONS.split(',').collect(),
                checksum_algorithms: tus::CHECKSUM_ALGORITHMS.split(',').collect(),
                max_size: l.max_upload_bytes,
            },
            chunked: ChunkedDto {
                endpoint: api("/uploads/chunked"),
                default_chunk_bytes: chunked::DEFAULT_CHUNK,
                min_chunk_bytes: chunked::MIN_CHUNK,
                max_chunk_bytes: l.max_request_bytes,
                max_chunks: chunked::MAX_CHUNKS,
            },
            import: api("/assets/import"),
        },
        limits: LimitsDto {
            max_upload_bytes: l.max_upload_bytes,
            max_files_per_request: l.max_files_per_request,
            max_request_bytes: l.max_request_bytes,
            max_image_pixels: l.max_image_pixels,
            max_image_side: l.max_image_side,
            max_duration_seconds: l.max_duration_seconds,
            max_video_long_side: l.max_video_long_side,
            max_video_short_side: l.max_video_short_side,
        },
        quota: QuotaDto {
            bytes: c.quota.bytes,
            assets: c.quota.assets,
            max_bytes: c.quota.max_bytes,
            max_assets: c.quota.max_assets,
        },
        variants: c
            .variants
            .into_iter()
            .map(|v| VariantSpecDto {
                name: v.name,
                width: v.width,
                height: v.height,
                fit: match v.fit {
                    Fit::Cover => "cover",
                    Fit::Fit => "fit",
                },
            })
            .collect(),
        variant_formats: c.variant_formats.iter().map(|f| f.extension()).collect(),
        profiles: c
            .profiles
            .into_iter()
            .map(|p| ProfileDto {
                format: p.format.extension(),
                name: p.name,
                resolution: p.resolution,
            })
            .collect(),
        transforms: TransformsDto {
            presets: c
                .transforms
                .presets
                .into_iter()
                .map(|(name, ops)| PresetDto { name, ops })
                .collect(),
            watermarks: c.transforms.watermarks,
            formats: c.transforms.formats,
            max_side: c.transforms.max_side,
            unsigned: c.transforms.unsigned,
        },
        features: FeaturesDto {
            avif_variants: c.features.avif_variants,
            signed_urls: c.features.signed_urls,
            webhooks: c.features.webhooks,
            import: c.features.import,
            analysis: c.features.analysis,
            metrics_token: c.features.metrics_token,
        },
        analysers: c
            .analysers
            .into_iter()
            .map(|(analyser, availability)| {
                let (state, reason) = match availability {
                    Availability::Ready => ("ready", None),
                    Availability::Disabled => ("disabled", None),
                    Availability::Unavailable(why) => ("unavailable", Some(why)),
                };
                AnalyserDto {
                    name: analyser.as_str(),
                    state,
                    reason,
                }
            })
            .collect(),
    }
}
