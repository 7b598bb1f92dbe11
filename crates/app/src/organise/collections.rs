//! Collections: ordered, curated sets of a namespace's assets.

use medialib_core::access::{Access, Principal};
use medialib_core::organise::{Collection, CollectionId, CollectionItem, slugify};
use medialib_core::store::{BulkAction, CollectionPatch, NewCollection};
use medialib_core::{AppError, Asset, AssetId, ErrorCode};

use super::tags::{check_color, check_slug};
use crate::Catalog;
use crate::access::authorize::require;
use crate::bulk::MAX_BULK_IDS;

/// Longest title, in characters.
const MAX_TITLE: usize = 500;
/// Longest kind, in characters.
const MAX_KIND: usize = 100;
/// Most items one page may hold.
pub const MAX_PAGE: u32 = 200;

/// The namespace's collections.
pub async fn list(catalog: &Catalog, caller: &Principal) -> Result<Vec<Collection>, AppError> {
    require(caller, Access::Read)?;
    Ok(catalog.store.list_collections(caller.namespace).await?)
}

fn check_text(field: &str, value: Option<&str>, max: usize) -> Result<(), AppError> {
    match value {
        Some(v) if v.trim().is_empty() => {
            Err(AppError::invalid(format!("{field} must not be empty")))
        }
        Some(v) if v.chars().count() > max => Err(AppError::invalid(format!(
            "{field} is longer than {max} characters"
        ))),
        _ => Ok(()),
    }
}

/// A collection's watermark must be one of `[transforms.watermarks]`: a name that is not
/// would leave its public transforms failing.
fn check_watermark(catalog: &Catalog, name: Option<&str>) -> Result<(), AppError> {
    let watermarks = &catalog.settings.transforms.watermarks;
    match name {
        Some(name) if !watermarks.contains_key(name) => {
            let known: Vec<&str> = watermarks.keys().map(String::as_str).collect();
            Err(AppError::invalid(if known.is_empty() {
                format!("there is no watermark {name:?}: the server defines none")
            } else {
                format!(
                    "there is no watermark {name:?}; the server defines {}",
                    known.join(", ")
                )
            }))
        }
        _ => Ok(()),
    }
}

/// Creates a collection; the slug defaults to the title's.
///
/// Errors: `forbidden` without write access; `invalid_request` for an empty or long
/// title or kind, a bad colour or slug, a title with nothing to make a slug from, or a
/// watermark that `[transforms.watermarks]` does not define; `conflict` when the slug is
/// taken.
pub async fn create(
    catalog: &Catalog,
    caller: &Principal,
    mut new: NewCollection,
) -> Result<Collection, AppError> {
    require(caller, Access::Write)?;
    check_text("title", Some(&new.title), MAX_TITLE)?;
    check_text(
        "kind",
        Some(&new.kind)
            .filter(|k| !k.is_empty())
            .map(|k| k.as_str()),
        MAX_KIND,
    )?;
    check_color(new.color.as_deref())?;
    check_slug(new.slug.as_deref())?;
    check_watermark(catalog, new.watermark.as_deref())?;
    if new.slug.is_none() && slugify(&new.title).is_empty() {
        return Err(AppError::invalid(
            "the title has no letters or digits to make a slug from: give a slug",
        ));
    }
    new.title = new.title.trim().to_owned();
    Ok(catalog
        .store
        .create_collection(caller.namespace, &new)
        .await?)
}

/// The collection `id` of the caller's namespace; `not_found` otherwise.
pub async fn get(
    catalog: &Catalog,
    caller: &Principal,
    id: CollectionId,
) -> Result<Collection, AppError> {
    require(caller, Access::Read)?;
    catalog
        .store
        .get_collection(caller.namespace, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("collection {}", id.0)))
}

/// Changes a collection's fields and returns it.
///
/// Errors: `forbidden`, `not_found`, `invalid_request` and `conflict` as for [`create`].
pub async fn edit(
    catalog: &Catalog,
    caller: &Principal,
    id: CollectionId,
    mut patch: CollectionPatch,
) -> Result<Collection, AppError> {
    require(caller, Access::Write)?;
    let collection = get(catalog, caller, id).await?;
    check_text("title", patch.title.as_deref(), MAX_TITLE)?;
    check_text("kind", patch.kind.as_deref(), MAX_KIND)?;
    check_color(patch.color.clone().flatten().as_deref())?;
    check_slug(patch.slug.as_deref())?;
    check_watermark(catalog, patch.watermark.clone().flatten().as_deref())?;
    patch.title = patch.title.map(|t| t.trim().to_owned());
    catalog
        .store
        .update_collection(caller.namespace, collection.id, &patch)
        .await?
        .ok_or_else(|| AppError::not_found(format!("collection {}", id.0)))
}

