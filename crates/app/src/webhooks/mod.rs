//! Webhooks (DESIGN §9.5): a namespace's admins register endpoints; every change the
//! store's triggers report in the same transaction (the outbox) is sent to the endpoints
//! that subscribed to its type, signed per Standard Webhooks, at least once.
//!
//! - `mod.rs`: the use cases (create, read, change, delete endpoints; their deliveries;
//!   redelivery), admins only.
//! - [`signing`]: secrets and `webhook-signature`.
//! - [`sender`]: the HTTP client behind the SSRF guard, one attempt, and what follows it
//!   (retry time, giving up, turning an endpoint off).

pub mod sender;
pub mod signing;

use medialib_core::access::{Access, Principal};
use medialib_core::store::{NewWebhook, WebhookPatch};
use medialib_core::webhook::{Delivery, DeliveryId, EventType, Webhook, WebhookId};
use medialib_core::{AppError, Timestamp};

use crate::Catalog;
use crate::access::authorize::require;

/// Longest URL, in bytes.
const MAX_URL: usize = 2000;
/// Longest description, in characters.
const MAX_DESCRIPTION: usize = 500;
/// Most deliveries one page lists.
pub const MAX_PAGE: u32 = 200;

/// What an admin asks for when registering or changing an endpoint.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    /// Where to send (`http` or `https`).
    pub url: Option<String>,
    /// The event type names, e.g. `asset.ready`.
    pub events: Option<Vec<String>>,
    /// Free text; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// On or off (changing only).
    pub enabled: Option<bool>,
}

fn check_url(url: &str) -> Result<(), AppError> {
    let parsed =
        url::Url::parse(url).map_err(|_| AppError::invalid(format!("{url:?} is not a URL")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(AppError::invalid(
            "a webhook URL must be http:// or https:// with a host",
        ));
    }
    if url.len() > MAX_URL {
        return Err(AppError::invalid(format!(
            "a webhook URL is at most {MAX_URL} bytes"
        )));
    }
    Ok(())
}

fn parse_events(names: &[String]) -> Result<Vec<EventType>, AppError> {
    if names.is_empty() {
        return Err(AppError::invalid(
            "events must name at least one event type",
        ));
    }
    let mut events = Vec::new();
    for name in names {
        let event: EventType = name.parse().map_err(|_| {
            let known: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
            AppError::invalid(format!(
                "{name:?} is not an event type; they are {}",
                known.join(", ")
            ))
        })?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    Ok(events)
}

fn check_description(description: Option<&str>) -> Result<(), AppError> {
    match description {
        Some(d) if d.chars().count() > MAX_DESCRIPTION => Err(AppError::invalid(format!(
            "the description is longer than {MAX_DESCRIPTION} characters"
        ))),
        _ => Ok(()),
    }
}

/// Registers an endpoint of the caller's namespace, with a new signing secret (returned
/// in the [`Webhook`]; show it once).
///
/// Errors: `forbidden` for non-admins; `invalid_request` for a missing or non-http(s)
/// URL, no or unknown event types, or a long description.
pub async fn create(
    catalog: &Catalog,
    caller: &Principal,
    input: EndpointInput,
) -> Result<Webhook, AppError> {
    require(caller, Access::Admin)?;
    let url = input
        .url
        .ok_or_else(|| AppError::invalid("url is required"))?;
    check_url(&url)?;
    let events = parse_events(&input.events.unwrap_or_default())?;
    let description = input.description.flatten();
    check_description(description.as_deref())?;
    let new = NewWebhook {
        url,
        events,
        description,
        secret: signing::new_secret(),
    };
    Ok(catalog.store.create_webhook(caller.namespace, &new).await?)
}

/// The namespace's endpoints.
///
/// Errors: `forbidden` for non-admins.
pub async fn list(catalog: &Catalog, caller: &Principal) -> Result<Vec<Webhook>, AppError> {
    require(caller, Access::Admin)?;
    Ok(catalog.store.list_webhooks(caller.namespace).await?)
}

/// One endpoint of the namespace.
///
/// Errors: `forbidden`; `not_found` (also for another namespace's).
pub async fn get(
    catalog: &Catalog,
    caller: &Principal,
    id: WebhookId,
) -> Result<Webhook, AppError> {
    require(caller, Access::Admin)?;
    catalog
        .store
        .get_webhook(caller.namespace, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("webhook {id}")))
}

/// Changes an endpoint; enabling it again clears why it was turned off.
///
/// Errors: as [`create`], and `not_found`.
pub async fn edit(
    catalog: &Catalog,
    caller: &Principal,
    id: WebhookId,
    input: EndpointInput,
) -> Result<Webhook, AppError> {
    require(caller, Access::Admin)?;
    if let Some(url) = &input.url {
        check_url(url)?;
    }
    let events = input.events.as_deref().map(parse_events).transpose()?;
    check_description(input.description.clone().flatten().as_deref())?;
    let patch = WebhookPatch {
        url: input.url,
        events,
        description: input.description,
        enabled: input.enabled,
    };
    catalog
        .store
        .update_webhook(caller.namespace, id, &patch)
        .await?
        .ok_or_else(|| AppError::not_found(format!("webhook {id}")))
}

/// Deletes an endpoint and its deliveries.
///
/// Errors: `forbidden`; `not_found`.
pub async fn delete(catalog: &Catalog, caller: &Principal, id: WebhookId) -> Result<(), AppError> {
    require(caller, Access::Admin)?;
    if catalog.store.delete_webhook(caller.namespace, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found(format!("webhook {id}")))
    }
}

/// An endpoint's deliveries, newest first: `limit` (at most [`MAX_PAGE`]) with ids below
/// `before`.
///
/// Errors: `forbidden`; `not_found`.
pub async fn deliveries(
    catalog: &Catalog,
    caller: &Principal,
    id: WebhookId,
    before: Option<DeliveryId>,
    limit: u32,
) -> Result<Vec<Delivery>, AppError> {
    let webhook = get(catalog, caller, id).await?;
    Ok(catalog
        .store
        .list_deliveries(webhook.id, before, limit.clamp(1, MAX_PAGE))
        .await?)
}

/// Sends a delivery again, now (whatever its status), with the same `webhook-id`.
///
/// Errors: `forbidden`; `not_found` for an unknown endpoint or delivery.
pub async fn redeliver(
    catalog: &Catalog,
    caller: &Principal,
    id: WebhookId,
    delivery: DeliveryId,
) -> Result<Delivery, AppError> {
    let webhook = get(catalog, caller, id).await?;
    catalog
        .store
        .redeliver(webhook.id, delivery, Timestamp::now_utc())
        .await?
        .ok_or_else(|| AppError::not_found(format!("delivery {}", delivery.0)))
}
