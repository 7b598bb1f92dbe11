//! The job queue: claim the next due job under a lease, record how it ended, and put
//! jobs abandoned by a stopped process back in the queue.
//!
//! Workers in several processes claim at once: a claim locks the job it picks and skips
//! jobs other claims have locked (`FOR UPDATE SKIP LOCKED`), and every write under a
//! lease is a single `UPDATE … WHERE lease_token = …`, whose row lock orders it against
//! a concurrent claim or cancel.

use std::time::Duration;

use medialib_core::store::JobOutcome;
use medialib_core::store::{NewVariant, QueueDepth, QueueStats, Unreferenced};
use medialib_core::{AssetId, Job, JobId, JobKind, Lease, StoreError, Timestamp};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::rows::{self, now_ms, strip_nul, to_ms};
use super::{backend, begin_write};

macro_rules! job_columns {
    () => {
        "id, asset_id, kind, profile, status, progress, attempts, max_attempts, run_after, \
         error, created_at, updated_at"
    };
}

pub(crate) async fn claim(
    pool: &PgPool,
    owner: &str,
    kinds: &[JobKind],
    duration: Duration,
) -> Result<Option<(Job, Lease)>, StoreError> {
    let now = now_ms();
    let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
    // Each subquery locks the job it picks, skipping jobs that concurrent claims hold,
    // so two workers can never claim the same job and neither waits for the other. A
    // running job whose lease has expired comes first: its worker died or stalled, and
    // the new token fences it out. The two are separate subqueries, each read in the
    // order of `job_due`, because one `OR` over both would read and sort every due job
    // on each claim; the second runs only when the first finds nothing.
    let row = sqlx::query(concat!(
        "UPDATE job SET status = 'running', lease_owner = $1, lease_until = $2,
                lease_token = lease_token + 1, attempts = attempts + 1, updated_at = $3
         WHERE id = coalesce(
             (SELECT id FROM job
              WHERE status = 'running' AND lease_until < $3
                AND (cardinality($4::text[]) = 0 OR kind = ANY($4::text[]))
              ORDER BY lease_until, id LIMIT 1
              FOR UPDATE SKIP LOCKED),
             (SELECT id FROM job
              WHERE status = 'queued' AND run_after <= $3
                AND (cardinality($4::text[]) = 0 OR kind = ANY($4::text[]))
              ORDER BY run_after, id LIMIT 1
              FOR UPDATE SKIP LOCKED))
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

/// Marks the job held by `lease` succeeded through `db` (a transaction, or the pool for a
/// statement of its own); its asset's id, or `None` when the lease no longer holds (the
/// job was cancelled, ended, or claimed again).
///
/// The job's row stays locked until the transaction ends: a cancel or a new claim of it
/// waits, and then finds the job ended.
pub(crate) async fn end_under_lease(
    db: impl sqlx::PgExecutor<'_>,
    lease: Lease,
    now: i64,
) -> Result<Option<AssetId>, StoreError> {
    let asset: Option<Uuid> = sqlx::query_scalar(
        "UPDATE job SET status = 'succeeded', progress = 100, error = NULL,
                lease_owner = NULL, lease_until = NULL, updated_at = $1
         WHERE id = $2 AND status = 'running' AND lease_token = $3
         RETURNING asset_id",
    )
    .bind(now)
    .bind(lease.job.0)
    .bind(lease.token as i64)
    .fetch_optional(db)
    .await
    .map_err(backend("end job"))?;
    Ok(asset.map(AssetId))
}

pub(crate) async fn finish(
    pool: &PgPool,
    lease: Lease,
    outcome: JobOutcome,
) -> Result<bool, StoreError> {
    let now = now_ms();
    // A success changes the job's row alone: one statement, committed on its own. Any
    // other end may fail the asset too, in the same transaction.
    if let JobOutcome::Succeeded = outcome {
        return Ok(end_under_lease(pool, lease, now).await?.is_some());
    }
    let mut tx = begin_write(pool).await?;
    let (status, error, run_after) = match outcome {
        JobOutcome::Succeeded => ("succeeded", None, None),
        JobOutcome::Retry { error, at } => ("queued", Some(error), Some(to_ms(at))),
        JobOutcome::Failed { error } => ("failed", Some(error), None),
    };
    // Errors quote tools' output, which may hold U+0000.
    let error = error.map(|e| strip_nul(&e).into_owned());
    // A retry of a job that has used all its attempts fails it for good.
    let row: Option<(String, Uuid, String)> = sqlx::query_as(
        "UPDATE job SET
            status = CASE WHEN $1 = 'queued' AND attempts >= max_attempts THEN 'failed'
                          ELSE $1 END,
            progress = CASE WHEN $1 = 'succeeded' THEN 100 ELSE progress END,
            error = $2, run_after = coalesce($3, run_after),
            lease_owner = NULL, lease_until = NULL, updated_at = $4
         WHERE id = $5 AND status = 'running' AND lease_token = $6
         RETURNING status, asset_id, kind",
    )
    .bind(status)
    .bind(&error)
    .bind(run_after)
    .bind(now)
    .bind(lease.job.0)
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
        sqlx::query(
            "UPDATE asset SET status = 'failed', error = $1, updated_at = $2 WHERE id = $3",
        )
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

pub(crate) async fn get(pool: &PgPool, id: JobId) -> Result<Option<Job>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        job_columns!(),
        " FROM job WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("get job"))?;
    row.as_ref().map(rows::job).transpose()
}

pub(crate) async fn latest_for_asset(
    pool: &PgPool,
    asset: AssetId,
) -> Result<Option<Job>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        job_columns!(),
        " FROM job WHERE asset_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
    ))
    .bind(asset.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("latest job"))?;
    row.as_ref().map(rows::job).transpose()
}

