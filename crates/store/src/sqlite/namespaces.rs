//! Namespaces: creating, listing, changing and deleting them.

use medialib_core::store::{Namespace, NamespaceChange, NamespaceContents};
use medialib_core::{AssetId, NamespaceId, StoreError, UploadId};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::rows::{from_ms, now_ms, uuid};
use super::{backend, begin_write};

/// The columns [`namespace`] reads.
macro_rules! namespace_columns {
    () => {
        "id, slug, name, quota_bytes, quota_assets, retention_days, moderation, created_at"
    };
}

fn namespace(row: &SqliteRow) -> Namespace {
    Namespace {
        id: NamespaceId(row.get("id")),
        slug: row.get("slug"),
        name: row.get("name"),
        quota_bytes: row.get::<Option<i64>, _>("quota_bytes").map(|n| n as u64),
        quota_assets: row.get::<Option<i64>, _>("quota_assets").map(|n| n as u64),
        retention_days: row
            .get::<Option<i64>, _>("retention_days")
            .map(|n| n as u32),
        // Written only from the policy's own names; an unknown one reads as off.
        moderation: row
            .get::<String, _>("moderation")
            .parse()
            .unwrap_or_default(),
        created_at: from_ms(row.get("created_at")),
    }
}

pub(super) async fn create(
    pool: &SqlitePool,
    slug: &str,
    name: &str,
) -> Result<Namespace, StoreError> {
    let row = sqlx::query(concat!(
        "INSERT INTO namespace (slug, name, created_at) VALUES (?, ?, ?) RETURNING ",
        namespace_columns!()
    ))
    .bind(slug)
    .bind(name)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(|e| {
        if super::access::is_unique_violation(&e) {
            StoreError::Conflict(format!("namespace {slug:?} already exists"))
        } else {
            backend("create namespace")(e)
        }
    })?;
    Ok(namespace(&row))
}

pub(super) async fn list(pool: &SqlitePool) -> Result<Vec<Namespace>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        namespace_columns!(),
        " FROM namespace ORDER BY id"
    ))
    .fetch_all(pool)
    .await
    .map_err(backend("list namespaces"))?;
    Ok(rows.iter().map(namespace).collect())
}

pub(super) async fn update(
    pool: &SqlitePool,
    id: NamespaceId,
    change: &NamespaceChange,
) -> Result<Option<Namespace>, StoreError> {
    let row = sqlx::query(concat!(
        "UPDATE namespace SET name = coalesce(?, name),
             quota_bytes = CASE WHEN ? THEN ? ELSE quota_bytes END,
             quota_assets = CASE WHEN ? THEN ? ELSE quota_assets END,
             retention_days = CASE WHEN ? THEN ? ELSE retention_days END,
             moderation = coalesce(?, moderation)
         WHERE id = ? RETURNING ",
        namespace_columns!()
    ))
    .bind(change.name.as_deref())
    .bind(change.quota_bytes.is_some())
    .bind(change.quota_bytes.flatten().map(|n| n as i64))
    .bind(change.quota_assets.is_some())
    .bind(change.quota_assets.flatten().map(|n| n as i64))
    .bind(change.retention_days.is_some())
    .bind(change.retention_days.flatten().map(i64::from))
    .bind(change.moderation.map(|m| m.as_str()))
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("update namespace"))?;
    Ok(row.as_ref().map(namespace))
}

pub(super) async fn contents(
    pool: &SqlitePool,
    id: NamespaceId,
    limit: u32,
) -> Result<NamespaceContents, StoreError> {
    let assets: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT id FROM asset WHERE namespace_id = ? LIMIT ?")
            .bind(id.0)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(backend("list the namespace's assets"))?;
    let uploads: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT id FROM upload_session WHERE namespace_id = ?")
            .bind(id.0)
            .fetch_all(pool)
            .await
            .map_err(backend("list the namespace's uploads"))?;
    Ok(NamespaceContents {
        assets: assets
            .into_iter()
            .map(|id| uuid(id).map(AssetId))
            .collect::<Result<_, _>>()?,
        uploads: uploads
            .into_iter()
            .map(|id| uuid(id).map(UploadId))
            .collect::<Result<_, _>>()?,
    })
}

/// The rows that only organise or admit to a namespace, children before parents.
/// Collection items and webhook deliveries go with their parents (`ON DELETE CASCADE`).
const BELONGINGS: [&str; 9] = [
    "DELETE FROM collection WHERE namespace_id = ?",
    "DELETE FROM tag WHERE namespace_id = ?",
    "DELETE FROM api_token WHERE namespace_id = ?",
    "DELETE FROM membership WHERE namespace_id = ?",
    "DELETE FROM ui_session WHERE namespace_id = ?",
    "DELETE FROM audit_event WHERE namespace_id = ?",
    "DELETE FROM webhook WHERE namespace_id = ?",
    "DELETE FROM event_outbox WHERE namespace_id = ?",
    "DELETE FROM blob WHERE namespace_id = ?",
];

pub(super) async fn delete(pool: &SqlitePool, id: NamespaceId) -> Result<bool, StoreError> {
    let mut tx = begin_write(pool).await?;
    let holds: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM asset WHERE namespace_id = ?1)
             OR EXISTS (SELECT 1 FROM upload_session WHERE namespace_id = ?1)",
    )
    .bind(id.0)
    .fetch_one(&mut *tx)
    .await
    .map_err(backend("check the namespace is empty"))?;
    if holds {
        return Err(StoreError::Conflict(
            "the namespace still holds assets or uploads".into(),
        ));
    }
    for statement in BELONGINGS {
        sqlx::query(statement)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend("delete the namespace's rows"))?;
    }
    let deleted = sqlx::query("DELETE FROM namespace WHERE id = ?")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("delete namespace"))?
        .rows_affected()
        > 0;
    tx.commit().await.map_err(backend("commit"))?;
    Ok(deleted)
}
