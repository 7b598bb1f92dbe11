//! One asset: read, edit, delete (to the trash, or purged at once) and restore, its
//! variants and its extracted text.

use std::collections::HashMap;

use medialib_core::access::{Access, Principal};
use medialib_core::analysis::{Analysis, ModerationState};
use medialib_core::organise::AssetTag;
use medialib_core::store::{AssetPatch, BulkAction};
use medialib_core::{AppError, Asset, AssetId, AssetStatus, FocalPoint, Job, UserId, Variant};

use crate::Catalog;
use crate::access::authorize::{can_read, require, require_change};
use crate::bulk;

/// The asset `id` if the caller may see it; `not_found` otherwise, also for another
/// namespace's assets and without read access.
pub async fn get(catalog: &Catalog, caller: &Principal, id: AssetId) -> Result<Asset, AppError> {
    catalog
        .store
        .get_asset(id)
        .await?
        .filter(|a| can_read(caller, a))
        .ok_or_else(|| AppError::not_found(format!("asset {id}")))
}

/// Longest title, in characters.
pub const MAX_TITLE: usize = 500;
/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 10_000;
/// Longest alt text, in characters.
pub const MAX_ALT_TEXT: usize = 2_000;

/// Changes an asset's title, description, alt text, visibility or focal point (absent
/// fields stay; `Some(None)` clears description, alt text and the focal point) and
/// returns it as it is now. A new focal point queues processing again, so the cropped
/// variants follow it (the asset is `processing` meanwhile).
///
/// Errors: `forbidden` without write access or for an editor on someone else's asset,
/// `not_found`, `invalid_request` for an empty title, text over its length, or a focal
/// point outside 0–1.
pub async fn edit(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
    mut patch: AssetPatch,
) -> Result<Asset, AppError> {
    require(caller, Access::Write)?;
    let asset = get(catalog, caller, id).await?;
    require_change(caller, &asset)?;
    if patch.is_public == Some(true)
        && matches!(
            asset.moderation,
            Some(ModerationState::Held | ModerationState::Rejected)
        )
    {
        return Err(bulk::held(asset.id));
    }
    if let Some(title) = &patch.title {
        if title.trim().is_empty() {
            return Err(AppError::invalid("title must not be empty"));
        }
        patch.title = Some(title.trim().to_owned());
    }
    if let Some(Some(p)) = patch.focal_point
        && FocalPoint::new(p.x, p.y).is_none()
    {
        return Err(AppError::invalid(format!(
            "focal_point ({}, {}) is outside the picture: x and y are fractions from 0 to 1",
            p.x, p.y
        )));
    }
    check_len("title", patch.title.as_deref(), MAX_TITLE)?;
    check_len(
        "description",
        patch.description.clone().flatten().as_deref(),
        MAX_DESCRIPTION,
    )?;
    check_len(
        "alt_text",
        patch.alt_text.clone().flatten().as_deref(),
        MAX_ALT_TEXT,
    )?;
    let not_found = || AppError::not_found(format!("asset {}", asset.id));
    let updated = catalog
        .store
        .update_asset(asset.id, &patch)
        .await?
        .ok_or_else(not_found)?;
    // The cropped variants (thumbnail, hero) follow the focal point: remake them.
    if updated.focal_point != asset.focal_point && asset.status != AssetStatus::Failed {
        let attempts = catalog.settings.jobs.max_attempts;
        if catalog.store.reprocess(asset.id, attempts).await?.is_some() {
            catalog.jobs_queued.notify_one();
            return get(catalog, caller, asset.id).await;
        }
    }
    Ok(updated)
}

fn check_len(field: &str, value: Option<&str>, max: usize) -> Result<(), AppError> {
    match value {
        Some(v) if v.chars().count() > max => Err(AppError::invalid(format!(
            "{field} is longer than {max} characters"
        ))),
        _ => Ok(()),
    }
}

/// How [`delete`] removes an asset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Removal {
    /// Delete even when usages are recorded.
    pub force: bool,
    /// Remove it at once with its variants, and the original's blob when no other asset
    /// references it; otherwise it goes to the trash, restorable until the trash is purged.
    pub purge: bool,
}

