//! `/api/v1/analytics`: storage, uploads per day, most delivered assets and processing
//! failures, for the caller's namespace.

use axum::Json;
use axum::extract::State;
use medialib_app::analytics;
use medialib_core::Asset;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::render_page;
use super::extract::ApiQuery;
use crate::auth::Auth;
use crate::dto::AssetDto;
use crate::dto::analytics::{DayDto, StorageDto, TopAssetDto};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /api/v1/analytics/storage`: live assets and bytes per kind, the trash, and, for
/// the instance owner only, stored bytes per namespace (other namespaces' sizes are not
/// anyone else's business).
#[utoipa::path(
    operation_id = "analytics_storage",
    get,
    path = "/analytics/storage",
    tag = "analytics",
    responses(
        (status = 200, description = "storage report", body = StorageDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn storage(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<StorageDto>, ApiError> {
    let report = analytics::storage(&state.catalog, &auth).await?;
    Ok(Json(report.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct Period {
    /// Days back from today (UTC), 1–366; default 30.
    #[param(minimum = 1, maximum = 366)]
    days: Option<u32>,
    /// Rows, 1–100; default 10 (`top`, `failures`).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

impl Period {
    /// The period asked for: 30 days and 10 rows unless said otherwise.
    fn get(&self) -> analytics::Period {
        analytics::Period {
            days: self.days.unwrap_or(30),
            limit: self.limit.unwrap_or(10),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Uploads {
    /// One entry per day of the period, oldest first (days without uploads count 0).
    days: Vec<DayDto>,
}

/// `GET /api/v1/analytics/uploads?days=30`: assets uploaded per day (UTC).
#[utoipa::path(
    operation_id = "analytics_uploads",
    get,
    path = "/analytics/uploads",
    tag = "analytics",
    params(Period),
    responses(
        (status = 200, description = "uploads per day", body = Uploads),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn uploads(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(period): ApiQuery<Period>,
) -> Result<Json<Uploads>, ApiError> {
    let days = analytics::uploads(&state.catalog, &auth, period.get())
        .await?
        .into_iter()
        .map(|d| DayDto::new(d.day, d.assets, d.bytes))
        .collect();
    Ok(Json(Uploads { days }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Top {
    items: Vec<TopAssetDto>,
}

/// `GET /api/v1/analytics/top?days=30&limit=10`: live assets by deliveries (views of the
/// original and every variant), most first.
#[utoipa::path(
    operation_id = "analytics_top",
    get,
    path = "/analytics/top",
    tag = "analytics",
    params(Period),
    responses(
        (status = 200, description = "most delivered assets", body = Top),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn top(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(period): ApiQuery<Period>,
) -> Result<Json<Top>, ApiError> {
    let top = analytics::top(&state.catalog, &auth, period.get()).await?;
    let assets: Vec<Asset> = top.iter().map(|(asset, _)| asset.clone()).collect();
    let dtos = render_page(&state, &assets).await?;
    let items = dtos
        .into_iter()
        .zip(top)
        .map(|(asset, (_, views))| TopAssetDto {
            views: views.views,
            bytes: views.bytes,
            asset,
        })
        .collect();
    Ok(Json(Top { items }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Failures {
    /// Failed assets in the namespace, all pages.
    total: u64,
    /// The most recent, each with its `error` and jobs' errors.
    items: Vec<AssetDto>,
}

/// `GET /api/v1/analytics/failures?limit=10`: assets whose processing failed, newest
/// first.
#[utoipa::path(
    operation_id = "analytics_failures",
    get,
    path = "/analytics/failures",
    tag = "analytics",
    params(Period),
    responses(
        (status = 200, description = "failed assets, newest first", body = Failures),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn failures(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(period): ApiQuery<Period>,
) -> Result<Json<Failures>, ApiError> {
    let (failed, total) = analytics::failures(&state.catalog, &auth, period.get()).await?;
    Ok(Json(Failures {
        total,
        items: render_page(&state, &failed).await?,
    }))
}
