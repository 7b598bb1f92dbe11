//! Searching assets: FTS5 full-text matching, filters, sort orders and keyset pages.
//!
//! A page is read in two steps. The first finds the page's asset ids and sort keys from
//! indexes alone: the filters are answered by covering indexes over live assets, the
//! order by a per-sort index or, for relevance, by scores computed from the full-text
//! index. The second reads the rows of those ids only. The total is counted the same way,
//! on the first page only; later pages carry it in their cursor.
//!
//! Index choices are forced where SQLite, without statistics, picks plans that are
//! quadratic at 100 000 assets (a range scan of another index per full-text hit).
//!
//! `relevance`: pages sorted by relevance, scored from the full-text index.

use std::collections::HashMap;

use medialib_core::store::{
    AssetFilter, AssetQuery, AssetSort, Orientation, Page, TagMatch, search_words,
};
use medialib_core::{Asset, AssetId, NamespaceId, StoreError};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

mod relevance;

use super::backend;
use super::rows::{self, asset_columns, to_ms, uuid};
use crate::cursor::{Cursor, SortValue};
use relevance::{relevance_filtered, relevance_in_fts};

/// The FTS5 queries for a search text: all words, each as a quoted prefix (`"sun"*`),
/// required together; and per scored column group, any of the words (see
/// [`AssetSort::Relevance`]). `None` when the text has no words.
struct TextQuery {
    all: String,
    title: String,
    tags: String,
    meta: String,
}

/// The text columns: the user's words never match the `scope` column.
const TEXT_COLUMNS: &str = "{title tags meta body}";

impl TextQuery {
    /// [`TextQuery::all`] restricted to the assets of `q`'s namespace, live or in the
    /// trash (the `scope` token), so FTS5 answers it without the asset table.
    fn scoped(&self, q: &AssetQuery) -> String {
        let state = if q.filter.deleted { "trash" } else { "live" };
        format!(
            "({}) AND {{scope}} : \"ns{}{state}\"",
            self.all, q.namespace.0
        )
    }

    fn new(text: &str) -> Option<Self> {
        let words: Vec<String> = search_words(text)
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect();
        if words.is_empty() {
            return None;
        }
        let any = words.join(" OR ");
        Some(Self {
            all: format!("{TEXT_COLUMNS} : ({})", words.join(" ")),
            title: format!("{{title}} : ({any})"),
            tags: format!("{{tags}} : ({any})"),
            meta: format!("{{meta}} : ({any})"),
        })
    }
}

/// The sort key expressions, in order, before the id.
fn sort_keys(sort: AssetSort) -> &'static [&'static str] {
    match sort {
        // Ranked by `relevance_in_fts` and `relevance_filtered`, which name these keys
        // `score` and `seq`; the upload order, `search_rowid`, grows with every new asset.
        AssetSort::Relevance => &["score", "asset.search_rowid"],
        AssetSort::CreatedAt => &["asset.created_at"],
        AssetSort::TakenAt => &["coalesce(asset.taken_at, asset.created_at - 1000000000000000)"],
        AssetSort::Title => &["asset.title COLLATE NOCASE"],
        AssetSort::Size => &["asset.size"],
    }
}

/// The index that joins full-text hits to assets without reading rows.
fn search_index(q: &AssetQuery) -> &'static str {
    if q.filter.deleted {
        "asset_by_search_rowid"
    } else {
        "asset_live_search"
    }
}

