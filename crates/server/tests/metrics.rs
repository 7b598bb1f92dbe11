//! `GET /metrics`, read by the reference Prometheus text-format parser (`prometheus_client`,
//! `tests/clients/prometheus_parse.py`): every documented metric is there, and the counts
//! are exactly what a known sequence of uploads, jobs, deliveries and transforms made.
//!
//! Its own test binary, because the recorder is per process: here nothing else counts.

// The API tests' harness (server on a free port, corpus); not every helper is used here.
#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use medialib_core::config::{Secret, Unsigned};
use serde_json::Value;

use helpers::{TestApp, corpus, spawn_app_with};

/// Every metric the README lists, as the parser names its family (counters without
/// `_total`).
const DOCUMENTED: &[&str] = &[
    "medialib_http_requests",
    "medialib_http_request_duration_seconds",
    "medialib_uploads",
    "medialib_upload_bytes",
    "medialib_jobs",
    "medialib_job_duration_seconds",
    "medialib_queue_jobs",
    "medialib_transform_requests",
    "medialib_transform_renders",
    "medialib_transform_render_duration_seconds",
    "medialib_delivered_bytes",
    "medialib_storage_bytes",
    "medialib_webhook_deliveries",
    "process_resident_memory_bytes",
    "process_open_fds",
    "process_cpu_seconds",
];

/// The samples of one scrape: (sample name, sorted labels) → value.
struct Scrape {
    families: Vec<String>,
    samples: HashMap<(String, Vec<(String, String)>), f64>,
}

impl Scrape {
    /// The value of sample `name` with exactly `labels`; 0 when absent.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        labels.sort();
        self.samples
            .get(&(name.to_owned(), labels))
            .copied()
            .unwrap_or(0.0)
    }

    /// Every label set of sample `name`.
    fn label_sets(&self, name: &str) -> Vec<&Vec<(String, String)>> {
        self.samples
            .keys()
            .filter(|(n, _)| n == name)
            .map(|(_, labels)| labels)
            .collect()
    }
}

