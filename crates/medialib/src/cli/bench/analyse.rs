//! `medialib bench analyse`: the analysers' CPU time on a 12 MP photo, in-process, and
//! the labels model against onnxruntime.
//!
//! 1. Reading the picture: the photo's centre square decoded and scaled to 224 × 224
//!    (DCT-scaled JPEG decode, then bilinear), as the worker does from a stored copy;
//! 2. each model alone (onnxruntime's library through `ort`, one thread) on that input,
//!    and in the same run the same ONNX file and input run by onnxruntime from Python
//!    (the PyPI wheel, one thread; `scripts/bench-onnxruntime`, installed into a venv on
//!    first use), with the largest difference between their first outputs: the labels
//!    model, the face detector on the photo letterboxed to 192 × 192, and the moderation
//!    model;
//! 3. the whole classification (model, softmax, vocabulary), the whole face detection
//!    (model, decoding, suppression), reading text (PP-OCR detection on the photo at
//!    1 600 pixels, recognition of what it finds), the whole moderation score, the places
//!    lookup and the data set's load time;
//! 4. whole analyses (pictures, labels, faces, text, moderation, places) per second on two
//!    threads;
//! 5. similar media over 100 000 embeddings: the in-memory ranking each
//!    `GET /assets/{id}/similar` runs (p50/p95 of 200 queries), and the index's memory.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_analysis::faces::{self, Detector};
use medialib_analysis::labels::{self, Classifier};
use medialib_analysis::moderation::{self, Moderator};
use medialib_analysis::places::Geocoder;
use medialib_analysis::text::photo::PhotoReader;
use medialib_app::similar::Vectors;
use medialib_core::analysis::Embedding;
use medialib_core::{AssetId, GpsPosition, Settings};

use super::median;

/// Where the reference script and its requirements are, relative to the repository.
const DIR: &str = "scripts/bench-onnxruntime";

