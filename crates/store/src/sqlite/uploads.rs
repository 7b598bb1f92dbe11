//! Resumable upload sessions: how many bytes have arrived, for whom, until when.

use medialib_core::{
    AssetId, Concat, NamespaceId, StoreError, Timestamp, UploadId, UploadSession, UserId,
};
use sqlx::Row;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use super::backend;
use super::rows::{from_ms, get, to_ms, uuid};

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

fn session(row: &SqliteRow) -> Result<UploadSession, StoreError> {
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
    Ok(UploadSession {
        id: UploadId(uuid(get(row, "id")?)?),
        namespace: NamespaceId(get(row, "namespace_id")?),
        user: UserId(get(row, "user_id")?),
        length: get::<i64>(row, "upload_length")? as u64,
        offset: get::<i64>(row, "upload_offset")? as u64,
        metadata: serde_json::from_str(&get::<String>(row, "metadata")?)
            .map_err(|_| corrupt("metadata"))?,
        concat,
        chunk_size: get::<Option<i64>>(row, "chunk_size")?.map(|n| n as u64),
        asset: get::<Option<Vec<u8>>>(row, "asset_id")?
            .map(uuid)
            .transpose()?
            .map(AssetId),
        created_at: from_ms(get(row, "created_at")?),
        expires_at: from_ms(get(row, "expires_at")?),
    })
}

pub(crate) async fn create(pool: &SqlitePool, s: &UploadSession) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO upload_session (id, namespace_id, user_id, upload_length, upload_offset,
            metadata, concat, chunk_size, asset_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(s.id.0.as_bytes().to_vec())
    .bind(s.namespace.0)
    .bind(s.user.0)
    .bind(s.length as i64)
    .bind(s.offset as i64)
    .bind(serde_json::to_string(&s.metadata).expect("strings serialise"))
    .bind(concat_column(&s.concat))
    .bind(s.chunk_size.map(|n| n as i64))
    .bind(s.asset.map(|a| a.0.as_bytes().to_vec()))
    .bind(to_ms(s.created_at))
    .bind(to_ms(s.expires_at))
    .execute(pool)
    .await
    .map_err(backend("create upload session"))?;
    Ok(())
}

pub(crate) async fn get_one(
    pool: &SqlitePool,
    id: UploadId,
) -> Result<Option<UploadSession>, StoreError> {
    sqlx::query("SELECT * FROM upload_session WHERE id = ?")
        .bind(id.0.as_bytes().to_vec())
        .fetch_optional(pool)
        .await
        .map_err(backend("read upload session"))?
        .as_ref()
        .map(session)
        .transpose()
}

pub(crate) async fn lease(
    pool: &SqlitePool,
    id: UploadId,
    token: Uuid,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE upload_session SET lease_token = ?, lease_until = ?
         WHERE id = ?
           AND (lease_token IS NULL OR lease_token = ? OR lease_until <= ?)",
    )
    .bind(token.as_bytes().to_vec())
    .bind(to_ms(until))
    .bind(id.0.as_bytes().to_vec())
    .bind(token.as_bytes().to_vec())
    .bind(to_ms(now))
    .execute(pool)
    .await
    .map_err(backend("lease upload session"))?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn release(
    pool: &SqlitePool,
    id: UploadId,
    token: Uuid,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE upload_session SET lease_token = NULL, lease_until = NULL
         WHERE id = ? AND lease_token = ?",
    )
    .bind(id.0.as_bytes().to_vec())
    .bind(token.as_bytes().to_vec())
    .execute(pool)
    .await
    .map_err(backend("release upload session"))?;
    Ok(())
}

pub(crate) async fn set_offset(
    pool: &SqlitePool,
    id: UploadId,
    offset: u64,
    expires_at: Timestamp,
    token: Uuid,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE upload_session SET upload_offset = ?, expires_at = ?
         WHERE id = ? AND lease_token = ?",
    )
    .bind(offset as i64)
    .bind(to_ms(expires_at))
    .bind(id.0.as_bytes().to_vec())
    .bind(token.as_bytes().to_vec())
    .execute(pool)
    .await
    .map_err(backend("record upload offset"))?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn finish(
    pool: &SqlitePool,
    id: UploadId,
    asset: AssetId,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE upload_session SET asset_id = ?, expires_at = ? WHERE id = ?")
        .bind(asset.0.as_bytes().to_vec())
        .bind(to_ms(expires_at))
        .bind(id.0.as_bytes().to_vec())
        .execute(pool)
        .await
        .map_err(backend("finish upload session"))?;
    Ok(())
}

pub(crate) async fn delete(pool: &SqlitePool, id: UploadId) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM upload_session WHERE id = ?")
        .bind(id.0.as_bytes().to_vec())
        .execute(pool)
        .await
        .map_err(backend("delete upload session"))?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn expired(
    pool: &SqlitePool,
    now: Timestamp,
) -> Result<Vec<UploadId>, StoreError> {
    sqlx::query("SELECT id FROM upload_session WHERE expires_at <= ? ORDER BY expires_at")
        .bind(to_ms(now))
        .fetch_all(pool)
        .await
        .map_err(backend("list expired uploads"))?
        .iter()
        .map(|row| uuid(row.get("id")).map(UploadId))
        .collect()
}
