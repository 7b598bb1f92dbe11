//! Where assets are used, and their perceptual hashes for near-duplicate search.

use medialib_core::organise::{Usage, UsageRef};
use medialib_core::{AssetId, NamespaceId, StoreError};

use super::assets::id_bytes;
use super::backend;
use super::rows::{from_ms, now_ms, uuid};

pub(crate) async fn record(
    pool: &sqlx::SqlitePool,
    asset: AssetId,
    usage: &UsageRef,
) -> Result<Usage, StoreError> {
    let now = now_ms();
    let (created_at, last_used_at): (i64, i64) = sqlx::query_as(
        "INSERT INTO usage (asset_id, entity_type, entity_id, usage_type, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (asset_id, entity_type, entity_id, usage_type)
         DO UPDATE SET last_used_at = excluded.last_used_at
         RETURNING created_at, last_used_at",
    )
    .bind(id_bytes(asset))
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
    pool: &sqlx::SqlitePool,
    asset: AssetId,
    entity_type: &str,
    entity_id: &str,
    usage_type: Option<&str>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM usage WHERE asset_id = ? AND entity_type = ? AND entity_id = ?
            AND (?4 IS NULL OR usage_type = ?4)",
    )
    .bind(id_bytes(asset))
    .bind(entity_type)
    .bind(entity_id)
    .bind(usage_type)
    .execute(pool)
    .await
    .map_err(backend("remove usage"))?;
    Ok(done.rows_affected())
}

pub(crate) async fn list(
    pool: &sqlx::SqlitePool,
    asset: AssetId,
) -> Result<Vec<Usage>, StoreError> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT entity_type, entity_id, usage_type, created_at, last_used_at FROM usage
         WHERE asset_id = ? ORDER BY last_used_at DESC, entity_type, entity_id, usage_type",
    )
    .bind(id_bytes(asset))
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
    pool: &sqlx::SqlitePool,
    namespace: NamespaceId,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<AssetId>, StoreError> {
    let ids: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT asset.id FROM usage JOIN asset ON asset.id = usage.asset_id
         WHERE usage.entity_type = ? AND usage.entity_id = ? AND asset.namespace_id = ?
           AND asset.deleted_at IS NULL
         GROUP BY asset.id ORDER BY max(usage.last_used_at) DESC, asset.id",
    )
    .bind(entity_type)
    .bind(entity_id)
    .bind(namespace.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list assets used by an entity"))?;
    ids.into_iter().map(|b| uuid(b).map(AssetId)).collect()
}

pub(crate) async fn perceptual_hashes(
    pool: &sqlx::SqlitePool,
    ns: NamespaceId,
) -> Result<Vec<(AssetId, u64)>, StoreError> {
    let rows: Vec<(Vec<u8>, i64)> = sqlx::query_as(
        "SELECT id, phash FROM asset
         WHERE namespace_id = ? AND deleted_at IS NULL AND phash IS NOT NULL ORDER BY id",
    )
    .bind(ns.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list perceptual hashes"))?;
    rows.into_iter()
        .map(|(id, hash)| Ok((AssetId(uuid(id)?), hash as u64)))
        .collect()
}
