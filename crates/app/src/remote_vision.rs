//! The remote vision adapter (`analysis.remote`): an OpenAI-compatible chat-completions
//! API (OpenAI's `POST /v1/chat/completions` with an `image_url` content part and
//! `response_format: {"type": "json_object"}`) asked for a caption, alt text and tags of
//! an asset's `large` variant, never its original. The answer is validated strictly;
//! timeouts, server errors and invalid answers are retried, then the `remote` result
//! fails with a reason. Private assets are not sent unless `analysis.remote_private`,
//! and each namespace has a monthly budget of requests.

use std::time::Duration;

use base64::Engine;
use medialib_core::analysis::{Analyser, Analysis, AnalysisOutcome, AnalysisOutput, MAX_TAGS};
use medialib_core::config::RemoteVisionSettings;
use medialib_core::{Asset, OutputFormat, StorageKey, Timestamp};
use serde::Deserialize;
use serde_json::json;

use crate::Catalog;

/// What the model is asked, as the system message.
const INSTRUCTIONS: &str = "You describe pictures for a media library. Reply with one JSON \
object and nothing else, with exactly these keys: \"caption\": one sentence saying what the \
picture shows; \"alt_text\": alternative text for someone who cannot see the picture, at most \
250 characters; \"tags\": up to 10 lower-case words or short phrases for searching.";
/// The longest caption or alt text kept, in characters.
const MAX_TEXT: usize = 300;
/// The longest tag kept, in characters.
const MAX_TAG: usize = 50;

/// A client for the configured API; one per process.
pub struct RemoteVision {
    client: reqwest::Client,
    settings: RemoteVisionSettings,
    key: Option<String>,
}

/// What the model wrote, validated.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Description {
    caption: String,
    alt_text: String,
    tags: Vec<String>,
}

impl RemoteVision {
    /// A client for `settings`, with the key read from its environment variable.
    ///
    /// Errors: a sentence when the variable is named but not set, or the HTTP client
    /// cannot be built.
    pub fn new(settings: &RemoteVisionSettings) -> Result<Self, String> {
        crate::import::install_crypto_provider();
        let key = match &settings.api_key_env {
            Some(name) => Some(std::env::var(name).map_err(|_| {
                format!("analysis.remote.api_key_env names {name}, which is not set")
            })?),
            None => None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_seconds))
            .user_agent(concat!("medialib/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("the vision API's HTTP client: {e}"))?;
        Ok(Self {
            client,
            settings: settings.clone(),
            key,
        })
    }

    /// The model, as results name it.
    pub fn model(&self) -> String {
        format!("{} at {}", self.settings.model, self.settings.base_url)
    }

    /// Asks for a description of `picture` (`mime`), retrying what may pass.
    ///
    /// Errors: a sentence saying why the last attempt failed.
    async fn describe(&self, picture: &[u8], mime: &str) -> Result<Description, String> {
        let url = format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(picture)
        );
        let body = json!({
            "model": self.settings.model,
            "messages": [
                {"role": "system", "content": INSTRUCTIONS},
                {"role": "user", "content": [
                    {"type": "text", "text": "Describe this picture."},
                    {"type": "image_url", "image_url": {"url": url}},
                ]},
            ],
            "response_format": {"type": "json_object"},
            "temperature": 0,
            "max_tokens": 400,
        });
        let endpoint = format!(
            "{}/chat/completions",
            self.settings.base_url.trim_end_matches('/')
        );
        let mut last = String::new();
        for attempt in 1..=self.settings.max_attempts {
            if attempt > 1 {
                tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
            }
            let mut request = self.client.post(&endpoint).json(&body);
            if let Some(key) = &self.key {
                request = request.bearer_auth(key);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) if e.is_timeout() => {
                    last = format!(
                        "the vision API did not answer within {} s",
                        self.settings.timeout_seconds
                    );
                    continue;
                }
                Err(e) => {
                    last = format!("the vision API could not be reached: {e}");
                    continue;
                }
            };
            let status = response.status();
            if status.is_client_error() && status.as_u16() != 429 {
                return Err(format!("the vision API refused the request: HTTP {status}"));
            }
            if !status.is_success() {
                last = format!("the vision API answered HTTP {status}");
                continue;
            }
            match response.json::<serde_json::Value>().await {
                Ok(answer) => match validate(&answer) {
                    Ok(description) => return Ok(description),
                    Err(why) => last = why,
                },
                Err(e) => last = format!("the vision API's answer is not JSON: {e}"),
            }
        }
        Err(format!(
            "{last} (after {} attempts)",
            self.settings.max_attempts
        ))
    }
}

