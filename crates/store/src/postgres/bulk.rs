//! Actions on many assets in one transaction (tag, delete, restore, collect…) and the
//! trash purge.
//!
//! SQLite's one writer kept an asset as the checks saw it until the action was written.
//! Here the transaction first locks the rows of every named asset (in id order, so two
//! bulk actions on overlapping sets queue instead of deadlocking): other bulk actions and
//! purges of those assets wait for it, and so do usages recorded during a delete.

use medialib_core::organise::CollectionId;
use medialib_core::store::{BulkAction, BulkRefusal, BulkReport, Unreferenced};
use medialib_core::{AssetId, NamespaceId, StoreError, Timestamp};
use sqlx::{Acquire, PgPool, Postgres};
use uuid::Uuid;

use super::assets::{self, live_duplicate};
use super::rows::{now_ms, to_ms};
use super::{backend, begin_write, collections, tags};

/// What bulk checks need to know of one asset.
struct State {
    deleted: bool,
    sha256: Vec<u8>,
    usages: i64,
    /// Moderation holds or rejected it: it may not be made public.
    held: bool,
}

async fn state(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    id: AssetId,
) -> Result<Option<State>, StoreError> {
    let row: Option<(Option<i64>, Vec<u8>, i64, bool)> = sqlx::query_as(
        "SELECT deleted_at, sha256, (SELECT count(*) FROM usage WHERE usage.asset_id = asset.id),
                coalesce(moderation IN ('held', 'rejected'), false)
         FROM asset WHERE id = $1 AND namespace_id = $2",
    )
    .bind(id.0)
    .bind(ns.0)
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend("read asset"))?;
    Ok(row.map(|(deleted_at, sha256, usages, held)| State {
        deleted: deleted_at.is_some(),
        sha256,
        usages,
        held,
    }))
}

/// The live asset of the namespace with these bytes, if any.
async fn live_with(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    sha256: &[u8],
) -> Result<Option<AssetId>, StoreError> {
    let live: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM asset WHERE namespace_id = $1 AND sha256 = $2 AND deleted_at IS NULL",
    )
    .bind(ns.0)
    .bind(sha256)
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend("find live duplicate"))?;
    Ok(live.map(AssetId))
}

/// Takes the asset out of the trash, or names the live asset with the same bytes.
async fn restore(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    id: AssetId,
    sha256: &[u8],
    now: i64,
) -> Result<Result<(), BulkRefusal>, StoreError> {
    if let Some(existing) = live_with(tx, ns, sha256).await? {
        return Ok(Err(BulkRefusal::LiveDuplicate { existing }));
    }
    // An upload of the same bytes committed since the check breaks the unique index of
    // live assets: a savepoint keeps that from aborting the whole action, which then
    // refuses this asset as if the upload had come first.
    let mut savepoint = tx.begin().await.map_err(backend("savepoint"))?;
    let done = sqlx::query("UPDATE asset SET deleted_at = NULL, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.0)
        .execute(&mut *savepoint)
        .await;
    match done {
        Ok(_) => {
            savepoint
                .commit()
                .await
                .map_err(backend("release savepoint"))?;
            Ok(Ok(()))
        }
        Err(e) if live_duplicate(&e) => {
            savepoint
                .rollback()
                .await
                .map_err(backend("roll back to savepoint"))?;
            let existing = live_with(tx, ns, sha256).await?.ok_or_else(|| {
                StoreError::Backend("the live duplicate of a restore vanished".into())
            })?;
            Ok(Err(BulkRefusal::LiveDuplicate { existing }))
        }
        Err(e) => Err(backend("restore asset")(e)),
    }
}

/// Checks one asset against the action and, when allowed, applies the per-asset part.
async fn apply_one(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    action: &BulkAction,
    id: AssetId,
    tag_ids: &[medialib_core::organise::TagId],
) -> Result<Result<(), BulkRefusal>, StoreError> {
    let Some(asset) = state(tx, ns, id).await? else {
        return Ok(Err(BulkRefusal::NotFound));
    };
    let now = now_ms();
    match action {
        BulkAction::Restore => {
            if !asset.deleted {
                return Ok(Err(BulkRefusal::NotDeleted));
            }
            return restore(tx, ns, id, &asset.sha256, now).await;
        }
        _ if asset.deleted => return Ok(Err(BulkRefusal::NotFound)),
        _ => {}
    }
    match action {
        BulkAction::Tag {
            source, confidence, ..
        } => tags::assign(tx, id, tag_ids, *source, *confidence).await?,
        BulkAction::Untag { slugs } => tags::unassign(tx, ns, id, slugs).await?,
        BulkAction::Delete { force } => {
            if asset.usages > 0 && !force {
                return Ok(Err(BulkRefusal::InUse {
                    usages: asset.usages as u64,
                }));
            }
            sqlx::query("UPDATE asset SET deleted_at = $1, updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id.0)
                .execute(&mut **tx)
                .await
                .map_err(backend("delete asset"))?;
        }
        BulkAction::SetPublic(true) if asset.held => {
            return Ok(Err(BulkRefusal::HeldByModeration));
        }
        BulkAction::SetPublic(public) => {
            sqlx::query("UPDATE asset SET is_public = $1, updated_at = $2 WHERE id = $3")
                .bind(*public)
                .bind(now)
                .bind(id.0)
                .execute(&mut **tx)
                .await
                .map_err(backend("update asset"))?;
        }
        // Restore returned above; collection membership is written once for all assets,
        // after the checks.
        BulkAction::Restore
        | BulkAction::AddToCollection(_)
        | BulkAction::RemoveFromCollection(_) => {}
    }
    Ok(Ok(()))
}

/// Fails with `NotFound` unless the collection belongs to the namespace.
async fn check_collection(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    id: CollectionId,
) -> Result<(), StoreError> {
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM collection WHERE id = $1 AND namespace_id = $2")
            .bind(id.0)
            .bind(ns.0)
            .fetch_optional(&mut **tx)
            .await
            .map_err(backend("find collection"))?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("collection {}", id.0)))
}

