//! Chunked uploads by index at `/api/v1/uploads/chunked`, as upload APIs of CMSs and
//! stores do it: a session created with the file's size and a chunk size, chunks sent in
//! any order and in parallel (to any API node), re-sent idempotently, then a finalize that
//! assembles and ingests the file like a multipart upload.
//!
//! Sessions share tus's store, quotas, limits, expiry and audit; each chunk is an object
//! in the blob store ([`medialib_app::uploads`]), so no node keeps any state of its own.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use medialib_app::ingest::{Uploader, quota};
use medialib_app::uploads::Algorithm;
use medialib_core::access::Principal;
use medialib_core::{AppError, ErrorCode, Timestamp, UploadId, UploadSession};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::upload::render;
use crate::auth::Auth;
use crate::dto::{AssetDto, rfc3339};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::tus::complete::{collection_of, finish};
use crate::tus::{append_error, expiry, lock, remove, session_of};

/// The chunk size when the client names none, in bytes.
pub(crate) const DEFAULT_CHUNK: u64 = 8 << 20;
/// The smallest chunk size, in bytes: smaller ones would make thousands of objects.
pub(crate) const MIN_CHUNK: u64 = 64 << 10;
/// The most chunks an upload may have (as S3's multipart uploads).
pub(crate) const MAX_CHUNKS: u64 = 10_000;

/// Body of `POST /api/v1/uploads/chunked`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewChunkedUpload {
    /// The file's name, with its extension.
    file_name: String,
    /// The file's size in bytes.
    file_size: u64,
    /// Its media type, as the client knows it (the content decides).
    content_type: Option<String>,
    /// Bytes of every chunk but the last (default 8 MiB; at least 64 KiB, at most
    /// `limits.max_request_bytes`).
    chunk_size: Option<u64>,
    /// The asset's title (default: from the file name).
    title: Option<String>,
    /// The asset's description.
    description: Option<String>,
    /// The asset's alternative text.
    alt_text: Option<String>,
    /// Tag names to put the asset on.
    #[serde(default)]
    tags: Vec<String>,
    /// A collection (id or slug) to add the asset to.
    collection: Option<String>,
}

/// A chunked upload as created.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChunkedUploadDto {
    /// The upload's id, for the chunk, progress, finalize and cancel routes.
    upload_id: String,
    /// Bytes of every chunk but the last.
    chunk_size: u64,
    /// Chunks, numbered from 0.
    total_chunks: u64,
    /// When the upload and its chunks are removed unless finalized (RFC 3339;
    /// `uploads.expire_seconds` after creation).
    expires_at: String,
}

/// How far a chunked upload is.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChunkedProgressDto {
    upload_id: String,
    file_name: String,
    /// The file's size in bytes.
    file_size: u64,
    /// Bytes of every chunk but the last.
    chunk_size: u64,
    /// Chunks, numbered from 0.
    total_chunks: u64,
    /// Chunks that arrived.
    received: u64,
    /// Indexes of the chunks still to send, ascending.
    missing: Vec<u64>,
    /// Share of the file's bytes that arrived, 0 to 1.
    progress: f64,
    /// When the upload is removed unless finalized (RFC 3339).
    expires_at: String,
    /// The asset the finalized upload became.
    #[serde(skip_serializing_if = "Option::is_none")]
    asset_id: Option<String>,
}

