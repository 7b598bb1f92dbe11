//! The REST contract, checked by an outside tool: schemathesis (PyPI, pinned in
//! `tests/contract/requirements.txt`, installed by `scripts/setup.sh`) generates requests
//! from `/api/v1/openapi.json` (examples, boundary values, fuzzed and invalid data,
//! stateful sequences) and checks every answer against the description: status,
//! content type, headers, response schema, valid data accepted, invalid data refused,
//! no 5xx. `tests/contract/schemathesis.toml` holds what the description cannot say.
//!
//! The GraphQL schema gets the same from its introspection: queries and mutations
//! generated from every field and argument must be answered without a server error.
//!
//! The runs are bounded (`MEDIALIB_CONTRACT_EXAMPLES`, default 10 per operation) and
//! deterministic (`MEDIALIB_CONTRACT_SEED`, default 1); a longer hunt is
//! `MEDIALIB_CONTRACT_EXAMPLES=200 MEDIALIB_CONTRACT_SEED=$RANDOM cargo test -p
//! medialib-server --test api contract`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::helpers::{TOKEN, corpus, spawn_app_with};

fn contract_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/contract")
}

/// A loopback server the generated imports fetch from (`/photo.jpg`) and the generated
/// webhooks deliver to (`/hooks`), so nothing leaves 127.0.0.1.
async fn loopback_source() -> String {
    let photo = first_jpeg().unwrap();
    let app = Router::new()
        .route(
            "/photo.jpg",
            get(move || async move { ([("content-type", "image/jpeg")], photo) }),
        )
        .route("/hooks", post(|| async { StatusCode::NO_CONTENT }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        medialib_server::http::serve(listener, app, std::future::pending())
            .await
            .unwrap()
    });
    base
}

/// Any JPEG of the corpus.
fn first_jpeg() -> std::io::Result<Vec<u8>> {
    let dir = corpus().join("images/jpeg");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    names.sort();
    std::fs::read(names.first().ok_or(std::io::ErrorKind::NotFound)?)
}

/// The bounds of a run: examples per operation and the seed, from the environment.
fn bounds() -> (String, String) {
    let examples = std::env::var("MEDIALIB_CONTRACT_EXAMPLES").unwrap_or_else(|_| "10".into());
    let seed = std::env::var("MEDIALIB_CONTRACT_SEED").unwrap_or_else(|_| "1".into());
    (examples, seed)
}

/// Runs schemathesis with `args` after `run`, in `dir`; asserts it found nothing and
/// returns its report.
async fn schemathesis(dir: &Path, args: &[&str]) -> String {
    let schemathesis = contract_dir().join(".venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "tests/contract/.venv is missing: run ./scripts/setup.sh"
    );
    let (examples, seed) = bounds();
    let output = tokio::process::Command::new(&schemathesis)
        .arg("--config-file")
        .arg(contract_dir().join("schemathesis.toml"))
        .arg("run")
        .args(args)
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--max-examples", &examples, "--seed", &seed])
        .args(["--generation-deterministic", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", contract_dir().join("hooks.py"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "schemathesis found contract failures (seed {seed}, {examples} examples):\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

/// The served description with the URL fields that make the server fetch (import
/// source, webhook receiver) narrowed to the loopback server: the generator would
/// otherwise invent hosts, and resolving them is already reaching beyond loopback.
fn pinned_to_loopback(mut spec: Value, source: &str) -> Value {
    let schemas = &mut spec["components"]["schemas"];
    for (schema, url, nullable) in [
        ("ImportRequest", format!("{source}/photo.jpg"), false),
        ("CreateWebhook", format!("{source}/hooks"), false),
        ("PatchWebhook", format!("{source}/hooks"), true),
    ] {
        let field = &mut schemas[schema]["properties"]["url"];
        assert!(
            field.is_object(),
            "{schema}.url is gone from the description"
        );
        *field = match nullable {
            false => json!({"type": "string", "enum": [url]}),
            true => json!({"type": ["string", "null"], "enum": [url, null]}),
        };
    }
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_contract_failure() {
    let app = spawn_app_with(
        |s| {
            s.import.allow_networks = vec!["127.0.0.0/8".parse().unwrap()];
            s.webhooks.allow_networks = vec!["127.0.0.0/8".parse().unwrap()];
        },
        true,
    )
    .await;
    let source = loopback_source().await;
    let (status, spec) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let work = tempfile::tempdir().unwrap();
    let spec_path = work.path().join("openapi.json");
    std::fs::write(&spec_path, pinned_to_loopback(spec, &source).to_string()).unwrap();
    let spec_path = spec_path.to_str().unwrap();
    let report = schemathesis(work.path(), &[spec_path, "--url", &app.base]).await;
    // It did test: the generating phases ran over the described operations.
    assert!(
        ["Operations:", "Coverage", "Fuzzing", "Stateful"]
            .iter()
            .all(|phase| report.contains(phase)),
        "{report}"
    );
}

/// Every query and mutation of the GraphQL schema, generated from its introspection with
/// its arguments: none is answered with a server error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_graphql_failure() {
    let app = spawn_app_with(|_| {}, true).await;
    let work = tempfile::tempdir().unwrap();
    // Generated documents that go past the production limits (depth, complexity, `first`)
    // are refused with coded GraphQL errors, as `graphql::limits` checks; what this run
    // asks is that nothing is a server error. An import fetches the URL it is given, and
    // generated ones would be looked up in DNS, beyond loopback (the REST run covers
    // import with a pinned URL); uploads are multipart files, which the gql client's
    // tests send.
    let endpoint = app.url("/api/v1/graphql");
    let report = schemathesis(
        work.path(),
        &[
            &endpoint,
            "--checks",
            "not_a_server_error",
            "--exclude-name",
            "Mutation.assetImport",
            "--exclude-name",
            "Mutation.assetsUpload",
        ],
    )
    .await;
    assert!(
        report.contains("GraphQL") && report.contains("Fuzzing"),
        "{report}"
    );
}
