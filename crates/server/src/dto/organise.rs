//! JSON shapes of tags, collections, usage and bulk results.

use medialib_core::AssetId;
use medialib_core::ErrorCode;
use medialib_core::organise::{AssetTag, Collection, Tag, Usage};
use medialib_core::store::BulkRefusal;
use serde::Serialize;
use utoipa::ToSchema;

use super::rfc3339;

/// A tag on an asset.
#[derive(Serialize, ToSchema)]
pub struct AssetTagDto {
    /// Tag id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// URL-safe key.
    pub slug: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// `user`, `auto` or `exif`.
    pub source: &'static str,
    /// 0–1, for automatic tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

impl AssetTagDto {
    /// Renders an asset's tag.
    pub fn from_tag(t: &AssetTag) -> Self {
        Self {
            id: t.tag.0,
            name: t.name.clone(),
            slug: t.slug.clone(),
            color: t.color.clone(),
            source: t.source.as_str(),
            confidence: t.confidence,
        }
    }
}

/// A tag of the namespace.
#[derive(Serialize, ToSchema)]
pub struct TagDto {
    /// Tag id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// URL-safe key, unique in the namespace.
    pub slug: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Live assets carrying the tag.
    pub asset_count: u64,
    /// RFC 3339.
    pub created_at: String,
}

impl From<Tag> for TagDto {
    fn from(t: Tag) -> Self {
        Self {
            id: t.id.0,
            name: t.name,
            slug: t.slug,
            color: t.color,
            description: t.description,
            asset_count: t.asset_count,
            created_at: rfc3339(t.created_at),
        }
    }
}

/// A collection.
#[derive(Serialize, ToSchema)]
pub struct CollectionDto {
    /// Collection id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// URL-safe key, unique in the namespace.
    pub slug: String,
    /// Free text.
    pub description: Option<String>,
    /// Free-form kind (`gallery`, `event_photos`, `folder`, …).
    pub kind: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// Whether it may be shown publicly.
    pub is_public: bool,
    /// The cover asset's id.
    pub cover_asset_id: Option<String>,
    /// The watermark (`[transforms.watermarks.NAME]`) every public transform of its
    /// assets carries; `null` for none.
    pub watermark: Option<String>,
    /// Live assets in it.
    pub item_count: u64,
    /// Sum of their original sizes, in bytes.
    pub total_bytes: u64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<Collection> for CollectionDto {
    fn from(c: Collection) -> Self {
        Self {
            id: c.id.0,
            title: c.title,
            slug: c.slug,
            description: c.description,
            kind: c.kind,
            color: c.color,
            is_public: c.is_public,
            cover_asset_id: c.cover_asset.map(|a| a.to_string()),
            watermark: c.watermark,
            item_count: c.item_count,
            total_bytes: c.total_bytes,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

/// A recorded usage of an asset.
#[derive(Serialize, ToSchema)]
pub struct UsageDto {
    /// The kind of entity using the asset, e.g. `article`.
    pub entity_type: String,
    /// The entity's id in its own system.
    pub entity_id: String,
    /// How it uses the asset, e.g. `featured_image`.
    pub usage_type: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, when last recorded.
    pub last_used_at: String,
}

impl From<Usage> for UsageDto {
    fn from(u: Usage) -> Self {
        Self {
            entity_type: u.usage.entity_type,
            entity_id: u.usage.entity_id,
            usage_type: u.usage.usage_type,
            created_at: rfc3339(u.created_at),
            last_used_at: rfc3339(u.last_used_at),
        }
    }
}

/// The outcome of a bulk action for one asset.
#[derive(Serialize, ToSchema)]
pub struct BulkResultDto {
    /// The asset id.
    pub id: String,
    /// `ok`, `refused` (this asset blocked the request) or `skipped` (fine, but another
    /// asset blocked the request, so nothing was changed).
    pub status: &'static str,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RefusalDto>,
}

/// Why a bulk action refused an asset.
#[derive(Serialize, ToSchema)]
pub struct RefusalDto {
    /// `not_found`, `asset_in_use`, `not_deleted`, `duplicate_exists` or
    /// `moderation_hold`.
    #[schema(value_type = String)]
    pub code: ErrorCode,
    /// What to do about it.
    pub message: String,
}

impl RefusalDto {
    /// Renders a refusal of asset `id`.
    pub fn new(id: AssetId, refusal: &BulkRefusal) -> Self {
        let error = medialib_app::bulk::refusal_error(id, refusal);
        Self {
            code: error.code,
            message: error.message,
        }
    }
}
