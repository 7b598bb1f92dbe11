//! The router: it only dispatches. One module per resource, each handler shaped as
//! extract → apply → render.
//!
//! - `search`: search and list assets, unused assets.
//! - `assets`: get, patch, delete, restore, variants, extracted text.
//! - `signed_url`: signed delivery URLs for private assets.
//! - `bulk`: one action on many assets.
//! - `tags`, `collections`, `usage`: organising.
//! - `duplicates`: near-duplicate groups; `analysis`: rerunning the analysers, accepting
//!   and rejecting automatic tags; `similar`: similar media.
//! - `analytics`: reports.
//! - `upload`: multipart upload (resumable uploads are [`crate::tus`]); `chunked`:
//!   chunked uploads by index.
//! - `import`: import from URL (the fetching is [`medialib_app::import`]).
//! - `jobs`: job state and cancel.
//! - `tokens`: the caller's API tokens; `members`: roles in the namespace (admins).
//! - `audit`: the namespace's audit log (admins; recording is [`crate::audit`]).
//! - `webhooks`: webhook endpoints, deliveries, redelivery (admins; sending is
//!   [`crate::webhooks`]).
//! - `capabilities`: what the server accepts and does.
//! - `namespaces`: tenants (the instance owner; admins read and rename theirs);
//!   `accounts`: user accounts; `users`: a user's data export and anonymization (GDPR).
//! - `session`: password login and logout for browsers, and who the caller is.
//! - `delivery`: originals and variants for browsers and CDNs; `transforms`: on-the-fly
//!   transforms (`/img/…`); `derivatives`: minting transform URLs, stored results.
//! - `openapi`: the API description and its docs page; `health`: liveness, readiness and
//!   the Prometheus metrics.
//! - `extract`: extractors that answer in the API's error shape.
//! - `rate`: rate limits per token, for uploads and for the rest of the API.

mod accounts;
mod analysis;
mod analytics;
pub(crate) mod assets;
mod audit;
pub(crate) mod bulk;
mod capabilities;
mod chunked;
mod collections;
pub(crate) mod delivery;
mod derivatives;
mod download;
mod duplicates;
mod extract;
mod health;
mod import;
mod jobs;
mod members;
mod namespaces;
mod openapi;
mod previews;
mod rate;
mod search;
pub(crate) mod session;
mod signed_url;
mod similar;
mod tags;
mod tokens;
mod transforms;
mod trash;
mod upload;
mod usage;
mod users;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use medialib_core::ErrorCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::Actions;
use crate::error::ApiError;
use crate::state::AppState;

