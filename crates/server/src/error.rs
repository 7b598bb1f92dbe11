//! The HTTP boundary's one error type: an [`AppError`] from the registry
//! (`medialib_core::error`), sent with its code's status as `{"error":{"code","message"}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medialib_core::{AppError, BlobError, ErrorCode, StoreError};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// An API error: an [`AppError`] whose code decides the status. Build one with the
/// constructors, or convert an [`AppError`].
#[derive(Debug, Clone)]
pub struct ApiError(AppError);

/// The body of every error response: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    /// What went wrong.
    pub error: ErrorDto<'a>,
}

/// The JSON shape of an error, also used inside per-file and per-asset results.
#[derive(Serialize, ToSchema)]
pub struct ErrorDto<'a> {
    /// Stable code.
    #[schema(schema_with = code_schema)]
    pub code: ErrorCode,
    /// Explanation.
    pub message: &'a str,
    /// Structured facts about the error, for the codes that have them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<&'a serde_json::Value>,
}

/// The `code` property: a string enum of the registry's codes, so the description
/// documents every code a route can answer with.
fn code_schema() -> Object {
    let mut codes: Vec<&str> = Vec::new();
    // A code string sent with more than one status is listed once.
    for code in ErrorCode::ALL {
        if !codes.contains(&code.as_str()) {
            codes.push(code.as_str());
        }
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Stable code; clients may match on it."))
        .enum_values(Some(codes))
        .build()
}

impl ApiError {
    /// An error with `code`, sent with the code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(AppError::new(code, message))
    }
    /// 401: no or unknown credentials.
    pub fn unauthorized() -> Self {
        Self(AppError::unauthorized())
    }
    /// 403: the caller's role or token scopes do not allow this, on something they can
    /// see. The message says what would.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self(AppError::forbidden(message))
    }
    /// 404: no such resource (also for resources of other namespaces, so existence does
    /// not leak).
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self(AppError::not_found(what))
    }
    /// 422: well-formed but invalid values.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self(AppError::invalid(message))
    }
    /// 507 when the disk is full, else 500: a local write failed.
    pub fn disk(e: std::io::Error) -> Self {
        Self(AppError::disk(e))
    }
    /// 500: our fault. The cause is logged when the error is sent; the client gets no
    /// internals.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self(AppError::internal(cause))
    }

    /// The registry code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The message, for logs.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The status the code stands for.
    pub fn status(&self) -> StatusCode {
        let status = self.0.code.http_status();
        StatusCode::from_u16(status).expect("the registry's statuses are 100-999")
    }

    /// The `{"code","message"}` object.
    pub fn dto(&self) -> ErrorDto<'_> {
        ErrorDto {
            code: self.0.code,
            message: &self.0.message,
            details: self.0.details.as_ref(),
        }
    }
}

impl ApiError {
    /// The application error inside, for entry points that render it another way
    /// (GraphQL).
    pub(crate) fn into_app(self) -> AppError {
        self.0
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

/// For callers outside HTTP (the CLI import), which report the code and message.
impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        e.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Some(cause) = &self.0.cause {
            tracing::error!(%cause, code = %self.0.code, "request failed");
        }
        let mut response = (status, axum::Json(ErrorBody { error: self.dto() })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if matches!(
            self.0.code,
            ErrorCode::DatabaseUnavailable | ErrorCode::StorageUnavailable | ErrorCode::Overloaded
        ) {
            // Pools reconnect and render slots free within a second or two; clients should
            // not hammer meanwhile.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self(e.into())
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        Self(e.into())
    }
}
