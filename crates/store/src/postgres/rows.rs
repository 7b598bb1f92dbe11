//! Row mapping: PostgreSQL rows to domain types, and timestamps to epoch milliseconds.
//!
//! The same mapping as `sqlite/rows.rs`, with PostgreSQL's types: ids are `UUID`,
//! digests `BYTEA`, JSON columns `JSONB`, every integer `BIGINT` (read as i64).

use medialib_core::{
    Asset, AssetId, Job, JobId, JobPayload, NamespaceId, Sha256, StoreError, Timestamp, UserId,
    Variant,
};
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;

pub(crate) fn now_ms() -> i64 {
    to_ms(Timestamp::now_utc())
}

pub(crate) fn to_ms(t: Timestamp) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("unreadable {what} in database: {detail}"))
}

pub(crate) fn sha(bytes: Vec<u8>) -> Result<Sha256, StoreError> {
    <[u8; 32]>::try_from(bytes.as_slice())
        .map(Sha256)
        .map_err(|_| corrupt("sha256", "wrong length"))
}

pub(crate) fn parse<T: std::str::FromStr>(what: &str, s: String) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| corrupt(what, e))
}

/// A `JSONB` column decoded into `T`; a value that does not fit `T` is corrupt.
fn json<T: serde::de::DeserializeOwned>(
    what: &str,
    v: Option<Json<serde_json::Value>>,
) -> Result<Option<T>, StoreError> {
    v.map(|Json(v)| serde_json::from_value(v).map_err(|e| corrupt(what, e)))
        .transpose()
}

/// Drops U+0000, which PostgreSQL refuses in `TEXT` and as `\u0000` in `JSONB`, and
/// which files and clients may send (SQLite stores it).
pub(crate) fn strip_nul(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', ""))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A JSON value with U+0000 dropped from every string and key, as [`strip_nul`] does.
pub(crate) fn json_strip_nul(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(strip_nul(&s).into_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(json_strip_nul).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (strip_nul(&k).into_owned(), json_strip_nul(v)))
                .collect(),
        ),
        other => other,
    }
}

pub(crate) fn get<'r, T>(row: &'r PgRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(col).map_err(|e| corrupt(col, e))
}

/// Columns selected for an asset, as a literal for `concat!` (sqlx only takes
/// `&'static str` queries without an audit).
macro_rules! asset_columns {
    () => {
        "id, namespace_id, kind, status, mime, size, sha256, original_filename, title, \
         description, alt_text, is_public, width, height, frame_count, duration_s, page_count, \
         metadata, placeholder, error, uploaded_by, created_at, updated_at, deleted_at, taken_at, \
         focal_x, focal_y, moderation, \
         (SELECT count(*) FROM usage WHERE usage.asset_id = asset.id) AS usage_count"
    };
}
pub(crate) use asset_columns;

pub(crate) fn asset(row: &PgRow) -> Result<Asset, StoreError> {
    Ok(Asset {
        id: AssetId(get(row, "id")?),
        namespace: NamespaceId(get(row, "namespace_id")?),
        kind: parse("kind", get(row, "kind")?)?,
        status: parse("status", get(row, "status")?)?,
        mime: get(row, "mime")?,
        size: get::<i64>(row, "size")? as u64,
        sha256: sha(get(row, "sha256")?)?,
        original_filename: get(row, "original_filename")?,
        title: get(row, "title")?,
        description: get(row, "description")?,
        alt_text: get(row, "alt_text")?,
        is_public: get(row, "is_public")?,
        width: get::<Option<i64>>(row, "width")?.map(|v| v as u32),
        height: get::<Option<i64>>(row, "height")?.map(|v| v as u32),
        frame_count: get::<Option<i64>>(row, "frame_count")?.map(|v| v as u32),
        duration_s: get(row, "duration_s")?,
        page_count: get::<Option<i64>>(row, "page_count")?.map(|v| v as u32),
        metadata: json("metadata", get(row, "metadata")?)?,
        placeholder: json("placeholder", get(row, "placeholder")?)?,
        error: get(row, "error")?,
        uploaded_by: get::<Option<i64>>(row, "uploaded_by")?.map(UserId),
        created_at: from_ms(get(row, "created_at")?),
        updated_at: from_ms(get(row, "updated_at")?),
        deleted_at: get::<Option<i64>>(row, "deleted_at")?.map(from_ms),
        taken_at: get::<Option<i64>>(row, "taken_at")?.map(from_ms),
        usage_count: get::<i64>(row, "usage_count")? as u64,
        focal_point: match (get(row, "focal_x")?, get(row, "focal_y")?) {
            (Some(x), Some(y)) => medialib_core::FocalPoint::new(x, y),
            _ => None,
        },
        // Written only from the states' own names; an unknown one reads as unscored.
        moderation: get::<Option<String>>(row, "moderation")?.and_then(|m| m.parse().ok()),
    })
}

pub(crate) fn variant(row: &PgRow) -> Result<Variant, StoreError> {
    Ok(Variant {
        asset_id: AssetId(get(row, "asset_id")?),
        name: get(row, "name")?,
        format: parse("format", get(row, "format")?)?,
        width: get::<Option<i64>>(row, "width")?.map(|v| v as u32),
        height: get::<Option<i64>>(row, "height")?.map(|v| v as u32),
        duration_s: get(row, "duration_s")?,
        size: get::<i64>(row, "size")? as u64,
        sha256: sha(get(row, "sha256")?)?,
        storage_key: get(row, "storage_key")?,
        created_at: from_ms(get(row, "created_at")?),
    })
}

pub(crate) fn job(row: &PgRow) -> Result<Job, StoreError> {
    Ok(Job {
        id: JobId(get(row, "id")?),
        asset_id: AssetId(get(row, "asset_id")?),
        payload: JobPayload::from_stored(
            parse("job kind", get(row, "kind")?)?,
            get(row, "profile")?,
        )
        .ok_or_else(|| StoreError::Backend("a transcode job without a profile".into()))?,
        status: parse("job status", get(row, "status")?)?,
        progress: get::<i64>(row, "progress")?.clamp(0, 100) as u8,
        attempts: get::<i64>(row, "attempts")? as u32,
        max_attempts: get::<i64>(row, "max_attempts")? as u32,
        run_after: from_ms(get(row, "run_after")?),
        error: get(row, "error")?,
        created_at: from_ms(get(row, "created_at")?),
        updated_at: from_ms(get(row, "updated_at")?),
    })
}
