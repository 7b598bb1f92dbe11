//! Derivatives' contract: the records of stored transform results.

use async_trait::async_trait;

use super::StoreError;
use crate::derivative::Derivative;
use crate::{AssetId, Timestamp};

/// Stored transform results, per asset.
#[async_trait]
pub trait DerivativeStore {
    /// Records a rendered result; `false` (nothing recorded) when the asset is gone, or the
    /// same key was recorded meanwhile.
    async fn put_derivative(&self, derivative: &Derivative) -> Result<bool, StoreError>;

    /// The result of `asset` with `cache_key`, if stored.
    async fn get_derivative(
        &self,
        asset: AssetId,
        cache_key: &str,
    ) -> Result<Option<Derivative>, StoreError>;

    /// Every stored result of `asset`, most recently used first.
    async fn list_derivatives(&self, asset: AssetId) -> Result<Vec<Derivative>, StoreError>;

    /// Removes the records of `asset`'s results (only `cache_key`'s when given) and returns
    /// them, so the caller can delete their bytes.
    async fn delete_derivatives(
        &self,
        asset: AssetId,
        cache_key: Option<&str>,
    ) -> Result<Vec<Derivative>, StoreError>;

    /// Sets the last access of each (asset, cache key) to `at`, if later than recorded.
    async fn touch_derivatives(
        &self,
        keys: &[(AssetId, String)],
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Up to `limit` results to evict, least recently used first: every one last used
    /// before `unused_since`, then as many more as it takes to bring the total size down
    /// to `max_bytes`.
    async fn derivatives_to_evict(
        &self,
        unused_since: Timestamp,
        max_bytes: u64,
        limit: u32,
    ) -> Result<Vec<Derivative>, StoreError>;
}
