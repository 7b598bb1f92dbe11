//! `/api/v1/jobs`: job state and progress.

use axum::Json;
use axum::extract::{Path, State};
use medialib_core::JobId;

use super::extract::parse_id;
use crate::auth::{Auth, can_read};
use crate::dto::JobDto;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /api/v1/jobs/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<JobDto>, ApiError> {
    let id: JobId = parse_id(&id, "job")?;
    let job = state
        .store
        .get_job(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
    // A job is visible to whoever may see its asset.
    let visible = state
        .store
        .get_asset(job.asset_id)
        .await?
        .is_some_and(|a| can_read(&auth.0, &a));
    if !visible {
        return Err(ApiError::not_found(format!("job {id}")));
    }
    Ok(Json(JobDto::from_job(&job)))
}
