//! One action on many assets, all or nothing (tag, untag, delete, restore, collections,
//! visibility), and the same action on one asset, which is how single-asset delete,
//! restore and tagging run.

use medialib_core::access::{Access, Principal, Role};
use medialib_core::organise::{TagSource, slugify};
use medialib_core::store::{BulkAction, BulkRefusal, BulkReport};
use medialib_core::{AppError, Asset, AssetId, ErrorCode};

use crate::Catalog;
use crate::access::authorize::require;

/// Most assets one bulk request may name.
pub const MAX_BULK_IDS: usize = 1000;
/// Most tags one request may name.
pub const MAX_TAGS: usize = 50;
/// Longest tag name, in characters.
pub const MAX_TAG_NAME: usize = 100;

/// `invalid_request` unless there are 1–[`MAX_TAGS`] names, each with a letter or digit
/// and at most [`MAX_TAG_NAME`] characters.
pub fn check_tag_names(names: &[String]) -> Result<(), AppError> {
    if names.is_empty() || names.len() > MAX_TAGS {
        return Err(AppError::invalid(format!("give 1-{MAX_TAGS} tags")));
    }
    for name in names {
        if slugify(name).is_empty() || name.chars().count() > MAX_TAG_NAME {
            return Err(AppError::invalid(format!(
                "tag name {name:?} must have a letter or digit and at most {MAX_TAG_NAME} \
                 characters"
            )));
        }
    }
    Ok(())
}

/// The action that tags with `names` (checked by [`check_tag_names`]); `source` is a
/// [`TagSource`] name (`user` when absent) and `confidence` in 0–1.
///
/// Errors: `invalid_request` for any value out of range.
pub fn tag_action(
    names: Vec<String>,
    source: Option<&str>,
    confidence: Option<f64>,
) -> Result<BulkAction, AppError> {
    check_tag_names(&names)?;
    let source: TagSource = source
        .unwrap_or("user")
        .parse()
        .map_err(AppError::invalid)?;
    if confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
        return Err(AppError::invalid("confidence must be between 0 and 1"));
    }
    Ok(BulkAction::Tag {
        names,
        source,
        confidence,
    })
}

/// Applies `action` to `ids` (1–[`MAX_BULK_IDS`]) in the caller's namespace, all or
/// nothing: the report says, per asset, whether it was applied or refused, and
/// `applied` is false when any one was refused. An editor may delete, restore or
/// publish only their own assets.
///
/// Errors: `forbidden` without write access, or for an editor naming others' assets
/// (nothing changes); `invalid_request` for too few or too many ids.
pub async fn apply(
    catalog: &Catalog,
    caller: &Principal,
    action: &BulkAction,
    ids: &[AssetId],
) -> Result<BulkReport, AppError> {
    check_ids(caller, ids)?;
    if changes_assets(action) {
        let found = catalog.store.get_assets(ids).await?;
        require_own(caller, &found)?;
    }
    Ok(catalog.store.bulk(caller.namespace, action, ids).await?)
}

/// `forbidden` without write access; `invalid_request` unless there are
/// 1–[`MAX_BULK_IDS`] ids.
pub(crate) fn check_ids(caller: &Principal, ids: &[AssetId]) -> Result<(), AppError> {
    require(caller, Access::Write)?;
    if ids.is_empty() || ids.len() > MAX_BULK_IDS {
        return Err(AppError::invalid(format!(
            "give 1-{MAX_BULK_IDS} ids, not {}",
            ids.len()
        )));
    }
    Ok(())
}

/// `forbidden` when an editor names assets of their namespace that someone else
/// uploaded: only their uploader or an admin may delete, restore or publish them.
pub(crate) fn require_own(caller: &Principal, assets: &[Asset]) -> Result<(), AppError> {
    if caller.role == Role::Admin {
        return Ok(());
    }
    let others = assets
        .iter()
        .filter(|a| a.namespace == caller.namespace && !caller.may_change(a))
        .count();
    if others > 0 {
        return Err(AppError::forbidden(format!(
            "{others} of these assets were uploaded by someone else: an editor may \
             delete, restore or publish only their own assets; nothing was changed"
        )));
    }
    Ok(())
}

/// Whether `action` changes the assets themselves, which only their uploader or an
/// admin may do (tags and collections are shared work).
fn changes_assets(action: &BulkAction) -> bool {
    matches!(
        action,
        BulkAction::Delete { .. } | BulkAction::Restore | BulkAction::SetPublic(_)
    )
}

/// Applies `action` to the one asset `id`, whose access the caller has checked; a
/// refusal becomes the error, with the code a bulk report would give it.
///
/// Errors: `not_found`, or the refusal's code (`asset_in_use`, `not_deleted`, …).
pub(crate) async fn apply_one(
    catalog: &Catalog,
    caller: &Principal,
    action: &BulkAction,
    id: AssetId,
) -> Result<(), AppError> {
    let report = catalog.store.bulk(caller.namespace, action, &[id]).await?;
    match report.results.into_iter().next() {
        Some((_, Err(refusal))) => Err(refusal_error(id, &refusal)),
        _ => Ok(()),
    }
}

/// The error for making public an asset moderation holds.
pub fn held(id: AssetId) -> AppError {
    AppError::new(
        ErrorCode::ModerationHold,
        format!(
            "asset {id} is held for review by the content policy; an admin must clear it before it can be public"
        ),
    )
}

/// The registry error for one asset's refusal in a bulk action.
pub fn refusal_error(id: AssetId, refusal: &BulkRefusal) -> AppError {
    match refusal {
        BulkRefusal::NotFound => AppError::not_found(format!("asset {id}")),
        BulkRefusal::InUse { usages } => AppError::new(
            ErrorCode::AssetInUse,
            format!(
                "asset {id} is used in {usages} place(s); remove the usages or pass force=true"
            ),
        ),
        BulkRefusal::NotDeleted => AppError::new(
            ErrorCode::NotDeleted,
            format!("asset {id} is not in the trash"),
        ),
        BulkRefusal::LiveDuplicate { existing } => AppError::new(
            ErrorCode::DuplicateExists,
            format!("asset {existing} already holds the same bytes; delete it first"),
        ),
        BulkRefusal::HeldByModeration => held(id),
    }
}
