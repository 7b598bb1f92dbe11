//! Finding assets: full-text search, filters, sort orders and keyset pagination.

use std::fmt;
use std::str::FromStr;

use crate::asset::text_enum;
use crate::organise::CollectionId;
use crate::{AssetKind, AssetStatus, NamespaceId, Timestamp, UserId};

/// How far into the past an asset without a capture time sorts by [`AssetSort::TakenAt`]:
/// its upload time less 10^15 ms (about 31 700 years), before any real capture date.
/// The stores' sort expressions and indexes spell the same number.
pub const UNDATED_SHIFT_MS: i64 = 1_000_000_000_000_000;

/// Sort orders for listing assets. Every order ends with the asset id, so it is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetSort {
    /// By how well the text query matches (needs [`AssetQuery::text`]), then by upload
    /// order (newest first when descending).
    ///
    /// The score depends only on the asset itself, never on the rest of the library (unlike
    /// BM25, whose statistics move with every insert), so pages stay stable: 8 when a query
    /// term matches the title, plus 4 for a tag name, plus 2 for the filename, alt text or
    /// camera, plus 1 for matching at all (description, extracted text).
    Relevance,
    /// By upload time.
    CreatedAt,
    /// By capture time (EXIF, container creation time). Assets without one come after
    /// every dated asset, newest first, and before them oldest first: they sort by upload
    /// time shifted [`UNDATED_SHIFT_MS`] into the past.
    TakenAt,
    /// By title, case-insensitively (ASCII case folding).
    Title,
    /// By original size in bytes.
    Size,
}

text_enum!(AssetSort {
    Relevance => "relevance",
    CreatedAt => "created_at",
    TakenAt => "taken_at",
    Title => "title",
    Size => "size",
});

/// How several tag filters combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagMatch {
    /// Assets carrying every listed tag.
    #[default]
    All,
    /// Assets carrying at least one listed tag.
    Any,
}

text_enum!(TagMatch {
    All => "all",
    Any => "any",
});

/// The shape of a picture, from its width and height after orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Wider than tall.
    Landscape,
    /// Taller than wide.
    Portrait,
    /// Width equals height.
    Square,
}

text_enum!(Orientation {
    Landscape => "landscape",
    Portrait => "portrait",
    Square => "square",
});

/// Filters on assets; every field set narrows the result (they combine with AND).
/// Ranges are inclusive at the start and exclusive at the end (`[from, to)`), sizes and
/// dimensions inclusive at both ends.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    /// Any of these kinds (empty: all kinds).
    pub kinds: Vec<AssetKind>,
    /// The MIME type, exactly, or a whole family with `image/*`.
    pub mime: Option<String>,
    /// Only this processing status.
    pub status: Option<AssetStatus>,
    /// Tag slugs, combined by `tag_match`.
    pub tags: Vec<String>,
    /// How `tags` combine.
    pub tag_match: TagMatch,
    /// Only items of this collection.
    pub collection: Option<CollectionId>,
    /// Only assets uploaded by this user.
    pub uploaded_by: Option<UserId>,
    /// Uploaded at or after.
    pub created_from: Option<Timestamp>,
    /// Uploaded before.
    pub created_to: Option<Timestamp>,
    /// Captured at or after (assets without a capture time never match).
    pub taken_from: Option<Timestamp>,
    /// Captured before.
    pub taken_to: Option<Timestamp>,
    /// At least this many bytes.
    pub size_min: Option<u64>,
    /// At most this many bytes.
    pub size_max: Option<u64>,
    /// At least this wide, in pixels.
    pub width_min: Option<u32>,
    /// At most this wide, in pixels.
    pub width_max: Option<u32>,
    /// At least this tall, in pixels.
    pub height_min: Option<u32>,
    /// At most this tall, in pixels.
    pub height_max: Option<u32>,
    /// Only this shape (assets without dimensions never match).
    pub orientation: Option<Orientation>,
    /// With (`true`) or without (`false`) a GPS position in their metadata.
    pub has_gps: Option<bool>,
    /// At least this many faces found by analysis (assets it has not looked at never
    /// match).
    pub faces_min: Option<u32>,
    /// At most this many faces found by analysis (assets it has not looked at never
    /// match).
    pub faces_max: Option<u32>,
    /// Only assets in this moderation state.
    pub moderation: Option<crate::analysis::ModerationState>,
    /// `true` lists the trash (soft-deleted assets) instead of live assets.
    pub deleted: bool,
    /// With (`true`) or without (`false`) any recorded usage.
    pub in_use: Option<bool>,
}

/// A listing request. Pagination is keyset-based: `cursor` is the opaque `next_cursor` of
/// the previous page, stable under concurrent inserts (new assets never shift a page).
#[derive(Debug, Clone)]
pub struct AssetQuery {
    /// The namespace to search.
    pub namespace: NamespaceId,
    /// Full-text query over title, description, alt text, filename, tag names, extracted
    /// text and camera make and model. Every word must match; each matches as a prefix
    /// (`sun` finds `sunset`), for search as you type. Case and accents are ignored.
    pub text: Option<String>,
    /// Filters.
    pub filter: AssetFilter,
    /// Sort key; [`AssetSort::Relevance`] needs `text`.
    pub sort: AssetSort,
    /// Descending when true (for relevance: best first).
    pub descending: bool,
    /// Page size, 1–200.
    pub limit: u32,
    /// Continue after this cursor.
    pub cursor: Option<String>,
}

impl AssetQuery {
    /// The newest live assets of a namespace, `limit` per page.
    pub fn newest(namespace: NamespaceId, limit: u32) -> Self {
        Self {
            namespace,
            text: None,
            filter: AssetFilter::default(),
            sort: AssetSort::CreatedAt,
            descending: true,
            limit,
            cursor: None,
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many items match the filters in all pages.
    pub total: u64,
}

/// Splits a search text into the words the full-text index holds: runs of letters and
/// digits, lower-cased. `"IMG_0042.jpg"` → `["img", "0042", "jpg"]`. Mirrors SQLite FTS5's
/// `unicode61` tokenizer closely enough for queries (it also folds accents).
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_lower_case_runs_of_letters_and_digits() {
        assert_eq!(search_words("IMG_0042.jpg"), ["img", "0042", "jpg"]);
        assert_eq!(search_words("Café  au-lait!"), ["café", "au", "lait"]);
        assert!(search_words(" -_. ").is_empty());
    }

    #[test]
    fn the_default_listing_is_the_newest_live_assets() {
        let query = AssetQuery::newest(NamespaceId(2), 50);
        assert_eq!((query.namespace, query.limit), (NamespaceId(2), 50));
        assert!(query.descending && query.text.is_none() && query.cursor.is_none());
        assert!(matches!(query.sort, AssetSort::CreatedAt));
    }
}
