//! Recommendations: media for a piece of content (an article, a product page), from what
//! it already uses (its recorded usage): the assets whose pictures look most like the
//! used ones, with the tags they share with them adding to the score. What it uses is
//! never recommended again.

use std::collections::{HashMap, HashSet};

use medialib_core::access::{Access, Principal};
use medialib_core::{AppError, AssetId, ErrorCode};

use crate::Catalog;
use crate::access::authorize::{can_read, require};
use crate::similar::{MAX_LIMIT, Reason, Similar};

/// The used assets whose neighbours are looked at: the most recently used ones.
const MAX_USED: usize = 20;
/// Added per tag a candidate shares with the used assets, up to [`MAX_SHARED`] tags.
const TAG_BONUS: f64 = 0.02;
const MAX_SHARED: usize = 5;
/// The longest entity type or id looked up, in characters: as usage records them.
const MAX_ENTITY: usize = 200;

/// Up to `limit` (1–[`MAX_LIMIT`]) live assets the caller may see, in the caller's
/// namespace, for the entity `entity_type`/`entity_id`, best first; empty when the
/// entity uses nothing (or nothing analysed).
///
/// Errors: `invalid_query` for an empty or over-long entity, or a limit out of range.
pub async fn recommend(
    catalog: &Catalog,
    caller: &Principal,
    entity_type: &str,
    entity_id: &str,
    limit: u32,
) -> Result<Vec<Similar>, AppError> {
    require(caller, Access::Read)?;
    let bad = |what: &str| AppError::new(ErrorCode::InvalidQuery, what.to_owned());
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad(&format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    for (name, value) in [("entity_type", entity_type), ("entity_id", entity_id)] {
        // A blank one is allowed: usage never records it, so nothing is found.
        if value.is_empty() || value.chars().count() > MAX_ENTITY {
            return Err(bad(&format!(
                "{name} must name the content, in 1 to {MAX_ENTITY} characters"
            )));
        }
    }
    let namespace = caller.namespace;
    let mut used = catalog
        .store
        .assets_used_by(namespace, entity_type, entity_id)
        .await?;
    used.truncate(MAX_USED);
    let index = catalog
        .embeddings
        .namespace(catalog.store.as_ref(), namespace)
        .await?;
    let exclude: HashSet<AssetId> = used.iter().copied().collect();
    // Each candidate's closest used asset.
    let wanted = limit as usize * 2 + 10 + used.len();
    let mut scored: HashMap<AssetId, (f64, Vec<Reason>)> = HashMap::new();
    for &u in &used {
        let Some(query) = index.embedding_of(u) else {
            continue;
        };
        for (other, similarity) in index.nearest(&query, wanted, u) {
            if exclude.contains(&other) {
                continue;
            }
            let similarity = round(f64::from(similarity));
            let best = scored.entry(other).or_insert((0.0, Vec::new()));
            if similarity > best.0 {
                *best = (
                    similarity,
                    vec![Reason::LooksLikeUsed {
                        asset: u,
                        similarity,
                    }],
                );
            }
        }
    }
    let candidates: Vec<AssetId> = scored.keys().copied().collect();
    let mut all = candidates.clone();
    all.extend(&used);
    let tags = catalog.store.asset_tags(&all).await?;
    let used_tags: HashSet<&str> = tags
        .iter()
        .filter(|t| exclude.contains(&t.asset))
        .map(|t| t.slug.as_str())
        .collect();
    for (id, (score, reasons)) in scored.iter_mut() {
        let mut common: Vec<String> = tags
            .iter()
            .filter(|t| t.asset == *id && used_tags.contains(t.slug.as_str()))
            .map(|t| t.name.clone())
            .collect();
        common.dedup();
        if !common.is_empty() {
            *score += TAG_BONUS * common.len().min(MAX_SHARED) as f64;
            reasons.push(Reason::SharedTags { tags: common });
        }
    }
    let mut found: Vec<Similar> = catalog
        .store
        .get_assets(&candidates)
        .await?
        .into_iter()
        .filter(|a| a.deleted_at.is_none() && a.namespace == namespace && can_read(caller, a))
        .filter_map(|asset| {
            let (score, reasons) = scored.remove(&asset.id)?;
            Some(Similar {
                asset,
                score: round(score),
                reasons,
            })
        })
        .collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found.truncate(limit as usize);
    Ok(found)
}

fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}
