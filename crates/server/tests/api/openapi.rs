//! The API description: generated from the code, it lists every route with its schemas,
//! and every route it lists is served.

use std::collections::BTreeSet;

use medialib_core::ErrorCode;
use serde_json::Value;

use crate::helpers::spawn_app;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every `$ref` in the description, e.g. `#/components/schemas/AssetDto`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_route_is_described_and_every_description_is_served() {
    let app = spawn_app().await;
    let (status, spec) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("ErrorBody") && schemas.contains_key("AssetDto"));

    // Every reference resolves: no operation points at a schema the description lacks.
    let mut all = Vec::new();
    refs(&spec, &mut all);
    for r in &all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(schemas.contains_key(name), "dangling reference {r}");
    }

    let paths = spec["paths"].as_object().unwrap();
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| METHODS.iter().filter_map(|m| item.get(*m)))
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    ids.sort();
    // Every operation behind a token says it can answer 401 and 403.
    for (path, item) in paths {
        for (method, op) in METHODS.iter().filter_map(|m| Some((m, item.get(*m)?))) {
            if op.get("security").is_none() {
                for status in ["401", "403"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path} does not document {status}"
                    );
                }
            }
        }
    }
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids repeat");
    let mut operations = 0;
    for (path, item) in paths {
        let url = path
            .replace("{id}", "01900000-0000-7000-8000-000000000000")
            .replace("{slug}", "x")
            .replace("{filename}", "x.jpg")
            .replace("{file}", "x.webp");
        for method in METHODS {
            let request = app
                .client
                .request(method.to_uppercase().parse().unwrap(), app.url(&url));
            let request = if method == "get" {
                request
            } else {
                request.json(&serde_json::json!({}))
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            match item.get(method) {
                Some(op) => {
                    operations += 1;
                    // Served: whatever the answer, it is not the router's "no such route".
                    let unrouted = status == 405
                        || (status == 404 && body["error"]["message"] == "route not found");
                    assert!(!unrouted, "{method} {path} is described but not served");
                    let responses = op["responses"].as_object().unwrap();
                    assert!(
                        !op["description"].as_str().unwrap_or("").is_empty()
                            || !op["summary"].as_str().unwrap_or("").is_empty(),
                        "{method} {path} has no description"
                    );
                    // Health checks take no input, so no client error: liveness has no
                    // error at all, readiness its 503.
                    match path.as_str() {
                        "/healthz" => {}
                        "/readyz" => assert!(responses.contains_key("503"), "{path}"),
                        _ => assert!(
                            responses.keys().any(|k| k.starts_with('4')),
                            "{method} {path} describes no error"
                        ),
                    }
                }
                // Not described: then it must not be served either.
                None => assert_eq!(
                    status, 405,
                    "{method} {path} is served but not described: {body}"
                ),
            }
        }
    }
    assert!(operations >= 39, "only {operations} operations described");

    // The interactive page embeds the same description.
    let response = app
        .client
        .get(app.url("/api/v1/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("scalar") && page.contains("/api/v1/assets/bulk"),
        "{page:.300}"
    );
}

/// Routes can only be added through `routes!`, which takes the path from the handler's
/// description: a plain `.route(` would serve an undescribed endpoint.
#[test]
fn the_router_registers_routes_only_with_their_descriptions() {
    let source = include_str!("../../src/routes/mod.rs");
    assert!(
        !source.contains(".route("),
        "routes/mod.rs registers a route without routes!"
    );
}

/// The description documents the error registry: the `code` of every error body is an
/// enum of exactly the registry's strings, and every error status an operation documents
/// is one some code is sent with.
#[tokio::test]
async fn the_description_documents_the_error_registry() {
    let app = spawn_app().await;
    let (status, spec) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let schemas = &spec["components"]["schemas"];
    assert_eq!(
        schemas["ErrorBody"]["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorDto"
    );
    let listed: BTreeSet<&str> = schemas["ErrorDto"]["properties"]["code"]["enum"]
        .as_array()
        .expect("ErrorDto.code is an enum")
        .iter()
        .map(|code| code.as_str().unwrap())
        .collect();
    let registry: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, registry);

    let statuses: BTreeSet<u16> = ErrorCode::ALL.iter().map(|c| c.http_status()).collect();
    let mut documented = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in METHODS.iter().filter_map(|m| Some((m, item.get(*m)?))) {
            for status in op["responses"].as_object().unwrap().keys() {
                let status: u16 = status.parse().unwrap();
                if status >= 400 {
                    documented += 1;
                    assert!(
                        statuses.contains(&status),
                        "{method} {path} documents {status}, which no error code is sent with"
                    );
                }
            }
        }
    }
    assert!(
        documented > 100,
        "only {documented} error responses documented"
    );
}
