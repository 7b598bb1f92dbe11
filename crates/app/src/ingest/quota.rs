//! Namespace quotas: bytes of originals and live assets, each from the namespace's own
//! row or else `quotas.*` in the settings. An upload over one gets 413 with the usage
//! and the limit; a duplicate costs nothing and always passes. Two uploads that race may
//! both pass: the quota is checked, not reserved.

use medialib_core::AppError;
use medialib_core::ErrorCode;
use medialib_core::NamespaceId;

use crate::Catalog;

/// The namespace's room: bytes left under its byte quota, `None` without one. Errors
/// with 413 when it cannot take one more asset (asset quota reached, or no byte left).
pub async fn room(catalog: &Catalog, namespace: NamespaceId) -> Result<Option<u64>, AppError> {
    let usage = catalog.store.namespace_usage(namespace).await?;
    let defaults = &catalog.settings.quotas;
    if let Some(limit) = usage.quota_assets.or(defaults.assets)
        && usage.assets >= limit
    {
        return Err(exceeded(format!(
            "the namespace holds {} of its {limit} assets; delete some or raise the quota",
            usage.assets
        )));
    }
    Ok(usage
        .quota_bytes
        .or(defaults.bytes)
        .map(|limit| limit.saturating_sub(usage.bytes)))
}

/// 413 unless one more asset of `bytes` bytes fits the namespace's quotas.
pub async fn check(catalog: &Catalog, namespace: NamespaceId, bytes: u64) -> Result<(), AppError> {
    match room(catalog, namespace).await? {
        Some(left) if bytes > left => Err(over_bytes(catalog, namespace, bytes).await),
        _ => Ok(()),
    }
}

/// The 413 for an upload of `bytes` bytes that does not fit the byte quota.
pub async fn over_bytes(catalog: &Catalog, namespace: NamespaceId, bytes: u64) -> AppError {
    let usage = match catalog.store.namespace_usage(namespace).await {
        Ok(usage) => usage,
        Err(e) => return e.into(),
    };
    let limit = usage
        .quota_bytes
        .or(catalog.settings.quotas.bytes)
        .unwrap_or(0);
    exceeded(format!(
        "the namespace stores {} of its {limit} bytes; this file needs {bytes} more",
        usage.bytes
    ))
}

fn exceeded(message: String) -> AppError {
    AppError::new(ErrorCode::QuotaExceeded, message)
}

/// The most bytes one upload of undeclared size into `namespace` may stream:
/// `limits.max_upload_bytes`, or less when the byte quota has less room.
pub async fn upload_limit(catalog: &Catalog, namespace: NamespaceId) -> Result<u64, AppError> {
    let max = catalog.settings.limits.max_upload_bytes;
    let room = room(catalog, namespace).await?;
    Ok(room.map_or(max, |room| room.min(max)))
}
