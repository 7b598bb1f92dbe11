//! Previews made when asked (`medialib_app::previews`): `GET
//! /api/v1/assets/{id}/pages/{page}`, a page of a PDF as a picture, and `GET
//! /api/v1/assets/{id}/model.glb`, an OBJ or STL model as binary glTF.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use medialib_app::previews;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiQuery, parse_id};
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Query of a page picture.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageParams {
    /// The picture's longer side in pixels, 100–2000; default 1200.
    #[param(minimum = 100, maximum = 2000)]
    side: Option<u32>,
}

/// `GET /api/v1/assets/{id}/pages/{page}[?side=1200]`: page `page` (1-based) of a PDF as
/// a PNG, fitted into `side` × `side` pixels. Rendered on each request (the browser may
/// keep it an hour); page 1 is also the asset's variants.
///
/// Errors: 404 when the asset is not found, or has no such page (not a processed PDF,
/// password-protected, past its last page); 422 for a side out of range.
#[utoipa::path(
    operation_id = "assets_page",
    get,
    path = "/assets/{id}/pages/{page}",
    tag = "assets",
    params(
        ("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"),
        ("page" = u32, Path, minimum = 1, description = "page number, from 1"),
        PageParams
    ),
    responses(
        (status = 200, description = "the page as a PNG", body = Vec<u8>, content_type = "image/png"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found, or no such page", body = ErrorBody),
        (status = 422, description = "a side out of range", body = ErrorBody),
    )
)]
pub(crate) async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, page)): Path<(String, String)>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<impl IntoResponse, ApiError> {
    let id = parse_id(&id, "asset")?;
    let page: u32 = page
        .parse()
        .map_err(|_| ApiError::not_found(format!("page {page:?} of asset {id}")))?;
    let png = previews::page(&state.catalog, &auth, id, page, params.side).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        png,
    ))
}

/// `GET /api/v1/assets/{id}/model.glb`: an OBJ or STL model as binary glTF (GLB), the
/// format browsers' 3D viewers read: its geometry and colours, Y up, no normals (viewers
/// shade it flat). A glTF model needs none: its original is glTF already.
///
/// Errors: 404 when the asset is not found, or is not a processed OBJ or STL model.
#[utoipa::path(
    operation_id = "assets_model_glb",
    get,
    path = "/assets/{id}/model.glb",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)")),
    responses(
        (status = 200, description = "the model as GLB", body = Vec<u8>, content_type = "model/gltf-binary"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found, or not an OBJ or STL model", body = ErrorBody),
    )
)]
pub(crate) async fn model_glb(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let glb = previews::model_glb(&state.catalog, &auth, parse_id(&id, "asset")?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "model/gltf-binary"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        glb,
    ))
}
