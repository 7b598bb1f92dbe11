//! Webhooks' contract: endpoints, the event outbox the store's triggers fill, and
//! deliveries with their attempts.

use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;
use crate::webhook::{Attempt, Delivery, DeliveryId, EventType, OutboxEvent, Webhook, WebhookId};
use crate::{NamespaceId, Timestamp};

/// A new endpoint.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Where events go.
    pub url: String,
    /// Which events.
    pub events: Vec<EventType>,
    /// Free text.
    pub description: Option<String>,
    /// The signing secret (`whsec_…`).
    pub secret: String,
}

/// Changes to an endpoint; `None` leaves a field. Enabling it again clears why it was
/// turned off and since when it failed.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    /// New URL.
    pub url: Option<String>,
    /// New events.
    pub events: Option<Vec<EventType>>,
    /// New description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// On or off.
    pub enabled: Option<bool>,
}

/// A delivery to record for an outbox event.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The endpoint.
    pub webhook: WebhookId,
    /// The `webhook-id` header value.
    pub message_id: String,
    /// The JSON body.
    pub payload: String,
}

/// Webhook endpoints, the outbox and deliveries.
#[async_trait]
pub trait WebhookStore {
    /// Creates an endpoint of `namespace`.
    async fn create_webhook(
        &self,
        namespace: NamespaceId,
        new: &NewWebhook,
    ) -> Result<Webhook, StoreError>;

    /// The namespace's endpoints, oldest first.
    async fn list_webhooks(&self, namespace: NamespaceId) -> Result<Vec<Webhook>, StoreError>;

    /// An endpoint of the namespace.
    async fn get_webhook(
        &self,
        namespace: NamespaceId,
        id: WebhookId,
    ) -> Result<Option<Webhook>, StoreError>;

    /// Changes an endpoint; `None` when the namespace has no such endpoint.
    async fn update_webhook(
        &self,
        namespace: NamespaceId,
        id: WebhookId,
        patch: &WebhookPatch,
    ) -> Result<Option<Webhook>, StoreError>;

    /// Deletes an endpoint and its deliveries; `false` when there is no such endpoint.
    async fn delete_webhook(
        &self,
        namespace: NamespaceId,
        id: WebhookId,
    ) -> Result<bool, StoreError>;

    /// Up to `limit` events of the outbox, oldest first (they stay until
    /// [`WebhookStore::fan_out`] takes them).
    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxEvent>, StoreError>;

    /// Takes event `event` out of the outbox and records `deliveries` for it, due at
    /// `now`, in one transaction. `false`, recording nothing, when another process took
    /// it first.
    async fn fan_out(
        &self,
        event: &OutboxEvent,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Claims up to `limit` pending deliveries due at `now` to enabled endpoints, with
    /// their endpoint: their next attempt moves to `now + lease`, so no other process
    /// sends them meanwhile.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<(Delivery, Webhook)>, StoreError>;

    /// Records an attempt: the delivery's outcome, and the endpoint's health (failing
    /// since its first failure after a success; turned off when `attempt.disable` says).
    async fn record_attempt(&self, attempt: &Attempt) -> Result<(), StoreError>;

    /// Deliveries of an endpoint, newest first: `limit` of them with ids below `before`.
    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Makes a delivery of `webhook` pending again, due at `now`; `None` when there is no
    /// such delivery.
    async fn redeliver(
        &self,
        webhook: WebhookId,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<Option<Delivery>, StoreError>;
}
