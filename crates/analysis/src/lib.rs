//! Media intelligence: the analysers that read an asset's facts and picture, and the
//! models and data sets they load, lazily, from the models directory
//! (`analysis.models_dir`, filled by `scripts/models.sh`). Nothing downloads at run time.
//!
//! - `facts`: tags from recorded facts (orientation, time of day, camera, colour).
//! - `places`: GPS position → city, region, country (GeoNames, offline).
//! - `labels`: what the picture shows (EfficientNet-Lite0 on ImageNet) and
//!   `vocabulary`, its classes as searchable tags.
//! - `faces`: where the faces are (BlazeFace full range).
//! - `text`: text on pages (Tesseract) and in photos (PP-OCR).
//! - `moderation`: how likely the picture is not safe for work (open_nsfw).
//!
//! The models run on onnxruntime (`runtime`).
//!
//! Every analyser reports its own outcome: a missing model or a picture it cannot use
//! skips it with a reason, and never fails the others.
#![deny(missing_docs)]

pub mod faces;
pub mod facts;
pub mod labels;
pub mod moderation;
pub mod places;
pub mod runtime;
pub mod text;
pub mod vocabulary;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use medialib_core::analysis::{
    Analyser, Analysis, AnalysisOutcome, AnalysisOutput, Embedding, MAX_TAGS,
};
use medialib_core::config::AnalysisSettings;
use medialib_core::{Asset, AssetKind, Timestamp};
use medialib_media::{ImageFormat, ImageLimits};

/// A stored copy of an asset's picture (the image, or a variant of a video's poster, a
/// PDF page, a model preview) large enough for the models: its bytes and format.
pub struct Picture {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: ImageFormat,
}

