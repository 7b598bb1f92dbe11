//! Assets, the blobs they reference, and their variants.

use medialib_core::store::{
    AssetPatch, IngestRecord, NewAsset, NewVariant, Processed, Unreferenced,
};
use medialib_core::{
    Asset, AssetId, AssetKind, AssetStatus, JobId, JobPayload, Lease, NamespaceId, Sha256,
    StoreError, Variant,
};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::rows::{self, asset_columns, json_strip_nul, now_ms, strip_nul, to_ms};
use super::{backend, begin_write};

/// Whether `e` is a unique violation of the index of live assets per content hash.
pub(crate) fn live_duplicate(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.constraint() == Some("asset_live_sha256"))
}

/// Whether `e` is a unique violation of the blob table's storage keys.
fn blob_key_taken(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.constraint() == Some("blob_storage_key_key"))
}

pub(crate) async fn create(pool: &PgPool, new: NewAsset) -> Result<IngestRecord, StoreError> {
    // The blob upsert below names one unique index, (namespace, sha256), as its arbiter.
    // When another node inserts the same bytes at the same moment, PostgreSQL may check
    // the other unique index, the storage key, first: that check waits for the other
    // transaction and then fails instead of taking the upsert's path. The other blob row
    // is committed by then, so the next attempt finds it.
    for _ in 0..2 {
        if let Some(record) = try_create(pool, &new).await? {
            return Ok(record);
        }
    }
    try_create(pool, &new).await?.ok_or_else(|| {
        StoreError::Backend("the blob row kept colliding with concurrent uploads".into())
    })
}

/// One attempt of `create`: `None` when a concurrent insert of the same blob won.
async fn try_create(pool: &PgPool, new: &NewAsset) -> Result<Option<IngestRecord>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // An upsert, not SQLite's DO NOTHING then SELECT: it returns the id either way, and
    // its row lock makes a concurrent purge of this blob wait until the asset is in.
    let blob_id: Result<i64, _> = sqlx::query_scalar(
        "INSERT INTO blob (namespace_id, sha256, size, storage_key, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (namespace_id, sha256) DO UPDATE SET size = blob.size
         RETURNING id",
    )
    .bind(new.namespace.0)
    .bind(new.sha256.0.as_slice())
    .bind(new.size as i64)
    .bind(&new.storage_key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let blob_id = match blob_id {
        Ok(id) => id,
        Err(e) if blob_key_taken(&e) => return Ok(None),
        Err(e) => return Err(backend("record blob")(e)),
    };

    let payload = JobPayload::processing(new.kind);
    let status = match payload {
        Some(_) => AssetStatus::Processing,
        None => AssetStatus::Ready,
    };
    // search_rowid comes from its sequence, search_doc from the insert trigger.
    let inserted = sqlx::query(
        "INSERT INTO asset (id, namespace_id, blob_id, kind, status, mime, size, sha256,
            original_filename, title, description, alt_text, is_public, width, height,
            duration_s, uploaded_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19)
         ON CONFLICT (namespace_id, sha256) WHERE deleted_at IS NULL DO NOTHING",
    )
    .bind(new.id.0)
    .bind(new.namespace.0)
    .bind(blob_id)
    .bind(new.kind.as_str())
    .bind(status.as_str())
    .bind(strip_nul(&new.mime))
    .bind(new.size as i64)
    .bind(new.sha256.0.as_slice())
    .bind(strip_nul(&new.original_filename))
    .bind(strip_nul(&new.title))
    .bind(new.description.as_deref().map(strip_nul))
    .bind(new.alt_text.as_deref().map(strip_nul))
    .bind(new.is_public)
    .bind(new.width.map(i64::from))
    .bind(new.height.map(i64::from))
    .bind(new.duration_s)
    .bind(new.uploaded_by.map(|u| u.0))
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await;
    // ON CONFLICT waits for a concurrent insert of the same bytes and then does nothing;
    // the unique violation is the same race seen from a restore, which names no index.
    let duplicate = match inserted {
        Ok(done) => done.rows_affected() == 0,
        Err(e) if live_duplicate(&e) => true,
        Err(e) => return Err(backend("record asset")(e)),
    };
    if duplicate {
        // A concurrent upload of the same bytes won the race: report its asset.
        drop(tx);
        let existing = find_by_sha256(pool, new.namespace, &new.sha256).await?;
        return existing
            .map(|asset| Some(IngestRecord::Duplicate(asset)))
            .ok_or_else(|| {
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
    Ok(Some(IngestRecord::Created { asset, job }))
}

pub(crate) async fn queue_job(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    asset: AssetId,
    payload: &JobPayload,
    max_attempts: u32,
    now: i64,
) -> Result<JobId, StoreError> {
    let job = JobId::new();
    sqlx::query(
        "INSERT INTO job (id, asset_id, kind, profile, status, max_attempts, run_after,
            created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8)",
    )
    .bind(job.0)
    .bind(asset.0)
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
    pool: &PgPool,
    namespace: NamespaceId,
    sha: &Sha256,
) -> Result<Option<Asset>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        asset_columns!(),
        " FROM asset WHERE namespace_id = $1 AND sha256 = $2 AND deleted_at IS NULL"
    ))
    .bind(namespace.0)
    .bind(sha.0.as_slice())
    .fetch_optional(pool)
    .await
    .map_err(backend("find asset by sha256"))?;
    row.as_ref().map(rows::asset).transpose()
}

