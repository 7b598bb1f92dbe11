//! Resumable upload sessions: how many bytes have arrived, for whom, until when.

use std::collections::BTreeMap;

use medialib_core::{
    AssetId, Concat, NamespaceId, StoreError, Timestamp, UploadId, UploadSession, UserId,
};
use sqlx::PgPool;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use uuid::Uuid;

use super::backend;
use super::rows::{from_ms, get, strip_nul, to_ms};

/// `concat` as stored: NULL, `partial`, or a JSON array of the parts' ids.
fn concat_column(concat: &Option<Concat>) -> Option<String> {
    concat.as_ref().map(|c| match c {
        Concat::Partial => "partial".to_owned(),
        Concat::Final(parts) => {
            serde_json::to_string(&parts.iter().map(|p| p.to_string()).collect::<Vec<_>>())
                .expect("strings serialise")
        }
    })
}

fn session(row: &PgRow) -> Result<UploadSession, StoreError> {
    let corrupt = |what: &str| StoreError::Backend(format!("upload session: corrupt {what}"));
    let concat = match get::<Option<String>>(row, "concat")?.as_deref() {
        None => None,
        Some("partial") => Some(Concat::Partial),
        Some(parts) => Some(Concat::Final(
            serde_json::from_str::<Vec<String>>(parts)
                .map_err(|_| corrupt("concat"))?
                .iter()
                .map(|p| p.parse().map_err(|_| corrupt("concat")))
                .collect::<Result<_, _>>()?,
        )),
    };
    let Json(metadata) = get::<Json<serde_json::Value>>(row, "metadata")?;
    Ok(UploadSession {
        id: UploadId(get(row, "id")?),
        namespace: NamespaceId(get(row, "namespace_id")?),
        user: UserId(get(row, "user_id")?),
        length: get::<i64>(row, "upload_length")? as u64,
        offset: get::<i64>(row, "upload_offset")? as u64,
        metadata: serde_json::from_value(metadata).map_err(|_| corrupt("metadata"))?,
        concat,
        chunk_size: get::<Option<i64>>(row, "chunk_size")?.map(|n| n as u64),
        asset: get::<Option<Uuid>>(row, "asset_id")?.map(AssetId),
        created_at: from_ms(get(row, "created_at")?),
        expires_at: from_ms(get(row, "expires_at")?),
    })
}

pub(crate) async fn create(pool: &PgPool, s: &UploadSession) -> Result<(), StoreError> {
    // Upload-Metadata comes from the client, and may hold U+0000, which JSONB refuses.
    let metadata: BTreeMap<String, String> = s
        .metadata
        .iter()
        .map(|(k, v)| (strip_nul(k).into_owned(), strip_nul(v).into_owned()))
        .collect();
    sqlx::query(
        "INSERT INTO upload_session (id, namespace_id, user_id, upload_length, upload_offset,
            metadata, concat, chunk_size, asset_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(s.id.0)
    .bind(s.namespace.0)
    .bind(s.user.0)
    .bind(s.length as i64)
    .bind(s.offset as i64)
    .bind(Json(&metadata))
    .bind(concat_column(&s.concat))
    .bind(s.chunk_size.map(|n| n as i64))
    .bind(s.asset.map(|a| a.0))
    .bind(to_ms(s.created_at))
    .bind(to_ms(s.expires_at))
    .execute(pool)
    .await
    .map_err(backend("create upload session"))?;
    Ok(())
}

pub(crate) async fn get_one(
    pool: &PgPool,
    id: UploadId,
) -> Result<Option<UploadSession>, StoreError> {
    sqlx::query(
        "SELECT id, namespace_id, user_id, upload_length, upload_offset, metadata, concat,
            chunk_size, asset_id, created_at, expires_at
         FROM upload_session WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("read upload session"))?
    .as_ref()
    .map(session)
    .transpose()
}

pub(crate) async fn lease(
    pool: &PgPool,
    id: UploadId,
    token: Uuid,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE upload_session SET lease_token = $1, lease_until = $2
         WHERE id = $3
           AND (lease_token IS NULL OR lease_token = $4 OR lease_until <= $5)",
    )
    .bind(token)
    .bind(to_ms(until))
    .bind(id.0)
    .bind(token)
    .bind(to_ms(now))
    .execute(pool)
    .await
    .map_err(backend("lease upload session"))?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn release(pool: &PgPool, id: UploadId, token: Uuid) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE upload_session SET lease_token = NULL, lease_until = NULL
         WHERE id = $1 AND lease_token = $2",
    )
    .bind(id.0)
    .bind(token)
    .execute(pool)
    .await
    .map_err(backend("release upload session"))?;
    Ok(())
}

pub(crate) async fn set_offset(
    pool: &PgPool,
    id: UploadId,
    offset: u64,
    expires_at: Timestamp,
    token: Uuid,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE upload_session SET upload_offset = $1, expires_at = $2
         WHERE id = $3 AND lease_token = $4",
    )
    .bind(offset as i64)
    .bind(to_ms(expires_at))
    .bind(id.0)
    .bind(token)
    .execute(pool)
    .await
    .map_err(backend("record upload offset"))?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn finish(
    pool: &PgPool,
    id: UploadId,
    asset: AssetId,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE upload_session SET asset_id = $1, expires_at = $2 WHERE id = $3")
        .bind(asset.0)
        .bind(to_ms(expires_at))
        .bind(id.0)
        .execute(pool)
        .await
        .map_err(backend("finish upload session"))?;
    Ok(())
}

pub(crate) async fn delete(pool: &PgPool, id: UploadId) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM upload_session WHERE id = $1")
        .bind(id.0)
        .execute(pool)
        .await
        .map_err(backend("delete upload session"))?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn expired(pool: &PgPool, now: Timestamp) -> Result<Vec<UploadId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM upload_session WHERE expires_at <= $1 ORDER BY expires_at",
    )
    .bind(to_ms(now))
    .fetch_all(pool)
    .await
    .map_err(backend("list expired uploads"))?;
    Ok(ids.into_iter().map(UploadId).collect())
}
