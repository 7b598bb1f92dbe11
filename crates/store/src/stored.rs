//! The blobs the metadata references, page by page in storage-key order: what a
//! verification of the blob store, or a copy to another store, walks. Each backend reads
//! one table at a time; this is how a page is made of the two.

use std::future::Future;

use medialib_core::store::StoredBlob;
use medialib_core::{Sha256, StoreError};

/// See [`medialib_core::MetadataStore::stored_blobs`]. Originals' keys (`originals/…`) sort
/// before variants' (`variants/…`), so a page reads the blob table first and the variant
/// table after it, each in the order of its own storage-key index. `read(table, after,
/// limit)` gives up to `limit` rows of `table` (`blob` or `variant`) whose keys sort
/// after `after`, in key order.
pub(crate) async fn page<F, Fut>(
    after: Option<&str>,
    limit: u32,
    read: F,
) -> Result<Vec<StoredBlob>, StoreError>
where
    F: Fn(&'static str, String, u32) -> Fut,
    Fut: Future<Output = Result<Vec<StoredBlob>, StoreError>>,
{
    let after = after.unwrap_or("").to_owned();
    let mut page = read("blob", after.clone(), limit).await?;
    if (page.len() as u32) < limit {
        let after = page.last().map_or(after, |b| b.key.clone());
        let rest = read("variant", after, limit - page.len() as u32).await?;
        page.extend(rest);
    }
    Ok(page)
}

/// One table's rows as the backends read them (storage key, size in bytes, SHA-256 as
/// bytes), checked with the backend's `sha`.
pub(crate) fn blobs(
    rows: Vec<(String, i64, Vec<u8>)>,
    sha: impl Fn(Vec<u8>) -> Result<Sha256, StoreError>,
) -> Result<Vec<StoredBlob>, StoreError> {
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