pub(crate) async fn get(pool: &PgPool, id: AssetId) -> Result<Option<Asset>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        asset_columns!(),
        " FROM asset WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("get asset"))?;
    row.as_ref().map(rows::asset).transpose()
}

pub(crate) async fn update(
    pool: &PgPool,
    id: AssetId,
    patch: &AssetPatch,
) -> Result<Option<Asset>, StoreError> {
    let mut qb = QueryBuilder::<Postgres>::new("UPDATE asset SET updated_at = ");
    qb.push_bind(now_ms());
    if let Some(title) = &patch.title {
        qb.push(", title = ")
            .push_bind(strip_nul(title).into_owned());
    }
    if let Some(description) = &patch.description {
        qb.push(", description = ")
            .push_bind(description.as_deref().map(|d| strip_nul(d).into_owned()));
    }
    if let Some(alt_text) = &patch.alt_text {
        qb.push(", alt_text = ")
            .push_bind(alt_text.as_deref().map(|a| strip_nul(a).into_owned()));
    }
    if let Some(is_public) = patch.is_public {
        qb.push(", is_public = ").push_bind(is_public);
    }
    if let Some(point) = patch.focal_point {
        qb.push(", focal_x = ").push_bind(point.map(|p| p.x));
        qb.push(", focal_y = ").push_bind(point.map(|p| p.y));
    }
    qb.push(" WHERE id = ").push_bind(id.0);
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

pub(crate) async fn purge(pool: &PgPool, id: AssetId) -> Result<Option<Unreferenced>, StoreError> {
    let mut tx = begin_write(pool).await?;
    // Locked, so that of two purges of one asset the second finds it gone and reports
    // no keys, as it would after SQLite's one writer.
    let Some(blob_id) =
        sqlx::query_scalar::<_, i64>("SELECT blob_id FROM asset WHERE id = $1 FOR UPDATE")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend("find asset"))?
    else {
        return Ok(None);
    };
    let mut keys: Vec<String> = sqlx::query_scalar(
        "SELECT storage_key FROM variant WHERE asset_id = $1
             UNION ALL SELECT storage_key FROM derivative WHERE asset_id = $1",
    )
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await
    .map_err(backend("list variant keys"))?;
    // Variants, derivatives and jobs go with the asset (ON DELETE CASCADE).
    sqlx::query("DELETE FROM asset WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("purge asset"))?;
    // The blob row is locked before the statement that decides on it: an ingest of the
    // same bytes holds it until its asset is committed, which the DELETE's own snapshot
    // (taken after the wait) then sees. The key's lock orders this against upload holds.
    let key: Option<String> =
        sqlx::query_scalar("SELECT storage_key FROM blob WHERE id = $1 FOR UPDATE")
            .bind(blob_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend("lock blob"))?;
    let mut blob_key: Option<String> = None;
    if let Some(key) = key {
        super::holds::lock_key(&mut tx, &key).await?;
        let now = now_ms();
        // A blob an upload holds is about to be referenced again: its row and bytes stay.
        blob_key = sqlx::query_scalar(
            "DELETE FROM blob WHERE id = $1
                 AND NOT EXISTS (SELECT 1 FROM asset WHERE blob_id = $1)
                 AND NOT EXISTS (SELECT 1 FROM blob_hold h WHERE h.storage_key = blob.storage_key
                                 AND h.kind = 'upload' AND h.until > $2)
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
    }
    keys.extend(blob_key);
    tx.commit().await.map_err(backend("commit"))?;
    Ok(Some(Unreferenced { keys }))
}

pub(crate) async fn list_variants(pool: &PgPool, id: AssetId) -> Result<Vec<Variant>, StoreError> {
    let rows = sqlx::query(
        "SELECT asset_id, name, format, width, height, duration_s, size, sha256, storage_key,
            created_at
         FROM variant WHERE asset_id = $1 ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list variants"))?;
    rows.iter().map(rows::variant).collect()
}

pub(crate) async fn variants_of(
    pool: &PgPool,
    ids: &[AssetId],
) -> Result<Vec<Variant>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let rows = sqlx::query(
        "SELECT asset_id, name, format, width, height, duration_s, size, sha256, storage_key,
            created_at
         FROM variant WHERE asset_id = ANY($1) ORDER BY asset_id, position",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
    .map_err(backend("list variants"))?;
    rows.iter().map(rows::variant).collect()
}

pub(crate) async fn record_processed(
    pool: &PgPool,
    lease: Lease,
    processed: Processed,
) -> Result<Option<Unreferenced>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // Ending the job first makes the lease check and the writes one atomic step: the
    // job's row stays locked until commit, so a cancel or a new claim waits for it.
    let Some(id) = super::jobs::end_under_lease(&mut *tx, lease, now).await? else {
        return Ok(None);
    };
    // Renditions of the transcodes queued below stay until their jobs replace them: the
    // jobs write the same storage keys, so deleting them here could race with a job.
    let old: Vec<(String, String)> =
        sqlx::query_as("SELECT name, storage_key FROM variant WHERE asset_id = $1")
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend("list variant keys"))?;
    let mut old_keys = Vec::new();
    for (name, key) in old {
        if processed.transcodes.contains(&name) {
            continue;
        }
        sqlx::query("DELETE FROM variant WHERE asset_id = $1 AND name = $2")
            .bind(id.0)
            .bind(&name)
            .execute(&mut *tx)
            .await
            .map_err(backend("replace variants"))?;
        old_keys.push(key);
    }
    for (position, v) in processed.variants.iter().enumerate() {
        upsert_variant(&mut tx, id.0, v, Some(position as i64), now).await?;
    }
    let m = &processed.metadata;
    let (width, height) = m.dimensions().unzip();
    let metadata = serde_json::to_value(m)
        .map_err(|e| StoreError::Backend(format!("encode metadata: {e}")))?;
    let placeholder = processed
        .placeholder
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| StoreError::Backend(format!("encode placeholder: {e}")))?;
    let done = sqlx::query(
        "UPDATE asset SET status = $1, width = coalesce($2, width),
            height = coalesce($3, height), frame_count = $4, duration_s = $5, page_count = $6,
            metadata = $7, placeholder = $8, extracted_text = $9, taken_at = $10, phash = $11,
            has_gps = $12, error = NULL, updated_at = $13
         WHERE id = $14",
    )
    .bind(AssetStatus::Ready.as_str())
    .bind(width.map(i64::from))
    .bind(height.map(i64::from))
    .bind(m.frame_count().map(i64::from))
    .bind(m.duration_s())
    .bind(m.page_count().map(i64::from))
    .bind(Json(json_strip_nul(metadata)))
    .bind(placeholder.map(|p| Json(json_strip_nul(p))))
    .bind(processed.text.as_deref().map(strip_nul))
    .bind(processed.taken_at.map(to_ms))
    // BIGINT is signed: the hash's 64 bits are stored as they are.
    .bind(processed.phash.map(|h| h as i64))
    .bind(m.gps().is_some())
    .bind(now)
    .bind(id.0)
    .execute(&mut *tx)
    .await
    .map_err(backend("record processing"))?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    if !processed.transcodes.is_empty() || processed.analyse {
        let max_attempts: i64 = sqlx::query_scalar(
            "SELECT coalesce(max(max_attempts), 1) FROM job WHERE asset_id = $1",
        )
        .bind(id.0)
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
    tx: &mut sqlx::Transaction<'_, Postgres>,
    asset_id: Uuid,
    v: &NewVariant,
    position: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    if position.is_none() {
        // Appending reads the last position: renditions of two transcode jobs recorded
        // at once would otherwise both take the same one.
        sqlx::query("SELECT 1 FROM asset WHERE id = $1 FOR UPDATE")
            .bind(asset_id)
            .execute(&mut **tx)
            .await
            .map_err(backend("lock asset"))?;
    }
    sqlx::query(
        "INSERT INTO variant (asset_id, name, format, position, width, height, duration_s, size,
            sha256, storage_key, created_at)
         VALUES ($1, $2, $3,
                 coalesce($4, (SELECT coalesce(max(position), -1) + 1
                               FROM variant WHERE asset_id = $1)),
                 $5, $6, $7, $8, $9, $10, $11)
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

pub(crate) async fn text(pool: &PgPool, id: AssetId) -> Result<Option<String>, StoreError> {
    let text: Option<Option<String>> =
        sqlx::query_scalar("SELECT extracted_text FROM asset WHERE id = $1")
            .bind(id.0)
            .fetch_optional(pool)
            .await
            .map_err(backend("read asset text"))?;
    Ok(text.flatten())
}

/// Marks a live asset `processing` and queues its processing job (see
/// `JobQueue::reprocess`).
pub(crate) async fn reprocess(
    pool: &PgPool,
    id: AssetId,
    max_attempts: u32,
) -> Result<Option<JobId>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let now = now_ms();
    let kind: Option<String> = sqlx::query_scalar(
        "UPDATE asset SET status = 'processing', error = NULL, updated_at = $1
         WHERE id = $2 AND deleted_at IS NULL RETURNING kind",
    )
    .bind(now)
    .bind(id.0)
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
