//! The tus 1.0 requests the benchmarks send to `/api/v1/uploads`: create an upload, then
//! `PATCH` its bytes in order; the last `PATCH` ingests it and names the asset in
//! `Medialib-Asset-Id`.

use base64::Engine;
use reqwest::RequestBuilder;
use reqwest::header::HeaderMap;

use super::Server;

/// `POST /api/v1/uploads`: an upload of `length` bytes named `filename`, answered 201
/// with its path in `Location`.
pub(super) fn create(
    client: &reqwest::Client,
    server: &Server,
    length: u64,
    filename: &str,
) -> RequestBuilder {
    let name = base64::engine::general_purpose::STANDARD.encode(filename);
    client
        .post(server.url("/api/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length)
        .header("Upload-Metadata", format!("filename {name}"))
}

/// `PATCH` of the upload at `location` from `offset`, answered 204; the caller adds the
/// body.
pub(super) fn patch(
    client: &reqwest::Client,
    server: &Server,
    location: &str,
    offset: u64,
) -> RequestBuilder {
    client
        .patch(server.url(location))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset)
        .header("Content-Type", "application/offset+octet-stream")
}

/// The upload's path, from the headers of the creation's answer.
pub(super) fn location(headers: &HeaderMap) -> Option<String> {
    headers
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The asset a final `PATCH` ingested, from its answer's headers.
pub(super) fn asset_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("Medialib-Asset-Id")
        .and_then(|v| v.to_str().ok())
}