/// Deletes a collection (its assets stay).
///
/// Errors: `forbidden`, `not_found`.
pub async fn delete(
    catalog: &Catalog,
    caller: &Principal,
    id: CollectionId,
) -> Result<(), AppError> {
    require(caller, Access::Write)?;
    let collection = get(catalog, caller, id).await?;
    catalog
        .store
        .delete_collection(caller.namespace, collection.id)
        .await?;
    Ok(())
}

/// One page of a collection's items in its order, with their assets.
#[derive(Debug)]
pub struct ItemPage {
    /// The collection, with its item count.
    pub collection: Collection,
    /// Each item and its asset.
    pub items: Vec<(CollectionItem, Asset)>,
    /// The offset of the next page, when there is one.
    pub next_offset: Option<u32>,
}

/// Items `offset..offset + limit` (limit 1–[`MAX_PAGE`]) of a collection.
///
/// Errors: `not_found`; `invalid_query` for a limit out of range.
pub async fn items(
    catalog: &Catalog,
    caller: &Principal,
    id: CollectionId,
    offset: u32,
    limit: u32,
) -> Result<ItemPage, AppError> {
    let collection = get(catalog, caller, id).await?;
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            format!("limit {limit} must be 1-{MAX_PAGE}"),
        ));
    }
    let items = catalog
        .store
        .collection_items(collection.id, offset, limit)
        .await?;
    let ids: Vec<AssetId> = items.iter().map(|i| i.asset).collect();
    let assets = catalog.store.get_assets(&ids).await?;
    let shown = items.len() as u32;
    let next_offset = (u64::from(offset + shown) < collection.item_count && shown == limit)
        .then_some(offset + shown);
    Ok(ItemPage {
        collection,
        items: items.into_iter().zip(assets).collect(),
        next_offset,
    })
}

fn check_ids(ids: &[AssetId]) -> Result<(), AppError> {
    if ids.is_empty() || ids.len() > MAX_BULK_IDS {
        return Err(AppError::invalid(format!(
            "give 1-{MAX_BULK_IDS} asset_ids, not {}",
            ids.len()
        )));
    }
    Ok(())
}

/// Adds 1–[`MAX_BULK_IDS`] assets at `position` (the end when `None`; ones already in
/// it move there) and returns the collection.
///
/// Errors: `forbidden`, `not_found` (also for an asset of another namespace),
/// `invalid_request` for too few or too many ids.
pub async fn add_items(
    catalog: &Catalog,
    caller: &Principal,
    id: CollectionId,
    assets: &[AssetId],
    position: Option<u32>,
) -> Result<Collection, AppError> {
    require(caller, Access::Write)?;
    let collection = get(catalog, caller, id).await?;
    check_ids(assets)?;
    catalog
        .store
        .insert_items(collection.id, assets, position)
        .await?;
    get(catalog, caller, id).await
}

/// Puts the collection's items in the order of `assets` (all of them, each once).
///
/// Errors: `forbidden`, `not_found`, `invalid_request` when the list is not exactly the
/// collection's items.
pub async fn reorder(
    catalog: &Catalog,
    caller: &Principal,
    id: CollectionId,
    assets: &[AssetId],
) -> Result<Collection, AppError> {
    require(caller, Access::Write)?;
    let collection = get(catalog, caller, id).await?;
    catalog.store.reorder_items(collection.id, assets).await?;
    get(catalog, caller, id).await
}

/// Removes 1–[`MAX_BULK_IDS`] assets from the collection, all or none.
///
/// Errors: `forbidden`; `not_found` for the collection or any asset not in it.
pub async fn remove_items(
    catalog: &Catalog,
    caller: &Principal,
    id: CollectionId,
    assets: &[AssetId],
) -> Result<Collection, AppError> {
    require(caller, Access::Write)?;
    let collection = get(catalog, caller, id).await?;
    check_ids(assets)?;
    let action = BulkAction::RemoveFromCollection(collection.id);
    let report = catalog
        .store
        .bulk(caller.namespace, &action, assets)
        .await?;
    if let Some((missing, _)) = report.results.iter().find(|(_, r)| r.is_err()) {
        return Err(AppError::not_found(format!("asset {missing}")));
    }
    get(catalog, caller, id).await
}
