//! The blobs the metadata references, page by page in storage-key order: what a
//! verification of the blob store, or a copy to another store, walks.

use medialib_core::StoreError;
use medialib_core::store::StoredBlob;
use sqlx::PgPool;

use super::backend;
use super::rows::sha;

/// See [`medialib_core::MetadataStore::stored_blobs`]. Originals' keys (`originals/…`) sort
/// before variants' (`variants/…`), so a page reads the blob table first and the variant
/// table after it, each in the order of its own storage-key index.
pub(crate) async fn page(
    pool: &PgPool,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<StoredBlob>, StoreError> {
    let after = after.unwrap_or("");
    let mut page = read(pool, "blob", after, limit).await?;
    if (page.len() as u32) < limit {
        let after = page.last().map_or(after, |b| b.key.as_str()).to_owned();
        let rest = read(pool, "variant", &after, limit - page.len() as u32).await?;
        page.extend(rest);
    }
    Ok(page)
}

/// Up to `limit` rows of `table` (`blob` or `variant`) whose keys sort after `after`.
async fn read(
    pool: &PgPool,
    table: &'static str,
    after: &str,
    limit: u32,
) -> Result<Vec<StoredBlob>, StoreError> {
    let sql = format!(
        "SELECT storage_key, size, sha256 FROM {table} WHERE storage_key > $1
         ORDER BY storage_key LIMIT $2"
    );
    let rows: Vec<(String, i64, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(backend("read stored blobs"))?;
    rows.into_iter()
        .map(|(key, size, sha256)| {
            Ok(StoredBlob {
                key,
                size: size as u64,
                sha256: sha(sha256)?,
            })
        })
        .collect()
}
