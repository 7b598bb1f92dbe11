//! Namespaces, users and their roles (memberships).

use async_trait::async_trait;
use medialib_core::access::{Principal, Role};
use medialib_core::store::{
    AccessStore, Membership, Namespace, NamespaceChange, NamespaceContents, NewToken, TokenInfo,
    User, UserChange,
};
use medialib_core::{NamespaceId, Sha256, StoreError, UserId};
use sqlx::PgPool;
use sqlx::postgres::PgRow;

use super::rows::{self, from_ms, now_ms};
use super::{PgStore, backend, begin_write, namespaces, tokens};

#[async_trait]
impl AccessStore for PgStore {
    async fn has_tokens(&self) -> Result<bool, StoreError> {
        tokens::has_tokens(&self.pool).await
    }

    async fn create_admin_token(&self, name: &str, hash: &Sha256) -> Result<(), StoreError> {
        tokens::create_admin_token(&self.pool, name, hash).await
    }

    async fn authenticate(&self, hash: &Sha256) -> Result<Option<Principal>, StoreError> {
        tokens::authenticate(&self.pool, hash).await
    }

    async fn create_namespace(&self, slug: &str, name: &str) -> Result<Namespace, StoreError> {
        namespaces::create(&self.pool, slug, name).await
    }

    async fn list_namespaces(&self) -> Result<Vec<Namespace>, StoreError> {
        namespaces::list(&self.pool).await
    }

    async fn update_namespace(
        &self,
        namespace: NamespaceId,
        change: &NamespaceChange,
    ) -> Result<Option<Namespace>, StoreError> {
        namespaces::update(&self.pool, namespace, change).await
    }

    async fn namespace_contents(
        &self,
        namespace: NamespaceId,
        limit: u32,
    ) -> Result<NamespaceContents, StoreError> {
        namespaces::contents(&self.pool, namespace, limit).await
    }

    async fn delete_namespace(&self, namespace: NamespaceId) -> Result<bool, StoreError> {
        namespaces::delete(&self.pool, namespace).await
    }

    async fn create_user(
        &self,
        name: &str,
        email: Option<&str>,
        password_hash: Option<&str>,
    ) -> Result<User, StoreError> {
        create_user(&self.pool, name, email, password_hash).await
    }

    async fn update_user(
        &self,
        user: UserId,
        change: &UserChange,
    ) -> Result<Option<User>, StoreError> {
        update_user(&self.pool, user, change).await
    }

    async fn set_password(&self, user: UserId, hash: Option<&str>) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            r#"UPDATE "user" SET password_hash = $1 WHERE id = $2 AND anonymized_at IS NULL"#,
        )
        .bind(hash)
        .bind(user.0)
        .execute(&self.pool)
        .await
        .map_err(backend("set password"))?
        .rows_affected();
        Ok(updated > 0)
    }

    async fn password_hash(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        password_hash(&self.pool, name).await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        list_users(&self.pool).await
    }

    async fn find_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        find_user(&self.pool, name).await
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        get_user(&self.pool, id).await
    }

    async fn anonymize_user(&self, user: UserId) -> Result<Option<User>, StoreError> {
        anonymize_user(&self.pool, user).await
    }

    async fn set_role(
        &self,
        user: UserId,
        namespace: NamespaceId,
        role: Option<Role>,
    ) -> Result<(), StoreError> {
        set_role(&self.pool, user, namespace, role).await
    }

    async fn members(&self, namespace: NamespaceId) -> Result<Vec<(User, Role)>, StoreError> {
        members(&self.pool, namespace).await
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        memberships(&self.pool, user).await
    }

    async fn create_token(&self, new: NewToken) -> Result<TokenInfo, StoreError> {
        tokens::create_token(&self.pool, new).await
    }

    async fn list_tokens(&self, user: UserId) -> Result<Vec<TokenInfo>, StoreError> {
        tokens::list_tokens(&self.pool, user).await
    }

    async fn revoke_token(&self, user: UserId, id: i64) -> Result<bool, StoreError> {
        tokens::revoke_token(&self.pool, user, id).await
    }
}

pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// The columns [`user`] reads, of `"user" u` (always quoted: bare `user` is
/// `CURRENT_USER`).
macro_rules! user_columns {
    () => {
        "u.id, u.name, u.email, u.is_owner, u.password_hash IS NOT NULL AS has_password, \
         u.created_at, u.anonymized_at, u.disabled_at"
    };
}

fn user(row: &PgRow) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(rows::get(row, "id")?),
        name: rows::get(row, "name")?,
        email: rows::get(row, "email")?,
        is_owner: rows::get(row, "is_owner")?,
        has_password: rows::get(row, "has_password")?,
        created_at: from_ms(rows::get(row, "created_at")?),
        anonymized_at: rows::get::<Option<i64>>(row, "anonymized_at")?.map(from_ms),
        disabled_at: rows::get::<Option<i64>>(row, "disabled_at")?.map(from_ms),
    })
}

fn role(raw: &str) -> Result<Role, StoreError> {
    raw.parse()
        .map_err(|e| StoreError::Backend(format!("membership role: {e}")))
}

