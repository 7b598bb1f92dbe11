//! Searching assets: full-text matching, filters, sort orders and keyset pages, as the
//! SQLite backend answers them (`sqlite/search`), over the tsvector `asset.search_doc`.
//!
//! A page is read in two steps. The first finds the page's asset ids and sort keys: the
//! order by a per-sort index over live assets (walked until the page is full) or, for
//! relevance, by scores computed on the full-text hits. The second reads the rows of
//! those ids only. The total is counted on the first page only; later pages carry it in
//! their cursor.
//!
//! Every search statement is sent unnamed (`persistent(false)`), so PostgreSQL plans it
//! with its parameters' values: how many assets a word or a filter matches decides the
//! plan (walk the sort index, or read the full-text hits and sort them), and a cached
//! generic plan cannot know it.
//!
//! `relevance`: pages sorted by relevance.

use std::collections::HashMap;

use medialib_core::store::{
    AssetFilter, AssetQuery, AssetSort, Orientation, Page, TagMatch, search_words,
};
use medialib_core::{Asset, AssetId, NamespaceId, StoreError};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use uuid::Uuid;

mod relevance;

use super::backend;
use super::rows::{self, asset_columns, to_ms};
use crate::cursor::{Cursor, SortValue};

/// The `to_tsquery` texts of a search: every word, each as a prefix (`'sun':*`), required
/// together; and per scored group (tsvector weight), any of the words restricted to that
/// group (see [`AssetSort::Relevance`]). `None` when the text has no words.
struct TextQuery {
    all: String,
    title: String,
    tags: String,
    meta: String,
    /// A word is longer than any lexeme (2 047 bytes): `to_tsvector` leaves such words
    /// out of every document and `to_tsquery` out of the query, so nothing can match
    /// (rather than the other words alone).
    unmatchable: bool,
}

/// PostgreSQL's longest lexeme, in bytes.
const MAX_LEXEME: usize = 2047;

impl TextQuery {
    fn new(text: &str) -> Option<Self> {
        let words = search_words(text);
        let unmatchable = words.iter().any(|w| w.len() > MAX_LEXEME);
        let words: Vec<String> = words
            .iter()
            // Words are letters and digits only; quoting keeps `to_tsquery` from reading
            // anything in them as an operator all the same.
            .map(|w| format!("'{}':*", w.replace('\\', "\\\\").replace('\'', "''")))
            .collect();
        if words.is_empty() {
            return None;
        }
        let any = |weight: &str| {
            words
                .iter()
                .map(|w| format!("{w}{weight}"))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        Some(Self {
            all: words.join(" & "),
            title: any("A"),
            tags: any("B"),
            meta: any("C"),
            unmatchable,
        })
    }
}

/// The expression a sort orders by, before the id; it names the expression of the sort's
/// index (`asset_live_by_*`), so a page walks that index.
fn sort_key(sort: AssetSort) -> &'static str {
    match sort {
        // Ranked in `relevance`, which names its keys `score` and `seq`.
        AssetSort::Relevance => "score",
        AssetSort::CreatedAt => "asset.created_at",
        AssetSort::TakenAt => "coalesce(asset.taken_at, asset.created_at - 1000000000000000)",
        // SQLite's `COLLATE NOCASE`: ASCII case folding, then byte order.
        AssetSort::Title => "lower(asset.title COLLATE \"C\")",
        AssetSort::Size => "asset.size",
    }
}

/// How many keys a sort's cursor holds before the id.
fn key_count(sort: AssetSort) -> usize {
    if sort == AssetSort::Relevance { 2 } else { 1 }
}

