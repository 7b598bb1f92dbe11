//! `POST /api/v1/assets`: multipart upload of one or many files.
//!
//! Text fields (`title`, `description`, `alt_text`, `is_public`) apply to the files
//! that follow them, so send them first. Each `file` part streams to staging and goes
//! through [`medialib_app::ingest::ingest`] on its own: one bad file does not fail the others.

use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use medialib_core::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::dto::AssetDto;
use crate::error::{ApiError, ErrorBody, ErrorDto};
use crate::state::AppState;
use medialib_app::ingest::{self, Declared, IngestOutcome, Uploader, staging};

/// Longest text field accepted, in bytes.
const MAX_FIELD_BYTES: usize = 16 * 1024;

enum FileResult {
    Done(StatusCode, Box<AssetDto>),
    Rejected(String, ApiError),
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum ResultDto<'a> {
    Asset {
        status: u16,
        asset: &'a AssetDto,
    },
    Error {
        status: u16,
        filename: &'a str,
        error: ErrorDto<'a>,
    },
}

/// The answer to a request with several files: one result per `file` part, in order.
#[derive(Serialize, ToSchema)]
pub(crate) struct UploadResults<'a> {
    results: Vec<ResultDto<'a>>,
}

/// The multipart form (for the API description; the handler reads the parts as they
/// stream in).
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "describes the form for the API description; never built"
)]
pub(crate) struct UploadForm {
    /// A file to upload; repeat the part for several (at most `limits.max_files_per_request`).
    #[schema(format = Binary, value_type = String, min_length = 1)]
    file: Vec<u8>,
    /// Title of the files after it (default: the filename without extension).
    title: Option<String>,
    /// Description of the files after it.
    description: Option<String>,
    /// Alt text of the files after it.
    alt_text: Option<String>,
    /// `true` (or `1`, `on`) to deliver the files after it without a token; `false`,
    /// `0`, `off` or empty not to.
    #[schema(schema_with = is_public_field)]
    is_public: Option<String>,
}

fn is_public_field() -> utoipa::openapi::schema::Object {
    crate::dto::schema::one_of(["true", "1", "on", "false", "0", "off", ""])
}

/// A 200 answer: several files' results, or the one file already stored.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "describes the answer for the API description")]
pub(crate) enum UploadOk<'a> {
    Several(UploadResults<'a>),
    Duplicate(Box<AssetDto>),
}

/// Handles the upload; a single file answers with the asset (201, or 200 with
/// `"duplicate": true`) or its error, several answer 200 with `{"results":[…]}`.
#[utoipa::path(
    operation_id = "assets_upload",
    post,
    path = "/assets",
    tag = "assets",
    request_body(content_type = "multipart/form-data", content = UploadForm, description = "one or more `file` parts; text fields apply to the files after them"),
    responses(
        (status = 201, description = "one file, stored", body = AssetDto),
        (status = 200, description = "several files (one result each), or one file already stored (`duplicate: true`, the asset)", body = UploadOk),
        (status = 400, description = "not multipart, or no file part", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 413, description = "a file or the request over a limit", body = ErrorBody),
        (status = 415, description = "an unsupported type, or an extension contradicting the content", body = ErrorBody),
        (status = 422, description = "corrupt or invalid content", body = ErrorBody),
    )
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let uploader = Uploader::authorize(&auth)?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidMultipart,
            format!(
                "send multipart/form-data with one or more `file` parts: {}",
                e.body_text()
            ),
        )
    })?;
    let limits = &state.catalog.settings.limits;
    let mut declared = Declared::default();
    let mut results = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if results.len() >= limits.max_files_per_request {
                    return Err(ApiError::new(
                        ErrorCode::TooManyFiles,
                        format!(
                            "at most {} files per request; send the rest in another request",
                            limits.max_files_per_request
                        ),
                    ));
                }
                let filename = field.file_name().unwrap_or("upload").to_owned();
                let result = upload_one(&state, uploader, field, &declared, &filename).await;
                results.push(match result {
                    Ok(r) => r,
                    Err(e) => FileResult::Rejected(filename, e),
                });
            }
            "title" | "description" | "alt_text" | "is_public" => {
                let value = read_text(field, &name).await?;
                match name.as_str() {
                    "title" => declared.title = Some(value),
                    "description" => declared.description = Some(value),
                    "alt_text" => declared.alt_text = Some(value),
                    _ => declared.is_public = parse_bool(&value)?,
                }
            }
            other => {
                return Err(ApiError::new(
                    ErrorCode::InvalidMultipart,
                    format!(
                        "unknown form field {other:?}; expected file, title, description, \
                         alt_text or is_public"
                    ),
                ));
            }
        }
    }
    match results.len() {
        0 => Err(ApiError::new(
            ErrorCode::NoFile,
            "the form has no `file` part (curl -F file=@photo.jpg …)",
        )),
        1 => Ok(match results.pop().expect("one result") {
            FileResult::Done(status, asset) => (status, Json(*asset)).into_response(),
            FileResult::Rejected(_, e) => e.into_response(),
        }),
        _ => {
            let dtos: Vec<ResultDto<'_>> = results
                .iter()
                .map(|r| match r {
                    FileResult::Done(status, asset) => ResultDto::Asset {
                        status: status.as_u16(),
                        asset,
                    },
                    FileResult::Rejected(filename, e) => ResultDto::Error {
                        status: e.status().as_u16(),
                        filename,
                        error: e.dto(),
                    },
                })
                .collect();
            Ok(Json(UploadResults { results: dtos }).into_response())
        }
    }
}

