//! Relevance pages: the scores of full-text hits (title 8, tags 4, filename, alt text
//! and camera 2, +1; see [`AssetSort::Relevance`](medialib_core::store::AssetSort::Relevance)), ranked with the upload order, and
//! keyset pages over (score, upload order, id).

use std::collections::HashMap;

use medialib_core::store::{AssetQuery, Page};
use medialib_core::{Asset, AssetId, StoreError};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::{Tags, TextQuery, push_filters, rows_of, search_index};
use crate::cursor::{Cursor, SortValue};
use crate::sqlite::backend;
use crate::sqlite::rows::uuid;

/// Appends the relevance score of the full-text row `rowid` (an SQL expression) for the
/// text `t`: a column group scores when any word matches in it (see
/// [`AssetSort::Relevance`](medialib_core::store::AssetSort::Relevance)). Each group is one more full-text lookup, built once per
/// query, far cheaper than re-reading the text (`highlight`).
fn push_score(qb: &mut QueryBuilder<Sqlite>, t: &TextQuery, rowid: &str) {
    for (weight, group) in [(8, &t.title), (4, &t.tags), (2, &t.meta)] {
        qb.push(format!(
            "{weight} * ({rowid} IN (SELECT rowid FROM asset_fts WHERE asset_fts MATCH "
        ))
        .push_bind(group.clone())
        .push(")) + ");
    }
    qb.push("1");
}

/// Appends ` ORDER BY score, seq, id LIMIT n` in the query's direction, after ` WHERE
/// (score, seq, id) < cursor` on a later page. `id` is left out when `seq` is unique.
fn push_relevance_page(
    qb: &mut QueryBuilder<Sqlite>,
    q: &AssetQuery,
    cursor: Option<&Cursor>,
    id: Option<&str>,
) -> Result<(), StoreError> {
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(cursor) = cursor {
        let [SortValue::Int(score), SortValue::Int(seq)] = cursor.keys[..] else {
            return Err(StoreError::InvalidCursor);
        };
        let id_key = id.map(|id| format!(", {id}")).unwrap_or_default();
        qb.push(format!(" WHERE (score, seq{id_key}) {cmp} ("))
            .push_bind(score)
            .push(", ")
            .push_bind(seq);
        if id.is_some() {
            let id = uuid::Uuid::try_parse(&cursor.id).map_err(|_| StoreError::InvalidCursor)?;
            qb.push(", ").push_bind(id.as_bytes().to_vec());
        }
        qb.push(")");
    }
    let id_order = id.map(|id| format!(", {id} {dir}")).unwrap_or_default();
    qb.push(format!(" ORDER BY score {dir}, seq {dir}{id_order} LIMIT "))
        .push_bind(i64::from(q.limit) + 1);
    Ok(())
}

/// A relevance page of a text search with filters, in one query: the full-text hits
/// that pass the filters (read from a covering index), then the scores of those alone,
/// their count (on a first page) and the page.
pub(super) async fn relevance_filtered(
    pool: &SqlitePool,
    q: &AssetQuery,
    t: &TextQuery,
    cursor: Option<&Cursor>,
) -> Result<Page<Asset>, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "WITH found AS MATERIALIZED (SELECT asset.id AS id, asset.search_rowid AS seq \
         FROM asset_fts CROSS JOIN asset INDEXED BY {} ON asset.search_rowid = asset_fts.rowid",
        search_index(q)
    ));
    push_filters(&mut qb, q, Tags::Filter);
    qb.push(" AND asset_fts MATCH ")
        .push_bind(t.all.clone())
        .push("), scored AS (SELECT id, seq, ");
    push_score(&mut qb, t, "seq");
    qb.push(" AS score FROM found) SELECT id, score, seq, ");
    // The count of every match rides along on a first page: the sort reads them all.
    qb.push(if cursor.is_some() {
        "0"
    } else {
        "count(*) OVER ()"
    });
    qb.push(" FROM scored");
    push_relevance_page(&mut qb, q, cursor, Some("id"))?;
    let found: Vec<(Vec<u8>, i64, i64, i64)> = qb
        .build_query_as()
        .fetch_all(pool)
        .await
        .map_err(backend("search assets"))?;
    let total = match (cursor, found.first()) {
        (Some(c), _) => c.total,
        (None, Some(first)) => first.3 as u64,
        (None, None) => 0,
    };
    let ranked = found
        .into_iter()
        .map(|(id, score, seq, _)| Ok((AssetId(uuid(id)?), score, seq)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    page(pool, q, ranked, total).await
}

/// A relevance page of a text-only search, ranked and paged inside FTS5: the scope token
/// stands for the namespace and trash filters, and the upload order is the full-text
/// rowid, so only the page's 50 rows are read from the asset table.
pub(super) async fn relevance_in_fts(
    pool: &SqlitePool,
    q: &AssetQuery,
    t: &TextQuery,
    cursor: Option<&Cursor>,
    total: u64,
) -> Result<Page<Asset>, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new("WITH hits AS MATERIALIZED (SELECT rowid AS seq, ");
    push_score(&mut qb, t, "rowid");
    qb.push(" AS score FROM asset_fts WHERE asset_fts MATCH ")
        .push_bind(t.scoped(q))
        .push(") SELECT seq, score FROM hits");
    push_relevance_page(&mut qb, q, cursor, None)?;
    let found: Vec<(i64, i64)> = qb
        .build_query_as()
        .fetch_all(pool)
        .await
        .map_err(backend("search assets"))?;
    let mut ids_of =
        QueryBuilder::<Sqlite>::new("SELECT search_rowid, id FROM asset WHERE search_rowid IN (");
    let mut list = ids_of.separated(", ");
    for (seq, _) in &found {
        list.push_bind(*seq);
    }
    ids_of.push(")");
    let by_seq: HashMap<i64, Vec<u8>> = if found.is_empty() {
        HashMap::new()
    } else {
        ids_of
            .build_query_as::<(i64, Vec<u8>)>()
            .fetch_all(pool)
            .await
            .map_err(backend("find assets"))?
            .into_iter()
            .collect()
    };
    let ranked = found
        .into_iter()
        .filter_map(|(seq, score)| by_seq.get(&seq).map(|id| (id.clone(), score, seq)))
        .map(|(id, score, seq)| Ok((AssetId(uuid(id)?), score, seq)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    page(pool, q, ranked, total).await
}

/// The page of `ranked` (asset, score, upload sequence; one more than the limit when a
/// next page follows): its rows, and the cursor after its last item.
async fn page(
    pool: &SqlitePool,
    q: &AssetQuery,
    mut ranked: Vec<(AssetId, i64, i64)>,
    total: u64,
) -> Result<Page<Asset>, StoreError> {
    let more = ranked.len() > q.limit as usize;
    ranked.truncate(q.limit as usize);
    let ids: Vec<AssetId> = ranked.iter().map(|(id, ..)| *id).collect();
    let items = rows_of(pool, &ids).await?;
    let next_cursor = match ranked.last() {
        Some((last, score, seq)) if more => Some(
            Cursor {
                sort: q.sort.as_str().to_owned(),
                keys: vec![SortValue::Int(*score), SortValue::Int(*seq)],
                id: last.0.simple().to_string(),
                total,
            }
            .encode(),
        ),
        _ => None,
    };
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}
