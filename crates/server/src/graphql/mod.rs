//! GraphQL at `/api/v1/graphql` (async-graphql): the same use cases, tokens, sessions,
//! roles, audit log and rate limits as REST, in the shape storefront and CMS teams
//! integrate with (Shopify's Files API is the pattern).
//!
//! - `asset`: the `Asset` interface and one type per kind; `types`: everything else;
//!   `query`, `mutation` (assets, collections, usage, jobs), `uploads`, `admin`
//!   (namespaces and users): the roots, merged; `loaders`: DataLoader batching per request;
//!   `errors`: `userErrors`, field errors and the codes of refused documents;
//!   `subscription`: live job progress and asset status over `graphql-transport-ws`.
//! - Limits: depth 12, complexity 1000 (a list of `first` items costs `first ×` its
//!   fields), pages of at most 100, JSON bodies of at most 1 MiB, multipart files by the
//!   upload limits. Each response's `extensions.analyzer` reports the cost.
//! - Introspection and "did you mean" suggestions answer admin callers only, unless
//!   `graphql.introspection` is on.
//! - A request authenticated by the session cookie, and any multipart request, must
//!   carry `GraphQL-Require-Preflight` (or Apollo's `Apollo-Require-Preflight`): a
//!   cross-site form cannot set it, and a cross-site script must ask CORS first.

mod admin;
mod asset;
mod errors;
mod loaders;
mod mutation;
mod query;
mod subscription;
mod types;
mod uploads;

use std::net::SocketAddr;

use async_graphql::extensions::Analyzer;
use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql::{Context, Schema};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Json};
use futures_util::TryStreamExt;
use medialib_core::access::{Access, Principal};
use medialib_core::store::NewAuditEvent;
use medialib_core::{AppError, ErrorCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::{self, ArrayBuilder, OneOfBuilder};

use crate::auth::{Auth, MaybeAuth};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use loaders::Loaders;
use mutation::MediaMutation;
use query::MediaQuery;
use subscription::Subscription;

/// The query root: every query type merged.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub(crate) struct QueryRoot(MediaQuery, admin::AdminQuery);

/// The mutation root: every mutation type merged.
#[derive(async_graphql::MergedObject, Default)]
pub(crate) struct Mutation(MediaMutation, uploads::UploadMutation, admin::AdminMutation);

/// The schema type.
pub(crate) type MediaSchema = Schema<QueryRoot, Mutation, Subscription>;

/// Deepest selection a document may have.
const MAX_DEPTH: usize = 12;
/// Deepest selection of a document that only introspects (every top-level field is
/// `__schema`, `__type` or `__typename`): the standard introspection query of GraphiQL
/// and graphql-js nests `ofType` to depth 15, and its answer is bounded by the schema,
/// not by data.
const MAX_INTROSPECTION_DEPTH: usize = 32;
/// Highest cost a document may have.
const MAX_COMPLEXITY: usize = 1000;
/// Largest JSON request body, in bytes.
const MAX_JSON_BYTES: usize = 1 << 20;
/// Most operations in one batched request.
const MAX_BATCH: usize = 10;
/// The headers that prove a request is not a simple cross-site one.
const PREFLIGHT_HEADERS: [&str; 2] = ["graphql-require-preflight", "apollo-require-preflight"];

/// The schemas: one that answers introspection and suggests field names, for admins
/// (or everyone when configured); the same with room for the standard introspection
/// query, for documents that only introspect; and one that does neither.
#[derive(Clone)]
pub(crate) struct Schemas {
    open: MediaSchema,
    introspection: MediaSchema,
    closed: MediaSchema,
    everyone_open: bool,
}

impl Schemas {
    pub(crate) fn new(state: &AppState) -> Self {
        Self {
            open: build(state, true, MAX_DEPTH),
            introspection: build(state, true, MAX_INTROSPECTION_DEPTH),
            closed: build(state, false, MAX_DEPTH),
            everyone_open: state.catalog.settings.graphql.introspection,
        }
    }

    /// The schema for `caller`, and whether it may introspect.
    fn for_caller(&self, caller: &Principal) -> (&MediaSchema, bool) {
        if self.everyone_open || caller.allows(Access::Admin) {
            (&self.open, true)
        } else {
            (&self.closed, false)
        }
    }
}

fn build(state: &AppState, open: bool, depth: usize) -> MediaSchema {
    let builder = Schema::build(QueryRoot::default(), Mutation::default(), Subscription)
        .data(state.clone())
        .limit_depth(depth)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(Analyzer);
    if open {
        builder.finish()
    } else {
        builder.disable_suggestions().finish()
    }
}

/// The schema in SDL, as `docs/schema.graphql` keeps it.
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), Mutation::default(), Subscription)
        .finish()
        .sdl()
}

