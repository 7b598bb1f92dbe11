//! The `analyse` job: runs the analysers on a processed asset, then records their
//! results and the automatic tags of every result the asset has, under the job's lease.

use medialib_core::analysis::{Analyser, auto_tags};
use medialib_core::{Asset, Lease};

use crate::{Done, Failure};
use medialib_app::Catalog;

pub(crate) async fn run(
    catalog: &Catalog,
    lease: Lease,
    asset: &Asset,
    which: &[Analyser],
) -> Result<Done, Failure> {
    let analysers = catalog.analysers.clone();
    let picture = medialib_app::analysis::picture(catalog, asset, analysers.picture_side())
        .await
        .map_err(Failure::transient)?;
    let (subject, wanted) = (asset.clone(), which.to_vec());
    // Models are CPU work and file reads: off the async runtime.
    let analysed =
        tokio::task::spawn_blocking(move || analysers.analyse(&subject, picture.as_ref(), &wanted))
            .await
            .map_err(|e| Failure::Permanent(format!("analysis crashed on this asset: {e}")))?;
    let results = analysed.results;
    for result in &results {
        tracing::info!(analyser = %result.analyser, outcome = ?result.outcome, "analysed");
    }
    // Tags follow every result the asset has: a rerun of one analyser keeps the others'.
    let mut all = catalog
        .store
        .analyses(asset.id)
        .await
        .map_err(Failure::transient)?;
    all.retain(|old| results.iter().all(|new| new.analyser != old.analyser));
    all.extend(results.iter().cloned());
    let settings = &catalog.settings.analysis;
    let tags = auto_tags(&all, settings.tag_threshold, settings.max_tags);
    let recorded = catalog
        .store
        .record_analysis(lease, &results, &tags, analysed.embedding.as_ref())
        .await
        .map_err(Failure::transient)?;
    if !recorded {
        tracing::warn!("the analysis job no longer holds its lease; its results are dropped");
    }
    Ok(Done::Recorded)
}
