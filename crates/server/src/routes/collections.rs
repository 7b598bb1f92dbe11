//! `/api/v1/collections`: collections and their ordered items.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::organise::collections;
use medialib_core::AssetId;
use medialib_core::organise::CollectionId;
use medialib_core::store::{CollectionPatch, NewCollection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::{nullable, render_page};
use super::extract::{ApiJson, ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::Items;
use crate::dto::organise::CollectionDto;
use crate::dto::{AssetDto, schema};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /api/v1/collections`: the namespace's collections by title.
#[utoipa::path(
    operation_id = "collections_list",
    get,
    path = "/collections",
    tag = "collections",
    responses(
        (status = 200, description = "collections by title", body = Items<CollectionDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Items<CollectionDto>>, ApiError> {
    let items = collections::list(&state.catalog, &auth).await?;
    Ok(Json(Items {
        items: items.into_iter().map(CollectionDto::from).collect(),
    }))
}

fn collection_id(raw: &str) -> Result<CollectionId, ApiError> {
    parse_id::<i64>(raw, "collection").map(CollectionId)
}

fn asset_ids(raw: &[String]) -> Result<Vec<AssetId>, ApiError> {
    raw.iter().map(|r| asset_id(r)).collect()
}

fn asset_id(raw: &str) -> Result<AssetId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::invalid(format!("{raw:?} is not an asset id")))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateCollection {
    /// Not blank, at most 500 characters.
    #[schema(schema_with = schema::title)]
    title: String,
    slug: Option<String>,
    description: Option<String>,
    /// What the collection is for (`gallery`, `album`…): not blank, at most 100
    /// characters.
    #[schema(schema_with = schema::optional::name_100)]
    kind: Option<String>,
    /// `#rrggbb`.
    #[schema(pattern = "^#[0-9A-Fa-f]{6}$")]
    color: Option<String>,
    #[serde(default)]
    is_public: bool,
    /// A live asset of the namespace.
    #[schema(format = Uuid)]
    cover_asset_id: Option<String>,
    /// A watermark of `[transforms.watermarks]` that every public transform of the
    /// collection's assets carries.
    watermark: Option<String>,
}

/// `POST /api/v1/collections` with `{title, slug?, description?, kind?, color?, is_public?,
/// cover_asset_id?, watermark?}` → 201 and the collection.
///
/// Errors: 422 for bad values, 409 `conflict` when the slug is taken, 404 for a cover
/// asset that does not exist.
#[utoipa::path(
    operation_id = "collections_create",
    post,
    path = "/collections",
    tag = "collections",
    request_body = CreateCollection,
    responses(
        (status = 201, description = "created", body = CollectionDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "unknown cover asset", body = ErrorBody),
        (status = 409, description = "slug taken", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateCollection>,
) -> Result<(StatusCode, Json<CollectionDto>), ApiError> {
    let new = NewCollection {
        title: body.title,
        slug: body.slug,
        description: body.description,
        kind: body.kind.unwrap_or_default(),
        color: body.color,
        is_public: body.is_public,
        cover_asset: body.cover_asset_id.as_deref().map(asset_id).transpose()?,
        watermark: body.watermark,
    };
    let collection = collections::create(&state.catalog, &auth, new).await?;
    Ok((StatusCode::CREATED, Json(collection.into())))
}

/// `GET /api/v1/collections/{id}`.
#[utoipa::path(
    operation_id = "collections_get",
    get,
    path = "/collections/{id}",
    tag = "collections",
    params(("id" = i64, Path, description = "collection id")),
    responses(
        (status = 200, description = "the collection", body = CollectionDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<CollectionDto>, ApiError> {
    let collection = collections::get(&state.catalog, &auth, collection_id(&id)?).await?;
    Ok(Json(collection.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchCollection {
    /// Not blank, at most 500 characters.
    #[schema(schema_with = schema::optional::title)]
    title: Option<String>,
    slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// Not blank, at most 100 characters.
    #[schema(schema_with = schema::optional::name_100)]
    kind: Option<String>,
    /// `#rrggbb`; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = "^#[0-9A-Fa-f]{6}$")]
    color: Option<Option<String>>,
    is_public: Option<bool>,
    /// A live asset of the namespace; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    cover_asset_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    watermark: Option<Option<String>>,
}

/// `PATCH /api/v1/collections/{id}`; absent fields stay, `null` clears optional ones.
#[utoipa::path(
    operation_id = "collections_patch",
    patch,
    path = "/collections/{id}",
    tag = "collections",
    params(("id" = i64, Path, description = "collection id")),
    request_body = PatchCollection,
    responses(
        (status = 200, description = "the changed collection", body = CollectionDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 409, description = "slug taken", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchCollection>,
) -> Result<Json<CollectionDto>, ApiError> {
    let cover_asset = match body.cover_asset_id {
        Some(Some(raw)) => Some(Some(asset_id(&raw)?)),
        Some(None) => Some(None),
        None => None,
    };
    let patch = CollectionPatch {
        title: body.title,
        slug: body.slug,
        description: body.description,
        kind: body.kind,
        color: body.color,
        is_public: body.is_public,
        cover_asset,
        watermark: body.watermark,
    };
    let updated = collections::edit(&state.catalog, &auth, collection_id(&id)?, patch).await?;
    Ok(Json(updated.into()))
}

/// `DELETE /api/v1/collections/{id}`: deletes the collection, not its assets.
#[utoipa::path(
    operation_id = "collections_delete",
    delete,
    path = "/collections/{id}",
    tag = "collections",
    params(("id" = i64, Path, description = "collection id")),
    responses(
        (status = 204, description = "deleted (its assets stay)"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    collections::delete(&state.catalog, &auth, collection_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemsParams {
    /// Items to skip; default 0.
    offset: Option<u32>,
    /// Items per page, 1–200; default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// An item of a collection: the asset with its place.
#[derive(Serialize, ToSchema)]
pub(crate) struct ItemDto {
    /// 0-based position.
    position: u32,
    /// RFC 3339.
    added_at: String,
    asset: AssetDto,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ItemPage {
    items: Vec<ItemDto>,
    /// Live items in the collection.
    total: u64,
    /// Pass as `offset` for the next page; `null` on the last.
    next_offset: Option<u32>,
}

/// `GET /api/v1/collections/{id}/items?offset=0&limit=50`: the items in order.
#[utoipa::path(
    operation_id = "collections_items",
    get,
    path = "/collections/{id}/items",
    tag = "collections",
    params(("id" = i64, Path, description = "collection id"), ItemsParams),
    responses(
        (status = 200, description = "items in order", body = ItemPage),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn items(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<ItemsParams>,
) -> Result<Json<ItemPage>, ApiError> {
    let offset = params.offset.unwrap_or(0);
    let limit = params.limit.unwrap_or(50);
    let page =
        collections::items(&state.catalog, &auth, collection_id(&id)?, offset, limit).await?;
    let (items, assets): (Vec<_>, Vec<_>) = page.items.into_iter().unzip();
    let dtos = render_page(&state, &assets).await?;
    Ok(Json(ItemPage {
        items: items
            .into_iter()
            .zip(dtos)
            .map(|(item, asset)| ItemDto {
                position: item.position,
                added_at: crate::dto::rfc3339(item.added_at),
                asset,
            })
            .collect(),
        total: page.collection.item_count,
        next_offset: page.next_offset,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemsBody {
    /// 1–1000 asset ids.
    #[schema(schema_with = schema::asset_ids)]
    asset_ids: Vec<String>,
    /// Where to insert (0-based); appended when absent.
    position: Option<u32>,
}

/// `POST /api/v1/collections/{id}/items` with `{asset_ids, position?}`: inserts the assets
/// at the position (or appends them); assets already in the collection move there.
///
/// Errors: 404 naming an asset that is not live in the namespace (nothing is changed).
#[utoipa::path(
    operation_id = "collections_add_items",
    post,
    path = "/collections/{id}/items",
    tag = "collections",
    params(("id" = i64, Path, description = "collection id")),
    request_body = ItemsBody,
    responses(
        (status = 200, description = "the collection after the change", body = CollectionDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn add_items(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ItemsBody>,
) -> Result<Json<CollectionDto>, ApiError> {
    let assets = asset_ids(&body.asset_ids)?;
    let collection = collections::add_items(
        &state.catalog,
        &auth,
        collection_id(&id)?,
        &assets,
        body.position,
    )
    .await?;
    Ok(Json(collection.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderBody {
    /// Every item's asset id, once each.
    #[schema(schema_with = schema::asset_id_list)]
    asset_ids: Vec<String>,
}

/// `PUT /api/v1/collections/{id}/items` with `{asset_ids}`: the new order, naming every
/// item exactly once.
///
/// Errors: 409 `conflict` when the list is not exactly the collection's items.
#[utoipa::path(
    operation_id = "collections_reorder",
    put,
    path = "/collections/{id}/items",
    tag = "collections",
    params(("id" = i64, Path, description = "collection id")),
    request_body = OrderBody,
    responses(
        (status = 200, description = "the collection after the change", body = CollectionDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 409, description = "the order does not name every item once", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn reorder(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrderBody>,
) -> Result<Json<CollectionDto>, ApiError> {
    let assets = asset_ids(&body.asset_ids)?;
    let collection =
        collections::reorder(&state.catalog, &auth, collection_id(&id)?, &assets).await?;
    Ok(Json(collection.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveBody {
    /// 1–1000 asset ids.
    #[schema(schema_with = schema::asset_ids)]
    asset_ids: Vec<String>,
}

/// `DELETE /api/v1/collections/{id}/items` with `{asset_ids}`: removes the assets from the
/// collection (live assets not in it are ignored).
///
/// Errors: 404 naming an id that is not a live asset of the namespace (nothing is changed).
#[utoipa::path(
    operation_id = "collections_remove_items",
    delete,
    path = "/collections/{id}/items",
    tag = "collections",
    params(("id" = i64, Path, description = "collection id")),
    request_body = RemoveBody,
    responses(
        (status = 200, description = "the collection after the change", body = CollectionDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn remove_items(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RemoveBody>,
) -> Result<Json<CollectionDto>, ApiError> {
    let assets = asset_ids(&body.asset_ids)?;
    let collection =
        collections::remove_items(&state.catalog, &auth, collection_id(&id)?, &assets).await?;
    Ok(Json(collection.into()))
}
