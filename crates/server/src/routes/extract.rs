//! Extractors whose rejections use the API's error shape instead of axum's plain text.

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use medialib_core::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// Query-string parameters; a bad value answers 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.body_text()))
    }
}

/// A JSON body: malformed JSON answers 400, a well-formed body with wrong or unknown
/// fields answers 422. A number with no fraction (`3.0`) is an integer, as JSON Schema
/// counts it (2020-12 Validation §6.1.1), so a client or generator that writes integers
/// that way is not refused.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(ErrorCode::InvalidBody, e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::new(
                ErrorCode::InvalidJson,
                "the request has no body; send its fields as a JSON object",
            ));
        }
        let mut value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(ErrorCode::InvalidJson, format!("the body is not JSON: {e}"))
        })?;
        // serde reads a struct from an array too ([] fills every optional field with
        // nothing); every JSON body of this API is an object.
        if !value.is_object() {
            return Err(ApiError::invalid("the body must be a JSON object"));
        }
        if holds_nul(&value) {
            return Err(ApiError::invalid(
                "text in the body cannot contain the NUL character (U+0000)",
            ));
        }
        whole_numbers_as_integers(&mut value);
        T::deserialize(value)
            .map(ApiJson)
            .map_err(|e| ApiError::invalid(e.to_string()))
    }
}

/// Whether any string or key of `value` contains U+0000, which no text of medialib holds
/// (PostgreSQL cannot store it).
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// Refuses a request whose path or query carries an encoded NUL (`%00`): no name, id or
/// value of medialib holds one, and PostgreSQL could not store it.
pub async fn refuse_nul(
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request.uri();
    let encoded_nul = |part: &str| {
        part.as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
    };
    if encoded_nul(uri.path()) || uri.query().is_some_and(encoded_nul) {
        return ApiError::new(
            ErrorCode::InvalidQuery,
            "the URL contains an encoded NUL character (%00), which no name or value may hold",
        )
        .into_response();
    }
    next.run(request).await
}

/// Rewrites every float with no fraction that fits an `i64` or `u64` as that integer.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0) {
                // 2^63 and 2^64 are exact in f64; the casts are exact inside the bounds.
                if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
                    *n = (f as i64).into();
                } else if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                    *n = (f as u64).into();
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Parses a path id; anything unparseable is simply not found.
pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("{what} {raw:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_floats_become_integers_and_the_rest_stay() {
        let mut v: Value =
            serde_json::from_str(r#"{"a": 3.0, "b": [-2.0, 0.5], "c": 1e300, "d": 18446744073709549568.0, "e": 18446744073709551616.0}"#)
                .unwrap();
        whole_numbers_as_integers(&mut v);
        assert_eq!(v["a"].as_u64(), Some(3));
        assert_eq!(v["b"][0].as_i64(), Some(-2));
        assert_eq!(v["b"][1].as_f64(), Some(0.5));
        assert!(v["c"].is_f64(), "out of range stays a float");
        assert_eq!(v["d"].as_u64(), Some(18446744073709549568));
        assert!(v["e"].is_f64(), "2^64 does not fit a u64");
    }
}
