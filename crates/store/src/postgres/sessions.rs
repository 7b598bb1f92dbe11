//! Browser sessions, keyed by the SHA-256 of the cookie's id.

use async_trait::async_trait;
use medialib_core::access::{Principal, Role, Scopes};
use medialib_core::store::{SessionLimits, SessionStore};
use medialib_core::{NamespaceId, Sha256, StoreError, UserId};

use super::rows::{self, now_ms};
use super::{PgStore, backend};

/// `(idle, max_age)` cut-offs in Unix milliseconds: sessions last seen or created
/// before them have ended.
fn cutoffs(limits: SessionLimits, now: i64) -> (i64, i64) {
    let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    (
        now.saturating_sub(ms(limits.idle)),
        now.saturating_sub(ms(limits.max_age)),
    )
}

#[async_trait]
impl SessionStore for PgStore {
    async fn create_session(
        &self,
        id_hash: &Sha256,
        user: UserId,
        namespace: NamespaceId,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO ui_session (id_hash, user_id, namespace_id, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash.0.as_slice())
        .bind(user.0)
        .bind(namespace.0)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(backend("create session"))?;
        Ok(())
    }

    async fn session(
        &self,
        id_hash: &Sha256,
        limits: SessionLimits,
    ) -> Result<Option<Principal>, StoreError> {
        let now = now_ms();
        let (idle_cutoff, age_cutoff) = cutoffs(limits, now);
        // The owner acts as admin wherever they have no role of their own.
        let Some(row) = sqlx::query(
            r#"SELECT s.user_id, s.namespace_id, s.created_at, s.last_seen_at,
                      coalesce(m.role, CASE WHEN u.is_owner THEN 'admin' END) AS role
               FROM ui_session s
               JOIN "user" u ON u.id = s.user_id AND u.anonymized_at IS NULL AND u.disabled_at IS NULL
               LEFT JOIN membership m
                 ON m.user_id = s.user_id AND m.namespace_id = s.namespace_id
               WHERE s.id_hash = $1"#,
        )
        .bind(id_hash.0.as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("read session"))?
        else {
            return Ok(None);
        };
        let last_seen: i64 = rows::get(&row, "last_seen_at")?;
        let created: i64 = rows::get(&row, "created_at")?;
        let role: Option<String> = rows::get(&row, "role")?;
        let Some(role) = role.filter(|_| last_seen > idle_cutoff && created > age_cutoff) else {
            self.delete_session(id_hash).await?;
            return Ok(None);
        };
        // Record use only now and then: a write per request would cost every call a row
        // update on the shared database. A quarter of the idle timeout keeps the error
        // small.
        let every = (i64::try_from(limits.idle.as_millis()).unwrap_or(i64::MAX) / 4).min(60_000);
        if now - last_seen >= every {
            // Concurrent requests of one session may both write: the later time wins.
            sqlx::query(
                "UPDATE ui_session SET last_seen_at = greatest(last_seen_at, $1)
                 WHERE id_hash = $2",
            )
            .bind(now)
            .bind(id_hash.0.as_slice())
            .execute(&self.pool)
            .await
            .map_err(backend("record session use"))?;
        }
        let role: Role = role
            .parse()
            .map_err(|e| StoreError::Backend(format!("membership role: {e}")))?;
        Ok(Some(Principal {
            user: UserId(rows::get(&row, "user_id")?),
            namespace: NamespaceId(rows::get(&row, "namespace_id")?),
            role,
            scopes: Scopes::ALL,
        }))
    }

    async fn delete_session(&self, id_hash: &Sha256) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM ui_session WHERE id_hash = $1")
            .bind(id_hash.0.as_slice())
            .execute(&self.pool)
            .await
            .map_err(backend("delete session"))?
            .rows_affected();
        Ok(deleted > 0)
    }

    async fn purge_sessions(&self, limits: SessionLimits) -> Result<u64, StoreError> {
        let (idle_cutoff, age_cutoff) = cutoffs(limits, now_ms());
        let deleted =
            sqlx::query("DELETE FROM ui_session WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(idle_cutoff)
                .bind(age_cutoff)
                .execute(&self.pool)
                .await
                .map_err(backend("purge sessions"))?
                .rows_affected();
        Ok(deleted)
    }
}
