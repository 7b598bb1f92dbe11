//! Values both backends read and write alike, once the driver has decoded a row into
//! plain Rust values: the job queue's depth, a webhook's event list, an attempt's effect
//! on its delivery.

use medialib_core::store::QueueDepth;
use medialib_core::webhook::{AttemptOutcome, DeliveryStatus, EventType};
use medialib_core::{StoreError, Timestamp};

/// Rows of `(kind, status, count)` as [`QueueDepth`]s.
///
/// Errors: [`StoreError::Backend`] for a kind or status medialib does not know.
pub(crate) fn queue_depth(rows: Vec<(String, String, i64)>) -> Result<Vec<QueueDepth>, StoreError> {
    let unknown =
        |what: &str, value: &str| StoreError::Backend(format!("a job of unknown {what} {value:?}"));
    rows.into_iter()
        .map(|(kind, status, jobs)| {
            Ok(QueueDepth {
                kind: kind.parse().map_err(|_| unknown("kind", &kind))?,
                status: status.parse().map_err(|_| unknown("status", &status))?,
                jobs: jobs as u64,
            })
        })
        .collect()
}

/// A webhook's event types as stored: a JSON array of their names.
pub(crate) fn events_json(events: &[EventType]) -> String {
    serde_json::to_string(&events.iter().map(|e| e.as_str()).collect::<Vec<_>>())
        .expect("strings serialize")
}

/// The event types of a stored JSON array.
///
/// Errors: [`StoreError::Backend`] for text that is no array of known event names.
pub(crate) fn events(json: &str) -> Result<Vec<EventType>, StoreError> {
    let bad = |why: String| StoreError::Backend(format!("webhook events {json:?}: {why}"));
    let names: Vec<String> = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    names.iter().map(|n| n.parse().map_err(bad)).collect()
}

/// What an attempt ending `outcome` at `at` makes of its delivery: its status, and when
/// it is due next.
pub(crate) fn after_attempt(
    outcome: &AttemptOutcome,
    at: Timestamp,
) -> (DeliveryStatus, Timestamp) {
    match outcome {
        AttemptOutcome::Delivered => (DeliveryStatus::Delivered, at),
        AttemptOutcome::Retry(when) => (DeliveryStatus::Pending, *when),
        AttemptOutcome::GaveUp => (DeliveryStatus::Failed, at),
    }
}
