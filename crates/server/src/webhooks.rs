//! The webhook dispatcher, one per server process: it turns outbox events into one
//! delivery per subscribed endpoint, with the payload the API would show, and sends due
//! deliveries ([`medialib_app::webhooks::sender`]). Several processes may run it on one
//! database: the store hands each event and each due delivery to one of them.
//!
//! Payload (Standard Webhooks' recommended shape): `{"type", "timestamp", "data"}` with
//! the asset as `GET /api/v1/assets/{id}` returns it (only `{"id"}` once it is purged),
//! and `"job"` beside it for job events.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::Duration;

use futures_util::StreamExt;
use medialib_app::webhooks::sender::Sender;
use medialib_core::store::NewDelivery;
use medialib_core::webhook::{EventType, OutboxEvent, Webhook};
use medialib_core::{NamespaceId, StoreError, Timestamp};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::dto::{JobDto, rfc3339};
use crate::state::AppState;

/// How often the outbox and the due deliveries are looked at.
const POLL: Duration = Duration::from_millis(500);
/// Events fanned out, and deliveries claimed, per round.
const BATCH: u32 = 100;
/// How long a claimed delivery is this process's: longer than an attempt can take.
const LEASE: Duration = Duration::from_secs(120);
/// Attempts in flight at once.
const CONCURRENT: usize = 8;

/// Runs the dispatcher until the server shuts down.
///
/// Errors when the HTTP client cannot be built.
pub fn spawn(state: AppState) -> anyhow::Result<JoinHandle<()>> {
    let sender = Sender::new(&state.catalog.settings.webhooks)?;
    Ok(tokio::spawn(async move {
        let mut poll = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                _ = state.shutdown.cancelled() => break,
                _ = poll.tick() => {
                    if let Err(e) = fan_out(&state).await {
                        tracing::warn!(error = %e, "webhook events not fanned out; retrying");
                    }
                    if let Err(e) = send_due(&state, &sender).await {
                        tracing::warn!(error = %e, "webhook deliveries not sent; retrying");
                    }
                }
            }
        }
    }))
}

/// Turns the outbox's events into deliveries, oldest first; an event no endpoint takes
/// is dropped.
async fn fan_out(state: &AppState) -> Result<(), StoreError> {
    let store = &state.catalog.store;
    let events = store.outbox(BATCH).await?;
    let mut endpoints: HashMap<NamespaceId, Vec<Webhook>> = HashMap::new();
    for event in events {
        let known = match endpoints.entry(event.namespace) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(store.list_webhooks(event.namespace).await?),
        };
        let takers: Vec<&Webhook> = known
            .iter()
            .filter(|w| w.enabled && w.events.contains(&event.event))
            .collect();
        let deliveries = if takers.is_empty() {
            Vec::new()
        } else {
            let payload = payload(state, &event).await?.to_string();
            takers
                .iter()
                .map(|w| NewDelivery {
                    webhook: w.id,
                    message_id: format!("msg_{}", uuid::Uuid::now_v7().simple()),
                    payload: payload.clone(),
                })
                .collect()
        };
        store
            .fan_out(&event, &deliveries, Timestamp::now_utc())
            .await?;
    }
    Ok(())
}

/// The JSON body of an event.
async fn payload(state: &AppState, event: &OutboxEvent) -> Result<Value, StoreError> {
    let store = &state.catalog.store;
    let asset = match event.event {
        EventType::AssetPurged => None,
        _ => store.get_asset(event.asset).await?,
    };
    let data = match asset {
        Some(asset) => match crate::routes::assets::render(state, &asset).await {
            Ok(dto) => serde_json::to_value(dto).unwrap_or(Value::Null),
            Err(e) => return Err(StoreError::Backend(e.message().to_owned())),
        },
        None => json!({ "id": event.asset.to_string() }),
    };
    let mut body = json!({
        "type": event.event.as_str(),
        "timestamp": rfc3339(event.at),
        "data": data,
    });
    if let Some(id) = event.job
        && let Some(job) = store.get_job(id).await?
    {
        body["job"] = serde_json::to_value(JobDto::from_job(&job)).unwrap_or(Value::Null);
    }
    Ok(body)
}

/// Sends the deliveries that are due, a few at once, and records each attempt.
async fn send_due(state: &AppState, sender: &Sender) -> Result<(), StoreError> {
    let store = &state.catalog.store;
    let due = store
        .claim_deliveries(Timestamp::now_utc(), LEASE, BATCH)
        .await?;
    futures_util::stream::iter(due)
        .for_each_concurrent(CONCURRENT, |(delivery, webhook)| async move {
            let attempt = sender
                .attempt(&delivery, &webhook, Timestamp::now_utc())
                .await;
            if attempt.error.is_some() {
                tracing::info!(webhook = %webhook.id, delivery = delivery.id.0, error = attempt.error.as_deref().unwrap_or_default(), "webhook delivery failed");
            }
            if let Err(e) = store.record_attempt(&attempt).await {
                // The lease runs out and the delivery is sent again: at least once.
                tracing::warn!(error = %e, delivery = delivery.id.0, "webhook attempt not recorded");
            }
        })
        .await;
    Ok(())
}
