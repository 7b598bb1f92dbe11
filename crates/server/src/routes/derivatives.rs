//! Transforms through the API: `POST /api/v1/assets/{id}/transform-url` mints a URL (signed
//! when it needs to be), `GET /api/v1/assets/{id}/responsive` makes `srcset` and
//! `<picture>` markup, and `/api/v1/assets/{id}/derivatives` lists and deletes the stored
//! results ([`medialib_app::transforms`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::transforms::responsive::{self, ResponsiveRequest};
use medialib_app::transforms::{derivatives, urls};
use medialib_core::derivative::Derivative;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::schema;
use crate::dto::{Items, rfc3339};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Body of `POST /api/v1/assets/{id}/transform-url`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransformUrlRequest {
    /// Ops in any order (`w_800,h_450,c_fill,g_auto`), `_` for none, or a preset `p_NAME`.
    #[schema(schema_with = schema::ops)]
    ops: String,
    /// `jpg`, `png`, `webp`, `avif` or `auto` (the default: negotiated from `Accept`).
    #[serde(default = "auto")]
    #[schema(schema_with = schema::output_format)]
    format: String,
    /// Lifetime in seconds (at most `signing.max_ttl_seconds`). Private assets' URLs always
    /// expire, by default after `signing.default_ttl_seconds`; public ones only when given.
    ttl: Option<u64>,
}

fn auto() -> String {
    "auto".into()
}

/// A transform URL.
#[derive(Serialize, ToSchema)]
pub(crate) struct TransformUrlDto {
    /// The URL (behind `public_base_url` if set), with `s` and `exp` when signed.
    url: String,
    /// The ops as the URL spells them: canonical order, defaults left out, or `p_NAME`.
    canonical_ops: String,
    /// When it stops working (RFC 3339); absent when it does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

/// `POST /api/v1/assets/{id}/transform-url`.
#[utoipa::path(
    operation_id = "assets_transform_url",
    post,
    path = "/assets/{id}/transform-url",
    tag = "transforms",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    request_body = TransformUrlRequest,
    responses(
        (status = 200, description = "the URL", body = TransformUrlDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "no such asset (also another namespace's, or in the trash) or preset", body = ErrorBody),
        (status = 422, description = "an invalid op or format (the message names it), or a ttl out of range", body = ErrorBody),
    )
)]
pub(crate) async fn transform_url(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransformUrlRequest>,
) -> Result<Json<TransformUrlDto>, ApiError> {
    let minted = urls::mint(
        &state.catalog,
        &state.signer,
        &auth,
        parse_id(&id, "asset")?,
        &body.ops,
        &body.format,
        body.ttl,
    )
    .await?;
    Ok(Json(TransformUrlDto {
        url: state.urls.url(&minted.url),
        canonical_ops: minted.canonical_ops,
        expires_at: minted.expires_at.map(rfc3339),
    }))
}

/// Query of `GET /api/v1/assets/{id}/responsive`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ResponsiveQuery {
    /// A preset's name (`card`): its ops give the box and crop.
    preset: Option<String>,
    /// Ad-hoc ops instead of a preset (`w_800,h_450,c_fill`); default: the whole picture.
    ops: Option<String>,
    /// Widths in pixels, comma-separated; default: the ladder 320, 480, 640, 800, 1080,
    /// 1280, 1600, 1920, 2560 up to the picture's width, or a box's width at 1× and 2×.
    widths: Option<String>,
    /// The `sizes` attribute; default `(max-width: {w}px) 100vw, {w}px` for a box `w`
    /// wide, else `100vw`.
    sizes: Option<String>,
    /// Lifetime of signed URLs in seconds (private assets' default:
    /// `signing.default_ttl_seconds`).
    ttl: Option<u64>,
}

/// One format's `srcset`.
#[derive(Serialize, ToSchema)]
pub(crate) struct SourceDto {
    /// `image/avif`, `image/webp`, `image/jpeg` or `image/png`.
    r#type: &'static str,
    /// `url 320w, url 640w, …` (URLs behind `public_base_url` if set).
    srcset: String,
}

/// Responsive markup for one asset.
#[derive(Serialize, ToSchema)]
pub(crate) struct ResponsiveDto {
    /// AVIF, WebP, then the fallback (JPEG, or PNG for transparent pictures).
    sources: Vec<SourceDto>,
    /// The `sizes` attribute.
    sizes: String,
    /// The fallback picture's URL.
    src: String,
    /// Its width in pixels.
    width: u32,
    /// Its height in pixels.
    height: u32,
    /// The widths offered, in pixels.
    widths: Vec<u32>,
    /// The `<picture>` element: `<source>` per format and an `<img>` with `width`,
    /// `height`, `alt`, `loading="lazy"`, `decoding="async"` and the dominant colour as
    /// its background.
    html: String,
}

