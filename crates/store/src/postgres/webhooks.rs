//! Webhook endpoints, the event outbox (filled by the triggers of migration 0009) and
//! deliveries. Several processes may claim deliveries at once: claims skip rows another
//! transaction holds (`FOR UPDATE SKIP LOCKED`).

use std::time::Duration;

use async_trait::async_trait;
use medialib_core::store::{NewDelivery, NewWebhook, WebhookPatch, WebhookStore};
use medialib_core::webhook::{
    Attempt, AttemptOutcome, Delivery, DeliveryId, OutboxEvent, Webhook, WebhookId,
};
use medialib_core::{AssetId, JobId, NamespaceId, StoreError, Timestamp};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder};

use super::rows::{from_ms, get, now_ms, parse, to_ms};
use super::{PgStore, backend};

/// The columns of `webhook`, as a literal for `concat!`.
macro_rules! webhook_columns {
    () => {
        "id, namespace_id, url, events, description, secret, enabled, disabled_reason, \
         failing_since, created_at, updated_at"
    };
}

/// The columns of `webhook_delivery`, as a literal for `concat!`.
macro_rules! delivery_columns {
    () => {
        "id, webhook_id, message_id, event_type, payload, status, attempts, next_attempt_at, \
         response_status, last_error, duration_ms, created_at, updated_at"
    };
}

fn webhook(row: &PgRow) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        id: WebhookId(get(row, "id")?),
        namespace: NamespaceId(get(row, "namespace_id")?),
        url: get(row, "url")?,
        events: crate::decode::events(&get::<String>(row, "events")?)?,
        description: get(row, "description")?,
        secret: get(row, "secret")?,
        enabled: get(row, "enabled")?,
        disabled_reason: get(row, "disabled_reason")?,
        failing_since: get::<Option<i64>>(row, "failing_since")?.map(from_ms),
        created_at: from_ms(get(row, "created_at")?),
        updated_at: from_ms(get(row, "updated_at")?),
    })
}

