//! Purging: rows first, then the bytes they alone referenced. The trash empties itself
//! after `maintenance.trash_retention_seconds`; editors empty it sooner, whole or a
//! chosen few.

use std::time::Duration;

use medialib_core::access::{Access, Principal, Role};
use medialib_core::store::{AssetQuery, BulkRefusal, BulkReport, Unreferenced};
use medialib_core::{AppError, AssetId, StorageKey, Timestamp};

use crate::Catalog;
use crate::access::authorize::require;
use crate::bulk::{check_ids, require_own};

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

/// Purges each asset, then the bytes it alone referenced; returns how many were purged
/// (ids already gone are skipped).
pub(crate) async fn purge_each(catalog: &Catalog, ids: &[AssetId]) -> Result<u64, AppError> {
    let mut purged = 0;
    for id in ids {
        if let Some(unreferenced) = catalog.store.purge_asset(*id).await? {
            delete_unreferenced(catalog, unreferenced).await?;
            purged += 1;
        }
    }
    Ok(purged)
}

/// Deletes assets in the trash for good, with the bytes only they held: all of `ids`
/// (1–1000), or none when any is refused. An id the caller's namespace does not hold is
/// `NotFound`; a live asset is `NotDeleted`, because deleting for good is two deliberate
/// steps (trash, then purge), each of which can be undone but the last.
///
/// Errors: `forbidden` without write access, or for an editor naming assets someone
/// else uploaded; `invalid_request` for too few or too many ids.
pub async fn purge_trashed(
    catalog: &Catalog,
    caller: &Principal,
    ids: &[AssetId],
) -> Result<BulkReport, AppError> {
    check_ids(caller, ids)?;
    let found = catalog.store.get_assets(ids).await?;
    require_own(caller, &found)?;
    let results: Vec<_> = ids
        .iter()
        .map(|id| {
            let asset = found
                .iter()
                .find(|a| a.id == *id && a.namespace == caller.namespace);
            let outcome = match asset {
                None => Err(BulkRefusal::NotFound),
                Some(a) if a.deleted_at.is_none() => Err(BulkRefusal::NotDeleted),
                Some(_) => Ok(()),
            };
            (*id, outcome)
        })
        .collect();
    let applied = results.iter().all(|(_, r)| r.is_ok());
    if applied {
        let purged = purge_each(catalog, ids).await?;
        tracing::info!(purged, by = caller.user.0, "trashed assets purged");
    }
    Ok(BulkReport { results, applied })
}

/// Empties the caller's trash: an admin's purges every asset in the namespace's trash,
/// an editor's the ones they uploaded. Assets trashed while it runs may stay for the
/// next time. Returns how many assets were purged.
///
/// Errors: `forbidden` without write access.
pub async fn empty_trash(catalog: &Catalog, caller: &Principal) -> Result<u64, AppError> {
    require(caller, Access::Write)?;
    let mut query = AssetQuery::newest(caller.namespace, PURGE_BATCH);
    query.filter.deleted = true;
    if caller.role != Role::Admin {
        query.filter.uploaded_by = Some(caller.user);
    }
    let mut purged = 0;
    loop {
        // Keyset pages: the cursor stays valid after its page's rows are gone.
        let page = catalog.store.list_assets(&query).await?;
        let ids: Vec<AssetId> = page.items.iter().map(|a| a.id).collect();
        purged += purge_each(catalog, &ids).await?;
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    tracing::info!(purged, by = caller.user.0, "trash emptied");
    Ok(purged)
}