/// `POST /api/v1/uploads/chunked`: starts a chunked upload.
#[utoipa::path(
    operation_id = "chunked_create",
    post,
    path = "/uploads/chunked",
    tag = "uploads",
    request_body = NewChunkedUpload,
    responses(
        (status = 201, description = "created", body = ChunkedUploadDto),
        (status = 400, description = "an unknown collection", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 413, description = "over the upload limit or the namespace's quota", body = ErrorBody),
        (status = 422, description = "an empty file, a chunk size out of bounds, or an unknown field", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewChunkedUpload>,
) -> Result<Response, ApiError> {
    Uploader::authorize(&auth)?;
    let limits = &state.catalog.settings.limits;
    let file_name = body.file_name.trim();
    if file_name.is_empty() {
        return Err(ApiError::invalid("give the file's name in file_name"));
    }
    if body.file_size == 0 {
        return Err(ApiError::new(
            ErrorCode::EmptyFile,
            "the file is empty (0 bytes)",
        ));
    }
    if body.file_size > limits.max_upload_bytes {
        return Err(ApiError::new(
            ErrorCode::FileTooLarge,
            format!(
                "the file is larger than the {}-byte upload limit",
                limits.max_upload_bytes
            ),
        ));
    }
    let chunk_size = body.chunk_size.unwrap_or(DEFAULT_CHUNK);
    let max_chunk = limits.max_request_bytes;
    if !(MIN_CHUNK..=max_chunk).contains(&chunk_size) {
        return Err(ApiError::invalid(format!(
            "chunk_size must be between {MIN_CHUNK} and {max_chunk} bytes"
        )));
    }
    if body.file_size.div_ceil(chunk_size) > MAX_CHUNKS {
        return Err(ApiError::invalid(format!(
            "at this chunk_size the file would have more than {MAX_CHUNKS} chunks; choose \
             at least {} bytes",
            body.file_size.div_ceil(MAX_CHUNKS)
        )));
    }
    quota::check(&state.catalog, auth.namespace, body.file_size).await?;
    let metadata = metadata(&body);
    collection_of(&state, auth.namespace, &metadata).await?;
    let session = UploadSession {
        id: UploadId::new(),
        namespace: auth.namespace,
        user: auth.user,
        length: body.file_size,
        offset: 0,
        metadata,
        concat: None,
        chunk_size: Some(chunk_size),
        asset: None,
        created_at: Timestamp::now_utc(),
        expires_at: expiry(&state),
    };
    state.catalog.store.create_upload(&session).await?;
    tracing::info!(upload = %session.id, length = session.length, chunk_size, "chunked upload created");
    let dto = ChunkedUploadDto {
        upload_id: session.id.to_string(),
        chunk_size,
        total_chunks: session.total_chunks().unwrap_or(0),
        expires_at: rfc3339(session.expires_at),
    };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

/// The session's metadata, under tus's `Upload-Metadata` keys, so that finishing reads
/// both alike.
fn metadata(body: &NewChunkedUpload) -> BTreeMap<String, String> {
    let tags = (!body.tags.is_empty()).then(|| body.tags.join(","));
    [
        ("filename", Some(body.file_name.trim().to_owned())),
        ("filetype", body.content_type.clone()),
        ("title", body.title.clone()),
        ("description", body.description.clone()),
        ("alt_text", body.alt_text.clone()),
        ("tags", tags),
        ("collection", body.collection.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_owned(), v?)))
    .collect()
}

/// The caller's chunked upload `id` (a tus session is not one).
async fn chunked_session(
    state: &AppState,
    auth: &Principal,
    id: &str,
) -> Result<UploadSession, ApiError> {
    let session = session_of(state, auth, id).await?;
    if session.chunk_size.is_none() {
        return Err(ApiError::not_found(format!("chunked upload {id}")));
    }
    Ok(session)
}

fn finished(id: UploadId) -> ApiError {
    ApiError::new(
        ErrorCode::UploadFinished,
        format!("upload {id} is already finalized; start a new upload to send another file"),
    )
}

/// `PUT /api/v1/uploads/chunked/{id}/chunks/{index}`: one chunk, exactly the chunk size
/// (the last one: the rest of the file). Sending a chunk again replaces it.
#[utoipa::path(
    operation_id = "chunked_put_chunk",
    put,
    path = "/uploads/chunked/{id}/chunks/{index}",
    tag = "uploads",
    params(
        ("id" = String, Path, format = Uuid, description = "upload id"),
        ("index" = u64, Path, description = "chunk index, from 0"),
        ("Content-MD5" = Option<String>, Header, description = "base64 MD5 of the chunk (RFC 1864)"),
        ("Digest" = Option<String>, Header, description = "`sha-256=<base64>`, `sha=<base64>` or `md5=<base64>` (RFC 3230)"),
    ),
    request_body(content_type = "application/octet-stream", description = "the chunk's bytes"),
    responses(
        (status = 204, description = "stored"),
        (status = 400, description = "an index past the last chunk, or a body that broke off", body = ErrorBody),
        (status = 404, description = "no such upload (or another user's)", body = ErrorBody),
        (status = 409, description = "the upload is already finalized", body = ErrorBody),
        (status = 410, description = "the upload expired", body = ErrorBody),
        (status = 422, description = "a chunk of the wrong size, or one that does not match its digest", body = ErrorBody),
        (status = 503, description = "the blob store is unavailable; retry", body = ErrorBody),
    )
)]
pub(crate) async fn put_chunk(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, index)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    Uploader::authorize(&auth)?;
    let session = chunked_session(&state, &auth, &id).await?;
    if session.asset.is_some() {
        return Err(finished(session.id));
    }
    let total = session.total_chunks().unwrap_or(0);
    let index = index
        .parse::<u64>()
        .ok()
        .filter(|i| *i < total)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::ChunkOutOfRange,
                format!(
                    "chunk {index:?} does not exist: this upload has chunks 0 to {}",
                    total - 1
                ),
            )
        })?;
    let checksum = digest(&headers)?;
    state
        .uploads
        .put_chunk(&session, index, body.into_data_stream(), checksum)
        .await
        .map_err(|e| match e {
            medialib_app::uploads::AppendError::ChecksumMismatch => ApiError::new(
                ErrorCode::DigestMismatch,
                format!("chunk {index} does not match its Content-MD5 or Digest; send it again"),
            ),
            other => append_error(other),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// The checksum a chunk must match: `Content-MD5` (RFC 1864) or the first supported
/// algorithm of `Digest` (RFC 3230).
fn digest(headers: &HeaderMap) -> Result<Option<(Algorithm, Vec<u8>)>, ApiError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let decode = |algorithm: Algorithm, value: &str, header: &str| {
        STANDARD
            .decode(value.trim())
            .ok()
            .filter(|d| d.len() == algorithm.digest_len())
            .map(|d| (algorithm, d))
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "{header} does not hold a base64 {algorithm:?} digest"
                ))
            })
    };
    if let Some(md5) = text("Content-MD5") {
        return decode(Algorithm::Md5, md5, "Content-MD5").map(Some);
    }
    let Some(digests) = text("Digest") else {
        return Ok(None);
    };
    for item in digests.split(',') {
        let Some((name, value)) = item.trim().split_once('=') else {
            continue;
        };
        let algorithm = match name.to_ascii_lowercase().as_str() {
            "sha-256" => Algorithm::Sha256,
            "sha" => Algorithm::Sha1,
            "md5" => Algorithm::Md5,
            _ => continue,
        };
        return decode(algorithm, value, "Digest").map(Some);
    }
    Err(ApiError::invalid(
        "Digest names no supported algorithm: use sha-256, sha or md5",
    ))
}