/// Flags of `medialib bench analyse`.
#[derive(clap::Args)]
pub struct Options {
    /// The photo (default: the corpus's 12 MP Olympus JPEG).
    #[arg(long, default_value = crate::cli::bench::PHOTO_12MP)]
    image: PathBuf,
    /// Timed runs of each step (the median is reported).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Embeddings in the similar-media index.
    #[arg(long, default_value_t = 100_000)]
    assets: usize,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(settings: &Settings, options: Options) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&options.image)
        .with_context(|| format!("read {}", options.image.display()))?;
    let format = medialib_media::sniff(&bytes[..bytes.len().min(8192)], bytes.len() as u64)
        .and_then(|d| d.format)
        .context("not an image")?;
    let limits = medialib_app::media_limits::image(&settings.limits);
    let models = &settings.analysis.models_dir;
    let runs = options.runs.max(1);
    let square = || {
        medialib_media::square::centre_square(&bytes, format, labels::KEEP, labels::SIDE, &limits)
    };

    let decode = times(runs, || square().map(drop))?;
    let picture = square()?;
    let loading = Instant::now();
    let classifier = Classifier::load(models).map_err(anyhow::Error::msg)?;
    let model_load = loading.elapsed();
    let input = labels::input(&picture).map_err(anyhow::Error::msg)?;
    let model = times(runs, || {
        classifier
            .infer(&input)
            .map(drop)
            .map_err(anyhow::Error::msg)
    })?;
    let classify = times(runs, || {
        classifier
            .classify(&picture)
            .map(drop)
            .map_err(anyhow::Error::msg)
    })?;
    let (logits, _) = classifier.infer(&input).map_err(anyhow::Error::msg)?;

    let letterbox = || medialib_media::square::letterboxed(&bytes, format, faces::SIDE, &limits);
    let letterboxing = times(runs, || letterbox().map(drop))?;
    let letterboxed = letterbox()?;
    let detector = Detector::load(models).map_err(anyhow::Error::msg)?;
    let faces_input = faces::input(&letterboxed).map_err(anyhow::Error::msg)?;
    let faces_model = times(runs, || {
        detector
            .infer(faces_input.clone())
            .map(drop)
            .map_err(anyhow::Error::msg)
    })?;
    let detect = times(runs, || {
        detector
            .detect(&letterboxed)
            .map(drop)
            .map_err(anyhow::Error::msg)
    })?;
    let faces_output = detector
        .infer(faces_input.clone())
        .map_err(anyhow::Error::msg)?
        .swap_remove(0)
        .values;

    // Text and moderation read the picture as a stored 1 600-pixel copy gives it.
    let reading = || -> anyhow::Result<image::RgbImage> {
        let raster = medialib_media::square::upright(&bytes, format, 1600, &limits)?;
        image::RgbImage::from_raw(raster.width(), raster.height(), raster.data().to_vec())
            .context("a raster of the wrong length")
    };
    let upright = times(runs, || reading().map(drop))?;
    let rgb = reading()?;
    let reader = PhotoReader::load(models).map_err(anyhow::Error::msg)?;
    let text_runs = runs.clamp(1, 5);
    let read_text = times(text_runs, || {
        reader.read(&rgb).map(drop).map_err(anyhow::Error::msg)
    })?;
    let (detector_shape, detector_input) = PhotoReader::detector_input(&rgb);
    let text_model = times(text_runs, || {
        reader
            .infer_detector(&detector_shape, detector_input.clone())
            .map(drop)
            .map_err(anyhow::Error::msg)
    })?;
    let text_output = reader
        .infer_detector(&detector_shape, detector_input.clone())
        .map_err(anyhow::Error::msg)?
        .swap_remove(0)
        .values;
    let moderator = Moderator::load(models).map_err(anyhow::Error::msg)?;
    let moderation_input = moderation::input(&rgb).map_err(anyhow::Error::msg)?;
    let moderation_model = times(runs, || {
        moderator
            .infer(moderation_input.clone())
            .map(drop)
            .map_err(anyhow::Error::msg)
    })?;
    let moderate = times(runs, || {
        moderator.score(&rgb).map(drop).map_err(anyhow::Error::msg)
    })?;
    let moderation_output = moderator
        .infer(moderation_input.clone())
        .map_err(anyhow::Error::msg)?
        .swap_remove(0)
        .values;

    let loading = Instant::now();
    let geocoder = Geocoder::load(models).map_err(anyhow::Error::msg)?;
    let places_load = loading.elapsed();
    let florence = GpsPosition {
        latitude: 43.785594,
        longitude: 11.234619,
        altitude: None,
    };
    let lookups = 1000;
    let started = Instant::now();
    for _ in 0..lookups {
        std::hint::black_box(geocoder.place(&florence));
    }
    let lookup = started.elapsed() / lookups;

    // Whole analyses on two threads, as a worker process with two jobs runs them.
    let per_thread = text_runs.max(2);
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    for _ in 0..per_thread {
                        let picture = square()?;
                        classifier.classify(&picture).map_err(anyhow::Error::msg)?;
                        detector.detect(&letterbox()?).map_err(anyhow::Error::msg)?;
                        let rgb = reading()?;
                        reader.read(&rgb).map_err(anyhow::Error::msg)?;
                        moderator.score(&rgb).map_err(anyhow::Error::msg)?;
                        std::hint::black_box(geocoder.place(&florence));
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("a benchmark thread panicked")?;
        }
        Ok(())
    })?;
    let per_second = (2 * per_thread) as f64 / started.elapsed().as_secs_f64();

    let (similar_p50, similar_p95) = similar(options.assets);

    let side = labels::SIDE as usize;
    let reference = onnxruntime(
        &models.join(labels::MODEL_FILE),
        &input,
        [1, 3, side, side],
        runs,
    )?;
    let side = faces::SIDE as usize;
    let faces_reference = onnxruntime(
        &models.join(faces::MODEL_FILE),
        &faces_input,
        [1, 3, side, side],
        runs,
    )?;
    let text_reference = onnxruntime(
        &models.join(medialib_analysis::text::photo::DETECTOR_FILE),
        &detector_input,
        detector_shape,
        text_runs,
    )?;
    let moderation_reference = onnxruntime(
        &models.join(moderation::MODEL_FILE),
        &moderation_input,
        moderation::INPUT_SHAPE,
        runs,
    )?;

    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "Photo: {} ({} bytes)\n",
        options.image.display(),
        bytes.len()
    );
    println!("| step | medialib | reference | ratio |");
    println!("|---|---:|---:|---:|");
    for (what, ours, theirs, n) in [
        ("labels model", model, &reference, runs),
        ("faces model", faces_model, &faces_reference, runs),
        (
            "moderation model",
            moderation_model,
            &moderation_reference,
            runs,
        ),
        (
            "text detector (736 × 992)",
            text_model,
            &text_reference,
            text_runs,
        ),
    ] {
        println!(
            "| {what} alone, 1 thread (median of {n}) | {} | {:.1} ms (onnxruntime {}) | {:.2}× |",
            ms(ours),
            theirs.median_ms,
            theirs.version,
            ours.as_secs_f64() * 1000.0 / theirs.median_ms
        );
    }
    println!(
        "| picture: centre square of the 12 MP JPEG at 224 × 224 | {} | | |",
        ms(decode)
    );
    println!(
        "| labels: model + softmax + vocabulary | {} | | |",
        ms(classify)
    );
    println!(
        "| picture: the 12 MP JPEG letterboxed into 192 × 192 | {} | | |",
        ms(letterboxing)
    );
    println!(
        "| faces: model + decoding + suppression | {} | | |",
        ms(detect)
    );
    println!(
        "| picture: the 12 MP JPEG upright at 1 600 × 1 200 (text, moderation) | {} | | |",
        ms(upright)
    );
    println!(
        "| text: PP-OCR detection at 992 × 736, recognition of what it finds (median of {text_runs}) | {} | | |",
        ms(read_text)
    );
    println!(
        "| moderation: squash, JPEG round trip, model | {} | | |",
        ms(moderate)
    );
    println!(
        "| places: one lookup among 155 210 places | {:.1} µs | | |",
        lookup.as_secs_f64() * 1e6
    );
    println!("| whole analysis, 2 threads | {per_second:.1} photos/s | | |");
    println!(
        "| loading: labels model / places data set | {} / {} | | |",
        ms(model_load),
        ms(places_load)
    );
    println!(
        "| similar: ranking {} embeddings (1 280 bytes each), p50 / p95 of 200 queries | {} / {} | | |",
        options.assets,
        ms(similar_p50),
        ms(similar_p95)
    );
    println!(
        "\nLargest difference from Python onnxruntime's first output: labels {:.2e}, faces {:.2e}, moderation {:.2e}, text detector {:.2e}",
        largest_difference(&logits, &reference.output),
        largest_difference(&faces_output, &faces_reference.output),
        largest_difference(&moderation_output, &moderation_reference.output),
        largest_difference(&text_output, &text_reference.output)
    );
    Ok(ExitCode::SUCCESS)
}

