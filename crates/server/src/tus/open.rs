//! Opening an upload session: the limits and quota checked, the row and its bytes' store
//! created. tus creation and GraphQL's `uploadCreate` share it.

use std::collections::BTreeMap;
use std::time::Duration;

use medialib_core::access::Principal;
use medialib_core::{Concat, ErrorCode, Timestamp, UploadId, UploadSession};

use crate::error::ApiError;
use crate::state::AppState;

/// When a session opened now expires (`uploads.expire_seconds`).
pub(crate) fn expiry(state: &AppState) -> Timestamp {
    Timestamp::now_utc() + Duration::from_secs(state.catalog.settings.uploads.expire_seconds)
}

/// Opens an upload session of `length` bytes for `caller` (a part of a later
/// concatenation when `partial`), with its bytes' store ready: what tus creation and
/// GraphQL's `uploadCreate` share.
///
/// Errors: 413 over `limits.max_upload_bytes` or the namespace's quota; 400 for an
/// empty file that is not a part.
pub(crate) async fn open(
    state: &AppState,
    caller: &Principal,
    length: u64,
    metadata: BTreeMap<String, String>,
    partial: bool,
) -> Result<UploadSession, ApiError> {
    let max = state.catalog.settings.limits.max_upload_bytes;
    if length > max {
        return Err(ApiError::new(
            ErrorCode::FileTooLarge,
            format!("the file is larger than the {max}-byte upload limit (Tus-Max-Size)"),
        ));
    }
    medialib_app::ingest::quota::check(&state.catalog, caller.namespace, length).await?;
    if length == 0 && !partial {
        // The multipart path's answer, before a session that could never be ingested.
        return Err(ApiError::new(
            ErrorCode::EmptyFile,
            "the file is empty (0 bytes)",
        ));
    }
    let now = Timestamp::now_utc();
    let session = UploadSession {
        id: UploadId::new(),
        namespace: caller.namespace,
        user: caller.user,
        length,
        offset: 0,
        metadata,
        concat: partial.then_some(Concat::Partial),
        chunk_size: None,
        asset: None,
        created_at: now,
        expires_at: expiry(state),
    };
    state
        .uploads
        .create(session.id)
        .await
        .map_err(ApiError::disk)?;
    if let Err(e) = state.catalog.store.create_upload(&session).await {
        let _ = state.uploads.remove(session.id).await;
        return Err(e.into());
    }
    tracing::info!(upload = %session.id, length, "upload created");
    Ok(session)
}

/// The path of an upload session.
pub(crate) fn location(id: UploadId) -> String {
    format!("/api/v1/uploads/{id}")
}
