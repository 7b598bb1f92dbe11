//! `/api/v1/webhooks`: a namespace's webhook endpoints (admins), their deliveries and
//! redelivery. Sending is [`crate::webhooks`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::webhooks::{self, EndpointInput};
use medialib_core::webhook::{Delivery, DeliveryId, DeliveryStatus, Webhook, WebhookId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::nullable;
use super::extract::{ApiJson, ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::schema;
use crate::dto::{Items, rfc3339};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// An endpoint as the API shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct WebhookDto {
    id: i64,
    url: String,
    /// Event types, e.g. `asset.ready`.
    events: Vec<&'static str>,
    description: Option<String>,
    /// Off when an admin turned it off, or medialib did after it failed for a day.
    enabled: bool,
    /// Why medialib turned it off.
    disabled_reason: Option<String>,
    /// RFC 3339: since when its deliveries fail without a success; `null` when healthy.
    failing_since: Option<String>,
    /// The signing secret (`whsec_…`): in the answer to `POST` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339.
    updated_at: String,
}

impl WebhookDto {
    fn new(w: Webhook, with_secret: bool) -> Self {
        Self {
            id: w.id.0,
            url: w.url,
            events: w.events.iter().map(|e| e.as_str()).collect(),
            description: w.description,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            failing_since: w.failing_since.map(rfc3339),
            secret: with_secret.then_some(w.secret),
            created_at: rfc3339(w.created_at),
            updated_at: rfc3339(w.updated_at),
        }
    }
}

/// One event sent (or to send) to one endpoint.
#[derive(Serialize, ToSchema)]
pub(crate) struct DeliveryDto {
    id: i64,
    /// The `webhook-id` header: the same on every attempt.
    message_id: String,
    event: &'static str,
    /// `pending`, `delivered` or `failed`.
    status: &'static str,
    attempts: u32,
    /// RFC 3339: when a pending delivery is tried next.
    next_attempt_at: Option<String>,
    /// The HTTP status of the last answer.
    response_status: Option<u16>,
    /// Why the last attempt failed.
    last_error: Option<String>,
    /// How long the last attempt took, in milliseconds.
    duration_ms: Option<u64>,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339.
    updated_at: String,
}

impl From<Delivery> for DeliveryDto {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id.0,
            message_id: d.message_id,
            event: d.event.as_str(),
            status: d.status.as_str(),
            attempts: d.attempts,
            next_attempt_at: (d.status == DeliveryStatus::Pending)
                .then(|| rfc3339(d.next_attempt_at)),
            response_status: d.response_status,
            last_error: d.last_error,
            duration_ms: d.duration_ms,
            created_at: rfc3339(d.created_at),
            updated_at: rfc3339(d.updated_at),
        }
    }
}

fn webhook_id(raw: &str) -> Result<WebhookId, ApiError> {
    parse_id::<i64>(raw, "webhook").map(WebhookId)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateWebhook {
    /// `http://` or `https://`.
    #[schema(pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]")]
    url: String,
    /// Event types: `asset.created`, `asset.ready`, `asset.failed`, `asset.updated`,
    /// `asset.trashed`, `asset.restored`, `asset.purged`, `job.succeeded`, `job.failed`,
    /// `upload.completed`.
    #[schema(schema_with = schema::event_types)]
    events: Vec<String>,
    description: Option<String>,
}

/// `POST /api/v1/webhooks` with `{url, events, description?}` → 201 and the endpoint,
/// with its signing secret (shown this once).
#[utoipa::path(
    operation_id = "webhooks_create",
    post,
    path = "/webhooks",
    tag = "webhooks",
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "created; `secret` is shown only now", body = WebhookDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 422, description = "a bad URL or event type", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookDto>), ApiError> {
    let input = EndpointInput {
        url: Some(body.url),
        events: Some(body.events),
        description: Some(body.description),
        enabled: None,
    };
    let created = webhooks::create(&state.catalog, &auth, input).await?;
    Ok((StatusCode::CREATED, Json(WebhookDto::new(created, true))))
}

/// `GET /api/v1/webhooks`: the namespace's endpoints (without secrets).
#[utoipa::path(
    operation_id = "webhooks_list",
    get,
    path = "/webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "the endpoints", body = Items<WebhookDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Items<WebhookDto>>, ApiError> {
    let items = webhooks::list(&state.catalog, &auth).await?;
    Ok(Json(Items {
        items: items
            .into_iter()
            .map(|w| WebhookDto::new(w, false))
            .collect(),
    }))
}

