//! The API description (OpenAPI 3.1, generated from the handlers' `#[utoipa::path]`
//! attributes and the DTOs' schemas), served as JSON and as an interactive page.

use axum::Router;
use axum::routing::get;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_scalar::{Scalar, Servable};

use crate::error::ErrorBody;
use crate::state::AppState;

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

/// Adds the answers every operation behind a token can give to those whose description
/// does not list them: 401 (no, unknown, revoked or expired credentials) and 403 (the
/// role or the token's scopes fall short, or a cookie write came from another site).
/// Operations that state their own `security` (public ones) are left as they are.
pub(crate) fn add_auth_errors(spec: &mut utoipa::openapi::OpenApi) {
    for item in spec.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
        ];
        for operation in operations.into_iter().flatten() {
            if operation.security.is_some() {
                continue;
            }
            for (status, description) in [
                ("401", "no, unknown, revoked or expired credentials"),
                ("403", "the role or the token's scopes do not allow it"),
            ] {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(description));
            }
        }
    }
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
