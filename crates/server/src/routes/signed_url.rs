//! `GET /api/v1/assets/{id}/signed-url`: a delivery URL that fetches a private original or
//! variant without a token until it expires (see [`medialib_app::signing`]).

use axum::Json;
use axum::extract::{Path, State};
use medialib_app::signed_urls;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::rfc3339;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Query of `GET /api/v1/assets/{id}/signed-url`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SignedUrlQuery {
    /// A variant as `{name}.{ext}` (`thumbnail.webp`), or its name alone for its first
    /// format; absent for the original.
    variant: Option<String>,
    /// Lifetime in seconds; default `signing.default_ttl_seconds` (3600), at most
    /// `signing.max_ttl_seconds` (604 800).
    ttl: Option<u64>,
}

/// A signed delivery URL.
#[derive(Serialize, ToSchema)]
pub(crate) struct SignedUrlDto {
    /// The URL, with `exp`, `kid` and `sig` in its query (behind `public_base_url` if set).
    url: String,
    /// When it stops working (RFC 3339).
    expires_at: String,
}

/// `GET /api/v1/assets/{id}/signed-url?variant=&ttl=`.
#[utoipa::path(
    operation_id = "assets_signed_url",
    get,
    path = "/assets/{id}/signed-url",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), SignedUrlQuery),
    responses(
        (status = 200, description = "the signed URL and its expiry", body = SignedUrlDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "no such asset (also another namespace's, or in the trash) or variant", body = ErrorBody),
        (status = 422, description = "a ttl of 0 or over the maximum", body = ErrorBody),
    )
)]
pub(crate) async fn signed_url(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<SignedUrlQuery>,
) -> Result<Json<SignedUrlDto>, ApiError> {
    let (path, expires_at) = signed_urls::issue(
        &state.catalog,
        &state.signer,
        &auth,
        parse_id(&id, "asset")?,
        query.variant.as_deref(),
        query.ttl,
    )
    .await?;
    Ok(Json(SignedUrlDto {
        url: state.urls.url(&path),
        expires_at: rfc3339(expires_at),
    }))
}
