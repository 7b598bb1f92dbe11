//! `POST /api/v1/assets/import`: fetch a file from a URL and ingest it like an upload.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::auth::Auth;
use crate::dto::AssetDto;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use medialib_app::import::{self, UrlImport};
use medialib_app::ingest::Declared;

/// What to import, and how to describe it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportRequest {
    /// The file's URL: `http` or `https`, on a public address.
    #[schema(example = "https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg")]
    url: String,
    /// Title (default: the URL's filename without extension).
    title: Option<String>,
    /// Description.
    description: Option<String>,
    /// Alt text.
    alt_text: Option<String>,
    /// `true` to deliver the asset without a token.
    #[serde(default)]
    is_public: bool,
    /// Tag names; new ones are created.
    #[serde(default)]
    tags: Vec<String>,
    /// A collection to add the asset to, by id or slug.
    collection: Option<String>,
}

/// Fetches the URL (at most 5 redirects, `import.timeout_seconds` in all, no more than
/// `limits.max_upload_bytes` and the namespace's quota) and ingests the file.
#[utoipa::path(
    operation_id = "assets_import",
    post,
    path = "/assets/import",
    tag = "assets",
    request_body = ImportRequest,
    responses(
        (status = 201, description = "stored", body = AssetDto),
        (status = 200, description = "the namespace already had these bytes (`duplicate: true`)", body = AssetDto),
        (status = 400, description = "not an http(s) URL (`invalid_url`)", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 413, description = "larger than the upload limit or the quota's room", body = ErrorBody),
        (status = 415, description = "not a supported media type", body = ErrorBody),
        (status = 422, description = "refused address (`blocked_address`), too many redirects, \
            a timeout, an error status or no answer from the URL (`upstream_*`), an unknown \
            collection, or invalid content", body = ErrorBody),
    )
)]
pub(crate) async fn import(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ImportRequest>,
) -> Result<Response, ApiError> {
    let request = UrlImport {
        url: body.url,
        declared: Declared {
            filename: String::new(),
            title: body.title,
            description: body.description,
            alt_text: body.alt_text,
            is_public: body.is_public,
        },
        tags: body.tags,
        collection: body.collection,
    };
    let outcome = import::import(&state.catalog, &state.importer, &auth, request).await?;
    let (status, dto) = super::upload::render(&state, &outcome).await?;
    Ok((status, Json(dto)).into_response())
}
