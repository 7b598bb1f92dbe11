//! Delivery, the CDN origin: `GET|HEAD /files/{id}/{filename}` (the original) and
//! `GET|HEAD /variants/{id}/{name}.{ext}` (a variant).
//!
//! Bytes are content-addressed, so every response carries a strong ETag (the SHA-256)
//! and may be cached for a year as immutable. Conditional requests (RFC 9110 §13:
//! `If-None-Match`, `If-Range`) and single byte ranges (RFC 9110 §14) are honoured;
//! a multi-range request gets the whole body, which the RFC allows.
//!
//! A private asset is delivered to a token of its namespace, or to anyone holding a signed
//! URL (see [`medialib_app::signing`]); a signed response may be cached only privately and no longer
//! than the signature stays valid.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use medialib_core::ErrorCode;
use medialib_core::config::DeliveryMode;
use medialib_core::{AppError, AssetId, AssetKind, BlobError, OutputFormat, Sha256, StorageKey};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::ApiQuery;
use crate::auth::MaybeAuth;
use crate::delivery_cache::Facts;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use medialib_app::access::authorize::can_read;
use medialib_app::signing::SignatureParams;

/// What to send: the blob, its type, hash and size, and how browsers should save it.
pub(crate) struct Deliverable {
    pub asset: AssetId,
    /// The asset's kind and what file of it this is (`original`, `variant`, `transform`),
    /// for the delivered-bytes metric.
    pub kind: AssetKind,
    pub file: &'static str,
    pub key: StorageKey,
    pub mime: &'static str,
    pub sha256: Sha256,
    pub size: u64,
    pub filename: String,
    pub caching: Caching,
    /// Headers sent with the bytes and with a 304 (e.g. `Vary`).
    pub extra: HeaderMap,
    /// The bytes, when the caller has them already (a transform just rendered): sent
    /// as they are, without reading storage or filling the memory cache.
    pub bytes: Option<bytes::Bytes>,
}

/// Who may keep a copy, following from what let the caller in.
#[derive(Clone, Copy)]
pub(crate) enum Caching {
    /// A public asset: shared caches too, for a year.
    Public,
    /// A private asset fetched with a token: the browser only.
    Private,
    /// A signed URL: the browser only, for the seconds the signature has left.
    Signed(u64),
    /// An expiring link to a public asset: any cache, for the seconds it has left.
    Shared(u64),
}

/// What the request carries to get in: a token, a signature, or nothing.
struct Credentials {
    auth: MaybeAuth,
    /// The request's path as sent, which the signature covers.
    path: String,
    signature: SignatureParams,
}

/// The signature parameters of a delivery request, as sent; [`Signer`] judges them.
///
/// [`Signer`]: medialib_app::signing::Signer
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SignatureQuery {
    /// Signed URLs only: expiry, in Unix seconds.
    exp: Option<String>,
    /// Signed URLs only: the id of the signing key.
    kid: Option<String>,
    /// Signed URLs only: HMAC-SHA256 of `{path}?exp={exp}&kid={kid}`, unpadded base64url.
    sig: Option<String>,
}

impl From<SignatureQuery> for SignatureParams {
    fn from(q: SignatureQuery) -> Self {
        Self {
            exp: q.exp,
            kid: q.kid,
            sig: q.sig,
        }
    }
}

/// Finds a live asset the caller may fetch. A request with signature parameters is judged
/// by them alone, before the asset is looked up (403 for a bad one, whoever asks). Otherwise
/// private assets need a token of the same namespace: no token answers 401, another
/// namespace 404. The asset's facts come from the delivery cache.
async fn load(
    state: &AppState,
    credentials: &Credentials,
    raw_id: &str,
) -> Result<(Arc<Facts>, Caching), ApiError> {
    let signed = if credentials.signature.present() {
        let now = time::OffsetDateTime::now_utc();
        let left = state
            .signer
            .verify(&credentials.path, &credentials.signature, now)?;
        Some(Caching::Signed(left))
    } else {
        None
    };
    let not_found = || ApiError::not_found("file");
    let id: AssetId = raw_id.parse().map_err(|_| not_found())?;
    let facts = state
        .delivery_cache
        .facts(&*state.catalog.store, id)
        .await?
        .filter(|f| f.asset.deleted_at.is_none())
        .ok_or_else(not_found)?;
    if let Some(caching) = signed {
        return Ok((facts, caching));
    }
    if facts.asset.is_public {
        return Ok((facts, Caching::Public));
    }
    match &credentials.auth.0 {
        None => Err(ApiError::unauthorized()),
        Some(p) if can_read(p, &facts.asset) => Ok((facts, Caching::Private)),
        Some(_) => Err(not_found()),
    }
}