/// `GET /api/v1/uploads/chunked/{id}`: which chunks arrived and which are missing.
#[utoipa::path(
    operation_id = "chunked_get",
    get,
    path = "/uploads/chunked/{id}",
    tag = "uploads",
    params(("id" = String, Path, format = Uuid, description = "upload id")),
    responses(
        (status = 200, description = "progress", body = ChunkedProgressDto),
        (status = 404, description = "no such upload (or another user's)", body = ErrorBody),
        (status = 410, description = "the upload expired", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<ChunkedProgressDto>, ApiError> {
    Uploader::authorize(&auth)?;
    let session = chunked_session(&state, &auth, &id).await?;
    let (received, missing) = tally(&state, &session).await?;
    let bytes: u64 = received.iter().filter_map(|i| session.chunk_len(*i)).sum();
    let total_chunks = session.total_chunks().unwrap_or(0);
    let finalized = session.asset.is_some();
    Ok(Json(ChunkedProgressDto {
        upload_id: session.id.to_string(),
        file_name: session
            .metadata
            .get("filename")
            .cloned()
            .unwrap_or_default(),
        file_size: session.length,
        chunk_size: session.chunk_size.unwrap_or(0),
        total_chunks,
        received: if finalized {
            total_chunks
        } else {
            received.len() as u64
        },
        missing: if finalized { Vec::new() } else { missing },
        progress: if finalized {
            1.0
        } else {
            bytes as f64 / session.length as f64
        },
        expires_at: rfc3339(session.expires_at),
        asset_id: session.asset.map(|a| a.to_string()),
    }))
}

/// The chunks of `session` that arrived whole, and the indexes of the others.
async fn tally(
    state: &AppState,
    session: &UploadSession,
) -> Result<(Vec<u64>, Vec<u64>), ApiError> {
    let stored = state.uploads.chunks(session).await?;
    let total = session.total_chunks().unwrap_or(0);
    Ok((0..total).partition(|i| stored.get(i).copied() == session.chunk_len(*i)))
}

/// `POST /api/v1/uploads/chunked/{id}/finalize`: assembles the chunks and ingests the
/// file; answers as a multipart upload of it would. Finalizing again answers with the
/// asset it became.
#[utoipa::path(
    operation_id = "chunked_finalize",
    post,
    path = "/uploads/chunked/{id}/finalize",
    tag = "uploads",
    params(("id" = String, Path, format = Uuid, description = "upload id")),
    responses(
        (status = 201, description = "the new asset", body = AssetDto),
        (status = 200, description = "the asset these bytes already were (`duplicate`), or the one an earlier finalize made", body = AssetDto),
        (status = 404, description = "no such upload (or another user's)", body = ErrorBody),
        (status = 409, description = "chunks are missing: the message lists them, `details.missing` has every index", body = ErrorBody),
        (status = 410, description = "the upload expired", body = ErrorBody),
        (status = 415, description = "the file's type is not supported", body = ErrorBody),
        (status = 422, description = "the file is corrupt", body = ErrorBody),
        (status = 423, description = "another finalize of this upload is running", body = ErrorBody),
    )
)]
pub(crate) async fn finalize(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Uploader::authorize(&auth)?;
    let session = chunked_session(&state, &auth, &id).await?;
    let writing = lock(&state, session.id).await?;
    let outcome = finalize_locked(&state, &auth, &id).await;
    writing.release().await;
    outcome
}

