//! `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: every
//! dependency answers, see [`medialib_app::health`]), for load balancers and
//! orchestrators; neither needs a token.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use medialib_app::health::{self, Check};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::rfc3339;
use crate::state::AppState;

/// `GET /healthz`: `ok` while the process serves requests.
#[utoipa::path(
    operation_id = "health",
    get,
    path = "/healthz",
    tag = "meta",
    security(()),
    responses((status = 200, description = "serving", body = String, content_type = "text/plain"))
)]
pub(crate) async fn live() -> &'static str {
    "ok"
}

/// The readiness report.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReadinessDto {
    /// `ok`, or `failing` when any check fails.
    status: &'static str,
    /// When the checks ran (RFC 3339).
    timestamp: String,
    checks: ChecksDto,
}

#[derive(Serialize, ToSchema)]
struct ChecksDto {
    database: CheckDto,
    storage: CheckDto,
    queue: QueueDto,
    disk: DiskDto,
}

/// A check that passed (`ok`) or failed (`failing`, with the reason).
#[derive(Serialize, ToSchema)]
struct CheckDto {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The job queue; counts are absent when the database could not be read.
#[derive(Serialize, ToSchema)]
struct QueueDto {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    queued: Option<u64>,
    running: Option<u64>,
    /// Jobs that failed for good in the last hour.
    failed_last_hour: Option<u64>,
    /// Seconds the oldest queued job has waited; 0 when none waits.
    oldest_queued_age_s: Option<u64>,
}

/// The data directory's disk.
#[derive(Serialize, ToSchema)]
struct DiskDto {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    free_bytes: Option<u64>,
}

fn outcome<T>(check: &Check<T>) -> (&'static str, Option<String>) {
    match check {
        Ok(_) => ("ok", None),
        Err(why) => ("failing", Some(why.clone())),
    }
}

/// `GET /readyz`: 200 when the database, the blob store, the job queue and the disk all
/// answer, else 503 naming the failing check and why. Each check gives up after 2 s.
#[utoipa::path(
    operation_id = "ready",
    get,
    path = "/readyz",
    tag = "meta",
    security(()),
    responses(
        (status = 200, description = "ready", body = ReadinessDto),
        (status = 503, description = "a check fails; its `error` says why", body = ReadinessDto),
    )
)]
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    let report = health::readiness(&state.catalog).await;
    let ready = report.is_ready();
    if !ready {
        tracing::warn!(?report, "not ready");
    }
    let (database, database_error) = outcome(&report.database);
    let (storage, storage_error) = outcome(&report.storage);
    let (queue, queue_error) = outcome(&report.queue);
    let (disk, disk_error) = outcome(&report.disk_free_bytes);
    let stats = report.queue.as_ref().ok();
    let waited =
        |t: medialib_core::Timestamp| (report.checked_at - t).whole_seconds().max(0) as u64;
    let dto = ReadinessDto {
        status: if ready { "ok" } else { "failing" },
        timestamp: rfc3339(report.checked_at),
        checks: ChecksDto {
            database: CheckDto {
                status: database,
                error: database_error,
            },
            storage: CheckDto {
                status: storage,
                error: storage_error,
            },
            queue: QueueDto {
                status: queue,
                error: queue_error,
                queued: stats.map(|s| s.queued),
                running: stats.map(|s| s.running),
                failed_last_hour: stats.map(|s| s.failed_since),
                oldest_queued_age_s: stats.map(|s| s.oldest_queued.map_or(0, waited)),
            },
            disk: DiskDto {
                status: disk,
                error: disk_error,
                free_bytes: report.disk_free_bytes.as_ref().ok().copied(),
            },
        },
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(dto)).into_response()
}

/// `GET /metrics`: every metric in the Prometheus text format (see the README's list).
/// With `metrics.token` set, scrapers send it as `Authorization: Bearer …`.
#[utoipa::path(
    operation_id = "metrics",
    get,
    path = "/metrics",
    tag = "meta",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the metrics", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "`metrics.token` is set and the request does not carry it", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, crate::error::ApiError> {
    if let Some(token) = &state.catalog.settings.metrics.token {
        let sent = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Digests of equal length: comparing them reveals nothing of the token.
        let digest = |s: &str| <sha2::Sha256 as sha2::Digest>::digest(s.as_bytes());
        if digest(sent) != digest(token.expose()) {
            return Err(crate::error::ApiError::unauthorized());
        }
    }
    let content_type = (
        axum::http::header::CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8",
    );
    Ok(([content_type], crate::metrics::render()).into_response())
}
