//! Inputs and outputs of the organising operations: tags, collections, bulk actions.

use async_trait::async_trait;

use super::StoreError;
use crate::organise::{
    AssetTag, Collection, CollectionId, CollectionItem, Tag, TagId, TagSource, Usage, UsageRef,
};
use crate::{AssetId, NamespaceId};

/// A tag to create. The slug is derived from the name when not given.
#[derive(Debug, Clone, Default)]
pub struct NewTag {
    /// Display name (non-empty).
    pub name: String,
    /// URL-safe key; `None` derives it with [`crate::organise::slugify`].
    pub slug: Option<String>,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// Changes to a tag; `None` leaves a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct TagPatch {
    /// New display name (the slug stays, so links keep working).
    pub name: Option<String>,
    /// New colour.
    pub color: Option<Option<String>>,
    /// New description.
    pub description: Option<Option<String>>,
}

/// A collection to create.
#[derive(Debug, Clone, Default)]
pub struct NewCollection {
    /// Title (non-empty).
    pub title: String,
    /// URL-safe key; `None` derives it from the title.
    pub slug: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Free-form kind; `folder` when empty.
    pub kind: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// Whether it may be shown publicly.
    pub is_public: bool,
    /// Its cover asset (an asset of the same namespace).
    pub cover_asset: Option<AssetId>,
    /// The watermark preset its assets' public transforms carry.
    pub watermark: Option<String>,
}

/// Changes to a collection; `None` leaves a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct CollectionPatch {
    /// New title.
    pub title: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description.
    pub description: Option<Option<String>>,
    /// New kind.
    pub kind: Option<String>,
    /// New colour.
    pub color: Option<Option<String>>,
    /// New public flag.
    pub is_public: Option<bool>,
    /// New cover asset.
    pub cover_asset: Option<Option<AssetId>>,
    /// New watermark preset.
    pub watermark: Option<Option<String>>,
}

/// One action applied to many assets at once, atomically.
#[derive(Debug, Clone)]
pub enum BulkAction {
    /// Puts tags on the assets; tags are found by slug of the name, and created if missing.
    Tag {
        /// Tag names.
        names: Vec<String>,
        /// Who is tagging.
        source: TagSource,
        /// Confidence in 0–1 for automatic tags.
        confidence: Option<f64>,
    },
    /// Takes tags off the assets (by slug); tags an asset does not carry are ignored.
    Untag {
        /// Tag slugs.
        slugs: Vec<String>,
    },
    /// Moves the assets to the trash. Assets in use are refused unless `force`.
    Delete {
        /// Delete even when in use.
        force: bool,
    },
    /// Takes the assets out of the trash.
    Restore,
    /// Appends the assets to a collection (assets already in it keep their place).
    AddToCollection(CollectionId),
    /// Removes the assets from a collection.
    RemoveFromCollection(CollectionId),
    /// Sets the public flag.
    SetPublic(bool),
}

/// Why a bulk action refused one asset. One refusal rolls back the whole request.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkRefusal {
    /// No such asset in the namespace (for actions on live assets: none that is live).
    NotFound,
    /// The asset is in use (`usages` recorded usages); delete with `force` to override.
    InUse {
        /// How many usages it has.
        usages: u64,
    },
    /// Restore refused: the asset is not in the trash.
    NotDeleted,
    /// Restore refused: a live asset already holds the same bytes.
    LiveDuplicate {
        /// That live asset.
        existing: AssetId,
    },
    /// Making public refused: moderation holds or rejected the asset until an admin
    /// clears it.
    HeldByModeration,
}

/// What a bulk action did, per asset id, in request order.
#[derive(Debug, Clone)]
pub struct BulkReport {
    /// `Ok` for each asset the action applies to; the refusals otherwise.
    pub results: Vec<(AssetId, Result<(), BulkRefusal>)>,
    /// Whether the action was applied: `false` when any asset was refused (then nothing
    /// changed at all).
    pub applied: bool,
}

/// How editors organise assets: tags, collections and usage.
#[async_trait]
pub trait OrganiseStore {
    /// The namespace's tags by name, with their live asset counts.
    async fn list_tags(&self, namespace: NamespaceId) -> Result<Vec<Tag>, StoreError>;

    /// A tag of the namespace.
    async fn get_tag(&self, namespace: NamespaceId, id: TagId) -> Result<Option<Tag>, StoreError>;

