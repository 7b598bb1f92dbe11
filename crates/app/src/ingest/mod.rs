//! The one ingest path. Multipart uploads, tus uploads, URL imports and the CLI import
//! all stage their bytes and then call [`ingest`]:
//! sniff → check extension → dedup → validate → store blob → record asset + job.
//!
//! A rejected file leaves nothing behind: the staged file is deleted on drop, and a blob
//! this call stored is deleted again if recording fails.

pub mod filename;
pub mod organise;
pub mod quota;
pub mod staging;
pub mod validate;

use std::time::Duration;

use medialib_core::ErrorCode;
use medialib_core::access::{Access, Principal};
use medialib_core::store::{BlobHold, IngestRecord, NewAsset};
use medialib_core::{AppError, Asset, AssetId, NamespaceId, StorageKey, UserId};
use medialib_media::Detected;
use tracing::{Instrument, info_span};

use crate::Catalog;
use crate::access::authorize::require;
use staging::{StageError, StagedFile};
pub use validate::media_error;

/// What the client said about the file, besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// The client's filename (sanitised here).
    pub filename: String,
    /// Title; defaults to the filename without its extension.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Public delivery.
    pub is_public: bool,
}

/// Who an ingest is for: the namespace that will own the asset and the user recorded
/// as uploader (`None` for the CLI import, which acts for the operator).
#[derive(Debug, Clone, Copy)]
pub struct Uploader {
    /// Owning namespace.
    pub namespace: NamespaceId,
    /// Recorded uploader.
    pub user: Option<UserId>,
}

impl Uploader {
    /// The caller as uploader, into their working namespace: the one way an API caller
    /// gets to ingest.
    ///
    /// Errors: `forbidden` without write access.
    pub fn authorize(caller: &Principal) -> Result<Self, AppError> {
        require(caller, Access::Write)?;
        Ok(Self {
            namespace: caller.namespace,
            user: Some(caller.user),
        })
    }
}

/// What an ingest led to. A duplicate is a success, not an error.
#[derive(Debug, Clone)]
pub enum IngestOutcome {
    /// A new asset; its processing job is queued.
    Created(Asset),
    /// The namespace already had these bytes: the existing asset, nothing stored.
    Duplicate(Asset),
}

impl IngestOutcome {
    /// The asset, new or existing.
    pub fn asset(&self) -> &Asset {
        match self {
            Self::Created(asset) | Self::Duplicate(asset) => asset,
        }
    }
}

/// Maps a staging failure to the error a client sees.
pub fn stage_error(e: StageError) -> AppError {
    match e {
        StageError::TooLarge { .. } => AppError::new(ErrorCode::FileTooLarge, e.to_string()),
        StageError::Client(_) => AppError::new(ErrorCode::UploadInterrupted, e.to_string()),
        StageError::Disk(e) => AppError::disk(e),
    }
}

/// Ingests one staged file for `uploader`.
///
/// Errors, each with its registry code: an empty file; an unrecognised or unsupported
/// type, or an extension that contradicts the content; a limit passed (image pixels,
/// video duration or resolution, the namespace's quota; a duplicate passes); corrupt or
/// invalid data (with the decoder's or tool's reason); `internal` for storage failures.
/// The HTTP API sends the error with its code's status, the CLI import prints it.
pub async fn ingest(
    catalog: &Catalog,
    uploader: Uploader,
    staged: StagedFile,
    declared: Declared,
) -> Result<IngestOutcome, AppError> {
    let filename = filename::sanitize(&declared.filename);
    let span = info_span!("ingest", file = %filename, bytes = staged.size, sha256 = %staged.sha256);
    let outcome = async move {
        if staged.size == 0 {
            return Err(AppError::new(
                ErrorCode::EmptyFile,
                "the file is empty (0 bytes)",
            ));
        }
        let detected = sniff(&staged, &filename).await?;

        if let Some(existing) = catalog
            .store
            .find_by_sha256(uploader.namespace, &staged.sha256)
            .await?
        {
            tracing::info!(asset = %existing.id, "duplicate of an existing asset");
            return Ok(IngestOutcome::Duplicate(existing));
        }

        quota::check(catalog, uploader.namespace, staged.size).await?;
        let info = validate::validate(catalog, &staged, &detected).await?;
        let key = StorageKey::original(uploader.namespace, &staged.sha256);
        let new = NewAsset {
            id: AssetId::new(),
            namespace: uploader.namespace,
            kind: info.kind,
            mime: info.mime,
            size: staged.size,
            sha256: staged.sha256,
            storage_key: key.as_str().to_owned(),
            title: declared
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| filename::stem(&filename).to_owned()),
            original_filename: filename,
            description: declared.description,
            alt_text: declared.alt_text,
            is_public: declared.is_public,
            width: info.width,
            height: info.height,
            duration_s: info.duration_s,
            uploaded_by: uploader.user,
            max_attempts: catalog.settings.jobs.max_attempts,
        };
        let hold = hold_original(catalog, &key).await?;
        let stored = store(catalog, &key, &staged, new).await;
        if let Err(e) = catalog.store.release_blob(hold).await {
            // Not fatal: the hold expires by itself.
            tracing::warn!(error = %e, "could not release the hold on the original");
        }
        stored
    }
    .instrument(span)
    .await;
    match &outcome {
        Ok(IngestOutcome::Created(asset)) => {
            crate::metrics::upload(asset.kind.as_str(), "created", asset.size);
        }
        Ok(IngestOutcome::Duplicate(asset)) => {
            crate::metrics::upload(asset.kind.as_str(), "duplicate", 0);
        }
        Err(_) => crate::metrics::upload("unknown", "refused", 0),
    }
    outcome
}

