//! The expected answer to a search, computed in memory from the model: the oracle the
//! store's SQL is checked against.

use std::cmp::Ordering;

use medialib_core::store::{
    AssetQuery, AssetSort, Orientation, TagMatch, UNDATED_SHIFT_MS, search_words,
};
use medialib_core::{AssetId, Timestamp};

use crate::library::Model;

fn ms(t: Timestamp) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn tokens<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    texts.into_iter().flat_map(search_words).collect()
}

/// The four indexed columns of an asset: title, tag names, filename/alt/camera, and
/// description/extracted text.
fn columns(a: &Model) -> [Vec<String>; 4] {
    let camera = a.camera.iter().flat_map(|(m, n)| [m.as_str(), n.as_str()]);
    [
        tokens([a.title.as_str()]),
        tokens(a.tags.iter().map(String::as_str)),
        tokens(
            [Some(a.filename.as_str()), a.alt_text.as_deref()]
                .into_iter()
                .flatten()
                .chain(camera),
        ),
        tokens(
            [a.description.as_deref(), a.text.as_deref()]
                .into_iter()
                .flatten(),
        ),
    ]
}

/// The relevance score when every word matches (as a prefix) somewhere; `None` otherwise.
pub fn score(a: &Model, words: &[String]) -> Option<i64> {
    let cols = columns(a);
    let hit = |col: &[String], w: &str| col.iter().any(|t| t.starts_with(w));
    if !words.iter().all(|w| cols.iter().any(|c| hit(c, w))) {
        return None;
    }
    let any = |col: &[String]| words.iter().any(|w| hit(col, w));
    Some(8 * any(&cols[0]) as i64 + 4 * any(&cols[1]) as i64 + 2 * any(&cols[2]) as i64 + 1)
}

fn slug(name: &str) -> String {
    medialib_core::organise::slugify(name)
}

fn between<T: PartialOrd>(
    v: Option<T>,
    min: Option<T>,
    max: Option<T>,
    max_inclusive: bool,
) -> bool {
    let Some(v) = v else {
        return min.is_none() && max.is_none();
    };
    min.is_none_or(|m| v >= m) && max.is_none_or(|m| if max_inclusive { v <= m } else { v < m })
}

pub fn matches(a: &Model, q: &AssetQuery) -> bool {
    let f = &q.filter;
    if a.deleted != f.deleted {
        return false;
    }
    if let Some(text) = &q.text {
        let words = search_words(text);
        if !words.is_empty() && score(a, &words).is_none() {
            return false;
        }
    }
    let slugs: Vec<String> = a.tags.iter().map(|t| slug(t)).collect();
    let tags_ok = f.tags.is_empty()
        || match f.tag_match {
            TagMatch::All => f.tags.iter().all(|t| slugs.contains(t)),
            TagMatch::Any => f.tags.iter().any(|t| slugs.contains(t)),
        };
    let mime_ok = match f.mime.as_deref() {
        Some(family) if family.ends_with("/*") => a.mime.starts_with(&family[..family.len() - 1]),
        Some(mime) => a.mime == mime,
        None => true,
    };
    let orientation_ok = match (f.orientation, a.width, a.height) {
        (None, _, _) => true,
        (Some(o), Some(w), Some(h)) => match o {
            Orientation::Landscape => w > h,
            Orientation::Portrait => w < h,
            Orientation::Square => w == h,
        },
        _ => false,
    };
    (f.kinds.is_empty() || f.kinds.contains(&a.kind))
        && mime_ok
        && f.status.is_none_or(|s| s == a.status)
        && tags_ok
        && f.collection.is_none_or(|c| a.collections.contains(&c))
        && f.uploaded_by.is_none_or(|u| a.uploaded_by == Some(u))
        && between(Some(a.created_at), f.created_from, f.created_to, false)
        && between(a.taken_at, f.taken_from, f.taken_to, false)
        && between(Some(a.size), f.size_min, f.size_max, true)
        && between(a.width, f.width_min, f.width_max, true)
        && between(a.height, f.height_min, f.height_max, true)
        && orientation_ok
        && f.has_gps.is_none_or(|g| g == a.has_gps)
        && f.in_use.is_none_or(|u| u == a.in_use)
}

#[derive(PartialEq, PartialOrd)]
enum Key {
    Int(i64),
    Text(String),
}

fn keys(a: &Model, q: &AssetQuery) -> Vec<Key> {
    match q.sort {
        AssetSort::Relevance => {
            let words = search_words(q.text.as_deref().unwrap_or_default());
            vec![
                Key::Int(score(a, &words).unwrap_or(0)),
                Key::Int(a.seq as i64),
            ]
        }
        AssetSort::CreatedAt => vec![Key::Int(ms(a.created_at))],
        AssetSort::TakenAt => vec![Key::Int(
            a.taken_at.map_or(ms(a.created_at) - UNDATED_SHIFT_MS, ms),
        )],
        AssetSort::Title => vec![Key::Text(a.title.to_ascii_lowercase())],
        AssetSort::Size => vec![Key::Int(a.size as i64)],
    }
}

/// Compares two assets in the query's order (keys, then id, all in one direction).
pub fn order(a: &Model, b: &Model, q: &AssetQuery) -> Ordering {
    let ka = keys(a, q);
    let kb = keys(b, q);
    let o = ka
        .partial_cmp(&kb)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.id.cmp(&b.id));
    if q.descending { o.reverse() } else { o }
}

/// Every matching asset of the model, in the query's order.
pub fn expected(models: &[Model], q: &AssetQuery) -> Vec<AssetId> {
    let mut hits: Vec<&Model> = models.iter().filter(|a| matches(a, q)).collect();
    hits.sort_by(|a, b| order(a, b, q));
    hits.into_iter().map(|a| a.id).collect()
}
