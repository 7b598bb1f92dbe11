//! Every GraphQL mutation for every kind of caller, from one table, with the REST
//! matrix's callers. Each cell runs on fresh fixtures (an asset uploaded by the owning
//! editor, in a collection and used once, its processing job). A mutation missing from
//! the table, or a row naming no mutation, fails the test.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::authorization::fixtures::{UNIQUE, callers, unique_png};
use crate::helpers::{TOKEN, TestApp, spawn_app_with};

/// A cell's outcome: the HTTP status when not 200, `FORBIDDEN`, the first user error's
/// code, or `ok`.
fn outcome(status: u16, body: &Value, field: &str) -> String {
    if status != 200 {
        return status.to_string();
    }
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return code.to_owned();
    }
    let payload = &body["data"][field];
    let user_error = payload["userErrors"][0]["code"]
        .as_str()
        .or_else(|| payload["results"][0]["error"]["code"].as_str());
    user_error.unwrap_or("ok").to_owned()
}

/// What a cell names: the fixture's asset, collection, tag, job, and a member of the
/// home namespace.
struct Fixture {
    member: String,
    asset: String,
    collection: String,
    tag: String,
    job: String,
}

async fn fixture(app: &TestApp, owner: &str) -> Fixture {
    let (status, asset) = app.upload_as(owner, "fixture.png", unique_png()).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap().to_owned();
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let setup = format!(
        "mutation {{
          t: assetsTag(ids: [\"{id}\"], tags: [\"t{n}\"]) {{ assets {{ tags {{ slug }} }} }}
          c: collectionCreate(input: {{title: \"c{n}\"}}) {{ collection {{ id }} }}
          u: usageAdd(input: {{assetId: \"{id}\", entityType: \"article\", entityId: \"7\"}}) {{ usage {{ entityId }} }}
          m: userCreate(input: {{name: \"m{n}\", role: \"viewer\"}}) {{ user {{ id }} }}
        }}"
    );
    let (_, made) = super::post(app, TOKEN, json!({"query": setup})).await;
    let member = made["data"]["m"]["user"]["id"].as_str().unwrap().to_owned();
    let collection = made["data"]["c"]["collection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let add = format!(
        "mutation {{ collectionAddAssets(id: \"{collection}\", assetIds: [\"{id}\"]) {{ userErrors {{ code }} }} }}"
    );
    super::post(app, TOKEN, json!({"query": add})).await;
    Fixture {
        member,
        job: asset["jobs"][0]["id"].as_str().unwrap().to_owned(),
        tag: format!("t{n}"),
        asset: id,
        collection,
    }
}

/// The table: mutation name, document (`{asset}`, `{collection}`, `{tag}`, `{job}`,
/// `{unique}` filled in per cell), and the outcome per caller (anonymous, viewer, the
/// owning editor, another editor, an admin, another namespace's admin).
fn table() -> Vec<(&'static str, &'static str, [&'static str; 6])> {
    const NF: &str = "not_found";
    const F: &str = "FORBIDDEN";
    vec![
        (
            "assetUpdate",
            "assetUpdate(id: \"{asset}\", input: {title: \"x\"}) { userErrors { code } }",
            ["401", F, "ok", F, "ok", NF],
        ),
        (
            "assetsTag",
            "assetsTag(ids: [\"{asset}\"], tags: [\"n{unique}\"]) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "assetsUntag",
            "assetsUntag(ids: [\"{asset}\"], slugs: [\"{tag}\"]) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "assetsTrash",
            "assetsTrash(ids: [\"{asset}\"], force: true) { userErrors { code } }",
            ["401", F, "ok", F, "ok", NF],
        ),
        (
            "assetsRestore",
            "assetsRestore(ids: [\"{asset}\"]) { userErrors { code } }",
            ["401", F, "ok", F, "ok", NF],
        ),
        (
            "assetsPurge",
            "assetsPurge(ids: [\"{asset}\"], force: true) { userErrors { code } }",
            ["401", F, "ok", F, "ok", NF],
        ),
        (
            "assetImport",
            "assetImport(url: \"http://127.0.0.1:9/x.jpg\") { userErrors { code } }",
            [
                "401",
                F,
                "blocked_address",
                "blocked_address",
                "blocked_address",
                "blocked_address",
            ],
        ),
        (
            "assetsUpload",
            "(multipart)",
            ["401", F, "ok", "ok", "ok", "ok"],
        ),
        (
            "uploadCreate",
            "uploadCreate(filename: \"a.jpg\", byteSize: 10) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", "ok"],
        ),
        (
            "collectionCreate",
            "collectionCreate(input: {title: \"n{unique}\"}) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", "ok"],
        ),
        (
            "collectionUpdate",
            "collectionUpdate(id: \"{collection}\", input: {title: \"n{unique}\"}) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "collectionAddAssets",
            "collectionAddAssets(id: \"{collection}\", assetIds: [\"{asset}\"]) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "collectionRemoveAssets",
            "collectionRemoveAssets(id: \"{collection}\", assetIds: [\"{asset}\"]) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "collectionReorder",
            "collectionReorder(id: \"{collection}\", assetIds: [\"{asset}\"]) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "usageAdd",
            "usageAdd(input: {assetId: \"{asset}\", entityType: \"page\", entityId: \"n{unique}\"}) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "usageRemove",
            "usageRemove(input: {assetId: \"{asset}\", entityType: \"article\", entityId: \"7\"}) { userErrors { code } }",
            ["401", F, "ok", "ok", "ok", NF],
        ),
        (
            "jobCancel",
            "jobCancel(id: \"{job}\") { userErrors { code } }",
            ["401", F, "ok", F, "ok", NF],
        ),
        // Tenants: the instance owner (`tenants.rs`; not a column here) creates and
        // deletes namespaces; admins manage their own namespace and its members.
        (
            "namespaceCreate",
            "namespaceCreate(input: {slug: \"ns-{unique}\"}) { userErrors { code } }",
            ["401", F, F, F, F, F],
        ),
        (
            "namespaceUpdate",
            "namespaceUpdate(slug: \"default\", input: {name: \"Home {unique}\"}) { userErrors { code } }",
            ["401", F, F, F, "ok", NF],
        ),
        (
            "namespaceDelete",
            "namespaceDelete(slug: \"away\", purge: true) { userErrors { code } }",
            ["401", F, F, F, F, F],
        ),
        (
            "userCreate",
            "userCreate(input: {name: \"u{unique}\"}) { userErrors { code } }",
            ["401", F, F, F, "ok", "ok"],
        ),
        (
            "userUpdate",
            "userUpdate(id: \"{member}\", input: {name: \"r{unique}\"}) { userErrors { code } }",
            ["401", F, F, F, "ok", NF],
        ),
        (
            "userDelete",
            "userDelete(id: \"{member}\") { userErrors { code } }",
            ["401", F, F, F, "ok", NF],
        ),
    ]
}

/// Sends one cell's request.
async fn send(app: &TestApp, token: Option<&str>, name: &str, document: &str) -> (u16, Value) {
    let mut request = app.anonymous().post(app.url("/api/v1/graphql"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let request = if name == "assetsUpload" {
        let operations = json!({
            "query": "mutation($files: [Upload!]!) { assetsUpload(files: $files) { results { error { code } } } }",
            "variables": {"files": [null]}
        });
        let form = Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{"0": ["variables.files.0"]}"#)
            .part("0", Part::bytes(unique_png()).file_name("cell.png"));
        request
            .header("GraphQL-Require-Preflight", "1")
            .multipart(form)
    } else {
        request.json(&json!({"query": format!("mutation {{ {name}: {document} }}")}))
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_answers_every_caller_as_the_table_says() {
    let app = spawn_app_with(|_| {}, false).await;
    let callers = callers(&app).await;
    let owner = callers.tokens[2].clone().unwrap();

    // Every mutation of the schema is in the table, and no more.
    let (_, schema) = super::post(
        &app,
        TOKEN,
        json!({"query": "{ __type(name: \"Mutation\") { fields { name } } }"}),
    )
    .await;
    let served: BTreeSet<String> = schema["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    let listed: BTreeSet<String> = table()
        .iter()
        .map(|(name, _, _)| (*name).to_owned())
        .collect();
    assert_eq!(served, listed);

    let mut failures = Vec::new();
    for (name, template, expected) in table() {
        for (caller, want) in expected.iter().enumerate() {
            let f = fixture(&app, &owner).await;
            if name == "assetsRestore" {
                let trash = format!(
                    "mutation {{ assetsTrash(ids: [\"{}\"], force: true) {{ userErrors {{ code }} }} }}",
                    f.asset
                );
                super::post(&app, TOKEN, json!({"query": trash})).await;
            }
            let document = template
                .replace("{asset}", &f.asset)
                .replace("{collection}", &f.collection)
                .replace("{tag}", &f.tag)
                .replace("{job}", &f.job)
                .replace("{member}", &f.member)
                .replace(
                    "{unique}",
                    &UNIQUE.fetch_add(1, Ordering::Relaxed).to_string(),
                );
            let (status, body) =
                send(&app, callers.tokens[caller].as_deref(), name, &document).await;
            let got = outcome(status, &body, name);
            if got != *want {
                failures.push(format!(
                    "{name} as caller {caller}: {got}, expected {want}: {body}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
