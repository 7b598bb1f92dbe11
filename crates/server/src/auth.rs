//! Authentication over HTTP: a bearer token, or the browser's session cookie, makes the
//! request's [`Principal`]. What that principal may then do is decided by the use case
//! it calls (`medialib_app::access::authorize`), not here.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use medialib_app::access::credentials;
use medialib_core::access::Principal;

use crate::audit::Caller;
use crate::error::ApiError;
use crate::session;
use crate::state::AppState;

/// An authenticated caller; extracting it answers 401 when credentials are missing or
/// unknown. The principal is also handed to the audit log.
pub struct Auth(pub Principal);

impl std::ops::Deref for Auth {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = principal(parts, state)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if let Some(caller) = parts.extensions.get::<Caller>() {
            caller.set(&principal);
        }
        Ok(Auth(principal))
    }
}

/// A caller who may be anonymous (delivery of public assets).
pub struct MaybeAuth(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        principal(parts, state).await.map(MaybeAuth)
    }
}

/// The caller: by bearer token (an unknown one is 401), else by session cookie (an ended
/// session is anonymous, so that public files still load with a stale cookie). A write
/// by session cookie must come from this origin (see [`crate::session`]).
async fn principal(parts: &Parts, state: &AppState) -> Result<Option<Principal>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return session_principal(parts, state).await;
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Some(
        credentials::authenticate_token(&state.catalog, token).await?,
    ))
}

async fn session_principal(parts: &Parts, state: &AppState) -> Result<Option<Principal>, ApiError> {
    let Some(id) = session::cookie_id(&parts.headers) else {
        return Ok(None);
    };
    let Some(principal) = credentials::authenticate_session(&state.catalog, &id).await? else {
        return Ok(None);
    };
    if !parts.method.is_safe() {
        session::same_origin(&parts.headers, &state.catalog.settings)?;
    }
    Ok(Some(principal))
}
