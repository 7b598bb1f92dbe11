//! `/api/v1/jobs`: job state and progress, and cancelling.

use axum::Json;
use axum::extract::{Path, State};
use medialib_app::jobs;

use super::extract::parse_id;
use crate::auth::Auth;
use crate::dto::JobDto;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /api/v1/jobs/{id}`.
#[utoipa::path(
    operation_id = "jobs_get",
    get,
    path = "/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, format = Uuid, description = "job id (UUIDv7)")),
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
    let (job, _) = jobs::get(&state.catalog, &auth, parse_id(&id, "job")?).await?;
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
    params(("id" = String, Path, format = Uuid, description = "job id (UUIDv7)")),
    responses(
        (status = 200, description = "the cancelled job", body = JobDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 409, description = "the job has already ended", body = ErrorBody),
    )
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<JobDto>, ApiError> {
    let after = jobs::cancel(&state.catalog, &auth, parse_id(&id, "job")?).await?;
    Ok(Json(JobDto::from_job(&after)))
}
