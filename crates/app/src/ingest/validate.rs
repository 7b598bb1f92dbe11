//! Per-kind checks run while the client waits, so a bad file is refused with a 4xx before
//! anything is stored: image headers and a cheap decode, ffprobe plus a short decode for
//! video and audio, poppler or the zip directory for documents, a full parse for models.

use std::path::Path;
use std::time::Duration;

use medialib_core::AppError;
use medialib_core::AssetKind;
use medialib_core::ErrorCode;
use medialib_media::av::Probed;
use medialib_media::{Detected, MediaError};

use super::staging::StagedFile;

use crate::Catalog;
use crate::media_limits;

/// What validation learned: the kind and type to record, and the facts known up front.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The asset kind (an MP4 holding only audio is `audio`, whatever sniffing guessed).
    pub kind: AssetKind,
    /// The MIME type to record.
    pub mime: String,
    /// Display width in pixels, when known.
    pub width: Option<u32>,
    /// Display height in pixels, when known.
    pub height: Option<u32>,
    /// Playing time in seconds, when known.
    pub duration_s: Option<f64>,
}

impl Validated {
    /// A kind whose facts come only from its processing job.
    fn without_facts(kind: AssetKind, mime: String) -> Self {
        Self {
            kind,
            mime,
            width: None,
            height: None,
            duration_s: None,
        }
    }
}

/// Maps a media error to the error a client sees; the registry gives its status.
pub fn media_error(e: &MediaError) -> AppError {
    AppError::new(e.code(), e.to_string())
}

/// Validates a staged file of the detected type.
///
/// Errors: 413 over a limit, 415 for kinds this server does not take, 422 for a file
/// that is corrupt or invalid (with the decoder's or tool's reason), 500 when a tool
/// is missing.
pub async fn validate(
    catalog: &Catalog,
    staged: &StagedFile,
    detected: &Detected,
) -> Result<Validated, AppError> {
    let settings = &catalog.settings;
    let path = staged.path.clone();
    let mime = detected.mime.to_owned();
    let timeout = Duration::from_secs(settings.limits.tool_timeout_seconds);
    let kind = detected.kind;
    let validated = match (kind, detected.format) {
        (AssetKind::Image, Some(format)) => {
            let limits = media_limits::image(&settings.limits);
            blocking(move || {
                let bytes = read(&path)?;
                let info = medialib_media::validate(&bytes, format, &limits)?;
                Ok(Validated {
                    kind,
                    mime,
                    width: Some(info.width),
                    height: Some(info.height),
                    duration_s: None,
                })
            })
            .await?
        }
        (AssetKind::Video | AssetKind::Audio, _) => {
            let limits = media_limits::av(&settings.limits);
            blocking(move || {
                Ok(match medialib_media::av::probe(&path, &limits)? {
                    Probed::Video(m) => Validated {
                        kind: AssetKind::Video,
                        mime: video_mime(&mime),
                        width: Some(m.width),
                        height: Some(m.height),
                        duration_s: Some(m.duration_s),
                    },
                    Probed::Audio(m) => Validated {
                        kind: AssetKind::Audio,
                        mime: audio_mime(&mime),
                        width: None,
                        height: None,
                        duration_s: Some(m.duration_s),
                    },
                })
            })
            .await?
        }
        (AssetKind::Document, _) => {
            blocking(move || {
                medialib_media::document::probe(&path, &mime, timeout)?;
                Ok(Validated::without_facts(kind, mime))
            })
            .await?
        }
        (AssetKind::Model3d, _) => {
            blocking(move || {
                let bytes = read(&path)?;
                medialib_media::model3d::probe(&bytes, &mime)?;
                Ok(Validated::without_facts(kind, mime))
            })
            .await?
        }
        _ => {
            return Err(media_error(&MediaError::Unsupported {
                detected: format!("{} ({})", detected.mime, detected.kind),
            }));
        }
    };
    Ok(validated)
}

/// An MP4, WebM, Matroska or 3GP file holding only audio is served as audio; ASF holding
/// only audio is WMA.
fn audio_mime(mime: &str) -> String {
    match mime.strip_prefix("video/") {
        Some("x-ms-wmv" | "x-ms-asf") => "audio/x-ms-wma".to_owned(),
        Some(sub) => format!("audio/{sub}"),
        None => mime.to_owned(),
    }
}

/// An Ogg file with a video stream is served as video (`video/ogg`, RFC 5334 §10.1).
fn video_mime(mime: &str) -> String {
    match mime.strip_prefix("audio/") {
        Some(sub) => format!("video/{sub}"),
        None => mime.to_owned(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, MediaError> {
    std::fs::read(path).map_err(|e| MediaError::Tool(format!("read staged upload: {e}")))
}

/// Runs a check off the async runtime; a panic in a decoder is a corrupt file, not a crash.
async fn blocking(
    check: impl FnOnce() -> Result<Validated, MediaError> + Send + 'static,
) -> Result<Validated, AppError> {
    tokio::task::spawn_blocking(check)
        .await
        .map_err(|e| {
            AppError::new(
                ErrorCode::InvalidMedia,
                format!("the decoder failed on this file: {e}"),
            )
        })?
        .map_err(|e| match e {
            MediaError::Tool(_) => AppError::internal(e),
            other => media_error(&other),
        })
}
