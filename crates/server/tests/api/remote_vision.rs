//! The remote vision adapter against a local OpenAI-compatible server started by the
//! test: the request's shape (model, one image content part holding the large variant,
//! JSON response format), valid, invalid and slow answers, private assets, and the
//! monthly budget.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use medialib_core::analysis::Analyser;
use medialib_core::config::RemoteVisionSettings;
use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, spawn_app_with, tag_sources};

const WAIT: Duration = Duration::from_secs(60);

/// How the fake API answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Valid,
    Invalid,
    Slow,
}

/// What the fake API received: each request's `Authorization` header and JSON body.
type Received = Arc<Mutex<Vec<(Option<String>, Value)>>>;

#[derive(Clone)]
struct Fake {
    mode: Arc<Mutex<Mode>>,
    requests: Received,
}

async fn completions(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    fake.requests.lock().unwrap().push((auth, body));
    let mode = *fake.mode.lock().unwrap();
    let content = match mode {
        Mode::Valid => json!({
            "caption": "A tabby cat looks into the camera.",
            "alt_text": "Close-up of a long-haired tabby cat's face with green eyes.",
            "tags": ["Cat", "tabby", "pet"],
        })
        .to_string(),
        Mode::Invalid => "Sure! This is a cat.".to_owned(),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "{}".to_owned()
        }
    };
    Json(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
    }))
}

async fn fake_api() -> (Fake, String) {
    let fake = Fake {
        mode: Arc::new(Mutex::new(Mode::Valid)),
        requests: Arc::default(),
    };
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        medialib_server::http::serve(listener, app, std::future::pending())
            .await
            .unwrap()
    });
    (fake, base)
}

/// Reruns the remote analyser on `id`; the asset's `remote` result then.
async fn rerun(app: &TestApp, id: &str) -> Value {
    let (status, job) = app
        .send(
            "POST",
            &format!("/api/v1/assets/{id}/analyse?analysers=remote"),
            None,
        )
        .await;
    assert_eq!(status, 202, "{job}");
    app.wait_job(job["id"].as_str().unwrap(), WAIT, |j| {
        j["status"] == "succeeded"
    })
    .await;
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    asset["analysis"]["remote"].clone()
}