pub(crate) async fn list_for_asset(pool: &PgPool, asset: AssetId) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        job_columns!(),
        " FROM job WHERE asset_id = $1 ORDER BY created_at, id"
    ))
    .bind(asset.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list jobs"))?;
    rows.iter().map(rows::job).collect()
}

pub(crate) async fn progress(
    pool: &PgPool,
    lease: Lease,
    progress: Option<u8>,
    duration: Duration,
) -> Result<bool, StoreError> {
    let now = now_ms();
    // A heartbeat lost in a crash of the database only shortens the lease (a worker that
    // takes the job over then fences this one out), so its commit need not wait for the
    // WAL flush that a claim's and a finish's wait for: a third of a job's flushes. The
    // setting rides in the statement (`set_config(…, true)` lasts until its implicit
    // transaction ends), which saves the three round trips of BEGIN, SET and COMMIT.
    let done = sqlx::query(
        "WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE job SET progress = coalesce($1, progress), lease_until = $2, updated_at = $3
         FROM no_flush
         WHERE id = $4 AND status = 'running' AND lease_token = $5",
    )
    .bind(progress.map(|p| i64::from(p.min(100))))
    .bind(now + duration.as_millis() as i64)
    .bind(now)
    .bind(lease.job.0)
    .bind(lease.token as i64)
    .execute(pool)
    .await
    .map_err(backend("record job progress"))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn cancel(pool: &PgPool, id: JobId) -> Result<Option<Job>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // A worker recording its results holds the job's row: this waits for it, then finds
    // the job succeeded and cancels nothing, as after SQLite's one writer.
    let cancelled: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE job SET status = 'cancelled', error = 'cancelled by a user',
                lease_owner = NULL, lease_until = NULL, updated_at = $1
         WHERE id = $2 AND status IN ('queued', 'running')
         RETURNING asset_id, kind",
    )
    .bind(now)
    .bind(id.0)
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend("cancel job"))?;
    if let Some((asset_id, kind)) = cancelled
        && is_processing(&kind)
    {
        // Without its processing the asset has no facts or variants: say why.
        sqlx::query(
            "UPDATE asset SET status = 'failed', error = 'processing was cancelled',
                 updated_at = $1 WHERE id = $2 AND status = 'processing'",
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
    pool: &PgPool,
    lease: Lease,
    v: NewVariant,
) -> Result<Option<Unreferenced>, StoreError> {
    let now = now_ms();
    let mut tx = begin_write(pool).await?;
    // Ending the job first makes the lease check and the write one atomic step.
    let Some(asset) = end_under_lease(&mut *tx, lease, now).await? else {
        return Ok(None);
    };
    let replaced: Option<String> = sqlx::query_scalar(
        "SELECT storage_key FROM variant WHERE asset_id = $1 AND name = $2 AND format = $3",
    )
    .bind(asset.0)
    .bind(&v.name)
    .bind(v.format.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend("find replaced rendition"))?;
    super::assets::upsert_variant(&mut tx, asset.0, &v, None, now).await?;
    tx.commit().await.map_err(backend("commit"))?;
    Ok(Some(Unreferenced {
        keys: replaced
            .into_iter()
            .filter(|k| *k != v.storage_key)
            .collect(),
    }))
}

pub(crate) async fn queue_stats(pool: &PgPool, since: Timestamp) -> Result<QueueStats, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT count(*) FROM job WHERE status = 'queued') AS queued,
                (SELECT count(*) FROM job WHERE status = 'running') AS running,
                (SELECT count(*) FROM job WHERE status = 'failed' AND updated_at >= $1)
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

pub(crate) async fn queue_depth(pool: &PgPool) -> Result<Vec<QueueDepth>, StoreError> {
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