/// Parses `text` with prometheus_client; panics with the parser's reason when it fails.
fn parse(text: &str) -> Scrape {
    let clients = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients");
    let python = clients.join(".venv/bin/python");
    let script = clients.join("prometheus_parse.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} ({e}): run ./scripts/setup.sh", python.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut scrape = Scrape {
        families: Vec::new(),
        samples: HashMap::new(),
    };
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let family: Value = serde_json::from_str(line).unwrap();
        scrape
            .families
            .push(family["name"].as_str().unwrap().to_owned());
        for sample in family["samples"].as_array().unwrap() {
            let mut labels: Vec<(String, String)> = sample["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            labels.sort();
            let name = sample["name"].as_str().unwrap().to_owned();
            scrape
                .samples
                .insert((name, labels), sample["value"].as_f64().unwrap());
        }
    }
    scrape
}

async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut request = app.anonymous().get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn get(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.anonymous().get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_metric_counts_what_happened_and_a_token_guards_them() {
    let app = spawn_app_with(
        |s| {
            s.metrics.refresh_seconds = 1;
            s.transforms.unsigned = Unsigned::All;
        },
        true,
    )
    .await;
    // An endpoint the SSRF guard refuses (loopback): its attempt fails, to be retried.
    let (status, hook) = app
        .request_as(
            helpers::TOKEN,
            reqwest::Method::POST,
            "/api/v1/webhooks",
            Some(
                serde_json::json!({"url": "http://127.0.0.1:9/hook", "events": ["asset.created"]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let file = corpus().join("images/camera/gps_DSCN0010.jpg");
    let size = std::fs::metadata(&file).unwrap().len() as f64;
    let (status, asset) = app.upload(&file).await;
    assert_eq!(status, 201, "{asset}");
    let (status, _) = app.upload(&file).await;
    assert_eq!(status, 200, "the duplicate");
    let (status, _) = app.upload_bytes("empty.jpg", Vec::new()).await;
    assert!(status >= 400, "an empty file is refused");
    let id = asset["id"].as_str().unwrap();
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/assets/{id}")))
        .json(&serde_json::json!({"is_public": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let asset = app.wait_processed(id, Duration::from_secs(60)).await;

    let thumbnail = get(&app, &format!("/variants/{id}/thumbnail.webp")).await;
    let rev = asset["rev"].as_str().unwrap();
    let transform = format!("/img/{id}/{rev}/w_100/pic.jpg");
    let first = get(&app, &transform).await;
    let again = get(&app, &transform).await;
    let missing = app
        .anonymous()
        .get(app.url("/no/such/path"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    // The gauges are refreshed every second.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let (status, text) = scrape(&app, None).await;
    assert_eq!(status, 200);
    let m = parse(&text);
    for name in DOCUMENTED {
        assert!(
            m.families.iter().any(|f| f == name),
            "{name} is missing:\n{text}"
        );
    }
    let upload = |kind: &str, outcome: &str| {
        m.value(
            "medialib_uploads_total",
            &[("kind", kind), ("outcome", outcome)],
        )
    };
    assert_eq!(upload("image", "created"), 1.0);
    assert_eq!(upload("image", "duplicate"), 1.0);
    assert_eq!(upload("unknown", "refused"), 1.0);
    assert_eq!(
        m.value("medialib_upload_bytes_total", &[("kind", "image")]),
        size
    );

    let succeeded = [("kind", "process_image"), ("outcome", "succeeded")];
    assert_eq!(m.value("medialib_jobs_total", &succeeded), 1.0);
    let one_kind = [("kind", "process_image")];
    assert_eq!(
        m.value("medialib_job_duration_seconds_count", &one_kind),
        1.0
    );
    assert!(m.value("medialib_job_duration_seconds_sum", &one_kind) > 0.0);
    for status in ["queued", "running"] {
        let labels = [("kind", "transcode"), ("status", status)];
        assert!(
            m.samples
                .contains_key(&("medialib_queue_jobs".to_owned(), sorted(&labels))),
            "a zero gauge for every kind and status"
        );
    }

    let cache = |outcome: &str| m.value("medialib_transform_requests_total", &[("cache", outcome)]);
    assert_eq!((cache("miss"), cache("hit")), (1.0, 1.0));
    let rendered = [("format", "jpeg"), ("outcome", "rendered")];
    assert_eq!(m.value("medialib_transform_renders_total", &rendered), 1.0);
    let delivered = |file: &str| {
        m.value(
            "medialib_delivered_bytes_total",
            &[("kind", "image"), ("file", file)],
        )
    };
    assert_eq!(delivered("variant"), thumbnail.len() as f64);
    assert_eq!(delivered("transform"), (first.len() + again.len()) as f64);
    assert_eq!(
        m.value("medialib_storage_bytes", &[("namespace", "default")]),
        size
    );

    // Requests are counted by route template, never by the path with its ids.
    let img = [
        ("method", "GET"),
        ("route", "/img/{id}/{rev}/{ops}/{file}"),
        ("status", "200"),
    ];
    assert_eq!(m.value("medialib_http_requests_total", &img), 2.0, "{text}");
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    assert_eq!(m.value("medialib_http_requests_total", &unmatched), 1.0);
    for labels in m.label_sets("medialib_http_requests_total") {
        assert!(
            labels.iter().all(|(_, v)| !v.contains(id)),
            "no asset id in a label: {labels:?}"
        );
    }
    let retried = [("outcome", "retried")];
    assert_eq!(m.value("medialib_webhook_deliveries_total", &retried), 1.0);
    assert!(m.value("process_resident_memory_bytes", &[]) > 1e6);
    assert!(m.value("process_open_fds", &[]) > 0.0);

    // With `metrics.token`, scrapers without it are kept out. (A second server here, after
    // the counts above: the recorder is the process's.)
    let guarded = spawn_app_with(
        |s| s.metrics.token = Some(Secret::new("scrape-me".into())),
        false,
    )
    .await;
    assert_eq!(scrape(&guarded, None).await.0, 401);
    assert_eq!(scrape(&guarded, Some("guess")).await.0, 401);
    let (status, text) = scrape(&guarded, Some("scrape-me")).await;
    assert_eq!(status, 200);
    assert!(
        parse(&text)
            .families
            .iter()
            .any(|f| f == "medialib_uploads")
    );
}

fn sorted(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    labels.sort();
    labels
}
