//! Prometheus metrics: the process's recorder and its rendering for `GET /metrics`, the
//! HTTP middleware that counts requests by route template, and the gauges the maintenance
//! task refreshes from the database. What is measured is listed in
//! [`medialib_app::metrics`]; the process's own metrics (`process_*`: RSS, open files, CPU
//! time) come from `metrics-process`.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use medialib_app::metrics::{self as measured, HTTP_DURATION, HTTP_REQUESTS};
use medialib_core::store::QueueDepth;
use medialib_core::{JobKind, JobStatus};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// Histogram buckets of every `_seconds` metric: from a cached delivery (sub-millisecond)
/// to a long transcode, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    300.0, 1800.0,
];

struct Exporter {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

/// The process's exporter, installed as the global recorder on first use. When another
/// recorder was installed first (a program embedding the server), this one renders only
/// what it was given.
fn exporter() -> &'static Exporter {
    static EXPORTER: OnceLock<Exporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows this one's");
        }
        measured::describe();
        let process = metrics_process::Collector::default();
        process.describe();
        Exporter { handle, process }
    })
}

/// Installs the recorder, so that what happens from now on is counted.
pub fn install() {
    exporter();
}

/// Every metric in the Prometheus text format (version 0.0.4), with the process's
/// metrics read now.
pub fn render() -> String {
    let exporter = exporter();
    exporter.process.collect();
    exporter.handle.run_upkeep();
    exporter.handle.render()
}

/// Counts a request and its duration under its route template (`/img/{id}/{rev}/…`,
/// never the path itself), method and status; `unmatched` for paths no route has.
pub async fn track(route: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = route.map_or_else(|| "unmatched".to_owned(), |r| r.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The method as a label: the standard ones by name, anything else `other`, so a client
/// inventing methods cannot create new series.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Refreshes the gauges read from the database: the queue's depth by job kind and status
/// (zero for the pairs with no job), and the bytes each namespace stores. Failures are
/// logged; the gauges keep their last values.
pub async fn refresh(state: &AppState) {
    let store = &state.catalog.store;
    match store.queue_depth().await {
        Ok(depth) => {
            for &kind in JobKind::ALL {
                for status in [JobStatus::Queued, JobStatus::Running] {
                    let jobs = depth
                        .iter()
                        .find(|d: &&QueueDepth| d.kind == kind && d.status == status)
                        .map_or(0, |d| d.jobs);
                    measured::queue(kind.as_str(), status.as_str(), jobs);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "queue depth not refreshed"),
    }
    let namespaces = match store.list_namespaces().await {
        Ok(namespaces) => namespaces,
        Err(e) => {
            tracing::warn!(error = %e, "storage per namespace not refreshed");
            return;
        }
    };
    for namespace in namespaces {
        match store.namespace_usage(namespace.id).await {
            Ok(usage) => measured::storage(&namespace.slug, usage.bytes),
            Err(e) => {
                tracing::warn!(error = %e, namespace = %namespace.slug, "storage not refreshed")
            }
        }
    }
}
