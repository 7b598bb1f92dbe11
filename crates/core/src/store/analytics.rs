//! What analytics reports: storage, uploads and deliveries.

use async_trait::async_trait;

use super::StoreError;
use crate::NamespaceId;
use crate::{AssetId, Timestamp};

/// Counts of one kind of asset.
#[derive(Debug, Clone, PartialEq)]
pub struct KindStorage {
    /// `image`, `video`, …
    pub kind: crate::AssetKind,
    /// Live assets.
    pub assets: u64,
    /// Their original sizes, in bytes.
    pub bytes: u64,
    /// Their variants' and renditions' sizes, in bytes.
    pub variant_bytes: u64,
}

/// Storage used by one namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct NamespaceStorage {
    /// The namespace's slug.
    pub namespace: String,
    /// Live assets.
    pub assets: u64,
    /// Stored originals (deduplicated blobs, including those the trash holds), in bytes.
    pub blob_bytes: u64,
}

/// What a namespace stores, against its quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceUsage {
    /// Bytes of its originals (live and in the trash: both are stored), counted once per
    /// blob.
    pub bytes: u64,
    /// Its live assets.
    pub assets: u64,
    /// The namespace's own byte quota (`namespace.quota_bytes`), if set.
    pub quota_bytes: Option<u64>,
    /// The namespace's own asset quota (`namespace.quota_assets`), if set.
    pub quota_assets: Option<u64>,
}

/// Where the bytes are.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageReport {
    /// Per kind, for the caller's namespace.
    pub by_kind: Vec<KindStorage>,
    /// Soft-deleted assets waiting for the purge, and their original sizes in bytes.
    pub trash: (u64, u64),
    /// Per namespace, for the whole instance.
    pub by_namespace: Vec<NamespaceStorage>,
}

/// Uploads on one day (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct DayUploads {
    /// Days since 1970-01-01.
    pub day: i64,
    /// Assets created that day (deleted ones included).
    pub assets: u64,
    /// Their original sizes, in bytes.
    pub bytes: u64,
}

/// Deliveries of one asset on one day (UTC), as counted by the delivery path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryCount {
    /// The asset delivered (original or any variant).
    pub asset: AssetId,
    /// Days since 1970-01-01.
    pub day: i64,
    /// Responses with a body (200 and 206).
    pub views: u64,
    /// Body bytes sent.
    pub bytes: u64,
}

/// An asset's deliveries over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetViews {
    /// The asset.
    pub asset: AssetId,
    /// Responses with a body.
    pub views: u64,
    /// Body bytes sent.
    pub bytes: u64,
}

/// Days since the Unix epoch of a timestamp (UTC).
pub fn epoch_day(t: Timestamp) -> i64 {
    t.unix_timestamp().div_euclid(86_400)
}

/// Delivery counts and the reports built from them and from storage.
#[async_trait]
pub trait AnalyticsStore {
    /// Adds delivery counts (batched by the delivery path) to the daily totals.
    async fn record_deliveries(&self, counts: &[DeliveryCount]) -> Result<(), StoreError>;

    /// What the namespace stores and its own quotas.
    async fn namespace_usage(&self, namespace: NamespaceId) -> Result<NamespaceUsage, StoreError>;

    /// Up to `limit` live assets of the namespace, oldest first, uploaded before `since`,
    /// used nowhere (no usage recorded) and not viewed on `since`'s UTC day or later:
    /// what retention moves to the trash.
    async fn retention_candidates(
        &self,
        namespace: NamespaceId,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<AssetId>, StoreError>;

    /// Storage per kind (namespace) and per namespace (instance).
    async fn storage_report(&self, namespace: NamespaceId) -> Result<StorageReport, StoreError>;

    /// Uploads per day from `from_day` on (days since the epoch, UTC); days without
    /// uploads are left out.
    async fn uploads_per_day(
        &self,
        namespace: NamespaceId,
        from_day: i64,
    ) -> Result<Vec<DayUploads>, StoreError>;

    /// The most delivered live assets from `from_day` on, most views first.
    async fn top_assets(
        &self,
        namespace: NamespaceId,
        from_day: i64,
        limit: u32,
    ) -> Result<Vec<AssetViews>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_counted_in_utc_from_the_epoch() {
        use time::macros::datetime;
        assert_eq!(epoch_day(datetime!(1970-01-01 23:59:59 UTC)), 0);
        assert_eq!(epoch_day(datetime!(2026-12-07 00:00:00 UTC)), 20_794);
        // 23:30 the day before in UTC, whatever the offset it was written with.
        assert_eq!(epoch_day(datetime!(2026-12-07 01:30:00 +02:00)), 20_793);
        assert_eq!(epoch_day(datetime!(1969-12-31 12:00:00 UTC)), -1);
    }
}
