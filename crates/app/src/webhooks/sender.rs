//! Sending one delivery: a POST behind the import's SSRF guard (with its own
//! `webhooks.allow_networks`), signed per Standard Webhooks, never following redirects;
//! then what follows from its answer: delivered, a retry with exponential backoff, or
//! giving up after `webhooks.give_up_after_seconds`, when an endpoint that has failed
//! without a break for as long is also turned off.

use std::sync::Arc;
use std::time::{Duration, Instant};

use medialib_core::Timestamp;
use medialib_core::config::WebhookSettings;
use medialib_core::webhook::{Attempt, AttemptOutcome, Delivery, Webhook};
use reqwest::redirect::Policy;

use super::signing;
use crate::import::guard::{self, AddressPolicy};

/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// The webhook HTTP client; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    settings: WebhookSettings,
}

impl Sender {
    /// A client for `settings`.
    ///
    /// Errors when the TLS configuration cannot be built.
    pub fn new(settings: &WebhookSettings) -> Result<Self, reqwest::Error> {
        crate::import::install_crypto_provider();
        let policy = Arc::new(AddressPolicy::new(settings.allow_networks.clone()));
        let timeout = Duration::from_secs(settings.timeout_seconds);
        let client = guard::client(&policy)
            .redirect(Policy::none())
            .timeout(timeout)
            .user_agent(concat!("medialib-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            policy,
            settings: settings.clone(),
        })
    }

    /// Sends `delivery` to `webhook` once, at `now`, and says how it ended and what
    /// follows. Never fails: a refused address, no answer or a status other than 2xx is
    /// a failed attempt with its reason.
    pub async fn attempt(&self, delivery: &Delivery, webhook: &Webhook, now: Timestamp) -> Attempt {
        let started = Instant::now();
        let result = self.post(delivery, webhook, now).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let (response_status, error) = match result {
            Ok(status) if (200..300).contains(&status) => (Some(status), None),
            Ok(status) => (
                Some(status),
                Some(format!("the endpoint answered HTTP {status}")),
            ),
            Err(why) => (None, Some(why)),
        };
        let mut attempt = Attempt {
            delivery: delivery.id,
            webhook: webhook.id,
            outcome: AttemptOutcome::Delivered,
            response_status,
            error,
            duration_ms,
            at: now,
            disable: None,
        };
        let Some(why) = &attempt.error else {
            crate::metrics::webhook("delivered");
            return attempt;
        };
        let give_up = time::Duration::seconds(self.settings.give_up_after_seconds as i64);
        let retry_at = now + self.delay(delivery.attempts + 1);
        attempt.outcome = if retry_at > delivery.created_at + give_up {
            crate::metrics::webhook("failed");
            AttemptOutcome::GaveUp
        } else {
            crate::metrics::webhook("retried");
            AttemptOutcome::Retry(retry_at)
        };
        let failing_since = webhook.failing_since.unwrap_or(now);
        if now - failing_since >= give_up {
            attempt.disable = Some(format!(
                "every delivery failed for {} hours without a success (last: {why})",
                self.settings.give_up_after_seconds / 3600
            ));
        }
        attempt
    }

    /// The wait after the `attempt`-th failure (1-based): the base, doubled each time,
    /// at most an hour.
    fn delay(&self, attempt: u32) -> Duration {
        let base = Duration::from_secs(self.settings.retry_base_seconds);
        base.saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(MAX_DELAY)
    }

    /// POSTs the payload; the answer's status, or why there was none.
    async fn post(
        &self,
        delivery: &Delivery,
        webhook: &Webhook,
        now: Timestamp,
    ) -> Result<u16, String> {
        let url = reqwest::Url::parse(&webhook.url).map_err(|e| format!("bad URL: {e}"))?;
        guard::check_url(&self.policy, &url).map_err(|e| e.to_string())?;
        let timestamp = now.unix_timestamp();
        let body = delivery.payload.as_bytes();
        let signature = signing::sign(&webhook.secret, &delivery.message_id, timestamp, body)
            .ok_or("the endpoint's secret is malformed")?;
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &delivery.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        Ok(response.status().as_u16())
    }
}

/// A sentence for a failed request: the innermost cause (a refused address, a refused
/// connection, a timeout) rather than reqwest's wrapper.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer within the timeout".into();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("could not reach the endpoint: {cause}")
}