/// p50 and p95 of 200 similar-media rankings over `n` embeddings shaped like the labels
/// model's (non-negative, mostly small, a few large features), as the endpoint runs them.
fn similar(n: usize) -> (Duration, Duration) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let ids: Vec<AssetId> = (0..n).map(|_| AssetId::new()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    let embeddings: Vec<(AssetId, Embedding)> = sorted
        .iter()
        .map(|id| {
            let values = (0..1280)
                .map(|_| ((next() % 256) as u8).saturating_sub(96))
                .collect();
            let embedding = Embedding {
                model: labels::MODEL.to_owned(),
                values,
            };
            (*id, embedding)
        })
        .collect();
    let index = Vectors::new((n as u64, 0), embeddings, Vec::new());
    let mut taken: Vec<Duration> = (0..200)
        .map(|q| {
            let id = sorted[(q * 7919) % n];
            let started = Instant::now();
            let query = index.embedding_of(id).expect("indexed");
            std::hint::black_box(index.nearest(&query, 56, id));
            started.elapsed()
        })
        .collect();
    taken.sort();
    (taken[100], taken[190])
}

/// The median of `runs` timed calls of `step`.
fn times<E: Into<anyhow::Error>>(
    runs: usize,
    mut step: impl FnMut() -> Result<(), E>,
) -> anyhow::Result<Duration> {
    let mut taken = Vec::with_capacity(runs);
    step().map_err(Into::into)?; // warm-up
    for _ in 0..runs {
        let started = Instant::now();
        step().map_err(Into::into)?;
        taken.push(started.elapsed());
    }
    Ok(median(taken))
}

fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max)
}

/// What the reference run gave.
struct Reference {
    median_ms: f64,
    version: String,
    /// The model's first output.
    output: Vec<f32>,
}

/// Runs `model` on `input` shaped as `shape` with onnxruntime `runs` times, in the venv
/// of [`DIR`] (created from its requirements on first use).
fn onnxruntime(
    model: &Path,
    input: &[f32],
    shape: [usize; 4],
    runs: usize,
) -> anyhow::Result<Reference> {
    let dir = PathBuf::from(DIR);
    let python = dir.join(".venv/bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import onnxruntime"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        eprintln!("installing onnxruntime into {DIR}/.venv (once)");
        let venv = Command::new("python3")
            .args(["-m", "venv"])
            .arg(dir.join(".venv"))
            .status()
            .context("run python3 -m venv (run from the repository root)")?;
        let pip = Command::new(dir.join(".venv/bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(dir.join("requirements.txt"))
            .status()
            .context("run pip")?;
        if !venv.success() || !pip.success() {
            bail!("could not install {DIR}/requirements.txt");
        }
    }
    let scratch = tempfile::tempdir()?;
    let source = scratch.path().join("input.f32");
    let dest = scratch.path().join("output.f32");
    let raw: Vec<u8> = input.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&source, raw)?;
    let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
    let out = Command::new(&python)
        .arg(dir.join("run.py"))
        .arg(model)
        .arg(&source)
        .arg(shape.join(","))
        .arg(runs.to_string())
        .arg(&dest)
        .output()
        .context("run the onnxruntime reference")?;
    if !out.status.success() {
        bail!(
            "onnxruntime failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let output = std::fs::read(&dest)?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok(Reference {
        median_ms: report["median_ms"].as_f64().context("no median_ms")?,
        version: report["version"].as_str().unwrap_or("?").to_owned(),
        output,
    })
}