async fn upload_one(
    state: &AppState,
    uploader: Uploader,
    field: Field<'_>,
    declared: &Declared,
    filename: &str,
) -> Result<FileResult, ApiError> {
    let max = state.catalog.settings.limits.max_upload_bytes;
    // The size is not declared: the quota's room caps the stream instead. A file that
    // turns out to be a duplicate would have passed, but it must be read to know.
    let limit = ingest::quota::upload_limit(&state.catalog, uploader.namespace).await?;
    let mut field = field;
    let staged = staging::stage(&state.catalog.staging_dir, &mut field, limit).await;
    let staged = match staged {
        Ok(staged) => staged,
        Err(e @ staging::StageError::TooLarge { .. }) => {
            // Read the rest of this part without keeping it, so the next part can be
            // reached; the request body limit bounds how much that can be.
            let mut size = limit;
            while let Some(chunk) = field.next().await {
                size += chunk.map_err(multipart_error)?.len() as u64;
            }
            if limit < max {
                return Err(
                    ingest::quota::over_bytes(&state.catalog, uploader.namespace, size)
                        .await
                        .into(),
                );
            }
            return Err(ingest::stage_error(e).into());
        }
        Err(e) => return Err(ingest::stage_error(e).into()),
    };
    let declared = Declared {
        filename: filename.to_owned(),
        ..declared.clone()
    };
    let outcome = ingest::ingest(&state.catalog, uploader, staged, declared).await?;
    let (status, dto) = render(state, &outcome).await?;
    Ok(FileResult::Done(status, Box::new(dto)))
}

/// The answer for one ingested file: 201 and the new asset, or 200 and the existing one
/// with `"duplicate": true`.
pub(super) async fn render(
    state: &AppState,
    outcome: &IngestOutcome,
) -> Result<(StatusCode, AssetDto), ApiError> {
    let (status, asset, duplicate) = match outcome {
        IngestOutcome::Created(a) => (StatusCode::CREATED, a, false),
        IngestOutcome::Duplicate(a) => (StatusCode::OK, a, true),
    };
    let mut dto = super::assets::render(state, asset).await?;
    dto.duplicate = Some(duplicate);
    Ok((status, dto))
}

async fn read_text(field: Field<'_>, name: &str) -> Result<String, ApiError> {
    let bytes = field.bytes().await.map_err(multipart_error)?;
    if bytes.len() > MAX_FIELD_BYTES {
        return Err(ApiError::invalid(format!(
            "field {name} is longer than {MAX_FIELD_BYTES} bytes"
        )));
    }
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::invalid(format!("field {name} is not UTF-8 text")))?;
    if text.contains('\0') {
        return Err(ApiError::invalid(format!(
            "field {name} cannot contain the NUL character (U+0000)"
        )));
    }
    Ok(text)
}

fn parse_bool(value: &str) -> Result<bool, ApiError> {
    match value.trim() {
        "true" | "1" | "on" => Ok(true),
        "false" | "0" | "off" | "" => Ok(false),
        other => Err(ApiError::invalid(format!(
            "is_public must be true or false, not {other:?}"
        ))),
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::RequestTooLarge, e.body_text())
    } else {
        ApiError::new(ErrorCode::InvalidMultipart, e.body_text())
    }
}
