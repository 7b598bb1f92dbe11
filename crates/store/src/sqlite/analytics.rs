//! Delivery counts and the reports built on them and on the asset table.

use medialib_core::store::{
    AssetViews, DayUploads, DeliveryCount, KindStorage, NamespaceStorage, NamespaceUsage,
    StorageReport,
};
use medialib_core::{AssetId, NamespaceId, StoreError, Timestamp};
use sqlx::SqlitePool;

use super::assets::id_bytes;
use super::rows::uuid;
use super::{backend, begin_write};

const DAY_MS: i64 = 86_400_000;

pub(crate) async fn record_deliveries(
    pool: &SqlitePool,
    counts: &[DeliveryCount],
) -> Result<(), StoreError> {
    if counts.is_empty() {
        return Ok(());
    }
    let mut tx = begin_write(pool).await?;
    for c in counts {
        // An asset purged since it was served has nowhere to count: skip it.
        sqlx::query(
            "INSERT INTO delivery_stat (asset_id, day, views, bytes)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM asset WHERE id = ?1)
             ON CONFLICT (asset_id, day) DO UPDATE SET
                views = views + excluded.views, bytes = bytes + excluded.bytes",
        )
        .bind(id_bytes(c.asset))
        .bind(c.day)
        .bind(c.views as i64)
        .bind(c.bytes as i64)
        .execute(&mut *tx)
        .await
        .map_err(backend("record deliveries"))?;
    }
    tx.commit().await.map_err(backend("commit"))
}

pub(crate) async fn usage(
    pool: &SqlitePool,
    ns: NamespaceId,
) -> Result<NamespaceUsage, StoreError> {
    let (bytes, assets, quota_bytes, quota_assets): (i64, i64, Option<i64>, Option<i64>) =
        sqlx::query_as(
            "SELECT (SELECT coalesce(sum(size), 0) FROM blob WHERE namespace_id = n.id),
                (SELECT count(*) FROM asset INDEXED BY asset_live_facets
                 WHERE namespace_id = n.id AND deleted_at IS NULL),
                n.quota_bytes, n.quota_assets
             FROM namespace n WHERE n.id = ?",
        )
        .bind(ns.0)
        .fetch_optional(pool)
        .await
        .map_err(backend("namespace usage"))?
        .ok_or_else(|| StoreError::NotFound(format!("namespace {}", ns.0)))?;
    Ok(NamespaceUsage {
        bytes: bytes as u64,
        assets: assets as u64,
        quota_bytes: quota_bytes.map(|q| q as u64),
        quota_assets: quota_assets.map(|q| q as u64),
    })
}

pub(crate) async fn storage(
    pool: &SqlitePool,
    ns: NamespaceId,
) -> Result<StorageReport, StoreError> {
    let kinds: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT kind, count(*), coalesce(sum(size), 0),
            coalesce(sum((SELECT sum(v.size) FROM variant v WHERE v.asset_id = asset.id)), 0)
         FROM asset WHERE namespace_id = ? AND deleted_at IS NULL GROUP BY kind ORDER BY kind",
    )
    .bind(ns.0)
    .fetch_all(pool)
    .await
    .map_err(backend("storage by kind"))?;
    let trash: (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(size), 0) FROM asset
         WHERE namespace_id = ? AND deleted_at IS NOT NULL",
    )
    .bind(ns.0)
    .fetch_one(pool)
    .await
    .map_err(backend("storage in trash"))?;
    let namespaces: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT n.slug,
            (SELECT count(*) FROM asset a WHERE a.namespace_id = n.id AND a.deleted_at IS NULL),
            (SELECT coalesce(sum(b.size), 0) FROM blob b WHERE b.namespace_id = n.id)
         FROM namespace n ORDER BY n.slug",
    )
    .fetch_all(pool)
    .await
    .map_err(backend("storage by namespace"))?;
    let by_kind = kinds
        .into_iter()
        .map(|(kind, assets, bytes, variant_bytes)| {
            Ok(KindStorage {
                kind: kind
                    .parse()
                    .map_err(|e| StoreError::Backend(format!("asset kind: {e}")))?,
                assets: assets as u64,
                bytes: bytes as u64,
                variant_bytes: variant_bytes as u64,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(StorageReport {
        by_kind,
        trash: (trash.0 as u64, trash.1 as u64),
        by_namespace: namespaces
            .into_iter()
            .map(|(namespace, assets, blob_bytes)| NamespaceStorage {
                namespace,
                assets: assets as u64,
                blob_bytes: blob_bytes as u64,
            })
            .collect(),
    })
}

pub(crate) async fn uploads_per_day(
    pool: &SqlitePool,
    ns: NamespaceId,
    from_day: i64,
) -> Result<Vec<DayUploads>, StoreError> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT created_at / ?1 AS day, count(*), coalesce(sum(size), 0) FROM asset
         WHERE namespace_id = ?2 AND created_at >= ?3 GROUP BY day ORDER BY day",
    )
    .bind(DAY_MS)
    .bind(ns.0)
    .bind(from_day * DAY_MS)
    .fetch_all(pool)
    .await
    .map_err(backend("uploads per day"))?;
    Ok(rows
        .into_iter()
        .map(|(day, assets, bytes)| DayUploads {
            day,
            assets: assets as u64,
            bytes: bytes as u64,
        })
        .collect())
}

pub(crate) async fn top_assets(
    pool: &SqlitePool,
    ns: NamespaceId,
    from_day: i64,
    limit: u32,
) -> Result<Vec<AssetViews>, StoreError> {
    let rows: Vec<(Vec<u8>, i64, i64)> = sqlx::query_as(
        "SELECT ds.asset_id, sum(ds.views) AS views, sum(ds.bytes)
         FROM delivery_stat ds JOIN asset a ON a.id = ds.asset_id
         WHERE a.namespace_id = ? AND a.deleted_at IS NULL AND ds.day >= ?
         GROUP BY ds.asset_id ORDER BY views DESC, ds.asset_id LIMIT ?",
    )
    .bind(ns.0)
    .bind(from_day)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend("top assets"))?;
    rows.into_iter()
        .map(|(id, views, bytes)| {
            Ok(AssetViews {
                asset: AssetId(uuid(id)?),
                views: views as u64,
                bytes: bytes as u64,
            })
        })
        .collect()
}

pub(crate) async fn retention_candidates(
    pool: &SqlitePool,
    ns: NamespaceId,
    since: Timestamp,
    limit: u32,
) -> Result<Vec<AssetId>, StoreError> {
    let ids: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT a.id FROM asset a
         WHERE a.namespace_id = ? AND a.deleted_at IS NULL AND a.created_at < ?
           AND NOT EXISTS (SELECT 1 FROM usage u WHERE u.asset_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM delivery_stat d WHERE d.asset_id = a.id AND d.day >= ?)
         ORDER BY a.created_at, a.id LIMIT ?",
    )
    .bind(ns.0)
    .bind(super::rows::to_ms(since))
    .bind(medialib_core::store::epoch_day(since))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend("find retention candidates"))?;
    ids.into_iter().map(|id| uuid(id).map(AssetId)).collect()
}
