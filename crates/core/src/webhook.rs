//! Webhooks: endpoints that are told when media changes, signed per the Standard Webhooks
//! specification (<https://www.standardwebhooks.com/>), and the deliveries to them.

use std::fmt;
use std::str::FromStr;

use crate::asset::text_enum;
use crate::{AssetId, JobId, NamespaceId, Timestamp};

/// Identifies a webhook endpoint within the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WebhookId(pub i64);

/// Identifies one delivery (one event to one endpoint, with all its attempts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryId(pub i64);

/// What happened: the `type` of a webhook payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// An upload became an asset (processing starts).
    AssetCreated,
    /// Processing ended: facts and variants are there.
    AssetReady,
    /// Processing failed for good; the asset's `error` says why.
    AssetFailed,
    /// Its title, description, alt text, visibility or focal point changed.
    AssetUpdated,
    /// Moved to the trash.
    AssetTrashed,
    /// Taken back out of the trash.
    AssetRestored,
    /// Deleted for good, bytes included.
    AssetPurged,
    /// A job (processing or a transcode) succeeded.
    JobSucceeded,
    /// A job failed for good.
    JobFailed,
    /// A resumable upload (tus or chunked) received its last byte and became an asset.
    UploadCompleted,
}

text_enum!(EventType {
    AssetCreated => "asset.created",
    AssetReady => "asset.ready",
    AssetFailed => "asset.failed",
    AssetUpdated => "asset.updated",
    AssetTrashed => "asset.trashed",
    AssetRestored => "asset.restored",
    AssetPurged => "asset.purged",
    JobSucceeded => "job.succeeded",
    JobFailed => "job.failed",
    UploadCompleted => "upload.completed",
});

/// An endpoint of a namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// The namespace whose events it receives.
    pub namespace: NamespaceId,
    /// Where events are POSTed (`http` or `https`).
    pub url: String,
    /// The events it receives.
    pub events: Vec<EventType>,
    /// Free text.
    pub description: Option<String>,
    /// The signing secret, `whsec_` and a base64 key of 24 bytes.
    pub secret: String,
    /// Whether events are sent to it. Off after it failed without a break for a day.
    pub enabled: bool,
    /// Why it was turned off, when it was by medialib.
    pub disabled_reason: Option<String>,
    /// Since when its deliveries fail without a success; `None` while healthy.
    pub failing_since: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// A change reported by the store's triggers, in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Its place in the outbox (increasing).
    pub id: i64,
    /// What happened.
    pub event: EventType,
    /// The asset's namespace.
    pub namespace: NamespaceId,
    /// The asset (gone for [`EventType::AssetPurged`]).
    pub asset: AssetId,
    /// The job, for job events.
    pub job: Option<JobId>,
    /// When it happened.
    pub at: Timestamp,
}

/// How a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Not delivered yet: its next attempt is due at `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: every attempt for a day failed, or the endpoint was turned off.
    Failed,
}

text_enum!(DeliveryStatus {
    Pending => "pending",
    Delivered => "delivered",
    Failed => "failed",
});

/// One event for one endpoint, with the outcome of its attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// The endpoint.
    pub webhook: WebhookId,
    /// The `webhook-id` header: the same on every attempt, so receivers can drop repeats.
    pub message_id: String,
    /// What happened.
    pub event: EventType,
    /// The JSON body sent.
    pub payload: String,
    /// How it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Timestamp,
    /// The HTTP status of the last answer, if there was one.
    pub response_status: Option<u16>,
    /// Why the last attempt failed (no answer, or a status other than 2xx).
    pub last_error: Option<String>,
    /// How long the last attempt took, in milliseconds.
    pub duration_ms: Option<u64>,
    /// When the event was queued for this endpoint.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    /// The endpoint answered 2xx.
    Delivered,
    /// It failed; try again at this time.
    Retry(Timestamp),
    /// It failed, and no attempt is left.
    GaveUp,
}

/// One attempt to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The delivery.
    pub delivery: DeliveryId,
    /// Its endpoint.
    pub webhook: WebhookId,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// The HTTP status of the answer, if any.
    pub response_status: Option<u16>,
    /// Why it failed.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// When it ended.
    pub at: Timestamp,
    /// Turns the endpoint off with this reason (it has failed for too long).
    pub disable: Option<String>,
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for WebhookId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}
