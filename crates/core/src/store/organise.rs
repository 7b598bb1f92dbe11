//! Inputs and outputs of the organising operations: tags, collections, bulk actions.

use crate::AssetId;
use crate::organise::{CollectionId, TagSource};

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
