//! Signed delivery URLs: a time-limited link to a private original or variant that works
//! without a token (see [`crate::signing`]).

use medialib_core::access::Principal;
use medialib_core::{AppError, AssetId, Timestamp};

use crate::Catalog;
use crate::paths::{original_path, variant_path};
use crate::signing::Signer;

/// A signed delivery path (`/files/…?exp=…&kid=…&sig=…`, root-relative) for the original
/// of asset `id` or one of its variants, valid for `ttl` seconds
/// (`signing.default_ttl_seconds` when `None`, at most `signing.max_ttl_seconds`), and
/// when it expires.
///
/// `variant` names a variant as `name` or `name.ext` (`thumbnail`, `thumbnail.webp`).
///
/// Errors: `invalid_request` for a ttl out of range; `not_found` for an asset the
/// caller cannot see, one in the trash, or an unknown variant.
pub async fn issue(
    catalog: &Catalog,
    signer: &Signer,
    caller: &Principal,
    id: AssetId,
    variant: Option<&str>,
    ttl: Option<u64>,
) -> Result<(String, Timestamp), AppError> {
    let ttl = check_ttl(catalog, ttl)?.unwrap_or(catalog.settings.signing.default_ttl_seconds);
    let asset = crate::assets::get(catalog, caller, id).await?;
    if asset.deleted_at.is_some() {
        return Err(AppError::not_found(format!(
            "asset {id} (it is in the trash)"
        )));
    }
    let path = match variant {
        None => original_path(&asset),
        Some(wanted) => {
            let (name, ext) = match wanted.rsplit_once('.') {
                Some((name, ext)) => (name, Some(ext)),
                None => (wanted, None),
            };
            let variant = catalog
                .store
                .list_variants(asset.id)
                .await?
                .into_iter()
                .find(|v| v.name == name && ext.is_none_or(|e| v.format.extension() == e))
                .ok_or_else(|| AppError::not_found(format!("variant {wanted:?}")))?;
            variant_path(&variant)
        }
    };
    let expires_at = crate::signing::expiry(ttl);
    let query = signer.sign(&path, expires_at.unix_timestamp());
    Ok((format!("{path}?{query}"), expires_at))
}

/// Checks a requested lifetime for signed URLs, in seconds: 1 to
/// `signing.max_ttl_seconds`. Errors: `invalid_request` naming the limit.
pub fn check_ttl(catalog: &Catalog, ttl: Option<u64>) -> Result<Option<u64>, AppError> {
    let max = catalog.settings.signing.max_ttl_seconds;
    match ttl {
        Some(ttl) if !(1..=max).contains(&ttl) => Err(AppError::invalid(format!(
            "ttl = {ttl} must be between 1 and {max} seconds"
        ))),
        ttl => Ok(ttl),
    }
}
