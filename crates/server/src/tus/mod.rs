//! Resumable uploads: tus 1.0 at `/api/v1/uploads` (<https://tus.io/protocols/resumable-upload>)
//! with the creation, creation-with-upload, termination, expiration, checksum and
//! concatenation extensions, so that every tus client works (Uppy, tus-js-client,
//! tuspy, the mobile SDKs).
//!
//! - `headers`: the protocol's headers, parsed and formatted.
//! - `complete`: ingesting a finished upload, or one assembled from partial uploads.
//! - `open`: opening a session (tus creation and GraphQL's `uploadCreate`).
//!
//! The session's bytes, and the lease that lets one request at a time write it, live in
//! [`medialib_app::uploads`]: any API node can take any request of any session.
//!
//! A session is created with its length (`POST`), filled by `PATCH` requests at its
//! current offset, and ingested through [`medialib_app::ingest::ingest`] (the multipart path's
//! dedup, validation and jobs) by the request that brings its last byte. That response,
//! and a `HEAD` afterwards, name the asset in `Medialib-Asset-Id`. A session belongs to
//! the user who created it: for anyone else it does not exist (404).

pub(crate) mod complete;
pub mod headers;
mod open;

pub(crate) use open::{expiry, location, open};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medialib_app::ingest::{IngestOutcome, Uploader};
use medialib_core::ErrorCode;
use medialib_core::access::Principal;
use medialib_core::{Concat, Timestamp, UploadId, UploadSession};

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use complete::{assemble, collection_of, finish};
use headers::{ASSET_ID, ConcatHeader, DUPLICATE, OFFSET_OCTET_STREAM, TusResumable, VERSION};
use medialib_app::uploads::{AppendError, Writing};

/// `Tus-Resumable` on every response, as the protocol requires.
pub async fn resumable_header(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("Tus-Resumable", HeaderValue::from_static(VERSION));
    response
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A 412 when the client does not speak tus 1.0.0.
fn version_refused(headers: &HeaderMap) -> Option<Response> {
    if header(headers, "Tus-Resumable") == Some(VERSION) {
        return None;
    }
    let mut response = ApiError::new(
        ErrorCode::TusVersion,
        format!("send Tus-Resumable: {VERSION}, the only tus version this server speaks"),
    )
    .into_response();
    response
        .headers_mut()
        .insert("Tus-Version", HeaderValue::from_static(VERSION));
    Some(response)
}

fn bad_header(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidTusHeader, message)
}

