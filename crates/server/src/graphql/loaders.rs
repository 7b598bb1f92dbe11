//! DataLoader batching: the tags, variants and collections of every asset a response
//! shows are read in one query each, whatever the number of assets. A fresh set of
//! loaders serves each request, caching for that request only.
//!
//! A page of assets primes them ([`Loaders::prime`]) with its ids before its assets'
//! fields resolve: batching by timing alone splits a long list when its resolution
//! yields and the loader's delay has passed.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Lookahead;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use medialib_core::organise::{AssetTag, Collection};
use medialib_core::{AssetId, MetadataStore, Variant};

/// What a loader's failure looks like to the fields that wait on it.
type LoadError = Arc<medialib_core::StoreError>;

/// The loaders of one request.
pub(crate) struct Loaders {
    pub tags: DataLoader<TagsOf, HashMapCache>,
    pub variants: DataLoader<VariantsOf, HashMapCache>,
    pub collections: DataLoader<CollectionsOf, HashMapCache>,
}

impl Loaders {
    pub(crate) fn new(store: &Arc<dyn MetadataStore>) -> Self {
        let cache = HashMapCache::default;
        Self {
            tags: DataLoader::with_cache(TagsOf(store.clone()), spawn, cache()),
            variants: DataLoader::with_cache(VariantsOf(store.clone()), spawn, cache()),
            collections: DataLoader::with_cache(CollectionsOf(store.clone()), spawn, cache()),
        }
    }

    /// Loads, one batch each, what `asset` (the selection of each asset of a page) asks
    /// of the assets `ids`: their tags, their variants (for variants, renditions and
    /// srcset), their collections.
    pub(crate) async fn prime(
        &self,
        asset: &Lookahead<'_>,
        ids: &[AssetId],
    ) -> Result<(), LoadError> {
        let asks = |fields: &[&str]| fields.iter().any(|f| asset.field(f).exists());
        let keys = || ids.iter().copied();
        // The three batches run at once, as the loaders' own would.
        let tags = async {
            match asks(&["tags"]) {
                true => self.tags.load_many(keys()).await.map(drop),
                false => Ok(()),
            }
        };
        let variants = async {
            match asks(&["variants", "renditions", "srcset"]) {
                true => self.variants.load_many(keys()).await.map(drop),
                false => Ok(()),
            }
        };
        let collections = async {
            match asks(&["collections"]) {
                true => self.collections.load_many(keys()).await.map(drop),
                false => Ok(()),
            }
        };
        futures_util::try_join!(tags, variants, collections).map(drop)
    }
}

/// Runs a batch in the request's span, so its queries log (and count) as the request's.
fn spawn<F>(batch: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(tracing::Instrument::in_current_span(batch))
}

/// Groups rows by the asset each belongs to.
fn by_asset<T>(rows: impl IntoIterator<Item = (AssetId, T)>) -> HashMap<AssetId, Vec<T>> {
    let mut grouped: HashMap<AssetId, Vec<T>> = HashMap::new();
    for (asset, row) in rows {
        grouped.entry(asset).or_default().push(row);
    }
    grouped
}

/// The tags on each asset.
pub(crate) struct TagsOf(Arc<dyn MetadataStore>);

impl Loader<AssetId> for TagsOf {
    type Value = Vec<AssetTag>;
    type Error = LoadError;

    async fn load(&self, ids: &[AssetId]) -> Result<HashMap<AssetId, Self::Value>, Self::Error> {
        let rows = self.0.asset_tags(ids).await.map_err(Arc::new)?;
        Ok(by_asset(rows.into_iter().map(|t| (t.asset, t))))
    }
}

/// The variants and renditions of each asset, in their stored order.
pub(crate) struct VariantsOf(Arc<dyn MetadataStore>);

impl Loader<AssetId> for VariantsOf {
    type Value = Vec<Variant>;
    type Error = LoadError;

    async fn load(&self, ids: &[AssetId]) -> Result<HashMap<AssetId, Self::Value>, Self::Error> {
        let rows = self.0.variants_of(ids).await.map_err(Arc::new)?;
        Ok(by_asset(rows.into_iter().map(|v| (v.asset_id, v))))
    }
}

/// The collections each asset is in.
pub(crate) struct CollectionsOf(Arc<dyn MetadataStore>);

impl Loader<AssetId> for CollectionsOf {
    type Value = Vec<Collection>;
    type Error = LoadError;

    async fn load(&self, ids: &[AssetId]) -> Result<HashMap<AssetId, Self::Value>, Self::Error> {
        let rows = self.0.asset_collections(ids).await.map_err(Arc::new)?;
        Ok(by_asset(rows))
    }
}
