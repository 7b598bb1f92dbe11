//! Finding assets: full-text search with filters, sort orders and keyset pages, and the
//! assets nobody uses.

use medialib_core::access::{Access, Principal};
use medialib_core::store::{AssetFilter, AssetQuery, AssetSort, Page, search_words};
use medialib_core::{AppError, Asset, ErrorCode, Timestamp};

use crate::Catalog;
use crate::access::authorize::require;

/// Longest search text, in characters.
pub const MAX_TEXT: usize = 500;
/// Most assets one page may hold.
pub const MAX_LIMIT: u32 = 200;
/// Most tags one search may name.
pub const MAX_TAGS: usize = 50;

/// A sort order as the caller asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The key.
    pub key: AssetSort,
    /// Largest first; for relevance, `false` is best first, as users read it.
    pub descending: bool,
}

/// A search of the caller's namespace.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Words to match in title, filename, alt text, description, extracted text and tags.
    pub text: Option<String>,
    /// Filters (`namespace` comes from the caller).
    pub filter: AssetFilter,
    /// The order; relevance when there are words to match, else newest first.
    pub sort: Option<Sort>,
    /// Page size, 1–[`MAX_LIMIT`].
    pub limit: u32,
    /// Where the page starts: the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidQuery, message)
}

/// One page of the search's results, its total, and the next page's cursor.
///
/// Errors: `invalid_query` for a text over [`MAX_TEXT`] characters, a limit out of range
/// or more than [`MAX_TAGS`] tags; `invalid_cursor`.
pub async fn search(
    catalog: &Catalog,
    caller: &Principal,
    search: Search,
) -> Result<Page<Asset>, AppError> {
    require(caller, Access::Read)?;
    let query = query(caller, search)?;
    Ok(catalog.store.list_assets(&query).await?)
}

fn query(caller: &Principal, search: Search) -> Result<AssetQuery, AppError> {
    let text = search.text.filter(|q| !q.trim().is_empty());
    if text.as_ref().is_some_and(|q| q.chars().count() > MAX_TEXT) {
        return Err(invalid(format!("q is longer than {MAX_TEXT} characters")));
    }
    let has_words = text.as_deref().is_some_and(|q| !search_words(q).is_empty());
    let (sort, descending) = order(search.sort, has_words);
    if !(1..=MAX_LIMIT).contains(&search.limit) {
        return Err(invalid(format!(
            "limit {} must be 1-{MAX_LIMIT}",
            search.limit
        )));
    }
    if search.filter.tags.len() > MAX_TAGS {
        return Err(invalid(format!("at most {MAX_TAGS} tags per search")));
    }
    Ok(AssetQuery {
        namespace: caller.namespace,
        text,
        filter: search.filter,
        sort,
        descending,
        limit: search.limit,
        cursor: search.cursor,
    })
}

/// The store's order for `sort`: relevance reads best first unless asked otherwise.
/// Relevance without words to rank by ranks every asset the same, so it is its
/// tie-break alone: newest first.
fn order(sort: Option<Sort>, has_words: bool) -> (AssetSort, bool) {
    let newest_first = (AssetSort::CreatedAt, true);
    match sort {
        None if has_words => (AssetSort::Relevance, true),
        None => newest_first,
        Some(Sort {
            key: AssetSort::Relevance,
            ..
        }) if !has_words => newest_first,
        Some(Sort {
            key: AssetSort::Relevance,
            descending,
        }) => (AssetSort::Relevance, !descending),
        Some(Sort { key, descending }) => (key, descending),
    }
}

/// Live assets uploaded before `uploaded_before` that no usage records, oldest first.
///
/// Errors: as for [`search`].
pub async fn unused(
    catalog: &Catalog,
    caller: &Principal,
    uploaded_before: Timestamp,
    limit: u32,
    cursor: Option<String>,
) -> Result<Page<Asset>, AppError> {
    let mut filter = AssetFilter {
        in_use: Some(false),
        ..AssetFilter::default()
    };
    filter.created_to = Some(uploaded_before);
    let search = Search {
        filter,
        sort: Some(Sort {
            key: AssetSort::CreatedAt,
            descending: false,
        }),
        limit,
        cursor,
        ..Search::default()
    };
    self::search(catalog, caller, search).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance_reads_best_first_and_without_words_newest_first() {
        let relevance = |descending| Sort {
            key: AssetSort::Relevance,
            descending,
        };
        assert_eq!(order(None, true), (AssetSort::Relevance, true));
        assert_eq!(order(None, false), (AssetSort::CreatedAt, true));
        assert_eq!(
            order(Some(relevance(true)), true),
            (AssetSort::Relevance, false)
        );
        assert_eq!(
            order(Some(relevance(false)), false),
            (AssetSort::CreatedAt, true)
        );
    }
}
