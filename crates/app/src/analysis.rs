//! Media intelligence as users see it: rerun the analysers on an asset, review the
//! automatic tags they put on, and backfill a library.

use medialib_core::access::{Access, Principal};
use medialib_core::analysis::{Analyser, TagReview};
use medialib_core::organise::slugify;
use medialib_core::{AppError, Asset, AssetId, AssetStatus, ErrorCode, Job, JobKind};

use crate::Catalog;
use crate::access::authorize::{require, require_change};
use crate::assets;
use crate::transforms::source;
pub use medialib_analysis::Picture;

/// Queues an `analyse` job running `analysers` (every enabled one when empty) on the
/// asset `id` and returns it; when one is already waiting, that one.
///
/// Errors: `forbidden` as for editing the asset; `not_found`; `not_ready` while the asset
/// is processing or after its processing failed.
pub async fn analyse(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
    analysers: &[Analyser],
) -> Result<Job, AppError> {
    require(caller, Access::Write)?;
    let asset = assets::get(catalog, caller, id).await?;
    require_change(caller, &asset)?;
    if asset.status != AssetStatus::Ready {
        return Err(AppError::new(
            ErrorCode::NotReady,
            format!(
                "This file cannot be analysed yet: it is {}. Wait until it is ready, or upload it again if it failed.",
                asset.status
            ),
        ));
    }
    let attempts = catalog.settings.jobs.max_attempts;
    catalog
        .store
        .queue_analyses(&[asset.id], analysers, attempts)
        .await?;
    catalog.jobs_queued.notify_one();
    let jobs = catalog.store.list_jobs(asset.id).await?;
    // Oldest first: the newest analysis is the one just queued, or the one waiting.
    jobs.into_iter()
        .rev()
        .find(|j| j.payload.kind() == JobKind::Analyse)
        .ok_or_else(|| AppError::not_found(format!("asset {id}")))
}

/// Accepts or rejects the automatic tag named `tag` (a name or slug) on asset `id` and
/// returns the asset. An accepted tag becomes a user tag; a rejected
/// one comes off and analysis never puts it on this asset again.
///
/// Errors: `forbidden` as for editing the asset; `not_found` for the asset, or when it
/// carries no automatic tag of that name.
pub async fn review_tag(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
    tag: &str,
    review: TagReview,
) -> Result<Asset, AppError> {
    require(caller, Access::Write)?;
    let asset = assets::get(catalog, caller, id).await?;
    require_change(caller, &asset)?;
    let slug = slugify(tag);
    if !catalog.store.review_tag(asset.id, &slug, review).await? {
        return Err(AppError::not_found(format!(
            "automatic tag {tag:?} on asset {id}"
        )));
    }
    Ok(asset)
}

/// An admin clears asset `id` of moderation: a flagged asset loses its flag, a held one
/// may be made public, a rejected one is ready again; later scores leave it alone.
/// Returns the asset as it is then.
///
/// Errors: `forbidden` unless the caller is an admin of the asset's namespace;
/// `not_found` for the asset; `conflict` when moderation has not flagged, held or
/// rejected it.
pub async fn clear_moderation(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
) -> Result<Asset, AppError> {
    require(caller, Access::Admin)?;
    let asset = assets::get(catalog, caller, id).await?;
    if !catalog.store.clear_moderation(asset.id).await? {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("asset {id} is not flagged, held or rejected by moderation"),
        ));
    }
    assets::get(catalog, caller, id).await
}

/// The stored copy of `asset`'s picture the analysers read: the smallest whose shorter
/// side has at least `side` pixels, else the largest (the original, for an image smaller
/// than that). `None` when the asset has no picture (audio without cover art, text).
///
/// Errors: a store or blob store failure (`blob_missing` for bytes gone from storage).
pub async fn picture(
    catalog: &Catalog,
    asset: &Asset,
    side: u32,
) -> Result<Option<Picture>, AppError> {
    let variants = catalog.store.list_variants(asset.id).await?;
    let Some(stored) = source::Picture::of(asset, &variants) else {
        return Ok(None);
    };
    let shorter = stored.size.0.min(stored.size.1).max(1);
    let source = stored.source_for(f64::from(side) / f64::from(shorter));
    let bytes = catalog.blobs.get_bytes(&source.key).await?;
    Ok(Some(Picture {
        bytes: bytes.to_vec(),
        format: source.format,
    }))
}

/// Assets queued per transaction by [`backfill`].
const BACKFILL_PAGE: u32 = 500;

/// Queues analysis of every ready asset of the instance (only those never analysed, with
/// `missing`), a page at a time; `queued` hears how many each page added. Returns the
/// total. For the operator's CLI, which has no caller to check.
///
/// Errors: a store failure; pages queued before it stay queued.
pub async fn backfill(
    catalog: &Catalog,
    missing: bool,
    analysers: &[Analyser],
    mut queued: impl FnMut(u64),
) -> Result<u64, AppError> {
    let attempts = catalog.settings.jobs.max_attempts;
    let (mut after, mut total) = (None, 0);
    loop {
        let page = catalog
            .store
            .assets_to_analyse(missing, after, BACKFILL_PAGE)
            .await?;
        let Some(last) = page.last() else {
            return Ok(total);
        };
        after = Some(*last);
        let jobs = catalog
            .store
            .queue_analyses(&page, analysers, attempts)
            .await?;
        total += jobs.len() as u64;
        queued(jobs.len() as u64);
        catalog.jobs_queued.notify_waiters();
    }
}
