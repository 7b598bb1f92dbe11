//! The router: it only dispatches. One module per resource, each handler shaped as
//! extract → apply → render.
//!
//! - `assets`: list, get, patch, delete, variants, extracted text.
//! - `upload`: multipart upload.
//! - `jobs`: job state and cancel.
//! - `delivery`: originals and variants for browsers and CDNs.
//! - `extract`: extractors that answer in the API's error shape.

mod assets;
mod delivery;
mod extract;
mod jobs;
mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Builds the whole HTTP application.
pub fn router(state: AppState) -> Router {
    let body_limit = usize::try_from(state.settings.limits.max_request_bytes).unwrap_or(usize::MAX);
    let api = Router::new()
        .route(
            "/assets",
            get(assets::list)
                .post(upload::upload)
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .route(
            "/assets/{id}",
            get(assets::get).patch(assets::patch).delete(assets::delete),
        )
        .route("/assets/{id}/variants", get(assets::variants))
        .route("/assets/{id}/text", get(assets::text))
        .route("/jobs/{id}", get(jobs::get))
        .route("/jobs/{id}/cancel", post(jobs::cancel))
        .fallback(not_found);
    Router::new()
        .nest("/api/v1", api)
        .route("/files/{id}/{filename}", get(delivery::original))
        .route("/variants/{id}/{file}", get(delivery::variant))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this method is not allowed on this route",
    )
}