pub(crate) fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub(crate) fn principal<'a>(ctx: &Context<'a>) -> &'a Principal {
    ctx.data_unchecked::<Principal>()
}

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The client's address, for the audit log.
#[derive(Clone)]
struct ClientIp(Option<String>);

/// Records a mutation in the audit log as `graphql.<name>`: done (200) or refused
/// access (403); refusals of the request itself change nothing and are not recorded,
/// as for REST.
async fn audit<T>(ctx: &Context<'_>, name: &str, target: &str, outcome: &Result<T, AppError>) {
    let status = match outcome {
        Ok(_) => 200,
        Err(e) if e.code == ErrorCode::Forbidden => 403,
        Err(_) => return,
    };
    let caller = principal(ctx);
    let event = NewAuditEvent {
        namespace: caller.namespace,
        user: Some(caller.user),
        action: format!("graphql.{name}"),
        target: (!target.is_empty()).then(|| target.to_owned()),
        status,
        ip: ctx.data_opt::<ClientIp>().and_then(|ip| ip.0.clone()),
    };
    if let Err(e) = state(ctx).catalog.store.record_audit(event).await {
        tracing::error!(error = %e, action = name, "could not record an audit event");
    }
}

/// One request of `POST /api/v1/graphql` as JSON (GraphQL over HTTP); multipart requests
/// follow the GraphQL multipart request spec instead (`operations`, `map`, files).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the body; async-graphql parses it")]
pub(crate) struct GraphqlBody {
    /// The document. A body without one is answered 200 with a parse error in `errors`,
    /// as every other bad document is.
    #[serde(default)]
    query: String,
    /// `$name` values.
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Which operation of the document to run.
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
}

/// The JSON body: one request, or a batch of at most [`MAX_BATCH`] answered in order.
pub(crate) struct GraphqlRequest;

impl utoipa::PartialSchema for GraphqlRequest {
    fn schema() -> openapi::RefOr<openapi::Schema> {
        let one = || openapi::Ref::from_schema_name("GraphqlBody");
        let batch = ArrayBuilder::new().items(one()).max_items(Some(MAX_BATCH));
        let either = OneOfBuilder::new().item(one()).item(batch).build();
        openapi::RefOr::T(openapi::Schema::OneOf(either))
    }
}