fn delivery(row: &PgRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: DeliveryId(get(row, "id")?),
        webhook: WebhookId(get(row, "webhook_id")?),
        message_id: get(row, "message_id")?,
        event: parse("event type", get(row, "event_type")?)?,
        payload: get(row, "payload")?,
        status: parse("delivery status", get(row, "status")?)?,
        attempts: get::<i64>(row, "attempts")? as u32,
        next_attempt_at: from_ms(get(row, "next_attempt_at")?),
        response_status: get::<Option<i64>>(row, "response_status")?.map(|s| s as u16),
        last_error: get(row, "last_error")?,
        duration_ms: get::<Option<i64>>(row, "duration_ms")?.map(|d| d as u64),
        created_at: from_ms(get(row, "created_at")?),
        updated_at: from_ms(get(row, "updated_at")?),
    })
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn create_webhook(
        &self,
        namespace: NamespaceId,
        new: &NewWebhook,
    ) -> Result<Webhook, StoreError> {
        let now = now_ms();
        let row = sqlx::query(concat!(
            "INSERT INTO webhook (namespace_id, url, events, description, secret, enabled,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7) RETURNING ",
            webhook_columns!()
        ))
        .bind(namespace.0)
        .bind(&new.url)
        .bind(crate::decode::events_json(&new.events))
        .bind(&new.description)
        .bind(&new.secret)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(backend("create webhook"))?;
        webhook(&row)
    }

    async fn list_webhooks(&self, namespace: NamespaceId) -> Result<Vec<Webhook>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            webhook_columns!(),
            " FROM webhook WHERE namespace_id = $1 ORDER BY id"
        ))
        .bind(namespace.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("list webhooks"))?;
        rows.iter().map(webhook).collect()
    }

    async fn get_webhook(
        &self,
        namespace: NamespaceId,
        id: WebhookId,
    ) -> Result<Option<Webhook>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            webhook_columns!(),
            " FROM webhook WHERE namespace_id = $1 AND id = $2"
        ))
        .bind(namespace.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("get webhook"))?;
        row.as_ref().map(webhook).transpose()
    }

    async fn update_webhook(
        &self,
        namespace: NamespaceId,
        id: WebhookId,
        patch: &WebhookPatch,
    ) -> Result<Option<Webhook>, StoreError> {
        let mut qb = QueryBuilder::<Postgres>::new("UPDATE webhook SET updated_at = ");
        qb.push_bind(now_ms());
        if let Some(url) = &patch.url {
            qb.push(", url = ").push_bind(url.clone());
        }
        if let Some(events) = &patch.events {
            qb.push(", events = ")
                .push_bind(crate::decode::events_json(events));
        }
        if let Some(description) = &patch.description {
            qb.push(", description = ").push_bind(description.clone());
        }
        match patch.enabled {
            Some(true) => {
                qb.push(", enabled = TRUE, disabled_reason = NULL, failing_since = NULL");
            }
            Some(false) => {
                qb.push(", enabled = FALSE");
            }
            None => {}
        }
        qb.push(" WHERE namespace_id = ")
            .push_bind(namespace.0)
            .push(" AND id = ")
            .push_bind(id.0)
            .push(" RETURNING ")
            .push(webhook_columns!());
        let row = qb
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("update webhook"))?;
        row.as_ref().map(webhook).transpose()
    }

    async fn delete_webhook(
        &self,
        namespace: NamespaceId,
        id: WebhookId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM webhook WHERE namespace_id = $1 AND id = $2")
            .bind(namespace.0)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(backend("delete webhook"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, event_type, namespace_id, asset_id, job_id, created_at
             FROM event_outbox ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend("read the event outbox"))?;
        rows.iter()
            .map(|row| {
                Ok(OutboxEvent {
                    id: get(row, "id")?,
                    event: parse("event type", get(row, "event_type")?)?,
                    namespace: NamespaceId(get(row, "namespace_id")?),
                    asset: AssetId(get(row, "asset_id")?),
                    job: get::<Option<uuid::Uuid>>(row, "job_id")?.map(JobId),
                    at: from_ms(get(row, "created_at")?),
                })
            })
            .collect()
    }

    async fn fan_out(
        &self,
        event: &OutboxEvent,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend("begin"))?;
        let taken = sqlx::query("DELETE FROM event_outbox WHERE id = $1")
            .bind(event.id)
            .execute(&mut *tx)
            .await
            .map_err(backend("take an outbox event"))?;
        if taken.rows_affected() == 0 {
            return Ok(false);
        }
        let now = to_ms(now);
        for d in deliveries {
            sqlx::query(
                "INSERT INTO webhook_delivery (webhook_id, message_id, event_type, payload,
                     status, next_attempt_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7)",
            )
            .bind(d.webhook.0)
            .bind(&d.message_id)
            .bind(event.event.as_str())
            .bind(&d.payload)
            .bind(now)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend("record a delivery"))?;
        }
        tx.commit().await.map_err(backend("commit"))?;
        Ok(true)
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<(Delivery, Webhook)>, StoreError> {
        let now = to_ms(now);
        let until = now + lease.as_millis() as i64;
        let mut tx = self.pool.begin().await.map_err(backend("begin"))?;
        let rows = sqlx::query(concat!(
            "UPDATE webhook_delivery SET next_attempt_at = $1
             WHERE id IN (
                 SELECT d.id FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id
                 WHERE d.status = 'pending' AND d.next_attempt_at <= $2 AND w.enabled
                 ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED)
             RETURNING ",
            delivery_columns!()
        ))
        .bind(until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend("claim deliveries"))?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let d = delivery(row)?;
            let w = sqlx::query(concat!(
                "SELECT ",
                webhook_columns!(),
                " FROM webhook WHERE id = $1"
            ))
            .bind(d.webhook.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend("read a delivery's webhook"))?;
            claimed.push((d, webhook(&w)?));
        }
        tx.commit().await.map_err(backend("commit"))?;
        Ok(claimed)
    }

    async fn record_attempt(&self, a: &Attempt) -> Result<(), StoreError> {
        let at = to_ms(a.at);
        let (status, next) = crate::decode::after_attempt(&a.outcome, a.at);
        let next = to_ms(next);
        let mut tx = self.pool.begin().await.map_err(backend("begin"))?;
        // The webhook's health (failing since the first failure after the last success)
        // before the delivery: deleting a webhook locks its row, then its deliveries' (by
        // cascade), and taking them in the same order means the two cannot deadlock.
        let failing_since = (a.outcome != AttemptOutcome::Delivered).then_some(at);
        sqlx::query(
            "UPDATE webhook SET failing_since = CASE WHEN $1::BIGINT IS NULL THEN NULL
                 ELSE coalesce(failing_since, $2) END
             WHERE id = $3",
        )
        .bind(failing_since)
        .bind(failing_since)
        .bind(a.webhook.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("record webhook health"))?;
        sqlx::query(
            "UPDATE webhook_delivery SET status = $1, attempts = attempts + 1,
                 next_attempt_at = $2, response_status = $3, last_error = $4, duration_ms = $5,
                 updated_at = $6
             WHERE id = $7",
        )
        .bind(status.as_str())
        .bind(next)
        .bind(a.response_status.map(i64::from))
        .bind(&a.error)
        .bind(a.duration_ms as i64)
        .bind(at)
        .bind(a.delivery.0)
        .execute(&mut *tx)
        .await
        .map_err(backend("record an attempt"))?;
        if let Some(reason) = &a.disable {
            sqlx::query(
                "UPDATE webhook SET enabled = FALSE, disabled_reason = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(reason)
            .bind(at)
            .bind(a.webhook.0)
            .execute(&mut *tx)
            .await
            .map_err(backend("turn a webhook off"))?;
        }
        tx.commit().await.map_err(backend("commit"))
    }

    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_delivery
             WHERE webhook_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ))
        .bind(webhook.0)
        .bind(before.map_or(i64::MAX, |b| b.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend("list deliveries"))?;
        rows.iter().map(delivery).collect()
    }

    async fn redeliver(
        &self,
        webhook: WebhookId,
        id: DeliveryId,
        now: Timestamp,
    ) -> Result<Option<Delivery>, StoreError> {
        let row = sqlx::query(concat!(
            "UPDATE webhook_delivery SET status = 'pending', next_attempt_at = $1,
                 updated_at = $2
             WHERE webhook_id = $3 AND id = $4 RETURNING ",
            delivery_columns!()
        ))
        .bind(to_ms(now))
        .bind(to_ms(now))
        .bind(webhook.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("redeliver"))?;
        row.as_ref().map(delivery).transpose()
    }
}
