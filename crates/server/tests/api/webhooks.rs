//! Webhooks end to end: a receiver that checks every signature with the Standard Webhooks
//! reference library (`tests/clients/webhook_receiver.py`, `standardwebhooks` from PyPI)
//! is down while the first events happen, then up: it gets every event, verified, and
//! the deliveries log shows the retries. Redelivery sends the same `webhook-id` again;
//! bad input is refused.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::helpers::{TOKEN, TestApp, corpus, eventually, spawn_app_with};

/// A port nothing listens on yet.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the receiver on `port`; its JSON lines arrive on the channel.
async fn receiver(port: u16, secret: &str) -> (Child, mpsc::UnboundedReceiver<Value>) {
    let clients = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients");
    let python = clients.join(".venv/bin/python");
    assert!(
        python.exists(),
        "tests/clients/.venv is missing: run ./scripts/setup.sh"
    );
    let mut child = Command::new(python)
        .arg(clients.join("webhook_receiver.py"))
        .args(["--port", &port.to_string(), "--secret", secret])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&first).unwrap()["listening"],
        port
    );
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = tx.send(serde_json::from_str(&line).unwrap());
        }
    });
    (child, rx)
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.request_as(TOKEN, method, path, body).await
}

async fn deliveries(app: &TestApp, webhook: i64) -> Vec<Value> {
    let (status, page) = call(
        app,
        reqwest::Method::GET,
        &format!("/api/v1/webhooks/{webhook}/deliveries?limit=200"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_then_up_gets_every_event_signed() {
    let app = spawn_app_with(
        |s| {
            s.webhooks.allow_networks = vec!["127.0.0.1/32".parse().unwrap()];
            s.webhooks.retry_base_seconds = 1;
            // One job per asset, so one `job.succeeded`: analysis would add its own.
            s.analysis.enabled = false;
        },
        true,
    )
    .await;
    let port = free_port();
    let events = [
        "asset.created",
        "asset.ready",
        "job.succeeded",
        "asset.updated",
        "asset.trashed",
        "asset.restored",
    ];
    let (status, hook) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/webhooks",
        Some(json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": events, "description": "CMS"})),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = hook["id"].as_i64().unwrap();
    let (_, listed) = call(&app, reqwest::Method::GET, "/api/v1/webhooks", None).await;
    assert!(
        listed["items"][0].get("secret").is_none(),
        "the secret is shown once"
    );

    // The receiver is down: the upload's events fail and are retried.
    let (status, asset) = app
        .upload(&corpus().join("images/camera/gps_DSCN0010.jpg"))
        .await;
    assert_eq!(status, 201, "{asset}");
    let asset_id = asset["id"].as_str().unwrap().to_owned();
    app.wait_processed(&asset_id, Duration::from_secs(60)).await;
    let retried = eventually(|| async {
        deliveries(&app, id)
            .await
            .iter()
            .any(|d| d["attempts"].as_u64() >= Some(2) && d["status"] == "pending")
    })
    .await;
    assert!(retried, "{:?}", deliveries(&app, id).await);
    let refused = deliveries(&app, id).await;
    assert!(
        refused[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("could not reach"),
        "{refused:?}"
    );

    // Up: the earlier events arrive, then the new ones.
    let (_child, mut received) = receiver(port, &secret).await;
    let path = format!("/api/v1/assets/{asset_id}");
    let (status, _) = call(
        &app,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"title": "Vineyard"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        reqwest::Method::DELETE,
        &format!("{path}?force=true"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        &format!("{path}/restore"),
        None,
    )
    .await;
    assert_eq!(status, 200);

    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    while seen.len() < events.len() {
        let line = tokio::time::timeout(Duration::from_secs(30), received.recv())
            .await
            .unwrap_or_else(|_| panic!("only {seen:?} arrived"))
            .unwrap();
        assert_eq!(line["verified"], true, "{line}");
        assert_eq!(line["asset_id"], asset_id.as_str());
        seen.insert(line["type"].as_str().unwrap().to_owned());
        ids.push(line["id"].as_str().unwrap().to_owned());
    }
    let delivered = eventually(|| async {
        let all = deliveries(&app, id).await;
        all.len() == events.len() && all.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    let log = deliveries(&app, id).await;
    assert!(delivered, "{log:?}");
    assert!(
        log.iter()
            .any(|d| d["attempts"].as_u64() >= Some(3) && d["response_status"] == 204),
        "the log shows the retries: {log:?}"
    );

    // Redelivery sends the same message again.
    let first = log.last().unwrap();
    let (status, again) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/webhooks/{id}/deliveries/{}/redeliver", first["id"]),
        None,
    )
    .await;
    assert_eq!((status, &again["status"]), (202, &json!("pending")));
    let line = tokio::time::timeout(Duration::from_secs(30), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (&line["id"], &line["verified"]),
        (&first["message_id"], &json!(true))
    );
    assert!(ids.contains(&line["id"].as_str().unwrap().to_owned()));
}

#[tokio::test]
async fn bad_endpoints_are_refused_with_their_reason() {
    let app = spawn_app_with(|_| {}, false).await;
    for (body, names) in [
        (
            json!({"url": "ftp://x.example/", "events": ["asset.ready"]}),
            "http",
        ),
        (
            json!({"url": "not a url", "events": ["asset.ready"]}),
            "not a URL",
        ),
        (
            json!({"url": "https://x.example/", "events": []}),
            "at least one",
        ),
        (
            json!({"url": "https://x.example/", "events": ["asset.exploded"]}),
            "asset.exploded",
        ),
    ] {
        let (status, error) =
            call(&app, reqwest::Method::POST, "/api/v1/webhooks", Some(body)).await;
        assert_eq!(status, 422, "{error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{message}");
    }
    let (status, _) = call(&app, reqwest::Method::GET, "/api/v1/webhooks/999", None).await;
    assert_eq!(status, 404);
}
