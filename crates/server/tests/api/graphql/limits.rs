//! Every refusal of a GraphQL request: credentials, documents that do not parse, are too
//! deep or too complex, pages too large, bodies too large, introspection for non-admins,
//! the preflight header, forbidden fields next to resolved ones, other namespaces' ids.

use medialib_core::NamespaceId;
use medialib_core::access::Role;
use serde_json::{Value, json};

use super::post;
use crate::helpers::{TOKEN, member, spawn_app_with};

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

/// A query `depth` fields deep: collections and their assets, in turn.
fn nested(depth: usize) -> String {
    let mut query = "id".to_owned();
    for level in (1..depth).rev() {
        query = match level % 2 {
            1 => format!("collections {{ {query} }}"),
            _ => format!("assets(first: 1) {{ {query} }}"),
        };
    }
    format!("{{ {query} }}")
}

#[tokio::test]
async fn refused_documents_get_codes_and_never_a_500() {
    let app = spawn_app_with(|_| {}, false).await;
    let (status, body) = post(&app, TOKEN, json!({"query": "{ assets(first: 2 { id } }"})).await;
    assert_eq!(
        (status, code(&body)),
        (200, "GRAPHQL_PARSE_FAILED"),
        "{body}"
    );

    let (_, body) = post(&app, TOKEN, json!({"query": "{ assets { nosuchfield } }"})).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");

    let too_many = json!({"query": "{ assets(first: 101) { totalCount } }"});
    let (_, body) = post(&app, TOKEN, too_many).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["data"].is_null());

    // 100 assets × their variants, tags, collections and a preset URL each is over 1000.
    let costly = "{ assets(first: 100) { nodes { id title variants { name url } tags { slug }
        collections { slug } renditions { name } } } }";
    let (_, body) = post(&app, TOKEN, json!({"query": costly})).await;
    assert_eq!(code(&body), "COMPLEXITY_LIMIT", "{body}");
    let affordable = "{ assets(first: 20) { nodes { id title variants { name } } } }";
    let (_, body) = post(&app, TOKEN, json!({"query": affordable})).await;
    assert!(body["errors"].is_null(), "{body}");
    let cost = body["extensions"]["analyzer"]["complexity"]
        .as_u64()
        .unwrap();
    assert!((20..=1000).contains(&cost), "{body}");

    let (_, body) = post(&app, TOKEN, json!({"query": nested(13)})).await;
    assert_eq!(code(&body), "DEPTH_LIMIT", "{body}");
    let (_, body) = post(&app, TOKEN, json!({"query": nested(12)})).await;
    assert!(body["errors"].is_null(), "{body}");

    let huge = "x".repeat(1 << 20);
    let (status, body) = post(
        &app,
        TOKEN,
        json!({"query": format!("# {huge}\n{{ me {{ name }} }}")}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("invalid_body")),
        "{body}"
    );

    // No or unknown credentials: 401 before any resolver.
    let anonymous = app
        .anonymous()
        .post(app.url("/api/v1/graphql"))
        .json(&json!({"query": "{ me { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let (status, _) = post(&app, "mlk_unknown", json!({"query": "{ me { name } }"})).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn introspection_is_for_admins_and_forbidden_fields_leave_the_rest() {
    let app = spawn_app_with(|_| {}, false).await;
    let home = NamespaceId(1);
    let (_, editor) = member(&app, "ed", home, Role::Editor).await;
    let (_, viewer) = member(&app, "vi", home, Role::Viewer).await;
    let introspect = json!({"query": "{ __schema { queryType { name } } }"});
    let (_, body) = post(&app, TOKEN, introspect.clone()).await;
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"], "Query",
        "{body}"
    );
    let (_, body) = post(&app, &editor, introspect).await;
    assert_eq!(body["data"]["__schema"], Value::Null, "{body}");
    // Suggestions ("did you mean") only for admins too.
    let typo = json!({"query": "{ asets { totalCount } }"});
    let (_, admin_typo) = post(&app, TOKEN, typo.clone()).await;
    let (_, editor_typo) = post(&app, &editor, typo).await;
    assert!(
        admin_typo.to_string().contains("Did you mean"),
        "{admin_typo}"
    );
    assert!(
        !editor_typo.to_string().contains("Did you mean"),
        "{editor_typo}"
    );

    // A viewer's mutation is FORBIDDEN; the query beside it still answers.
    let (_, photo) = app
        .upload(&crate::helpers::corpus().join("images/bmp/hopper.bmp"))
        .await;
    let id = photo["id"].as_str().unwrap();
    let both = format!(
        "mutation {{ assetUpdate(id: \"{id}\", input: {{title: \"x\"}}) {{ asset {{ title }} }}
          assetsTag(ids: [\"{id}\"], tags: [\"ok\"]) {{ userErrors {{ code }} }} }}"
    );
    let (_, body) = post(&app, &viewer, json!({"query": both})).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "{body}");
    let read = format!("{{ asset(id: \"{id}\") {{ title }} me {{ role }} }}");
    let (_, body) = post(&app, &viewer, json!({"query": read})).await;
    assert_eq!(body["data"]["me"]["role"], "VIEWER", "{body}");
    assert_eq!(body["data"]["asset"]["title"], "hopper", "{body}");

    // Another namespace's ids are absent, as REST's 404.
    let away = app
        .state
        .catalog
        .store
        .create_namespace("away", "Away")
        .await
        .unwrap()
        .id;
    let (_, foreigner) = member(&app, "far", away, Role::Admin).await;
    let (_, body) = post(&app, &foreigner, json!({"query": read})).await;
    assert_eq!(body["data"]["asset"], Value::Null, "{body}");
    let edit = format!(
        "mutation {{ assetUpdate(id: \"{id}\", input: {{title: \"x\"}}) {{ userErrors {{ code }} }} }}"
    );
    let (_, body) = post(&app, &foreigner, json!({"query": edit})).await;
    assert_eq!(
        body["data"]["assetUpdate"]["userErrors"][0]["code"], "not_found",
        "{body}"
    );
}

#[tokio::test]
async fn cookie_and_multipart_requests_need_the_preflight_header() {
    let app = spawn_app_with(|_| {}, false).await;
    crate::helpers::editor_with_password(&app, "ana").await;
    let login = app
        .anonymous()
        .post(app.url("/api/v1/session"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("name", "ana"), ("password", crate::helpers::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let query = json!({"query": "{ me { name } }"});
    let send = |preflight: bool, site: &'static str| {
        let mut request = app
            .anonymous()
            .post(app.url("/api/v1/graphql"))
            .header("Cookie", cookie.clone())
            .header("Sec-Fetch-Site", site)
            .json(&query);
        if preflight {
            request = request.header("GraphQL-Require-Preflight", "1");
        }
        request.send()
    };
    assert_eq!(send(false, "same-origin").await.unwrap().status(), 400);
    assert_eq!(send(true, "cross-site").await.unwrap().status(), 403);
    let ok = send(true, "same-origin").await.unwrap();
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["data"]["me"]["name"], "ana");

    // GraphiQL: for sessions only.
    let page = app
        .anonymous()
        .get(app.url("/api/v1/graphql"))
        .header("Cookie", cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
    let token_page = app
        .client
        .get(app.url("/api/v1/graphql"))
        .send()
        .await
        .unwrap();
    assert_eq!(token_page.status(), 401);

    // A multipart request by token needs it as well.
    let form = reqwest::multipart::Form::new()
        .text("operations", r#"{"query":"{ me { name } }"}"#)
        .text("map", "{}");
    let multipart = app
        .client
        .post(app.url("/api/v1/graphql"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(multipart.status(), 400);
}

/// GraphiQL and code generators introspect with the standard query (graphql-core's,
/// sent by `gql`), which nests `ofType` to depth 15, deeper than data queries may go: it
/// is answered, and the schema the client builds from it has exactly the types of the
/// exported `docs/schema.graphql`.
#[tokio::test]
async fn the_standard_introspection_query_gives_clients_the_exported_schema() {
    let app = spawn_app_with(|_| {}, false).await;
    let lines = super::client(&app, TOKEN, json!({"mode": "schema"})).await;
    let built_in = ["Boolean", "Float", "ID", "Int", "String"];
    let served: Vec<String> = serde_json::from_value::<Vec<String>>(lines[0]["types"].clone())
        .unwrap_or_else(|_| panic!("{lines:?}"))
        .into_iter()
        .filter(|name| !built_in.contains(&name.as_str()))
        .collect();
    let sdl = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema.graphql"),
    )
    .unwrap();
    let mut exported: Vec<String> = sdl
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match words.next()? {
                "type" | "input" | "enum" | "interface" | "scalar" | "union" => words
                    .next()
                    .map(|name| name.trim_end_matches('{').to_owned()),
                _ => None,
            }
        })
        .collect();
    exported.sort();
    assert!(served.len() > 20, "{served:?}");
    assert_eq!(served, exported);
}
