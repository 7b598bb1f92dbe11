//! Credentials: API tokens, browser session ids and passwords, and who they stand for.
//!
//! - **Tokens and session ids** are 256-bit random strings; the store keeps only their
//!   SHA-256, so a leaked database does not leak usable credentials.
//! - **Passwords** are argon2id PHC strings (RustCrypto `argon2`, its default parameters:
//!   19 MiB, 2 passes, 1 lane, as OWASP recommends), hashed and checked on the blocking
//!   pool (about 0.1 s each).

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use medialib_core::access::Principal;
use medialib_core::store::SessionLimits;
use medialib_core::{AppError, Settings, Sha256};
use rand::RngCore;
use sha2::Digest;

use crate::Catalog;

/// Prefix of every token medialib generates, so secret scanners can spot leaked ones.
const TOKEN_PREFIX: &str = "mlk_";

/// A hash of a password nobody has, checked when the user is unknown so that a wrong
/// name takes as long as a wrong password.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$IzQ8w6OVCrx3x8rbrH4IMA$BMlLkiKO2iFLPCPAF46BUhb+EIsVMjQ1quQ/fP66RFE";

/// Shortest password accepted, in characters (NIST SP 800-63B asks for at least 8).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted, in characters: hashing is deliberately slow, so a huge
/// one would be a cheap way to burn CPU.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// `invalid_request` unless `password` is 8 to 256 characters.
pub fn check_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(AppError::invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters, and at most \
             {MAX_PASSWORD_CHARS}"
        )));
    }
    Ok(())
}

/// A new random token: `mlk_` followed by 64 hex digits (256 bits).
pub fn generate_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex())
}

/// A new session id: 64 hex digits (256 bits).
pub fn new_session_id() -> String {
    random_hex()
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a token or session id: its SHA-256.
pub fn hash_token(token: &str) -> Sha256 {
    Sha256(sha2::Sha256::digest(token.as_bytes()).into())
}

/// Who the bearer `token` stands for.
///
/// Errors: `unauthorized` for a token that is unknown, expired or revoked.
pub async fn authenticate_token(catalog: &Catalog, token: &str) -> Result<Principal, AppError> {
    catalog
        .store
        .authenticate(&hash_token(token))
        .await?
        .ok_or_else(AppError::unauthorized)
}

/// Who the session `id` stands for; `None` once it has ended (logged out, idle or old).
pub async fn authenticate_session(
    catalog: &Catalog,
    id: &str,
) -> Result<Option<Principal>, AppError> {
    let limits = session_limits(&catalog.settings);
    Ok(catalog.store.session(&hash_token(id), limits).await?)
}

/// The session limits from the settings (`sessions.*`).
pub fn session_limits(settings: &Settings) -> SessionLimits {
    SessionLimits {
        idle: Duration::from_secs(settings.sessions.idle_timeout_seconds),
        max_age: Duration::from_secs(settings.sessions.max_age_seconds),
    }
}

/// Hashes a password into an argon2id PHC string, on the blocking pool.
///
/// Errors: only if the blocking pool is gone (shutdown).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hash password: {e}"))
    })
    .await?
}

/// Whether `password` matches the PHC string `hash` (`None`: an unknown user, checked
/// against a decoy so the answer takes as long). Runs on the blocking pool.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let known = hash.is_some();
    let checked = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DECOY.to_owned());
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await;
    known && checked.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"));
        assert!(verify_password("correct horse".into(), Some(hash.clone())).await);
        assert!(!verify_password("battery staple".into(), Some(hash)).await);
        assert!(!verify_password("anything".into(), None).await);
        assert!(!verify_password("x".into(), Some("not a hash".into())).await);
    }

    #[test]
    fn tokens_are_prefixed_random_and_stored_hashed() {
        let (a, b) = (generate_token(), generate_token());
        assert!(a.starts_with("mlk_") && a.len() == 68, "{a}");
        assert_ne!(a, b);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
    }
}
