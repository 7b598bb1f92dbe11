//! How refusals reach GraphQL clients.
//!
//! - A mutation's expected refusals (bad values, not found, conflicts, an asset in use)
//!   are its payload's `userErrors`, each with the REST API's stable code, so clients
//!   match on the same strings whichever API they call.
//! - Being refused access is an error for the field (`extensions.code = "FORBIDDEN"`),
//!   and the rest of the response still resolves.
//! - Errors the server made are `INTERNAL_SERVER_ERROR`, with the cause in the log only.
//! - Documents that do not parse, are too deep or too complex get
//!   `GRAPHQL_PARSE_FAILED`, `DEPTH_LIMIT`, `COMPLEXITY_LIMIT` or
//!   `GRAPHQL_VALIDATION_FAILED` ([`classify`]).

use async_graphql::{ErrorExtensions, SimpleObject};
use medialib_core::{AppError, ErrorCode};

/// A refusal of one mutation, for its payload.
#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct UserError {
    /// The input field it is about (`["ids"]`, `["input", "title"]`), empty for the
    /// whole request.
    pub field: Vec<String>,
    /// The stable code, as the REST API answers it (`not_found`, `asset_in_use`, …).
    pub code: String,
    /// What was wrong and what to do, in one sentence.
    pub message: String,
}

impl UserError {
    /// A refusal about `field`.
    pub(crate) fn new(field: &[&str], error: &AppError) -> Self {
        Self {
            field: field.iter().map(|f| (*f).to_owned()).collect(),
            code: error.code.as_str().to_owned(),
            message: error.message.clone(),
        }
    }
}

/// Whether a use case's error is the caller's access falling short, which GraphQL
/// reports as an error of the field rather than a user error.
fn is_access(error: &AppError) -> bool {
    matches!(
        error.code,
        ErrorCode::Forbidden | ErrorCode::Unauthorized | ErrorCode::CrossOriginRequest
    )
}

/// A field's error from a use case's: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`
/// (with the REST code as `extensions.reason`) or `INTERNAL_SERVER_ERROR`.
pub(crate) fn field_error(error: AppError) -> async_graphql::Error {
    let code = match error.code {
        _ if is_access(&error) => "FORBIDDEN",
        ErrorCode::NotFound => "NOT_FOUND",
        code if code.http_status() >= 500 => {
            tracing::error!(error = %error, "a GraphQL resolver failed");
            return async_graphql::Error::new("the server could not do this; try again later")
                .extend_with(|_, e| e.set("code", "INTERNAL_SERVER_ERROR"));
        }
        _ => "BAD_USER_INPUT",
    };
    let reason = error.code.as_str();
    async_graphql::Error::new(error.message).extend_with(|_, e| {
        e.set("code", code);
        e.set("reason", reason);
    })
}

/// A mutation's outcome: `Ok` for the payload, `userErrors` for a refusal of the
/// request, and `Err` (a field error) when access fell short or the server failed.
pub(crate) fn user_errors<T>(
    field: &[&str],
    result: Result<T, AppError>,
) -> async_graphql::Result<Result<T, Vec<UserError>>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) if is_access(&e) || e.code.http_status() >= 500 => Err(field_error(e)),
        Err(e) => Ok(Err(vec![UserError::new(field, &e)])),
    }
}

/// Gives a code to every error of a response that has none: the ones async-graphql
/// raises itself before any resolver runs (parsing and validation).
pub(crate) fn classify(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if error.message.contains("nested too deep") {
            "DEPTH_LIMIT"
        } else if error.message.contains("too complex") {
            "COMPLEXITY_LIMIT"
        } else if error.path.is_empty() {
            "GRAPHQL_VALIDATION_FAILED"
        } else {
            "BAD_USER_INPUT"
        };
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

/// The error of a document that does not parse.
pub(crate) fn parse_failed(message: String) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "GRAPHQL_PARSE_FAILED");
    error
}
