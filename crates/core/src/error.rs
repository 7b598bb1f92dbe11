//! The error registry: every stable error code a medialib API or command can answer with,
//! the HTTP status each stands for, and [`AppError`], which carries one with a message.
//!
//! Clients (the web UI's scripts among them) match on the code strings, so a string never
//! changes once released. Statuses are plain numbers here because this crate speaks no
//! HTTP; the server turns them into responses.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::StoreError;

/// Defines [`ErrorCode`] and its tables from one list, so a variant cannot be added
/// without its string, its status and its place in [`ErrorCode::ALL`].
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = ($code:literal, $status:literal),)*) => {
        /// A stable, machine-readable reason for a refusal or failure.
        ///
        /// Each variant's doc says when it happens; [`ErrorCode::as_str`] is what clients
        /// see and [`ErrorCode::http_status`] the status it is sent with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the registry.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The string clients see in `{"error": {"code"}}`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The HTTP status an API response with this code carries.
            pub const fn http_status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                }
            }
        }
    };
}

error_codes! {
    // Requests in general.
    /// No such resource, or one of another namespace (so existence does not leak).
    NotFound = ("not_found", 404),
    /// No route answers this method on this path.
    MethodNotAllowed = ("method_not_allowed", 405),
    /// No, unknown, revoked or expired credentials.
    Unauthorized = ("unauthorized", 401),
    /// The caller's role or token scopes do not allow this, on something they can see.
    Forbidden = ("forbidden", 403),
    /// A well-formed request with invalid values (a body field, a limit out of range).
    InvalidRequest = ("invalid_request", 422),
    /// A query string that does not parse, or a query parameter out of range.
    InvalidQuery = ("invalid_query", 400),
    /// A request body that could not be read, or a login form that does not parse.
    InvalidBody = ("invalid_body", 400),
    /// A login form over the body size limit. Same string as [`ErrorCode::InvalidBody`],
    /// which clients have always seen for it; only the status differs.
    InvalidBodyTooLarge = ("invalid_body", 413),
    /// A login sent neither as JSON nor as a form. Same string as
    /// [`ErrorCode::InvalidBody`], which clients have always seen for it.
    InvalidBodyType = ("invalid_body", 415),
    /// A JSON body that is not JSON at all.
    InvalidJson = ("invalid_json", 400),
    /// A pagination cursor this API did not hand out.
    InvalidCursor = ("invalid_cursor", 400),
    /// The write collides with existing state (a slug taken, an order not naming every
    /// item once).
    Conflict = ("conflict", 409),
    /// The token's request rate is over its limit; `Retry-After` says when to retry.
    RateLimited = ("rate_limited", 429),
    /// The server's fault; the log has the cause, the client gets no internals.
    Internal = ("internal", 500),
    /// The server's disk is full.
    InsufficientStorage = ("insufficient_storage", 507),
    /// The metadata database cannot be reached (connection refused or lost, every
    /// connection busy), or broke a deadlock between two writes by failing this one;
    /// `Retry-After` says when to try again.
    DatabaseUnavailable = ("database_unavailable", 503),
    /// The blob store (S3, GCS, Azure) cannot be reached; `Retry-After` says when to try
    /// again.
    StorageUnavailable = ("storage_unavailable", 503),
    /// The metadata names a stored file that the blob store does not have (lost, or
    /// deleted behind medialib's back).
    BlobMissing = ("blob_missing", 404),

    // Sessions and signed URLs.
    /// A password login with a wrong name or password.
    InvalidCredentials = ("invalid_credentials", 401),
    /// A cookie-authenticated write that did not come from medialib's own pages.
    CrossOriginRequest = ("cross_origin_request", 403),
    /// A signed URL that is tampered with, incomplete or signed with an unknown key.
    InvalidSignature = ("invalid_signature", 403),
    /// A signed URL past its expiry.
    SignatureExpired = ("signature_expired", 403),

    // Delivery and jobs.
    /// A `Range` outside the file.
    RangeNotSatisfiable = ("range_not_satisfiable", 416),
    /// Cancelling a job that has already finished, failed or been cancelled.
    JobEnded = ("job_ended", 409),
    /// Analysing an asset that is still processing, or failed: it has nothing to analyse
    /// yet.
    NotReady = ("not_ready", 409),

    // Transforms (`/img/…`).
    /// An op that is unknown, malformed or meaningless with the others; the message names it.
    InvalidTransform = ("invalid_transform", 400),
    /// An asset with no picture to transform (audio without cover art, a text file).
    NoPicture = ("no_picture", 404),
    /// A transform whose result would be over `transforms.max_side`. Same string as
    /// [`ErrorCode::OverLimit`]; a transform is not an upload, so the status differs.
    TransformOverLimit = ("over_limit", 422),
    /// Every render slot and queue place is taken, or a render ran out of time;
    /// `Retry-After` says when to try again.
    Overloaded = ("overloaded", 503),

    // Tenants.
    /// Deleting a namespace that holds assets or uploads, without `purge=true`.
    NamespaceNotEmpty = ("namespace_not_empty", 409),

    // Asset changes, one at a time or in bulk.
    /// Deleting an asset that is still used somewhere, without `force=true`.
    AssetInUse = ("asset_in_use", 409),
    /// Making public an asset moderation holds or rejected, before an admin clears it.
    ModerationHold = ("moderation_hold", 409),
    /// Restoring an asset that is not in the trash.
    NotDeleted = ("not_deleted", 409),
    /// Restoring an asset whose bytes a live asset already holds.
    DuplicateExists = ("duplicate_exists", 409),
    /// A bulk action refused for some of its assets, so nothing was changed.
    BulkRefused = ("bulk_refused", 409),

    // Uploads, whatever way the bytes come in.
    /// A multipart upload that is not multipart, is malformed or has an unknown field.
    InvalidMultipart = ("invalid_multipart", 400),
    /// A multipart upload without a `file` part.
    NoFile = ("no_file", 400),
    /// More `file` parts than `limits.max_files_per_request`.
    TooManyFiles = ("too_many_files", 413),
    /// A multipart request over the request size limit.
    RequestTooLarge = ("request_too_large", 413),
    /// A file over the upload limit.
    FileTooLarge = ("file_too_large", 413),
    /// A new asset that does not fit the namespace's byte or asset quota.
    QuotaExceeded = ("quota_exceeded", 413),
    /// A file of 0 bytes.
    EmptyFile = ("empty_file", 422),
    /// The client stopped sending before the file was complete.
    UploadInterrupted = ("upload_interrupted", 400),

    // The content of a file (the strings are `MediaError::code`'s).
    /// Content that is not a supported media type.
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// A filename extension naming a different type than the content.
    ExtensionMismatch = ("extension_mismatch", 415),
    /// An image whose declared dimensions are over the pixel limits.
    ImageTooLarge = ("image_too_large", 413),
    /// An image that is corrupt or truncated.
    CorruptImage = ("corrupt_image", 422),
    /// A video, audio, document or model file that is invalid, or a decoder that failed
    /// on a file.
    InvalidMedia = ("invalid_media", 422),
    /// A file over a limit other than image pixels (duration, resolution, model size).
    OverLimit = ("over_limit", 413),
    /// An external tool that did not finish with a file in time.
    ProcessingTimeout = ("processing_timeout", 422),
    /// An external tool that is missing or failed for reasons unrelated to the file.
    ToolFailed = ("tool_failed", 500),
    /// Media work cancelled while a client waited for it.
    Cancelled = ("cancelled", 500),

    // Resumable (tus) uploads.
    /// A tus request without `Tus-Resumable: 1.0.0`.
    TusVersion = ("tus_version", 412),
    /// A missing or malformed tus header.
    InvalidTusHeader = ("invalid_tus_header", 400),
    /// A final upload naming a part that is not a finished partial upload.
    InvalidConcatenation = ("invalid_concatenation", 400),
    /// Upload metadata naming a collection that does not exist.
    UnknownCollection = ("unknown_collection", 400),
    /// An upload past its expiry.
    UploadExpired = ("upload_expired", 410),
    /// Another request is writing the upload.
    UploadLocked = ("upload_locked", 423),
    /// More bytes than the upload's declared length.
    UploadTooLong = ("upload_too_long", 413),
    /// A body that does not match `Upload-Checksum` (tus's own status, 460).
    ChecksumMismatch = ("checksum_mismatch", 460),
    /// A PATCH whose body is not `application/offset+octet-stream`.
    InvalidContentType = ("invalid_content_type", 415),
    /// A PATCH to a final upload, which is assembled from its parts.
    FinalUpload = ("final_upload", 403),
    /// A PATCH whose `Upload-Offset` is not the upload's offset.
    OffsetMismatch = ("offset_mismatch", 409),

    // Chunked uploads (by index).
    /// A chunk index past the upload's last chunk.
    ChunkOutOfRange = ("chunk_out_of_range", 400),
    /// A chunk of another size than its index calls for.
    ChunkSizeMismatch = ("chunk_size_mismatch", 422),
    /// A chunk that does not match its `Content-MD5` or `Digest`.
    DigestMismatch = ("digest_mismatch", 422),
    /// A finalize before every chunk has arrived; the message lists the missing ones.
    ChunksMissing = ("chunks_missing", 409),
    /// A chunk sent to, or a finalize of, an upload that already became an asset.
    UploadFinished = ("upload_finished", 409),

    // Imports from a URL.
    /// Not an http(s) URL with a host.
    InvalidUrl = ("invalid_url", 400),
    /// A URL resolving to an address imports may not reach (loopback, private, …).
    BlockedAddress = ("blocked_address", 422),
    /// A URL redirecting too many times.
    TooManyRedirects = ("too_many_redirects", 422),
    /// The remote server did not answer in time.
    UpstreamTimeout = ("upstream_timeout", 422),
    /// The remote server answered with an error status.
    UpstreamStatus = ("upstream_status", 422),
    /// The remote server could not be reached.
    UpstreamUnreachable = ("upstream_unreachable", 422),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialises as its string, so DTOs can hold the code itself.
impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A refusal or failure with its code and a message saying what to check.
#[derive(Debug, Clone, PartialEq)]
pub struct AppError {
    /// Why, for machines.
    pub code: ErrorCode,
    /// Why, for people: what was wrong and what to do about it.
    pub message: String,
    /// Structured facts about the error, sent with it when set.
    pub details: Option<serde_json::Value>,
    /// What failed inside, for the log of whoever reports the error; never sent to a
    /// client. Set for [`ErrorCode::Internal`] errors.
    pub cause: Option<String>,
}

impl AppError {
    /// An error with `code` and `message` and no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            cause: None,
        }
    }

    /// [`ErrorCode::NotFound`] for `what` (e.g. `asset 0190…`).
    pub fn not_found(what: impl fmt::Display) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// [`ErrorCode::InvalidRequest`]: the message says which value is wrong.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    /// [`ErrorCode::Internal`], with a message that points at the log, and `cause` kept
    /// for whoever reports the error to log (this crate does no IO).
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(
                ErrorCode::Internal,
                "internal error; the server log has the details",
            )
        }
    }

    /// [`ErrorCode::InsufficientStorage`] when the disk is full, else
    /// [`ErrorCode::Internal`]: a local write failed.
    pub fn disk(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            return Self {
                cause: Some(e.to_string()),
                ..Self::new(
                    ErrorCode::InsufficientStorage,
                    "the server's storage is full; try again later",
                )
            };
        }
        Self::internal(e)
    }

    /// [`ErrorCode::Unauthorized`]: no or unknown credentials.
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "send a valid API token as `Authorization: Bearer <token>`",
        )
    }

    /// [`ErrorCode::Forbidden`]: the caller's role or token scopes do not allow this, on
    /// something they can see. The message says what would.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
}

