//! Assets, the blobs they reference, and their variants.

use medialib_core::store::{
    AssetPatch, IngestRecord, NewAsset, NewVariant, Processed, Unreferenced,
};
use medialib_core::{
    Asset, AssetId, AssetKind, AssetStatus, JobId, JobPayload, Lease, NamespaceId, Sha256,
    StoreError, Variant,
};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::rows::{self, asset_columns, now_ms, to_ms};
use super::{backend, begin_write};

pub(crate) fn id_bytes(id: AssetId) -> Vec<u8> {
    id.0.as_bytes().to_vec()
}

pub(crate) async fn create(pool: &SqlitePool, new: NewAsset) -> Result<IngestRecord, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO blob (namespace_id, sha256, size, storage_key, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace_id, sha256) DO NOTHING",
    )
    .bind(new.namespace.0)
    .bind(new.sha256.0.as_slice())
    .bind(new.size as i64)
    .bind(&new.storage_key)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(backend("record blob"))?;
    let blob_id: i64 =
        sqlx::query_scalar("SELECT id FROM blob WHERE namespace_id = ? AND sha256 = ?")
            .bind(new.namespace.0)
            .bind(new.sha256.0.as_slice())
            .fetch_one(&mut *tx)
            .await
            .map_err(backend("find blob"))?;

    let payload = JobPayload::processing(new.kind);
    let status = match payload {
        Some(_) => AssetStatus::Processing,
        None => AssetStatus::Ready,
    };
    let inserted = sqlx::query(
        "INSERT INTO asset (id, namespace_id, blob_id, kind, status, mime, size, sha256,
            original_filename, title, description, alt_text, is_public, width, height,
            duration_s, uploaded_by, created_at, updated_at, search_rowid)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                 (SELECT coalesce(max(search_rowid), 0) + 1 FROM asset))
         ON CONFLICT (namespace_id, sha256) WHERE deleted_at IS NULL DO NOTHING",
    )
    .bind(id_bytes(new.id))
    .bind(new.namespace.0)
    .bind(blob_id)
    .bind(new.kind.as_str())
    .bind(status.as_str())
    .bind(&new.mime)
    .bind(new.size as i64)
    .bind(new.sha256.0.as_slice())
    .bind(&new.original_filename)
    .bind(&new.title)
    .bind(&new.description)
    .bind(&new.alt_text)
    .bind(new.is_public)
    .bind(new.width.map(i64::from))
    .bind(new.height.map(i64::from))
    .bind(new.duration_s)
    .bind(new.uploaded_by.map(|u| u.0))
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(backend("record asset"))?;
    if inserted.rows_affected() == 0 {
        // A concurrent upload of the same bytes won the race: report its asset.
        drop(tx);
        let existing = find_by_sha256(pool, new.namespace, &new.sha256).await?;
        return existing.map(IngestRecord::Duplicate).ok_or_else(|| {
            StoreError::Backend("asset with these bytes vanished during ingest".into())
        });
    }

    let job = match payload {
        Some(payload) => Some(queue_job(&mut tx, new.id, &payload, new.max_attempts, now).await?),
        None => None,
    };
    tx.commit().await.map_err(backend("commit"))?;
    let asset = get(pool, new.id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("asset {}", new.id)))?;
    Ok(IngestRecord::Created { asset, job })
}

pub(crate) async fn queue_job(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    asset: AssetId,
    payload: &JobPayload,
    max_attempts: u32,
    now: i64,
) -> Result<JobId, StoreError> {
    let job = JobId::new();
    sqlx::query(
        "INSERT INTO job (id, asset_id, kind, profile, status, max_attempts, run_after,
            created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
    )
    .bind(job.0.as_bytes().as_slice())
    .bind(id_bytes(asset))
    .bind(payload.kind().as_str())
    .bind(payload.profile())
    .bind(i64::from(max_attempts))
    .bind(now)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(backend("queue job"))?;
    Ok(job)
}

pub(crate) async fn find_by_sha256(
    pool: &SqlitePool,
    namespace: NamespaceId,
    sha: &Sha256,
) -> Result<Option<Asset>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        asset_columns!(),
        " FROM asset WHERE namespace_id = ? AND sha256 = ? AND deleted_at IS NULL"
    ))
    .bind(namespace.0)
    .bind(sha.0.as_slice())
    .fetch_optional(pool)
    .await
    .map_err(backend("find asset by sha256"))?;
    row.as_ref().map(rows::asset).transpose()
}

pub(crate) async fn get(pool: &SqlitePool, id: AssetId) -> Result<Option<Asset>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        asset_columns!(),
        " FROM asset WHERE id = ?"
    ))
    .bind(id_bytes(id))
    .fetch_optional(pool)
    .await
    .map_err(backend("get asset"))?;
    row.as_ref().map(rows::asset).transpose()
}

