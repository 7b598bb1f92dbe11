//! The router: it only dispatches. One module per resource, each handler shaped as
//! extract → apply → render.
//!
//! - `search`: search and list assets, unused assets.
//! - `assets`: get, patch, delete, restore, variants, extracted text.
//! - `bulk`: one action on many assets.
//! - `tags`, `collections`, `usage`: organising.
//! - `duplicates`: near-duplicate groups.
//! - `analytics`: reports.
//! - `upload`: multipart upload.
//! - `jobs`: job state and cancel.
//! - `delivery`: originals and variants for browsers and CDNs.
//! - `extract`: extractors that answer in the API's error shape.

mod analytics;
mod assets;
mod bulk;
mod collections;
mod delivery;
mod duplicates;
mod extract;
mod jobs;
mod search;
mod tags;
mod upload;
mod usage;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Builds the whole HTTP application.
pub fn router(state: AppState) -> Router {
    let body_limit = usize::try_from(state.settings.limits.max_request_bytes).unwrap_or(usize::MAX);
    let api = Router::new()
        .route(
            "/assets",
            get(search::search)
                .post(upload::upload)
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/assets/unused", get(search::unused))
        .route("/assets/duplicates", get(duplicates::duplicates))
        .route("/assets/bulk", post(bulk::bulk))
        .route(
            "/assets/{id}",
            get(assets::get).patch(assets::patch).delete(assets::delete),
        )
        .route("/assets/{id}/restore", post(assets::restore))
        .route("/assets/{id}/variants", get(assets::variants))
        .route("/assets/{id}/text", get(assets::text))
        .route("/assets/{id}/tags", post(tags::assign))
        .route("/assets/{id}/tags/{slug}", delete(tags::unassign))
        .route(
            "/assets/{id}/usage",
            get(usage::list).post(usage::record).delete(usage::remove),
        )
        .route("/tags", get(tags::list).post(tags::create))
        .route(
            "/tags/{id}",
            get(tags::get).patch(tags::patch).delete(tags::delete),
        )
        .route(
            "/collections",
            get(collections::list).post(collections::create),
        )
        .route(
            "/collections/{id}",
            get(collections::get)
                .patch(collections::patch)
                .delete(collections::delete),
        )
        .route(
            "/collections/{id}/items",
            get(collections::items)
                .post(collections::add_items)
                .put(collections::reorder)
                .delete(collections::remove_items),
        )
        .route("/analytics/storage", get(analytics::storage))
        .route("/analytics/uploads", get(analytics::uploads))
        .route("/analytics/top", get(analytics::top))
        .route("/analytics/failures", get(analytics::failures))
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