/// `GET|HEAD /files/{id}/{filename}`. The filename is cosmetic (for links that read
/// well); `Content-Disposition` always uses the stored, sanitised one.
#[utoipa::path(
    operation_id = "delivery_original",
    get,
    path = "/files/{id}/{filename}",
    tag = "delivery",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), ("filename" = String, Path, description = "any name; the stored one is sent in Content-Disposition"), SignatureQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the original file, as its own media type (HEAD and Range supported)", body = Vec<u8>, content_type = "*/*"),
        (status = 206, description = "a byte range"),
        (status = 302, description = "`delivery.mode = \"redirect\"` on object storage: `Location` is the store's own URL for the bytes (public, or presigned)"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 401, description = "a private asset without a token", body = ErrorBody),
        (status = 403, description = "a signed URL that is tampered, expired or signed with an unknown key (`invalid_signature`, `signature_expired`)", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's); `blob_missing` when the store lost the file", body = ErrorBody),
        (status = 416, description = "a range outside the file", body = ErrorBody),
        (status = 503, description = "the blob store cannot be reached (`storage_unavailable`, with `Retry-After`)", body = ErrorBody),
    )
)]
pub(crate) async fn original(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    ApiQuery(signature): ApiQuery<SignatureQuery>,
    method: Method,
    headers: HeaderMap,
    Path((id, _filename)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let credentials = Credentials {
        auth,
        path: uri.path().to_owned(),
        signature: signature.into(),
    };
    let (facts, caching) = load(&state, &credentials, &id).await?;
    let asset = &facts.asset;
    let mime = medialib_media::ImageFormat::from_mime(&asset.mime)
        .map(|f| f.mime())
        .unwrap_or("application/octet-stream");
    let d = Deliverable {
        asset: asset.id,
        kind: asset.kind,
        file: "original",
        key: StorageKey::original(asset.namespace, &asset.sha256),
        mime,
        sha256: asset.sha256,
        size: asset.size,
        filename: asset.original_filename.clone(),
        caching,
        extra: HeaderMap::new(),
        bytes: None,
    };
    send(&state, &method, &headers, d).await
}

/// `GET|HEAD /variants/{id}/{name}.{ext}`.
#[utoipa::path(
    operation_id = "delivery_variant",
    get,
    path = "/variants/{id}/{file}",
    tag = "delivery",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), ("file" = String, Path, description = "`{name}.{ext}`, e.g. `thumbnail.webp`"), SignatureQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the variant, as its format's media type (HEAD and Range supported)", body = Vec<u8>, content_type = "*/*"),
        (status = 206, description = "a byte range"),
        (status = 302, description = "`delivery.mode = \"redirect\"` on object storage: `Location` is the store's own URL for the bytes (public, or presigned)"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 401, description = "a private asset without a token", body = ErrorBody),
        (status = 403, description = "a signed URL that is tampered, expired or signed with an unknown key (`invalid_signature`, `signature_expired`)", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's); `blob_missing` when the store lost the file", body = ErrorBody),
        (status = 416, description = "a range outside the file", body = ErrorBody),
        (status = 503, description = "the blob store cannot be reached (`storage_unavailable`, with `Retry-After`)", body = ErrorBody),
    )
)]
pub(crate) async fn variant(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    ApiQuery(signature): ApiQuery<SignatureQuery>,
    method: Method,
    headers: HeaderMap,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let credentials = Credentials {
        auth,
        path: uri.path().to_owned(),
        signature: signature.into(),
    };
    let (facts, caching) = load(&state, &credentials, &id).await?;
    let not_found = || ApiError::not_found(format!("variant {file:?}"));
    let (name, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let format = OutputFormat::from_extension(ext).ok_or_else(not_found)?;
    let variant = facts
        .variants
        .iter()
        .find(|v| v.name == name && v.format == format)
        .ok_or_else(not_found)?;
    let asset = &facts.asset;
    let stem = medialib_app::ingest::filename::stem(&asset.original_filename);
    let d = Deliverable {
        asset: asset.id,
        kind: asset.kind,
        file: "variant",
        key: StorageKey::from_stored(variant.storage_key.clone()),
        mime: format.mime(),
        sha256: variant.sha256,
        size: variant.size,
        filename: format!("{stem}-{name}.{}", format.extension()),
        caching,
        extra: HeaderMap::new(),
        bytes: None,
    };
    send(&state, &method, &headers, d).await
}

/// Sends `d` as a CDN origin does: ETag, `Cache-Control` for its caching, 304, a single
/// range; or, in redirect mode on object storage, a 302 to the store.
pub(crate) async fn send(
    state: &AppState,
    method: &Method,
    req: &HeaderMap,
    d: Deliverable,
) -> Result<Response, ApiError> {
    if state.catalog.settings.delivery.mode == DeliveryMode::Redirect
        && let Some(response) = redirect(state, req, &d).await?
    {
        return Ok(response);
    }
    let etag = format!("\"{}\"", d.sha256);
    let mut headers = d.extra.clone();
    headers.insert(header::ETAG, value(&etag));
    // Private bytes must never sit in a shared cache (a CDN would serve them to anyone),
    // and a signed copy must not outlive its signature.
    let cache_control = match d.caching {
        Caching::Public => HeaderValue::from_static("public, max-age=31536000, immutable"),
        Caching::Private => HeaderValue::from_static("private, max-age=31536000, immutable"),
        Caching::Signed(left) => value(&format!("private, max-age={}", left.min(31_536_000))),
        Caching::Shared(left) => value(&format!("public, max-age={}", left.min(31_536_000))),
    };
    headers.insert(header::CACHE_CONTROL, cache_control);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );

    if if_none_match(req, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }

    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(d.mime));
    headers.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&d.filename),
    );
    if d.mime == "image/svg+xml" {
        // An SVG can carry script; opened directly it must not run in our origin.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'"),
        );
    }

    let (status, range) = match requested_range(req, &etag, d.size) {
        RangeRequest::Whole => (StatusCode::OK, 0..d.size),
        RangeRequest::Part(r) => {
            headers.insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {}-{}/{}", r.start, r.end - 1, d.size)),
            );
            (StatusCode::PARTIAL_CONTENT, r)
        }
        RangeRequest::Unsatisfiable => {
            headers.insert(header::CONTENT_RANGE, value(&format!("bytes */{}", d.size)));
            let mut response = ApiError::new(
                ErrorCode::RangeNotSatisfiable,
                format!(
                    "the requested range is outside the {} bytes of this file",
                    d.size
                ),
            )
            .into_response();
            response.headers_mut().extend(headers);
            return Ok(response);
        }
    };
    headers.insert(
        header::CONTENT_LENGTH,
        value(&(range.end - range.start).to_string()),
    );
    if method == Method::HEAD || range.is_empty() {
        return Ok((status, headers).into_response());
    }
    let cached = match d.bytes {
        Some(bytes) => Some(bytes),
        None => state
            .delivery_cache
            .file(&*state.catalog.blobs, &d.key, &d.sha256, d.size)
            .await
            .map_err(blob_failure(d.asset))?,
    };
    let body = match cached {
        // Within the file's length, which `requested_range` checked.
        Some(bytes) => Body::from(bytes.slice(range.start as usize..range.end as usize)),
        None => {
            let stream = state.catalog.blobs.get_range(&d.key, range.clone()).await;
            Body::from_stream(stream.map_err(blob_failure(d.asset))?)
        }
    };
    // The web UI's own thumbnails and previews are staff at work, not the audience: a
    // request with the session cookie is not counted as a view.
    if crate::session::cookie_id(req).is_none() {
        state.deliveries.record(d.asset, range.end - range.start);
    }
    medialib_app::metrics::delivered(d.kind.as_str(), d.file, range.end - range.start);
    Ok((status, headers, body).into_response())
}

