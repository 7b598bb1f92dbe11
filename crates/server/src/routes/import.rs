//! `POST /api/v1/assets/import`: fetch a file from a URL and ingest it like an upload.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use medialib_core::ErrorCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::auth::{Auth, Write};
use crate::dto::AssetDto;
use crate::error::{ApiError, ErrorBody};
use crate::import::ImportError;
use crate::import::guard::Refused;
use crate::ingest::{self, Declared, IngestOutcome};
use crate::state::AppState;

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
    auth: Auth<Write>,
    ApiJson(body): ApiJson<ImportRequest>,
) -> Result<Response, ApiError> {
    let namespace = auth.namespace;
    let collection = match body.collection.as_deref() {
        Some(wanted) => Some(
            ingest::organise::find_collection(&state, namespace, wanted)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(format!("collection {wanted:?} does not exist"))
                })?,
        ),
        None => None,
    };
    let max = state.settings.limits.max_upload_bytes;
    let room = ingest::quota::room(&state, namespace).await?;
    let limit = room.map_or(max, |room| room.min(max));
    let fetched = match state
        .importer
        .fetch(&body.url, &state.staging_dir, limit)
        .await
    {
        Ok(fetched) => fetched,
        Err(ImportError::TooLarge { declared, .. })
            if limit < max && declared.is_none_or(|size| size <= max) =>
        {
            let size = declared.unwrap_or(limit + 1);
            return Err(ingest::quota::over_bytes(&state, namespace, size).await);
        }
        Err(e) => {
            tracing::info!(url = %body.url, error = %e, "import refused");
            return Err(import_error(e));
        }
    };
    let declared = Declared {
        filename: fetched.fitting_filename(),
        title: body.title,
        description: body.description,
        alt_text: body.alt_text,
        is_public: body.is_public,
    };
    let outcome = ingest::ingest(&state, (&*auth).into(), fetched.staged, declared).await?;
    let asset = match &outcome {
        IngestOutcome::Created(asset) | IngestOutcome::Duplicate(asset) => asset.id,
    };
    ingest::organise::file(&state, namespace, asset, body.tags, collection).await?;
    tracing::info!(url = %body.url, %asset, "imported");
    let (status, dto) = super::upload::render(&state, &outcome).await?;
    Ok((status, Json(dto)).into_response())
}

/// The error for a failed fetch: 400 for what is not an http(s) URL, 413 over the size
/// cap, 422 for the rest, each with its own code.
fn import_error(e: ImportError) -> ApiError {
    let code = match e {
        ImportError::InvalidUrl(_) | ImportError::Refused(Refused::Scheme(_) | Refused::NoHost) => {
            ErrorCode::InvalidUrl
        }
        ImportError::TooLarge { .. } => ErrorCode::FileTooLarge,
        ImportError::Disk(e) => return ApiError::disk(e),
        ImportError::Refused(Refused::Blocked { .. }) => ErrorCode::BlockedAddress,
        ImportError::TooManyRedirects => ErrorCode::TooManyRedirects,
        ImportError::Timeout(_) => ErrorCode::UpstreamTimeout,
        ImportError::Status { .. } => ErrorCode::UpstreamStatus,
        ImportError::Unreachable(_) => ErrorCode::UpstreamUnreachable,
    };
    ApiError::new(code, e.to_string())
}
