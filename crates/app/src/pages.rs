//! The pages of a PDF as pictures, rendered when asked (`pdftoppm`), so that an editor
//! pages through a document while the server keeps only page 1 as variants.

use std::time::Duration;

use medialib_core::access::Principal;
use medialib_core::{AppError, AssetId, Metadata, StorageKey};
use medialib_media::document;

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