/// `delivery.mode = "redirect"`: a 302 to the store itself, once access is checked, and
/// the view counted as if the bytes went through here. A public asset goes to
/// `delivery.public_storage_url` + key when set (cacheable: the URL does not expire);
/// anything else to a URL the store presigns for as long as the caller's own access
/// lasts (its signed URL's remaining time, or `signing.default_ttl_seconds`), never
/// cached. `None` when the store presigns nothing (local storage): then bytes are proxied.
async fn redirect(
    state: &AppState,
    req: &HeaderMap,
    d: &Deliverable,
) -> Result<Option<Response>, ApiError> {
    let settings = &state.catalog.settings;
    let (location, cache_control) = match (&settings.delivery.public_storage_url, d.caching) {
        (Some(base), Caching::Public) => (
            format!("{base}/{}", d.key.as_str()),
            "public, max-age=86400",
        ),
        (_, caching) => {
            let ttl = match caching {
                Caching::Signed(left) | Caching::Shared(left) => left,
                Caching::Public | Caching::Private => settings.signing.default_ttl_seconds,
            };
            let presigned = state
                .catalog
                .blobs
                .presigned_get(&d.key, std::time::Duration::from_secs(ttl))
                .await?;
            match presigned {
                Some(url) => (url, "private, no-store"),
                None => return Ok(None),
            }
        }
    };
    if crate::session::cookie_id(req).is_none() {
        state.deliveries.record(d.asset, d.size);
    }
    let headers = [
        (header::LOCATION, value(&location)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
    ];
    Ok(Some((StatusCode::FOUND, headers).into_response()))
}

/// A blob store failure while delivering `asset` (a missing blob: 404 `blob_missing`; a
/// store out of reach: 503), with the asset named in the log line.
fn blob_failure(asset: AssetId) -> impl FnOnce(BlobError) -> ApiError {
    move |e| {
        let mut error = AppError::from(e);
        error.cause = error.cause.map(|cause| format!("asset {asset}: {cause}"));
        error.into()
    }
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).expect("header values built here are ASCII")
}

/// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`.
fn if_none_match(req: &HeaderMap, etag: &str) -> bool {
    req.get_all(header::IF_NONE_MATCH).iter().any(|v| {
        v.to_str().is_ok_and(|s| {
            s.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == etag)
        })
    })
}

enum RangeRequest {
    Whole,
    Part(std::ops::Range<u64>),
    Unsatisfiable,
}

fn requested_range(req: &HeaderMap, etag: &str, size: u64) -> RangeRequest {
    let Some(range) = req.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return RangeRequest::Whole;
    };
    // If-Range with another validator: the client's partial copy is stale, send it all.
    if let Some(if_range) = req.get(header::IF_RANGE)
        && if_range.to_str().map(str::trim).ok() != Some(etag)
    {
        return RangeRequest::Whole;
    }
    let Ok(parsed) = http_range_header::parse_range_header(range) else {
        // A Range header we cannot parse is ignored (RFC 9110 §14.2).
        return RangeRequest::Whole;
    };
    match parsed.validate(size) {
        Ok(ranges) if ranges.len() == 1 => {
            let r = &ranges[0];
            RangeRequest::Part(*r.start()..*r.end() + 1)
        }
        Ok(_) => RangeRequest::Whole,
        Err(_) => RangeRequest::Unsatisfiable,
    }
}

/// `inline` with an ASCII fallback name and the exact UTF-8 name (RFC 6266, RFC 8187).
fn content_disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(filename, percent_encoding::NON_ALPHANUMERIC);
    value(&format!(
        "inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), HeaderValue::from_str(v).unwrap()))
            .collect()
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        let etag = "\"abc\"";
        let r = |h: &[(header::HeaderName, &str)]| match requested_range(&headers(h), etag, 100) {
            RangeRequest::Whole => "whole".to_string(),
            RangeRequest::Part(r) => format!("{}-{}", r.start, r.end),
            RangeRequest::Unsatisfiable => "416".to_string(),
        };
        assert_eq!(r(&[]), "whole");
        assert_eq!(r(&[(header::RANGE, "bytes=0-9")]), "0-10");
        assert_eq!(r(&[(header::RANGE, "bytes=90-")]), "90-100");
        assert_eq!(r(&[(header::RANGE, "bytes=-5")]), "95-100");
        assert_eq!(r(&[(header::RANGE, "bytes=0-1000")]), "0-100");
        assert_eq!(r(&[(header::RANGE, "bytes=200-300")]), "416");
        assert_eq!(r(&[(header::RANGE, "bytes=0-1,5-6")]), "whole");
        assert_eq!(
            r(&[(header::RANGE, "bytes=0-9"), (header::IF_RANGE, "\"old\"")]),
            "whole"
        );
        assert_eq!(
            r(&[(header::RANGE, "bytes=0-9"), (header::IF_RANGE, etag)]),
            "0-10"
        );
    }

    #[test]
    fn if_none_match_is_a_weak_comparison() {
        assert!(if_none_match(
            &headers(&[(header::IF_NONE_MATCH, "W/\"abc\"")]),
            "\"abc\""
        ));
        assert!(if_none_match(
            &headers(&[(header::IF_NONE_MATCH, "\"x\", \"abc\"")]),
            "\"abc\""
        ));
        assert!(if_none_match(
            &headers(&[(header::IF_NONE_MATCH, "*")]),
            "\"abc\""
        ));
        assert!(!if_none_match(
            &headers(&[(header::IF_NONE_MATCH, "\"x\"")]),
            "\"abc\""
        ));
    }

    #[test]
    fn dispositions_are_safe_for_any_filename() {
        let v = content_disposition("naïve \"photo\".jpg");
        let s = v.to_str().unwrap();
        assert!(s.starts_with("inline; filename=\"na_ve _photo_.jpg\"; filename*=UTF-8''na"));
        assert!(!s.contains('\n'));
    }
}
