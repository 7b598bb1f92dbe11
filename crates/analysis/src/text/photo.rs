//! Text in photos: PaddleOCR's PP-OCRv6 small detector and recogniser (from the rapidocr
//! package), run by onnxruntime. They read overlaid and scene text that Tesseract, made
//! for pages, does not see.
//!
//! The steps follow RapidOCR 3.10 (`ch_ppocr_det`, `ch_ppocr_rec`), but for the size: the
//! picture is scaled so its shorter side is 736 pixels (its longer at most 2 000), each
//! side a multiple of 32, down as well as up (RapidOCR only scales up): text worth
//! searching for in a photo stays readable there, and detection costs a third of what
//! it does at 1 600 × 1 200;
//! the detector's map of text probability thresholded at 0.3 and dilated; each region
//! kept when its mean probability reaches 0.5 and grown by area × 1.6 / perimeter; each
//! region's crop read by the recogniser at 48 pixels high; its CTC output decoded
//! greedily. Regions are axis-aligned boxes: text set at an angle is read less well.

use std::collections::VecDeque;
use std::path::Path;

use image::RgbImage;
use image::imageops::{self, FilterType};
use medialib_core::analysis::TextLine;

use crate::runtime::{Model, Output};

/// The detector in the models directory.
pub const DETECTOR_FILE: &str = "text_ppocr_det.onnx";
/// The recogniser in the models directory; its characters are in its metadata.
pub const RECOGNISER_FILE: &str = "text_ppocr_rec.onnx";
/// The models, as results name them.
pub const MODEL: &str = "PP-OCRv6 small, multilingual (rapidocr 3.10.0)";
/// The shorter side the detector sees, in pixels.
pub const SHORTER_SIDE: u32 = 736;
/// The longer side the detector sees at most, in pixels.
const LONGER_SIDE: u32 = 2000;
/// Pixels of the probability map at or above this are text.
const PIXEL_THRESHOLD: f32 = 0.3;
/// Regions whose mean probability is below this are dropped.
const REGION_THRESHOLD: f32 = 0.5;
/// How far a region grows: its area × this / its perimeter, in pixels.
const UNCLIP: f64 = 1.6;
/// The most regions read in one picture.
const MAX_REGIONS: usize = 200;
/// The recogniser's input height, in pixels.
const LINE_HEIGHT: u32 = 48;
/// The recogniser's narrowest input, in pixels.
const MIN_LINE_WIDTH: u32 = 320;
/// Lines read with less confidence than this are dropped.
const MIN_CONFIDENCE: f64 = 0.5;

/// The loaded detector and recogniser, and the recogniser's characters.
pub struct PhotoReader {
    detector: Model,
    recogniser: Model,
    /// The character of each output class: `None` for the CTC blank (class 0).
    characters: Vec<Option<String>>,
}

/// A region of text in the detector's input, in pixels.
#[derive(Debug, Clone, Copy)]
struct Region {
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
}

