//! Watermarks (`[transforms.watermarks.NAME]`): which one a request carries, what it shows,
//! and what of it a result depends on.
//!
//! A transform carries the watermark its ops name (`wm_NAME`). A public asset's transform
//! that names none carries its collections' (`collection.watermark`), so that every URL
//! anyone can fetch, and any shared cache can keep, shows it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use medialib_core::config::{Mark, WatermarkPreset};
use medialib_core::transform::TransformOps;
use medialib_core::{AppError, Asset};
use medialib_media::ImageFormat;
use medialib_media::watermark::{self, Watermark};

use super::source::{Picture, Source};
use crate::Catalog;

/// The ops a request renders: `ops`, with the collection watermark `imposed` added when
/// the asset is public and the ops name none.
pub(crate) fn effective(
    ops: &TransformOps,
    asset: &Asset,
    imposed: Option<&str>,
) -> Option<TransformOps> {
    match imposed {
        Some(name) if asset.is_public && ops.watermark.is_none() => Some(TransformOps {
            watermark: Some(name.to_owned()),
            ..ops.clone()
        }),
        _ => None,
    }
}

/// A watermark preset ready to render: its settings and what it shows.
#[derive(Debug)]
pub(crate) struct Resolved {
    preset: WatermarkPreset,
    shows: Shows<Picture>,
    /// What results depend on: the preset's settings and the mark's content.
    pub fingerprint: String,
}

/// What a mark shows: a picture (its stored copies, or one read), or a text and its colour.
#[derive(Debug)]
enum Shows<P> {
    Picture(P),
    Text(String, [u8; 3]),
}

/// A watermark with its picture read, owned so it can go to a blocking render.
pub(crate) struct Loaded {
    preset: WatermarkPreset,
    shows: Shows<(Bytes, ImageFormat)>,
}

impl Loaded {
    /// The watermark as the media pipeline takes it.
    pub fn watermark(&self) -> Watermark<'_> {
        let mark = match &self.shows {
            Shows::Picture((bytes, format)) => watermark::Mark::Picture {
                bytes,
                format: *format,
            },
            Shows::Text(text, color) => watermark::Mark::Text {
                text,
                color: *color,
            },
        };
        Watermark {
            mark,
            anchor: self.preset.anchor(),
            opacity: self.preset.opacity,
            scale: self.preset.scale,
            margin: self.preset.margin,
        }
    }
}

impl Resolved {
    /// Reads what the mark shows for a result `width` pixels wide: the smallest stored
    /// picture of the mark's asset that is large enough.
    ///
    /// Errors: the blob store's.
    pub async fn load(&self, catalog: &Catalog, width: u32) -> Result<Loaded, AppError> {
        let shows = match &self.shows {
            Shows::Picture(picture) => {
                let wanted = self.preset.scale * f64::from(width);
                let Source { key, format, .. } =
                    picture.source_for(wanted / f64::from(picture.size.0));
                Shows::Picture((catalog.blobs.get_bytes(key).await?, *format))
            }
            Shows::Text(text, color) => Shows::Text(text.clone(), *color),
        };
        Ok(Loaded {
            preset: self.preset.clone(),
            shows,
        })
    }
}

/// Resolved watermarks by name, each with the asset generation it was resolved under
/// (see [`medialib_core::MetadataStore::asset_generation`]): a change to the mark's asset
/// resolves it again.
#[derive(Default)]
pub(crate) struct Marks(Mutex<HashMap<String, (u64, Arc<Resolved>)>>);

impl Marks {
    /// The watermark preset `name`, resolved.
    ///
    /// Errors: 404 `not_found` when there is no such preset, or its asset is gone or has
    /// no picture (a transform never goes out without the watermark it should carry);
    /// the store's.
    pub async fn resolve(&self, catalog: &Catalog, name: &str) -> Result<Arc<Resolved>, AppError> {
        let generation = catalog.store.asset_generation();
        if let Some((seen, resolved)) = self.0.lock().expect("never poisoned").get(name)
            && *seen == generation
        {
            return Ok(Arc::clone(resolved));
        }
        let preset = catalog
            .settings
            .transforms
            .watermarks
            .get(name)
            .ok_or_else(|| AppError::not_found(format!("watermark preset {name:?}")))?
            .clone();
        let settings = format!(
            "{name}|{}|{}|{}|{}",
            preset.position, preset.opacity, preset.scale, preset.margin
        );
        let (shows, fingerprint) = match preset.mark() {
            Mark::Text(text, color) => {
                let fingerprint = format!("{settings}|text {text:?} {color:?}");
                (Shows::Text(text, color), fingerprint)
            }
            Mark::Asset(id) => {
                let missing = || {
                    AppError::not_found(format!(
                        "the picture of watermark {name:?} (asset {id}, in [transforms.watermarks.{name}])"
                    ))
                };
                let asset = catalog
                    .store
                    .get_asset(id)
                    .await?
                    .filter(|a| a.deleted_at.is_none())
                    .ok_or_else(missing)?;
                let variants = catalog.store.list_variants(id).await?;
                let picture = Picture::of(&asset, &variants).ok_or_else(missing)?;
                let fingerprint = format!("{settings}|picture {}", picture.sha256);
                (Shows::Picture(picture), fingerprint)
            }
        };
        let resolved = Arc::new(Resolved {
            preset,
            shows,
            fingerprint,
        });
        self.0
            .lock()
            .expect("never poisoned")
            .insert(name.to_owned(), (generation, Arc::clone(&resolved)));
        Ok(resolved)
    }
}
