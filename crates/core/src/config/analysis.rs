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
    /// The analysers to run. Default: all of them (`facts`, `places`, `labels`, `faces`,
    /// `text`).
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
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            analysers: Analyser::ALL.to_vec(),
            models_dir: PathBuf::from("models"),
            tag_threshold: 0.3,
            max_tags: 20,
            text_languages: vec!["eng".into()],
            max_text_chars: 20_000,
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
        if !(1..=1_000_000).contains(&self.max_text_chars) {
            return Err(ConfigError(format!(
                "analysis.max_text_chars = {} must be between 1 and 1000000",
                self.max_text_chars
            )));
        }
        Ok(())
    }
}