pub(crate) async fn bulk(
    pool: &PgPool,
    ns: NamespaceId,
    action: &BulkAction,
    ids: &[AssetId],
) -> Result<BulkReport, StoreError> {
    let mut unique: Vec<AssetId> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let mut tx = begin_write(pool).await?;
    // The checks below run in later statements, so they see every change committed
    // before these locks were granted. A delete takes the strong lock: recording a usage
    // takes a key-share lock on its asset (the foreign key), which only FOR UPDATE
    // excludes, so the in-use check holds until commit. Other actions take the weaker
    // lock, so that a collection insert, which locks its collection and then key-shares
    // the assets, never waits on this transaction while this one waits on its collection.
    let lock = match action {
        BulkAction::Delete { .. } => {
            "SELECT 1 FROM asset WHERE id = ANY($1) ORDER BY id FOR UPDATE"
        }
        _ => "SELECT 1 FROM asset WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
    };
    let named: Vec<Uuid> = unique.iter().map(|id| id.0).collect();
    sqlx::query(lock)
        .bind(&named)
        .execute(&mut *tx)
        .await
        .map_err(backend("lock assets"))?;
    let tag_ids = match action {
        BulkAction::Tag { names, .. } => tags::ensure(&mut tx, ns, names).await?,
        _ => Vec::new(),
    };
    if let BulkAction::AddToCollection(c) | BulkAction::RemoveFromCollection(c) = action {
        check_collection(&mut tx, ns, *c).await?;
    }
    let mut results = Vec::with_capacity(unique.len());
    for id in &unique {
        results.push((*id, apply_one(&mut tx, ns, action, *id, &tag_ids).await?));
    }
    let applied = results.iter().all(|(_, r)| r.is_ok());
    if applied {
        match action {
            BulkAction::AddToCollection(c) => {
                let members: Vec<Uuid> = sqlx::query_scalar(
                    "SELECT asset_id FROM collection_item WHERE collection_id = $1",
                )
                .bind(c.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend("read collection"))?;
                // Assets already in the collection keep their place.
                let new: Vec<AssetId> = unique
                    .iter()
                    .copied()
                    .filter(|a| !members.contains(&a.0))
                    .collect();
                if !new.is_empty() {
                    collections::insert_in(&mut tx, *c, &new, None).await?;
                }
            }
            BulkAction::RemoveFromCollection(c) => {
                collections::remove_in(&mut tx, *c, &unique).await?;
            }
            _ => {}
        }
        tx.commit().await.map_err(backend("commit"))?;
    }
    // Otherwise dropping the transaction rolls every change back.
    Ok(BulkReport { results, applied })
}

pub(crate) async fn purge_trash(
    pool: &PgPool,
    deleted_before: Timestamp,
    limit: u32,
) -> Result<Option<Unreferenced>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM asset WHERE deleted_at IS NOT NULL AND deleted_at < $1
         ORDER BY deleted_at LIMIT $2",
    )
    .bind(to_ms(deleted_before))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend("find expired trash"))?;
    if ids.is_empty() {
        return Ok(None);
    }
    // One transaction per asset, as on SQLite: a purge that another process finished
    // first reports nothing (`assets::purge` locks the row and finds it gone).
    let mut keys = Vec::new();
    for id in ids {
        if let Some(unreferenced) = assets::purge(pool, AssetId(id)).await? {
            keys.extend(unreferenced.keys);
        }
    }
    Ok(Some(Unreferenced { keys }))
}
