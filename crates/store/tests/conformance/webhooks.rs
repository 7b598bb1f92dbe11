//! Webhooks: endpoints per namespace, the outbox the triggers fill in the same
//! transaction as each change, fan-out taken once, claims under a lease, attempts and the
//! endpoint's health, redelivery.

use std::time::Duration;

use medialib_core::store::{AssetPatch, NewDelivery, NewWebhook, WebhookPatch};
use medialib_core::webhook::{Attempt, AttemptOutcome, DeliveryStatus, EventType};
use medialib_core::{NamespaceId, Timestamp};

use crate::{Store, created, image_processed, new_asset, process};

const HOME: NamespaceId = NamespaceId(1);

fn endpoint(url: &str) -> NewWebhook {
    NewWebhook {
        url: url.into(),
        events: vec![EventType::AssetReady, EventType::AssetUpdated],
        description: Some("CMS".into()),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
    }
}

/// Endpoints are created, listed, changed and deleted within their namespace.
pub(crate) async fn endpoints_belong_to_their_namespace(store: Store) {
    let hook = store
        .create_webhook(HOME, &endpoint("https://cms.example/hook"))
        .await
        .unwrap();
    assert!(hook.enabled && hook.failing_since.is_none());
    assert_eq!(
        hook.events,
        [EventType::AssetReady, EventType::AssetUpdated]
    );
    assert_eq!(
        store.list_webhooks(HOME).await.unwrap(),
        std::slice::from_ref(&hook)
    );
    let other = NamespaceId(99);
    assert_eq!(store.get_webhook(other, hook.id).await.unwrap(), None);
    let patch = WebhookPatch {
        events: Some(vec![EventType::AssetPurged]),
        description: Some(None),
        enabled: Some(false),
        ..WebhookPatch::default()
    };
    let changed = store
        .update_webhook(HOME, hook.id, &patch)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            changed.events.as_slice(),
            changed.description,
            changed.enabled
        ),
        (&[EventType::AssetPurged][..], None, false)
    );
    assert_eq!(
        store.update_webhook(other, hook.id, &patch).await.unwrap(),
        None
    );
    assert!(!store.delete_webhook(other, hook.id).await.unwrap());
    assert!(store.delete_webhook(HOME, hook.id).await.unwrap());
    assert!(store.list_webhooks(HOME).await.unwrap().is_empty());
}

/// Each change writes its event with it, in order; a fan-out takes an event once and
/// records its deliveries; claims lease them; attempts set the endpoint's health.
pub(crate) async fn events_are_written_with_their_change_and_delivered_once(store: Store) {
    let hook = store
        .create_webhook(HOME, &endpoint("https://cms.example/hook"))
        .await
        .unwrap();
    let asset = created(store.create_asset(new_asset(81, "w", 10)).await.unwrap());
    process(store.as_ref(), asset.id, image_processed()).await;
    let patch = AssetPatch {
        title: Some("renamed".into()),
        ..AssetPatch::default()
    };
    store.update_asset(asset.id, &patch).await.unwrap();
    // A write that changes nothing reported is no event.
    let same = AssetPatch {
        title: Some("renamed".into()),
        ..AssetPatch::default()
    };
    store.update_asset(asset.id, &same).await.unwrap();
    let events = store.outbox(100).await.unwrap();
    let kinds: Vec<EventType> = events.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [
            EventType::AssetCreated,
            // One transaction ends the job, then records the results.
            EventType::JobSucceeded,
            EventType::AssetReady,
            EventType::AssetUpdated,
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e.asset == asset.id && e.namespace == HOME)
    );
    assert!(events[1].job.is_some() && events[0].job.is_none());

    let now = Timestamp::now_utc();
    let ready = &events[2];
    let delivery = NewDelivery {
        webhook: hook.id,
        message_id: format!("msg_{}", ready.id),
        payload: "{\"type\":\"asset.ready\"}".into(),
    };
    assert!(
        store
            .fan_out(ready, std::slice::from_ref(&delivery), now)
            .await
            .unwrap()
    );
    assert!(
        !store.fan_out(ready, &[delivery], now).await.unwrap(),
        "an event is taken once"
    );
    for event in [&events[0], &events[1], &events[3]] {
        assert!(store.fan_out(event, &[], now).await.unwrap());
    }
    assert!(store.outbox(100).await.unwrap().is_empty());

    let lease = Duration::from_secs(60);
    let claimed = store.claim_deliveries(now, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let (d, with) = &claimed[0];
    assert_eq!(
        (d.status, d.attempts, d.event),
        (DeliveryStatus::Pending, 0, EventType::AssetReady)
    );
    assert_eq!(with.id, hook.id);
    assert!(
        store
            .claim_deliveries(now, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "a claimed delivery waits out its lease"
    );

    let failed = Attempt {
        delivery: d.id,
        webhook: hook.id,
        outcome: AttemptOutcome::Retry(now),
        response_status: Some(503),
        error: Some("HTTP 503".into()),
        duration_ms: 12,
        at: now,
        disable: None,
    };
    store.record_attempt(&failed).await.unwrap();
    let hook_now = store.get_webhook(HOME, hook.id).await.unwrap().unwrap();
    assert_eq!(
        hook_now.failing_since.map(|t| t.unix_timestamp()),
        Some(now.unix_timestamp())
    );
    let again = store.claim_deliveries(now, lease, 10).await.unwrap();
    assert_eq!(again.len(), 1, "due again at its retry time");
    let delivered = Attempt {
        outcome: AttemptOutcome::Delivered,
        response_status: Some(204),
        error: None,
        ..failed.clone()
    };
    store.record_attempt(&delivered).await.unwrap();
    let listed = store.list_deliveries(hook.id, None, 10).await.unwrap();
    assert_eq!(
        (
            listed[0].status,
            listed[0].attempts,
            listed[0].response_status
        ),
        (DeliveryStatus::Delivered, 2, Some(204))
    );
    let healthy = store.get_webhook(HOME, hook.id).await.unwrap().unwrap();
    assert_eq!(
        healthy.failing_since, None,
        "a success ends the failing streak"
    );

    let redone = store.redeliver(hook.id, d.id, now).await.unwrap().unwrap();
    assert_eq!(redone.status, DeliveryStatus::Pending);
    let gave_up = Attempt {
        outcome: AttemptOutcome::GaveUp,
        disable: Some("failing for 24 hours".into()),
        ..failed
    };
    store.record_attempt(&gave_up).await.unwrap();
    let off = store.get_webhook(HOME, hook.id).await.unwrap().unwrap();
    assert_eq!(
        (off.enabled, off.disabled_reason.as_deref()),
        (false, Some("failing for 24 hours"))
    );
    let on = WebhookPatch {
        enabled: Some(true),
        ..WebhookPatch::default()
    };
    let on = store
        .update_webhook(HOME, hook.id, &on)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (on.enabled, on.disabled_reason, on.failing_since),
        (true, None, None)
    );

    store.purge_asset(asset.id).await.unwrap();
    let purged = store.outbox(100).await.unwrap();
    assert_eq!(purged.last().map(|e| e.event), Some(EventType::AssetPurged));
}
