//! API tokens: stored as SHA-256 hashes, resolved to a principal.

use medialib_core::store::Principal;
use medialib_core::{NamespaceId, Sha256, StoreError, UserId};
use sqlx::{Row, SqlitePool};

use super::rows::now_ms;
use super::{backend, begin_write};

pub(crate) async fn has_tokens(pool: &SqlitePool) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM api_token")
        .fetch_one(pool)
        .await
        .map_err(backend("count tokens"))?;
    Ok(n > 0)
}

pub(crate) async fn create_admin_token(
    pool: &SqlitePool,
    name: &str,
    hash: &Sha256,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let now = now_ms();
    sqlx::query("INSERT INTO user (name, is_owner, created_at) VALUES ('admin', 1, ?) ON CONFLICT (name) DO NOTHING")
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend("create admin user"))?;
    sqlx::query(
        "INSERT INTO api_token (user_id, namespace_id, name, token_hash, created_at)
         SELECT id, 1, ?, ?, ? FROM user WHERE name = 'admin'",
    )
    .bind(name)
    .bind(hash.0.as_slice())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(backend("create admin token"))?;
    tx.commit().await.map_err(backend("commit"))
}

pub(crate) async fn authenticate(
    pool: &SqlitePool,
    hash: &Sha256,
) -> Result<Option<Principal>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT id, user_id, namespace_id, last_used_at FROM api_token WHERE token_hash = ?",
    )
    .bind(hash.0.as_slice())
    .fetch_optional(pool)
    .await
    .map_err(backend("authenticate"))?
    else {
        return Ok(None);
    };
    // Record use at most once a minute: a write per request would serialise every API
    // call on SQLite's single writer.
    let now = now_ms();
    let last_used: Option<i64> = row.get("last_used_at");
    if last_used.is_none_or(|t| now - t > 60_000) {
        sqlx::query("UPDATE api_token SET last_used_at = ? WHERE id = ?")
            .bind(now)
            .bind(row.get::<i64, _>("id"))
            .execute(pool)
            .await
            .map_err(backend("record token use"))?;
    }
    Ok(Some(Principal {
        user: UserId(row.get("user_id")),
        namespace: NamespaceId(row.get("namespace_id")),
    }))
}
