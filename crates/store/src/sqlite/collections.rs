//! Collections and their ordered items.
//!
//! Positions are dense (0, 1, 2…) and rewritten in one transaction on every change, so an
//! item's position is its index in the order. Items whose asset is in the trash keep their
//! place but are not listed or counted.

use medialib_core::organise::{Collection, CollectionId, CollectionItem, slugify};
use medialib_core::store::{CollectionPatch, NewCollection};
use medialib_core::{AssetId, NamespaceId, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::assets::id_bytes;
use super::rows::{self, from_ms, now_ms, uuid};
use super::tags::slug_conflict;
use super::{backend, begin_write};

macro_rules! collection_columns {
    () => {
        "c.id, c.namespace_id, c.title, c.slug, c.description, c.kind, \
     c.color, c.is_public, c.cover_asset_id, c.watermark, c.created_at, c.updated_at, \
     (SELECT count(*) FROM collection_item ci JOIN asset a ON a.id = ci.asset_id \
      WHERE ci.collection_id = c.id AND a.deleted_at IS NULL) AS item_count, \
     (SELECT coalesce(sum(a.size), 0) FROM collection_item ci JOIN asset a ON a.id = ci.asset_id \
      WHERE ci.collection_id = c.id AND a.deleted_at IS NULL) AS total_bytes"
    };
}

fn collection(row: &SqliteRow) -> Result<Collection, StoreError> {
    let cover: Option<Vec<u8>> = rows::get(row, "cover_asset_id")?;
    Ok(Collection {
        id: CollectionId(rows::get(row, "id")?),
        namespace: NamespaceId(rows::get(row, "namespace_id")?),
        title: rows::get(row, "title")?,
        slug: rows::get(row, "slug")?,
        description: rows::get(row, "description")?,
        kind: rows::get(row, "kind")?,
        color: rows::get(row, "color")?,
        is_public: rows::get(row, "is_public")?,
        cover_asset: cover.map(uuid).transpose()?.map(AssetId),
        watermark: rows::get(row, "watermark")?,
        item_count: rows::get::<i64>(row, "item_count")? as u64,
        total_bytes: rows::get::<i64>(row, "total_bytes")? as u64,
        created_at: from_ms(rows::get(row, "created_at")?),
        updated_at: from_ms(rows::get(row, "updated_at")?),
    })
}

pub(crate) async fn list(
    pool: &SqlitePool,
    ns: NamespaceId,
) -> Result<Vec<Collection>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        collection_columns!(),
        " FROM collection c WHERE c.namespace_id = ?
         ORDER BY c.title COLLATE NOCASE, c.id"
    ))
    .bind(ns.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list collections"))?;
    rows.iter().map(collection).collect()
}

pub(crate) async fn of_assets(
    pool: &SqlitePool,
    ids: &[AssetId],
) -> Result<Vec<(AssetId, Collection)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(concat!(
        "SELECT ci.asset_id AS member_id, ",
        collection_columns!(),
        " FROM collection_item ci JOIN collection c ON c.id = ci.collection_id
         WHERE ci.asset_id IN ("
    ));
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id_bytes(*id));
    }
    qb.push(") ORDER BY ci.asset_id, c.title COLLATE NOCASE, c.id");
    let rows = qb
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend("list the collections of assets"))?;
    rows.iter()
        .map(|row| {
            let member = uuid(rows::get(row, "member_id")?)?;
            Ok((AssetId(member), collection(row)?))
        })
        .collect()
}

pub(crate) async fn get(
    pool: &SqlitePool,
    ns: NamespaceId,
    id: CollectionId,
) -> Result<Option<Collection>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        collection_columns!(),
        " FROM collection c WHERE c.namespace_id = ? AND c.id = ?"
    ))
    .bind(ns.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("get collection"))?;
    row.as_ref().map(collection).transpose()
}

/// Fails unless `asset` is a live asset of the namespace.
async fn check_asset(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    ns: NamespaceId,
    asset: AssetId,
) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM asset WHERE id = ? AND namespace_id = ? AND deleted_at IS NULL",
    )
    .bind(id_bytes(asset))
    .bind(ns.0)
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend("find asset"))?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("asset {asset}")))
}

