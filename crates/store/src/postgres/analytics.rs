//! Delivery counts and the reports built on them and on the asset table.

use std::collections::BTreeMap;

use async_trait::async_trait;
use medialib_core::store::{
    AnalyticsStore, AssetViews, DayUploads, DeliveryCount, KindStorage, NamespaceStorage,
    NamespaceUsage, StorageReport,
};
use medialib_core::{AssetId, NamespaceId, StoreError, Timestamp};
use sqlx::PgPool;
use uuid::Uuid;

use super::{PgStore, backend};

const DAY_MS: i64 = 86_400_000;

#[async_trait]
impl AnalyticsStore for PgStore {
    async fn record_deliveries(&self, counts: &[DeliveryCount]) -> Result<(), StoreError> {
        record_deliveries(&self.pool, counts).await
    }

    async fn namespace_usage(&self, namespace: NamespaceId) -> Result<NamespaceUsage, StoreError> {
        usage(&self.pool, namespace).await
    }

    async fn retention_candidates(
        &self,
        namespace: NamespaceId,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<AssetId>, StoreError> {
        retention_candidates(&self.pool, namespace, since, limit).await
    }

    async fn storage_report(&self, namespace: NamespaceId) -> Result<StorageReport, StoreError> {
        storage(&self.pool, namespace).await
    }

    async fn uploads_per_day(
        &self,
        namespace: NamespaceId,
        from_day: i64,
    ) -> Result<Vec<DayUploads>, StoreError> {
        uploads_per_day(&self.pool, namespace, from_day).await
    }

    async fn top_assets(
        &self,
        namespace: NamespaceId,
        from_day: i64,
        limit: u32,
    ) -> Result<Vec<AssetViews>, StoreError> {
        top_assets(&self.pool, namespace, from_day, limit).await
    }
}

pub(crate) async fn record_deliveries(
    pool: &PgPool,
    counts: &[DeliveryCount],
) -> Result<(), StoreError> {
    if counts.is_empty() {
        return Ok(());
    }
    // One row per asset and day (an upsert may not touch a row twice in a statement),
    // in key order: concurrent batches then lock the rows they share in the same order
    // and cannot deadlock.
    let mut merged: BTreeMap<(Uuid, i64), (u64, u64)> = BTreeMap::new();
    for c in counts {
        let total = merged.entry((c.asset.0, c.day)).or_default();
        total.0 = total.0.saturating_add(c.views);
        total.1 = total.1.saturating_add(c.bytes);
    }
    let mut assets = Vec::with_capacity(merged.len());
    let mut days = Vec::with_capacity(merged.len());
    let mut views = Vec::with_capacity(merged.len());
    let mut bytes = Vec::with_capacity(merged.len());
    for ((asset, day), (v, b)) in merged {
        assets.push(asset);
        days.push(day);
        views.push(v as i64);
        bytes.push(b as i64);
    }
    // An asset purged since it was served has nowhere to count: skip it. The key-share
    // lock makes a purge in progress finish first, so its asset is then skipped rather
    // than the batch failing on the reference.
    sqlx::query(
        "INSERT INTO delivery_stat (asset_id, day, views, bytes)
         SELECT c.asset_id, c.day, c.views, c.bytes
         FROM unnest($1::UUID[], $2::BIGINT[], $3::BIGINT[], $4::BIGINT[])
              AS c (asset_id, day, views, bytes)
         WHERE EXISTS (SELECT 1 FROM asset a WHERE a.id = c.asset_id FOR KEY SHARE)
         ORDER BY c.asset_id, c.day
         ON CONFLICT (asset_id, day) DO UPDATE SET
            views = delivery_stat.views + excluded.views,
            bytes = delivery_stat.bytes + excluded.bytes",
    )
    .bind(&assets)
    .bind(&days)
    .bind(&views)
    .bind(&bytes)
    .execute(pool)
    .await
    .map_err(backend("record deliveries"))?;
    Ok(())
}

pub(crate) async fn usage(pool: &PgPool, ns: NamespaceId) -> Result<NamespaceUsage, StoreError> {
    let (bytes, assets, quota_bytes, quota_assets): (i64, i64, Option<i64>, Option<i64>) =
        sqlx::query_as(
            "SELECT (SELECT coalesce(sum(size), 0)::BIGINT FROM blob WHERE namespace_id = n.id),
                (SELECT count(*) FROM asset WHERE namespace_id = n.id AND deleted_at IS NULL),
                n.quota_bytes, n.quota_assets
             FROM namespace n WHERE n.id = $1",
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

pub(crate) async fn storage(pool: &PgPool, ns: NamespaceId) -> Result<StorageReport, StoreError> {
    // Text order is byte order (`COLLATE "C"`), as in SQLite, whatever the database's
    // locale.
    let kinds: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        r#"SELECT a.kind, count(*), coalesce(sum(a.size), 0)::BIGINT,
              coalesce(sum(v.bytes), 0)::BIGINT
           FROM asset a
           LEFT JOIN LATERAL (SELECT sum(size) AS bytes FROM variant WHERE asset_id = a.id) v
             ON true
           WHERE a.namespace_id = $1 AND a.deleted_at IS NULL
           GROUP BY a.kind ORDER BY a.kind COLLATE "C""#,
    )
    .bind(ns.0)
    .fetch_all(pool)
    .await
    .map_err(backend("storage by kind"))?;
    let trash: (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(size), 0)::BIGINT FROM asset
         WHERE namespace_id = $1 AND deleted_at IS NOT NULL",
    )
    .bind(ns.0)
    .fetch_one(pool)
    .await
    .map_err(backend("storage in trash"))?;
    let namespaces: Vec<(String, i64, i64)> = sqlx::query_as(
        r#"SELECT n.slug,
              (SELECT count(*) FROM asset a
               WHERE a.namespace_id = n.id AND a.deleted_at IS NULL),
              (SELECT coalesce(sum(b.size), 0)::BIGINT FROM blob b WHERE b.namespace_id = n.id)
           FROM namespace n ORDER BY n.slug COLLATE "C""#,
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
    pool: &PgPool,
    ns: NamespaceId,
    from_day: i64,
) -> Result<Vec<DayUploads>, StoreError> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT created_at / $1 AS day, count(*), coalesce(sum(size), 0)::BIGINT FROM asset
         WHERE namespace_id = $2 AND created_at >= $3 GROUP BY day ORDER BY day",
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
    pool: &PgPool,
    ns: NamespaceId,
    from_day: i64,
    limit: u32,
) -> Result<Vec<AssetViews>, StoreError> {
    let rows: Vec<(Uuid, i64, i64)> = sqlx::query_as(
        "SELECT ds.asset_id, sum(ds.views)::BIGINT AS total_views, sum(ds.bytes)::BIGINT
         FROM delivery_stat ds JOIN asset a ON a.id = ds.asset_id
         WHERE a.namespace_id = $1 AND a.deleted_at IS NULL AND ds.day >= $2
         GROUP BY ds.asset_id ORDER BY total_views DESC, ds.asset_id LIMIT $3",
    )
    .bind(ns.0)
    .bind(from_day)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend("top assets"))?;
    Ok(rows
        .into_iter()
        .map(|(id, views, bytes)| AssetViews {
            asset: AssetId(id),
            views: views as u64,
            bytes: bytes as u64,
        })
        .collect())
}

pub(crate) async fn retention_candidates(
    pool: &PgPool,
    ns: NamespaceId,
    since: Timestamp,
    limit: u32,
) -> Result<Vec<AssetId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT a.id FROM asset a
         WHERE a.namespace_id = $1 AND a.deleted_at IS NULL AND a.created_at < $2
           AND NOT EXISTS (SELECT 1 FROM usage u WHERE u.asset_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM delivery_stat d WHERE d.asset_id = a.id AND d.day >= $3)
         ORDER BY a.created_at, a.id LIMIT $4",
    )
    .bind(ns.0)
    .bind(super::rows::to_ms(since))
    .bind(medialib_core::store::epoch_day(since))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend("find retention candidates"))?;
    Ok(ids.into_iter().map(AssetId).collect())
}
