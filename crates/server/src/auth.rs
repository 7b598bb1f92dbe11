//! Authentication: bearer tokens, or the browser's session cookie. Tokens and session
//! ids are 256-bit random strings; only their SHA-256 is stored, so a leaked database
//! does not leak usable credentials.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use medialib_core::access::{Access, Principal, Role};
use medialib_core::{Asset, Sha256};
use rand::RngCore;
use sha2::Digest;

use crate::audit::Caller;
use crate::error::ApiError;
use crate::session;
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

/// The access a handler needs, as a type: `Auth<Write>` in a handler's arguments makes
/// extraction answer 403 unless the caller's role and token scopes allow writing.
pub trait Level {
    /// The access.
    const ACCESS: Access;
}

/// Reading: any role, the `read` scope.
pub struct Read;
/// Writing: editor or admin, the `write` scope.
pub struct Write;
/// Administering the namespace: admin, the `admin` scope.
pub struct Admin;

impl Level for Read {
    const ACCESS: Access = Access::Read;
}
impl Level for Write {
    const ACCESS: Access = Access::Write;
}
impl Level for Admin {
    const ACCESS: Access = Access::Admin;
}

/// An authenticated caller allowed `L`'s access; extracting it answers 401 when
/// credentials are missing or unknown, 403 when the role or scopes fall short.
pub struct Auth<L: Level = Read>(pub Principal, PhantomData<L>);

impl<L: Level> std::ops::Deref for Auth<L> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl<L: Level> FromRequestParts<AppState> for Auth<L> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = principal(parts, state)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if let Some(caller) = parts.extensions.get::<Caller>() {
            caller.set(&principal);
        }
        require(&principal, L::ACCESS)?;
        Ok(Auth(principal, PhantomData))
    }
}

/// 403 unless the principal's role and token scopes allow `access`.
pub fn require(principal: &Principal, access: Access) -> Result<(), ApiError> {
    if principal.allows(access) {
        return Ok(());
    }
    let (role, scope) = match access {
        Access::Read => (Role::Viewer, "read"),
        Access::Write => (Role::Editor, "write"),
        Access::Admin => (Role::Admin, "admin"),
    };
    Err(ApiError::forbidden(format!(
        "this needs the role {role} or above and a token with the {scope} scope; you are \
         {} here, with a token scoped {}",
        principal.role, principal.scopes
    )))
}

/// 403 unless the principal may edit, delete or restore `asset` (an admin any asset, an
/// editor their own).
pub fn require_change(principal: &Principal, asset: &Asset) -> Result<(), ApiError> {
    require(principal, Access::Write)?;
    if principal.may_change(asset) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "asset {} was uploaded by someone else: an editor may change only their own \
         assets, an admin any",
        asset.id
    )))
}

/// A caller who may be anonymous (delivery of public assets).
pub struct MaybeAuth(pub Option<Principal>);

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
    state
        .store
        .authenticate(&hash_token(token))
        .await?
        .map(Some)
        .ok_or_else(ApiError::unauthorized)
}

async fn session_principal(parts: &Parts, state: &AppState) -> Result<Option<Principal>, ApiError> {
    let Some(id) = session::cookie_id(&parts.headers) else {
        return Ok(None);
    };
    let limits = session::limits(&state.settings);
    let Some(principal) = state.store.session(&hash_token(&id), limits).await? else {
        return Ok(None);
    };
    if !parts.method.is_safe() {
        session::same_origin(&parts.headers, &state.settings)?;
    }
    Ok(Some(principal))
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        principal(parts, state).await.map(MaybeAuth)
    }
}

/// Whether `principal` may see `asset`: same namespace and read access. Callers answer
/// 404 otherwise, so existence does not leak.
pub fn can_read(principal: &Principal, asset: &Asset) -> bool {
    principal.namespace == asset.namespace && principal.allows(Access::Read)
}
