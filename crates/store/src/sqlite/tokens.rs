//! API tokens: stored as SHA-256 hashes, resolved to a principal with the user's role in
//! the token's namespace.

use medialib_core::access::{Principal, Role, Scopes};
use medialib_core::store::{NewToken, TokenInfo};
use medialib_core::{NamespaceId, Sha256, StoreError, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::rows::{from_ms, now_ms, to_ms};
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
        "INSERT INTO membership (user_id, namespace_id, role, created_at)
         SELECT id, 1, 'admin', ? FROM user WHERE name = 'admin'
         ON CONFLICT (user_id, namespace_id) DO NOTHING",
    )
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(backend("make the admin a member"))?;
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
    let now = now_ms();
    // The owner acts as admin wherever they have no role of their own.
    let Some(row) = sqlx::query(
        "SELECT t.id, t.user_id, t.namespace_id, t.last_used_at, t.scopes,
                coalesce(m.role, CASE WHEN u.is_owner THEN 'admin' END) AS role
         FROM api_token t
         JOIN user u ON u.id = t.user_id AND u.anonymized_at IS NULL AND u.disabled_at IS NULL
         LEFT JOIN membership m ON m.user_id = t.user_id AND m.namespace_id = t.namespace_id
         WHERE t.token_hash = ? AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > ?)",
    )
    .bind(hash.0.as_slice())
    .bind(now)
    .fetch_optional(pool)
    .await
    .map_err(backend("authenticate"))?
    else {
        return Ok(None);
    };
    let Some(role) = row.get::<Option<String>, _>("role") else {
        return Ok(None);
    };
    // Record use at most once a minute: a write per request would serialise every API
    // call on SQLite's single writer.
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
        role: parse::<Role>(&role)?,
        scopes: parse::<Scopes>(row.get("scopes"))?,
    }))
}

fn parse<T: std::str::FromStr<Err = String>>(raw: &str) -> Result<T, StoreError> {
    raw.parse()
        .map_err(|e| StoreError::Backend(format!("api_token: {e}")))
}

/// The columns [`token`] reads.
macro_rules! token_columns {
    () => {
        "id, user_id, namespace_id, name, scopes, created_at, expires_at, last_used_at, revoked_at"
    };
}

fn token(row: &SqliteRow) -> Result<TokenInfo, StoreError> {
    let time = |col: &str| row.get::<Option<i64>, _>(col).map(from_ms);
    Ok(TokenInfo {
        id: row.get("id"),
        user: UserId(row.get("user_id")),
        namespace: NamespaceId(row.get("namespace_id")),
        name: row.get("name"),
        scopes: parse(row.get("scopes"))?,
        created_at: from_ms(row.get("created_at")),
        expires_at: time("expires_at"),
        last_used_at: time("last_used_at"),
        revoked_at: time("revoked_at"),
    })
}

pub(crate) async fn create_token(
    pool: &SqlitePool,
    new: NewToken,
) -> Result<TokenInfo, StoreError> {
    let mut tx = begin_write(pool).await?;
    let row = sqlx::query(concat!(
        "INSERT INTO api_token (user_id, namespace_id, name, token_hash, scopes, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ",
        token_columns!()
    ))
    .bind(new.user.0)
    .bind(new.namespace.0)
    .bind(&new.name)
    .bind(new.hash.0.as_slice())
    .bind(new.scopes.to_string())
    .bind(now_ms())
    .bind(new.expires_at.map(to_ms))
    .fetch_one(&mut *tx)
    .await
    .map_err(backend("create token"))?;
    let info = token(&row)?;
    tx.commit().await.map_err(backend("commit"))?;
    Ok(info)
}

pub(crate) async fn list_tokens(
    pool: &SqlitePool,
    user: UserId,
) -> Result<Vec<TokenInfo>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        token_columns!(),
        " FROM api_token WHERE user_id = ? ORDER BY id DESC"
    ))
    .bind(user.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list tokens"))?;
    rows.iter().map(token).collect()
}

pub(crate) async fn revoke_token(
    pool: &SqlitePool,
    user: UserId,
    id: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE api_token SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .bind(user.0)
    .execute(pool)
    .await
    .map_err(backend("revoke token"))?;
    Ok(done.rows_affected() == 1)
}
