//! The UI's static files, embedded in the binary from `web/` (release builds; debug
//! builds read the files from disk, so edits show on reload).

use axum::extract::OriginalUri;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use crate::error::ApiError;

/// `web/static/**` (our CSS and JavaScript) and `web/vendor/**` (pinned third-party
/// releases, listed in `web/vendor/vendor.txt`), under their paths in `web/`.
#[derive(Embed)]
#[folder = "../../web/"]
#[include = "static/**"]
#[include = "vendor/**"]
#[exclude = "vendor/vendor.txt"]
struct Web;

/// `GET /ui/static/{path}` and `/ui/vendor/{path}`: the file, with its SHA-256 as a
/// strong ETag and `Cache-Control: no-cache`, so browsers revalidate (a 304 costs one
/// round trip) and never run a stale script after an upgrade.
///
/// Errors: 404 for a path not embedded, or with a `..` or empty segment.
pub(super) async fn serve(OriginalUri(uri): OriginalUri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches("/ui/");
    // Debug builds read from disk, where `static/../templates/…` would leave the folder.
    let plain = path
        .split('/')
        .all(|s| !s.is_empty() && s != "." && s != "..");
    let Some(file) = Web::get(path).filter(|_| plain) else {
        return ApiError::not_found(format!("UI file {path}")).into_response();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let etag = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
    }
    let mime = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::ETAG, etag),
            cache,
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.data,
    )
        .into_response()
}
