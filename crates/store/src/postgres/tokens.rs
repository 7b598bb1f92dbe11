//! API tokens: stored as SHA-256 hashes, resolved to a principal with the user's role in
//! the token's namespace.

use medialib_core::access::{Principal, Role, Scopes};
use medialib_core::store::{NewToken, TokenInfo};
use medialib_core::{NamespaceId, Sha256, StoreError, UserId};
use sqlx::PgPool;
use sqlx::postgres::PgRow;

use super::rows::{self, from_ms, now_ms, to_ms};
use super::{backend, begin_write};

pub(crate) async fn has_tokens(pool: &PgPool) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM api_token)")
        .fetch_one(pool)
        .await
        .map_err(backend("count tokens"))
}

pub(crate) async fn create_admin_token(
    pool: &PgPool,
    name: &str,
    hash: &Sha256,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let now = now_ms();
    // Two processes bootstrapping at once: the second insert waits for the first to
    // commit and then does nothing, and the statements below (each with a fresh
    // snapshot at READ COMMITTED) find the committed admin.
    sqlx::query(
        r#"INSERT INTO "user" (name, is_owner, created_at) VALUES ('admin', true, $1)
           ON CONFLICT (name) DO NOTHING"#,
    )
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(backend("create admin user"))?;
    sqlx::query(
        r#"INSERT INTO membership (user_id, namespace_id, role, created_at)
           SELECT id, 1, 'admin', $1 FROM "user" WHERE name = 'admin'
           ON CONFLICT (user_id, namespace_id) DO NOTHING"#,
    )
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(backend("make the admin a member"))?;
    sqlx::query(
        r#"INSERT INTO api_token (user_id, namespace_id, name, token_hash, created_at)
           SELECT id, 1, $1, $2, $3 FROM "user" WHERE name = 'admin'"#,
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
    pool: &PgPool,
    hash: &Sha256,
) -> Result<Option<Principal>, StoreError> {
    let now = now_ms();
    // The owner acts as admin wherever they have no role of their own.
    let Some(row) = sqlx::query(
        r#"SELECT t.id, t.user_id, t.namespace_id, t.last_used_at, t.scopes,
                  coalesce(m.role, CASE WHEN u.is_owner THEN 'admin' END) AS role
           FROM api_token t
           JOIN "user" u ON u.id = t.user_id AND u.anonymized_at IS NULL AND u.disabled_at IS NULL
           LEFT JOIN membership m ON m.user_id = t.user_id AND m.namespace_id = t.namespace_id
           WHERE t.token_hash = $1 AND t.revoked_at IS NULL
             AND (t.expires_at IS NULL OR t.expires_at > $2)"#,
    )
    .bind(hash.0.as_slice())
    .bind(now)
    .fetch_optional(pool)
    .await
    .map_err(backend("authenticate"))?
    else {
        return Ok(None);
    };
    let Some(role) = rows::get::<Option<String>>(&row, "role")? else {
        return Ok(None);
    };
    // Record use at most once a minute: a write per request would cost every API call a
    // row update (and a dead tuple) on the shared database.
    let last_used: Option<i64> = rows::get(&row, "last_used_at")?;
    if last_used.is_none_or(|t| now - t > 60_000) {
        sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(rows::get::<i64>(&row, "id")?)
            .execute(pool)
            .await
            .map_err(backend("record token use"))?;
    }
    Ok(Some(Principal {
        user: UserId(rows::get(&row, "user_id")?),
        namespace: NamespaceId(rows::get(&row, "namespace_id")?),
        role: parse::<Role>(&role)?,
        scopes: parse::<Scopes>(rows::get(&row, "scopes")?)?,
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

fn token(row: &PgRow) -> Result<TokenInfo, StoreError> {
    let time = |col: &str| Ok::<_, StoreError>(rows::get::<Option<i64>>(row, col)?.map(from_ms));
    Ok(TokenInfo {
        id: rows::get(row, "id")?,
        user: UserId(rows::get(row, "user_id")?),
        namespace: NamespaceId(rows::get(row, "namespace_id")?),
        name: rows::get(row, "name")?,
        scopes: parse(rows::get(row, "scopes")?)?,
        created_at: from_ms(rows::get(row, "created_at")?),
        expires_at: time("expires_at")?,
        last_used_at: time("last_used_at")?,
        revoked_at: time("revoked_at")?,
    })
}

pub(crate) async fn create_token(pool: &PgPool, new: NewToken) -> Result<TokenInfo, StoreError> {
    let row = sqlx::query(concat!(
        "INSERT INTO api_token (user_id, namespace_id, name, token_hash, scopes, created_at,
            expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
        token_columns!()
    ))
    .bind(new.user.0)
    .bind(new.namespace.0)
    .bind(&new.name)
    .bind(new.hash.0.as_slice())
    .bind(new.scopes.to_string())
    .bind(now_ms())
    .bind(new.expires_at.map(to_ms))
    .fetch_one(pool)
    .await
    .map_err(backend("create token"))?;
    token(&row)
}

pub(crate) async fn list_tokens(pool: &PgPool, user: UserId) -> Result<Vec<TokenInfo>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        token_columns!(),
        " FROM api_token WHERE user_id = $1 ORDER BY id DESC"
    ))
    .bind(user.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list tokens"))?;
    rows.iter().map(token).collect()
}

pub(crate) async fn revoke_token(pool: &PgPool, user: UserId, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE api_token SET revoked_at = $1
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .bind(user.0)
    .execute(pool)
    .await
    .map_err(backend("revoke token"))?;
    Ok(done.rows_affected() == 1)
}