/// `code: message`, and the cause in parentheses when there is one: the form the CLI
/// prints, to the operator.
impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        match &self.cause {
            Some(cause) => write!(f, " ({cause})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for AppError {}

/// A store refusal maps to its code; a backend failure is [`ErrorCode::Internal`] with
/// the backend's error as its cause.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor => Self::new(ErrorCode::InvalidCursor, e.to_string()),
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(message) => Self::new(ErrorCode::Conflict, message),
            StoreError::Unstorable(message) => Self::invalid(message),
            StoreError::Unavailable(_) => Self {
                cause: Some(e.to_string()),
                ..Self::new(
                    ErrorCode::DatabaseUnavailable,
                    "the database is unavailable for the moment; try again shortly",
                )
            },
            StoreError::Backend(_) => Self::internal(e),
        }
    }
}

/// A blob the metadata names but the store lacks is [`ErrorCode::BlobMissing`]; a store
/// that cannot be reached, [`ErrorCode::StorageUnavailable`]; anything else is the
/// server's: [`ErrorCode::Internal`]. Each keeps the store's error as its cause.
impl From<crate::BlobError> for AppError {
    fn from(e: crate::BlobError) -> Self {
        let (code, message) = match &e {
            crate::BlobError::NotFound(_) => (
                ErrorCode::BlobMissing,
                "the stored file is missing from storage; an administrator must restore it",
            ),
            crate::BlobError::Unavailable(_) => (
                ErrorCode::StorageUnavailable,
                "file storage is unavailable for the moment; try again shortly",
            ),
            crate::BlobError::Backend(_) => return Self::internal(e),
        };
        Self {
            cause: Some(e.to_string()),
            ..Self::new(code, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn a_string_has_one_status() {
        let mut statuses: HashMap<&str, Vec<u16>> = HashMap::new();
        for code in ErrorCode::ALL {
            statuses
                .entry(code.as_str())
                .or_default()
                .push(code.http_status());
        }
        for (code, statuses) in statuses {
            // invalid_body predates the registry with three statuses (see its variants);
            // over_limit is 413 for an upload (the request itself is too large) and 422 for
            // a transform (a small request asking for too large a result).
            if !["invalid_body", "over_limit"].contains(&code) {
                assert_eq!(statuses.len(), 1, "{code} is listed with {statuses:?}");
            }
        }
    }

    #[test]
    fn codes_are_snake_case_and_statuses_are_errors() {
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert!((400..600).contains(&code.http_status()), "{s}");
        }
    }

    #[test]
    fn store_errors_keep_their_meaning_and_hide_backend_details() {
        let cases = [
            (StoreError::InvalidCursor, ErrorCode::InvalidCursor, None),
            (
                StoreError::NotFound("asset 1".into()),
                ErrorCode::NotFound,
                None,
            ),
            (
                StoreError::Conflict("slug taken".into()),
                ErrorCode::Conflict,
                None,
            ),
            (
                StoreError::Unstorable("NUL in title".into()),
                ErrorCode::InvalidRequest,
                None,
            ),
            (
                StoreError::Unavailable("pool timed out".into()),
                ErrorCode::DatabaseUnavailable,
                Some("pool timed out"),
            ),
            (
                StoreError::Backend("syntax error at SELECT".into()),
                ErrorCode::Internal,
                Some("syntax error at SELECT"),
            ),
        ];
        for (store, code, cause) in cases {
            let e = AppError::from(store);
            assert_eq!(e.code, code);
            match cause {
                // What failed inside goes to the log, never into the message.
                Some(cause) => {
                    assert!(e.cause.as_deref().unwrap().contains(cause));
                    assert!(!e.message.contains(cause), "{}", e.message);
                }
                None => assert_eq!(e.cause, None),
            }
        }
        assert_eq!(
            AppError::from(StoreError::NotFound("asset 1".into())).message,
            "asset 1 not found"
        );
    }

    #[test]
    fn blob_errors_say_missing_unavailable_or_internal() {
        let cases = [
            (
                crate::BlobError::NotFound("k".into()),
                ErrorCode::BlobMissing,
            ),
            (
                crate::BlobError::Unavailable("k: timeout".into()),
                ErrorCode::StorageUnavailable,
            ),
            (
                crate::BlobError::Backend("k: denied".into()),
                ErrorCode::Internal,
            ),
        ];
        for (blob, code) in cases {
            let e = AppError::from(blob);
            assert_eq!(e.code, code);
            assert!(e.cause.as_deref().unwrap().contains('k'));
        }
    }

    #[test]
    fn a_full_disk_is_insufficient_storage_and_other_io_is_internal() {
        let full = AppError::disk(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert_eq!(full.code, ErrorCode::InsufficientStorage);
        assert_eq!(full.code.http_status(), 507);
        let denied = AppError::disk(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert_eq!(denied.code, ErrorCode::Internal);
        assert!(denied.message.contains("server log"));
        assert_eq!(
            denied.to_string(),
            format!("internal: {} (permission denied)", denied.message)
        );
    }

    #[test]
    fn helpers_pick_their_codes() {
        assert_eq!(AppError::unauthorized().code.http_status(), 401);
        assert!(AppError::unauthorized().message.contains("Bearer"));
        let forbidden = AppError::forbidden("ask an admin");
        assert_eq!(
            (forbidden.code, forbidden.message.as_str()),
            (ErrorCode::Forbidden, "ask an admin")
        );
        assert_eq!(AppError::invalid("limit").code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn displays_as_code_then_message() {
        let e = AppError::not_found("asset x");
        assert_eq!(e.to_string(), "not_found: asset x not found");
        assert_eq!(serde_json::to_value(e.code).unwrap(), "not_found");
    }
}
