//! The audit log, append-only.

use async_trait::async_trait;
use medialib_core::store::{AuditEvent, AuditFilter, AuditStore, NewAuditEvent};
use medialib_core::{NamespaceId, StoreError, UserId};
use sqlx::postgres::PgRow;

use super::rows::{self, from_ms, now_ms};
use super::{PgStore, backend};

fn event(r: &PgRow) -> Result<AuditEvent, StoreError> {
    let user = match rows::get::<Option<i64>>(r, "user_id")? {
        Some(id) => Some((
            UserId(id),
            rows::get::<Option<String>>(r, "name")?.unwrap_or_default(),
        )),
        None => None,
    };
    Ok(AuditEvent {
        id: rows::get(r, "id")?,
        namespace: NamespaceId(rows::get(r, "namespace_id")?),
        user,
        action: rows::get(r, "action")?,
        target: rows::get(r, "target")?,
        status: u16::try_from(rows::get::<i64>(r, "status")?).unwrap_or(0),
        ip: rows::get(r, "ip")?,
        at: from_ms(rows::get(r, "created_at")?),
    })
}

#[async_trait]
impl AuditStore for PgStore {
    async fn record_audit(&self, event: NewAuditEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_event (namespace_id, user_id, action, target, status, ip,
                created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        // Ids come from a sequence, and concurrent writers may commit out of id order:
        // an event can land below a page already read. The log is read by people, so
        // pages keep SQLite's id order rather than pay for a gapless one.
        let rows = sqlx::query(
            r#"SELECT e.id, e.namespace_id, e.user_id, u.name, e.action, e.target, e.status,
                      e.ip, e.created_at
               FROM audit_event e LEFT JOIN "user" u ON u.id = e.user_id
               WHERE ($1::BIGINT IS NULL OR e.namespace_id = $1)
                 AND ($2::TEXT IS NULL OR e.action = $2)
                 AND ($3::BIGINT IS NULL OR e.user_id = $3)
                 AND ($4::BIGINT IS NULL OR e.id < $4)
               ORDER BY e.id DESC LIMIT $5"#,
        )
        .bind(filter.namespace.map(|n| n.0))
        .bind(&filter.action)
        .bind(filter.user.map(|u| u.0))
        .bind(filter.before)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend("read the audit log"))?;
        rows.iter().map(event).collect()
    }
}