impl PhotoReader {
    /// Loads both models from `dir`.
    ///
    /// Errors: a sentence naming the file that is missing or does not load, or a
    /// recogniser without its character list.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let detector = Model::load(dir, DETECTOR_FILE)?;
        let recogniser = Model::load(dir, RECOGNISER_FILE)?;
        let list = recogniser
            .metadata("character")?
            .ok_or_else(|| format!("{RECOGNISER_FILE} has no character list"))?;
        // RapidOCR's order: the blank, each listed character, then the space.
        let characters = std::iter::once(None)
            .chain(list.lines().map(|c| Some(c.to_owned())))
            .chain(std::iter::once(Some(" ".to_owned())))
            .collect();
        Ok(Self {
            detector,
            recogniser,
            characters,
        })
    }

    /// The lines of text in `picture` (upright RGB), top to bottom, then left to right.
    ///
    /// Errors: a sentence when a model fails.
    pub fn read(&self, picture: &RgbImage) -> Result<Vec<TextLine>, String> {
        let (w, h) = detector_size(picture.width(), picture.height());
        let scaled = imageops::resize(picture, w, h, FilterType::Triangle);
        let map = self.detect(&scaled)?;
        let map = map
            .into_iter()
            .next()
            .filter(|o| o.values.len() == (w * h) as usize)
            .ok_or("the text detector's output is not one map of the picture")?;
        let mut regions = regions(&map.values, w, h);
        regions.sort_by_key(|r| (r.top / 16, r.left));
        let mut lines = Vec::new();
        for region in regions {
            let crop = imageops::crop_imm(
                &scaled,
                region.left,
                region.top,
                region.right - region.left,
                region.bottom - region.top,
            )
            .to_image();
            let (text, confidence) = self.recognise(&crop)?;
            if confidence < MIN_CONFIDENCE || text.trim().is_empty() {
                continue;
            }
            let (fw, fh) = (f64::from(w), f64::from(h));
            lines.push(TextLine {
                text: text.trim().to_owned(),
                confidence: round(confidence),
                x: round(f64::from(region.left) / fw),
                y: round(f64::from(region.top) / fh),
                width: round(f64::from(region.right - region.left) / fw),
                height: round(f64::from(region.bottom - region.top) / fh),
            });
        }
        Ok(lines)
    }

    /// The detector's input for `picture` (upright RGB): its shape and values.
    pub fn detector_input(picture: &RgbImage) -> ([usize; 4], Vec<f32>) {
        let (w, h) = detector_size(picture.width(), picture.height());
        let scaled = imageops::resize(picture, w, h, FilterType::Triangle);
        ([1, 3, h as usize, w as usize], input(&scaled))
    }

    /// Runs the detector alone on an input from [`PhotoReader::detector_input`]: the map
    /// of text probability.
    ///
    /// Errors: a sentence when the model fails.
    pub fn infer_detector(
        &self,
        shape: &[usize; 4],
        input: Vec<f32>,
    ) -> Result<Vec<Output>, String> {
        self.detector.run(shape, input)
    }

    /// The detector's outputs for a picture already at [`detector_size`].
    fn detect(&self, scaled: &RgbImage) -> Result<Vec<Output>, String> {
        let shape = [1, 3, scaled.height() as usize, scaled.width() as usize];
        self.detector.run(&shape, input(scaled))
    }

    /// One line's text and its mean character probability.
    fn recognise(&self, crop: &RgbImage) -> Result<(String, f64), String> {
        let ratio = f64::from(crop.width()) / f64::from(crop.height().max(1));
        let width = ((f64::from(LINE_HEIGHT) * ratio).ceil() as u32).clamp(1, 4096);
        let padded = width.max(MIN_LINE_WIDTH);
        let line = imageops::resize(crop, width, LINE_HEIGHT, FilterType::Triangle);
        // Zero (mid-grey once normalised) to the right of the text, as RapidOCR pads.
        let plane = (LINE_HEIGHT * padded) as usize;
        let mut values = vec![0.0; 3 * plane];
        let normalised = input(&line);
        let line_plane = (LINE_HEIGHT * width) as usize;
        for c in 0..3 {
            for y in 0..LINE_HEIGHT as usize {
                let from = c * line_plane + y * width as usize;
                let to = c * plane + y * padded as usize;
                values[to..to + width as usize]
                    .copy_from_slice(&normalised[from..from + width as usize]);
            }
        }
        let output = self
            .recogniser
            .run(&[1, 3, LINE_HEIGHT as usize, padded as usize], values)?
            .into_iter()
            .next()
            .ok_or("the text recogniser gave no output")?;
        let classes = self.characters.len();
        if output.values.len() % classes != 0 {
            return Err("the text recogniser's classes do not match its characters".into());
        }
        Ok(decode(&output.values, &self.characters))
    }
}

/// Greedy CTC decoding of `[steps × classes]` probabilities: the most probable class at
/// each step, repeats merged, blanks dropped; the mean probability of the kept ones.
fn decode(probabilities: &[f32], characters: &[Option<String>]) -> (String, f64) {
    let mut text = String::new();
    let (mut sum, mut kept, mut previous) = (0.0, 0usize, 0usize);
    for step in probabilities.chunks_exact(characters.len()) {
        let (best, p) = step
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, &p)| if p > a.1 { (i, p) } else { a });
        if best != previous
            && let Some(c) = &characters[best]
        {
            text.push_str(c);
            sum += f64::from(p);
            kept += 1;
        }
        previous = best;
    }
    let confidence = if kept == 0 { 0.0 } else { sum / kept as f64 };
    (text, confidence)
}

/// The detector's input size for a `w` × `h` picture: the shorter side
/// [`SHORTER_SIDE`] (less when the longer would be over [`LONGER_SIDE`]), each a multiple
/// of 32.
fn detector_size(w: u32, h: u32) -> (u32, u32) {
    let (w, h) = (f64::from(w.max(1)), f64::from(h.max(1)));
    let scale = (f64::from(SHORTER_SIDE) / w.min(h)).min(f64::from(LONGER_SIDE) / w.max(h));
    let side = |v: f64| (((v * scale) / 32.0).round() as u32).max(1) * 32;
    (side(w), side(h))
}

