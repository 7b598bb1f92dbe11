//! The API description (OpenAPI 3.1, generated from the handlers' `#[utoipa::path]`
//! attributes and the DTOs' schemas), served as JSON and as an interactive page.

use axum::Router;
use axum::routing::get;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_scalar::{Scalar, Servable};

use crate::error::ErrorBody;

mod limits;

use crate::state::AppState;
pub(crate) use limits::apply as apply_limits;

/// The description's fixed parts; the paths come from the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "medialib",
        description = "Upload, process, organise, find and deliver images, video, audio, \
            documents and 3D models. Every API call needs `Authorization: Bearer <token>`; \
            errors are `{\"error\": {\"code\", \"message\"}}` with the matching status.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    components(schemas(ErrorBody)),
    tags(
        (name = "assets", description = "Upload, search, read, edit, delete and restore assets"),
        (name = "tags", description = "Tags of the namespace and on assets"),
        (name = "collections", description = "Ordered sets of assets"),
        (name = "webhooks", description = "Endpoints told of changes, signed per Standard Webhooks"),
        (name = "usage", description = "Where assets are used"),
        (name = "jobs", description = "Background processing and transcodes"),
        (name = "analytics", description = "Storage, uploads, deliveries, failures"),
        (name = "tokens", description = "The caller's API tokens"),
        (name = "members", description = "Roles in the namespace (its admins)"),
        (name = "audit", description = "Who wrote what, when and from where (admins)"),
        (name = "namespaces", description = "Tenants: the instance owner's; admins read and rename their own"),
        (name = "users", description = "User accounts, and a user's data: export and anonymization (GDPR)"),
        (name = "session", description = "Password login for browsers (a session cookie), logout, and who the caller is"),
        (name = "delivery", description = "Originals and variants for browsers and CDNs"),
        (name = "graphql", description = "The same API in GraphQL; subscriptions at /api/v1/graphql/ws"),
        (name = "meta", description = "Health, and what the server accepts and does")
    )
)]
pub(crate) struct ApiDoc;

/// Declares the `bearer` security scheme the operations refer to.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds the answers the API's shared machinery gives to every operation that can meet it,
/// where the operation's own description does not already list them:
/// - behind a token (no `security` of its own): 401 (no, unknown, revoked or expired
///   credentials) and 403 (the role or the token's scopes fall short, or a cookie write
///   came from another site);
/// - with query parameters: 400 `invalid_query` (one that does not parse, or that the
///   operation does not take);
/// - with a JSON body: 400 `invalid_json` (not JSON at all) and 422 `invalid_request` (a
///   field missing, unknown or of the wrong type);
/// - under `/api/v1`: 429 `rate_limited`, with `Retry-After` in seconds;
/// - with a path parameter where another route has a literal (`/assets/{id}` beside
///   `/assets/import`): 405 when that literal is given and its route lacks the method.
pub(crate) fn add_common_errors(spec: &mut utoipa::openapi::OpenApi) {
    let shadowed = shadowed_methods(spec);
    for (path, item) in spec.paths.paths.iter_mut() {
        for method in shadowed.get(path).into_iter().flatten() {
            let operation = match method {
                HttpMethod::Get => &mut item.get,
                HttpMethod::Put => &mut item.put,
                HttpMethod::Post => &mut item.post,
                HttpMethod::Delete => &mut item.delete,
                HttpMethod::Patch => &mut item.patch,
                _ => continue,
            };
            if let Some(operation) = operation {
                operation
                    .responses
                    .responses
                    .entry("405".to_owned())
                    .or_insert_with(|| {
                        error_response("the parameter names another route of this path, which does not take this method")
                    });
            }
        }
        for operation in limits::operations_of(item) {
            let mut answers = Vec::new();
            if operation.security.is_none() {
                answers.push(("401", "no, unknown, revoked or expired credentials"));
                answers.push(("403", "the role or the token's scopes do not allow it"));
            }
            if takes_query(operation) {
                answers.push((
                    "400",
                    "a query parameter that does not parse, or that this operation does not take (invalid_query)",
                ));
            }
            if takes_json(operation) {
                answers.push(("400", "the body is not JSON (invalid_json)"));
                answers.push((
                    "422",
                    "a field missing, unknown, of the wrong type or out of range (invalid_request)",
                ));
            }
            let responses = &mut operation.responses.responses;
            for (status, description) in answers {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(description));
            }
            if path.starts_with("/api/v1/") {
                responses
                    .entry("429".to_owned())
                    .or_insert_with(rate_limited);
            }
        }
    }
}

