//! The admin web UI at `/ui/`: server-rendered pages (askama templates in `web/templates`)
//! whose plain-JavaScript modules (`web/static/js`) call the same JSON API as every other
//! client, with the session cookie.
//!
//! - `pages`: one handler a page; each needs a signed-in user, else redirects to login.
//! - `picker`: the embeddable media picker and the origins allowed to embed it.
//! - `files`: the embedded static files and vendored libraries (`web/static`,
//!   `web/vendor`), with ETags.
//!
//! Every page answers with a Content-Security-Policy that allows only this origin's
//! scripts, styles and connections, and refuses to be framed; the picker alone may be
//! framed, by the origins in `ui.picker_origins`.

mod files;
mod pages;
mod picker;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Redirect, Response};
use axum::routing::get;
use medialib_core::Settings;

use crate::state::AppState;

/// The UI's routes: pages, static files, and `/` → `/ui/`.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/ui/", get(pages::library))
        .route("/ui/login", get(pages::login))
        .route("/ui/assets/{id}", get(pages::asset))
        .route("/ui/collections", get(pages::collections))
        .route("/ui/collections/{id}", get(pages::collection))
        .route("/ui/tags", get(pages::tags))
        .route("/ui/analytics", get(pages::analytics))
        .route("/ui/trash", get(pages::trash))
        .route("/ui/picker", get(picker::page))
        .route("/ui/{*rest}", get(pages::not_found))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            page_headers,
        ));
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/static/{*path}", get(files::serve))
        .route("/ui/vendor/{*path}", get(files::serve))
        .merge(pages)
}

/// The kinds of asset, with their names in the pages' type filters (the library's, and the
/// picker's `mediaTypes`).
const KINDS: [(&str, &str); 6] = [
    ("image", "Images"),
    ("video", "Videos"),
    ("audio", "Audio"),
    ("document", "Documents"),
    ("model3d", "3D models"),
    ("other", "Other files"),
];

/// The policy of every page, less `frame-ancestors`: scripts, styles and API calls from
/// this origin only; images and media also from `blob:`/`data:` (placeholders, local
/// previews of files being uploaded) and from the origin of `public_base_url`, where the
/// API's file URLs point when it is set (a CDN). The 3D viewer fetches its model from
/// there too, and its textures from `blob:` and `data:` URLs.
fn policy(settings: &Settings) -> String {
    let files = settings
        .public_base_url
        .as_deref()
        .and_then(|base| url::Url::parse(base).ok())
        .map(|base| base.origin())
        .filter(|origin| origin.is_tuple())
        .map(|origin| format!(" {}", origin.ascii_serialization()))
        .unwrap_or_default();
    format!(
        "default-src 'self'; img-src 'self' data: blob:{files}; media-src 'self' blob:{files}; \
         style-src 'self'; script-src 'self'; connect-src 'self' blob: data:{files}; \
         object-src 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// Lets `origins` (and this server) frame the page, instead of no one.
pub(super) fn allow_framing(response: &mut Response, settings: &Settings, origins: &[String]) {
    let ancestors: Vec<&str> = std::iter::once("'self'")
        .chain(origins.iter().map(String::as_str))
        .collect();
    let policy = format!(
        "{}; frame-ancestors {}",
        policy(settings),
        ancestors.join(" ")
    );
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
}

/// Security headers for pages. A handler that sets its own Content-Security-Policy (the
/// picker's `frame-ancestors`) keeps it.
async fn page_headers(State(state): State<AppState>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = format!(
            "{}; frame-ancestors 'none'",
            policy(&state.catalog.settings)
        );
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages show who is signed in: never from a shared cache.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}
