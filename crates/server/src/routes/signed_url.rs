//! `GET /api/v1/assets/{id}/signed-url`: a delivery URL that fetches a private original or
//! variant without a token until it expires (see [`crate::signing`]).

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::load;
use super::extract::ApiQuery;
use crate::auth::Auth;
use crate::dto::{original_path, rfc3339, variant_path};
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
    params(("id" = String, Path, description = "asset id (UUIDv7)"), SignedUrlQuery),
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
    let signing = &state.settings.signing;
    let ttl = query.ttl.unwrap_or(signing.default_ttl_seconds);
    if !(1..=signing.max_ttl_seconds).contains(&ttl) {
        return Err(ApiError::invalid(format!(
            "ttl = {ttl} must be between 1 and {} seconds",
            signing.max_ttl_seconds
        )));
    }
    let asset = load(&state, &auth, &id).await?;
    if asset.deleted_at.is_some() {
        return Err(ApiError::not_found(format!(
            "asset {id} (it is in the trash)"
        )));
    }
    let path = match &query.variant {
        None => original_path(&asset),
        Some(wanted) => {
            let variants = state.store.list_variants(asset.id).await?;
            let (name, ext) = match wanted.rsplit_once('.') {
                Some((name, ext)) => (name, Some(ext)),
                None => (wanted.as_str(), None),
            };
            let variant = variants
                .iter()
                .find(|v| v.name == name && ext.is_none_or(|e| v.format.extension() == e))
                .ok_or_else(|| ApiError::not_found(format!("variant {wanted:?}")))?;
            variant_path(variant)
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let expires_at = now + time::Duration::seconds(i64::try_from(ttl).unwrap_or(i64::MAX));
    let query = state.signer.sign(&path, expires_at.unix_timestamp());
    Ok(Json(SignedUrlDto {
        url: state.urls.url(&format!("{path}?{query}")),
        expires_at: rfc3339(expires_at),
    }))
}
