//! The job queue: claim the next due job under a lease, record how it ended, and put
//! jobs abandoned by a stopped process back in the queue.

use std::time::Duration;

use medialib_core::store::JobOutcome;
use medialib_core::store::{NewVariant, QueueDepth, QueueStats, Unreferenced};
use medialib_core::{AssetId, Job, JobId, JobKind, Lease, StoreError, Timestamp};
use sqlx::{Row, Sqlite, SqlitePool};

use super::rows::{self, now_ms, to_ms};
use super::{backend, begin_write};

macro_rules! job_columns {
    () => {
        "id, asset_id, kind, profile, status, progress, attempts, max_attempts, run_after, \
         error, created_at, updated_at"
    };
}

pub(crate) async fn claim(
    pool: &SqlitePool,
    owner: &str,
    kinds: &[JobKind],
    duration: Duration,
) -> Result<Option<(Job, Lease)>, StoreError> {
    let now = now_ms();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let kinds = serde_json::to_string(&kinds).map_err(|e| StoreError::Backend(e.to_string()))?;
    // One statement, so two workers can never claim the same job: SQLite runs writes
    // one at a time. A running job whose lease has expired comes first: its worker died
    // or stalled, and the new token fences it out. The two are separate subqueries, each
    // read in the order of `job_due`, because one `OR` over both would read and sort
    // every due job on each claim; the second runs only when the first finds nothing.
    let row = sqlx::query(concat!(
        "UPDATE job SET status = 'running', lease_owner = ?1, lease_until = ?2,
                lease_token = lease_token + 1, attempts = attempts + 1, updated_at = ?3
         WHERE id = coalesce(
             (SELECT id FROM job
              WHERE status = 'running' AND lease_until < ?3
                AND (json_array_length(?4) = 0 OR kind IN (SELECT value FROM json_each(?4)))
              ORDER BY lease_until, id LIMIT 1),
             (SELECT id FROM job
              WHERE status = 'queued' AND run_after <= ?3
                AND (json_array_length(?4) = 0 OR kind IN (SELECT value FROM json_each(?4)))
              ORDER BY run_after, id LIMIT 1))
         RETURNING lease_token, ",
        job_columns!()
    ))
    .bind(owner)
    .bind(now + duration.as_millis() as i64)
    .bind(now)
    .bind(kinds)
    .fetch_optional(pool)
    .await
    .map_err(backend("claim job"))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let job = rows::job(&row)?;
    let token: i64 = row
        .try_get("lease_token")
        .map_err(backend("read lease token"))?;
    let lease = Lease {
        job: job.id,
        token: token as u64,
    };
    Ok(Some((job, lease)))
}

/// Marks the job held by `lease` succeeded inside `tx`; its asset's id, or `None` when the
/// lease no longer holds (the job was cancelled, ended, or claimed again).
pub(crate) async fn end_under_lease(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    lease: Lease,
    now: i64,
) -> Result<Option<AssetId>, StoreError> {
    let asset: Option<Vec<u8>> = sqlx::query_scalar(
        "UPDATE job SET status = 'succeeded', progress = 100, error = NULL,
                lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE id = ? AND status = 'running' AND lease_token = ?
         RETURNING asset_id",
    )
    .bind(now)
    .bind(lease.job.0.as_bytes().as_slice())
    .bind(lease.token as i64)
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend("end job"))?;
    asset
        .map(|bytes| rows::uuid(bytes).map(AssetId))
        .transpose()
}

pub(crate) async fn finish(
    pool: &SqlitePool,
    lease: Lease,
    outcome: JobOutcome,
) -> Result<bool, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    let (status, error, run_after) = match outcome {
        JobOutcome::Succeeded => ("succeeded", None, None),
        JobOutcome::Retry { error, at } => ("queued", Some(error), Some(to_ms(at))),
        JobOutcome::Failed { error } => ("failed", Some(error), None),
    };
    // A retry of a job that has used all its attempts fails it for good.
    let row: Option<(String, Vec<u8>, String)> = sqlx::query_as(
        "UPDATE job SET
            status = CASE WHEN ?1 = 'queued' AND attempts >= max_attempts THEN 'failed' ELSE ?1 END,
            progress = CASE WHEN ?1 = 'succeeded' THEN 100 ELSE progress END,
            error = ?2, run_after = coalesce(?3, run_after),
            lease_owner = NULL, lease_until = NULL, updated_at = ?4
         WHERE id = ?5 AND status = 'running' AND lease_token = ?6
         RETURNING status, asset_id, kind",
    )
    .bind(status)
    .bind(&error)
    .bind(run_after)
    .bind(now)
    .bind(lease.job.0.as_bytes().as_slice())
    .bind(lease.token as i64)
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend("finish job"))?;
    let Some((final_status, asset_id, kind)) = row else {
        return Ok(false);
    };
    // A failed transcode or analysis leaves the asset as it is: its original, poster and
    // other renditions are still good.
    if final_status == "failed" && is_processing(&kind) {
        sqlx::query("UPDATE asset SET status = 'failed', error = ?, updated_at = ? WHERE id = ?")
            .bind(&error)
            .bind(now)
            .bind(asset_id)
            .execute(&mut *tx)
            .await
            .map_err(backend("mark asset failed"))?;
    }
    tx.commit().await.map_err(backend("commit"))?;
    Ok(true)
}

