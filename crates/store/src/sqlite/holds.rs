//! Holds on originals' storage keys (`blob_hold`), which order uploads and purges of the
//! same bytes across processes; see [`medialib_core::MetadataStore::hold_blob`].

use std::time::Duration;

use medialib_core::StoreError;
use medialib_core::store::BlobHold;
use sqlx::{Sqlite, SqlitePool};

use super::rows::now_ms;
use super::{backend, begin_write};

/// How long a purge holds an original it freed, in milliseconds: deleting its bytes takes
/// milliseconds, and an upload of the same bytes waits at most this long for a purge
/// whose process died.
pub(crate) const PURGE_MS: i64 = 60_000;

/// Records a hold of `kind` on `key` until `until` (ms) inside `tx`.
pub(crate) async fn hold(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    key: &str,
    kind: &str,
    until: i64,
) -> Result<BlobHold, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO blob_hold (storage_key, kind, until) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(key)
    .bind(kind)
    .bind(until)
    .fetch_one(&mut **tx)
    .await
    .map_err(backend("hold blob"))?;
    Ok(BlobHold(id))
}

pub(crate) async fn hold_for_upload(
    pool: &SqlitePool,
    key: &str,
    ttl: Duration,
) -> Result<Option<BlobHold>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // Holds of processes that died end here, whoever finds them.
    sqlx::query("DELETE FROM blob_hold WHERE until <= ?")
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend("drop expired blob holds"))?;
    let purging: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM blob_hold WHERE storage_key = ? AND kind = 'purge')",
    )
    .bind(key)
    .fetch_one(&mut *tx)
    .await
    .map_err(backend("find purge holds"))?;
    if purging {
        return Ok(None);
    }
    let held = hold(&mut tx, key, "upload", now + ttl.as_millis() as i64).await?;
    tx.commit().await.map_err(backend("commit"))?;
    Ok(Some(held))
}

pub(crate) async fn release(pool: &SqlitePool, hold: BlobHold) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM blob_hold WHERE id = ?")
        .bind(hold.0)
        .execute(pool)
        .await
        .map_err(backend("release blob hold"))?;
    Ok(())
}

pub(crate) async fn release_purged(pool: &SqlitePool, keys: &[String]) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    for key in keys {
        sqlx::query("DELETE FROM blob_hold WHERE storage_key = ? AND kind = 'purge'")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(backend("release purge hold"))?;
    }
    tx.commit().await.map_err(backend("commit"))
}
