//! Periodic upkeep: delivery counts written in batches, the trash purged after its
//! retention period, unused media moved to the trash (`retention`), expired uploads
//! removed, ended browser sessions deleted, and the metrics gauges read from the database
//! refreshed.
//!
//! The delivery path must not wait for the database, so it only adds to counters in
//! memory ([`DeliveryStats::record`]); a task writes them every
//! `maintenance.stats_flush_seconds` in one transaction, and once more at shutdown.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use medialib_app::purge::purge_trash;
use medialib_core::store::{DeliveryCount, epoch_day};
use medialib_core::{AssetId, Timestamp};
use tokio::task::JoinHandle;

use crate::state::AppState;

/// Views and bytes served since the last flush, per asset and UTC day.
#[derive(Debug, Default)]
pub struct DeliveryStats {
    counts: Mutex<HashMap<(AssetId, i64), (u64, u64)>>,
}

impl DeliveryStats {
    /// Counts one response with a body of `bytes` bytes (an original or any variant).
    pub fn record(&self, asset: AssetId, bytes: u64) {
        let day = epoch_day(Timestamp::now_utc());
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = counts.entry((asset, day)).or_default();
        entry.0 += 1;
        entry.1 += bytes;
    }

    /// Takes the counts so far, leaving zero.
    fn take(&self) -> Vec<DeliveryCount> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts
            .drain()
            .map(|((asset, day), (views, bytes))| DeliveryCount {
                asset,
                day,
                views,
                bytes,
            })
            .collect()
    }
}

/// Writes the delivery counts gathered so far. Counts that cannot be written are logged
/// and dropped: statistics must never hold up delivery.
pub async fn flush_stats(state: &AppState) {
    let counts = state.deliveries.take();
    if counts.is_empty() {
        return;
    }
    if let Err(e) = state.catalog.store.record_deliveries(&counts).await {
        tracing::warn!(error = %e, rows = counts.len(), "delivery counts lost");
    }
}

/// Runs the upkeep until the server shuts down, then flushes the counts one last time.
pub fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let m = &state.catalog.settings.maintenance;
        let mut flush = tokio::time::interval(Duration::from_secs(m.stats_flush_seconds));
        let mut purge = tokio::time::interval(Duration::from_secs(m.purge_interval_seconds));
        let refresh = state.catalog.settings.metrics.refresh_seconds;
        let mut gauges = tokio::time::interval(Duration::from_secs(refresh));
        loop {
            tokio::select! {
                _ = state.shutdown.cancelled() => break,
                _ = gauges.tick() => crate::metrics::refresh(&state).await,
                _ = flush.tick() => {
                    flush_stats(&state).await;
                    let transforms = &state.transforms;
                    if let Err(e) = medialib_app::transforms::derivatives::flush_access(&state.catalog, transforms).await {
                        tracing::warn!(error = %e, "derivative access times lost");
                    }
                }
                _ = purge.tick() => {
                    if let Err(e) = medialib_app::retention::apply(&state.catalog).await {
                        tracing::warn!(error = %e, "retention failed; retrying later");
                    }
                    match purge_trash(&state.catalog).await {
                        Ok(0) => {}
                        Ok(keys) => tracing::info!(keys, "purged the trash"),
                        Err(e) => tracing::warn!(error = %e, "trash purge failed; retrying later"),
                    }
                    let limits = medialib_app::access::credentials::session_limits(&state.catalog.settings);
                    match state.catalog.store.purge_sessions(limits).await {
                        Ok(0) => {}
                        Ok(sessions) => tracing::info!(sessions, "removed ended sessions"),
                        Err(e) => tracing::warn!(error = %e, "session cleanup failed; retrying later"),
                    }
                    match medialib_app::transforms::derivatives::evict(&state.catalog, &state.transforms).await {
                        Ok(0) => {}
                        Ok(derivatives) => tracing::info!(derivatives, "evicted transform results"),
                        Err(e) => tracing::warn!(error = %e, "transform eviction failed; retrying later"),
                    }
                    match crate::tus::remove_expired(&state).await {
                        Ok(0) => {}
                        Ok(uploads) => tracing::info!(uploads, "removed expired uploads"),
                        Err(e) => tracing::warn!(error = e.message(), "upload cleanup failed; retrying later"),
                    }
                }
            }
        }
        flush_stats(&state).await;
    })
}