#[tokio::test]
async fn captions_alt_text_and_tags_come_from_the_vision_api_within_its_limits() {
    let (fake, base) = fake_api().await;
    let app = spawn_app_with(
        move |s| {
            s.analysis.analysers = vec![Analyser::Remote];
            s.analysis.remote_max_requests = 3;
            s.analysis.remote = Some(RemoteVisionSettings {
                base_url: base,
                model: "vision-test".into(),
                api_key_env: None,
                timeout_seconds: 1,
                max_attempts: 2,
            });
        },
        true,
    )
    .await;
    let cat = std::fs::read(corpus().join("images-bad/lying_ext_jpeg_named.heic")).unwrap();
    let (status, asset) = app.upload_bytes("cat.jpg", cat).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap().to_owned();
    app.wait_processed(&id, WAIT).await;
    let private = app.wait_analysed(&id, WAIT).await;
    let remote = &private["analysis"]["remote"];
    assert_eq!(remote["status"], "skipped", "{private}");
    assert!(remote["reason"].as_str().unwrap().contains("private"));
    assert!(
        fake.requests.lock().unwrap().is_empty(),
        "nothing sent for a private asset"
    );

    // Public: the large variant goes out, and the answer comes back as tags and text.
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/assets/{id}"),
            Some(json!({"is_public": true})),
        )
        .await;
    assert_eq!(status, 200);
    let remote = rerun(&app, &id).await;
    assert_eq!(remote["status"], "ok", "{remote}");
    assert_eq!(
        remote["output"]["alt_text"],
        "Close-up of a long-haired tabby cat's face with green eyes."
    );
    assert!(
        remote["model"]
            .as_str()
            .unwrap()
            .starts_with("vision-test at http://127.0.0.1:"),
        "{remote}"
    );
    let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
    for tag in ["cat", "tabby", "pet"] {
        assert!(
            tag_sources(&asset).contains(&(tag.into(), "auto".into())),
            "{asset}"
        );
    }
    let (auth, request) = fake.requests.lock().unwrap()[0].clone();
    assert_eq!(auth, None, "no key configured, none sent");
    assert_eq!(request["model"], "vision-test");
    assert_eq!(request["response_format"]["type"], "json_object");
    let parts = request["messages"][1]["content"].as_array().unwrap();
    let image = parts.iter().find(|p| p["type"] == "image_url").unwrap();
    let url = image["image_url"]["url"].as_str().unwrap();
    let sent = base64::engine::general_purpose::STANDARD
        .decode(
            url.strip_prefix("data:image/jpeg;base64,")
                .expect("a JPEG data URL"),
        )
        .unwrap();
    let large = asset["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "large" && v["format"] == "jpeg")
        .unwrap();
    assert_eq!(
        sent,
        app.fetch(large["url"].as_str().unwrap()).await,
        "the large variant"
    );
    let original = std::fs::read(corpus().join("images-bad/lying_ext_jpeg_named.heic")).unwrap();
    assert_ne!(sent, original, "never the original");

    // An answer that is not the JSON asked for is retried, then recorded as failed.
    *fake.mode.lock().unwrap() = Mode::Invalid;
    let remote = rerun(&app, &id).await;
    assert_eq!(remote["status"], "failed", "{remote}");
    assert!(
        remote["reason"]
            .as_str()
            .unwrap()
            .contains("not the JSON object asked for"),
        "{remote}"
    );
    assert_eq!(
        fake.requests.lock().unwrap().len(),
        3,
        "one valid, then two attempts"
    );

    // A server slower than the timeout fails the same way.
    *fake.mode.lock().unwrap() = Mode::Slow;
    let remote = rerun(&app, &id).await;
    assert_eq!(remote["status"], "failed", "{remote}");
    assert!(
        remote["reason"]
            .as_str()
            .unwrap()
            .contains("did not answer within 1 s"),
        "{remote}"
    );

    // Three requests this month: the budget is spent, nothing more is sent.
    *fake.mode.lock().unwrap() = Mode::Valid;
    let sent_before = fake.requests.lock().unwrap().len();
    let remote = rerun(&app, &id).await;
    assert_eq!(remote["status"], "skipped", "{remote}");
    assert!(
        remote["reason"].as_str().unwrap().contains("are spent"),
        "{remote}"
    );
    assert_eq!(fake.requests.lock().unwrap().len(), sent_before);
}

#[tokio::test]
async fn a_key_variable_that_is_not_set_turns_the_adapter_off_with_a_reason() {
    let app = spawn_app_with(
        |s| {
            s.analysis.analysers = vec![Analyser::Remote];
            s.analysis.remote = Some(RemoteVisionSettings {
                base_url: "http://127.0.0.1:9/v1".into(),
                model: "vision-test".into(),
                api_key_env: Some("MEDIALIB_TEST_VISION_KEY_NEVER_SET".into()),
                timeout_seconds: 1,
                max_attempts: 1,
            });
            s.analysis.remote_private = true;
        },
        true,
    )
    .await;
    let (_, asset) = app
        .upload(&corpus().join("images/jpeg/progressive_icc.jpg"))
        .await;
    let id = asset["id"].as_str().unwrap();
    app.wait_processed(id, WAIT).await;
    let asset = app.wait_analysed(id, WAIT).await;
    let remote = &asset["analysis"]["remote"];
    assert_eq!(remote["status"], "skipped", "{asset}");
    assert!(
        remote["reason"]
            .as_str()
            .unwrap()
            .contains("MEDIALIB_TEST_VISION_KEY_NEVER_SET, which is not set")
    );
}
