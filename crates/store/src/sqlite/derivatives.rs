//! Derivatives: the records of stored transform results.

use async_trait::async_trait;
use medialib_core::derivative::Derivative;
use medialib_core::store::DerivativeStore;
use medialib_core::{AssetId, StoreError, Timestamp};
use sqlx::sqlite::SqliteRow;

use super::rows::{from_ms, get, parse, sha, to_ms, uuid};
use super::{SqliteStore, backend, begin_write};

/// The columns, in [`Derivative`]'s order, as a literal for `concat!`.
macro_rules! columns {
    () => {
        "asset_id, cache_key, ops, format, width, height, size, sha256, storage_key, \
         created_at, last_access_at"
    };
}

fn derivative(row: &SqliteRow) -> Result<Derivative, StoreError> {
    Ok(Derivative {
        asset_id: AssetId(uuid(get(row, "asset_id")?)?),
        cache_key: get(row, "cache_key")?,
        ops: get(row, "ops")?,
        format: parse("format", get(row, "format")?)?,
        width: get::<i64>(row, "width")? as u32,
        height: get::<i64>(row, "height")? as u32,
        size: get::<i64>(row, "size")? as u64,
        sha256: sha(get(row, "sha256")?)?,
        storage_key: get(row, "storage_key")?,
        created_at: from_ms(get(row, "created_at")?),
        last_access_at: from_ms(get(row, "last_access_at")?),
    })
}

#[async_trait]
impl DerivativeStore for SqliteStore {
    async fn put_derivative(&self, d: &Derivative) -> Result<bool, StoreError> {
        let id = d.asset_id.0.as_bytes().to_vec();
        let done = sqlx::query(concat!(
            "INSERT INTO derivative (",
            columns!(),
            ")
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
             WHERE EXISTS (SELECT 1 FROM asset WHERE id = ?)
             ON CONFLICT DO NOTHING"
        ))
        .bind(&id)
        .bind(&d.cache_key)
        .bind(&d.ops)
        .bind(d.format.as_str())
        .bind(i64::from(d.width))
        .bind(i64::from(d.height))
        .bind(d.size as i64)
        .bind(d.sha256.0.to_vec())
        .bind(&d.storage_key)
        .bind(to_ms(d.created_at))
        .bind(to_ms(d.last_access_at))
        .bind(&id)
        .execute(&self.pool)
        .await
        .map_err(backend("record derivative"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_derivative(
        &self,
        asset: AssetId,
        cache_key: &str,
    ) -> Result<Option<Derivative>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM derivative WHERE asset_id = ? AND cache_key = ?"
        ))
        .bind(asset.0.as_bytes().to_vec())
        .bind(cache_key)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("read derivative"))?
        .as_ref()
        .map(derivative)
        .transpose()
    }

    async fn list_derivatives(&self, asset: AssetId) -> Result<Vec<Derivative>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM derivative WHERE asset_id = ?
             ORDER BY last_access_at DESC, cache_key"
        ))
        .bind(asset.0.as_bytes().to_vec())
        .fetch_all(&self.pool)
        .await
        .map_err(backend("list derivatives"))?
        .iter()
        .map(derivative)
        .collect()
    }

    async fn delete_derivatives(
        &self,
        asset: AssetId,
        cache_key: Option<&str>,
    ) -> Result<Vec<Derivative>, StoreError> {
        sqlx::query(concat!(
            "DELETE FROM derivative WHERE asset_id = ? AND (? IS NULL OR cache_key = ?)
             RETURNING ",
            columns!(),
            ""
        ))
        .bind(asset.0.as_bytes().to_vec())
        .bind(cache_key)
        .bind(cache_key)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("delete derivatives"))?
        .iter()
        .map(derivative)
        .collect()
    }

    async fn touch_derivatives(
        &self,
        keys: &[(AssetId, String)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        for (asset, key) in keys {
            sqlx::query(
                "UPDATE derivative SET last_access_at = MAX(last_access_at, ?)
                 WHERE asset_id = ? AND cache_key = ?",
            )
            .bind(to_ms(at))
            .bind(asset.0.as_bytes().to_vec())
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(backend("touch derivative"))?;
        }
        tx.commit().await.map_err(backend("touch derivatives"))
    }

    async fn derivatives_to_evict(
        &self,
        unused_since: Timestamp,
        max_bytes: u64,
        limit: u32,
    ) -> Result<Vec<Derivative>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM (
                 SELECT *, SUM(size) OVER (
                     ORDER BY last_access_at DESC, asset_id, cache_key ROWS UNBOUNDED PRECEDING
                 ) AS kept
                 FROM derivative)
             WHERE last_access_at < ? OR kept > ?
             ORDER BY last_access_at, asset_id, cache_key LIMIT ?"
        ))
        .bind(to_ms(unused_since))
        .bind(i64::try_from(max_bytes).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend("find derivatives to evict"))?
        .iter()
        .map(derivative)
        .collect()
    }
}
