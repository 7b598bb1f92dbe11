//! The `analyse` job: runs the analysers on a processed asset, then records their
//! results and the automatic tags of every result the asset has, under the job's lease.

use medialib_analysis::Sources;
use medialib_core::analysis::moderation::{FLAG_TAG, verdict};
use medialib_core::analysis::{
    Analyser, ModerationState, SuggestedTag, auto_tags, moderation_score, read_text,
};
use medialib_core::{Asset, AssetKind, Lease};

use crate::{Done, Failure};
use medialib_app::Catalog;

pub(crate) async fn run(
    catalog: &Catalog,
    lease: Lease,
    asset: &Asset,
    which: &[Analyser],
) -> Result<Done, Failure> {
    let analysers = catalog.analysers.clone();
    let earlier = catalog
        .store
        .analyses(asset.id)
        .await
        .map_err(Failure::transient)?;
    let sources = sources(catalog, asset, which, &earlier).await?;
    let (subject, wanted) = (asset.clone(), which.to_vec());
    // Models are CPU work and file reads: off the async runtime.
    let analysed =
        tokio::task::spawn_blocking(move || analysers.analyse(&subject, &sources, &wanted))
            .await
            .map_err(|e| Failure::Permanent(format!("analysis crashed on this asset: {e}")))?;
    let mut results = analysed.results;
    let settings = &catalog.settings.analysis;
    if settings.analysers.contains(&Analyser::Remote)
        && (which.is_empty() || which.contains(&Analyser::Remote))
    {
        results.push(medialib_app::remote_vision::analyse(catalog, asset).await);
    }
    for result in &results {
        tracing::info!(analyser = %result.analyser, outcome = ?result.outcome, "analysed");
    }
    // Tags follow every result the asset has: a rerun of one analyser keeps the others'.
    let mut all = earlier;
    all.retain(|old| results.iter().all(|new| new.analyser != old.analyser));
    all.extend(results.iter().cloned());
    let mut tags = auto_tags(&all, settings.tag_threshold, settings.max_tags);
    let moderation = match moderation_score(&all) {
        Some(score) => Some(moderated(catalog, asset, score).await?),
        None => None,
    };
    if moderation == Some(ModerationState::Flagged) {
        tags.push(SuggestedTag::certain(FLAG_TAG));
    }
    let recorded = catalog
        .store
        .record_analysis(
            lease,
            &results,
            &tags,
            analysed.embedding.as_ref(),
            moderation,
        )
        .await
        .map_err(Failure::transient)?;
    if !recorded {
        tracing::warn!("the analysis job no longer holds its lease; its results are dropped");
    }
    Ok(Done::Recorded)
}

/// The stored pictures the analysers need: the models' size, and the reading size when
/// `text` runs; whether a document has text of its own (other than what an earlier
/// reading put there).
async fn sources(
    catalog: &Catalog,
    asset: &Asset,
    which: &[Analyser],
    earlier: &[medialib_core::analysis::Analysis],
) -> Result<Sources, Failure> {
    let analysers = &catalog.analysers;
    let picture = medialib_app::analysis::picture(catalog, asset, analysers.picture_side())
        .await
        .map_err(Failure::transient)?;
    let Some(side) = analysers.reading_side(asset, which) else {
        return Ok(Sources {
            picture,
            ..Sources::default()
        });
    };
    let own_text = if asset.kind == AssetKind::Document {
        let read = earlier.iter().find_map(|a| read_text(&a.outcome));
        let text = catalog
            .store
            .asset_text(asset.id)
            .await
            .map_err(Failure::transient)?;
        text.is_some_and(|t| !t.trim().is_empty() && Some(&t) != read.as_ref())
    } else {
        false
    };
    let page = if own_text {
        None
    } else {
        medialib_app::analysis::picture(catalog, asset, side)
            .await
            .map_err(Failure::transient)?
    };
    Ok(Sources {
        picture,
        page,
        own_text,
    })
}

/// Where `asset`, scored `score`, stands under its namespace's moderation policy.
async fn moderated(
    catalog: &Catalog,
    asset: &Asset,
    score: f64,
) -> Result<ModerationState, Failure> {
    let policy = catalog
        .store
        .list_namespaces()
        .await
        .map_err(Failure::transient)?
        .into_iter()
        .find(|n| n.id == asset.namespace)
        .map(|n| n.moderation)
        .unwrap_or_default();
    let threshold = catalog.settings.analysis.moderation_threshold;
    Ok(verdict(policy, score, threshold, asset.moderation))
}
