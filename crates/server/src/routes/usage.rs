//! `/api/v1/assets/{id}/usage`: where an asset is used, recorded by the systems using it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::organise::usage;
use medialib_core::organise::UsageRef;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::Items;
use crate::dto::organise::UsageDto;
use crate::dto::schema;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /api/v1/assets/{id}/usage`: where the asset is used, most recent first.
#[utoipa::path(
    operation_id = "usage_list",
    get,
    path = "/assets/{id}/usage",
    tag = "usage",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "usages, most recent first", body = Items<UsageDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Items<UsageDto>>, ApiError> {
    let items = usage::list(&state.catalog, &auth, parse_id(&id, "asset")?).await?;
    Ok(Json(Items {
        items: items.into_iter().map(UsageDto::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordUsage {
    /// The kind of thing using the asset, e.g. `article`; 1–200 characters, not blank.
    #[schema(schema_with = schema::name_200)]
    entity_type: String,
    /// The thing's id in the caller's system; 1–200 characters, not blank.
    #[schema(schema_with = schema::name_200)]
    entity_id: String,
    /// How it is used, e.g. `hero`; 1–200 characters, not blank.
    #[schema(schema_with = schema::name_200)]
    usage_type: String,
}

/// `POST /api/v1/assets/{id}/usage` with `{entity_type, entity_id, usage_type}`: records
/// the usage (again: `last_used_at` moves) → 201 with the usage.
///
/// Errors: 404 for an asset that is not live; 422 for empty or over-long fields.
#[utoipa::path(
    operation_id = "usage_record",
    post,
    path = "/assets/{id}/usage",
    tag = "usage",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    request_body = RecordUsage,
    responses(
        (status = 201, description = "recorded", body = UsageDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RecordUsage>,
) -> Result<(StatusCode, Json<UsageDto>), ApiError> {
    let usage = UsageRef {
        entity_type: body.entity_type,
        entity_id: body.entity_id,
        usage_type: body.usage_type,
    };
    let recorded = usage::record(&state.catalog, &auth, parse_id(&id, "asset")?, usage).await?;
    Ok((StatusCode::CREATED, Json(recorded.into())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveUsage {
    /// The kind of thing using the asset, e.g. `article`; 1–200 characters, not all blank.
    #[param(pattern = r"\S", max_length = 200)]
    entity_type: String,
    /// The thing's id in the caller's system; 1–200 characters, not all blank.
    #[param(pattern = r"\S", max_length = 200)]
    entity_id: String,
    /// Only this usage type; all of the entity's usages when absent.
    usage_type: Option<String>,
}

/// `DELETE /api/v1/assets/{id}/usage?entity_type=&entity_id=[&usage_type=]`: removes the
/// entity's usages of the asset → 204.
///
/// Errors: 404 when the asset has no such usage.
#[utoipa::path(
    operation_id = "usage_remove",
    delete,
    path = "/assets/{id}/usage",
    tag = "usage",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), RemoveUsage),
    responses(
        (status = 204, description = "removed"),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<RemoveUsage>,
) -> Result<StatusCode, ApiError> {
    usage::remove(
        &state.catalog,
        &auth,
        parse_id(&id, "asset")?,
        &params.entity_type,
        &params.entity_id,
        params.usage_type.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
