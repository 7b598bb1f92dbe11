//! The authorization matrix's table: each route, and what each kind of caller gets.

use reqwest::Method;

/// Who calls, in the order of the table's columns.
pub(super) const CALLERS: [&str; 6] = [
    "anonymous",
    "viewer",
    "editor (owner)",
    "editor (other)",
    "admin",
    "other namespace's admin",
];

/// One route: method, path as the API description spells it, an optional JSON body
/// (`{asset}` stands for the fixture asset's id, `{unique}` for a number no other cell
/// uses), and the status each caller gets.
pub(super) struct Row {
    pub method: Method,
    pub path: &'static str,
    pub body: Option<&'static str>,
    pub expect: [u16; 6],
}

fn row(method: Method, path: &'static str, body: Option<&'static str>, expect: [u16; 6]) -> Row {
    Row {
        method,
        path,
        body,
        expect,
    }
}

/// The table. Reads: viewers and up, 404 across namespaces. Organising (tags,
/// collections, usage): editors and up. Changing an asset: its uploader or an admin.
/// Members, the audit log and users' data: admins. Tokens: everyone, their own only.
pub(super) fn table() -> Vec<Row> {
    use Method as M;
    const READ: [u16; 6] = [401, 200, 200, 200, 200, 404];
    const ORGANISE_LIST: [u16; 6] = [401, 200, 200, 200, 200, 200];
    vec![
        row(M::GET, "/healthz", None, [200; 6]),
        row(M::GET, "/readyz", None, [200; 6]),
        // Open without `metrics.token` (`tests/metrics.rs` covers the token).
        row(M::GET, "/metrics", None, [200; 6]),
        row(M::GET, "/api/v1/assets", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/assets",
            None,
            [401, 403, 201, 201, 201, 201],
        ),
        row(
            M::POST,
            "/api/v1/assets/import",
            Some(r#"{"url":"http://127.0.0.1:9/x.jpg"}"#),
            // Allowed callers reach the fetch, which the SSRF guard refuses.
            [401, 403, 422, 422, 422, 422],
        ),
        row(M::GET, "/api/v1/assets/unused", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/assets/duplicates", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/assets/bulk",
            Some(r#"{"action":"delete","ids":["{asset}"],"force":true}"#),
            [401, 403, 200, 403, 200, 409],
        ),
        row(
            M::POST,
            "/api/v1/assets/download",
            Some(r#"{"ids":["{asset}"]}"#),
            READ,
        ),
        row(M::GET, "/api/v1/assets/{id}", None, READ),
        row(
            M::PATCH,
            "/api/v1/assets/{id}",
            Some(r#"{"title":"Renamed"}"#),
            [401, 403, 200, 403, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/assets/{id}",
            None,
            [401, 403, 204, 403, 204, 404],
        ),
        row(
            M::POST,
            "/api/v1/assets/{id}/restore",
            None,
            [401, 403, 200, 403, 200, 404],
        ),
        // Each editor empties their own part of the trash; admins the namespace's.
        row(
            M::DELETE,
            "/api/v1/trash",
            None,
            [401, 403, 200, 200, 200, 200],
        ),
        row(M::GET, "/api/v1/assets/{id}/variants", None, READ),
        row(M::GET, "/api/v1/assets/{id}/text", None, READ),
        row(M::GET, "/api/v1/assets/{id}/pages/{page}", None, READ),
        // The fixture is a picture, which has no glTF form: readers learn that it has none.
        row(
            M::GET,
            "/api/v1/assets/{id}/model.glb",
            None,
            [401, 404, 404, 404, 404, 404],
        ),
        row(M::GET, "/api/v1/assets/{id}/signed-url", None, READ),
        row(
            M::POST,
            "/api/v1/assets/{id}/transform-url",
            Some(r#"{"ops":"w_64"}"#),
            READ,
        ),
        row(M::GET, "/api/v1/assets/{id}/responsive", None, READ),
        row(M::GET, "/api/v1/assets/{id}/derivatives", None, READ),
        row(
            M::DELETE,
            "/api/v1/assets/{id}/derivatives",
            None,
            [401, 403, 200, 403, 200, 404],
        ),
        // A key that names no result: callers allowed to delete learn that it is not there.
        row(
            M::DELETE,
            "/api/v1/assets/{id}/derivatives/{key}",
            None,
            [401, 403, 404, 403, 404, 404],
        ),
        row(
            M::POST,
            "/api/v1/assets/{id}/tags",
            Some(r#"{"tags":["goal"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/assets/{id}/tags/{slug}",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        // The fixture's tag is a user tag: callers allowed to review learn it is no
        // automatic one.
        row(
            M::POST,
            "/api/v1/assets/{id}/tags/{slug}/accept",
            None,
            [401, 403, 404, 403, 404, 404],
        ),
        row(
            M::POST,
            "/api/v1/assets/{id}/tags/{slug}/reject",
            None,
            [401, 403, 404, 403, 404, 404],
        ),
        // The fixture asset was never moderated: nothing to clear.
        row(
            M::POST,
            "/api/v1/assets/{id}/moderation/clear",
            None,
            [401, 403, 403, 403, 409, 404],
        ),
        // The fixture asset is still processing (no workers): nothing to analyse yet.
        row(
            M::POST,
            "/api/v1/assets/{id}/analyse",
            None,
            [401, 403, 409, 403, 409, 404],
        ),
        row(M::GET, "/api/v1/assets/{id}/similar", None, READ),
        row(M::GET, "/api/v1/recommendations", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/assets/{id}/usage", None, READ),
        row(
            M::POST,
            "/api/v1/assets/{id}/usage",
            Some(r#"{"entity_type":"article","entity_id":"42","usage_type":"hero"}"#),
            [401, 403, 201, 201, 201, 404],
        ),
        // With `?entity_type=article&entity_id=7`, the fixture's usage.
        row(
            M::DELETE,
            "/api/v1/assets/{id}/usage",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        row(M::GET, "/api/v1/tags", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/tags",
            Some(r#"{"name":"New tag {unique}"}"#),
            [401, 403, 201, 201, 201, 201],
        ),
        row(M::GET, "/api/v1/tags/{id}", None, READ),
        row(
            M::PATCH,
            "/api/v1/tags/{id}",
            Some(r#"{"description":"d"}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/tags/{id}",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        row(M::GET, "/api/v1/collections", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/collections",
            Some(r#"{"title":"New collection {unique}"}"#),
            [401, 403, 201, 201, 201, 201],
        ),
        row(M::GET, "/api/v1/collections/{id}", None, READ),
        row(
            M::PATCH,
            "/api/v1/collections/{id}",
            Some(r#"{"title":"Renamed"}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/collections/{id}",
            None,
            [401, 403, 204, 204, 204, 404],
        ),
        row(M::GET, "/api/v1/collections/{id}/items", None, READ),
        row(
            M::POST,
            "/api/v1/collections/{id}/items",
            Some(r#"{"asset_ids":["{asset}"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::PUT,
            "/api/v1/collections/{id}/items",
            Some(r#"{"asset_ids":["{asset}"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/collections/{id}/items",
            Some(r#"{"asset_ids":["{asset}"]}"#),
            [401, 403, 200, 200, 200, 404],
        ),
        row(M::GET, "/api/v1/jobs/{id}", None, READ),
        row(
            M::POST,
            "/api/v1/jobs/{id}/cancel",
            None,
            [401, 403, 200, 403, 200, 404],
        ),
        row(M::GET, "/api/v1/analytics/storage", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/analytics/uploads", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/analytics/top", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/analytics/failures", None, ORGANISE_LIST),
        row(M::OPTIONS, "/api/v1/uploads", None, [204; 6]),
        row(
            M::POST,
            "/api/v1/uploads",
            None,
            [401, 403, 201, 201, 201, 201],
        ),
        // A tus upload is its creator's (the owning editor): 404 for everyone else.
        row(
            M::HEAD,
            "/api/v1/uploads/{id}",
            None,
            [401, 403, 200, 404, 404, 404],
        ),
        row(
            M::PATCH,
            "/api/v1/uploads/{id}",
            None,
            [401, 403, 204, 404, 404, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/uploads/{id}",
            None,
            [401, 403, 204, 404, 404, 404],
        ),
        row(
            M::POST,
            "/api/v1/uploads/chunked",
            Some(r#"{"file_name":"a.jpg","file_size":10}"#),
            [401, 403, 201, 201, 201, 201],
        ),
        // A chunked upload is its creator's too.
        row(
            M::GET,
            "/api/v1/uploads/chunked/{id}",
            None,
            [401, 403, 200, 404, 404, 404],
        ),
        row(
            M::PUT,
            "/api/v1/uploads/chunked/{id}/chunks/{index}",
            None,
            [401, 403, 204, 404, 404, 404],
        ),
        // No chunk has arrived, so the owner's finalize is refused for that.
        row(
            M::POST,
            "/api/v1/uploads/chunked/{id}/finalize",
            None,
            [401, 403, 409, 404, 404, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/uploads/chunked/{id}",
            None,
            [401, 403, 204, 404, 404, 404],
        ),
        row(M::GET, "/api/v1/tokens", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/tokens",
            Some(r#"{"name":"ci","scopes":"read"}"#),
            [401, 201, 201, 201, 201, 201],
        ),
        // The fixture token is the owning editor's: nobody else can revoke it.
        row(
            M::DELETE,
            "/api/v1/tokens/{id}",
            None,
            [401, 404, 204, 404, 404, 404],
        ),
        row(
            M::GET,
            "/api/v1/members",
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        // Users are instance-wide: another namespace's admin may add this one to theirs.
        row(
            M::PUT,
            "/api/v1/members/{user_id}",
            Some(r#"{"role":"viewer"}"#),
            [401, 403, 403, 403, 200, 200],
        ),
        row(
            M::DELETE,
            "/api/v1/members/{user_id}",
            None,
            [401, 403, 403, 403, 204, 404],
        ),
        // Webhooks: admins, each of their own namespace's.
        row(
            M::GET,
            "/api/v1/webhooks",
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        row(
            M::POST,
            "/api/v1/webhooks",
            Some(r#"{"url":"http://127.0.0.1:9/{unique}","events":["asset.ready"]}"#),
            [401, 403, 403, 403, 201, 201],
        ),
        row(
            M::GET,
            "/api/v1/webhooks/{id}",
            None,
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::PATCH,
            "/api/v1/webhooks/{id}",
            Some(r#"{"description":"CMS"}"#),
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/webhooks/{id}",
            None,
            [401, 403, 403, 403, 204, 404],
        ),
        row(
            M::GET,
            "/api/v1/webhooks/{id}/deliveries",
            None,
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::POST,
            "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver",
            None,
            [401, 403, 403, 403, 202, 404],
        ),
        // Each admin reads their own namespace's log.
        row(
            M::GET,
            "/api/v1/audit",
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        // A user's data: their namespace's admins (the fixture user is a viewer there,
        // not one of the callers); other namespaces do not see them.
        row(
            M::GET,
            "/api/v1/users/{user_id}/export",
            None,
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::POST,
            "/api/v1/users/{user_id}/anonymize",
            None,
            [401, 403, 403, 403, 200, 404],
        ),
        // GraphQL answers every credential (what each may do is the matrix in
        // `graphql/authorization.rs`); GraphiQL is for browser sessions only.
        row(
            M::POST,
            "/api/v1/graphql",
            Some(r#"{"query":"{ me { name } }"}"#),
            [401, 200, 200, 200, 200, 200],
        ),
        row(M::GET, "/api/v1/graphql", None, [401; 6]),
        // Tenants: admins see and change their own namespace; only the instance owner
        // (no column here: `tenants.rs`) creates, deletes or sets quotas.
        row(
            M::GET,
            "/api/v1/namespaces",
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        row(
            M::POST,
            "/api/v1/namespaces",
            Some(r#"{"slug":"ns-{unique}"}"#),
            [401, 403, 403, 403, 403, 403],
        ),
        row(
            M::GET,
            "/api/v1/namespaces/{slug}",
            None,
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::PATCH,
            "/api/v1/namespaces/{slug}",
            Some(r#"{"name":"Home {unique}"}"#),
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/namespaces/{slug}",
            None,
            [401, 403, 403, 403, 403, 403],
        ),
        row(
            M::GET,
            "/api/v1/users",
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        row(
            M::POST,
            "/api/v1/users",
            Some(r#"{"name":"user-{unique}"}"#),
            [401, 403, 403, 403, 201, 201],
        ),
        row(
            M::GET,
            "/api/v1/users/{user_id}",
            None,
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::PATCH,
            "/api/v1/users/{user_id}",
            Some(r#"{"name":"renamed-{unique}"}"#),
            [401, 403, 403, 403, 200, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/users/{user_id}",
            None,
            [401, 403, 403, 403, 204, 404],
        ),
        // Sessions: anyone may ask who they are; a login checks the password, not the
        // token; a logout without a session only clears the cookie.
        row(M::GET, "/api/v1/session", None, ORGANISE_LIST),
        row(M::GET, "/api/v1/capabilities", None, ORGANISE_LIST),
        row(
            M::POST,
            "/api/v1/session",
            Some(r#"{"name":"nobody","password":"not this one"}"#),
            [401; 6],
        ),
        row(M::DELETE, "/api/v1/session", None, [204; 6]),
        // Private asset delivery: a token of its namespace; anonymous callers are asked
        // for one.
        row(
            M::GET,
            "/files/{id}/{filename}",
            None,
            [401, 200, 200, 200, 200, 404],
        ),
        row(
            M::GET,
            "/variants/{id}/{file}",
            None,
            [401, 200, 200, 200, 200, 404],
        ),
        // Transforms of a private asset: its namespace's tokens, or a signature (which
        // anonymous callers are refused for lacking).
        row(
            M::GET,
            "/img/{id}/{rev}/{ops}/{file}",
            None,
            [403, 200, 200, 200, 200, 404],
        ),
    ]
}