fn number(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ApiError> {
    header(headers, name)
        .map(|raw| {
            raw.trim()
                .parse()
                .map_err(|_| bad_header(format!("{name} {raw:?} is not a number of bytes")))
        })
        .transpose()
}

fn is_upload_body(headers: &HeaderMap) -> bool {
    header(headers, header::CONTENT_TYPE.as_str()) == Some(OFFSET_OCTET_STREAM)
}

fn checksum(headers: &HeaderMap) -> Result<Option<(headers::Algorithm, Vec<u8>)>, ApiError> {
    header(headers, "Upload-Checksum")
        .map(headers::parse_checksum)
        .transpose()
        .map_err(bad_header)
}

/// The session `id` if it belongs to the caller and has not expired.
pub(crate) async fn session_of(
    state: &AppState,
    auth: &Principal,
    id: &str,
) -> Result<UploadSession, ApiError> {
    let not_found = || ApiError::not_found(format!("upload {id}"));
    let id: UploadId = id.parse().map_err(|_| not_found())?;
    let session = state
        .catalog
        .store
        .get_upload(id)
        .await?
        .ok_or_else(not_found)?;
    if session.user != auth.user || session.namespace != auth.namespace {
        return Err(not_found());
    }
    if session.expires_at <= Timestamp::now_utc() {
        return Err(ApiError::new(
            ErrorCode::UploadExpired,
            format!("upload {id} expired; start a new upload"),
        ));
    }
    Ok(session)
}

pub(crate) fn locked(id: UploadId) -> ApiError {
    ApiError::new(
        ErrorCode::UploadLocked,
        format!("another request is writing upload {id}; retry when it ends"),
    )
}

/// The right to write session `id`, or a 423 while another request (on any node) holds it.
pub(crate) async fn lock(state: &AppState, id: UploadId) -> Result<Writing, ApiError> {
    state.uploads.lock(id).await?.ok_or_else(|| locked(id))
}

/// A request's bytes that were not kept, as the error the client gets.
pub(crate) fn append_error(e: AppendError) -> ApiError {
    let code = match e {
        AppendError::TooLong { .. } => ErrorCode::UploadTooLong,
        AppendError::ChecksumMismatch => ErrorCode::ChecksumMismatch,
        AppendError::WrongSize { .. } => ErrorCode::ChunkSizeMismatch,
        AppendError::Interrupted => ErrorCode::UploadInterrupted,
        AppendError::Disk(e) => return ApiError::disk(e),
        AppendError::Store(e) => return e.into(),
    };
    ApiError::new(code, e.to_string())
}

/// `OPTIONS /api/v1/uploads`: what this server supports. No token needed.
#[utoipa::path(
    operation_id = "uploads_options",
    options,
    path = "/uploads",
    tag = "uploads",
    security(()),
    responses((status = 204, description = "Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm"))
)]
pub(crate) async fn options(State(state): State<AppState>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert("Tus-Version", HeaderValue::from_static(VERSION));
    h.insert(
        "Tus-Extension",
        HeaderValue::from_static(headers::EXTENSIONS),
    );
    h.insert(
        "Tus-Checksum-Algorithm",
        HeaderValue::from_static(headers::CHECKSUM_ALGORITHMS),
    );
    h.insert(
        "Tus-Max-Size",
        HeaderValue::from(state.catalog.settings.limits.max_upload_bytes),
    );
    response
}

