//! Delivery's memory: what a delivery needs to know about an asset, and the bytes of small
//! files, kept between requests so that a hot file is sent without the database or the disk.
//!
//! Facts are checked against [`MetadataStore::asset_generation`]: an entry loaded under an
//! older generation is stale and loaded again, so trash, purge, a visibility change, new
//! variants or a collection's watermark take effect on the very next request. Bytes are
//! keyed by their SHA-256 and so never go stale; what changes is whether fresh facts
//! still lead to them.

use std::sync::Arc;

use bytes::Bytes;
use medialib_core::config::DeliverySettings;
use medialib_core::{
    Asset, AssetId, BlobError, BlobStore, MetadataStore, Sha256, StorageKey, StoreError, Variant,
};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Assets whose facts are kept: at a few hundred bytes to a few KiB each (the asset row
/// and its variants), at most some tens of MiB.
const ASSETS: usize = 16_384;

/// What delivery reads about one asset, as the store had it at `generation`.
pub struct Facts {
    generation: u64,
    /// The asset, deleted or not.
    pub asset: Asset,
    /// Its variants and renditions.
    pub variants: Vec<Variant>,
    /// The watermark its collections impose on its public transforms, read on the first
    /// transform that asks ([`Facts::watermark`]): originals and variants never need it.
    watermark: tokio::sync::OnceCell<Option<String>>,
}

impl Facts {
    /// The watermark the asset's collections impose on its public transforms
    /// ([`MetadataStore::collection_watermark`]), read once per loaded facts.
    ///
    /// Errors when the store fails to answer.
    pub async fn watermark(&self, store: &dyn MetadataStore) -> Result<Option<&str>, StoreError> {
        let found = self
            .watermark
            .get_or_try_init(|| store.collection_watermark(self.asset.id))
            .await?;
        Ok(found.as_deref())
    }
}

/// The cache; one per process, shared by every delivery.
pub struct DeliveryCache {
    facts: Cache<AssetId, Arc<Facts>>,
    bytes: Option<Cache<Sha256, Bytes, ByLength>>,
    max_file_bytes: u64,
}

/// Weighs a file by its length, plus one so an empty file can still be evicted.
#[derive(Clone)]
struct ByLength;

impl Weighter<Sha256, Bytes> for ByLength {
    fn weight(&self, _: &Sha256, bytes: &Bytes) -> u64 {
        bytes.len() as u64 + 1
    }
}

impl DeliveryCache {
    /// A cache holding at most `settings.memory_cache_bytes` bytes of files, each at most
    /// `settings.memory_cache_file_bytes`, and the facts of some thousands of assets.
    pub fn new(settings: &DeliverySettings) -> Self {
        let bytes = (settings.memory_cache_bytes > 0).then(|| {
            let files = (settings.memory_cache_bytes / 16_384).clamp(16, 65_536) as usize;
            Cache::with_weighter(files, settings.memory_cache_bytes, ByLength)
        });
        Self {
            facts: Cache::new(ASSETS),
            bytes,
            max_file_bytes: settings.memory_cache_file_bytes,
        }
    }

    /// The facts of asset `id`, or `None` when the store has no such asset.
    ///
    /// Errors when the store fails to answer.
    pub async fn facts(
        &self,
        store: &dyn MetadataStore,
        id: AssetId,
    ) -> Result<Option<Arc<Facts>>, StoreError> {
        // Read before loading: a change committed meanwhile advances the generation past
        // this one, so what is loaded now can never pass for fresh afterwards.
        let generation = store.asset_generation();
        if let Some(facts) = self.facts.get(&id)
            && facts.generation == generation
        {
            return Ok(Some(facts));
        }
        let Some(asset) = store.get_asset(id).await? else {
            return Ok(None);
        };
        let variants = store.list_variants(id).await?;
        let facts = Arc::new(Facts {
            generation,
            asset,
            variants,
            watermark: tokio::sync::OnceCell::new(),
        });
        self.facts.insert(id, facts.clone());
        Ok(Some(facts))
    }

    /// The whole file stored at `key`, from memory when it was read before; `None` when it
    /// is larger than the cache keeps (stream it from storage instead).
    ///
    /// Errors when storage fails, or holds other than `size` bytes at `key`.
    pub async fn file(
        &self,
        blobs: &dyn BlobStore,
        key: &StorageKey,
        sha256: &Sha256,
        size: u64,
    ) -> Result<Option<Bytes>, BlobError> {
        let Some(cache) = self.bytes.as_ref().filter(|_| size <= self.max_file_bytes) else {
            return Ok(None);
        };
        let load = async {
            let bytes = blobs.get_bytes(key).await?;
            if bytes.len() as u64 != size {
                return Err(BlobError::Backend(format!(
                    "{}: holds {} bytes, the store recorded {size}",
                    key.as_str(),
                    bytes.len()
                )));
            }
            Ok(bytes)
        };
        cache.get_or_insert_async(sha256, load).await.map(Some)
    }
}