impl ToSchema for GraphqlRequest {
    fn schemas(schemas: &mut Vec<(String, openapi::RefOr<openapi::Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push(("GraphqlBody".into(), GraphqlBody::schema()));
    }
}

/// The answer: one response (`data`, `errors`, `extensions`), or one per request of a
/// batch.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code, reason = "documents the answer; async-graphql writes it")]
pub(crate) enum GraphqlAnswer {
    #[schema(value_type = Object)]
    One(serde_json::Value),
    #[schema(value_type = Vec<Object>)]
    Batch(Vec<serde_json::Value>),
}

/// `POST /api/v1/graphql`: runs a query or mutation (or a batch of at most 10). The
/// answer is `200` with `{data, errors, extensions}` whatever the resolvers decided;
/// a body that is no GraphQL request is `400`, one over 1 MiB `413`.
#[utoipa::path(
    operation_id = "graphql",
    post,
    path = "/graphql",
    tag = "graphql",
    request_body(content = GraphqlRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "the GraphQL response: data, errors, extensions.analyzer; an array of them for a batch", body = GraphqlAnswer),
        (status = 400, description = "not a GraphQL request, or a multipart or cookie request without GraphQL-Require-Preflight", body = ErrorBody),
        (status = 413, description = "a JSON body over 1 MiB, or files over the upload limits", body = ErrorBody),
    )
)]
pub(crate) async fn execute(
    State(state): State<AppState>,
    Extension(schemas): Extension<Schemas>,
    auth: Auth,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().cloned();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let multipart = content_type.starts_with("multipart/");
    let by_cookie = !headers.contains_key(header::AUTHORIZATION);
    if (multipart || by_cookie) && !PREFLIGHT_HEADERS.iter().any(|h| headers.contains_key(*h)) {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "multipart and cookie-authenticated GraphQL requests need a \
             GraphQL-Require-Preflight header",
        ));
    }
    let batch = read_batch(&state, &content_type, multipart, body).await?;
    let (schema, introspect) = schemas.for_caller(&auth);
    let ip = ClientIp(peer.map(|ConnectInfo(p)| p.ip().to_string()));
    let mut responses = Vec::new();
    for request in batch {
        let mut request = request
            .data(auth.0.clone())
            .data(Loaders::new(&state.catalog.store))
            .data(ip.clone());
        if !introspect {
            request = request.disable_introspection();
        }
        let mut response = match async_graphql::parser::parse_query(&request.query) {
            Ok(document) if introspect && only_introspects(&document) => {
                schemas.introspection.execute(request).await
            }
            Ok(_) => schema.execute(request).await,
            Err(e) => {
                async_graphql::Response::from_errors(vec![errors::parse_failed(e.to_string())])
            }
        };
        errors::classify(&mut response);
        responses.push(response);
    }
    Ok(match responses.len() {
        1 => Json(responses.pop()).into_response(),
        _ => Json(responses).into_response(),
    })
}

/// Reads the request's operations: JSON of at most 1 MiB, or a multipart upload within
/// the upload limits.
async fn read_batch(
    state: &AppState,
    content_type: &str,
    multipart: bool,
    body: Body,
) -> Result<Vec<async_graphql::Request>, ApiError> {
    let limits = &state.catalog.settings.limits;
    let max_body = if multipart {
        usize::try_from(limits.max_request_bytes).unwrap_or(usize::MAX)
    } else {
        MAX_JSON_BYTES
    };
    let too_large = || {
        ApiError::new(
            ErrorCode::InvalidBodyTooLarge,
            format!("the request body is over its limit of {max_body} bytes"),
        )
    };
    let mut received = 0usize;
    let reader = body
        .into_data_stream()
        .map_err(std::io::Error::other)
        .and_then(move |chunk| {
            received += chunk.len();
            let over = received > max_body;
            async move {
                match over {
                    true => Err(std::io::Error::other(OverLimit)),
                    false => Ok(chunk),
                }
            }
        })
        .into_async_read();
    let reader: std::pin::Pin<Box<dyn futures_util::AsyncRead + Send>> = if multipart {
        Box::pin(reader)
    } else {
        let bytes = json_requests(Box::pin(reader)).await?;
        Box::pin(futures_util::io::Cursor::new(bytes))
    };
    let options = MultipartOptions::default()
        .max_file_size(usize::try_from(limits.max_upload_bytes).unwrap_or(usize::MAX))
        .max_num_files(limits.max_files_per_request);
    let batch = async_graphql::http::receive_batch_body(Some(content_type), reader, options)
        .await
        .map_err(|e| match e {
            async_graphql::ParseRequestError::PayloadTooLarge => too_large(),
            async_graphql::ParseRequestError::Io(io)
                if io.get_ref().is_some_and(|e| e.is::<OverLimit>()) =>
            {
                too_large()
            }
            other => ApiError::new(
                ErrorCode::InvalidBody,
                format!("this is not a GraphQL request: {other}"),
            ),
        })?;
    let requests = match batch {
        async_graphql::BatchRequest::Single(one) => vec![one],
        async_graphql::BatchRequest::Batch(many) => many,
    };
    if requests.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!(
            "a batch holds at most {MAX_BATCH} operations"
        )));
    }
    Ok(requests)
}