    /// Creates a tag. Errors: [`StoreError::Conflict`] when the slug is taken.
    async fn create_tag(&self, namespace: NamespaceId, new: &NewTag) -> Result<Tag, StoreError>;

    /// Changes a tag; `None` when it does not exist in the namespace.
    async fn update_tag(
        &self,
        namespace: NamespaceId,
        id: TagId,
        patch: &TagPatch,
    ) -> Result<Option<Tag>, StoreError>;

    /// Deletes a tag and takes it off every asset; `false` when it does not exist.
    async fn delete_tag(&self, namespace: NamespaceId, id: TagId) -> Result<bool, StoreError>;

    /// The tags of these assets, each asset's by name.
    async fn asset_tags(&self, ids: &[AssetId]) -> Result<Vec<AssetTag>, StoreError>;

    /// The namespace's collections by title.
    async fn list_collections(&self, namespace: NamespaceId)
    -> Result<Vec<Collection>, StoreError>;

    /// The collections each of `ids` is in, as `(asset, collection)` pairs ordered by
    /// asset, then collection title: one query for a page of assets.
    async fn asset_collections(
        &self,
        ids: &[AssetId],
    ) -> Result<Vec<(AssetId, Collection)>, StoreError>;

    /// A collection of the namespace.
    async fn get_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
    ) -> Result<Option<Collection>, StoreError>;

    /// Creates a collection. Errors: [`StoreError::Conflict`] when the slug is taken,
    /// [`StoreError::NotFound`] when the cover asset is not in the namespace.
    async fn create_collection(
        &self,
        namespace: NamespaceId,
        new: &NewCollection,
    ) -> Result<Collection, StoreError>;

    /// Changes a collection; `None` when it does not exist in the namespace. Errors as
    /// [`MetadataStore::create_collection`].
    async fn update_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
        patch: &CollectionPatch,
    ) -> Result<Option<Collection>, StoreError>;

    /// The watermark an asset's public transforms carry: that of the first collection holding
    /// it that sets one, by title; `None` when none does.
    async fn collection_watermark(&self, asset: AssetId) -> Result<Option<String>, StoreError>;

    /// Deletes a collection (not its assets); `false` when it does not exist.
    async fn delete_collection(
        &self,
        namespace: NamespaceId,
        id: CollectionId,
    ) -> Result<bool, StoreError>;

    /// The collection's live items in order: `limit` of them after the first `offset`.
    /// Offsets count listed (live) items, so consecutive pages neither overlap nor skip
    /// when an item is in the trash; an item's `position` is its place in the whole order,
    /// trashed items included.
    async fn collection_items(
        &self,
        id: CollectionId,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<CollectionItem>, StoreError>;

    /// Inserts assets at `position` (0-based; `None` appends), in the given order; assets
    /// already in the collection move there. Errors: [`StoreError::NotFound`] naming the
    /// first id that is not a live asset of the collection's namespace.
    async fn insert_items(
        &self,
        id: CollectionId,
        assets: &[AssetId],
        position: Option<u32>,
    ) -> Result<(), StoreError>;

    /// Sets the order of the items: `assets` must list every item exactly once.
    /// Errors: [`StoreError::Conflict`] when it does not.
    async fn reorder_items(&self, id: CollectionId, assets: &[AssetId]) -> Result<(), StoreError>;

    /// Records that an asset is used (again): creates the usage, or refreshes its
    /// `last_used_at`.
    async fn record_usage(&self, asset: AssetId, usage: &UsageRef) -> Result<Usage, StoreError>;

    /// Removes usages of an asset by an entity: one usage type, or all when `usage_type` is
    /// `None`. Returns how many were removed.
    async fn remove_usage(
        &self,
        asset: AssetId,
        entity_type: &str,
        entity_id: &str,
        usage_type: Option<&str>,
    ) -> Result<u64, StoreError>;

    /// Where an asset is used, most recent first.
    async fn list_usage(&self, asset: AssetId) -> Result<Vec<Usage>, StoreError>;

    /// The live assets of `namespace` that the entity `entity_type`/`entity_id` uses (in
    /// any way), the most recently used first.
    async fn assets_used_by(
        &self,
        namespace: NamespaceId,
        entity_type: &str,
        entity_id: &str,
    ) -> Result<Vec<AssetId>, StoreError>;
}
