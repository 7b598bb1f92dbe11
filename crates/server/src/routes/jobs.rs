//! `/api/v1/jobs`: job state and progress, and cancelling.

use axum::Json;
use axum::extract::{Path, State};
use medialib_core::ErrorCode;
use medialib_core::access::Principal;
use medialib_core::{Asset, Job, JobId, JobStatus};

use super::extract::parse_id;
use crate::auth::{Auth, Write, can_read, require_change};
use crate::dto::JobDto;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /api/v1/jobs/{id}`.
#[utoipa::path(
    operation_id = "jobs_get",
    get,
    path = "/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, description = "job id (UUIDv7)")),
    responses(
        (status = 200, description = "the job", body = JobDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<JobDto>, ApiError> {
    let (job, _) = load(&state, &auth, &id).await?;
    Ok(Json(JobDto::from_job(&job)))
}

/// `POST /api/v1/jobs/{id}/cancel`: stops a queued or running job. A running transcode's
/// ffmpeg is killed within a second and its partial output deleted; no rendition is
/// recorded. Cancelling a processing job marks its asset failed.
///
/// Errors: 404 for an unknown job, 409 when the job has already ended.
#[utoipa::path(
    operation_id = "jobs_cancel",
    post,
    path = "/jobs/{id}/cancel",
    tag = "jobs",
    params(("id" = String, Path, description = "job id (UUIDv7)")),
    responses(
        (status = 200, description = "the cancelled job", body = JobDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 409, description = "the job has already ended", body = ErrorBody),
    )
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    auth: Auth<Write>,
    Path(id): Path<String>,
) -> Result<Json<JobDto>, ApiError> {
    let (job, asset) = load(&state, &auth, &id).await?;
    require_change(&auth, &asset)?;
    let after = state
        .store
        .cancel_job(job.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {}", job.id)))?;
    if after.status != JobStatus::Cancelled || job.status == JobStatus::Cancelled {
        return Err(ApiError::new(
            ErrorCode::JobEnded,
            format!("job {} has already ended ({})", job.id, after.status),
        ));
    }
    tracing::info!(job = %job.id, kind = %job.payload.kind(), "job cancelled");
    Ok(Json(JobDto::from_job(&after)))
}

/// A job the caller may see (whoever may see its asset), and its asset.
async fn load(state: &AppState, auth: &Principal, id: &str) -> Result<(Job, Asset), ApiError> {
    let id: JobId = parse_id(id, "job")?;
    let job = state
        .store
        .get_job(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
    let asset = state
        .store
        .get_asset(job.asset_id)
        .await?
        .filter(|a| can_read(auth, a))
        .ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
    Ok((job, asset))
}