/// A page of the assets matching `q`, in its order, with the total of every page and
/// the cursor of the next one (see `AssetStore::list_assets`).
pub(crate) async fn list(pool: &PgPool, q: &AssetQuery) -> Result<Page<Asset>, StoreError> {
    let text = q.text.as_deref().and_then(TextQuery::new);
    if q.sort == AssetSort::Relevance && text.is_none() {
        return Err(StoreError::Conflict(
            "sorting by relevance needs a search text with at least one word".into(),
        ));
    }
    let cursor = q
        .cursor
        .as_deref()
        .map(|raw| {
            Cursor::decode(raw)
                .filter(|c| c.sort == q.sort.as_str() && c.keys.len() == key_count(q.sort))
                .ok_or(StoreError::InvalidCursor)
        })
        .transpose()?;
    if let (AssetSort::Relevance, Some(t)) = (q.sort, &text) {
        return relevance::page(pool, q, t, cursor.as_ref()).await;
    }
    let total = match &cursor {
        Some(c) => c.total,
        None => count(pool, q, text.as_ref()).await?,
    };

    // Step 1: the page's ids and sort keys. A title cursor holds the title as stored (as
    // SQLite's does); it is folded here as the rows are.
    let key = sort_key(q.sort);
    let selected = match q.sort {
        AssetSort::Title => "asset.title",
        _ => key,
    };
    let mut qb = QueryBuilder::<Postgres>::new(format!(
        "SELECT asset.id AS id, {selected} AS k0 FROM asset"
    ));
    push_filters(&mut qb, q, text.as_ref());
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(cursor) = &cursor {
        let id = Uuid::try_parse(&cursor.id).map_err(|_| StoreError::InvalidCursor)?;
        // Keyset pagination: rows strictly after the last one in the sort order, so pages
        // stay stable while new assets arrive.
        qb.push(format!(" AND ({key}, asset.id) {cmp} ("));
        match (q.sort, &cursor.keys[0]) {
            (AssetSort::Title, SortValue::Text(v)) => {
                qb.push("lower(")
                    .push_bind(v.clone())
                    .push("::TEXT COLLATE \"C\")");
            }
            (AssetSort::Title, SortValue::Int(_)) | (_, SortValue::Text(_)) => {
                return Err(StoreError::InvalidCursor);
            }
            (_, SortValue::Int(v)) => {
                qb.push_bind(*v);
            }
        }
        qb.push(", ").push_bind(id).push(")");
    }
    qb.push(format!(" ORDER BY {key} {dir}, asset.id {dir} LIMIT "))
        .push_bind(i64::from(q.limit) + 1);
    let found = qb
        .build()
        .persistent(false)
        .fetch_all(pool)
        .await
        .map_err(backend("search assets"))?;

    let more = found.len() > q.limit as usize;
    let found = &found[..found.len().min(q.limit as usize)];
    let ids: Vec<AssetId> = found
        .iter()
        .map(|row| rows::get::<Uuid>(row, "id").map(AssetId))
        .collect::<Result<_, _>>()?;
    let items = rows_of(pool, &ids).await?;

    let next_cursor = match (found.last(), ids.last()) {
        (Some(row), Some(last)) if more => {
            let value = match q.sort {
                AssetSort::Title => SortValue::Text(rows::get(row, "k0")?),
                _ => SortValue::Int(rows::get(row, "k0")?),
            };
            Some(
                Cursor {
                    sort: q.sort.as_str().to_owned(),
                    keys: vec![value],
                    id: last.0.simple().to_string(),
                    total,
                }
                .encode(),
            )
        }
        _ => None,
    };
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// Every match of the query.
async fn count(pool: &PgPool, q: &AssetQuery, text: Option<&TextQuery>) -> Result<u64, StoreError> {
    let mut qb = QueryBuilder::<Postgres>::new("SELECT count(*) FROM asset");
    push_filters(&mut qb, q, text);
    let total: i64 = qb
        .build()
        .persistent(false)
        .fetch_one(pool)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(backend("count assets"))?;
    Ok(total as u64)
}

/// The rows of these assets, in the given order: ids without a row are left out, and an
/// id given twice is returned once, at its first place (as in SQLite).
pub(crate) async fn rows_of(pool: &PgPool, ids: &[AssetId]) -> Result<Vec<Asset>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let mut qb = QueryBuilder::<Postgres>::new(concat!(
        "SELECT ",
        asset_columns!(),
        " FROM asset WHERE id = ANY("
    ));
    qb.push_bind(wanted).push(")");
    let found = qb
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend("read assets"))?;
    let mut by_id: HashMap<AssetId, Asset> = found
        .iter()
        .map(|row| rows::asset(row).map(|a| (a.id, a)))
        .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The tag slugs of a filter, each once.
fn unique_slugs(f: &AssetFilter) -> Vec<String> {
    let mut slugs = f.tags.clone();
    slugs.sort();
    slugs.dedup();
    slugs
}

/// Appends `to_tsquery(…)` of the search configuration for a query text.
fn push_tsquery(qb: &mut QueryBuilder<Postgres>, query: &str) {
    qb.push("to_tsquery('medialib_search', ")
        .push_bind(query.to_owned())
        .push(")");
}

