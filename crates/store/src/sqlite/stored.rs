//! The blobs the metadata references, one table at a time in storage-key order (the
//! pages are made in `crate::stored`).

use medialib_core::StoreError;
use medialib_core::store::StoredBlob;
use sqlx::SqlitePool;

use super::backend;
use super::rows::sha;

/// Up to `limit` rows of `table` (`blob` or `variant`) whose keys sort after `after`.
pub(crate) async fn read(
    pool: &SqlitePool,
    table: &'static str,
    after: String,
    limit: u32,
) -> Result<Vec<StoredBlob>, StoreError> {
    let sql = format!(
        "SELECT storage_key, size, sha256 FROM {table} WHERE storage_key > ?1
         ORDER BY storage_key LIMIT ?2"
    );
    let rows: Vec<(String, i64, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(backend("read stored blobs"))?;
    crate::stored::blobs(rows, sha)
}