/// The description in a chat-completions answer, held to what was asked.
fn validate(answer: &serde_json::Value) -> Result<Description, String> {
    let content = answer["choices"][0]["message"]["content"]
        .as_str()
        .ok_or("the vision API's answer has no message content")?;
    let mut d: Description = serde_json::from_str(content)
        .map_err(|e| format!("the vision API's message is not the JSON object asked for: {e}"))?;
    d.caption = d.caption.trim().to_owned();
    d.alt_text = d.alt_text.trim().to_owned();
    for (what, text) in [("caption", &d.caption), ("alt_text", &d.alt_text)] {
        let n = text.chars().count();
        if n == 0 || n > MAX_TEXT {
            return Err(format!(
                "the vision API's {what} has {n} characters, not 1 to {MAX_TEXT}"
            ));
        }
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in &d.tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > MAX_TAG {
            return Err(format!(
                "the vision API's tag {tag:?} is not 1 to {MAX_TAG} characters"
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags.truncate(MAX_TAGS);
    d.tags = tags;
    Ok(d)
}

/// The `remote` analyser's result for `asset`: skipped when there is no client, the
/// asset is private (and `analysis.remote_private` is off), it has no `large` variant, or
/// its namespace's budget for the month is spent; else what the API wrote, or why it
/// failed.
pub async fn analyse(catalog: &Catalog, asset: &Asset) -> Analysis {
    let (model, outcome) = match catalog.remote_vision.as_deref() {
        None => (
            None,
            skipped("The vision API is not configured (analysis.remote)."),
        ),
        Some(Err(why)) => (
            None,
            skipped(&format!("The vision API is not available: {why}.")),
        ),
        Some(Ok(remote)) => (Some(remote.model()), outcome(catalog, remote, asset).await),
    };
    Analysis {
        analyser: Analyser::Remote,
        model,
        outcome,
        analysed_at: Timestamp::now_utc(),
    }
}

async fn outcome(catalog: &Catalog, remote: &RemoteVision, asset: &Asset) -> AnalysisOutcome {
    let settings = &catalog.settings.analysis;
    if !asset.is_public && !settings.remote_private {
        return skipped(
            "The asset is private: its picture is not sent to the vision API (analysis.remote_private).",
        );
    }
    let variants = match catalog.store.list_variants(asset.id).await {
        Ok(variants) => variants,
        Err(e) => return failed(&format!("its variants could not be read: {e}")),
    };
    // The large variant, as JPEG when there is one: every vision API reads JPEG.
    let mut large: Vec<_> = variants
        .iter()
        .filter(|v| v.name == "large" && v.format.mime().starts_with("image/"))
        .collect();
    large.sort_by_key(|v| v.format != OutputFormat::Jpeg);
    let Some(large) = large.first() else {
        return skipped("There is no large variant to send.");
    };
    let month = Timestamp::now_utc();
    let month = format!("{:04}-{:02}", month.year(), u8::from(month.month()));
    match catalog
        .store
        .take_remote_request(asset.namespace, &month, settings.remote_max_requests)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return skipped(&format!(
                "This namespace's {} requests to the vision API for {month} are spent (analysis.remote_max_requests).",
                settings.remote_max_requests
            ));
        }
        Err(e) => return failed(&format!("the request budget could not be read: {e}")),
    }
    let key = StorageKey::from_stored(large.storage_key.clone());
    let bytes = match catalog.blobs.get_bytes(&key).await {
        Ok(bytes) => bytes,
        Err(e) => return failed(&format!("the large variant could not be read: {e}")),
    };
    match remote.describe(&bytes, large.format.mime()).await {
        Ok(d) => AnalysisOutcome::Ok {
            output: AnalysisOutput::Remote {
                caption: d.caption,
                alt_text: d.alt_text,
                tags: d.tags,
            },
        },
        Err(why) => failed(&why),
    }
}

fn skipped(reason: &str) -> AnalysisOutcome {
    AnalysisOutcome::Skipped {
        reason: reason.to_owned(),
    }
}

fn failed(reason: &str) -> AnalysisOutcome {
    AnalysisOutcome::Failed {
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(content: &str) -> serde_json::Value {
        json!({"choices": [{"message": {"role": "assistant", "content": content}}]})
    }

    #[test]
    fn answers_are_held_to_the_json_asked_for() {
        let good = answer(
            r#"{"caption": " A cat. ", "alt_text": "A tabby cat's face.", "tags": ["Cat", "pet", "cat"]}"#,
        );
        let d = validate(&good).unwrap();
        assert_eq!(d.caption, "A cat.");
        assert_eq!(d.tags, ["cat", "pet"]);
        for bad in [
            r#"{"caption": "A cat.", "alt_text": "A cat.", "tags": ["cat"], "mood": "calm"}"#,
            r#"{"caption": "", "alt_text": "A cat.", "tags": []}"#,
            r#"{"caption": "A cat.", "tags": []}"#,
            "A cat, I think.",
        ] {
            assert!(validate(&answer(bad)).is_err(), "{bad}");
        }
        assert!(validate(&json!({"error": "nope"})).is_err());
    }
}
