//! Prometheus metrics (DESIGN §9.5): the one list of what medialib measures, and the
//! calls that record it, through the `metrics` facade. Whoever installs a recorder (the
//! server's `/metrics`) collects them; without one they cost nothing.
//!
//! Names follow Prometheus conventions: `_total` for counters, `_seconds` and `_bytes` for
//! units, base units only. Labels take few values (kinds, outcomes, route templates),
//! never ids or paths.

use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};

/// HTTP requests answered, by route template, method and status.
pub const HTTP_REQUESTS: &str = "medialib_http_requests_total";
/// Time to answer an HTTP request (headers sent), by route template and method.
pub const HTTP_DURATION: &str = "medialib_http_request_duration_seconds";
/// Uploads by asset kind and outcome (`created`, `duplicate`, `refused`).
pub const UPLOADS: &str = "medialib_uploads_total";
/// Bytes of new originals stored, by asset kind.
pub const UPLOAD_BYTES: &str = "medialib_upload_bytes_total";
/// Job attempts by job kind and outcome (`succeeded`, `retried`, `failed`).
pub const JOBS: &str = "medialib_jobs_total";
/// Time one job attempt ran, by job kind.
pub const JOB_DURATION: &str = "medialib_job_duration_seconds";
/// Jobs in the queue now, by job kind and status (`queued`, `running`).
pub const QUEUE: &str = "medialib_queue_jobs";
/// Transform requests by how they got their result (`hit`, `miss`, `shared`).
pub const TRANSFORMS: &str = "medialib_transform_requests_total";
/// Transform renders by output format and outcome (`rendered`, `failed`).
pub const RENDERS: &str = "medialib_transform_renders_total";
/// Time one transform render took, by output format.
pub const RENDER_DURATION: &str = "medialib_transform_render_duration_seconds";
/// Bytes of response bodies delivered, by asset kind and file (`original`, `variant`,
/// `transform`).
pub const DELIVERED_BYTES: &str = "medialib_delivered_bytes_total";
/// Bytes of originals stored per namespace (live and in the trash), refreshed by the
/// maintenance task.
pub const STORAGE_BYTES: &str = "medialib_storage_bytes";
/// Webhook delivery attempts by outcome (`delivered`, `retried`, `failed`).
pub const WEBHOOKS: &str = "medialib_webhook_deliveries_total";

/// Every metric with its unit and help text, for the exporter's `# HELP` lines.
pub fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request"
    );
    describe_counter!(UPLOADS, "Uploads by asset kind and outcome");
    describe_counter!(UPLOAD_BYTES, Unit::Bytes, "Bytes of new originals stored");
    describe_counter!(JOBS, "Job attempts by kind and outcome");
    describe_histogram!(JOB_DURATION, Unit::Seconds, "Time one job attempt ran");
    describe_gauge!(QUEUE, "Jobs in the queue now, by kind and status");
    describe_counter!(TRANSFORMS, "Transform requests by cache outcome");
    describe_counter!(RENDERS, "Transform renders by format and outcome");
    describe_histogram!(
        RENDER_DURATION,
        Unit::Seconds,
        "Time one transform render took"
    );
    describe_counter!(
        DELIVERED_BYTES,
        Unit::Bytes,
        "Bytes of response bodies delivered"
    );
    describe_gauge!(
        STORAGE_BYTES,
        Unit::Bytes,
        "Bytes of originals stored per namespace"
    );
    describe_counter!(WEBHOOKS, "Webhook delivery attempts by outcome");
}

/// One upload's end: `kind` is the asset kind (`unknown` when refused before sniffing),
/// `outcome` `created`, `duplicate` or `refused`; `bytes` counts only when created.
pub fn upload(kind: &'static str, outcome: &'static str, bytes: u64) {
    counter!(UPLOADS, "kind" => kind, "outcome" => outcome).increment(1);
    if outcome == "created" {
        counter!(UPLOAD_BYTES, "kind" => kind).increment(bytes);
    }
}

/// One job attempt's end, after `took`.
pub fn job(kind: &'static str, outcome: &'static str, took: Duration) {
    counter!(JOBS, "kind" => kind, "outcome" => outcome).increment(1);
    metrics::histogram!(JOB_DURATION, "kind" => kind).record(took.as_secs_f64());
}

/// The queue's depth now: jobs of `kind` in `status`.
pub fn queue(kind: &'static str, status: &'static str, jobs: u64) {
    gauge!(QUEUE, "kind" => kind, "status" => status).set(jobs as f64);
}

/// One transform request, by how it got its result (`hit`, `miss`, `shared`).
pub fn transform(cache: &'static str) {
    counter!(TRANSFORMS, "cache" => cache).increment(1);
}

/// One transform render into `format`, successful or not, after `took`.
pub fn render(format: &'static str, ok: bool, took: Duration) {
    let outcome = if ok { "rendered" } else { "failed" };
    counter!(RENDERS, "format" => format, "outcome" => outcome).increment(1);
    metrics::histogram!(RENDER_DURATION, "format" => format).record(took.as_secs_f64());
}

/// A response body of `bytes` bytes: a `file` (`original`, `variant`, `transform`) of an
/// asset of `kind`.
pub fn delivered(kind: &'static str, file: &'static str, bytes: u64) {
    counter!(DELIVERED_BYTES, "kind" => kind, "file" => file).increment(bytes);
}

/// Bytes of originals namespace `namespace` stores.
pub fn storage(namespace: &str, bytes: u64) {
    gauge!(STORAGE_BYTES, "namespace" => namespace.to_owned()).set(bytes as f64);
}

/// One webhook delivery attempt: `delivered`, `retried` or `failed` (given up).
pub fn webhook(outcome: &'static str) {
    counter!(WEBHOOKS, "outcome" => outcome).increment(1);
}
