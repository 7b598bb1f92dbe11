//! `/api/v1/assets/{id}/analyse` and the review of automatic tags.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::analysis;
use medialib_core::AppError;
use medialib_core::analysis::{Analyser, TagReview};
use serde::Deserialize;
use utoipa::IntoParams;

use super::assets::render;
use super::extract::{ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::{AssetDto, JobDto};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnalyseParams {
    /// Comma-separated analysers to run (`facts`, `places`, `labels`, `faces`, `text`,
    /// `moderation`, `remote`); default: every enabled one.
    #[param(
        pattern = r"^(facts|places|labels|faces|text|moderation|remote)(,(facts|places|labels|faces|text|moderation|remote))*$"
    )]
    analysers: Option<String>,
}

/// `POST /api/v1/assets/{id}/analyse?analysers=places`: runs the analysers again on a
/// ready asset, as a job. Rejected automatic tags stay off.
#[utoipa::path(
    operation_id = "assets_analyse",
    post,
    path = "/assets/{id}/analyse",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), AnalyseParams),
    responses(
        (status = 202, description = "the analysis job, queued (or the one already waiting)", body = JobDto),
        (status = 400, description = "an unknown analyser", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "no write access to the asset", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 409, description = "the asset is processing, or failed", body = ErrorBody),
    )
)]
pub(crate) async fn analyse(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<AnalyseParams>,
) -> Result<(StatusCode, Json<JobDto>), ApiError> {
    let analysers = params
        .analysers
        .iter()
        .flat_map(|list| list.split(','))
        .map(|name| {
            name.trim().parse::<Analyser>().map_err(|_| {
                AppError::new(
                    medialib_core::ErrorCode::InvalidQuery,
                    format!(
                        "analysers: {name:?} is not an analyser; expected some of {}",
                        Analyser::ALL
                            .iter()
                            .map(|a| a.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let job = analysis::analyse(&state.catalog, &auth, parse_id(&id, "asset")?, &analysers).await?;
    Ok((StatusCode::ACCEPTED, Json(JobDto::from_job(&job))))
}

/// `POST /api/v1/assets/{id}/tags/{slug}/accept`: keeps an automatic tag; it becomes a
/// user tag, which analysis never takes off.
#[utoipa::path(
    operation_id = "tags_accept",
    post,
    path = "/assets/{id}/tags/{slug}/accept",
    tag = "tags",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), ("slug" = String, Path, description = "tag slug")),
    responses(
        (status = 200, description = "the asset, the tag now a user tag", body = AssetDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "no write access to the asset", body = ErrorBody),
        (status = 404, description = "no such asset, or it carries no automatic tag of that slug", body = ErrorBody),
    )
)]
pub(crate) async fn accept(
    state: State<AppState>,
    auth: Auth,
    path: Path<(String, String)>,
) -> Result<Json<AssetDto>, ApiError> {
    review(state, auth, path, TagReview::Accept).await
}

/// `POST /api/v1/assets/{id}/tags/{slug}/reject`: takes an automatic tag off; analysis
/// never puts it on this asset again.
#[utoipa::path(
    operation_id = "tags_reject",
    post,
    path = "/assets/{id}/tags/{slug}/reject",
    tag = "tags",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), ("slug" = String, Path, description = "tag slug")),
    responses(
        (status = 200, description = "the asset without the tag", body = AssetDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "no write access to the asset", body = ErrorBody),
        (status = 404, description = "no such asset, or it carries no automatic tag of that slug", body = ErrorBody),
    )
)]
pub(crate) async fn reject(
    state: State<AppState>,
    auth: Auth,
    path: Path<(String, String)>,
) -> Result<Json<AssetDto>, ApiError> {
    review(state, auth, path, TagReview::Reject).await
}

/// `POST /api/v1/assets/{id}/moderation/clear`: an admin clears an asset moderation
/// flagged, held or rejected: the flag tag comes off, it may be made public, a rejected
/// one is ready again, and later scores leave it alone.
#[utoipa::path(
    operation_id = "moderation_clear",
    post,
    path = "/assets/{id}/moderation/clear",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "the asset, cleared", body = AssetDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin of the asset's namespace", body = ErrorBody),
        (status = 404, description = "no such asset", body = ErrorBody),
        (status = 409, description = "moderation has not flagged, held or rejected the asset", body = ErrorBody),
    )
)]
pub(crate) async fn clear_moderation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AssetDto>, ApiError> {
    let asset = analysis::clear_moderation(&state.catalog, &auth, parse_id(&id, "asset")?).await?;
    Ok(Json(render(&state, &asset).await?))
}

async fn review(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, slug)): Path<(String, String)>,
    review: TagReview,
) -> Result<Json<AssetDto>, ApiError> {
    let asset = analysis::review_tag(
        &state.catalog,
        &auth,
        parse_id(&id, "asset")?,
        &slug,
        review,
    )
    .await?;
    Ok(Json(render(&state, &asset).await?))
}
