//! Namespaces, users and their roles (memberships).

use async_trait::async_trait;
use medialib_core::access::{Principal, Role};
use medialib_core::store::{
    AccessStore, Membership, Namespace, NamespaceChange, NamespaceContents, NewToken, TokenInfo,
    User, UserChange,
};
use medialib_core::{NamespaceId, Sha256, StoreError, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::rows::{from_ms, now_ms};
use super::{SqliteStore, backend, begin_write, namespaces, tokens};

#[async_trait]
impl AccessStore for SqliteStore {
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
        let updated =
            sqlx::query("UPDATE user SET password_hash = ? WHERE id = ? AND anonymized_at IS NULL")
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

/// The columns [`user`] reads, of `user u`.
macro_rules! user_columns {
    () => {
        "u.id, u.name, u.email, u.is_owner, u.password_hash IS NOT NULL AS has_password, \
         u.created_at, u.anonymized_at, u.disabled_at"
    };
}

fn user(row: &SqliteRow) -> User {
    User {
        id: UserId(row.get("id")),
        name: row.get("name"),
        email: row.get("email"),
        is_owner: row.get("is_owner"),
        has_password: row.get("has_password"),
        created_at: from_ms(row.get("created_at")),
        anonymized_at: row.get::<Option<i64>, _>("anonymized_at").map(from_ms),
        disabled_at: row.get::<Option<i64>, _>("disabled_at").map(from_ms),
    }
}

fn role(raw: &str) -> Result<Role, StoreError> {
    raw.parse()
        .map_err(|e| StoreError::Backend(format!("membership role: {e}")))
}

async fn create_user(
    pool: &SqlitePool,
    name: &str,
    email: Option<&str>,
    password_hash: Option<&str>,
) -> Result<User, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO user (name, email, password_hash, created_at) VALUES (?, ?, ?, ?)
         RETURNING id",
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

async fn password_hash(
    pool: &SqlitePool,
    name: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        ", u.password_hash FROM user u
         WHERE u.name = ? AND u.password_hash IS NOT NULL AND u.anonymized_at IS NULL
           AND u.disabled_at IS NULL"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await
    .map_err(backend("read password"))?;
    Ok(row.map(|r| (user(&r), r.get("password_hash"))))
}

async fn list_users(pool: &SqlitePool) -> Result<Vec<User>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM user u ORDER BY u.id"
    ))
    .fetch_all(pool)
    .await
    .map_err(backend("list users"))?;
    Ok(rows.iter().map(user).collect())
}

async fn find_user(pool: &SqlitePool, name: &str) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM user u WHERE u.name = ?"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await
    .map_err(backend("find user"))?;
    Ok(row.as_ref().map(user))
}

async fn get_user(pool: &SqlitePool, id: UserId) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM user u WHERE u.id = ?"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("get user"))?;
    Ok(row.as_ref().map(user))
}

async fn set_role(
    pool: &SqlitePool,
    user: UserId,
    namespace: NamespaceId,
    role: Option<Role>,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    match role {
        Some(role) => {
            sqlx::query(
                "INSERT INTO membership (user_id, namespace_id, role, created_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (user_id, namespace_id) DO UPDATE SET role = excluded.role",
            )
            .bind(user.0)
            .bind(namespace.0)
            .bind(role.as_str())
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(backend("set role"))?;
        }
        None => {
            sqlx::query("DELETE FROM membership WHERE user_id = ? AND namespace_id = ?")
                .bind(user.0)
                .bind(namespace.0)
                .execute(&mut *tx)
                .await
                .map_err(backend("remove role"))?;
        }
    }
    tx.commit().await.map_err(backend("commit"))
}

async fn anonymize_user(pool: &SqlitePool, user: UserId) -> Result<Option<User>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    let found = sqlx::query(
        "UPDATE user SET name = 'deleted-user-' || id, email = NULL, password_hash = NULL,
             anonymized_at = coalesce(anonymized_at, ?)
         WHERE id = ?",
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
    sqlx::query("UPDATE api_token SET revoked_at = coalesce(revoked_at, ?) WHERE user_id = ?")
        .bind(now)
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("revoke the user's tokens"))?;
    sqlx::query("DELETE FROM ui_session WHERE user_id = ?")
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("end the user's sessions"))?;
    sqlx::query("DELETE FROM membership WHERE user_id = ?")
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("remove the user's roles"))?;
    sqlx::query("UPDATE audit_event SET ip = NULL WHERE user_id = ?")
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("clear the user's audit IPs"))?;
    tx.commit().await.map_err(backend("commit"))?;
    get_user(pool, user).await
}

async fn memberships(pool: &SqlitePool, user: UserId) -> Result<Vec<Membership>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, namespace_id, role FROM membership WHERE user_id = ? ORDER BY namespace_id",
    )
    .bind(user.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list memberships"))?;
    rows.iter()
        .map(|row| {
            Ok(Membership {
                user: UserId(row.get("user_id")),
                namespace: NamespaceId(row.get("namespace_id")),
                role: role(row.get("role"))?,
            })
        })
        .collect()
}

async fn members(
    pool: &SqlitePool,
    namespace: NamespaceId,
) -> Result<Vec<(User, Role)>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        ", m.role FROM membership m JOIN user u ON u.id = m.user_id
         WHERE m.namespace_id = ? ORDER BY u.id"
    ))
    .bind(namespace.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list members"))?;
    rows.iter()
        .map(|row| Ok((user(row), role(row.get("role"))?)))
        .collect()
}

async fn update_user(
    pool: &SqlitePool,
    id: UserId,
    change: &UserChange,
) -> Result<Option<User>, StoreError> {
    let updated = sqlx::query(
        "UPDATE user SET name = coalesce(?, name),
             email = CASE WHEN ? THEN ? ELSE email END,
             disabled_at = CASE WHEN ? IS NULL THEN disabled_at
                                WHEN ? THEN coalesce(disabled_at, ?) END
         WHERE id = ? AND anonymized_at IS NULL",
    )
    .bind(change.name.as_deref())
    .bind(change.email.is_some())
    .bind(change.email.clone().flatten())
    .bind(change.disabled)
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