async fn finalize_locked(
    state: &AppState,
    auth: &Principal,
    id: &str,
) -> Result<Response, ApiError> {
    // Read again under the lease: a finalize that held it may have finished.
    let session = chunked_session(state, auth, id).await?;
    if let Some(asset) = session.asset {
        let asset = medialib_app::assets::get(&state.catalog, auth, asset).await?;
        let dto = super::assets::render(state, &asset).await?;
        return Ok((StatusCode::OK, Json(dto)).into_response());
    }
    let (_, missing) = tally(state, &session).await?;
    if !missing.is_empty() {
        let mut refusal = AppError::new(
            ErrorCode::ChunksMissing,
            format!(
                "{} of {} chunks have not arrived: {}; send them, then finalize again",
                missing.len(),
                session.total_chunks().unwrap_or(0),
                listed(&missing)
            ),
        );
        refusal.details = Some(serde_json::json!({ "missing": missing }));
        return Err(refusal.into());
    }
    let staged = state
        .uploads
        .stage_chunks(&session)
        .await
        .map_err(append_error)?;
    let outcome = finish(state, &session, staged).await?;
    let (status, dto) = render(state, &outcome).await?;
    tracing::info!(upload = %session.id, asset = %outcome.asset().id, "chunked upload finalized");
    Ok((status, Json(dto)).into_response())
}

/// `3, 7, 9`, or the first 20 and how many more.
fn listed(indexes: &[u64]) -> String {
    const SHOWN: usize = 20;
    let mut text: Vec<String> = indexes.iter().take(SHOWN).map(u64::to_string).collect();
    if indexes.len() > SHOWN {
        text.push(format!("and {} more", indexes.len() - SHOWN));
    }
    text.join(", ")
}

/// `DELETE /api/v1/uploads/chunked/{id}`: cancels an upload and deletes its chunks.
#[utoipa::path(
    operation_id = "chunked_delete",
    delete,
    path = "/uploads/chunked/{id}",
    tag = "uploads",
    params(("id" = String, Path, format = Uuid, description = "upload id")),
    responses(
        (status = 204, description = "cancelled"),
        (status = 404, description = "no such upload (or another user's)", body = ErrorBody),
        (status = 423, description = "a finalize of it is running", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    Uploader::authorize(&auth)?;
    let session = chunked_session(&state, &auth, &id).await?;
    let writing = lock(&state, session.id).await?;
    let removed = remove(&state, session.id).await;
    writing.release().await;
    removed?;
    tracing::info!(upload = %session.id, "chunked upload cancelled");
    Ok(StatusCode::NO_CONTENT)
}