/// Moves an asset to the trash, or purges it (also from the trash).
///
/// Errors: `forbidden` as for [`edit`]; `not_found`, also for an asset already in the
/// trash unless purging; `asset_in_use` when usages are recorded and not forced.
pub async fn delete(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
    removal: Removal,
) -> Result<(), AppError> {
    require(caller, Access::Write)?;
    let asset = get(catalog, caller, id).await?;
    require_change(caller, &asset)?;
    if asset.deleted_at.is_none() {
        let action = BulkAction::Delete {
            force: removal.force,
        };
        bulk::apply_one(catalog, caller, &action, asset.id).await?;
    } else if !removal.purge {
        return Err(AppError::not_found(format!("asset {}", asset.id)));
    }
    if removal.purge
        && let Some(unreferenced) = catalog.store.purge_asset(asset.id).await?
    {
        crate::purge::delete_unreferenced(catalog, unreferenced).await?;
    }
    Ok(())
}

/// Takes an asset out of the trash and returns it.
///
/// Errors: `forbidden` as for [`edit`]; `not_found`; `not_deleted` when it is not in
/// the trash; `duplicate_exists` when a live asset holds the same bytes.
pub async fn restore(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
) -> Result<Asset, AppError> {
    require(caller, Access::Write)?;
    let asset = get(catalog, caller, id).await?;
    require_change(caller, &asset)?;
    bulk::apply_one(catalog, caller, &BulkAction::Restore, asset.id).await?;
    get(catalog, caller, id).await
}

/// The text extracted for search (PDF text, text files), at most 1 MiB.
///
/// Errors: `not_found` when the asset cannot be seen or has no text.
pub async fn text(catalog: &Catalog, caller: &Principal, id: AssetId) -> Result<String, AppError> {
    let asset = get(catalog, caller, id).await?;
    catalog
        .store
        .asset_text(asset.id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("text of asset {}", asset.id)))
}

/// The asset's variants and renditions.
///
/// Errors: `not_found` when the asset cannot be seen.
pub async fn variants(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
) -> Result<Vec<Variant>, AppError> {
    let asset = get(catalog, caller, id).await?;
    Ok(catalog.store.list_variants(asset.id).await?)
}

/// What is shown with one asset: its variants and renditions, its tags, and its jobs.
#[derive(Debug)]
pub struct Details {
    /// Variants and renditions.
    pub variants: Vec<Variant>,
    /// Its tags.
    pub tags: Vec<AssetTag>,
    /// Its jobs, newest first.
    pub jobs: Vec<Job>,
    /// Each analyser's latest result.
    pub analyses: Vec<Analysis>,
}

/// The details of an asset the caller already holds (from a use case that checked their
/// access).
pub async fn details(catalog: &Catalog, asset: &Asset) -> Result<Details, AppError> {
    Ok(Details {
        variants: catalog.store.list_variants(asset.id).await?,
        tags: catalog.store.asset_tags(&[asset.id]).await?,
        jobs: catalog.store.list_jobs(asset.id).await?,
        analyses: catalog.store.analyses(asset.id).await?,
    })
}

/// The login names of the users who uploaded `assets` (an anonymized user's is
/// `deleted-user-{id}`), one lookup per distinct uploader.
///
/// Errors: a store failure.
pub async fn uploader_names(
    catalog: &Catalog,
    assets: &[Asset],
) -> Result<HashMap<UserId, String>, AppError> {
    let mut ids: Vec<UserId> = assets.iter().filter_map(|a| a.uploaded_by).collect();
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    let mut names = HashMap::with_capacity(ids.len());
    for id in ids {
        if let Some(user) = catalog.store.get_user(id).await? {
            names.insert(id, user.name);
        }
    }
    Ok(names)
}

/// The variants and tags of a page of assets the caller already holds, in two queries
/// for the whole page; each row names its asset.
pub async fn page_details(
    catalog: &Catalog,
    assets: &[Asset],
) -> Result<(Vec<Variant>, Vec<AssetTag>), AppError> {
    let ids: Vec<AssetId> = assets.iter().map(|a| a.id).collect();
    Ok((
        catalog.store.variants_of(&ids).await?,
        catalog.store.asset_tags(&ids).await?,
    ))
}
