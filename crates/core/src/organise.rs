//! How editors organise assets: tags, collections and usage (where an asset is used).

use std::fmt;
use std::str::FromStr;

use crate::asset::text_enum;
use crate::{AssetId, NamespaceId, Timestamp};

/// Identifies a tag within the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagId(pub i64);

/// Identifies a collection within the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CollectionId(pub i64);

/// A tag of a namespace, with how many live assets carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Its id.
    pub id: TagId,
    /// The owning namespace.
    pub namespace: NamespaceId,
    /// Display name, e.g. `Main Event`.
    pub name: String,
    /// URL-safe key, unique per namespace, e.g. `main-event` (see [`slugify`]).
    pub slug: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Live (not deleted) assets carrying the tag.
    pub asset_count: u64,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Who put a tag on an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagSource {
    /// A person, through the API or the UI.
    User,
    /// A classifier or another automatic process.
    Auto,
    /// The file's own metadata (EXIF/IPTC keywords).
    Exif,
}

text_enum!(TagSource {
    User => "user",
    Auto => "auto",
    Exif => "exif",
});

/// A tag as carried by one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetTag {
    /// The tagged asset.
    pub asset: AssetId,
    /// The tag.
    pub tag: TagId,
    /// Its display name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its colour.
    pub color: Option<String>,
    /// Who assigned it.
    pub source: TagSource,
    /// For automatic tags, the classifier's confidence in 0–1.
    pub confidence: Option<f64>,
}

/// A collection: an ordered set of assets (a gallery, an event, a folder…).
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// Its id.
    pub id: CollectionId,
    /// The owning namespace.
    pub namespace: NamespaceId,
    /// Title.
    pub title: String,
    /// URL-safe key, unique per namespace.
    pub slug: String,
    /// Free text.
    pub description: Option<String>,
    /// Free-form kind, e.g. `gallery`, `event_photos`, `folder`.
    pub kind: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// Whether the collection may be shown publicly.
    pub is_public: bool,
    /// The asset shown as its cover.
    pub cover_asset: Option<AssetId>,
    /// The watermark (`[transforms.watermarks.NAME]`) every public transform of its assets
    /// carries, unless the transform names one itself.
    pub watermark: Option<String>,
    /// Live assets in it.
    pub item_count: u64,
    /// Sum of the live items' original sizes, in bytes.
    pub total_bytes: u64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it or its items last changed.
    pub updated_at: Timestamp,
}

/// One asset's place in a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionItem {
    /// The asset.
    pub asset: AssetId,
    /// 0-based position in the collection's order.
    pub position: u32,
    /// When it was added.
    pub added_at: Timestamp,
}

/// Where an asset is used: by which entity of another system, and how.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UsageRef {
    /// The kind of entity, e.g. `article`, `product`.
    pub entity_type: String,
    /// The entity's id in its own system.
    pub entity_id: String,
    /// How it uses the asset, e.g. `featured_image`, `inline`, `gallery`.
    pub usage_type: String,
}

/// A recorded usage.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// The asset used.
    pub asset: AssetId,
    /// Who uses it and how.
    pub usage: UsageRef,
    /// When it was first recorded.
    pub created_at: Timestamp,
    /// When it was last recorded again.
    pub last_used_at: Timestamp,
}

/// A URL-safe key for a name: lower-case ASCII letters and digits, words joined by `-`
/// (`"Main Event 2026!"` → `main-event-2026`). Letters outside ASCII are kept as they are
/// (lower-cased), so names in any script get a usable slug. Empty when the name has no
/// letters or digits.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            slug.push(c);
            gap = false;
        } else {
            gap = true;
        }
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_join_words_with_dashes() {
        assert_eq!(slugify("Main Event 2026!"), "main-event-2026");
        assert_eq!(slugify("  --Crème   brûlée-- "), "crème-brûlée");
        assert_eq!(slugify("東京 タワー"), "東京-タワー");
        assert_eq!(slugify("!!!"), "");
    }
}
