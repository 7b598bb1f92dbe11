//! `/api/v1/collections`: collections and their ordered items.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_core::AssetId;
use medialib_core::ErrorCode;
use medialib_core::access::Principal;
use medialib_core::organise::{Collection, CollectionId};
use medialib_core::store::{BulkAction, CollectionPatch, NewCollection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::{nullable, render_page};
use super::bulk::MAX_BULK_IDS;
use super::extract::{ApiJson, ApiQuery, parse_id};
use super::tags::{check_color, check_slug};
use crate::auth::{Auth, Write};
use crate::dto::AssetDto;
use crate::dto::Items;
use crate::dto::organise::CollectionDto;
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
    let items = state.store.list_collections(auth.namespace).await?;
    Ok(Json(Items {
        items: items.into_iter().map(CollectionDto::from).collect(),
    }))
}

fn check_text(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.trim().is_empty() => {
            Err(ApiError::invalid(format!("{field} must not be empty")))
        }
        Some(v) if v.chars().count() > max => Err(ApiError::invalid(format!(
            "{field} is longer than {max} characters"
        ))),
        _ => Ok(()),
    }
}

fn asset_id(raw: &str) -> Result<AssetId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::invalid(format!("{raw:?} is not an asset id")))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateCollection {
    title: String,
    slug: Option<String>,
    description: Option<String>,
    kind: Option<String>,
    color: Option<String>,
    #[serde(default)]
    is_public: bool,
    cover_asset_id: Option<String>,
}

/// `POST /api/v1/collections` with `{title, slug?, description?, kind?, color?, is_public?,
/// cover_asset_id?}` → 201 and the collection.
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
    auth: Auth<Write>,
    ApiJson(body): ApiJson<CreateCollection>,
) -> Result<(StatusCode, Json<CollectionDto>), ApiError> {
    check_text("title", Some(&body.title), 500)?;
    check_text("kind", body.kind.as_deref(), 100)?;
    check_color(body.color.as_deref())?;
    check_slug(body.slug.as_deref())?;
    if body.slug.is_none() && medialib_core::organise::slugify(&body.title).is_empty() {
        return Err(ApiError::invalid(
            "the title has no letters or digits to make a slug from: give a slug",
        ));
    }
    let new = NewCollection {
        title: body.title.trim().to_owned(),
        slug: body.slug,
        description: body.description,
        kind: body.kind.unwrap_or_default(),
        color: body.color,
        is_public: body.is_public,
        cover_asset: body.cover_asset_id.as_deref().map(asset_id).transpose()?,
    };
    let collection = state.store.create_collection(auth.namespace, &new).await?;
    Ok((StatusCode::CREATED, Json(collection.into())))
}

/// Loads a collection of the caller's namespace, or 404.
async fn load(state: &AppState, auth: &Principal, raw: &str) -> Result<Collection, ApiError> {
    let id = CollectionId(parse_id::<i64>(raw, "collection")?);
    state
        .store
        .get_collection(auth.namespace, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("collection {raw}")))
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
    Ok(Json(load(&state, &auth, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchCollection {
    title: Option<String>,
    slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    color: Option<Option<String>>,
    is_public: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    cover_asset_id: Option<Option<String>>,
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
    auth: Auth<Write>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchCollection>,
) -> Result<Json<CollectionDto>, ApiError> {
    let collection = load(&state, &auth, &id).await?;
    check_text("title", body.title.as_deref(), 500)?;
    check_text("kind", body.kind.as_deref(), 100)?;
    check_color(body.color.clone().flatten().as_deref())?;
    check_slug(body.slug.as_deref())?;
    let cover_asset = match body.cover_asset_id {
        Some(Some(raw)) => Some(Some(asset_id(&raw)?)),
        Some(None) => Some(None),
        None => None,
    };
    let patch = CollectionPatch {
        title: body.title.map(|t| t.trim().to_owned()),
        slug: body.slug,
        description: body.description,
        kind: body.kind,
        color: body.color,
        is_public: body.is_public,
        cover_asset,
    };
    let updated = state
        .store
        .update_collection(auth.namespace, collection.id, &patch)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("collection {id}")))?;
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
    auth: Auth<Write>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let collection = load(&state, &auth, &id).await?;
    state
        .store
        .delete_collection(auth.namespace, collection.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemsParams {
    offset: Option<u32>,
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
    let collection = load(&state, &auth, &id).await?;
    let offset = params.offset.unwrap_or(0);
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("limit {limit} must be 1-200"),
        ));
    }
    let items = state
        .store
        .collection_items(collection.id, offset, limit)
        .await?;
    let ids: Vec<AssetId> = items.iter().map(|i| i.asset).collect();
    let assets = state.store.get_assets(&ids).await?;
    let dtos = render_page(&state, &assets).await?;
    let shown = items.len() as u32;
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
        total: collection.item_count,
        next_offset: (u64::from(offset + shown) < collection.item_count && shown == limit)
            .then_some(offset + shown),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemsBody {
    asset_ids: Vec<String>,
    /// Where to insert (0-based); appended when absent.
    position: Option<u32>,
}

fn ids(raw: &[String]) -> Result<Vec<AssetId>, ApiError> {
    if raw.is_empty() || raw.len() > MAX_BULK_IDS {
        return Err(ApiError::invalid(format!(
            "give 1-{MAX_BULK_IDS} asset_ids, not {}",
            raw.len()
        )));
    }
    raw.iter().map(|r| asset_id(r)).collect()
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
    auth: Auth<Write>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ItemsBody>,
) -> Result<Json<CollectionDto>, ApiError> {
    let collection = load(&state, &auth, &id).await?;
    let assets = ids(&body.asset_ids)?;
    state
        .store
        .insert_items(collection.id, &assets, body.position)
        .await?;
    Ok(Json(load(&state, &auth, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderBody {
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
    auth: Auth<Write>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrderBody>,
) -> Result<Json<CollectionDto>, ApiError> {
    let collection = load(&state, &auth, &id).await?;
    let assets: Vec<AssetId> = body
        .asset_ids
        .iter()
        .map(|r| asset_id(r))
        .collect::<Result<_, _>>()?;
    state.store.reorder_items(collection.id, &assets).await?;
    Ok(Json(load(&state, &auth, &id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveBody {
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
    auth: Auth<Write>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RemoveBody>,
) -> Result<Json<CollectionDto>, ApiError> {
    let collection = load(&state, &auth, &id).await?;
    let assets = ids(&body.asset_ids)?;
    let action = BulkAction::RemoveFromCollection(collection.id);
    let report = state.store.bulk(auth.namespace, &action, &assets).await?;
    if let Some((missing, _)) = report.results.iter().find(|(_, r)| r.is_err()) {
        return Err(ApiError::not_found(format!("asset {missing}")));
    }
    Ok(Json(load(&state, &auth, &id).await?.into()))
}
