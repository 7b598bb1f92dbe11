//! A user's API tokens: list, create (shown once), revoke.

use medialib_core::access::{Principal, Scopes};
use medialib_core::store::{NewToken, TokenInfo};
use medialib_core::{AppError, Timestamp};

use super::credentials::{generate_token, hash_token};
use crate::Catalog;

/// Longest token lifetime: ten years, in seconds.
pub const MAX_TTL_SECONDS: u64 = 10 * 365 * 86_400;

/// The caller's own tokens, revoked ones included.
pub async fn list(catalog: &Catalog, caller: &Principal) -> Result<Vec<TokenInfo>, AppError> {
    Ok(catalog.store.list_tokens(caller.user).await?)
}

/// What a new token is to be.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// A name to recognise it by, 1–100 characters.
    pub name: String,
    /// Its scopes (`read,write`…); those of the caller's credential when `None`.
    pub scopes: Option<String>,
    /// Its lifetime, 1–[`MAX_TTL_SECONDS`] seconds; forever when `None`.
    pub ttl_seconds: Option<u64>,
}

/// Creates a token for the caller in their working namespace, with at most the scopes of
/// the credential creating it, and returns it with its secret (the only time it is seen).
///
/// Errors: `invalid_request` for a bad name, scope list or lifetime, or scopes beyond
/// the caller's.
pub async fn create(
    catalog: &Catalog,
    caller: &Principal,
    request: TokenRequest,
) -> Result<(TokenInfo, String), AppError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name must be 1-100 characters"));
    }
    let scopes: Scopes = match request.scopes.as_deref() {
        Some(raw) => raw.parse().map_err(AppError::invalid)?,
        None => caller.scopes,
    };
    let beyond = (scopes.read && !caller.scopes.read)
        || (scopes.write && !caller.scopes.write)
        || (scopes.admin && !caller.scopes.admin);
    if beyond {
        return Err(AppError::invalid(format!(
            "a token may have at most the scopes of the token creating it ({})",
            caller.scopes
        )));
    }
    let expires_at = match request.ttl_seconds {
        Some(ttl) if ttl == 0 || ttl > MAX_TTL_SECONDS => {
            return Err(AppError::invalid(format!(
                "ttl_seconds must be 1-{MAX_TTL_SECONDS}"
            )));
        }
        Some(ttl) => Some(Timestamp::now_utc() + std::time::Duration::from_secs(ttl)),
        None => None,
    };
    let token = generate_token();
    let info = catalog
        .store
        .create_token(NewToken {
            user: caller.user,
            namespace: caller.namespace,
            name: name.to_owned(),
            hash: hash_token(&token),
            scopes,
            expires_at,
        })
        .await?;
    tracing::info!(user = caller.user.0, token = info.id, scopes = %scopes, "token created");
    Ok((info, token))
}

/// Revokes one of the caller's tokens.
///
/// Errors: `not_found` for a token that is not theirs.
pub async fn revoke(catalog: &Catalog, caller: &Principal, id: i64) -> Result<(), AppError> {
    if !catalog.store.revoke_token(caller.user, id).await? {
        return Err(AppError::not_found(format!("token {id}")));
    }
    tracing::info!(user = caller.user.0, token = id, "token revoked");
    Ok(())
}
