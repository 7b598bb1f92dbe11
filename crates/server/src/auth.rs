//! Bearer-token authentication. Tokens are 256-bit random strings; only their SHA-256
//! is stored, so a leaked database does not leak usable tokens.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use medialib_core::store::Principal;
use medialib_core::{Asset, Sha256};
use rand::RngCore;
use sha2::Digest;

use crate::error::ApiError;
use crate::state::AppState;

/// Prefix of every token medialib generates, so secret scanners can spot leaked ones.
const TOKEN_PREFIX: &str = "mlk_";

/// A new random token: `mlk_` followed by 64 hex digits (256 bits).
pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> Sha256 {
    Sha256(sha2::Sha256::digest(token.as_bytes()).into())
}

/// An authenticated caller; extracting it answers 401 when credentials are missing or
/// unknown.
pub struct Auth(pub Principal);

/// A caller who may be anonymous (delivery of public assets).
pub struct MaybeAuth(pub Option<Principal>);

async fn principal(parts: &Parts, state: &AppState) -> Result<Option<Principal>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    state
        .store
        .authenticate(&hash_token(token))
        .await?
        .map(Some)
        .ok_or_else(ApiError::unauthorized)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        principal(parts, state)
            .await?
            .map(Auth)
            .ok_or_else(ApiError::unauthorized)
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        principal(parts, state).await.map(MaybeAuth)
    }
}

/// Whether `principal` may see `asset`: same namespace. Other namespaces get 404 from
/// the caller, so existence does not leak.
pub fn can_read(principal: &Principal, asset: &Asset) -> bool {
    principal.namespace == asset.namespace
}
