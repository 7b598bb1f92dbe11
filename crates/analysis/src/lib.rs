//! Media intelligence: the analysers that read an asset's facts and picture, and the
//! models and data sets they load, lazily, from the models directory
//! (`analysis.models_dir`, filled by `scripts/models.sh`). Nothing downloads at run time.
//!
//! - `facts`: tags from recorded facts (orientation, time of day, camera, colour).
//! - `places`: GPS position → city, region, country (GeoNames, offline).
//! - `labels`: what the picture shows (EfficientNet-Lite0 on ImageNet, with tract) and
//!   `vocabulary`, its classes as searchable tags.
//!
//! Every analyser reports its own outcome: a missing model or a picture it cannot use
//! skips it with a reason, and never fails the others.
#![deny(missing_docs)]

pub mod facts;
pub mod labels;
pub mod places;
pub mod vocabulary;

use std::path::PathBuf;
use std::sync::OnceLock;

use medialib_core::analysis::{
    Analyser, Analysis, AnalysisOutcome, AnalysisOutput, Embedding, MAX_TAGS,
};
use medialib_core::config::AnalysisSettings;
use medialib_core::{Asset, Timestamp};
use medialib_media::{ImageFormat, ImageLimits};

/// A stored copy of an asset's picture (the image, or a variant of a video's poster, a
/// PDF page, a model preview) large enough for the models: its bytes and format.
pub struct Picture {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: ImageFormat,
}

/// What one analysis found: one result per analyser that ran, and the picture's
/// embedding when the labels model saw it.
#[derive(Debug, Clone)]
pub struct Analysed {
    /// One result per analyser, in analyser order.
    pub results: Vec<Analysis>,
    /// The labels model's features, quantised, for similar-media search.
    pub embedding: Option<Embedding>,
}

/// Vocabulary tags below this probability are left out of a result: they would never
/// be applied, and would only make it longer.
const MIN_TAG_PROBABILITY: f64 = 0.05;

/// Whether an analyser can run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Listed in `analysis.analysers` and its model is installed (or it needs none).
    Ready,
    /// Not listed in `analysis.analysers`, or analysis is off.
    Disabled,
    /// Listed, but its model is missing or did not load; the sentence says which file.
    Unavailable(String),
}

/// The analysers of one process, with their models loaded on first use.
pub struct Analysers {
    settings: AnalysisSettings,
    models_dir: PathBuf,
    geocoder: OnceLock<Result<places::Geocoder, String>>,
    classifier: OnceLock<Result<labels::Classifier, String>>,
    limits: ImageLimits,
}

impl Analysers {
    /// The analysers `settings` enable, loading nothing yet; pictures are decoded within
    /// `limits`.
    pub fn new(settings: &AnalysisSettings, limits: ImageLimits) -> Self {
        Self {
            settings: settings.clone(),
            models_dir: settings.models_dir.clone(),
            geocoder: OnceLock::new(),
            classifier: OnceLock::new(),
            limits,
        }
    }

    /// The pixels the models need of the picture, in pixels of its shorter side: the
    /// caller fetches the smallest stored copy with at least this many.
    pub fn picture_side(&self) -> u32 {
        (f64::from(labels::SIDE) / labels::KEEP).ceil() as u32
    }

    /// Runs the analysers of `which` that are enabled (every enabled one when `which` is
    /// empty) on `asset` and its `picture`, one result each. Blocking: call it off the
    /// async runtime.
    pub fn analyse(
        &self,
        asset: &Asset,
        picture: Option<&Picture>,
        which: &[Analyser],
    ) -> Analysed {
        let mut embedding = None;
        let results = self
            .settings
            .analysers
            .iter()
            .filter(|a| which.is_empty() || which.contains(a))
            .map(|&analyser| {
                let (model, outcome) = match analyser {
                    Analyser::Facts => (None, self.facts(asset)),
                    Analyser::Places => (Some(places::MODEL.to_owned()), self.places(asset)),
                    Analyser::Labels => {
                        let (outcome, features) = self.labels(picture);
                        embedding = features;
                        (Some(labels::MODEL.to_owned()), outcome)
                    }
                };
                Analysis {
                    analyser,
                    model,
                    outcome,
                    analysed_at: Timestamp::now_utc(),
                }
            })
            .collect();
        Analysed { results, embedding }
    }