/// `POST /api/v1/uploads`: creates an upload (with its first bytes, when the body
/// carries them), or assembles a final upload from finished partial ones and ingests it.
#[utoipa::path(
    operation_id = "uploads_create",
    post,
    path = "/uploads",
    tag = "uploads",
    params(
        ("Tus-Resumable" = inline(TusResumable), Header, description = "the tus version, 1.0.0"),
        ("Upload-Length" = Option<u64>, Header, description = "the file's size in bytes (not with Upload-Concat: final)"),
        ("Upload-Metadata" = Option<String>, Header, description = "`key base64value` pairs: filename, filetype, title, description, alt_text, tags (comma-separated names), collection (id or slug)"),
        ("Upload-Concat" = Option<String>, Header, pattern = "^(?:partial|final;.+)$", description = "`partial`, or `final;<upload URLs>`"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1|sha256 <base64>` of the body"),
    ),
    request_body(content_type = "application/offset+octet-stream", description = "optional first bytes (creation-with-upload)"),
    responses(
        (status = 201, description = "created: Location, Upload-Offset, Upload-Expires; Medialib-Asset-Id when complete, and Medialib-Duplicate: true when those bytes were already an asset"),
        (status = 400, description = "a missing or malformed header, or an unknown collection", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 412, description = "Tus-Resumable is missing or not 1.0.0", body = ErrorBody),
        (status = 413, description = "Upload-Length over Tus-Max-Size, or over the namespace's quota", body = ErrorBody),
        (status = 415, description = "the assembled file's type is not supported", body = ErrorBody),
        (status = 422, description = "the assembled file is corrupt", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    Uploader::authorize(&auth)?;
    if let Some(refused) = version_refused(&headers) {
        return Ok(refused);
    }
    let metadata = header(&headers, "Upload-Metadata")
        .map(headers::parse_metadata)
        .transpose()
        .map_err(bad_header)?
        .unwrap_or_default();
    collection_of(&state, auth.namespace, &metadata).await?;
    let concat = header(&headers, "Upload-Concat")
        .map(headers::parse_concat)
        .transpose()
        .map_err(bad_header)?;
    if let Some(ConcatHeader::Final(parts)) = concat {
        return assemble(&state, &auth, parts, metadata).await;
    }
    let length = match number(&headers, "Upload-Length")? {
        Some(length) => length,
        None if headers.contains_key("Upload-Defer-Length") => {
            return Err(bad_header(
                "Upload-Defer-Length is not supported: send Upload-Length".into(),
            ));
        }
        None => return Err(bad_header("send the file's size in Upload-Length".into())),
    };
    let partial = concat == Some(ConcatHeader::Partial);
    let session = open(&state, &auth, length, metadata, partial).await?;
    let mut response = if is_upload_body(&headers) {
        let mut writing = lock(&state, session.id).await?;
        let received = receive(&state, session.clone(), &mut writing, &headers, body).await;
        writing.release().await;
        received?
    } else {
        progress(&session)
    };
    *response.status_mut() = StatusCode::CREATED;
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::try_from(location(session.id)).expect("ids are ASCII"),
    );
    Ok(response)
}

/// `HEAD /api/v1/uploads/{id}`: how far the upload is; `Medialib-Asset-Id` once it
/// became an asset. An upload whose every byte arrived but whose server died before
/// ingesting it is ingested now, since a client that sees the full offset stops there.
#[utoipa::path(
    operation_id = "uploads_head",
    head,
    path = "/uploads/{id}",
    tag = "uploads",
    params(("id" = String, Path, format = Uuid, description = "upload id"), ("Tus-Resumable" = inline(TusResumable), Header, description = "the tus version, 1.0.0")),
    responses(
        (status = 200, description = "Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Upload-Concat; Medialib-Asset-Id when finished"),
        (status = 404, description = "no such upload (or another user's)"),
        (status = 410, description = "the upload expired"),
        (status = 412, description = "Tus-Resumable is missing or not 1.0.0"),
        (status = 415, description = "a stranded complete upload's type is not supported"),
        (status = 422, description = "a stranded complete upload is corrupt"),
        (status = 423, description = "a stranded complete upload is still locked by the request that died with its server; retry"),
    )
)]
pub(crate) async fn head(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Uploader::authorize(&auth)?;
    if let Some(refused) = version_refused(&headers) {
        return Ok(refused);
    }
    let mut session = settled(&state, session_of(&state, &auth, &id).await?, None).await?;
    if session.is_complete() && session.asset.is_none() && session.concat.is_none() {
        session = complete::finish_stranded(&state, &auth, &id).await?;
    }
    let mut response = progress(&session);
    *response.status_mut() = StatusCode::OK;
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("Upload-Length", HeaderValue::from(session.length));
    let metadata = HeaderValue::try_from(headers::format_metadata(&session.metadata));
    if let (false, Ok(v)) = (session.metadata.is_empty(), metadata) {
        h.insert("Upload-Metadata", v);
    }
    match &session.concat {
        Some(Concat::Partial) => {
            h.insert("Upload-Concat", HeaderValue::from_static("partial"));
        }
        Some(Concat::Final(parts)) => {
            let urls: Vec<String> = parts.iter().map(|p| location(*p)).collect();
            let value = format!("final;{}", urls.join(" "));
            h.insert(
                "Upload-Concat",
                HeaderValue::try_from(value).expect("ASCII"),
            );
        }
        None => {}
    }
    Ok(response)
}

/// `PATCH /api/v1/uploads/{id}`: bytes at the upload's current offset. The request that
/// brings the last byte ingests the file and answers with `Medialib-Asset-Id`, or with
/// the same error a multipart upload of the file would get.
#[utoipa::path(
    operation_id = "uploads_patch",
    patch,
    path = "/uploads/{id}",
    tag = "uploads",
    params(
        ("id" = String, Path, format = Uuid, description = "upload id"),
        ("Tus-Resumable" = inline(TusResumable), Header, description = "the tus version, 1.0.0"),
        ("Upload-Offset" = u64, Header, description = "the upload's current offset (from HEAD)"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1|sha256 <base64>` of the body"),
    ),
    request_body(content_type = "application/offset+octet-stream", description = "the next bytes"),
    responses(
        (status = 204, description = "stored: Upload-Offset, Upload-Expires; Medialib-Asset-Id when complete, and Medialib-Duplicate: true when those bytes were already an asset"),
        (status = 400, description = "a missing or malformed header", body = ErrorBody),
        (status = 403, description = "a final upload cannot be patched", body = ErrorBody),
        (status = 404, description = "no such upload (or another user's)", body = ErrorBody),
        (status = 409, description = "Upload-Offset is not the upload's offset", body = ErrorBody),
        (status = 410, description = "the upload expired", body = ErrorBody),
        (status = 413, description = "more bytes than the upload's length", body = ErrorBody),
        (status = 415, description = "the body is not application/offset+octet-stream, or the finished file's type is not supported", body = ErrorBody),
        (status = 422, description = "the finished file is corrupt", body = ErrorBody),
        (status = 412, description = "Tus-Resumable is missing or not 1.0.0", body = ErrorBody),
        (status = 423, description = "another request is writing this upload", body = ErrorBody),
        (status = 460, description = "the body does not match Upload-Checksum; nothing was kept", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    Uploader::authorize(&auth)?;
    if let Some(refused) = version_refused(&headers) {
        return Ok(refused);
    }
    if !is_upload_body(&headers) {
        return Err(ApiError::new(
            ErrorCode::InvalidContentType,
            format!("send the bytes as Content-Type: {OFFSET_OCTET_STREAM}"),
        ));
    }
    let offset = number(&headers, "Upload-Offset")?
        .ok_or_else(|| bad_header("send the upload's current offset in Upload-Offset".into()))?;
    let session = session_of(&state, &auth, &id).await?;
    if matches!(session.concat, Some(Concat::Final(_))) {
        return Err(ApiError::new(
            ErrorCode::FinalUpload,
            "a final upload is assembled from its partial uploads and cannot be patched",
        ));
    }
    let mut writing = lock(&state, session.id).await?;
    let outcome = patch_locked(&state, &auth, &id, offset, &mut writing, &headers, body).await;
    writing.release().await;
    outcome
}

/// The rest of a `PATCH`, under the session's lease.
async fn patch_locked(
    state: &AppState,
    auth: &Principal,
    id: &str,
    offset: u64,
    writing: &mut Writing,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // Read again under the lease: a request that held it may have moved the offset.
    let session = settled(state, session_of(state, auth, id).await?, Some(writing)).await?;
    if offset != session.offset {
        return Err(ApiError::new(
            ErrorCode::OffsetMismatch,
            format!(
                "Upload-Offset is {offset} but the upload has {} bytes; resume from there \
                 (HEAD tells the offset)",
                session.offset
            ),
        ));
    }
    if session.asset.is_some() {
        return Err(ApiError::new(
            ErrorCode::UploadTooLong,
            "the upload is complete and takes no more bytes",
        ));
    }
    receive(state, session, writing, headers, body).await
}

/// `DELETE /api/v1/uploads/{id}`: abandons an upload and its bytes (termination).
#[utoipa::path(
    operation_id = "uploads_delete",
    delete,
    path = "/uploads/{id}",
    tag = "uploads",
    params(("id" = String, Path, format = Uuid, description = "upload id"), ("Tus-Resumable" = inline(TusResumable), Header, description = "the tus version, 1.0.0")),
    responses(
        (status = 204, description = "removed"),
        (status = 404, description = "no such upload (or another user's)", body = ErrorBody),
        (status = 412, description = "Tus-Resumable is missing or not 1.0.0", body = ErrorBody),
        (status = 423, description = "a request is writing it", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Uploader::authorize(&auth)?;
    if let Some(refused) = version_refused(&headers) {
        return Ok(refused);
    }
    let session = session_of(&state, &auth, &id).await?;
    let writing = lock(&state, session.id).await?;
    let removed = remove(&state, session.id).await;
    writing.release().await;
    removed?;
    tracing::info!(upload = %session.id, "upload terminated");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Removes a session's record, then its bytes (termination, expiry, a finished
/// concatenation or chunked upload): a chunk that arrives meanwhile finds no session and
/// removes itself.
pub(crate) async fn remove(state: &AppState, id: UploadId) -> Result<(), ApiError> {
    state.catalog.store.delete_upload(id).await?;
    state.uploads.remove(id).await.map_err(append_error)
}

/// Removes the sessions that expired (unfinished ones with their bytes), except those a
/// request is writing right now, and this node's local copies of ended sessions;
/// returns how many went.
pub async fn remove_expired(state: &AppState) -> Result<usize, ApiError> {
    let mut removed = 0;
    for id in state
        .catalog
        .store
        .expired_uploads(Timestamp::now_utc())
        .await?
    {
        if let Some(writing) = state.uploads.lock(id).await? {
            let outcome = remove(state, id).await;
            writing.release().await;
            outcome?;
            removed += 1;
        }
    }
    removed += state.uploads.sweep().await.map_err(append_error)?;
    Ok(removed)
}

/// The session with an offset no larger than its local file: after a machine crash the
/// file may hold fewer bytes than were recorded, and the client must send them again.
/// The shorter offset is recorded when the request holds the session (`writing`).
async fn settled(
    state: &AppState,
    mut session: UploadSession,
    writing: Option<&Writing>,
) -> Result<UploadSession, ApiError> {
    if session.asset.is_some() || matches!(session.concat, Some(Concat::Final(_))) {
        return Ok(session);
    }
    let stored = state
        .uploads
        .stored_len(session.id)
        .await
        .map_err(ApiError::disk)?;
    let Some(on_disk) = stored.filter(|n| *n < session.offset) else {
        return Ok(session);
    };
    tracing::warn!(upload = %session.id, recorded = session.offset, on_disk, "upload file is shorter than recorded; resuming from what is on disk");
    session.offset = on_disk;
    if let Some(writing) = writing {
        let id = session.id;
        if !state
            .uploads
            .record(id, on_disk, session.expires_at, writing)
            .await?
        {
            return Err(locked(id));
        }
    }
    Ok(session)
}

/// A 204 with the session's offset, expiry and asset.
fn progress(session: &UploadSession) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert("Upload-Offset", HeaderValue::from(session.offset));
    if session.asset.is_none() {
        let expires = headers::http_date(session.expires_at);
        h.insert(
            "Upload-Expires",
            HeaderValue::try_from(expires).expect("ASCII"),
        );
    }
    if let Some(asset) = session.asset {
        h.insert(
            ASSET_ID,
            HeaderValue::try_from(asset.to_string()).expect("ids are ASCII"),
        );
    }
    response
}

/// Appends the body to the session, records the new offset, and ingests the file when
/// the last byte has arrived.
async fn receive(
    state: &AppState,
    mut session: UploadSession,
    writing: &mut Writing,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let checksum = checksum(headers)?;
    let offset = state
        .uploads
        .append(&session, writing, body.into_data_stream(), checksum)
        .await
        .map_err(append_error)?;
    session.offset = offset;
    session.expires_at = expiry(state);
    if !state
        .uploads
        .record(session.id, offset, session.expires_at, writing)
        .await?
    {
        // The lease ran out during a stall and another request took the session over.
        return Err(locked(session.id));
    }
    let mut duplicate = false;
    if session.is_complete() && session.concat.is_none() {
        let staged = state
            .uploads
            .staged(&session, writing)
            .await
            .map_err(append_error)?;
        let outcome = finish(state, &session, staged).await?;
        duplicate = matches!(outcome, IngestOutcome::Duplicate(_));
        session.asset = Some(outcome.asset().id);
    }
    Ok(with_duplicate(progress(&session), duplicate))
}

/// Marks `response` with `Medialib-Duplicate: true` when the upload was a duplicate.
pub(super) fn with_duplicate(mut response: Response, duplicate: bool) -> Response {
    if duplicate {
        let headers = response.headers_mut();
        headers.insert(DUPLICATE, HeaderValue::from_static("true"));
    }
    response
}
