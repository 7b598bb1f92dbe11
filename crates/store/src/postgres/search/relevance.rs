//! Relevance pages: the scores of full-text hits (title 8, tags 4, filename, alt text
//! and camera 2, +1; see [`AssetSort::Relevance`](medialib_core::store::AssetSort::Relevance)),
//! ranked with the upload order, and keyset pages over (score, upload order).
//!
//! A group scores when any word matches a lexeme of its tsvector weight (`'sun':*A`):
//! the score depends on the asset alone, as in SQLite, never on `ts_rank`.

use medialib_core::store::{AssetQuery, Page};
use medialib_core::{Asset, AssetId, StoreError};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{TextQuery, push_filters, push_tsquery, rows_of};
use crate::cursor::{Cursor, SortValue};
use crate::postgres::backend;

/// Appends the relevance score of the row `asset` for the text `t`, as a BIGINT.
fn push_score(qb: &mut QueryBuilder<Postgres>, t: &TextQuery) {
    qb.push("(");
    for (weight, group) in [(8, &t.title), (4, &t.tags), (2, &t.meta)] {
        qb.push(format!("{weight} * (asset.search_doc @@ "));
        push_tsquery(qb, group);
        qb.push(")::INT + ");
    }
    qb.push("1)::BIGINT");
}

/// A relevance page, in one query: the full-text hits that pass the filters, their
/// scores, their count (on a first page: the sort reads them all anyway) and the page.
///
/// The upload order (`search_rowid`) is unique, so it settles every tie and the id is
/// never compared; the cursor still names the last asset, as SQLite's does.
pub(super) async fn page(
    pool: &PgPool,
    q: &AssetQuery,
    t: &TextQuery,
    cursor: Option<&Cursor>,
) -> Result<Page<Asset>, StoreError> {
    let mut qb =
        QueryBuilder::<Postgres>::new("SELECT id, score, seq, total FROM (SELECT asset.id AS id, ");
    push_score(&mut qb, t);
    qb.push(" AS score, asset.search_rowid AS seq, ");
    qb.push(if cursor.is_some() {
        "0::BIGINT"
    } else {
        "count(*) OVER ()"
    });
    qb.push(" AS total FROM asset");
    push_filters(&mut qb, q, Some(t));
    qb.push(") AS hits");
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(cursor) = cursor {
        let [SortValue::Int(score), SortValue::Int(seq)] = cursor.keys[..] else {
            return Err(StoreError::InvalidCursor);
        };
        qb.push(format!(" WHERE (score, seq) {cmp} ("))
            .push_bind(score)
            .push(", ")
            .push_bind(seq)
            .push(")");
    }
    qb.push(format!(" ORDER BY score {dir}, seq {dir} LIMIT "))
        .push_bind(i64::from(q.limit) + 1);
    let mut ranked: Vec<(Uuid, i64, i64, i64)> = qb
        .build_query_as()
        .persistent(false)
        .fetch_all(pool)
        .await
        .map_err(backend("search assets"))?;
    let total = match (cursor, ranked.first()) {
        (Some(c), _) => c.total,
        (None, Some(first)) => first.3 as u64,
        (None, None) => 0,
    };

    let more = ranked.len() > q.limit as usize;
    ranked.truncate(q.limit as usize);
    let ids: Vec<AssetId> = ranked.iter().map(|(id, ..)| AssetId(*id)).collect();
    let items = rows_of(pool, &ids).await?;
    let next_cursor = match ranked.last() {
        Some((last, score, seq, _)) if more => Some(
            Cursor {
                sort: q.sort.as_str().to_owned(),
                keys: vec![SortValue::Int(*score), SortValue::Int(*seq)],
                id: last.simple().to_string(),
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