    /// Each analyser and whether it can run, without loading any model.
    pub fn availability(&self) -> Vec<(Analyser, Availability)> {
        Analyser::ALL
            .iter()
            .map(|&a| {
                let state = if !self.settings.enabled || !self.settings.analysers.contains(&a) {
                    Availability::Disabled
                } else {
                    match self.missing_file(a) {
                        Some(why) => Availability::Unavailable(why),
                        None => Availability::Ready,
                    }
                };
                (a, state)
            })
            .collect()
    }

    /// The first model file `analyser` needs that is not installed, as a sentence.
    fn missing_file(&self, analyser: Analyser) -> Option<String> {
        let files: &[&str] = match analyser {
            Analyser::Facts => &[],
            Analyser::Places => &[places::CITIES_FILE, places::COUNTRIES_FILE],
            Analyser::Labels => &[labels::MODEL_FILE, labels::NAMES_FILE],
        };
        files
            .iter()
            .map(|f| self.models_dir.join(f))
            .find(|path| !path.is_file())
            .map(|path| {
                format!(
                    "{} is not installed (scripts/models.sh fetches it)",
                    path.display()
                )
            })
    }

    fn facts(&self, asset: &Asset) -> AnalysisOutcome {
        AnalysisOutcome::Ok {
            output: AnalysisOutput::Facts {
                tags: facts::tags(asset),
            },
        }
    }

    fn places(&self, asset: &Asset) -> AnalysisOutcome {
        let Some(gps) = asset.metadata.as_ref().and_then(|m| m.gps()) else {
            return skipped("The file records no GPS position.");
        };
        let geocoder = self.geocoder.get_or_init(|| {
            let loaded = places::Geocoder::load(&self.models_dir);
            if let Err(why) = &loaded {
                tracing::warn!(analyser = "places", error = %why, "analyser off: its data set did not load");
            }
            loaded
        });
        match geocoder {
            Err(why) => skipped(&format!("The places data set is not available: {why}.")),
            Ok(geocoder) => match geocoder.place(gps) {
                Some(place) => AnalysisOutcome::Ok {
                    output: AnalysisOutput::Places(place),
                },
                None => skipped(&format!(
                    "No town or city lies within {} km of the GPS position.",
                    places::MAX_DISTANCE_KM
                )),
            },
        }
    }

    fn labels(&self, picture: Option<&Picture>) -> (AnalysisOutcome, Option<Embedding>) {
        let Some(picture) = picture else {
            return (skipped("There is no picture to look at."), None);
        };
        let classifier = self.classifier.get_or_init(|| {
            let loaded = labels::Classifier::load(&self.models_dir);
            if let Err(why) = &loaded {
                tracing::warn!(analyser = "labels", error = %why, "analyser off: its model did not load");
            }
            loaded
        });
        let classifier = match classifier {
            Ok(classifier) => classifier,
            Err(why) => {
                let why = format!("The labels model is not available: {why}.");
                return (skipped(&why), None);
            }
        };
        let square = medialib_media::square::centre_square(
            &picture.bytes,
            picture.format,
            labels::KEEP,
            labels::SIDE,
            &self.limits,
        );
        let square = match square {
            Ok(square) => square,
            Err(e) => {
                return (
                    skipped(&format!("The picture could not be read: {e}.")),
                    None,
                );
            }
        };
        match classifier.classify(&square) {
            Ok(mut classified) => {
                classified
                    .tags
                    .retain(|t| t.confidence >= MIN_TAG_PROBABILITY);
                classified.tags.truncate(MAX_TAGS);
                let embedding = Embedding::quantise(labels::MODEL, &classified.embedding);
                let output = AnalysisOutput::Labels {
                    labels: classified.labels,
                    tags: classified.tags,
                };
                (AnalysisOutcome::Ok { output }, Some(embedding))
            }
            Err(why) => (AnalysisOutcome::Failed { reason: why }, None),
        }
    }
}

fn skipped(reason: &str) -> AnalysisOutcome {
    AnalysisOutcome::Skipped {
        reason: reason.to_owned(),
    }
}
