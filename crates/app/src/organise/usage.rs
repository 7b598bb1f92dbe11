//! Usage: where an asset is used (an article, a product page), so that deleting it can
//! warn first.

use medialib_core::access::{Access, Principal};
use medialib_core::organise::{Usage, UsageRef};
use medialib_core::{AppError, AssetId};

use crate::Catalog;
use crate::access::authorize::require;

/// Longest `entity_type`, `entity_id` or `usage_type`, in characters.
const MAX_FIELD: usize = 200;

fn check(field: &str, value: &str) -> Result<(), AppError> {
    if value.trim().is_empty() || value.chars().count() > MAX_FIELD {
        return Err(AppError::invalid(format!(
            "{field} must be 1-{MAX_FIELD} characters"
        )));
    }
    Ok(())
}

/// Where the asset is used.
///
/// Errors: `not_found` when the caller cannot see the asset.
pub async fn list(
    catalog: &Catalog,
    caller: &Principal,
    asset: AssetId,
) -> Result<Vec<Usage>, AppError> {
    let asset = crate::assets::get(catalog, caller, asset).await?;
    Ok(catalog.store.list_usage(asset.id).await?)
}

/// Records that a live asset is used by `usage` (again: its `last_used_at` is renewed).
///
/// Errors: `forbidden` without write access; `not_found`, also for an asset in the
/// trash; `invalid_request` for a field that is empty or over 200 characters.
pub async fn record(
    catalog: &Catalog,
    caller: &Principal,
    asset: AssetId,
    usage: UsageRef,
) -> Result<Usage, AppError> {
    require(caller, Access::Write)?;
    let asset = crate::assets::get(catalog, caller, asset).await?;
    if asset.deleted_at.is_some() {
        return Err(AppError::not_found(format!("asset {}", asset.id)));
    }
    check("entity_type", &usage.entity_type)?;
    check("entity_id", &usage.entity_id)?;
    check("usage_type", &usage.usage_type)?;
    Ok(catalog.store.record_usage(asset.id, &usage).await?)
}

/// Removes the asset's usages by one entity (of one `usage_type`, or all).
///
/// Errors: `forbidden`; `not_found` for the asset, or when there was no such usage.
pub async fn remove(
    catalog: &Catalog,
    caller: &Principal,
    asset: AssetId,
    entity_type: &str,
    entity_id: &str,
    usage_type: Option<&str>,
) -> Result<(), AppError> {
    require(caller, Access::Write)?;
    let asset = crate::assets::get(catalog, caller, asset).await?;
    let removed = catalog
        .store
        .remove_usage(asset.id, entity_type, entity_id, usage_type)
        .await?;
    if removed == 0 {
        return Err(AppError::not_found(format!(
            "usage of asset {} by {entity_type} {entity_id}",
            asset.id
        )));
    }
    Ok(())
}