/// `GET /api/v1/webhooks/{id}`.
#[utoipa::path(
    operation_id = "webhooks_get",
    get,
    path = "/webhooks/{id}",
    tag = "webhooks",
    params(("id" = i64, Path, description = "webhook id")),
    responses(
        (status = 200, description = "the endpoint", body = WebhookDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<WebhookDto>, ApiError> {
    let found = webhooks::get(&state.catalog, &auth, webhook_id(&id)?).await?;
    Ok(Json(WebhookDto::new(found, false)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchWebhook {
    /// `http://` or `https://`.
    #[schema(pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]")]
    url: Option<String>,
    /// As when created.
    #[schema(schema_with = schema::optional::event_types)]
    events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// `true` turns it on again (clearing why it was turned off).
    enabled: Option<bool>,
}

/// `PATCH /api/v1/webhooks/{id}`; absent fields stay.
#[utoipa::path(
    operation_id = "webhooks_patch",
    patch,
    path = "/webhooks/{id}",
    tag = "webhooks",
    params(("id" = i64, Path, description = "webhook id")),
    request_body = PatchWebhook,
    responses(
        (status = 200, description = "the changed endpoint", body = WebhookDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "not found", body = ErrorBody),
        (status = 422, description = "a bad URL or event type", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchWebhook>,
) -> Result<Json<WebhookDto>, ApiError> {
    let input = EndpointInput {
        url: body.url,
        events: body.events,
        description: body.description,
        enabled: body.enabled,
    };
    let changed = webhooks::edit(&state.catalog, &auth, webhook_id(&id)?, input).await?;
    Ok(Json(WebhookDto::new(changed, false)))
}

/// `DELETE /api/v1/webhooks/{id}`: the endpoint and its deliveries.
#[utoipa::path(
    operation_id = "webhooks_delete",
    delete,
    path = "/webhooks/{id}",
    tag = "webhooks",
    params(("id" = i64, Path, description = "webhook id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "not found", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete(&state.catalog, &auth, webhook_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveriesParams {
    /// Deliveries with ids below this one (the previous page's `next_before`).
    before: Option<i64>,
    /// Page size, clamped to 1–200 (default 50).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DeliveryPage {
    items: Vec<DeliveryDto>,
    /// Pass as `before` for the next (older) page; `null` on the last.
    next_before: Option<i64>,
}

/// `GET /api/v1/webhooks/{id}/deliveries?before=&limit=`: newest first.
#[utoipa::path(
    operation_id = "webhooks_deliveries",
    get,
    path = "/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = i64, Path, description = "webhook id"), DeliveriesParams),
    responses(
        (status = 200, description = "deliveries, newest first", body = DeliveryPage),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "not found", body = ErrorBody),
    )
)]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<DeliveriesParams>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let limit = params.limit.unwrap_or(50);
    let before = params.before.map(DeliveryId);
    let found =
        webhooks::deliveries(&state.catalog, &auth, webhook_id(&id)?, before, limit).await?;
    let full = found.len() as u32 == limit.clamp(1, webhooks::MAX_PAGE);
    let next_before = full.then(|| found.last().map(|d| d.id.0)).flatten();
    Ok(Json(DeliveryPage {
        items: found.into_iter().map(DeliveryDto::from).collect(),
        next_before,
    }))
}

/// `POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver`: sends it again now,
/// with the same `webhook-id`.
#[utoipa::path(
    operation_id = "webhooks_redeliver",
    post,
    path = "/webhooks/{id}/deliveries/{delivery}/redeliver",
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "webhook id"),
        ("delivery" = i64, Path, description = "delivery id"),
    ),
    responses(
        (status = 202, description = "queued again", body = DeliveryDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "no such endpoint or delivery", body = ErrorBody),
    )
)]
pub(crate) async fn redeliver(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<(StatusCode, Json<DeliveryDto>), ApiError> {
    let delivery = parse_id::<i64>(&delivery, "delivery").map(DeliveryId)?;
    let queued = webhooks::redeliver(&state.catalog, &auth, webhook_id(&id)?, delivery).await?;
    Ok((StatusCode::ACCEPTED, Json(queued.into())))
}