/// How long an upload may hold its original's key: storing the bytes (a copy of up to
/// `limits.max_upload_bytes` where storage is remote) and recording the asset.
const UPLOAD_HOLD: Duration = Duration::from_secs(600);

/// Holds the original's key for this upload (see `MetadataStore::hold_blob`), waiting
/// while a purge of the same bytes, in any process, deletes them: that takes
/// milliseconds, and the hold of a purge whose process died expires within a minute.
async fn hold_original(catalog: &Catalog, key: &StorageKey) -> Result<BlobHold, AppError> {
    loop {
        if let Some(hold) = catalog.store.hold_blob(key.as_str(), UPLOAD_HOLD).await? {
            return Ok(hold);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Writes the original under `key` and records the asset and its job; the bytes are
/// deleted again when recording fails, unless they were stored before.
async fn store(
    catalog: &Catalog,
    key: &StorageKey,
    staged: &StagedFile,
    new: NewAsset,
) -> Result<IngestOutcome, AppError> {
    let existed = catalog.blobs.exists(key).await?;
    let copied = match &staged.stored_copy {
        Some(from) => match catalog.blobs.copy(from, key).await {
            Ok(()) => true,
            Err(e) => {
                tracing::info!(error = %e, "could not copy the upload inside the store; sending it");
                false
            }
        },
        None => false,
    };
    if !copied {
        catalog.blobs.put_file(key, &staged.path).await?;
    }
    match catalog.store.create_asset(new).await {
        Ok(IngestRecord::Created { asset, job }) => {
            catalog.jobs_queued.notify_one();
            tracing::info!(asset = %asset.id, kind = %asset.kind, job = ?job.map(|j| j.to_string()), "asset created");
            Ok(IngestOutcome::Created(asset))
        }
        Ok(IngestRecord::Duplicate(asset)) => Ok(IngestOutcome::Duplicate(asset)),
        Err(e) => {
            if !existed {
                catalog.blobs.delete(key).await?;
            }
            Err(e.into())
        }
    }
}

/// Decides the type from magic bytes (and a zip package's directory) and cross-checks the
/// extension; plain text named `.csv` or `.md` is recorded as CSV or Markdown.
async fn sniff(staged: &StagedFile, filename: &str) -> Result<Detected, AppError> {
    let Some(detected) = medialib_media::sniff(&staged.head, staged.size) else {
        return Err(AppError::new(
            ErrorCode::UnsupportedMediaType,
            "the content is not a recognised media type (types are decided from the file's \
             bytes, not its name or Content-Type)",
        ));
    };
    let (head, path) = (staged.head.clone(), staged.path.clone());
    let package = tokio::task::spawn_blocking(move || medialib_media::sniff_package(&head, &path))
        .await
        .ok()
        .flatten();
    let detected = medialib_media::text_by_name(package.unwrap_or(detected), filename);
    medialib_media::check_extension(filename, &detected).map_err(|e| media_error(&e))?;
    Ok(detected)
}