/// What the analysers look at besides the asset's facts.
#[derive(Default)]
pub struct Sources {
    /// The picture at the models' size (see [`Analysers::picture_side`]).
    pub picture: Option<Picture>,
    /// The picture at reading size (see [`Analysers::reading_side`]), for `text`.
    pub page: Option<Picture>,
    /// The asset has text of its own (a PDF's text layer), searched already: `text`
    /// does not read its picture.
    pub own_text: bool,
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
    detector: OnceLock<Result<faces::Detector, String>>,
    reader: OnceLock<Result<text::photo::PhotoReader, String>>,
    moderator: OnceLock<Result<moderation::Moderator, String>>,
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
            detector: OnceLock::new(),
            reader: OnceLock::new(),
            moderator: OnceLock::new(),
            limits,
        }
    }

    /// The pixels the models need of the picture, in pixels of its shorter side: the
    /// caller fetches the smallest stored copy with at least this many.
    pub fn picture_side(&self) -> u32 {
        (f64::from(labels::SIDE) / labels::KEEP).ceil() as u32
    }

    /// The pixels `text` needs of the picture, in pixels of its shorter side, when it is
    /// to read it (`None`: it is not enabled among `which`, all when empty).
    pub fn reading_side(&self, asset: &Asset, which: &[Analyser]) -> Option<u32> {
        let wanted = which.is_empty() || which.contains(&Analyser::Text);
        (wanted && self.settings.analysers.contains(&Analyser::Text)).then_some(
            if asset.kind == AssetKind::Document {
                text::PAGE_SIDE
            } else {
                text::photo::SHORTER_SIDE
            },
        )
    }

    /// Runs the analysers of `which` that are enabled (every enabled one when `which` is
    /// empty) on `asset` and its `sources`, one result each. Blocking: call it off the
    /// async runtime.
    pub fn analyse(&self, asset: &Asset, sources: &Sources, which: &[Analyser]) -> Analysed {
        let picture = sources.picture.as_ref();
        let mut embedding = None;
        let results = self
            .settings
            .analysers
            .iter()
            .filter(|a| which.is_empty() || which.contains(a))
            // The remote analyser is a network call: the worker runs it itself.
            .filter(|a| **a != Analyser::Remote)
            .map(|&analyser| {
                let (model, outcome) = match analyser {
                    Analyser::Facts => (None, self.facts(asset)),
                    Analyser::Places => (Some(places::MODEL.to_owned()), self.places(asset)),
                    Analyser::Labels => {
                        let (outcome, features) = self.labels(picture);
                        embedding = features;
                        (Some(labels::MODEL.to_owned()), outcome)
                    }
                    Analyser::Faces => (Some(faces::MODEL.to_owned()), self.faces(picture)),
                    Analyser::Text => self.text(asset, sources),
                    Analyser::Moderation => {
                        (Some(moderation::MODEL.to_owned()), self.moderation(picture))
                    }
                    Analyser::Remote => (None, skipped("The worker runs it.")),
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
            Analyser::Labels => &[
                runtime::LIBRARY_FILE,
                labels::MODEL_FILE,
                labels::NAMES_FILE,
            ],
            Analyser::Faces => &[runtime::LIBRARY_FILE, faces::MODEL_FILE],
            Analyser::Moderation => &[runtime::LIBRARY_FILE, moderation::MODEL_FILE],
            Analyser::Remote => {
                return self
                    .settings
                    .remote
                    .is_none()
                    .then(|| "analysis.remote is not set".to_owned());
            }
            Analyser::Text => &[
                runtime::LIBRARY_FILE,
                text::photo::DETECTOR_FILE,
                text::photo::RECOGNISER_FILE,
            ],
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
        match self.model(
            &self.geocoder,
            Analyser::Places,
            "The places data set",
            places::Geocoder::load,
        ) {
            Err(why) => skipped(&why),
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
        let classifier = match self.model(
            &self.classifier,
            Analyser::Labels,
            "The labels model",
            labels::Classifier::load,
        ) {
            Ok(classifier) => classifier,
            Err(why) => return (skipped(&why), None),
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

    fn faces(&self, picture: Option<&Picture>) -> AnalysisOutcome {
        let Some(picture) = picture else {
            return skipped("There is no picture to look at.");
        };
        let detector = match self.model(
            &self.detector,
            Analyser::Faces,
            "The face detector",
            faces::Detector::load,
        ) {
            Ok(detector) => detector,
            Err(why) => return skipped(&why),
        };
        let letterboxed = medialib_media::square::letterboxed(
            &picture.bytes,
            picture.format,
            faces::SIDE,
            &self.limits,
        );
        match letterboxed {
            Err(e) => skipped(&format!("The picture could not be read: {e}.")),
            Ok(letterboxed) => match detector.detect(&letterboxed) {
                Ok(faces) => AnalysisOutcome::Ok {
                    output: AnalysisOutput::Faces { faces },
                },
                Err(why) => AnalysisOutcome::Failed { reason: why },
            },
        }
    }

    /// Reads the text in the page picture (else the picture): Tesseract for a document's
    /// page, PP-OCR for anything else. The model it used, and the outcome.
    fn text(&self, asset: &Asset, sources: &Sources) -> (Option<String>, AnalysisOutcome) {
        if sources.own_text {
            return (
                None,
                skipped("The document has text of its own, searched already."),
            );
        }
        let Some(picture) = sources.page.as_ref().or(sources.picture.as_ref()) else {
            return (None, skipped("There is no picture to read."));
        };
        let document = asset.kind == AssetKind::Document;
        let (model, max_side) = if document {
            (text::page::MODEL, text::MAX_PAGE_SIDE)
        } else {
            (text::photo::MODEL, u32::MAX)
        };
        let model = Some(model.to_owned());
        let rgb = match self.rgb(picture, max_side) {
            Ok(rgb) => rgb,
            Err(why) => return (model, skipped(&why)),
        };
        let lines = if document {
            let (w, h) = rgb.dimensions();
            let mut png = Vec::new();
            rgb.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .map_err(|e| format!("The page could not be handed to Tesseract: {e}"))
                .and_then(|()| text::page::read(&png, w, h, &self.settings.text_languages))
        } else {
            match self.model(
                &self.reader,
                Analyser::Text,
                "The text reader",
                text::photo::PhotoReader::load,
            ) {
                Ok(reader) => reader.read(&rgb),
                Err(why) => return (model, skipped(&why)),
            }
        };
        let outcome = match lines {
            Ok(lines) => AnalysisOutcome::Ok {
                output: AnalysisOutput::Text {
                    lines: text::within(lines, self.settings.max_text_chars),
                },
            },
            Err(why) => AnalysisOutcome::Failed { reason: why },
        };
        (model, outcome)
    }

    fn moderation(&self, picture: Option<&Picture>) -> AnalysisOutcome {
        let Some(picture) = picture else {
            return skipped("There is no picture to look at.");
        };
        let moderator = match self.model(
            &self.moderator,
            Analyser::Moderation,
            "The moderation model",
            moderation::Moderator::load,
        ) {
            Ok(moderator) => moderator,
            Err(why) => return skipped(&why),
        };
        // The model squashes the picture to 256 × 256: a stored copy of that size will do.
        let rgb = match self.rgb(picture, 1024) {
            Ok(rgb) => rgb,
            Err(why) => return skipped(&why),
        };
        match moderator.score(&rgb) {
            Ok(nsfw) => AnalysisOutcome::Ok {
                output: AnalysisOutput::Moderation { nsfw },
            },
            Err(why) => AnalysisOutcome::Failed { reason: why },
        }
    }

    /// `analyser`'s model (`what`, for people), loaded from the models directory by
    /// `load` on first use. A failure is logged once and kept, so the analyser stays off
    /// without retrying on every asset. `Err` is the reason to skip with: which file is
    /// missing, or why it did not load.
    fn model<'a, T>(
        &'a self,
        cell: &'a OnceLock<Result<T, String>>,
        analyser: Analyser,
        what: &str,
        load: impl FnOnce(&Path) -> Result<T, String>,
    ) -> Result<&'a T, String> {
        let not_available = |why: &str| format!("{what} is not available: {why}.");
        if let Some(why) = self.missing_file(analyser) {
            return Err(not_available(&why));
        }
        cell.get_or_init(|| {
            let loaded = load(&self.models_dir);
            if let Err(why) = &loaded {
                tracing::warn!(%analyser, error = %why, "analyser off: its model did not load");
            }
            loaded
        })
        .as_ref()
        .map_err(|why| not_available(why))
    }

    /// `picture` upright as RGB pixels, at most `max_side` on its longer side; `Err` is the
    /// reason to skip with when it cannot be read.
    fn rgb(&self, picture: &Picture, max_side: u32) -> Result<image::RgbImage, String> {
        let raster =
            medialib_media::square::upright(&picture.bytes, picture.format, max_side, &self.limits)
                .map_err(|e| format!("The picture could not be read: {e}."))?;
        image::RgbImage::from_raw(raster.width(), raster.height(), raster.data().to_vec())
            .ok_or_else(|| "The picture could not be read.".to_owned())
    }
}

fn skipped(reason: &str) -> AnalysisOutcome {
    AnalysisOutcome::Skipped {
        reason: reason.to_owned(),
    }
}