pub(crate) async fn update(
    pool: &SqlitePool,
    id: AssetId,
    patch: &AssetPatch,
) -> Result<Option<Asset>, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new("UPDATE asset SET updated_at = ");
    qb.push_bind(now_ms());
    if let Some(title) = &patch.title {
        qb.push(", title = ").push_bind(title.clone());
    }
    if let Some(description) = &patch.description {
        qb.push(", description = ").push_bind(description.clone());
    }
    if let Some(alt_text) = &patch.alt_text {
        qb.push(", alt_text = ").push_bind(alt_text.clone());
    }
    if let Some(is_public) = patch.is_public {
        qb.push(", is_public = ").push_bind(is_public);
    }
    if let Some(point) = patch.focal_point {
        qb.push(", focal_x = ").push_bind(point.map(|p| p.x));
        qb.push(", focal_y = ").push_bind(point.map(|p| p.y));
    }
    qb.push(" WHERE id = ").push_bind(id_bytes(id));
    let done = qb
        .build()
        .execute(pool)
        .await
        .map_err(backend("update asset"))?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    get(pool, id).await
}

pub(crate) async fn purge(
    pool: &SqlitePool,
    id: AssetId,
) -> Result<Option<Unreferenced>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let Some(blob_id) = sqlx::query_scalar::<_, i64>("SELECT blob_id FROM asset WHERE id = ?")
        .bind(id_bytes(id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend("find asset"))?
    else {
        return Ok(None);
    };
    let mut keys: Vec<String> = sqlx::query_scalar(
        "SELECT storage_key FROM variant WHERE asset_id = ?
             UNION ALL SELECT storage_key FROM derivative WHERE asset_id = ?",
    )
    .bind(id_bytes(id))
    .bind(id_bytes(id))
    .fetch_all(&mut *tx)
    .await
    .map_err(backend("list variant keys"))?;
    // Variants, derivatives and jobs go with the asset (ON DELETE CASCADE).
    sqlx::query("DELETE FROM asset WHERE id = ?")
        .bind(id_bytes(id))
        .execute(&mut *tx)
        .await
        .map_err(backend("purge asset"))?;
    let now = now_ms();
    // A blob an upload holds is about to be referenced again: its row and bytes stay.
    let blob_key: Option<String> = sqlx::query_scalar(
        "DELETE FROM blob WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM asset WHERE blob_id = ?1)
             AND NOT EXISTS (SELECT 1 FROM blob_hold h WHERE h.storage_key = blob.storage_key
                             AND h.kind = 'upload' AND h.until > ?2)
         RETURNING storage_key",
    )
    .bind(blob_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend("release blob"))?;
    if let Some(key) = &blob_key {
        // Held until the caller has deleted the bytes, so no upload writes them meanwhile.
        super::holds::hold(&mut tx, key, "purge", now + super::holds::PURGE_MS).await?;
    }
    keys.extend(blob_key);
    tx.commit().await.map_err(backend("commit"))?;
    Ok(Some(Unreferenced { keys }))
}

pub(crate) async fn list_variants(
    pool: &SqlitePool,
    id: AssetId,
) -> Result<Vec<Variant>, StoreError> {
    let rows = sqlx::query(
        "SELECT asset_id, name, format, width, height, duration_s, size, sha256, storage_key,
            created_at
         FROM variant WHERE asset_id = ? ORDER BY position",
    )
    .bind(id_bytes(id))
    .fetch_all(pool)
    .await
    .map_err(backend("list variants"))?;
    rows.iter().map(rows::variant).collect()
}

pub(crate) async fn variants_of(
    pool: &SqlitePool,
    ids: &[AssetId],
) -> Result<Vec<Variant>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT asset_id, name, format, width, height, duration_s, size, sha256, storage_key,
            created_at
         FROM variant WHERE asset_id IN (",
    );
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id_bytes(*id));
    }
    qb.push(") ORDER BY asset_id, position");
    let rows = qb
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend("list variants"))?;
    rows.iter().map(rows::variant).collect()
}

