//! Actions on many assets in one transaction (tag, delete, restore, collect…) and the
//! trash purge.

use medialib_core::organise::CollectionId;
use medialib_core::store::{BulkAction, BulkRefusal, BulkReport, Unreferenced};
use medialib_core::{AssetId, NamespaceId, StoreError, Timestamp};
use sqlx::{Sqlite, SqlitePool};

use super::assets::{self, id_bytes};
use super::rows::{now_ms, to_ms, uuid};
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
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    ns: NamespaceId,
    id: AssetId,
) -> Result<Option<State>, StoreError> {
    let row: Option<(Option<i64>, Vec<u8>, i64, bool)> = sqlx::query_as(
        "SELECT deleted_at, sha256, (SELECT count(*) FROM usage WHERE usage.asset_id = asset.id),
                coalesce(moderation IN ('held', 'rejected'), false)
         FROM asset WHERE id = ? AND namespace_id = ?",
    )
    .bind(id_bytes(id))
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

/// Checks one asset against the action and, when allowed, applies the per-asset part.
async fn apply_one(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
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
            let live: Option<Vec<u8>> = sqlx::query_scalar(
                "SELECT id FROM asset WHERE namespace_id = ? AND sha256 = ? AND deleted_at IS NULL",
            )
            .bind(ns.0)
            .bind(&asset.sha256)
            .fetch_optional(&mut **tx)
            .await
            .map_err(backend("find live duplicate"))?;
            if let Some(existing) = live {
                return Ok(Err(BulkRefusal::LiveDuplicate {
                    existing: AssetId(uuid(existing)?),
                }));
            }
            set(tx, id, Assignment::Restore, now).await?;
            return Ok(Ok(()));
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
            sqlx::query("UPDATE asset SET deleted_at = ?1, updated_at = ?1 WHERE id = ?2")
                .bind(now)
                .bind(id_bytes(id))
                .execute(&mut **tx)
                .await
                .map_err(backend("delete asset"))?;
        }
        BulkAction::SetPublic(true) if asset.held => {
            return Ok(Err(BulkRefusal::HeldByModeration));
        }
        BulkAction::SetPublic(public) => {
            let assignment = if *public {
                Assignment::Public
            } else {
                Assignment::Private
            };
            set(tx, id, assignment, now).await?;
        }
        // Restore returned above; collection membership is written once for all assets,
        // after the checks.
        BulkAction::Restore
        | BulkAction::AddToCollection(_)
        | BulkAction::RemoveFromCollection(_) => {}
    }
    Ok(Ok(()))
}

/// The per-asset updates of bulk actions.
enum Assignment {
    Restore,
    Public,
    Private,
}

async fn set(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: AssetId,
    assignment: Assignment,
    now: i64,
) -> Result<(), StoreError> {
    let sql = match assignment {
        Assignment::Restore => "UPDATE asset SET deleted_at = NULL, updated_at = ? WHERE id = ?",
        Assignment::Public => "UPDATE asset SET is_public = 1, updated_at = ? WHERE id = ?",
        Assignment::Private => "UPDATE asset SET is_public = 0, updated_at = ? WHERE id = ?",
    };
    sqlx::query(sql)
        .bind(now)
        .bind(id_bytes(id))
        .execute(&mut **tx)
        .await
        .map_err(backend("update asset"))?;
    Ok(())
}

/// Fails with `NotFound` unless the collection belongs to the namespace.
async fn check_collection(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    ns: NamespaceId,
    id: CollectionId,
) -> Result<(), StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM collection WHERE id = ? AND namespace_id = ?")
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
    pool: &SqlitePool,
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
                let members: Vec<Vec<u8>> = sqlx::query_scalar(
                    "SELECT asset_id FROM collection_item WHERE collection_id = ?",
                )
                .bind(c.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend("read collection"))?;
                // Assets already in the collection keep their place.
                let new: Vec<AssetId> = unique
                    .iter()
                    .copied()
                    .filter(|a| !members.contains(&id_bytes(*a)))
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
    pool: &SqlitePool,
    deleted_before: Timestamp,
    limit: u32,
) -> Result<Option<Unreferenced>, StoreError> {
    let ids: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT id FROM asset WHERE deleted_at IS NOT NULL AND deleted_at < ?
         ORDER BY deleted_at LIMIT ?",
    )
    .bind(to_ms(deleted_before))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend("find expired trash"))?;
    if ids.is_empty() {
        return Ok(None);
    }
    let mut keys = Vec::new();
    for id in ids {
        if let Some(unreferenced) = assets::purge(pool, AssetId(uuid(id)?)).await? {
            keys.extend(unreferenced.keys);
        }
    }
    Ok(Some(Unreferenced { keys }))
}
