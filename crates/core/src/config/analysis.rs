//! Media intelligence: which analysers run and where their models live.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::analysis::{Analyser, MAX_TAGS};

/// Analysis (`analyse` jobs, queued after processing). Each analyser runs when it is
/// listed and its model or data set is installed in `models_dir` (`scripts/setup.sh`
/// fetches them); a missing one is skipped with a reason, never an error.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisSettings {
    /// Queue analysis after processing. Default true; `POST /assets/{id}/analyse` and
    /// `medialib analyse` work either way.
    pub enabled: bool,
    /// The analysers to run. Default: every local one (`facts`, `places`, `labels`,
    /// `faces`, `text`, `moderation`); `remote` runs only when listed here and
    /// `analysis.remote` is set.
    pub analysers: Vec<Analyser>,
    /// Where the models and data sets are, relative to the working directory unless
    /// absolute. Default `models`.
    pub models_dir: PathBuf,
    /// Automatic tags below this confidence (0–1) are not applied. Default 0.3.
    pub tag_threshold: f64,
    /// Most automatic tags one asset gets, the most confident first. Default 20, at most
    /// 50.
    pub max_tags: usize,
    /// The languages Tesseract reads document pages in, by its codes (`eng`, `deu`,
    /// `fra`; each installed as Debian's `tesseract-ocr-<code>`). Default `["eng"]`.
    /// Photos are read by a multilingual model whatever this says.
    pub text_languages: Vec<String>,
    /// The most characters of text kept from one picture. Default 20 000, at most
    /// 1 000 000.
    pub max_text_chars: usize,
    /// The moderation score (0–1) at or above which a namespace's moderation policy
    /// acts. Default 0.8, where open_nsfw's authors put "likely not safe".
    pub moderation_threshold: f64,
    /// An OpenAI-compatible vision API for captions, alt text and tags (the `remote`
    /// analyser); `None` (the default) sends nothing anywhere.
    pub remote: Option<RemoteVisionSettings>,
    /// Whether the `remote` analyser may send private assets' pictures. Default false.
    pub remote_private: bool,
    /// Requests one namespace may make to the vision API per calendar month (UTC);
    /// further assets are skipped with a reason. Default 1 000.
    pub remote_max_requests: u32,
}

/// An OpenAI-compatible chat-completions endpoint that takes images.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteVisionSettings {
    /// The API's base URL; requests go to `{base_url}/chat/completions`, e.g.
    /// `https://api.openai.com/v1`.
    pub base_url: String,
    /// The model, e.g. `gpt-4o-mini`.
    pub model: String,
    /// The environment variable holding the API key, sent as a bearer token; none sends
    /// no key (a local server).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Each attempt's time limit, in seconds (1–300). Default 30.
    #[serde(default = "default_remote_timeout")]
    pub timeout_seconds: u64,
    /// Attempts per asset when the API times out, errs or answers something invalid
    /// (1–10). Default 3.
    #[serde(default = "default_remote_attempts")]
    pub max_attempts: u32,
}

fn default_remote_timeout() -> u64 {
    30
}

fn default_remote_attempts() -> u32 {
    3
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            analysers: Analyser::ALL
                .iter()
                .copied()
                .filter(|a| *a != Analyser::Remote)
                .collect(),
            models_dir: PathBuf::from("models"),
            tag_threshold: 0.3,
            max_tags: 20,
            text_languages: vec!["eng".into()],
            max_text_chars: 20_000,
            moderation_threshold: 0.8,
            remote: None,
            remote_private: false,
            remote_max_requests: 1000,
        }
    }
}

impl AnalysisSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(0.0..=1.0).contains(&self.tag_threshold) {
            return Err(ConfigError(format!(
                "analysis.tag_threshold = {} must be between 0 and 1",
                self.tag_threshold
            )));
        }
        if self.max_tags > MAX_TAGS {
            return Err(ConfigError(format!(
                "analysis.max_tags = {} must be at most {MAX_TAGS}",
                self.max_tags
            )));
        }
        if let Some(bad) = self
            .text_languages
            .iter()
            .find(|l| l.len() < 3 || !l.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        {
            return Err(ConfigError(format!(
                "analysis.text_languages: {bad:?} is not a Tesseract language code such as \"eng\" or \"chi_sim\""
            )));
        }
        if self.text_languages.is_empty() {
            return Err(ConfigError(
                "analysis.text_languages must name at least one language, e.g. [\"eng\"]".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.moderation_threshold) {
            return Err(ConfigError(format!(
                "analysis.moderation_threshold = {} must be between 0 and 1",
                self.moderation_threshold
            )));
        }
        if let Some(remote) = &self.remote {
            let url = remote.base_url.as_str();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "analysis.remote.base_url = {url:?} must be an http:// or https:// URL"
                )));
            }
            if remote.model.trim().is_empty() {
                return Err(ConfigError(
                    "analysis.remote.model must name a model".into(),
                ));
            }
            if !(1..=300).contains(&remote.timeout_seconds)
                || !(1..=10).contains(&remote.max_attempts)
            {
                return Err(ConfigError(
                    "analysis.remote: timeout_seconds must be 1-300 and max_attempts 1-10".into(),
                ));
            }
        }
        if !(1..=1_000_000).contains(&self.max_text_chars) {
            return Err(ConfigError(format!(
                "analysis.max_text_chars = {} must be between 1 and 1000000",
                self.max_text_chars
            )));
        }
        Ok(())
    }
}
