//! Subscriptions over WebSocket at `/api/v1/graphql/ws` (`graphql-transport-ws`, and the
//! older `graphql-ws`): a job's progress and assets' status, pushed as they change.
//!
//! The token goes in the `connection_init` payload (`{"token": "mlk_…"}` or
//! `{"Authorization": "Bearer mlk_…"}`); a browser session's cookie works too when the
//! page is this server's own (the `Origin` is checked, as for cookie writes). Streams
//! read the store every half second and send only changes, so any process's workers
//! are seen; each ends once what it watches has ended.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Context, Data, ID, Result, Subscription as GqlSubscription};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Extension;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::Stream;
use medialib_app::access::credentials;
use medialib_app::jobs;
use medialib_core::access::Principal;
use medialib_core::{AssetId, AssetStatus, JobId, JobStatus};

use super::asset::AssetNode;
use super::errors::field_error;
use super::loaders::Loaders;
use super::types::JobNode;
use super::{Schemas, principal, state};
use crate::state::AppState;

/// How often a stream reads the store.
const POLL: Duration = Duration::from_millis(500);
/// Most assets one `assetStatus` subscription may watch.
const MAX_WATCHED: usize = 100;

/// The subscription root.
pub(crate) struct Subscription;

#[GqlSubscription]
impl Subscription {
    /// A job as it runs: its state now, then every change of status or progress, until
    /// it succeeds, fails or is cancelled.
    async fn job_progress(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
    ) -> Result<impl Stream<Item = JobNode> + use<>> {
        let catalog = state(ctx).catalog.clone();
        let caller = principal(ctx).clone();
        let id = job_id
            .parse::<JobId>()
            .map_err(|_| field_error(medialib_core::AppError::not_found("job")))?;
        jobs::get(&catalog, &caller, id)
            .await
            .map_err(field_error)?;
        let seen: Option<(JobStatus, u8)> = None;
        Ok(futures_util::stream::unfold(seen, move |seen| {
            let (catalog, caller) = (catalog.clone(), caller.clone());
            async move {
                if seen.is_some_and(|(status, _)| ended(status)) {
                    return None;
                }
                loop {
                    if seen.is_some() {
                        tokio::time::sleep(POLL).await;
                    }
                    let (job, _) = jobs::get(&catalog, &caller, id).await.ok()?;
                    let now = Some((job.status, job.progress));
                    if now != seen {
                        return Some((JobNode(job), now));
                    }
                }
            }
        }))
    }

    /// Assets as they are processed: each one's state now, then each change of status,
    /// until every one is ready or failed. Ids of other namespaces are never reported.
    async fn asset_status(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<impl Stream<Item = AssetNode> + use<>> {
        if ids.is_empty() || ids.len() > MAX_WATCHED {
            return Err(field_error(medialib_core::AppError::invalid(format!(
                "watch 1 to {MAX_WATCHED} assets"
            ))));
        }
        let ids: Vec<AssetId> = ids.iter().filter_map(|id| id.parse().ok()).collect();
        let catalog = state(ctx).catalog.clone();
        let namespace = principal(ctx).namespace;
        let watch = Watch {
            seen: HashMap::new(),
            ready: VecDeque::new(),
            first: true,
        };
        Ok(futures_util::stream::unfold(watch, move |mut watch| {
            let (catalog, ids) = (catalog.clone(), ids.clone());
            async move {
                loop {
                    if let Some(next) = watch.ready.pop_front() {
                        return Some((AssetNode::of(next), watch));
                    }
                    let settled = watch.seen.len() == ids.len()
                        && watch.seen.values().all(|s| *s != AssetStatus::Processing);
                    if settled && !watch.first {
                        return None;
                    }
                    if !watch.first {
                        tokio::time::sleep(POLL).await;
                    }
                    watch.first = false;
                    let assets = catalog.store.get_assets(&ids).await.ok()?;
                    for asset in assets.into_iter().filter(|a| a.namespace == namespace) {
                        if watch.seen.insert(asset.id, asset.status) != Some(asset.status) {
                            watch.ready.push_back(asset);
                        }
                    }
                    if watch.seen.is_empty() {
                        return None;
                    }
                }
            }
        }))
    }
}

/// Whether a job has reached its end.
fn ended(status: JobStatus) -> bool {
    matches!(
        status,
        JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
    )
}

/// What an `assetStatus` stream has told.
struct Watch {
    seen: HashMap<AssetId, AssetStatus>,
    ready: VecDeque<medialib_core::Asset>,
    first: bool,
}

/// `GET /api/v1/graphql/ws`: the WebSocket for subscriptions.
pub(crate) async fn websocket(
    State(state): State<AppState>,
    Extension(schemas): Extension<Schemas>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let session = cookie_principal(&state, &headers).await;
    let schema = schemas.closed.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| connection_data(state, session, payload))
                .serve()
        })
}

/// The caller of a browser session on this server's own page, if any.
async fn cookie_principal(state: &AppState, headers: &HeaderMap) -> Option<Principal> {
    let id = crate::session::cookie_id(headers)?;
    crate::session::same_origin(headers, &state.catalog.settings).ok()?;
    credentials::authenticate_session(&state.catalog, &id)
        .await
        .ok()
        .flatten()
}

/// The data of one connection: its caller, from the `connection_init` token, else the
/// session. Refused without either (the socket closes with 4403).
async fn connection_data(
    state: AppState,
    session: Option<Principal>,
    payload: serde_json::Value,
) -> Result<Data> {
    let token = payload
        .get("token")
        .and_then(|t| t.as_str())
        .or_else(|| {
            payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(|a| a.as_str())
                .and_then(|a| a.strip_prefix("Bearer "))
        })
        .map(str::trim);
    let caller = match token {
        Some(token) => credentials::authenticate_token(&state.catalog, token)
            .await
            .map_err(|_| async_graphql::Error::new("unknown, revoked or expired token"))?,
        None => session.ok_or_else(|| {
            async_graphql::Error::new("send {\"token\": \"…\"} in the connection_init payload")
        })?,
    };
    let mut data = Data::default();
    data.insert(Loaders::new(&state.catalog.store));
    data.insert(caller);
    Ok(data)
}
