//! `/api/v1/analytics`: storage, uploads per day, most delivered assets and processing
//! failures, for the caller's namespace.

use axum::Json;
use axum::extract::State;
use medialib_core::ErrorCode;
use medialib_core::store::{AssetQuery, epoch_day};
use medialib_core::{AssetId, AssetStatus, Timestamp};
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
    let mut report = state.store.storage_report(auth.namespace).await?;
    let owner = state
        .store
        .get_user(auth.user)
        .await?
        .is_some_and(|u| u.is_owner);
    if !owner {
        report.by_namespace.clear();
    }
    Ok(Json(report.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct Period {
    /// Days back from today (UTC), 1–366; default 30.
    days: Option<u32>,
    /// Rows, 1–100; default 10 (`top`, `failures`).
    limit: Option<u32>,
}

impl Period {
    /// The first day of the period (days since the epoch) and the row limit.
    fn parse(&self) -> Result<(i64, u32), ApiError> {
        let days = self.days.unwrap_or(30);
        let limit = self.limit.unwrap_or(10);
        if !(1..=366).contains(&days) || !(1..=100).contains(&limit) {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "days must be 1-366 and limit 1-100",
            ));
        }
        Ok((epoch_day(Timestamp::now_utc()) - i64::from(days) + 1, limit))
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
    let (from_day, _) = period.parse()?;
    let rows = state
        .store
        .uploads_per_day(auth.namespace, from_day)
        .await?;
    let today = epoch_day(Timestamp::now_utc());
    let days = (from_day..=today)
        .map(|day| {
            let row = rows.iter().find(|r| r.day == day);
            DayDto::new(day, row.map_or(0, |r| r.assets), row.map_or(0, |r| r.bytes))
        })
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
    let (from_day, limit) = period.parse()?;
    let rows = state
        .store
        .top_assets(auth.namespace, from_day, limit)
        .await?;
    let ids: Vec<AssetId> = rows.iter().map(|r| r.asset).collect();
    let assets = state.store.get_assets(&ids).await?;
    let dtos = render_page(&state, &assets).await?;
    let items = dtos
        .into_iter()
        .map(|asset| {
            let id: Option<AssetId> = asset.id.parse().ok();
            let row = rows.iter().find(|r| Some(r.asset) == id);
            TopAssetDto {
                views: row.map_or(0, |r| r.views),
                bytes: row.map_or(0, |r| r.bytes),
                asset,
            }
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
    let (_, limit) = period.parse()?;
    let mut query = AssetQuery::newest(auth.namespace, limit);
    query.filter.status = Some(AssetStatus::Failed);
    let page = state.store.list_assets(&query).await?;
    Ok(Json(Failures {
        total: page.total,
        items: render_page(&state, &page.items).await?,
    }))
}