async fn create_user(
    pool: &PgPool,
    name: &str,
    email: Option<&str>,
    password_hash: Option<&str>,
) -> Result<User, StoreError> {
    let id: i64 = sqlx::query_scalar(
        r#"INSERT INTO "user" (name, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
           RETURNING id"#,
    )
    .bind(name)
    .bind(email)
    .bind(password_hash)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict(format!("a user named {name:?} or with that email exists"))
        } else {
            backend("create user")(e)
        }
    })?;
    get_user(pool, UserId(id))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
}

async fn password_hash(pool: &PgPool, name: &str) -> Result<Option<(User, String)>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        r#", u.password_hash FROM "user" u
         WHERE u.name = $1 AND u.password_hash IS NOT NULL AND u.anonymized_at IS NULL
           AND u.disabled_at IS NULL"#
    ))
    .bind(name)
    .fetch_optional(pool)
    .await
    .map_err(backend("read password"))?;
    row.map(|r| Ok((user(&r)?, rows::get(&r, "password_hash")?)))
        .transpose()
}

async fn list_users(pool: &PgPool) -> Result<Vec<User>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        r#" FROM "user" u ORDER BY u.id"#
    ))
    .fetch_all(pool)
    .await
    .map_err(backend("list users"))?;
    rows.iter().map(user).collect()
}

async fn find_user(pool: &PgPool, name: &str) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        r#" FROM "user" u WHERE u.name = $1"#
    ))
    .bind(name)
    .fetch_optional(pool)
    .await
    .map_err(backend("find user"))?;
    row.as_ref().map(user).transpose()
}

async fn get_user(pool: &PgPool, id: UserId) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        r#" FROM "user" u WHERE u.id = $1"#
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("get user"))?;
    row.as_ref().map(user).transpose()
}

async fn set_role(
    pool: &PgPool,
    user: UserId,
    namespace: NamespaceId,
    role: Option<Role>,
) -> Result<(), StoreError> {
    match role {
        Some(role) => {
            sqlx::query(
                "INSERT INTO membership (user_id, namespace_id, role, created_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, namespace_id) DO UPDATE SET role = excluded.role",
            )
            .bind(user.0)
            .bind(namespace.0)
            .bind(role.as_str())
            .bind(now_ms())
            .execute(pool)
            .await
            .map_err(backend("set role"))?;
        }
        None => {
            sqlx::query("DELETE FROM membership WHERE user_id = $1 AND namespace_id = $2")
                .bind(user.0)
                .bind(namespace.0)
                .execute(pool)
                .await
                .map_err(backend("remove role"))?;
        }
    }
    Ok(())
}

async fn anonymize_user(pool: &PgPool, user: UserId) -> Result<Option<User>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // The update locks the user's row first, so a concurrent anonymization of the same
    // user waits for this one and then keeps its `anonymized_at`.
    let found = sqlx::query(
        r#"UPDATE "user" SET name = 'deleted-user-' || id, email = NULL, password_hash = NULL,
               anonymized_at = coalesce(anonymized_at, $1)
           WHERE id = $2"#,
    )
    .bind(now)
    .bind(user.0)
    .execute(&mut *tx)
    .await
    .map_err(backend("anonymize user"))?
    .rows_affected()
        > 0;
    if !found {
        return Ok(None);
    }
    sqlx::query("UPDATE api_token SET revoked_at = coalesce(revoked_at, $1) WHERE user_id = $2")
        .bind(now)
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("revoke the user's tokens"))?;
    sqlx::query("DELETE FROM ui_session WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("end the user's sessions"))?;
    sqlx::query("DELETE FROM membership WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("remove the user's roles"))?;
    sqlx::query("UPDATE audit_event SET ip = NULL WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("clear the user's audit IPs"))?;
    tx.commit().await.map_err(backend("commit"))?;
    get_user(pool, user).await
}

async fn memberships(pool: &PgPool, user: UserId) -> Result<Vec<Membership>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, namespace_id, role FROM membership WHERE user_id = $1
         ORDER BY namespace_id",
    )
    .bind(user.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list memberships"))?;
    rows.iter()
        .map(|row| {
            Ok(Membership {
                user: UserId(rows::get(row, "user_id")?),
                namespace: NamespaceId(rows::get(row, "namespace_id")?),
                role: role(rows::get(row, "role")?)?,
            })
        })
        .collect()
}

async fn members(pool: &PgPool, namespace: NamespaceId) -> Result<Vec<(User, Role)>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        r#", m.role FROM membership m JOIN "user" u ON u.id = m.user_id
         WHERE m.namespace_id = $1 ORDER BY u.id"#
    ))
    .bind(namespace.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list members"))?;
    rows.iter()
        .map(|row| Ok((user(row)?, role(rows::get(row, "role")?)?)))
        .collect()
}

async fn update_user(
    pool: &PgPool,
    id: UserId,
    change: &UserChange,
) -> Result<Option<User>, StoreError> {
    let updated = sqlx::query(
        r#"UPDATE "user" SET name = coalesce($1, name),
               email = CASE WHEN $2 THEN $3 ELSE email END,
               disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at
                                  WHEN $4 THEN coalesce(disabled_at, $5) END
           WHERE id = $6 AND anonymized_at IS NULL"#,
    )
    .bind(change.name.as_deref())
    .bind(change.email.is_some())
    .bind(change.email.clone().flatten())
    .bind(change.disabled)
    .bind(now_ms())
    .bind(id.0)
    .execute(pool)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict("another user has that name or email".into())
        } else {
            backend("update user")(e)
        }
    })?
    .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    get_user(pool, id).await
}