pub(crate) async fn create(
    pool: &SqlitePool,
    ns: NamespaceId,
    new: &NewCollection,
) -> Result<Collection, StoreError> {
    let slug = new.slug.clone().unwrap_or_else(|| slugify(&new.title));
    let kind = if new.kind.is_empty() {
        "folder"
    } else {
        &new.kind
    };
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    if let Some(cover) = new.cover_asset {
        check_asset(&mut tx, ns, cover).await?;
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO collection (namespace_id, title, slug, description, kind, color,
            is_public, cover_asset_id, watermark, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(ns.0)
    .bind(&new.title)
    .bind(&slug)
    .bind(&new.description)
    .bind(kind)
    .bind(&new.color)
    .bind(new.is_public)
    .bind(new.cover_asset.map(id_bytes))
    .bind(&new.watermark)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(slug_conflict("collection", &slug))?;
    tx.commit().await.map_err(backend("commit"))?;
    get(pool, ns, CollectionId(id))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("collection {id}")))
}

pub(crate) async fn update(
    pool: &SqlitePool,
    ns: NamespaceId,
    id: CollectionId,
    patch: &CollectionPatch,
) -> Result<Option<Collection>, StoreError> {
    let mut tx = begin_write(pool).await?;
    if let Some(Some(cover)) = patch.cover_asset {
        check_asset(&mut tx, ns, cover).await?;
    }
    let mut qb = QueryBuilder::<Sqlite>::new("UPDATE collection SET updated_at = ");
    qb.push_bind(now_ms());
    if let Some(title) = &patch.title {
        qb.push(", title = ").push_bind(title.clone());
    }
    if let Some(slug) = &patch.slug {
        qb.push(", slug = ").push_bind(slug.clone());
    }
    if let Some(description) = &patch.description {
        qb.push(", description = ").push_bind(description.clone());
    }
    if let Some(kind) = &patch.kind {
        qb.push(", kind = ").push_bind(kind.clone());
    }
    if let Some(color) = &patch.color {
        qb.push(", color = ").push_bind(color.clone());
    }
    if let Some(is_public) = patch.is_public {
        qb.push(", is_public = ").push_bind(is_public);
    }
    if let Some(cover) = patch.cover_asset {
        qb.push(", cover_asset_id = ")
            .push_bind(cover.map(id_bytes));
    }
    if let Some(watermark) = &patch.watermark {
        qb.push(", watermark = ").push_bind(watermark.clone());
    }
    qb.push(" WHERE namespace_id = ")
        .push_bind(ns.0)
        .push(" AND id = ")
        .push_bind(id.0);
    let slug = patch.slug.as_deref().unwrap_or_default();
    let done = qb
        .build()
        .execute(&mut *tx)
        .await
        .map_err(slug_conflict("collection", slug))?;
    tx.commit().await.map_err(backend("commit"))?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    get(pool, ns, id).await
}

pub(crate) async fn delete(
    pool: &SqlitePool,
    ns: NamespaceId,
    id: CollectionId,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM collection WHERE namespace_id = ? AND id = ?")
        .bind(ns.0)
        .bind(id.0)
        .execute(pool)
        .await
        .map_err(backend("delete collection"))?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn watermark_of(
    pool: &SqlitePool,
    asset: AssetId,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar(
        "SELECT c.watermark FROM collection_item ci JOIN collection c ON c.id = ci.collection_id
         WHERE ci.asset_id = ? AND c.watermark IS NOT NULL
         ORDER BY c.title COLLATE NOCASE, c.id LIMIT 1",
    )
    .bind(id_bytes(asset))
    .fetch_optional(pool)
    .await
    .map_err(backend("find the collection watermark"))
}

pub(crate) async fn items(
    pool: &SqlitePool,
    id: CollectionId,
    offset: u32,
    limit: u32,
) -> Result<Vec<CollectionItem>, StoreError> {
    let rows: Vec<(Vec<u8>, i64, i64)> = sqlx::query_as(
        "SELECT ci.asset_id, ci.position, ci.added_at
         FROM collection_item ci JOIN asset a ON a.id = ci.asset_id
         WHERE ci.collection_id = ? AND a.deleted_at IS NULL
         ORDER BY ci.position LIMIT ? OFFSET ?",
    )
    .bind(id.0)
    .bind(i64::from(limit))
    .bind(i64::from(offset))
    .fetch_all(pool)
    .await
    .map_err(backend("list collection items"))?;
    rows.into_iter()
        .map(|(asset, position, added_at)| {
            Ok(CollectionItem {
                asset: AssetId(uuid(asset)?),
                position: position as u32,
                added_at: from_ms(added_at),
            })
        })
        .collect()
}

/// The collection's namespace, or `NotFound`.
async fn namespace_of(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: CollectionId,
) -> Result<NamespaceId, StoreError> {
    sqlx::query_scalar("SELECT namespace_id FROM collection WHERE id = ?")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend("find collection"))?
        .map(NamespaceId)
        .ok_or_else(|| StoreError::NotFound(format!("collection {}", id.0)))
}

