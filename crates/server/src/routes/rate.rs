//! Rate limits per API token or browser session (`tower_governor`): one bucket per
//! caller for uploads and one for the rest of the API, set by `rate_limits.*`. Over its rate a client gets 429
//! in the API's error shape with `Retry-After` (seconds).

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use axum::response::IntoResponse;
use medialib_core::ErrorCode;
use sha2::Digest;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

use crate::error::ApiError;

/// The rate-limiting key: the SHA-256 of the `Authorization` header, else of the session
/// cookie's id, so that the limiter's table never holds a credential; requests with
/// neither share the zero key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TokenKey;

impl KeyExtractor for TokenKey {
    type Key = [u8; 32];

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        let headers = req.headers();
        let key = match headers.get(header::AUTHORIZATION) {
            Some(token) => Some(sha2::Sha256::digest(token.as_bytes())),
            None => crate::session::cookie_id(headers).map(sha2::Sha256::digest),
        };
        Ok(key.map(Into::into).unwrap_or_default())
    }
}

/// A layer allowing `per_second` requests a second per token with bursts of `burst`;
/// `None` when `per_second` is 0 (no limit).
pub(crate) fn layer(
    per_second: u32,
    burst: u32,
) -> Option<GovernorLayer<TokenKey, governor::middleware::NoOpMiddleware, Body>> {
    if per_second == 0 {
        return None;
    }
    let config = GovernorConfigBuilder::default()
        .period(std::time::Duration::from_secs(1) / per_second)
        .burst_size(burst.max(1))
        .key_extractor(TokenKey)
        .finish()?;
    Some(GovernorLayer::new(config).error_handler(too_many))
}

fn too_many(error: GovernorError) -> Response<Body> {
    let GovernorError::TooManyRequests { wait_time, .. } = error else {
        return ApiError::internal(error).into_response();
    };
    // Whole seconds, at least 1: clients that honour Retry-After must not retry at once.
    let wait = wait_time.max(1);
    let mut response = ApiError::new(
        ErrorCode::RateLimited,
        format!("too many requests for this token; retry in {wait} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}
