//! Holds on originals' storage keys (`blob_hold`), which order uploads and purges of the
//! same bytes across processes; see [`medialib_core::MetadataStore::hold_blob`].
//!
//! SQLite's one writer made "check for the other kind of hold, then add mine" atomic.
//! Here the transactions that do it (an upload's hold, a purge freeing a blob) take a
//! transaction-scoped advisory lock on the key first, so they run one at a time per key.

use std::time::Duration;

use medialib_core::StoreError;
use medialib_core::store::BlobHold;
use sqlx::{PgPool, Postgres};

use super::rows::now_ms;
use super::{backend, begin_write};

/// How long a purge holds an original it freed, in milliseconds: deleting its bytes takes
/// milliseconds, and an upload of the same bytes waits at most this long for a purge
/// whose process died.
pub(crate) const PURGE_MS: i64 = 60_000;

/// The first key of the two-key advisory locks on storage keys: it keeps them apart from
/// other advisory locks on the database (sqlx's migration lock takes a one-key lock).
const HOLD_LOCK_CLASS: i32 = 0x6d6c_6862; // "mlhb"

/// Waits for, and takes until `tx` ends, the lock on `key` that orders holds.
///
/// Keys are hashed to 32 bits: two keys may share a lock, which only makes one wait for
/// the other.
pub(crate) async fn lock_key(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    key: &str,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(HOLD_LOCK_CLASS)
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(backend("lock blob key"))?;
    Ok(())
}

/// Records a hold of `kind` on `key` until `until` (ms) inside `tx`.
pub(crate) async fn hold(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    key: &str,
    kind: &str,
    until: i64,
) -> Result<BlobHold, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO blob_hold (storage_key, kind, until) VALUES ($1, $2, $3) RETURNING id",
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
    pool: &PgPool,
    key: &str,
    ttl: Duration,
) -> Result<Option<BlobHold>, StoreError> {
    let mut tx = begin_write(pool).await?;
    lock_key(&mut tx, key).await?;
    // Read the clock after the wait: a hold's end counts from when it is taken.
    let now = now_ms();
    // Holds of processes that died end here, whoever finds them.
    sqlx::query("DELETE FROM blob_hold WHERE until <= $1")
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend("drop expired blob holds"))?;
    let purging: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM blob_hold WHERE storage_key = $1 AND kind = 'purge')",
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

pub(crate) async fn release(pool: &PgPool, hold: BlobHold) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM blob_hold WHERE id = $1")
        .bind(hold.0)
        .execute(pool)
        .await
        .map_err(backend("release blob hold"))?;
    Ok(())
}

pub(crate) async fn release_purged(pool: &PgPool, keys: &[String]) -> Result<(), StoreError> {
    // One statement: the keys' holds end together, as in SQLite's one transaction.
    sqlx::query("DELETE FROM blob_hold WHERE storage_key = ANY($1) AND kind = 'purge'")
        .bind(keys)
        .execute(pool)
        .await
        .map_err(backend("release purge hold"))?;
    Ok(())
}