pub(crate) async fn record_processed(
    pool: &SqlitePool,
    lease: Lease,
    processed: Processed,
) -> Result<Option<Unreferenced>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // Ending the job first makes the lease check and the writes one atomic step.
    let Some(id) = super::jobs::end_under_lease(&mut tx, lease, now).await? else {
        return Ok(None);
    };
    // Renditions of the transcodes queued below stay until their jobs replace them: the
    // jobs write the same storage keys, so deleting them here could race with a job.
    let old: Vec<(String, String)> =
        sqlx::query_as("SELECT name, storage_key FROM variant WHERE asset_id = ?")
            .bind(id_bytes(id))
            .fetch_all(&mut *tx)
            .await
            .map_err(backend("list variant keys"))?;
    let mut old_keys = Vec::new();
    for (name, key) in old {
        if processed.transcodes.contains(&name) {
            continue;
        }
        sqlx::query("DELETE FROM variant WHERE asset_id = ? AND name = ?")
            .bind(id_bytes(id))
            .bind(&name)
            .execute(&mut *tx)
            .await
            .map_err(backend("replace variants"))?;
        old_keys.push(key);
    }
    for (position, v) in processed.variants.iter().enumerate() {
        upsert_variant(&mut tx, &id_bytes(id), v, Some(position as i64), now).await?;
    }
    let m = &processed.metadata;
    let (width, height) = m.dimensions().unzip();
    let metadata = serde_json::to_string(m)
        .map_err(|e| StoreError::Backend(format!("encode metadata: {e}")))?;
    let placeholder = processed
        .placeholder
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Backend(format!("encode placeholder: {e}")))?;
    let done = sqlx::query(
        "UPDATE asset SET status = ?, width = coalesce(?, width), height = coalesce(?, height),
            frame_count = ?, duration_s = ?, page_count = ?, metadata = ?, placeholder = ?,
            extracted_text = ?, taken_at = ?, phash = ?, has_gps = ?, error = NULL,
            updated_at = ?
         WHERE id = ?",
    )
    .bind(AssetStatus::Ready.as_str())
    .bind(width.map(i64::from))
    .bind(height.map(i64::from))
    .bind(m.frame_count().map(i64::from))
    .bind(m.duration_s())
    .bind(m.page_count().map(i64::from))
    .bind(metadata)
    .bind(placeholder)
    .bind(&processed.text)
    .bind(processed.taken_at.map(to_ms))
    // SQLite integers are signed: the hash's 64 bits are stored as they are.
    .bind(processed.phash.map(|h| h as i64))
    .bind(m.gps().is_some())
    .bind(now)
    .bind(id_bytes(id))
    .execute(&mut *tx)
    .await
    .map_err(backend("record processing"))?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    if !processed.transcodes.is_empty() || processed.analyse {
        let max_attempts: i64 =
            sqlx::query_scalar("SELECT coalesce(max(max_attempts), 1) FROM job WHERE asset_id = ?")
                .bind(id_bytes(id))
                .fetch_one(&mut *tx)
                .await
                .map_err(backend("read job attempts"))?;
        let transcodes = processed
            .transcodes
            .iter()
            .map(|profile| JobPayload::Transcode {
                profile: profile.clone(),
            });
        let analyse = processed.analyse.then_some(JobPayload::Analyse {
            analysers: Vec::new(),
        });
        for payload in transcodes.chain(analyse) {
            queue_job(&mut tx, id, &payload, max_attempts as u32, now).await?;
        }
    }
    tx.commit().await.map_err(backend("commit"))?;
    let new_keys: Vec<&str> = processed
        .variants
        .iter()
        .map(|v| v.storage_key.as_str())
        .collect();
    Ok(Some(Unreferenced {
        keys: old_keys
            .into_iter()
            .filter(|k| !new_keys.contains(&k.as_str()))
            .collect(),
    }))
}

/// Writes one variant row, replacing one of the same name and format. `position` orders
/// the asset's variants; `None` appends after the last.
pub(crate) async fn upsert_variant(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    asset_id: &[u8],
    v: &NewVariant,
    position: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO variant (asset_id, name, format, position, width, height, duration_s, size,
            sha256, storage_key, created_at)
         VALUES (?1, ?2, ?3,
                 coalesce(?4, (SELECT coalesce(max(position), -1) + 1
                               FROM variant WHERE asset_id = ?1)),
                 ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (asset_id, name, format) DO UPDATE SET
            width = excluded.width, height = excluded.height, duration_s = excluded.duration_s,
            size = excluded.size, sha256 = excluded.sha256, storage_key = excluded.storage_key,
            created_at = excluded.created_at",
    )
    .bind(asset_id)
    .bind(&v.name)
    .bind(v.format.as_str())
    .bind(position)
    .bind(v.width.map(i64::from))
    .bind(v.height.map(i64::from))
    .bind(v.duration_s)
    .bind(v.size as i64)
    .bind(v.sha256.0.as_slice())
    .bind(&v.storage_key)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(backend("record variant"))?;
    Ok(())
}

pub(crate) async fn text(pool: &SqlitePool, id: AssetId) -> Result<Option<String>, StoreError> {
    let text: Option<Option<String>> =
        sqlx::query_scalar("SELECT extracted_text FROM asset WHERE id = ?")
            .bind(id_bytes(id))
            .fetch_optional(pool)
            .await
            .map_err(backend("read asset text"))?;
    Ok(text.flatten())
}

/// Marks a live asset `processing` and queues its processing job (see
/// `JobQueue::reprocess`).
pub(crate) async fn reprocess(
    pool: &SqlitePool,
    id: AssetId,
    max_attempts: u32,
) -> Result<Option<JobId>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let now = now_ms();
    let kind: Option<String> = sqlx::query_scalar(
        "UPDATE asset SET status = 'processing', error = NULL, updated_at = ?
         WHERE id = ? AND deleted_at IS NULL RETURNING kind",
    )
    .bind(now)
    .bind(id_bytes(id))
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend("mark asset for processing"))?;
    let Some(payload) = kind
        .and_then(|k| k.parse::<AssetKind>().ok())
        .and_then(JobPayload::processing)
    else {
        return Ok(None);
    };
    let job = queue_job(&mut tx, id, &payload, max_attempts, now).await?;
    tx.commit().await.map_err(backend("commit"))?;
    Ok(Some(job))
}