/// Builds the whole HTTP application: the API under `/api/v1`, delivery, health, the
/// API description (`/api/v1/openapi.json`, `/api/v1/docs`) and the web UI (`/ui/`).
pub fn router(state: AppState) -> Router {
    let graphql = crate::graphql::Schemas::new(&state);
    let (app, mut spec) = documented(&state, &graphql).split_for_parts();
    openapi::add_common_errors(&mut spec);
    openapi::apply_limits(&mut spec, &state.catalog.settings);
    openapi::unsigned_integers(&mut spec);
    let actions = Arc::new(Actions::from_spec(&spec));
    let audit =
        axum::middleware::from_fn_with_state((state.clone(), actions), crate::audit::record);
    app.layer(audit)
        .merge(openapi::routes(spec))
        .merge(crate::graphql::websocket_routes(graphql))
        .merge(crate::ui::routes(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(extract::refuse_nul))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Every route, each registered with its OpenAPI operation so that none can be served
/// undocumented (`routes!` takes both from the handler's `#[utoipa::path]`).
fn documented(
    state: &AppState,
    graphql_schemas: &crate::graphql::Schemas,
) -> OpenApiRouter<AppState> {
    let body_limit =
        usize::try_from(state.catalog.settings.limits.max_request_bytes).unwrap_or(usize::MAX);
    let (schemas, paths, upload) = routes!(upload::upload);
    let upload = upload.layer(DefaultBodyLimit::max(body_limit));
    let (s0, p0, import) = routes!(import::import);
    // tus answers every request with Tus-Resumable; bodies are streamed to files, each
    // bounded by its upload's length.
    let tus_header = axum::middleware::map_response(crate::tus::resumable_header);
    let (s1, p1, uploads) = routes!(crate::tus::options, crate::tus::create);
    let (s2, p2, upload_one) = routes!(crate::tus::head, crate::tus::patch, crate::tus::delete);
    let uploading = OpenApiRouter::new()
        .routes((schemas, paths, upload))
        .routes((s0, p0, import))
        .routes((s1, p1, uploads.layer(tus_header.clone())))
        .routes((s2, p2, upload_one.layer(tus_header)))
        .routes(routes!(chunked::create))
        .routes(routes!(chunked::get, chunked::delete))
        .routes(routes!(chunked::put_chunk))
        .routes(routes!(chunked::finalize));
    let (s3, p3, graphql) = routes!(crate::graphql::execute, crate::graphql::graphiql);
    let graphql = graphql
        .layer::<_, std::convert::Infallible>(axum::Extension(graphql_schemas.clone()))
        .layer(DefaultBodyLimit::disable());
    let api = OpenApiRouter::new()
        .routes((s3, p3, graphql))
        .routes(routes!(search::search))
        .routes(routes!(search::unused))
        .routes(routes!(duplicates::duplicates))
        .routes(routes!(bulk::bulk))
        .routes(routes!(download::download))
        .routes(routes!(assets::get, assets::patch, assets::delete))
        .routes(routes!(assets::restore))
        .routes(routes!(trash::empty))
        .routes(routes!(assets::variants))
        .routes(routes!(assets::text))
        .routes(routes!(previews::page))
        .routes(routes!(previews::model_glb))
        .routes(routes!(signed_url::signed_url))
        .routes(routes!(derivatives::transform_url))
        .routes(routes!(derivatives::responsive))
        .routes(routes!(derivatives::list, derivatives::delete_all))
        .routes(routes!(derivatives::delete_one))
        .routes(routes!(tags::assign))
        .routes(routes!(tags::unassign))
        .routes(routes!(analysis::accept))
        .routes(routes!(analysis::reject))
        .routes(routes!(analysis::clear_moderation))
        .routes(routes!(analysis::analyse))
        .routes(routes!(similar::similar))
        .routes(routes!(similar::recommendations))
        .routes(routes!(usage::list, usage::record, usage::remove))
        .routes(routes!(tags::list, tags::create))
        .routes(routes!(tags::get, tags::patch, tags::delete))
        .routes(routes!(collections::list, collections::create))
        .routes(routes!(
            collections::get,
            collections::patch,
            collections::delete
        ))
        .routes(routes!(
            collections::items,
            collections::add_items,
            collections::reorder,
            collections::remove_items
        ))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::cancel))
        .routes(routes!(analytics::storage))
        .routes(routes!(analytics::uploads))
        .routes(routes!(analytics::top))
        .routes(routes!(analytics::failures))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(members::list))
        .routes(routes!(members::set, members::remove))
        .routes(routes!(audit::list))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get, webhooks::patch, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(namespaces::list, namespaces::create))
        .routes(routes!(
            namespaces::get,
            namespaces::patch,
            namespaces::delete
        ))
        .routes(routes!(accounts::list, accounts::create))
        .routes(routes!(accounts::get, accounts::patch, accounts::delete))
        .routes(routes!(users::export))
        .routes(routes!(users::anonymize))
        .routes(routes!(capabilities::get))
        .routes(routes!(session::get, session::login, session::logout));
    let limits = &state.catalog.settings.rate_limits;
    let uploading = match rate::layer(limits.uploads_per_second, limits.uploads_burst) {
        Some(limit) => uploading.layer(limit),
        None => uploading,
    };
    let api = match rate::layer(limits.api_per_second, limits.api_burst) {
        Some(limit) => api.layer(limit),
        None => api,
    };
    let api = api.merge(uploading).fallback(not_found);
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", api)
        .routes(routes!(delivery::original))
        .routes(routes!(delivery::variant))
        .routes(routes!(transforms::transform))
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        .routes(routes!(health::metrics))
}

/// A handler that panicked (a bug) answers the API's JSON 500, and the panic is logged,
/// instead of the client seeing its connection dropped.
fn panicked(panic: Box<dyn std::any::Any + Send>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("no message");
    ApiError::internal(format_args!("a handler panicked: {what}")).into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this method is not allowed on this route",
    )
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    async fn boom() -> &'static str {
        panic!("index out of range")
    }

    #[tokio::test]
    async fn a_panic_is_a_json_500_not_a_dropped_connection() {
        let app = Router::new()
            .fallback(boom)
            .layer(CatchPanicLayer::custom(panicked));
        let response = app.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal");
    }
}