/// Whether every operation of `document` selects only `__schema`, `__type` or
/// `__typename` at its top level (fragments there count as data).
fn only_introspects(document: &async_graphql::parser::types::ExecutableDocument) -> bool {
    use async_graphql::parser::types::Selection;
    document.operations.iter().all(|(_, operation)| {
        let items = &operation.node.selection_set.node.items;
        !items.is_empty()
            && items.iter().all(|item| match &item.node {
                Selection::Field(field) => field.node.name.node.starts_with("__"),
                _ => false,
            })
    })
}

/// The JSON body, read whole (it is at most [`MAX_JSON_BYTES`]), if it is a request
/// object or an array of them: async-graphql would also take a bare string as a document.
async fn json_requests(
    mut reader: impl futures_util::AsyncRead + Unpin,
) -> Result<Vec<u8>, ApiError> {
    use futures_util::AsyncReadExt;
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes).await {
        return Err(match e.get_ref().is_some_and(|e| e.is::<OverLimit>()) {
            true => ApiError::new(
                ErrorCode::InvalidBodyTooLarge,
                format!("the request body is over its limit of {MAX_JSON_BYTES} bytes"),
            ),
            false => ApiError::new(ErrorCode::InvalidBody, "the request body could not be read"),
        });
    }
    let shaped = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(_)) => true,
        Ok(serde_json::Value::Array(items)) => items.iter().all(serde_json::Value::is_object),
        _ => false,
    };
    if !shaped {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "a GraphQL request is a JSON object with `query` (and `variables`, \
             `operationName`), or an array of such objects",
        ));
    }
    Ok(bytes)
}

/// The subscriptions' WebSocket, `GET /api/v1/graphql/ws`: not an OpenAPI operation, so
/// served beside the documented API.
pub(crate) fn websocket_routes(schemas: Schemas) -> axum::Router<AppState> {
    axum::Router::new().route(
        "/api/v1/graphql/ws",
        axum::routing::get(subscription::websocket).layer(Extension(schemas)),
    )
}

/// A request body that went past its limit.
#[derive(Debug, thiserror::Error)]
#[error("the request body is over its limit")]
struct OverLimit;

/// `GET /api/v1/graphql`: GraphiQL, for signed-in browser sessions (it loads its
/// scripts from a CDN in the browser).
#[utoipa::path(
    operation_id = "graphiql",
    get,
    path = "/graphql",
    tag = "graphql",
    responses(
        (status = 200, description = "the GraphiQL page", content_type = "text/html"),
        (status = 401, description = "not signed in with a browser session", body = ErrorBody),
    )
)]
pub(crate) async fn graphiql(
    MaybeAuth(caller): MaybeAuth,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let session = crate::session::cookie_id(&headers).is_some();
    if caller.is_none() || !session || headers.contains_key(header::AUTHORIZATION) {
        return Err(ApiError::unauthorized());
    }
    Ok(Html(
        GraphiQLSource::build()
            .endpoint("/api/v1/graphql")
            .subscription_endpoint("/api/v1/graphql/ws")
            .header("GraphQL-Require-Preflight", "1")
            .title("medialib GraphQL")
            .finish(),
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// `docs/schema.graphql` is the schema clients generate code from: it must be the
    /// served one. `MEDIALIB_WRITE_SCHEMA=1 cargo test -p medialib-server --lib graphql`
    /// rewrites it after a deliberate change.
    #[test]
    fn the_exported_schema_is_the_served_one() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema.graphql");
        let served = super::sdl();
        if std::env::var_os("MEDIALIB_WRITE_SCHEMA").is_some() {
            std::fs::write(&path, &served).unwrap();
        }
        let exported = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            exported == served,
            "docs/schema.graphql is stale: rerun with MEDIALIB_WRITE_SCHEMA=1"
        );
    }
}