/// Appends ` WHERE …` with the namespace, the trash flag, the text (every word) and every
/// filter that is set. The namespace, the trash flag and the text are written as the
/// predicates of the partial indexes (`asset_live_text`, `asset_live_by_*`, …), so the
/// planner can use them.
fn push_filters(qb: &mut QueryBuilder<Postgres>, q: &AssetQuery, text: Option<&TextQuery>) {
    let f: &AssetFilter = &q.filter;
    qb.push(" WHERE asset.namespace_id = ")
        .push_bind(q.namespace.0);
    qb.push(if f.deleted {
        " AND asset.deleted_at IS NOT NULL"
    } else {
        " AND asset.deleted_at IS NULL"
    });
    match text {
        Some(t) if t.unmatchable => {
            qb.push(" AND FALSE");
        }
        Some(t) => {
            qb.push(" AND asset.search_doc @@ ");
            push_tsquery(qb, &t.all);
        }
        None => {}
    }
    if !f.kinds.is_empty() {
        let kinds: Vec<String> = f.kinds.iter().map(|k| k.as_str().to_owned()).collect();
        qb.push(" AND asset.kind = ANY(").push_bind(kinds).push(")");
    }
    match f.mime.as_deref() {
        Some(family) if family.ends_with("/*") => {
            let prefix = &family[..family.len() - 1];
            qb.push(" AND starts_with(asset.mime, ")
                .push_bind(prefix.to_owned())
                .push(")");
        }
        Some(mime) => {
            qb.push(" AND asset.mime = ").push_bind(mime.to_owned());
        }
        None => {}
    }
    if let Some(status) = f.status {
        qb.push(" AND asset.status = ").push_bind(status.as_str());
    }
    if !f.tags.is_empty() {
        let slugs = unique_slugs(f);
        let wanted = slugs.len() as i64;
        qb.push(
            " AND asset.id IN (SELECT at.asset_id FROM asset_tag at JOIN tag t ON t.id = at.tag_id \
             WHERE t.namespace_id = ",
        )
        .push_bind(q.namespace.0)
        .push(" AND t.slug = ANY(")
        .push_bind(slugs)
        .push(")");
        if f.tag_match == TagMatch::All {
            qb.push(" GROUP BY at.asset_id HAVING count(*) = ")
                .push_bind(wanted);
        }
        qb.push(")");
    }
    if let Some(collection) = f.collection {
        qb.push(" AND asset.id IN (SELECT asset_id FROM collection_item WHERE collection_id = ")
            .push_bind(collection.0)
            .push(")");
    }
    if let Some(user) = f.uploaded_by {
        qb.push(" AND asset.uploaded_by = ").push_bind(user.0);
    }
    let ranges: [(&str, &str, Option<i64>); 4] = [
        ("asset.created_at", ">=", f.created_from.map(to_ms)),
        ("asset.created_at", "<", f.created_to.map(to_ms)),
        ("asset.taken_at", ">=", f.taken_from.map(to_ms)),
        ("asset.taken_at", "<", f.taken_to.map(to_ms)),
    ];
    let bounds: [(&str, &str, Option<i64>); 8] = [
        ("asset.size", ">=", f.size_min.map(|v| v as i64)),
        ("asset.size", "<=", f.size_max.map(|v| v as i64)),
        ("asset.width", ">=", f.width_min.map(i64::from)),
        ("asset.width", "<=", f.width_max.map(i64::from)),
        ("asset.height", ">=", f.height_min.map(i64::from)),
        ("asset.height", "<=", f.height_max.map(i64::from)),
        ("asset.face_count", ">=", f.faces_min.map(i64::from)),
        ("asset.face_count", "<=", f.faces_max.map(i64::from)),
    ];
    for (column, op, value) in ranges.into_iter().chain(bounds) {
        if let Some(value) = value {
            qb.push(format!(" AND {column} {op} ")).push_bind(value);
        }
    }
    if let Some(orientation) = f.orientation {
        qb.push(match orientation {
            Orientation::Landscape => " AND asset.width > asset.height",
            Orientation::Portrait => " AND asset.width < asset.height",
            Orientation::Square => " AND asset.width = asset.height",
        });
    }
    if let Some(has_gps) = f.has_gps {
        qb.push(" AND asset.has_gps = ").push_bind(has_gps);
    }
    if let Some(state) = f.moderation {
        qb.push(" AND asset.moderation = ")
            .push_bind(state.as_str());
    }
    if let Some(in_use) = f.in_use {
        qb.push(if in_use { " AND " } else { " AND NOT " })
            .push("EXISTS (SELECT 1 FROM usage WHERE usage.asset_id = asset.id)");
    }
}

/// The words of the namespace's live assets and tag names, counted (see
/// `AssetStore::search_vocabulary`).
pub(crate) async fn vocabulary(
    pool: &PgPool,
    ns: NamespaceId,
) -> Result<Vec<(String, u64)>, StoreError> {
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT title || ' ' || original_filename || ' ' || coalesce(alt_text, '') || ' ' \
         || coalesce(description, '') FROM asset WHERE namespace_id = $1 AND deleted_at IS NULL \
         UNION ALL SELECT name FROM tag WHERE namespace_id = $1",
    )
    .bind(ns.0)
    .fetch_all(pool)
    .await
    .map_err(backend("read the search vocabulary"))?;
    Ok(crate::vocabulary::count(&texts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_becomes_required_prefixes() {
        let t = TextQuery::new("Sun SET \"x\" IMG_01").unwrap();
        assert_eq!(t.all, "'sun':* & 'set':* & 'x':* & 'img':* & '01':*");
        assert_eq!(t.title, "'sun':*A | 'set':*A | 'x':*A | 'img':*A | '01':*A");
        assert_eq!(t.tags, "'sun':*B | 'set':*B | 'x':*B | 'img':*B | '01':*B");
        assert!(!t.unmatchable);
        assert!(TextQuery::new(" -- ").is_none());
        let long = format!("sun {}", "a".repeat(MAX_LEXEME + 1));
        assert!(TextQuery::new(&long).unwrap().unmatchable);
    }
}