/// The asset ids of the collection in order (trashed ones included).
async fn order(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: CollectionId,
) -> Result<Vec<Vec<u8>>, StoreError> {
    sqlx::query_scalar(
        "SELECT asset_id FROM collection_item WHERE collection_id = ? ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(&mut **tx)
    .await
    .map_err(backend("read collection order"))
}

/// Writes `assets` as the collection's order: positions 0…n-1, new items added now.
async fn write_order(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: CollectionId,
    assets: &[Vec<u8>],
) -> Result<(), StoreError> {
    let now = now_ms();
    for (position, asset) in assets.iter().enumerate() {
        sqlx::query(
            "INSERT INTO collection_item (collection_id, asset_id, position, added_at)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (collection_id, asset_id) DO UPDATE SET position = excluded.position",
        )
        .bind(id.0)
        .bind(asset)
        .bind(position as i64)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(backend("write collection order"))?;
    }
    sqlx::query("UPDATE collection SET updated_at = ? WHERE id = ?")
        .bind(now)
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .map_err(backend("touch collection"))?;
    Ok(())
}

/// Inserts (or moves) assets at a position; the caller's transaction commits.
pub(crate) async fn insert_in(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: CollectionId,
    assets: &[AssetId],
    position: Option<u32>,
) -> Result<(), StoreError> {
    let ns = namespace_of(tx, id).await?;
    for asset in assets {
        check_asset(tx, ns, *asset).await?;
    }
    let moving: Vec<Vec<u8>> = assets.iter().map(|a| id_bytes(*a)).collect();
    let mut current = order(tx, id).await?;
    current.retain(|a| !moving.contains(a));
    let at = position.map_or(current.len(), |p| (p as usize).min(current.len()));
    let mut added = Vec::with_capacity(moving.len());
    for a in moving {
        if !added.contains(&a) {
            added.push(a);
        }
    }
    current.splice(at..at, added);
    write_order(tx, id, &current).await
}

pub(crate) async fn insert(
    pool: &SqlitePool,
    id: CollectionId,
    assets: &[AssetId],
    position: Option<u32>,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    insert_in(&mut tx, id, assets, position).await?;
    tx.commit().await.map_err(backend("commit"))
}

/// Removes assets from the collection and closes the gaps; the caller commits.
pub(crate) async fn remove_in(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: CollectionId,
    assets: &[AssetId],
) -> Result<(), StoreError> {
    for asset in assets {
        sqlx::query("DELETE FROM collection_item WHERE collection_id = ? AND asset_id = ?")
            .bind(id.0)
            .bind(id_bytes(*asset))
            .execute(&mut **tx)
            .await
            .map_err(backend("remove collection item"))?;
    }
    let current = order(tx, id).await?;
    write_order(tx, id, &current).await
}

pub(crate) async fn reorder(
    pool: &SqlitePool,
    id: CollectionId,
    assets: &[AssetId],
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    namespace_of(&mut tx, id).await?;
    let wanted: Vec<Vec<u8>> = assets.iter().map(|a| id_bytes(*a)).collect();
    // Trashed items keep their relative place at the end: the order names live items.
    let live: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT ci.asset_id FROM collection_item ci JOIN asset a ON a.id = ci.asset_id
         WHERE ci.collection_id = ? AND a.deleted_at IS NULL ORDER BY ci.position",
    )
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await
    .map_err(backend("read collection order"))?;
    let mut sorted_wanted = wanted.clone();
    sorted_wanted.sort();
    sorted_wanted.dedup();
    let mut sorted_live = live.clone();
    sorted_live.sort();
    if sorted_wanted != sorted_live || wanted.len() != live.len() {
        return Err(StoreError::Conflict(format!(
            "the new order must list each of the collection's {} items exactly once \
             (got {} ids)",
            live.len(),
            wanted.len()
        )));
    }
    let mut full = wanted;
    full.extend(
        order(&mut tx, id)
            .await?
            .into_iter()
            .filter(|a| !live.contains(a)),
    );
    write_order(&mut tx, id, &full).await?;
    tx.commit().await.map_err(backend("commit"))
}
