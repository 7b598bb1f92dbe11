//! Purging: rows first, then the bytes they alone referenced.

use std::time::Duration;

use medialib_core::store::Unreferenced;
use medialib_core::{AppError, StorageKey, Timestamp};

use crate::Catalog;

/// Purged per database round, so one purge never holds the write lock for long.
const PURGE_BATCH: u32 = 100;

/// Purges assets deleted longer ago than `maintenance.trash_retention_seconds`, and the
/// blobs no asset references any more. Returns how many storage keys were deleted.
pub async fn purge_trash(catalog: &Catalog) -> Result<usize, AppError> {
    let retention = Duration::from_secs(catalog.settings.maintenance.trash_retention_seconds);
    let before = Timestamp::now_utc() - retention;
    let mut deleted = 0;
    while let Some(unreferenced) = catalog.store.purge_trash(before, PURGE_BATCH).await? {
        deleted += delete_unreferenced(catalog, unreferenced).await?;
    }
    Ok(deleted)
}

/// Deletes the blobs a purge freed, then releases the purge's holds on them; returns how
/// many. Rows are gone first: a crash here leaves unreferenced blobs, never rows pointing
/// at missing bytes, and the holds expire.
pub async fn delete_unreferenced(
    catalog: &Catalog,
    unreferenced: Unreferenced,
) -> Result<usize, AppError> {
    for key in &unreferenced.keys {
        catalog
            .blobs
            .delete(&StorageKey::from_stored(key.clone()))
            .await?;
    }
    catalog.store.release_purged(&unreferenced.keys).await?;
    Ok(unreferenced.keys.len())
}
