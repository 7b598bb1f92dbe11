//! The audit log, append-only.

use async_trait::async_trait;
use medialib_core::store::{AuditEvent, AuditFilter, AuditStore, NewAuditEvent};
use medialib_core::{NamespaceId, StoreError, UserId};
use sqlx::Row;

use super::rows::{from_ms, now_ms};
use super::{SqliteStore, backend};

#[async_trait]
impl AuditStore for SqliteStore {
    async fn record_audit(&self, event: NewAuditEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_event (namespace_id, user_id, action, target, status, ip, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(event.namespace.0)
        .bind(event.user.map(|u| u.0))
        .bind(&event.action)
        .bind(&event.target)
        .bind(i64::from(event.status))
        .bind(&event.ip)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(backend("record an audit event"))?;
        Ok(())
    }

    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.namespace_id, e.user_id, u.name, e.action, e.target, e.status, e.ip, e.created_at
             FROM audit_event e LEFT JOIN user u ON u.id = e.user_id
             WHERE (?1 IS NULL OR e.namespace_id = ?1)
               AND (?2 IS NULL OR e.action = ?2)
               AND (?3 IS NULL OR e.user_id = ?3)
               AND (?4 IS NULL OR e.id < ?4)
             ORDER BY e.id DESC LIMIT ?5",
        )
        .bind(filter.namespace.map(|n| n.0))
        .bind(&filter.action)
        .bind(filter.user.map(|u| u.0))
        .bind(filter.before)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend("read the audit log"))?;
        Ok(rows
            .iter()
            .map(|r| AuditEvent {
                id: r.get("id"),
                namespace: NamespaceId(r.get("namespace_id")),
                user: r.get::<Option<i64>, _>("user_id").map(|id| {
                    (
                        UserId(id),
                        r.get::<Option<String>, _>("name").unwrap_or_default(),
                    )
                }),
                action: r.get("action"),
                target: r.get("target"),
                status: u16::try_from(r.get::<i64, _>("status")).unwrap_or(0),
                ip: r.get("ip"),
                at: from_ms(r.get("created_at")),
            })
            .collect())
    }
}
