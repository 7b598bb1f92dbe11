//! Finishing uploads: ingesting a complete file (or one assembled from partial uploads)
//! and filing the asset under the tags and collection its metadata names.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use medialib_core::ErrorCode;
use medialib_core::access::Principal;
use medialib_core::organise::CollectionId;
use medialib_core::{AssetId, Concat, NamespaceId, Timestamp, UploadId, UploadSession};

use super::{append_error, expiry, location, lock, progress, remove, session_of};
use crate::error::ApiError;
use crate::state::AppState;
use medialib_app::ingest::{self, Declared, IngestOutcome};
use medialib_app::uploads::Writing;

/// Ingests session `id` if every byte of it arrived but no asset was made (its server died
/// in between), under the session's lease; returns the session as it is then.
///
/// Errors: 423 while a request (of the dead server, until its lease ends) holds the
/// session, and those of the ingest (415, 422, 413).
pub(super) async fn finish_stranded(
    state: &AppState,
    auth: &Principal,
    id: &str,
) -> Result<UploadSession, ApiError> {
    let mut writing = lock(state, session_of(state, auth, id).await?.id).await?;
    let outcome = async {
        // Read again under the lease: another request may have finished it meanwhile.
        let mut session =
            super::settled(state, session_of(state, auth, id).await?, Some(&writing)).await?;
        if session.is_complete() && session.asset.is_none() {
            tracing::warn!(upload = %session.id, "ingesting an upload whose bytes all arrived before its server stopped");
            let staged = state
                .uploads
                .staged(&session, &mut writing)
                .await
                .map_err(append_error)?;
            session.asset = Some(finish(state, &session, staged).await?.asset().id);
        }
        Ok(session)
    }
    .await;
    writing.release().await;
    outcome
}

/// `POST` with `Upload-Concat: final;…`: checks the parts (the caller's, partial,
/// complete), writes them into one file, ingests it, and removes the parts.
pub(super) async fn assemble(
    state: &AppState,
    auth: &Principal,
    parts: Vec<UploadId>,
    metadata: BTreeMap<String, String>,
) -> Result<Response, ApiError> {
    let mut writing = Vec::with_capacity(parts.len());
    let outcome = assemble_locked(state, auth, parts, metadata, &mut writing).await;
    for held in writing {
        held.release().await;
    }
    outcome
}

/// The rest of [`assemble`], holding the parts' leases in `writing` as it takes them.
async fn assemble_locked(
    state: &AppState,
    auth: &Principal,
    parts: Vec<UploadId>,
    metadata: BTreeMap<String, String>,
    writing: &mut Vec<Writing>,
) -> Result<Response, ApiError> {
    let mut sessions = Vec::with_capacity(parts.len());
    let mut length = 0u64;
    for part in &parts {
        let session = session_of(state, auth, &part.to_string()).await?;
        if session.concat != Some(Concat::Partial) || !session.is_complete() {
            return Err(ApiError::new(
                ErrorCode::InvalidConcatenation,
                format!("upload {part} is not a finished partial upload (Upload-Concat: partial)"),
            ));
        }
        writing.push(lock(state, *part).await?);
        length += session.length;
        sessions.push(session);
    }
    let max = state.catalog.settings.limits.max_upload_bytes;
    if length > max {
        return Err(ApiError::new(
            ErrorCode::FileTooLarge,
            format!("the parts add up to {length} bytes, over the {max}-byte upload limit"),
        ));
    }
    let now = Timestamp::now_utc();
    let mut session = UploadSession {
        id: UploadId::new(),
        namespace: auth.namespace,
        user: auth.user,
        length,
        offset: length,
        metadata,
        concat: Some(Concat::Final(parts.clone())),
        chunk_size: None,
        asset: None,
        created_at: now,
        expires_at: expiry(state),
    };
    // The row first: a failure from here on removes it with whatever file was written.
    state.catalog.store.create_upload(&session).await?;
    let by_ref: Vec<&UploadSession> = sessions.iter().collect();
    let staged = match state.uploads.assemble(session.id, &by_ref).await {
        Ok(staged) => staged,
        Err(e) => {
            remove(state, session.id).await?;
            return Err(append_error(e));
        }
    };
    let outcome = finish(state, &session, staged).await;
    for part in &parts {
        remove(state, *part).await?;
    }
    let outcome = outcome?;
    session.asset = Some(outcome.asset().id);
    tracing::info!(upload = %session.id, parts = parts.len(), length, "upload assembled");
    let duplicate = matches!(outcome, IngestOutcome::Duplicate(_));
    let mut response = super::with_duplicate(progress(&session), duplicate);
    *response.status_mut() = StatusCode::CREATED;
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::try_from(location(session.id)).expect("ids are ASCII"),
    );
    Ok(response)
}

/// Ingests a complete upload (tus or chunked) and records the asset it became; a
/// rejected file removes the session, whose bytes the ingest has already deleted.
pub(crate) async fn finish(
    state: &AppState,
    session: &UploadSession,
    staged: ingest::staging::StagedFile,
) -> Result<IngestOutcome, ApiError> {
    let m = &session.metadata;
    let text = |key: &str| m.get(key).filter(|v| !v.trim().is_empty()).cloned();
    let declared = Declared {
        filename: text("filename")
            .or_else(|| text("name"))
            .unwrap_or_else(|| "upload".into()),
        title: text("title"),
        description: text("description"),
        alt_text: text("alt_text"),
        is_public: false,
    };
    let uploader = ingest::Uploader {
        namespace: session.namespace,
        user: Some(session.user),
    };
    let outcome = match ingest::ingest(&state.catalog, uploader, staged, declared).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::info!(upload = %session.id, code = e.code.as_str(), "upload rejected");
            remove(state, session.id).await?;
            return Err(e.into());
        }
    };
    let asset = outcome.asset();
    organise(state, session.namespace, asset.id, m).await?;
    state
        .catalog
        .store
        .finish_upload(session.id, asset.id, expiry(state))
        .await?;
    state.uploads.finished(session.id).await;
    tracing::info!(upload = %session.id, asset = %asset.id, "upload finished");
    Ok(outcome)
}

/// The collection named by the `collection` metadata (an id or a slug), checked when the
/// upload is created so that a wrong one fails before any byte is sent.
pub(crate) async fn collection_of(
    state: &AppState,
    namespace: NamespaceId,
    metadata: &BTreeMap<String, String>,
) -> Result<Option<CollectionId>, ApiError> {
    let Some(wanted) = metadata
        .get("collection")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    else {
        return Ok(None);
    };
    let found = ingest::organise::find_collection(&state.catalog, namespace, wanted).await?;
    found.map(Some).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnknownCollection,
            format!("Upload-Metadata names collection {wanted:?}, which does not exist"),
        )
    })
}

/// Puts the uploaded asset on the `tags` (comma-separated names) and into the
/// `collection` of the upload's metadata.
async fn organise(
    state: &AppState,
    namespace: NamespaceId,
    asset: AssetId,
    metadata: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let tags = metadata
        .get("tags")
        .map(|t| t.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let collection = collection_of(state, namespace, metadata).await?;
    ingest::organise::file(&state.catalog, namespace, asset, tags, collection)
        .await
        .map_err(ApiError::from)
}
