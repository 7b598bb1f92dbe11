//! Near-duplicate pictures: groups of assets whose perceptual hashes are close (a resize
//! or a re-encode), or whose embeddings are (a crop too, which moves every pixel the
//! hash looks at).

use medialib_core::access::{Access, Principal};
use medialib_core::similarity::{join_pairs, near_duplicate_groups};
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

/// Embeddings at least this similar (cosine) are the same picture. Measured on corpus
/// photos: a crop of a tenth of each side keeps 0.87–0.95, of a fifth 0.81–0.92, while
/// the most alike of 55 pairs of different photos reach 0.59.
pub const DUPLICATE_SIMILARITY: f32 = 0.85;

/// Groups the namespace's pictures whose perceptual hashes differ in at most `threshold`
/// bits (0–16) or whose embeddings' cosine is at least [`DUPLICATE_SIMILARITY`], joined
/// transitively, and returns the first `limit` (1–100) groups.
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
    let index = catalog
        .embeddings
        .namespace(catalog.store.as_ref(), caller.namespace)
        .await?;
    let all = tokio::task::spawn_blocking(move || {
        let groups = near_duplicate_groups(&hashes, threshold);
        join_pairs(groups, &index.close_pairs(DUPLICATE_SIMILARITY))
    })
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
