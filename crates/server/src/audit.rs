//! Recording the audit log: a middleware around the API that records every write (any
//! method but GET, HEAD and OPTIONS) made by an authenticated caller.
//!
//! An event says who (the principal the [`crate::auth::Auth`] extractor found), what (the
//! OpenAPI operation id, e.g. `assets_patch`), to what (the ids in the path, or the ids
//! the request created), the status, when, and the client's IP (the TCP peer: behind a
//! reverse proxy, the proxy's). Allowed writes (2xx) and refused ones (403) are recorded;
//! requests that fail validation change nothing and are not. A tus upload is recorded at
//! creation, deletion and completion, not for every chunk.
//!
//! Recording never fails a request: a store error is logged and the response goes out.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use medialib_core::access::Principal;
use medialib_core::store::NewAuditEvent;

use crate::state::AppState;
use crate::tus::headers::ASSET_ID;

/// Where GraphQL is served.
const GRAPHQL_PATH: &str = "/api/v1/graphql";

/// Largest response body read to find the ids a request created, in bytes. Write
/// responses are small JSON documents; anything larger is passed on unread.
const MAX_READ_BYTES: usize = 256 * 1024;

/// The caller of an audited request, filled in by the `Auth` extractor once it has
/// identified them (whether or not they turn out to be allowed).
#[derive(Clone, Default)]
pub(crate) struct Caller(Arc<Mutex<Option<Principal>>>);

impl Caller {
    /// Records who is calling.
    pub(crate) fn set(&self, principal: &Principal) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(principal.clone());
        }
    }

    fn get(&self) -> Option<Principal> {
        self.0.lock().ok().and_then(|slot| slot.clone())
    }
}

/// Operation ids by method and route (`/api/v1/assets/{id}`), from the API description.
pub(crate) struct Actions(HashMap<(Method, String), String>);

impl Actions {
    /// Reads every operation id in `spec`.
    pub(crate) fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        let mut actions = HashMap::new();
        for (path, item) in &spec.paths.paths {
            let operations = [
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, operation) in operations {
                if let Some(id) = operation.as_ref().and_then(|o| o.operation_id.clone()) {
                    actions.insert((method, path.clone()), id);
                }
            }
        }
        Self(actions)
    }

    fn name(&self, method: &Method, route: &str) -> String {
        self.0
            .get(&(method.clone(), route.to_owned()))
            .cloned()
            .unwrap_or_else(|| format!("{method} {route}"))
    }
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub(crate) async fn record(
    State((state, actions)): State<(AppState, Arc<Actions>)>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    // Reads pass untouched; the route and its parameters are looked at only for writes,
    // so delivery pays nothing for the audit log.
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    // GraphQL records each mutation itself (`graphql.<name>`); a query is no write.
    if request.uri().path() == GRAPHQL_PATH {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let route = parts.extensions.get::<MatchedPath>().cloned();
    let params = RawPathParams::from_request_parts(&mut parts, &()).await;
    let mut request = Request::from_parts(parts, body);
    let caller = Caller::default();
    request.extensions_mut().insert(caller.clone());
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip().to_string());
    let response = next.run(request).await;

    let status = response.status();
    let Some(principal) = caller.get() else {
        return response;
    };
    let completed_upload = response.headers().get(ASSET_ID);
    // The pieces of an upload are not events; its creation and its end are.
    let chunk = completed_upload.is_none()
        && route.as_ref().is_some_and(|r| {
            (method == Method::PATCH && is_tus(r)) || (method == Method::PUT && is_chunk(r))
        });
    if !(status.is_success() || status == StatusCode::FORBIDDEN) || chunk {
        return response;
    }
    let route = route.as_ref().map_or("", MatchedPath::as_str);
    let mut target: Vec<String> = params
        .iter()
        .flat_map(|p| p.iter().map(|(_, value)| value.to_owned()))
        .collect();
    let location = response.headers().get(header::LOCATION);
    let (response, created) = match (completed_upload, location) {
        (Some(id), _) => {
            let id = id.to_str().unwrap_or_default().to_owned();
            (response, vec![id])
        }
        (None, Some(location)) if target.is_empty() => {
            let location = location.to_str().unwrap_or_default();
            let id = location.rsplit('/').next().unwrap_or_default().to_owned();
            (response, vec![id])
        }
        (None, _) if status.is_success() && target.is_empty() => created_ids(response).await,
        (None, _) => (response, Vec::new()),
    };
    target.extend(created);
    let event = NewAuditEvent {
        namespace: principal.namespace,
        user: Some(principal.user),
        action: actions.name(&method, route),
        target: (!target.is_empty()).then(|| target.join(",")),
        status: status.as_u16(),
        ip,
    };
    if let Err(e) = state.catalog.store.record_audit(event).await {
        tracing::error!(error = %e, route, "could not record an audit event");
    }
    response
}

fn is_tus(route: &MatchedPath) -> bool {
    route.as_str().starts_with("/api/v1/uploads/")
}

fn is_chunk(route: &MatchedPath) -> bool {
    route.as_str().ends_with("/chunks/{index}")
}

/// The ids in a JSON response (when neither a `Location` nor a `Medialib-Asset-Id` header
/// names what was created): its `id`, or each result's `asset.id` for a multi-file
/// upload. The body is read and put back.
async fn created_ids(response: Response) -> (Response, Vec<String>) {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // Only a body already whole in memory and small is read: reading a streamed or large
    // one could fail half-way, and then the client would get nothing.
    let small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= MAX_READ_BYTES as u64);
    if !(is_json && small) {
        return (response, Vec::new());
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_READ_BYTES).await else {
        // Cannot happen for a whole body within the limit; nothing left to send either way.
        return (Response::from_parts(parts, Body::empty()), Vec::new());
    };
    let ids = serde_json::from_slice::<serde_json::Value>(&bytes)
        .map(|json| ids_in(&json))
        .unwrap_or_default();
    (Response::from_parts(parts, Body::from(bytes)), ids)
}

fn ids_in(json: &serde_json::Value) -> Vec<String> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(id) = json.get("id").and_then(text) {
        return vec![id];
    }
    json.get("results")
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| r.pointer("/asset/id").and_then(text))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn created_ids_come_from_id_or_each_uploaded_asset() {
        assert_eq!(ids_in(&json!({"id": "a1", "title": "x"})), ["a1"]);
        assert_eq!(ids_in(&json!({"id": 7, "token": "mlk_…"})), ["7"]);
        let batch = json!({"results": [
            {"status": 201, "asset": {"id": "a1"}},
            {"status": 415, "filename": "x.exe", "error": {"code": "unsupported"}},
            {"status": 200, "asset": {"id": "a2"}},
        ]});
        assert_eq!(ids_in(&batch), ["a1", "a2"]);
        assert!(ids_in(&json!({"moved": 3})).is_empty());
    }
}
