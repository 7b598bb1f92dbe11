//! `/api/v1/tags` (the namespace's tags) and `/api/v1/assets/{id}/tags` (an asset's).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::organise::tags;
use medialib_core::organise::TagId;
use medialib_core::store::{NewTag, TagPatch};
use serde::Deserialize;
use utoipa::ToSchema;

use super::assets::render;
use super::extract::{ApiJson, parse_id};
use crate::auth::Auth;
use crate::dto::AssetDto;
use crate::dto::Items;
use crate::dto::organise::TagDto;
use crate::dto::schema;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /api/v1/tags`: every tag of the namespace by name, with live asset counts.
#[utoipa::path(
    operation_id = "tags_list",
    get,
    path = "/tags",
    tag = "tags",
    responses(
        (status = 200, description = "tags by name", body = Items<TagDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Items<TagDto>>, ApiError> {
    let items = tags::list(&state.catalog, &auth).await?;
    Ok(Json(Items {
        items: items.into_iter().map(TagDto::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateTag {
    /// With a letter or digit; at most 100 characters.
    #[schema(schema_with = schema::tag_name)]
    name: String,
    slug: Option<String>,
    /// `#rrggbb`.
    #[schema(pattern = "^#[0-9A-Fa-f]{6}$")]
    color: Option<String>,
    description: Option<String>,
}

/// `POST /api/v1/tags` with `{name, slug?, color?, description?}` → 201 and the tag.
///
/// Errors: 422 for an empty name or bad colour or slug, 409 `conflict` when the slug is
/// taken.
#[utoipa::path(
    operation_id = "tags_create",
    post,
    path = "/tags",
    tag = "tags",
    request_body = CreateTag,
    responses(
        (status = 201, description = "created", body = TagDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 409, description = "slug taken", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateTag>,
) -> Result<(StatusCode, Json<TagDto>), ApiError> {
    let new = NewTag {
        name: body.name,
        slug: body.slug,
        color: body.color,
        description: body.description,
    };
    let tag = tags::create(&state.catalog, &auth, new).await?;
    Ok((StatusCode::CREATED, Json(tag.into())))
}

fn tag_id(raw: &str) -> Result<TagId, ApiError> {
    parse_id::<i64>(raw, "tag").map(TagId)
}

/// `GET /api/v1/tags/{id}`.
#[utoipa::path(
    operation_id = "tags_get",
    get,
    path = "/tags/{id}",
    tag = "tags",
    params(("id" = i64, Path, description = "tag id")),
    responses(
        (status = 200, description = "the tag", body = TagDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<TagDto>, ApiError> {
    let tag = tags::get(&state.catalog, &auth, tag_id(&id)?).await?;
    Ok(Json(tag.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchTag {
    /// With a letter or digit; at most 100 characters.
    #[schema(schema_with = schema::optional::tag_name)]
    name: Option<String>,
    /// `#rrggbb`; `null` clears it.
    #[serde(default, deserialize_with = "super::assets::nullable")]
    #[schema(value_type = Option<String>, pattern = "^#[0-9A-Fa-f]{6}$")]
    color: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::assets::nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
}

/// `PATCH /api/v1/tags/{id}` with `{name?, color?, description?}`; the slug stays.
#[utoipa::path(
    operation_id = "tags_patch",
    patch,
    path = "/tags/{id}",
    tag = "tags",
    params(("id" = i64, Path, description = "tag id")),
    request_body = PatchTag,
    responses(
        (status = 200, description = "the changed tag", body = TagDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchTag>,
) -> Result<Json<TagDto>, ApiError> {
    let patch = TagPatch {
        name: body.name,
        color: body.color,
        description: body.description,
    };
    let tag = tags::edit(&state.catalog, &auth, tag_id(&id)?, patch).await?;
    Ok(Json(tag.into()))
}

/// `DELETE /api/v1/tags/{id}`: deletes the tag and takes it off every asset.
#[utoipa::path(
    operation_id = "tags_delete",
    delete,
    path = "/tags/{id}",
    tag = "tags",
    params(("id" = i64, Path, description = "tag id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    tags::delete(&state.catalog, &auth, tag_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TagAsset {
    /// 1–50 tag names; missing tags are created.
    #[schema(schema_with = schema::tag_names)]
    tags: Vec<String>,
    /// `user` (default), `auto` or `exif`.
    #[schema(schema_with = schema::optional::tag_source)]
    source: Option<String>,
    /// 0–1, how sure an automatic tagger is.
    #[schema(minimum = 0.0, maximum = 1.0)]
    confidence: Option<f64>,
}

/// `POST /api/v1/assets/{id}/tags` with `{tags: [names], source?, confidence?}`: puts
/// tags on the asset (creating missing ones) and returns the asset.
#[utoipa::path(
    operation_id = "tags_assign",
    post,
    path = "/assets/{id}/tags",
    tag = "tags",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    request_body = TagAsset,
    responses(
        (status = 200, description = "the tagged asset", body = AssetDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TagAsset>,
) -> Result<Json<AssetDto>, ApiError> {
    let asset = tags::assign(
        &state.catalog,
        &auth,
        parse_id(&id, "asset")?,
        body.tags,
        body.source.as_deref(),
        body.confidence,
    )
    .await?;
    Ok(Json(render(&state, &asset).await?))
}

/// `DELETE /api/v1/assets/{id}/tags/{slug}`: takes a tag off the asset (a tag it does not
/// carry is not an error).
#[utoipa::path(
    operation_id = "tags_unassign",
    delete,
    path = "/assets/{id}/tags/{slug}",
    tag = "tags",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), ("slug" = String, Path, description = "tag slug")),
    responses(
        (status = 204, description = "untagged"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn unassign(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, slug)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    tags::unassign(&state.catalog, &auth, parse_id(&id, "asset")?, slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
