//! The processing job of each asset kind. Each turns the original into facts, a
//! picture (the image itself, a video poster, cover art, a PDF page, a model preview)
//! run through the image pipeline, and kind-specific extras (waveform, text, transcodes).

use std::path::Path;
use std::time::Duration;

use medialib_core::{
    Asset, AssetKind, Fit, Metadata, OutputFormat, StorageKey, TranscodeProfile, VariantSpec,
};
use medialib_media::av::Probed;
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits, MediaError};

use super::results::{Made, Output, Picture};
use super::{Failure, blocking, original_file};
use medialib_app::Catalog;
use medialib_app::media_limits;

/// Most bytes of text kept for search from one document (1 MiB).
const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Waveform peaks, and the picture's size in pixels.
const WAVEFORM_BUCKETS: usize = 1000;
const WAVEFORM_SIZE: (u32, u32) = (1000, 200);
/// A model preview's size in pixels (4:3, as big as the `large` variant box).
const MODEL_PREVIEW: (u32, u32) = (1200, 900);
/// The longest side of a document's first page as rendered, in pixels (an A4 page at
/// about 175 dpi): its full-size `poster`, which transforms read.
const PAGE_SIDE: u32 = 2048;

/// The full-size `poster` every picture made from an original keeps beside the variants,
/// so transforms can render any size of it (a fit box never upscales, so this keeps the
/// picture's own size).
fn full_size(width: u32, height: u32) -> VariantSpec {
    VariantSpec {
        name: "poster".into(),
        width: width.clamp(1, 20_000),
        height: height.clamp(1, 20_000),
        fit: Fit::Fit,
    }
}

/// What the image pipeline needs, cloned out of the settings for a blocking task.
#[derive(Clone)]
struct Pictures {
    specs: Vec<VariantSpec>,
    limits: ImageLimits,
    encode: EncodeSettings,
    /// The asset's focal point, which cover crops keep in view.
    focus: Option<(f64, f64)>,
}

impl Pictures {
    fn new(catalog: &Catalog, asset: &Asset) -> Self {
        let s = &catalog.settings;
        Self {
            specs: s.images.variants.clone(),
            limits: media_limits::image(&s.limits),
            encode: EncodeSettings {
                webp_quality: s.images.webp_quality,
                jpeg_quality: s.images.jpeg_quality,
                avif_variants: s.images.avif_variants(),
                ..EncodeSettings::default()
            },
            focus: asset.focal_point.map(|p| (p.x, p.y)),
        }
    }

    /// The longest side any variant needs, in pixels: how big to render pages.
    fn largest_side(&self) -> u32 {
        self.specs
            .iter()
            .map(|s| s.width.max(s.height))
            .max()
            .unwrap_or(1920)
    }

    /// Runs the image pipeline on a picture made from the original, with a full-size
    /// `poster` of at most `poster` pixels.
    fn variants(&self, picture: &[u8], poster: VariantSpec) -> Result<Picture, MediaError> {
        let format = medialib_media::sniff(picture, picture.len() as u64)
            .and_then(|d| d.format)
            .ok_or_else(|| MediaError::Invalid("the embedded picture is not an image".into()))?;
        let mut specs = self.specs.clone();
        specs.push(poster);
        let processed = medialib_media::process_around(
            picture,
            format,
            &specs,
            &self.limits,
            &self.encode,
            self.focus,
        )?;
        Ok(Picture {
            variants: processed.variants.into_iter().map(Made::from).collect(),
            placeholder: processed.placeholder,
            phash: processed.phash,
        })
    }
}

/// Processes `asset` according to its kind.
pub(super) async fn run(catalog: &Catalog, asset: &Asset) -> Result<Output, Failure> {
    let pictures = Pictures::new(catalog, asset);
    let s = &catalog.settings;
    let timeout = Duration::from_secs(s.limits.tool_timeout_seconds);
    if asset.kind == AssetKind::Image {
        return image(catalog, asset, pictures).await;
    }
    let original = original_file(catalog, asset).await?;
    let path = original.path().to_owned();
    let mime = asset.mime.clone();
    match asset.kind {
        AssetKind::Video | AssetKind::Audio => {
            let limits = media_limits::av(&s.limits);
            let poster_at = s.video.poster_at_seconds;
            let profiles = s.video.profiles.clone();
            blocking("the video and audio pipeline", move || {
                // The upload's validation already decoded the first seconds.
                let probed = medialib_media::av::probe_facts(&path, &limits)?;
                let transcodes = transcodes(&profiles, &probed);
                let mut output = match probed {
                    Probed::Video(meta) => video(&path, meta, poster_at, timeout, &pictures)?,
                    Probed::Audio(meta) => audio(&path, meta, timeout, &pictures)?,
                };
                output.transcodes = transcodes;
                Ok(output)
            })
            .await
        }
        AssetKind::Document => {
            blocking("the document pipeline", move || {
                document(&path, &mime, timeout, &pictures)
            })
            .await
        }
        AssetKind::Model3d => {
            blocking("the model pipeline", move || model(&path, &mime, &pictures)).await
        }
        AssetKind::Image | AssetKind::Other => Err(Failure::Permanent(format!(
            "there is no processing for {} assets",
            asset.kind
        ))),
    }
}

