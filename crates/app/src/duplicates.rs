//! Near-duplicate images: groups of assets whose perceptual hashes are close.

use medialib_core::access::{Access, Principal};
use medialib_core::similarity::near_duplicate_groups;
use medialib_core::{AppError, Asset, ErrorCode};

use crate::Catalog;
use crate::access::authorize::require;

/// The groups found, largest first.
#[derive(Debug)]
pub struct Groups {
    /// How many groups there are in all.
    pub total: usize,
    /// The first `limit` groups, each with its assets.
    pub groups: Vec<Vec<Asset>>,
}

/// Groups the namespace's images whose perceptual hashes differ in at most `threshold`
/// bits (0–16), and returns the first `limit` (1–100) groups.
///
/// Errors: `invalid_query` for a threshold or limit out of range.
pub async fn find(
    catalog: &Catalog,
    caller: &Principal,
    threshold: u32,
    limit: u32,
) -> Result<Groups, AppError> {
    require(caller, Access::Read)?;
    if threshold > 16 || !(1..=100).contains(&limit) {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            "threshold must be 0-16 and limit 1-100",
        ));
    }
    let hashes = catalog.store.perceptual_hashes(caller.namespace).await?;
    let all = tokio::task::spawn_blocking(move || near_duplicate_groups(&hashes, threshold))
        .await
        .map_err(AppError::internal)?;
    let mut groups = Vec::new();
    for ids in all.iter().take(limit as usize) {
        groups.push(catalog.store.get_assets(ids).await?);
    }
    Ok(Groups {
        total: all.len(),
        groups,
    })
}
