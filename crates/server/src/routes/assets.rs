//! `/api/v1/assets/{id}`: read, edit, delete and restore an asset, and read its variants
//! and extracted text.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use medialib_app::assets::{self, Removal};
use medialib_core::Asset;
use medialib_core::store::AssetPatch;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::Items;
use crate::dto::{AnalysisDto, AssetDto, FocalPointDto, VariantDto};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Renders an asset with its variants, tags, jobs and analysis.
pub(crate) async fn render(state: &AppState, asset: &Asset) -> Result<AssetDto, ApiError> {
    let details = assets::details(&state.catalog, asset).await?;
    let mut names = assets::uploader_names(&state.catalog, std::slice::from_ref(asset)).await?;
    let mut dto = AssetDto::new(
        &state.urls,
        asset,
        &details.variants,
        &details.tags,
        Some(&details.jobs),
    );
    dto.uploaded_by_name = asset.uploaded_by.and_then(|u| names.remove(&u));
    dto.analysis = Some(AnalysisDto::by_analyser(&details.analyses));
    Ok(dto)
}

/// Renders a page of assets with their variants, tags and uploaders' names: two queries
/// for the page and one per distinct uploader, not per asset.
pub(crate) async fn render_page(
    state: &AppState,
    page: &[Asset],
) -> Result<Vec<AssetDto>, ApiError> {
    let (variants, tags) = assets::page_details(&state.catalog, page).await?;
    let names = assets::uploader_names(&state.catalog, page).await?;
    Ok(page
        .iter()
        .map(|asset| {
            let own: Vec<_> = variants
                .iter()
                .filter(|v| v.asset_id == asset.id)
                .cloned()
                .collect();
            let mut dto = AssetDto::new(&state.urls, asset, &own, &tags, None);
            dto.uploaded_by_name = asset.uploaded_by.and_then(|u| names.get(&u).cloned());
            dto
        })
        .collect())
}

/// `GET /api/v1/assets/{id}`.
#[utoipa::path(
    operation_id = "assets_get",
    get,
    path = "/assets/{id}",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "the asset, its variants, tags and jobs", body = AssetDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AssetDto>, ApiError> {
    let asset = assets::get(&state.catalog, &auth, parse_id(&id, "asset")?).await?;
    Ok(Json(render(&state, &asset).await?))
}

/// Body of `PATCH /api/v1/assets/{id}`; absent fields stay as they are, `null` clears
/// description and alt text.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchBody {
    /// Not blank.
    #[schema(pattern = r"\S")]
    title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    alt_text: Option<Option<String>>,
    is_public: Option<bool>,
    /// Where the subject is, as fractions of the upright picture (`{"x": 0.7, "y": 0.3}`);
    /// transforms with `g_auto` crop around it. `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<FocalPointDto>)]
    focal_point: Option<Option<FocalPointDto>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub(crate) fn nullable<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/assets/{id}` with `{title?, description?, alt_text?, is_public?,
/// focal_point?}`.
#[utoipa::path(
    operation_id = "assets_patch",
    patch,
    path = "/assets/{id}",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "the changed asset", body = AssetDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<AssetDto>, ApiError> {
    let patch = AssetPatch {
        title: body.title,
        description: body.description,
        alt_text: body.alt_text,
        is_public: body.is_public,
        focal_point: body
            .focal_point
            .map(|p| p.map(|p| medialib_core::FocalPoint { x: p.x, y: p.y })),
    };
    let updated = assets::edit(&state.catalog, &auth, parse_id(&id, "asset")?, patch).await?;
    Ok(Json(render(&state, &updated).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteParams {
    #[serde(default)]
    purge: bool,
    #[serde(default)]
    force: bool,
}

/// `DELETE /api/v1/assets/{id}[?force=true][&purge=true]`: moves the asset to the trash
/// (restorable until the trash is purged). `purge` removes it at once with its variants,
/// and the original's blob when no other asset references it.
///
/// Errors: 404 when not found (or already in the trash, without `purge`); 409
/// `asset_in_use` when usages are recorded, unless `force=true`.
#[utoipa::path(
    operation_id = "assets_delete",
    delete,
    path = "/assets/{id}",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), DeleteParams),
    responses(
        (status = 204, description = "moved to the trash (or purged)"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 409, description = "in use (asset_in_use); pass force=true", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<DeleteParams>,
) -> Result<Response, ApiError> {
    let removal = Removal {
        force: params.force,
        purge: params.purge,
    };
    assets::delete(&state.catalog, &auth, parse_id(&id, "asset")?, removal).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/assets/{id}/restore`: takes an asset out of the trash.
///
/// Errors: 404 when not found; 409 `not_deleted` when it is not in the trash, 409
/// `duplicate_exists` when a live asset holds the same bytes.
#[utoipa::path(
    operation_id = "assets_restore",
    post,
    path = "/assets/{id}/restore",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "the restored asset", body = AssetDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 409, description = "not in the trash, or a live asset has the same bytes", body = ErrorBody),
    )
)]
pub(crate) async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AssetDto>, ApiError> {
    let restored = assets::restore(&state.catalog, &auth, parse_id(&id, "asset")?).await?;
    Ok(Json(render(&state, &restored).await?))
}

/// `GET /api/v1/assets/{id}/text`: the text extracted for search (PDF text, text files),
/// as `text/plain; charset=utf-8`, at most 1 MiB.
///
/// Errors: 404 when the asset does not exist or has no text.
#[utoipa::path(
    operation_id = "assets_text",
    get,
    path = "/assets/{id}/text",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "the extracted text", body = String, content_type = "text/plain"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn text(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let text = assets::text(&state.catalog, &auth, parse_id(&id, "asset")?).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text))
}

/// `GET /api/v1/assets/{id}/variants`.
#[utoipa::path(
    operation_id = "assets_variants",
    get,
    path = "/assets/{id}/variants",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "variants and renditions", body = Items<VariantDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn variants(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Items<VariantDto>>, ApiError> {
    let items = assets::variants(&state.catalog, &auth, parse_id(&id, "asset")?)
        .await?
        .iter()
        .map(|v| VariantDto::from_variant(&state.urls, v))
        .collect();
    Ok(Json(Items { items }))
}