/// utoipa describes `u32` and `u64` as `int32` and `int64` with `minimum: 0`, formats
/// that are signed (OpenAPI 3.1 §4.2): a client trusting them would think values above
/// 2^31 − 1 or 2^63 − 1 are refused, which the server accepts. Such schemas lose the
/// format and state the unsigned maximum instead, unless a field gives its own.
pub(crate) fn unsigned_integers(spec: &mut utoipa::openapi::OpenApi) {
    let Ok(mut json) = serde_json::to_value(&*spec) else {
        return;
    };
    unsigned_bounds(&mut json);
    if let Ok(unsigned) = serde_json::from_value(json) {
        *spec = unsigned;
    }
}

fn unsigned_bounds(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let unsigned = map.get("minimum").and_then(Value::as_u64) == Some(0);
            let maximum = match map.get("format").and_then(Value::as_str) {
                Some("int32") if unsigned => Some(u64::from(u32::MAX)),
                Some("int64") if unsigned => Some(u64::MAX),
                _ => None,
            };
            if let Some(maximum) = maximum {
                map.remove("format");
                map.entry("maximum").or_insert(maximum.into());
            }
            map.values_mut().for_each(unsigned_bounds);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_bounds),
        _ => {}
    }
}

/// Per templated path, the methods it has that a literal sibling lacks: a request for the
/// literal with such a method is answered 405 by the literal's route.
fn shadowed_methods(
    spec: &utoipa::openapi::OpenApi,
) -> std::collections::HashMap<String, Vec<HttpMethod>> {
    let methods = |item: &PathItem| {
        [
            (HttpMethod::Get, item.get.is_some()),
            (HttpMethod::Put, item.put.is_some()),
            (HttpMethod::Post, item.post.is_some()),
            (HttpMethod::Delete, item.delete.is_some()),
            (HttpMethod::Patch, item.patch.is_some()),
        ]
        .into_iter()
        .filter_map(|(method, has)| has.then_some(method))
        .collect::<Vec<_>>()
    };
    let paths = &spec.paths.paths;
    let mut shadowed = std::collections::HashMap::new();
    for (path, item) in paths {
        let segments: Vec<&str> = path.split('/').collect();
        for (other, other_item) in paths {
            let others: Vec<&str> = other.split('/').collect();
            let literal_where_param = segments.len() == others.len()
                && segments
                    .iter()
                    .zip(&others)
                    .all(|(a, b)| a == b || a.starts_with('{'))
                && segments
                    .iter()
                    .zip(&others)
                    .any(|(a, b)| a.starts_with('{') && !b.starts_with('{'));
            if literal_where_param {
                let theirs = methods(other_item);
                let missing = methods(item).into_iter().filter(|m| !theirs.contains(m));
                shadowed
                    .entry(path.clone())
                    .or_insert_with(Vec::new)
                    .extend(missing);
            }
        }
    }
    shadowed
}

fn takes_query(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query))
    })
}

fn takes_json(operation: &Operation) -> bool {
    matches!(&operation.request_body, Some(RefOr::T(body)) if body.content.contains_key("application/json"))
}

/// 429 with its `Retry-After` (whole seconds, RFC 9110 §10.2.3).
fn rate_limited() -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let retry_after = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        ))
        .description(Some("seconds until a retry can succeed"))
        .build();
    ResponseBuilder::new()
        .description("over the token's request rate (rate_limited)")
        .header("Retry-After", retry_after)
        .content("application/json", content)
        .build()
        .into()
}

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
        .into()
}

/// `GET /api/v1/openapi.json` (the description) and `GET /api/v1/docs` (Scalar's
/// interactive page for it; the page loads its script from a CDN in the browser).
pub(crate) fn routes(spec: utoipa::openapi::OpenApi) -> Router<AppState> {
    let json = spec.to_json().unwrap_or_else(|_| "{}".into());
    let page: Router<AppState> = Scalar::with_url("/api/v1/docs", spec).into();
    Router::new()
        .route(
            "/api/v1/openapi.json",
            get(move || async move { ([("content-type", "application/json")], json) }),
        )
        .merge(page)
}
