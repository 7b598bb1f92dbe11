//! `/api/v1/tokens`: the caller's own API tokens. A new token is shown once; only its
//! SHA-256 is stored. It acts in the caller's namespace with at most the caller's scopes,
//! so a token can never mint a stronger one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::access::tokens::{self, TokenRequest};
use medialib_core::store::TokenInfo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::auth::Auth;
use crate::dto::schema;
use crate::dto::{Items, rfc3339};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A token as listed (never its secret).
#[derive(Serialize, ToSchema)]
pub(crate) struct TokenDto {
    id: i64,
    name: String,
    /// Namespace id it acts in.
    namespace: i64,
    /// `read,write,admin`, or fewer.
    scopes: String,
    created_at: String,
    expires_at: Option<String>,
    /// Recorded at most once a minute.
    last_used_at: Option<String>,
    revoked_at: Option<String>,
    /// The token itself: only in the answer that creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl From<TokenInfo> for TokenDto {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id,
            name: t.name,
            namespace: t.namespace.0,
            scopes: t.scopes.to_string(),
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            last_used_at: t.last_used_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
            token: None,
        }
    }
}

/// Body of `POST /api/v1/tokens`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTokenBody {
    /// A label, 1–100 characters, not blank.
    #[schema(schema_with = schema::name_100)]
    name: String,
    /// `read`, `write`, `admin`, comma-separated (default: the caller's own scopes).
    #[schema(schema_with = schema::optional::scopes)]
    scopes: Option<String>,
    /// Lifetime in seconds (default: no expiry; at most ten years).
    #[schema(minimum = 1, maximum = 315_360_000)]
    ttl_seconds: Option<u64>,
}

/// `GET /api/v1/tokens`: the caller's tokens, newest first, revoked ones included.
#[utoipa::path(
    operation_id = "tokens_list",
    get,
    path = "/tokens",
    tag = "tokens",
    responses(
        (status = 200, description = "the caller's tokens", body = Items<TokenDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Items<TokenDto>>, ApiError> {
    let tokens = tokens::list(&state.catalog, &auth).await?;
    Ok(Json(Items {
        items: tokens.into_iter().map(TokenDto::from).collect(),
    }))
}

/// `POST /api/v1/tokens`: creates a token for the caller in the caller's namespace → 201
/// with the token in `token`, shown this once.
///
/// Errors: 422 for an empty name, unknown scopes, scopes beyond the caller's, or a TTL of
/// 0 or over ten years.
#[utoipa::path(
    operation_id = "tokens_create",
    post,
    path = "/tokens",
    tag = "tokens",
    request_body = NewTokenBody,
    responses(
        (status = 201, description = "created; `token` is shown only here", body = TokenDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 422, description = "invalid name, scopes or TTL", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, Json<TokenDto>), ApiError> {
    let request = TokenRequest {
        name: body.name,
        scopes: body.scopes,
        ttl_seconds: body.ttl_seconds,
    };
    let (info, token) = tokens::create(&state.catalog, &auth, request).await?;
    let mut dto = TokenDto::from(info);
    dto.token = Some(token);
    Ok((StatusCode::CREATED, Json(dto)))
}

/// `DELETE /api/v1/tokens/{id}`: revokes one of the caller's tokens; it stops working at
/// once (a token may revoke itself).
#[utoipa::path(
    operation_id = "tokens_revoke",
    delete,
    path = "/tokens/{id}",
    tag = "tokens",
    params(("id" = i64, Path, description = "token id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not one of the caller's live tokens", body = ErrorBody),
    )
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(
        &state.catalog,
        &auth,
        super::extract::parse_id(&id, "token")?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