async fn image(catalog: &Catalog, asset: &Asset, pictures: Pictures) -> Result<Output, Failure> {
    let format = ImageFormat::from_mime(&asset.mime)
        .ok_or_else(|| Failure::Permanent(format!("no image pipeline for {}", asset.mime)))?;
    let original = catalog
        .blobs
        .get_bytes(&StorageKey::original(asset.namespace, &asset.sha256))
        .await
        .map_err(Failure::transient)?;
    blocking("the image pipeline", move || {
        let processed = medialib_media::process_around(
            &original,
            format,
            &pictures.specs,
            &pictures.limits,
            &pictures.encode,
            pictures.focus,
        )?;
        let picture = Picture {
            variants: processed.variants.into_iter().map(Made::from).collect(),
            placeholder: processed.placeholder,
            phash: processed.phash,
        };
        Ok(Output::new(
            Metadata::Image(processed.metadata),
            Some(picture),
        ))
    })
    .await
}

/// The enabled profiles that apply to this source, in configured order.
fn transcodes(profiles: &[TranscodeProfile], probed: &Probed) -> Vec<String> {
    profiles
        .iter()
        .filter(|p| medialib_media::av::plan(p, probed).is_some())
        .map(|p| p.name.clone())
        .collect()
}

/// Poster frame → the image variants plus a full-size `poster`.
fn video(
    path: &Path,
    meta: medialib_core::VideoMetadata,
    poster_at: f64,
    timeout: Duration,
    pictures: &Pictures,
) -> Result<Output, MediaError> {
    let frame = medialib_media::av::poster(path, &meta, poster_at, timeout)?;
    let picture = pictures.variants(&frame, full_size(meta.width, meta.height))?;
    Ok(Output::new(Metadata::Video(meta), Some(picture)))
}

/// Cover art (when present) → the image variants and a full-size `poster`; the waveform
/// as PNG and JSON.
fn audio(
    path: &Path,
    meta: medialib_core::AudioMetadata,
    timeout: Duration,
    pictures: &Pictures,
) -> Result<Output, MediaError> {
    let cover = if meta.has_cover_art {
        medialib_media::av::cover_art(path, timeout)?
    } else {
        None
    };
    // Broken cover art is the tag's problem, not the audio's: keep the audio.
    let picture = match cover.map(|c| pictures.variants(&c, full_size(20_000, 20_000))) {
        Some(Ok(picture)) => Some(picture),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "cover art is unreadable; skipped");
            None
        }
        None => None,
    };
    let wave = medialib_media::av::waveform(path, WAVEFORM_BUCKETS, WAVEFORM_SIZE, timeout)?;
    let peaks = serde_json::json!({
        "duration_s": meta.duration_s,
        "buckets": wave.peaks.len(),
        // Three decimals are finer than any waveform picture.
        "peaks": wave.peaks.iter().map(|p| (p * 1000.0).round() / 1000.0).collect::<Vec<f32>>(),
    });
    let mut output = Output::new(Metadata::Audio(meta), picture);
    output.variants.push(Made {
        name: "waveform".into(),
        format: OutputFormat::Png,
        width: Some(wave.width),
        height: Some(wave.height),
        bytes: wave.png,
    });
    output.variants.push(Made {
        name: "waveform".into(),
        format: OutputFormat::Json,
        width: None,
        height: None,
        bytes: peaks.to_string().into_bytes(),
    });
    Ok(output)
}

/// Facts, the first page → the image variants and a full-size `poster`, and the text for
/// search.
fn document(
    path: &Path,
    mime: &str,
    timeout: Duration,
    pictures: &Pictures,
) -> Result<Output, MediaError> {
    let meta = medialib_media::document::probe(path, mime, timeout)?;
    let side = PAGE_SIDE.max(pictures.largest_side());
    let page = medialib_media::document::render_first_page(path, &meta, side, timeout)?;
    let picture = page
        .map(|png| pictures.variants(&png, full_size(side, side)))
        .transpose()?;
    let text = medialib_media::document::extract_text(path, &meta, MAX_TEXT_BYTES, timeout)?;
    let mut output = Output::new(Metadata::Document(meta), picture);
    output.text = text;
    Ok(output)
}

/// Facts and a rendered preview → the image variants and the preview as `poster`.
fn model(path: &Path, mime: &str, pictures: &Pictures) -> Result<Output, MediaError> {
    let bytes =
        std::fs::read(path).map_err(|e| MediaError::Tool(format!("read the original: {e}")))?;
    let meta = medialib_media::model3d::probe(&bytes, mime)?;
    let (w, h) = MODEL_PREVIEW;
    let png = medialib_media::model3d::render_preview(&bytes, mime, w, h)?;
    let picture = pictures.variants(&png, full_size(w, h))?;
    Ok(Output::new(Metadata::Model3d(meta), Some(picture)))
}