pub(crate) async fn list(pool: &SqlitePool, q: &AssetQuery) -> Result<Page<Asset>, StoreError> {
    let text = q.text.as_deref().and_then(TextQuery::new);
    let relevance = q.sort == AssetSort::Relevance;
    if relevance && text.is_none() {
        return Err(StoreError::Conflict(
            "sorting by relevance needs a search text with at least one word".into(),
        ));
    }
    let keys = sort_keys(q.sort);
    let cursor = q
        .cursor
        .as_deref()
        .map(|raw| {
            Cursor::decode(raw)
                .filter(|c| c.sort == q.sort.as_str() && c.keys.len() == keys.len())
                .ok_or(StoreError::InvalidCursor)
        })
        .transpose()?;
    if let (true, Some(t)) = (relevance, &text) {
        return if only_text(&q.filter) {
            let total = match &cursor {
                Some(c) => c.total,
                None => count(pool, q, text.as_ref()).await?,
            };
            relevance_in_fts(pool, q, t, cursor.as_ref(), total).await
        } else {
            relevance_filtered(pool, q, t, cursor.as_ref()).await
        };
    }
    let total = match &cursor {
        Some(c) => c.total,
        None => count(pool, q, text.as_ref()).await?,
    };

    // Step 1: the page's ids and sort keys.
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "SELECT asset.id AS id, {} AS k0 FROM asset",
        keys[0]
    ));
    push_filters(&mut qb, q, Tags::Filter);
    if let Some(t) = &text {
        qb.push(" AND asset.search_rowid IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH ")
            .push_bind(t.all.clone())
            .push(")");
    }
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(cursor) = &cursor {
        let id = uuid::Uuid::try_parse(&cursor.id).map_err(|_| StoreError::InvalidCursor)?;
        // Keyset pagination: rows strictly after the last one in the sort order, so pages
        // stay stable while new assets arrive.
        qb.push(format!(" AND ({}, asset.id) {cmp} (", keys.join(", ")));
        for value in &cursor.keys {
            match value {
                SortValue::Int(v) => qb.push_bind(*v),
                SortValue::Text(v) => qb.push_bind(v.clone()),
            };
            qb.push(", ");
        }
        qb.push_bind(id.as_bytes().to_vec()).push(")");
    }
    let order: Vec<String> = keys.iter().map(|k| format!("{k} {dir}")).collect();
    qb.push(format!(
        " ORDER BY {}, asset.id {dir} LIMIT ",
        order.join(", ")
    ))
    .push_bind(i64::from(q.limit) + 1);
    let found = qb
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend("search assets"))?;

    let more = found.len() > q.limit as usize;
    let found = &found[..found.len().min(q.limit as usize)];
    let ids: Vec<AssetId> = found
        .iter()
        .map(|row| rows::get(row, "id").and_then(uuid).map(AssetId))
        .collect::<Result<_, _>>()?;
    let items = rows_of(pool, &ids).await?;

    let next_cursor = match (found.last(), ids.last()) {
        (Some(row), Some(last)) if more => {
            let value = |col: &str| -> Result<SortValue, StoreError> {
                Ok(match q.sort {
                    AssetSort::Title if col == "k0" => SortValue::Text(rows::get(row, col)?),
                    _ => SortValue::Int(rows::get(row, col)?),
                })
            };
            Some(
                Cursor {
                    sort: q.sort.as_str().to_owned(),
                    keys: vec![value("k0")?],
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

/// Whether the filter names nothing but the namespace and the trash flag. Lists every
/// field, so that a new filter cannot be forgotten here.
fn only_text(f: &AssetFilter) -> bool {
    let AssetFilter {
        kinds,
        mime,
        status,
        tags,
        tag_match: _,
        collection,
        uploaded_by,
        created_from,
        created_to,
        taken_from,
        taken_to,
        size_min,
        size_max,
        width_min,
        width_max,
        height_min,
        height_max,
        orientation,
        has_gps,
        faces_min,
        faces_max,
        moderation,
        deleted: _,
        in_use,
    } = f;
    kinds.is_empty()
        && tags.is_empty()
        && mime.is_none()
        && status.is_none()
        && collection.is_none()
        && uploaded_by.is_none()
        && [created_from, created_to, taken_from, taken_to]
            .iter()
            .all(|t| t.is_none())
        && [size_min, size_max].iter().all(|v| v.is_none())
        && [width_min, width_max, height_min, height_max]
            .iter()
            .all(|v| v.is_none())
        && orientation.is_none()
        && has_gps.is_none()
        && faces_min.is_none()
        && faces_max.is_none()
        && moderation.is_none()
        && in_use.is_none()
}

/// Every match of the query, counted from indexes.
async fn count(
    pool: &SqlitePool,
    q: &AssetQuery,
    text: Option<&TextQuery>,
) -> Result<u64, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM ");
    match text {
        Some(t) if only_text(&q.filter) => {
            qb.push("asset_fts WHERE asset_fts MATCH ")
                .push_bind(t.scoped(q));
        }
        Some(t) => {
            qb.push(format!(
                "asset_fts CROSS JOIN asset INDEXED BY {} ON asset.search_rowid = asset_fts.rowid",
                search_index(q)
            ));
            push_filters(&mut qb, q, Tags::Filter);
            qb.push(" AND asset_fts MATCH ").push_bind(t.all.clone());
        }
        // Tagged assets are counted from the tag side: a tag's members, looked up by id,
        // are far fewer than the namespace's assets.
        None if !q.filter.tags.is_empty() && !q.filter.deleted => {
            qb.push("(SELECT at.asset_id AS member FROM asset_tag at JOIN tag t ON t.id = at.tag_id WHERE t.namespace_id = ")
                .push_bind(q.namespace.0)
                .push(" AND t.slug IN (");
            let slugs = unique_slugs(&q.filter);
            let mut list = qb.separated(", ");
            for slug in &slugs {
                list.push_bind(slug.clone());
            }
            qb.push(") GROUP BY at.asset_id");
            if q.filter.tag_match == TagMatch::All {
                qb.push(" HAVING count(*) = ").push_bind(slugs.len() as i64);
            }
            qb.push(") members CROSS JOIN asset INDEXED BY asset_live_by_id ON asset.id = members.member");
            push_filters(&mut qb, q, Tags::Joined);
        }
        None => {
            // Every filter column is in this index: the count never reads a row.
            qb.push(if q.filter.deleted {
                "asset"
            } else {
                "asset INDEXED BY asset_live_facets"
            });
            push_filters(&mut qb, q, Tags::Filter);
        }
    }
    let total: i64 = qb
        .build_query_scalar()
        .fetch_one(pool)
        .await
        .map_err(backend("count assets"))?;
    Ok(total as u64)
}

/// The rows of these assets, in the given order.
pub(crate) async fn rows_of(pool: &SqlitePool, ids: &[AssetId]) -> Result<Vec<Asset>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(concat!(
        "SELECT ",
        asset_columns!(),
        " FROM asset WHERE id IN ("
    ));
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.0.as_bytes().to_vec());
    }
    qb.push(")");
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

/// How [`push_filters`] treats the tag filter.
#[derive(Clone, Copy, PartialEq)]
enum Tags {
    /// As a condition on the asset.
    Filter,
    /// Left out: the query already reads the tags' members.
    Joined,
}

/// Appends ` WHERE …` with the namespace, the trash flag and every filter that is set.
fn push_filters(qb: &mut QueryBuilder<Sqlite>, q: &AssetQuery, tags: Tags) {
    let f: &AssetFilter = &q.filter;
    qb.push(" WHERE asset.namespace_id = ")
        .push_bind(q.namespace.0);
    qb.push(if f.deleted {
        " AND asset.deleted_at IS NOT NULL"
    } else {
        " AND asset.deleted_at IS NULL"
    });
    if !f.kinds.is_empty() {
        qb.push(" AND asset.kind IN (");
        let mut list = qb.separated(", ");
        for kind in &f.kinds {
            list.push_bind(kind.as_str());
        }
        qb.push(")");
    }
    match f.mime.as_deref() {
        Some(family) if family.ends_with("/*") => {
            let prefix = &family[..family.len() - 1];
            qb.push(" AND substr(asset.mime, 1, ")
                .push_bind(prefix.len() as i64)
                .push(") = ")
                .push_bind(prefix.to_owned());
        }
        Some(mime) => {
            qb.push(" AND asset.mime = ").push_bind(mime.to_owned());
        }
        None => {}
    }
    if let Some(status) = f.status {
        qb.push(" AND asset.status = ").push_bind(status.as_str());
    }
    if !f.tags.is_empty() && tags == Tags::Filter {
        let slugs = unique_slugs(f);
        qb.push(
            " AND asset.id IN (SELECT at.asset_id FROM asset_tag at JOIN tag t ON t.id = at.tag_id \
             WHERE t.namespace_id = ",
        )
        .push_bind(q.namespace.0)
        .push(" AND t.slug IN (");
        let mut list = qb.separated(", ");
        for slug in &slugs {
            list.push_bind(slug.clone());
        }
        qb.push(")");
        if f.tag_match == TagMatch::All {
            qb.push(" GROUP BY at.asset_id HAVING count(*) = ")
                .push_bind(slugs.len() as i64);
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
    pool: &SqlitePool,
    ns: NamespaceId,
) -> Result<Vec<(String, u64)>, StoreError> {
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT title || ' ' || original_filename || ' ' || coalesce(alt_text, '') || ' ' \
         || coalesce(description, '') FROM asset WHERE namespace_id = ? AND deleted_at IS NULL \
         UNION ALL SELECT name FROM tag WHERE namespace_id = ?",
    )
    .bind(ns.0)
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
        assert_eq!(
            t.all,
            "{title tags meta body} : (\"sun\"* \"set\"* \"x\"* \"img\"* \"01\"*)"
        );
        assert_eq!(
            t.title,
            "{title} : (\"sun\"* OR \"set\"* OR \"x\"* OR \"img\"* OR \"01\"*)"
        );
        assert!(TextQuery::new(" -- ").is_none());
    }
}