pub(crate) async fn get(pool: &SqlitePool, id: JobId) -> Result<Option<Job>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", job_columns!(), " FROM job WHERE id = ?"))
        .bind(id.0.as_bytes().as_slice())
        .fetch_optional(pool)
        .await
        .map_err(backend("get job"))?;
    row.as_ref().map(rows::job).transpose()
}

pub(crate) async fn latest_for_asset(
    pool: &SqlitePool,
    asset: AssetId,
) -> Result<Option<Job>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        job_columns!(),
        " FROM job WHERE asset_id = ? ORDER BY created_at DESC, id DESC LIMIT 1"
    ))
    .bind(asset.0.as_bytes().as_slice())
    .fetch_optional(pool)
    .await
    .map_err(backend("latest job"))?;
    row.as_ref().map(rows::job).transpose()
}

pub(crate) async fn list_for_asset(
    pool: &SqlitePool,
    asset: AssetId,
) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        job_columns!(),
        " FROM job WHERE asset_id = ? ORDER BY created_at, id"
    ))
    .bind(asset.0.as_bytes().as_slice())
    .fetch_all(pool)
    .await
    .map_err(backend("list jobs"))?;
    rows.iter().map(rows::job).collect()
}

pub(crate) async fn progress(
    pool: &SqlitePool,
    lease: Lease,
    progress: Option<u8>,
    duration: Duration,
) -> Result<bool, StoreError> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE job SET progress = coalesce(?, progress), lease_until = ?, updated_at = ?
         WHERE id = ? AND status = 'running' AND lease_token = ?",
    )
    .bind(progress.map(|p| i64::from(p.min(100))))
    .bind(now + duration.as_millis() as i64)
    .bind(now)
    .bind(lease.job.0.as_bytes().as_slice())
    .bind(lease.token as i64)
    .execute(pool)
    .await
    .map_err(backend("record job progress"))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn cancel(pool: &SqlitePool, id: JobId) -> Result<Option<Job>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    let cancelled: Option<(Vec<u8>, String)> = sqlx::query_as(
        "UPDATE job SET status = 'cancelled', error = 'cancelled by a user',
                lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE id = ? AND status IN ('queued', 'running')
         RETURNING asset_id, kind",
    )
    .bind(now)
    .bind(id.0.as_bytes().as_slice())
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend("cancel job"))?;
    if let Some((asset_id, kind)) = cancelled
        && is_processing(&kind)
    {
        // Without its processing the asset has no facts or variants: say why.
        sqlx::query(
            "UPDATE asset SET status = 'failed', error = 'processing was cancelled',
                 updated_at = ? WHERE id = ? AND status = 'processing'",
        )
        .bind(now)
        .bind(asset_id)
        .execute(&mut *tx)
        .await
        .map_err(backend("mark asset failed"))?;
    }
    tx.commit().await.map_err(backend("commit"))?;
    get(pool, id).await
}

pub(crate) async fn record_rendition(
    pool: &SqlitePool,
    lease: Lease,
    v: NewVariant,
) -> Result<Option<Unreferenced>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // Ending the job first makes the lease check and the write one atomic step.
    let Some(asset) = end_under_lease(&mut tx, lease, now).await? else {
        return Ok(None);
    };
    let asset_id = asset.0.as_bytes().to_vec();
    let replaced: Option<String> = sqlx::query_scalar(
        "SELECT storage_key FROM variant WHERE asset_id = ? AND name = ? AND format = ?",
    )
    .bind(&asset_id)
    .bind(&v.name)
    .bind(v.format.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend("find replaced rendition"))?;
    super::assets::upsert_variant(&mut tx, &asset_id, &v, None, now).await?;
    tx.commit().await.map_err(backend("commit"))?;
    Ok(Some(Unreferenced {
        keys: replaced
            .into_iter()
            .filter(|k| *k != v.storage_key)
            .collect(),
    }))
}

pub(crate) async fn queue_stats(
    pool: &SqlitePool,
    since: Timestamp,
) -> Result<QueueStats, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT count(*) FROM job WHERE status = 'queued') AS queued,
                (SELECT count(*) FROM job WHERE status = 'running') AS running,
                (SELECT count(*) FROM job WHERE status = 'failed' AND updated_at >= ?)
                    AS failed_since,
                (SELECT min(created_at) FROM job WHERE status = 'queued') AS oldest_queued",
    )
    .bind(to_ms(since))
    .fetch_one(pool)
    .await
    .map_err(backend("read queue stats"))?;
    let count = |column: &str| row.try_get::<i64, _>(column).map(|n| n as u64);
    let read = || -> Result<QueueStats, sqlx::Error> {
        Ok(QueueStats {
            queued: count("queued")?,
            running: count("running")?,
            failed_since: count("failed_since")?,
            oldest_queued: row
                .try_get::<Option<i64>, _>("oldest_queued")?
                .map(rows::from_ms),
        })
    };
    read().map_err(backend("read queue stats"))
}

pub(crate) async fn queue_depth(pool: &SqlitePool) -> Result<Vec<QueueDepth>, StoreError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, status, count(*) FROM job WHERE status IN ('queued', 'running')
         GROUP BY kind, status ORDER BY kind, status",
    )
    .fetch_all(pool)
    .await
    .map_err(backend("count jobs by kind"))?;
    crate::decode::queue_depth(rows)
}

/// Whether a stored job kind is an asset's processing job, whose failure or cancel fails
/// the asset (transcodes and analysis leave it as it is).
fn is_processing(kind: &str) -> bool {
    kind.parse::<JobKind>().is_ok_and(JobKind::is_processing)
}
