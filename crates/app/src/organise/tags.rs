//! Tags of a namespace, and tagging one asset.

use medialib_core::access::{Access, Principal};
use medialib_core::organise::{Tag, TagId, slugify};
use medialib_core::store::{BulkAction, NewTag, TagPatch};
use medialib_core::{AppError, Asset, AssetId};

use crate::Catalog;
use crate::access::authorize::require;
use crate::bulk::{apply_one, check_tag_names, tag_action};

/// The namespace's tags, with their usage counts.
pub async fn list(catalog: &Catalog, caller: &Principal) -> Result<Vec<Tag>, AppError> {
    require(caller, Access::Read)?;
    Ok(catalog.store.list_tags(caller.namespace).await?)
}

/// `invalid_request` unless `color` is `#rrggbb`.
pub fn check_color(color: Option<&str>) -> Result<(), AppError> {
    match color {
        Some(c)
            if !(c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())) =>
        {
            Err(AppError::invalid(format!("color {c:?} is not #rrggbb")))
        }
        _ => Ok(()),
    }
}

/// `invalid_request` unless `slug` is lower-case letters and digits joined by `-`, at
/// most 100 bytes.
pub fn check_slug(slug: Option<&str>) -> Result<(), AppError> {
    match slug {
        Some(s) if s.is_empty() || slugify(s) != s || s.len() > 100 => Err(AppError::invalid(
            format!("slug {s:?} must be lower-case letters and digits joined by -"),
        )),
        _ => Ok(()),
    }
}

/// Creates a tag; the slug defaults to the name's.
///
/// Errors: `forbidden` without write access; `invalid_request` for a bad name, slug or
/// colour; `conflict` when the slug is taken.
pub async fn create(
    catalog: &Catalog,
    caller: &Principal,
    mut new: NewTag,
) -> Result<Tag, AppError> {
    require(caller, Access::Write)?;
    check_tag_names(std::slice::from_ref(&new.name))?;
    check_color(new.color.as_deref())?;
    check_slug(new.slug.as_deref())?;
    new.name = new.name.trim().to_owned();
    Ok(catalog.store.create_tag(caller.namespace, &new).await?)
}

/// The tag `id` of the caller's namespace; `not_found` otherwise.
pub async fn get(catalog: &Catalog, caller: &Principal, id: TagId) -> Result<Tag, AppError> {
    require(caller, Access::Read)?;
    catalog
        .store
        .get_tag(caller.namespace, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("tag {}", id.0)))
}

/// Renames, recolours or redescribes a tag (its slug stays, so links keep working).
///
/// Errors: `forbidden`, `not_found`, `invalid_request` as for [`create`].
pub async fn edit(
    catalog: &Catalog,
    caller: &Principal,
    id: TagId,
    mut patch: TagPatch,
) -> Result<Tag, AppError> {
    require(caller, Access::Write)?;
    if let Some(name) = &patch.name {
        check_tag_names(std::slice::from_ref(name))?;
        patch.name = Some(name.trim().to_owned());
    }
    check_color(patch.color.clone().flatten().as_deref())?;
    catalog
        .store
        .update_tag(caller.namespace, id, &patch)
        .await?
        .ok_or_else(|| AppError::not_found(format!("tag {}", id.0)))
}

/// Deletes a tag, taking it off every asset.
///
/// Errors: `forbidden`, `not_found`.
pub async fn delete(catalog: &Catalog, caller: &Principal, id: TagId) -> Result<(), AppError> {
    require(caller, Access::Write)?;
    if catalog.store.delete_tag(caller.namespace, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found(format!("tag {}", id.0)))
    }
}

/// Tags one asset with `names` (created when new) and returns the asset.
///
/// Errors: `forbidden`, `not_found`, `invalid_request` as for [`tag_action`].
pub async fn assign(
    catalog: &Catalog,
    caller: &Principal,
    asset: AssetId,
    names: Vec<String>,
    source: Option<&str>,
    confidence: Option<f64>,
) -> Result<Asset, AppError> {
    require(caller, Access::Write)?;
    let asset = crate::assets::get(catalog, caller, asset).await?;
    let action = tag_action(names, source, confidence)?;
    apply_one(catalog, caller, &action, asset.id).await?;
    crate::assets::get(catalog, caller, asset.id).await
}

/// Takes the tag `slug` off one asset.
///
/// Errors: `forbidden`, `not_found`.
pub async fn unassign(
    catalog: &Catalog,
    caller: &Principal,
    asset: AssetId,
    slug: String,
) -> Result<(), AppError> {
    require(caller, Access::Write)?;
    let asset = crate::assets::get(catalog, caller, asset).await?;
    let action = BulkAction::Untag { slugs: vec![slug] };
    apply_one(catalog, caller, &action, asset.id).await
}
