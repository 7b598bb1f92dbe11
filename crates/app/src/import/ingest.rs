//! Importing a URL into the library: fetch under the size cap and the quota, ingest like
//! an upload, then file under the tags and collection the request named.

use medialib_core::access::Principal;
use medialib_core::{AppError, ErrorCode};

use super::guard::Refused;
use super::{ImportError, Importer};
use crate::Catalog;
use crate::ingest::{self, Declared, IngestOutcome, Uploader};

/// What to import, and how to describe it.
#[derive(Debug, Clone)]
pub struct UrlImport {
    /// `http` or `https`, on a public address (or one `import.allow_networks` allows).
    pub url: String,
    /// Title, description, alt text and visibility; the filename comes from the URL.
    pub declared: Declared,
    /// Tag names; new ones are created.
    pub tags: Vec<String>,
    /// A collection of the caller's namespace to add the asset to, by id or slug.
    pub collection: Option<String>,
}

/// Fetches the URL (at most 5 redirects, `import.timeout_seconds` in all, no more than
/// `limits.max_upload_bytes` and the namespace's quota) and ingests the file for the
/// caller.
///
/// Errors: `forbidden` without write access; `invalid_request` for an unknown
/// collection; `invalid_url`, `blocked_address`, `too_many_redirects` and `upstream_*`
/// for the fetch; `file_too_large`, `quota_exceeded`; then whatever ingest refuses.
pub async fn import(
    catalog: &Catalog,
    importer: &Importer,
    caller: &Principal,
    request: UrlImport,
) -> Result<IngestOutcome, AppError> {
    let uploader = Uploader::authorize(caller)?;
    let namespace = uploader.namespace;
    let collection = match request.collection.as_deref() {
        Some(wanted) => Some(
            ingest::organise::find_collection(catalog, namespace, wanted)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(format!("collection {wanted:?} does not exist"))
                })?,
        ),
        None => None,
    };
    let max = catalog.settings.limits.max_upload_bytes;
    let limit = ingest::quota::upload_limit(catalog, namespace).await?;
    let fetched = match importer
        .fetch(&request.url, &catalog.staging_dir, limit)
        .await
    {
        Ok(fetched) => fetched,
        Err(ImportError::TooLarge { declared, .. })
            if limit < max && declared.is_none_or(|size| size <= max) =>
        {
            let size = declared.unwrap_or(limit + 1);
            return Err(ingest::quota::over_bytes(catalog, namespace, size).await);
        }
        Err(e) => {
            tracing::info!(url = %request.url, error = %e, "import refused");
            return Err(import_error(e));
        }
    };
    let declared = Declared {
        filename: fetched.fitting_filename(),
        ..request.declared
    };
    let outcome = ingest::ingest(catalog, uploader, fetched.staged, declared).await?;
    let asset = outcome.asset().id;
    ingest::organise::file(catalog, namespace, asset, request.tags, collection).await?;
    tracing::info!(url = %request.url, %asset, "imported");
    Ok(outcome)
}

/// The registry error for a failed fetch, each cause with its own code.
fn import_error(e: ImportError) -> AppError {
    let code = match e {
        ImportError::InvalidUrl(_) | ImportError::Refused(Refused::Scheme(_) | Refused::NoHost) => {
            ErrorCode::InvalidUrl
        }
        ImportError::TooLarge { .. } => ErrorCode::FileTooLarge,
        ImportError::Disk(e) => return AppError::disk(e),
        ImportError::Refused(Refused::Blocked { .. }) => ErrorCode::BlockedAddress,
        ImportError::TooManyRedirects => ErrorCode::TooManyRedirects,
        ImportError::Timeout(_) => ErrorCode::UpstreamTimeout,
        ImportError::Status { .. } => ErrorCode::UpstreamStatus,
        ImportError::Unreachable(_) => ErrorCode::UpstreamUnreachable,
    };
    AppError::new(code, e.to_string())
}