/// `GET /api/v1/assets/{id}/responsive`.
#[utoipa::path(
    operation_id = "assets_responsive",
    get,
    path = "/assets/{id}/responsive",
    tag = "transforms",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), ResponsiveQuery),
    responses(
        (status = 200, description = "srcset per format, sizes, the fallback src and the <picture> element", body = ResponsiveDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "no such asset (also another namespace's, or in the trash) or preset; `no_picture`", body = ErrorBody),
        (status = 422, description = "invalid ops, widths or ttl (the message names them)", body = ErrorBody),
    )
)]
pub(crate) async fn responsive(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ResponsiveQuery>,
) -> Result<Json<ResponsiveDto>, ApiError> {
    let request = ResponsiveRequest {
        preset: query.preset.as_deref(),
        ops: query.ops.as_deref(),
        widths: query.widths.as_deref(),
        sizes: query.sizes.as_deref(),
        ttl: query.ttl,
        base_url: state.urls.base(),
    };
    let id = parse_id(&id, "asset")?;
    let markup = responsive::markup(&state.catalog, &state.signer, &auth, id, request).await?;
    Ok(Json(ResponsiveDto {
        sources: markup
            .sources
            .into_iter()
            .map(|s| SourceDto {
                r#type: s.mime,
                srcset: s.srcset,
            })
            .collect(),
        sizes: markup.sizes,
        src: markup.src,
        width: markup.width,
        height: markup.height,
        widths: markup.widths,
        html: markup.html,
    }))
}

/// A stored transform result.
#[derive(Serialize, ToSchema)]
pub(crate) struct DerivativeDto {
    /// What the result depends on, hashed (32 hex characters); names it in `DELETE`.
    cache_key: String,
    /// The ops it was rendered with (a preset's own ops).
    ops: String,
    /// `jpeg`, `png`, `webp` or `avif`.
    format: String,
    /// Width in pixels.
    width: u32,
    /// Height in pixels.
    height: u32,
    /// Size in bytes.
    bytes: u64,
    /// When it was rendered (RFC 3339).
    created_at: String,
    /// When it was last requested (RFC 3339; written in batches, up to a minute behind).
    last_access_at: String,
}

impl From<Derivative> for DerivativeDto {
    fn from(d: Derivative) -> Self {
        Self {
            cache_key: d.cache_key,
            ops: d.ops,
            format: d.format.as_str().to_owned(),
            width: d.width,
            height: d.height,
            bytes: d.size,
            created_at: rfc3339(d.created_at),
            last_access_at: rfc3339(d.last_access_at),
        }
    }
}

/// `GET /api/v1/assets/{id}/derivatives`.
#[utoipa::path(
    operation_id = "derivatives_list",
    get,
    path = "/assets/{id}/derivatives",
    tag = "transforms",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "stored results, most recently used first", body = Items<DerivativeDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Items<DerivativeDto>>, ApiError> {
    let items = derivatives::list(&state.catalog, &auth, parse_id(&id, "asset")?).await?;
    Ok(Json(Items {
        items: items.into_iter().map(DerivativeDto::from).collect(),
    }))
}

/// How many results a `DELETE` removed.
#[derive(Serialize, ToSchema)]
pub(crate) struct DeletedDto {
    /// Results removed (rendered again when next requested).
    deleted: usize,
}

/// `DELETE /api/v1/assets/{id}/derivatives`.
#[utoipa::path(
    operation_id = "derivatives_delete",
    delete,
    path = "/assets/{id}/derivatives",
    tag = "transforms",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "every stored result removed", body = DeletedDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "no write access to this asset", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn delete_all(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<DeletedDto>, ApiError> {
    let deleted = derivatives::delete(
        &state.catalog,
        &state.transforms,
        &auth,
        parse_id(&id, "asset")?,
        None,
    )
    .await?;
    Ok(Json(DeletedDto { deleted }))
}

/// `DELETE /api/v1/assets/{id}/derivatives/{key}`.
#[utoipa::path(
    operation_id = "derivatives_delete_one",
    delete,
    path = "/assets/{id}/derivatives/{key}",
    tag = "transforms",
    params(
        ("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"),
        ("key" = String, Path, description = "the result's `cache_key`"),
    ),
    responses(
        (status = 204, description = "removed"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "no write access to this asset", body = ErrorBody),
        (status = 404, description = "no such asset or result", body = ErrorBody),
    )
)]
pub(crate) async fn delete_one(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, key)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    derivatives::delete(
        &state.catalog,
        &state.transforms,
        &auth,
        parse_id(&id, "asset")?,
        Some(&key),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
