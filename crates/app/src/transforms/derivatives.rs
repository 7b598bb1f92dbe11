//! Derivatives as records: listing and deleting an asset's stored results, eviction by
//! age and total size, and writing last-access times in batches.

use medialib_core::access::{Access, Principal};
use medialib_core::derivative::Derivative;
use medialib_core::{AppError, AssetId, StorageKey, Timestamp};

use super::Transforms;
use crate::Catalog;
use crate::access::authorize::{require, require_change};

/// Evicted per database round.
const EVICT_BATCH: u32 = 200;

/// The stored results of asset `id`, most recently used first.
///
/// Errors: `not_found` for an asset the caller cannot see.
pub async fn list(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
) -> Result<Vec<Derivative>, AppError> {
    require(caller, Access::Read)?;
    let asset = crate::assets::get(catalog, caller, id).await?;
    Ok(catalog.store.list_derivatives(asset.id).await?)
}

/// Deletes asset `id`'s stored results (only `cache_key`'s when given), rows first, then
/// their bytes; returns how many. They are rendered again when next requested.
///
/// Errors: `forbidden` without write access to the asset, `not_found`.
pub async fn delete(
    catalog: &Catalog,
    transforms: &Transforms,
    caller: &Principal,
    id: AssetId,
    cache_key: Option<&str>,
) -> Result<usize, AppError> {
    let asset = crate::assets::get(catalog, caller, id).await?;
    require_change(caller, &asset)?;
    let removed = catalog
        .store
        .delete_derivatives(asset.id, cache_key)
        .await?;
    if let Some(key) = cache_key
        && removed.is_empty()
    {
        return Err(AppError::not_found(format!("derivative {key:?}")));
    }
    remove_bytes(catalog, transforms, &removed).await?;
    Ok(removed.len())
}

/// Evicts results not requested for `transforms.cache_ttl_days`, then the least recently
/// used beyond `transforms.cache_max_bytes`; returns how many.
pub async fn evict(catalog: &Catalog, transforms: &Transforms) -> Result<usize, AppError> {
    let settings = &catalog.settings.transforms;
    let unused_since =
        Timestamp::now_utc() - time::Duration::days(i64::from(settings.cache_ttl_days));
    let mut evicted = 0;
    loop {
        let batch = catalog
            .store
            .derivatives_to_evict(unused_since, settings.cache_max_bytes, EVICT_BATCH)
            .await?;
        if batch.is_empty() {
            return Ok(evicted);
        }
        let mut removed = Vec::with_capacity(batch.len());
        for d in batch {
            removed.extend(
                catalog
                    .store
                    .delete_derivatives(d.asset_id, Some(&d.cache_key))
                    .await?,
            );
        }
        remove_bytes(catalog, transforms, &removed).await?;
        evicted += removed.len();
    }
}

/// Writes the last access of the results requested since the last flush.
pub async fn flush_access(catalog: &Catalog, transforms: &Transforms) -> Result<(), AppError> {
    let touched = transforms.take_touched();
    if touched.is_empty() {
        return Ok(());
    }
    catalog
        .store
        .touch_derivatives(&touched, Timestamp::now_utc())
        .await?;
    Ok(())
}

async fn remove_bytes(
    catalog: &Catalog,
    transforms: &Transforms,
    removed: &[Derivative],
) -> Result<(), AppError> {
    for d in removed {
        transforms.unknow(d.asset_id, &d.cache_key);
        catalog
            .blobs
            .delete(&StorageKey::from_stored(d.storage_key.clone()))
            .await?;
    }
    Ok(())
}
