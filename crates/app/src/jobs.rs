//! Jobs as users see them: read one, cancel one.

use medialib_core::access::{Access, Principal};
use medialib_core::{AppError, Asset, ErrorCode, Job, JobId, JobStatus};

use crate::Catalog;
use crate::access::authorize::{can_read, require, require_change};

/// The job `id` and its asset, if the caller may see the asset; `not_found` otherwise.
pub async fn get(
    catalog: &Catalog,
    caller: &Principal,
    id: JobId,
) -> Result<(Job, Asset), AppError> {
    let job = catalog
        .store
        .get_job(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("job {id}")))?;
    let asset = catalog
        .store
        .get_asset(job.asset_id)
        .await?
        .filter(|a| can_read(caller, a))
        .ok_or_else(|| AppError::not_found(format!("job {id}")))?;
    Ok((job, asset))
}

/// Cancels a queued or running job and returns it. A running worker, in any process,
/// learns it at its next progress write and stops; it can no longer record anything.
///
/// Errors: `forbidden` as for changing the job's asset; `not_found`; `job_ended` when the
/// job had already ended (or was cancelled before).
pub async fn cancel(catalog: &Catalog, caller: &Principal, id: JobId) -> Result<Job, AppError> {
    require(caller, Access::Write)?;
    let (job, asset) = get(catalog, caller, id).await?;
    require_change(caller, &asset)?;
    let after = catalog
        .store
        .cancel_job(job.id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("job {}", job.id)))?;
    if after.status != JobStatus::Cancelled || job.status == JobStatus::Cancelled {
        return Err(AppError::new(
            ErrorCode::JobEnded,
            format!("job {} has already ended ({})", job.id, after.status),
        ));
    }
    tracing::info!(job = %job.id, kind = %job.payload.kind(), "job cancelled");
    Ok(after)
}
