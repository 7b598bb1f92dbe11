//! `/api/v1/assets`: list, read, edit and delete assets and read their variants.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use medialib_core::store::{AssetPatch, AssetQuery, AssetSort};
use medialib_core::{Asset, AssetId, AssetKind, AssetStatus, StorageKey};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiQuery, parse_id};
use crate::auth::{Auth, can_read};
use crate::dto::{AssetDto, VariantDto};
use crate::error::ApiError;
use crate::state::AppState;

/// Loads an asset the caller may see; 404 otherwise (also across namespaces).
pub(crate) async fn load(state: &AppState, auth: &Auth, raw_id: &str) -> Result<Asset, ApiError> {
    let id: AssetId = parse_id(raw_id, "asset")?;
    state
        .store
        .get_asset(id)
        .await?
        .filter(|a| can_read(&auth.0, a))
        .ok_or_else(|| ApiError::not_found(format!("asset {id}")))
}

/// Renders an asset with its variants and jobs.
pub(crate) async fn render(state: &AppState, asset: &Asset) -> Result<AssetDto, ApiError> {
    let variants = state.store.list_variants(asset.id).await?;
    let jobs = state.store.list_jobs(asset.id).await?;
    Ok(AssetDto::new(state, asset, &variants, Some(&jobs)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    kind: Option<String>,
    status: Option<String>,
    /// `created_at`, `size` or `title`, with a leading `-` for descending.
    sort: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct ListBody {
    items: Vec<AssetDto>,
    next_cursor: Option<String>,
    total: u64,
}

fn parse_sort(raw: Option<&str>) -> Result<(AssetSort, bool), ApiError> {
    let raw = raw.unwrap_or("-created_at");
    let (descending, key) = match raw.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, raw),
    };
    let sort = match key {
        "created_at" => AssetSort::CreatedAt,
        "size" => AssetSort::Size,
        "title" => AssetSort::Title,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!(
                    "sort {other:?} is not one of created_at, size, title (prefix - for descending)"
                ),
            ));
        }
    };
    Ok((sort, descending))
}

/// `GET /api/v1/assets?kind=&status=&sort=-created_at&limit=50&cursor=`.
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ListBody>, ApiError> {
    let bad = |m: String| ApiError::bad_request("invalid_query", m);
    let kind = params
        .kind
        .as_deref()
        .map(str::parse::<AssetKind>)
        .transpose()
        .map_err(bad)?;
    let status = params
        .status
        .as_deref()
        .map(str::parse::<AssetStatus>)
        .transpose()
        .map_err(bad)?;
    let (sort, descending) = parse_sort(params.sort.as_deref())?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad(format!("limit {limit} must be 1-200")));
    }
    let page = state
        .store
        .list_assets(&AssetQuery {
            namespace: auth.0.namespace,
            kind,
            status,
            sort,
            descending,
            limit,
            cursor: params.cursor,
        })
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for asset in &page.items {
        let variants = state.store.list_variants(asset.id).await?;
        items.push(AssetDto::new(&state, asset, &variants, None));
    }
    Ok(Json(ListBody {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// `GET /api/v1/assets/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AssetDto>, ApiError> {
    let asset = load(&state, &auth, &id).await?;
    Ok(Json(render(&state, &asset).await?))
}

/// Body of `PATCH /api/v1/assets/{id}`; absent fields stay as they are, `null` clears
/// description and alt text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchBody {
    title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    alt_text: Option<Option<String>>,
    is_public: Option<bool>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn check_len(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::invalid(format!(
            "{field} is longer than {max} characters"
        ))),
        _ => Ok(()),
    }
}

/// `PATCH /api/v1/assets/{id}` with `{title?, description?, alt_text?, is_public?}`.
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<AssetDto>, ApiError> {
    let asset = load(&state, &auth, &id).await?;
    if body.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(ApiError::invalid("title must not be empty"));
    }
    check_len("title", body.title.as_deref(), 500)?;
    check_len(
        "description",
        body.description.clone().flatten().as_deref(),
        10_000,
    )?;
    check_len(
        "alt_text",
        body.alt_text.clone().flatten().as_deref(),
        2_000,
    )?;
    let patch = AssetPatch {
        title: body.title.map(|t| t.trim().to_owned()),
        description: body.description,
        alt_text: body.alt_text,
        is_public: body.is_public,
    };
    let updated = state
        .store
        .update_asset(asset.id, &patch)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("asset {}", asset.id)))?;
    Ok(Json(render(&state, &updated).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteParams {
    #[serde(default)]
    purge: bool,
}

/// `DELETE /api/v1/assets/{id}[?purge=true]`: soft delete; `purge` also removes the
/// variants, and the original's blob when no other asset references it.
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<DeleteParams>,
) -> Result<Response, ApiError> {
    let asset = load(&state, &auth, &id).await?;
    if !params.purge {
        if asset.deleted_at.is_some() {
            return Err(ApiError::not_found(format!("asset {}", asset.id)));
        }
        state.store.soft_delete_asset(asset.id).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    // Rows first, then bytes: a crash in between leaves unreferenced blobs for gc,
    // never rows pointing at missing bytes.
    if let Some(unreferenced) = state.store.purge_asset(asset.id).await? {
        for key in unreferenced.keys {
            state.blobs.delete(&StorageKey::from_stored(key)).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize)]
pub(crate) struct VariantsBody {
    items: Vec<VariantDto>,
}

/// `GET /api/v1/assets/{id}/variants`.
/// `GET /api/v1/assets/{id}/text`: the text extracted for search (PDF text, text files),
/// as `text/plain; charset=utf-8`, at most 1 MiB.
///
/// Errors: 404 when the asset does not exist or has no text.
pub(crate) async fn text(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let asset = load(&state, &auth, &id).await?;
    let text = state
        .store
        .asset_text(asset.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("text of asset {}", asset.id)))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text))
}

pub(crate) async fn variants(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<VariantsBody>, ApiError> {
    let asset = load(&state, &auth, &id).await?;
    let items = state
        .store
        .list_variants(asset.id)
        .await?
        .iter()
        .map(|v| VariantDto::from_variant(&state, v))
        .collect();
    Ok(Json(VariantsBody { items }))
}
