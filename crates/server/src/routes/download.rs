//! `POST /api/v1/assets/download`: many originals as one ZIP file
//! (`medialib_app::download`).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use medialib_app::download;
use medialib_core::AssetId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::auth::Auth;
use crate::dto::schema;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Body of `POST /api/v1/assets/download`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DownloadBody {
    /// 1–1000 asset ids (repeats are ignored).
    #[schema(schema_with = schema::asset_ids)]
    ids: Vec<String>,
}

/// The header that gives the originals' bytes together, so that a client can show the
/// progress of a download whose length is not known in advance.
const ORIGINAL_BYTES: &str = "medialib-original-bytes";

/// `POST /api/v1/assets/download` with `{ids}`: the originals, as one ZIP file streamed
/// while it is written (entries stored, named by their original filenames, made unique).
/// `Medialib-Original-Bytes` gives their sizes together; a file that cannot be read
/// midway breaks the download off rather than end it short.
///
/// Errors: 404 for an asset the caller cannot see or one in the trash; 422 for a bad id,
/// or none or more than 1000.
#[utoipa::path(
    operation_id = "assets_download",
    post,
    path = "/assets/download",
    tag = "assets",
    request_body = DownloadBody,
    responses(
        (status = 200, description = "the ZIP file", body = Vec<u8>, content_type = "application/zip",
            headers(("medialib-original-bytes" = u64, description = "the originals' bytes together"))),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "an asset not found (or in the trash)", body = ErrorBody),
        (status = 422, description = "a bad id, or none or too many", body = ErrorBody),
    )
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<DownloadBody>,
) -> Result<Response, ApiError> {
    let ids = body
        .ids
        .iter()
        .map(|raw| {
            raw.parse::<AssetId>()
                .map_err(|_| ApiError::invalid(format!("{raw:?} is not an asset id")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let archive = download::archive(&state.catalog, &auth, &ids).await?;
    let filename = format!("medialib-{}-assets.zip", archive.len());
    let original_bytes = archive.original_bytes;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::HeaderName::from_static(ORIGINAL_BYTES),
                original_bytes.to_string(),
            ),
        ],
        Body::from_stream(archive.stream(&state.catalog)),
    )
        .into_response())
}
