//! Previews made when asked rather than kept: the pages of a PDF as pictures
//! (`pdftoppm`), so that an editor pages through a document while the server keeps only
//! page 1 as variants; and OBJ, STL, PLY and 3MF models as glTF, the format browsers' 3D
//! viewers read.

use std::time::Duration;

use medialib_core::access::Principal;
use medialib_core::{AppError, Asset, AssetId, AssetKind, Metadata, StorageKey};
use medialib_media::{document, model3d};

use crate::Catalog;
use crate::assets::get;

/// The largest page picture, in pixels on its longer side.
pub const MAX_SIDE: u32 = 2000;
/// The page picture's longer side when none is asked for, in pixels.
pub const DEFAULT_SIDE: u32 = 1200;

/// Page `page` (1-based) of the PDF asset `id` as PNG bytes, its longer side `side`
/// pixels (100–[`MAX_SIDE`], [`DEFAULT_SIDE`] when `None`).
///
/// Errors: `not_found` when the asset cannot be seen, or has no page `page` (not a
/// processed PDF, password-protected, or past its last page); `invalid_request` for a
/// side out of range; `internal` when `pdftoppm` fails.
pub async fn page(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
    page: u32,
    side: Option<u32>,
) -> Result<Vec<u8>, AppError> {
    let side = side.unwrap_or(DEFAULT_SIDE);
    if !(100..=MAX_SIDE).contains(&side) {
        return Err(AppError::invalid(format!(
            "the page's side must be 100-{MAX_SIDE} pixels, not {side}"
        )));
    }
    let asset = get(catalog, caller, id).await?;
    let no_page = || AppError::not_found(format!("page {page} of asset {id}"));
    let Some(Metadata::Document(meta)) = asset.metadata else {
        return Err(no_page());
    };
    let original = catalog
        .blobs
        .get_to_file(
            &StorageKey::original(asset.namespace, &asset.sha256),
            &catalog.staging_dir,
        )
        .await?;
    let timeout = Duration::from_secs(catalog.settings.limits.tool_timeout_seconds);
    let png = tokio::task::spawn_blocking(move || {
        document::render_page(original.path(), &meta, page, side, timeout)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    png.ok_or_else(no_page)
}

/// The model asset `id` as binary glTF (GLB): an OBJ, STL, PLY or 3MF model's geometry, Y
/// up, for a viewer that reads only glTF (a glTF model is served as it is, from its
/// original).
///
/// Errors: `not_found` when the asset cannot be seen, or is not a processed OBJ, STL, PLY or
/// 3MF model; `internal` when its original no longer reads as it did when processed.
pub async fn model_glb(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
) -> Result<Vec<u8>, AppError> {
    let asset = get(catalog, caller, id).await?;
    if !converts_to_glb(&asset) {
        return Err(AppError::not_found(format!("a glTF form of asset {id}")));
    }
    let bytes = catalog
        .blobs
        .get_bytes(&StorageKey::original(asset.namespace, &asset.sha256))
        .await?;
    tokio::task::spawn_blocking(move || model3d::to_glb(&bytes, &asset.mime))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

/// Whether `asset` is a processed model that [`model_glb`] converts.
pub fn converts_to_glb(asset: &Asset) -> bool {
    asset.kind == AssetKind::Model3d
        && matches!(asset.metadata, Some(Metadata::Model3d(_)))
        && matches!(
            asset.mime.as_str(),
            "model/obj" | "model/stl" | "model/x-ply" | "model/3mf"
        )
}
