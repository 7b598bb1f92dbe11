//! The authorization matrix: every route of the API and of delivery, for every kind of
//! caller, from one table. Each cell runs on fresh fixtures (an asset uploaded by the
//! owning editor, a tag, a collection, a usage, a job, a tus upload, a token), so that
//! one cell's deletion cannot decide another's answer. A route missing from the table,
//! or a row naming a route that does not exist, fails the test.

pub(crate) mod fixtures;
mod table;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::spawn_app_with;
use fixtures::{
    UNIQUE, callers, documented_routes, fill, fixture, processed_pdf, send, unique_png,
};
use table::{CALLERS, table};

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let app = spawn_app_with(|_| {}, false).await;
    let callers = callers(&app).await;
    let table = table();

    let listed: BTreeSet<String> = table
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let documented = documented_routes(&app).await;
    let missing: Vec<_> = documented.difference(&listed).collect();
    let unknown: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the matrix: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "matrix rows naming no route: {unknown:?}"
    );

    let processed = processed_pdf(&app, &callers).await;
    let mut wrong = Vec::new();
    for row in &table {
        for (i, expected) in row.expect.iter().enumerate() {
            let mut f = fixture(&app, &callers, &processed).await;
            if row.path.contains("/webhooks/{id}") {
                f.webhook = fixtures::webhook(&app, callers.tokens[4].as_deref()).await;
            }
            let mut path = fill(row.path, &f, &processed);
            if (row.method.clone(), row.path) == (Method::DELETE, "/api/v1/assets/{id}") {
                // The fixture asset is in use: deleting it needs `force`.
                path.push_str("?force=true");
            }
            if (row.method.clone(), row.path) == (Method::DELETE, "/api/v1/assets/{id}/usage") {
                path.push_str("?entity_type=article&entity_id=7");
            }
            if row.path == "/api/v1/recommendations" {
                path.push_str("?entity_type=article&entity_id=7");
            }
            let body: Option<Value> = row.body.map(|b| {
                let unique = UNIQUE.fetch_add(1, Ordering::Relaxed).to_string();
                let b = b.replace("{asset}", &f.asset).replace("{unique}", &unique);
                serde_json::from_str(&b).unwrap()
            });
            let token = callers.tokens[i].as_deref();
            if row.path.ends_with("/restore") {
                let trash = format!("/api/v1/assets/{}?force=true", f.asset);
                send(
                    &app,
                    callers.tokens[4].as_deref(),
                    Method::DELETE,
                    &trash,
                    None,
                )
                .await;
            }
            let mut request = app.anonymous().request(row.method.clone(), app.url(&path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request = match (row.method.as_str(), row.path) {
                ("POST", "/api/v1/assets") => request.multipart(
                    Form::new().part("file", Part::bytes(unique_png()).file_name("new.png")),
                ),
                ("POST", "/api/v1/uploads") => request
                    .header("Tus-Resumable", "1.0.0")
                    .header("Upload-Length", "10"),
                ("HEAD" | "DELETE", "/api/v1/uploads/{id}") => {
                    request.header("Tus-Resumable", "1.0.0")
                }
                ("PUT", "/api/v1/uploads/chunked/{id}/chunks/{index}") => {
                    request.body(vec![1u8; 10])
                }
                ("PATCH", "/api/v1/uploads/{id}") => request
                    .header("Tus-Resumable", "1.0.0")
                    .header("Upload-Offset", "0")
                    .header("Content-Type", "application/offset+octet-stream")
                    .body(vec![1u8; 5]),
                _ => match body {
                    Some(body) => request.json(&body),
                    None => request,
                },
            };
            let status = request.send().await.unwrap().status().as_u16();
            if status != *expected {
                wrong.push(format!(
                    "{} {} as {}: {status}, expected {expected}",
                    row.method, row.path, CALLERS[i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
