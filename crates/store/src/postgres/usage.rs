//! Where assets are used, and their perceptual hashes for near-duplicate search.

use medialib_core::organise::{Usage, UsageRef};
use medialib_core::{AssetId, NamespaceId, StoreError};
use uuid::Uuid;

use super::backend;
use super::rows::{from_ms, now_ms};

pub(crate) async fn record(
    pool: &sqlx::PgPool,
    asset: AssetId,
    usage: &UsageRef,
) -> Result<Usage, StoreError> {
    let now = now_ms();
    // Concurrent records of one usage: the upsert takes the row lock, so both succeed
    // and the later time wins.
    let (created_at, last_used_at): (i64, i64) = sqlx::query_as(
        "INSERT INTO usage (asset_id, entity_type, entity_id, usage_type, created_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (asset_id, entity_type, entity_id, usage_type)
         DO UPDATE SET last_used_at = excluded.last_used_at
         RETURNING created_at, last_used_at",
    )
    .bind(asset.0)
    .bind(&usage.entity_type)
    .bind(&usage.entity_id)
    .bind(&usage.usage_type)
    .bind(now)
    .bind(now)
    .fetch_one(pool)
    .await
    .map_err(backend("record usage"))?;
    Ok(Usage {
        asset,
        usage: usage.clone(),
        created_at: from_ms(created_at),
        last_used_at: from_ms(last_used_at),
    })
}

pub(crate) async fn remove(
    pool: &sqlx::PgPool,
    asset: AssetId,
    entity_type: &str,
    entity_id: &str,
    usage_type: Option<&str>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM usage WHERE asset_id = $1 AND entity_type = $2 AND entity_id = $3
            AND ($4::TEXT IS NULL OR usage_type = $4)",
    )
    .bind(asset.0)
    .bind(entity_type)
    .bind(entity_id)
    .bind(usage_type)
    .execute(pool)
    .await
    .map_err(backend("remove usage"))?;
    Ok(done.rows_affected())
}

pub(crate) async fn list(pool: &sqlx::PgPool, asset: AssetId) -> Result<Vec<Usage>, StoreError> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT entity_type, entity_id, usage_type, created_at, last_used_at FROM usage
         WHERE asset_id = $1
         ORDER BY last_used_at DESC, entity_type COLLATE \"C\", entity_id COLLATE \"C\",
             usage_type COLLATE \"C\"",
    )
    .bind(asset.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list usage"))?;
    Ok(rows
        .into_iter()
        .map(
            |(entity_type, entity_id, usage_type, created_at, last_used_at)| Usage {
                asset,
                usage: UsageRef {
                    entity_type,
                    entity_id,
                    usage_type,
                },
                created_at: from_ms(created_at),
                last_used_at: from_ms(last_used_at),
            },
        )
        .collect())
}

pub(crate) async fn used_by(
    pool: &sqlx::PgPool,
    namespace: NamespaceId,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<AssetId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT asset.id FROM usage JOIN asset ON asset.id = usage.asset_id
         WHERE usage.entity_type = $1 AND usage.entity_id = $2 AND asset.namespace_id = $3
           AND asset.deleted_at IS NULL
         GROUP BY asset.id ORDER BY max(usage.last_used_at) DESC, asset.id",
    )
    .bind(entity_type)
    .bind(entity_id)
    .bind(namespace.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list assets used by an entity"))?;
    Ok(ids.into_iter().map(AssetId).collect())
}

pub(crate) async fn perceptual_hashes(
    pool: &sqlx::PgPool,
    ns: NamespaceId,
) -> Result<Vec<(AssetId, u64)>, StoreError> {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT id, phash FROM asset
         WHERE namespace_id = $1 AND deleted_at IS NULL AND phash IS NOT NULL ORDER BY id",
    )
    .bind(ns.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list perceptual hashes"))?;
    Ok(rows
        .into_iter()
        .map(|(id, hash)| (AssetId(id), hash as u64))
        .collect())
}