/// Channels first, BGR (RapidOCR reads pictures with OpenCV), each value v / 127.5 − 1.
fn input(picture: &RgbImage) -> Vec<f32> {
    let plane = (picture.width() * picture.height()) as usize;
    let mut values = vec![0.0; 3 * plane];
    for (i, px) in picture.pixels().enumerate() {
        for (c, v) in px.0.iter().rev().enumerate() {
            values[c * plane + i] = f32::from(*v) / 127.5 - 1.0;
        }
    }
    values
}

/// The text regions of a `w` × `h` probability map: the connected pixels at or above
/// [`PIXEL_THRESHOLD`] (after a 2 × 2 dilation) whose mean probability reaches
/// [`REGION_THRESHOLD`], each box grown by its area × [`UNCLIP`] / its perimeter.
fn regions(map: &[f32], w: u32, h: u32) -> Vec<Region> {
    let (wu, hu) = (w as usize, h as usize);
    let mut text = vec![false; wu * hu];
    for y in 0..hu {
        for x in 0..wu {
            // Dilation: a pixel is text when it or its left, upper or upper-left
            // neighbour is.
            let at = |dx: usize, dy: usize| {
                x >= dx && y >= dy && map[(y - dy) * wu + x - dx] >= PIXEL_THRESHOLD
            };
            text[y * wu + x] = at(0, 0) || at(1, 0) || at(0, 1) || at(1, 1);
        }
    }
    let mut seen = vec![false; wu * hu];
    let mut found = Vec::new();
    let mut queue = VecDeque::new();
    for start in 0..wu * hu {
        if !text[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        queue.push_back(start);
        let (mut left, mut top, mut right, mut bottom) = (wu, hu, 0, 0);
        let (mut sum, mut count) = (0.0f32, 0usize);
        while let Some(i) = queue.pop_front() {
            let (x, y) = (i % wu, i / wu);
            (left, top, right, bottom) = (left.min(x), top.min(y), right.max(x), bottom.max(y));
            sum += map[i];
            count += 1;
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < wu).then(|| i + 1),
                (y > 0).then(|| i - wu),
                (y + 1 < hu).then(|| i + wu),
            ];
            for n in neighbours.into_iter().flatten() {
                if text[n] && !seen[n] {
                    seen[n] = true;
                    queue.push_back(n);
                }
            }
        }
        let (bw, bh) = ((right - left + 1) as f64, (bottom - top + 1) as f64);
        if bw.min(bh) < 3.0 || sum / (count as f32) < REGION_THRESHOLD {
            continue;
        }
        let grow = (bw * bh * UNCLIP / (2.0 * (bw + bh))).round() as usize;
        found.push(Region {
            left: left.saturating_sub(grow) as u32,
            top: top.saturating_sub(grow) as u32,
            right: (right + 1 + grow).min(wu) as u32,
            bottom: (bottom + 1 + grow).min(hu) as u32,
        });
        if found.len() == MAX_REGIONS {
            break;
        }
    }
    found
}

/// Four decimals, stable in JSON.
fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detector_sees_the_shorter_side_at_736_and_the_longer_at_most_2000() {
        assert_eq!(detector_size(322, 466), (736, 1056));
        assert_eq!(detector_size(4000, 3000), (992, 736));
        assert_eq!(detector_size(1000, 800), (928, 736));
        assert_eq!(detector_size(4000, 1000), (2016, 512));
    }

    #[test]
    fn ctc_decoding_merges_repeats_and_drops_blanks() {
        let characters = [None, Some("a".to_owned()), Some("b".to_owned())];
        // a a blank a b b: "aab".
        let steps = [
            [0.1, 0.8, 0.1],
            [0.1, 0.9, 0.0],
            [0.9, 0.05, 0.05],
            [0.2, 0.7, 0.1],
            [0.0, 0.4, 0.6],
            [0.1, 0.1, 0.8],
        ];
        let flat: Vec<f32> = steps.iter().flatten().copied().collect();
        let (text, confidence) = decode(&flat, &characters);
        assert_eq!(text, "aab");
        assert!((confidence - (0.8 + 0.7 + 0.6) / 3.0).abs() < 1e-6);
    }

    #[test]
    fn regions_are_connected_text_pixels_grown_by_their_unclip_distance() {
        // A 40 × 10 map with one 20 × 4 bar of text and a lone weak pixel.
        let (w, h) = (40u32, 10u32);
        let mut map = vec![0.0f32; (w * h) as usize];
        for y in 3..7 {
            for x in 10..30 {
                map[y * 40 + x] = 0.9;
            }
        }
        map[35] = 0.35;
        let found = regions(&map, w, h);
        assert_eq!(found.len(), 1, "{found:?}");
        let r = found[0];
        // 21 × 5 after dilation; grown by 21 × 5 × 1.6 / 52 ≈ 3 pixels a side.
        assert_eq!((r.left, r.top, r.right, r.bottom), (7, 0, 34, 10));
    }
}
