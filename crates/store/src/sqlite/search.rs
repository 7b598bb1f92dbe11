//! Searching assets: FTS5 full-text matching, filters, sort orders and keyset pages.
//!
//! One query shape serves every request: `asset` (joined to the relevance scores of the
//! full-text hits when sorting by relevance), the filters as a WHERE clause, the keyset
//! condition `(keys…, id) > (cursor…)` as a row value, and `ORDER BY keys…, id`.

use medialib_core::store::{
    AssetFilter, AssetQuery, AssetSort, Orientation, Page, TagMatch, search_words,
};
use medialib_core::{Asset, StoreError};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::backend;
use super::rows::{self, asset_columns, to_ms};
use crate::cursor::{Cursor, SortValue};

/// Relevance per asset, computed from the asset alone (see [`AssetSort::Relevance`]):
/// `highlight` marks matched words with `char(1)`, so a column scores when it has one
/// (an empty column is NULL, hence the `coalesce`). `MATERIALIZED` keeps the full-text
/// match driving the scan: `highlight` needs the match's position lists.
const SCORED_HITS: &str = "WITH hits AS MATERIALIZED (SELECT rowid AS hit_rowid, \
     8 * coalesce(instr(highlight(asset_fts, 0, char(1), ''), char(1)) > 0, 0) \
     + 4 * coalesce(instr(highlight(asset_fts, 1, char(1), ''), char(1)) > 0, 0) \
     + 2 * coalesce(instr(highlight(asset_fts, 2, char(1), ''), char(1)) > 0, 0) + 1 AS score \
     FROM asset_fts WHERE asset_fts MATCH ";

/// The FTS5 query for a search text: every word, each as a quoted prefix (`"sun"*`), all
/// required. `None` when the text has no words.
fn match_expression(text: &str) -> Option<String> {
    let words = search_words(text);
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The sort key expressions, in order, before the id.
fn sort_keys(sort: AssetSort) -> &'static [&'static str] {
    match sort {
        AssetSort::Relevance => &["hits.score", "asset.created_at"],
        AssetSort::CreatedAt => &["asset.created_at"],
        AssetSort::TakenAt => &["coalesce(asset.taken_at, asset.created_at)"],
        AssetSort::Title => &["asset.title COLLATE NOCASE"],
        AssetSort::Size => &["asset.size"],
    }
}

pub(crate) async fn list(pool: &SqlitePool, q: &AssetQuery) -> Result<Page<Asset>, StoreError> {
    let fts = q.text.as_deref().and_then(match_expression);
    let relevance = q.sort == AssetSort::Relevance;
    if relevance && fts.is_none() {
        return Err(StoreError::Conflict(
            "sorting by relevance needs a search text with at least one word".into(),
        ));
    }

    let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM asset");
    push_filters(&mut count, q, fts.as_deref());
    let total: i64 = count
        .build_query_scalar()
        .fetch_one(pool)
        .await
        .map_err(backend("count assets"))?;

    let keys = sort_keys(q.sort);
    let mut qb = QueryBuilder::<Sqlite>::new("");
    if relevance {
        qb.push(SCORED_HITS)
            .push_bind(fts.clone())
            .push(") SELECT ")
            .push(asset_columns!())
            .push(
                ", hits.score AS score FROM asset JOIN hits ON hits.hit_rowid = asset.search_rowid",
            );
    } else {
        qb.push(concat!("SELECT ", asset_columns!(), " FROM asset"));
    }
    // With relevance, the hits join already applies the text match.
    push_filters(&mut qb, q, if relevance { None } else { fts.as_deref() });

    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(raw) = &q.cursor {
        let cursor = Cursor::decode(raw)
            .filter(|c| c.sort == q.sort.as_str() && c.keys.len() == keys.len())
            .ok_or(StoreError::InvalidCursor)?;
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
    let mut items = Vec::with_capacity(found.len().min(q.limit as usize));
    let mut last_score = 0;
    for row in found.iter().take(q.limit as usize) {
        items.push(rows::asset(row)?);
        if relevance {
            last_score = sqlx::Row::try_get(row, "score").map_err(backend("read score"))?;
        }
    }
    let next_cursor = match items.last() {
        Some(last) if more => {
            let keys = match q.sort {
                AssetSort::Relevance => vec![
                    SortValue::Int(last_score),
                    SortValue::Int(to_ms(last.created_at)),
                ],
                AssetSort::CreatedAt => vec![SortValue::Int(to_ms(last.created_at))],
                AssetSort::TakenAt => vec![SortValue::Int(to_ms(
                    last.taken_at.unwrap_or(last.created_at),
                ))],
                AssetSort::Title => vec![SortValue::Text(last.title.clone())],
                AssetSort::Size => vec![SortValue::Int(last.size as i64)],
            };
            Some(
                Cursor {
                    sort: q.sort.as_str().to_owned(),
                    keys,
                    id: last.id.0.simple().to_string(),
                }
                .encode(),
            )
        }
        _ => None,
    };
    Ok(Page {
        items,
        next_cursor,
        total: total as u64,
    })
}

/// Appends ` WHERE …` with the namespace, the trash flag, the text match (`fts`) and
/// every filter that is set.
fn push_filters(qb: &mut QueryBuilder<Sqlite>, q: &AssetQuery, fts: Option<&str>) {
    let f: &AssetFilter = &q.filter;
    qb.push(" WHERE asset.namespace_id = ")
        .push_bind(q.namespace.0);
    qb.push(if f.deleted {
        " AND asset.deleted_at IS NOT NULL"
    } else {
        " AND asset.deleted_at IS NULL"
    });
    if let Some(fts) = fts {
        qb.push(" AND asset.search_rowid IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH ")
            .push_bind(fts.to_owned())
            .push(")");
    }
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
    if !f.tags.is_empty() {
        let mut slugs = f.tags.clone();
        slugs.sort();
        slugs.dedup();
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
    let bounds: [(&str, &str, Option<i64>); 6] = [
        ("asset.size", ">=", f.size_min.map(|v| v as i64)),
        ("asset.size", "<=", f.size_max.map(|v| v as i64)),
        ("asset.width", ">=", f.width_min.map(i64::from)),
        ("asset.width", "<=", f.width_max.map(i64::from)),
        ("asset.height", ">=", f.height_min.map(i64::from)),
        ("asset.height", "<=", f.height_max.map(i64::from)),
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
    if let Some(in_use) = f.in_use {
        qb.push(if in_use { " AND " } else { " AND NOT " })
            .push("EXISTS (SELECT 1 FROM usage WHERE usage.asset_id = asset.id)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_becomes_required_prefixes() {
        assert_eq!(
            match_expression("Sun SET \"x\" IMG_01").as_deref(),
            Some("\"sun\"* \"set\"* \"x\"* \"img\"* \"01\"*")
        );
        assert_eq!(match_expression(" -- "), None);
    }
}
