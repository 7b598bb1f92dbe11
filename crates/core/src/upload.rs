//! Upload sessions: an upload created with its length and filled piece by piece, by any
//! API node, before it is ingested as an asset.
//!
//! - tus 1.0 (<https://tus.io/protocols/resumable-upload>): `PATCH` requests at increasing
//!   offsets, one at a time;
//! - chunked uploads: chunks of a fixed size, by index, in any order and in parallel.
//!
//! A request that writes a session holds its lease (a row lease in the metadata store,
//! with an expiry), so two nodes never write the same session at once.

use std::collections::BTreeMap;

use crate::{AssetId, NamespaceId, Timestamp, UploadId, UserId};

/// The part an upload plays in the tus concatenation extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concat {
    /// A piece of a larger file, uploaded in parallel with the others; never ingested by
    /// itself (`Upload-Concat: partial`).
    Partial,
    /// The file assembled from these partial uploads, in order (`Upload-Concat: final;…`).
    Final(Vec<UploadId>),
}

/// An upload session. Its bytes live outside the metadata store (in a local file named
/// after the id, or as part objects in the blob store); the store keeps how many have
/// arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadSession {
    /// Its id.
    pub id: UploadId,
    /// The namespace the asset will belong to.
    pub namespace: NamespaceId,
    /// Who created it: nobody else may read, fill or delete it.
    pub user: UserId,
    /// Total size in bytes (`Upload-Length`).
    pub length: u64,
    /// Bytes received so far (`Upload-Offset`).
    pub offset: u64,
    /// `Upload-Metadata`, decoded: filename, filetype, title, tags, collection, ….
    pub metadata: BTreeMap<String, String>,
    /// Its part in a concatenation, if any.
    pub concat: Option<Concat>,
    /// The size of every chunk but the last, in bytes, for a chunked upload; `None` for
    /// tus.
    pub chunk_size: Option<u64>,
    /// The asset the finished upload became (a new asset or the duplicate it matched).
    pub asset: Option<AssetId>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it is removed: an unfinished upload with its bytes, a finished one (kept so
    /// that a client can still learn its asset) with its record.
    pub expires_at: Timestamp,
}

impl UploadSession {
    /// Whether every byte has arrived (tus; a chunked upload counts its chunks instead).
    pub fn is_complete(&self) -> bool {
        self.offset == self.length
    }

    /// How many chunks a chunked upload has: `None` for tus.
    pub fn total_chunks(&self) -> Option<u64> {
        self.chunk_size.map(|size| self.length.div_ceil(size))
    }

    /// The size in bytes of chunk `index` of a chunked upload; `None` for tus, or an index
    /// past the last chunk.
    pub fn chunk_len(&self, index: u64) -> Option<u64> {
        let size = self.chunk_size?;
        let start = index.checked_mul(size).filter(|s| *s < self.length)?;
        Some(size.min(self.length - start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(length: u64, chunk_size: u64) -> UploadSession {
        let now = Timestamp::now_utc();
        UploadSession {
            id: UploadId::new(),
            namespace: NamespaceId(1),
            user: UserId(1),
            length,
            offset: 0,
            metadata: BTreeMap::new(),
            concat: None,
            chunk_size: Some(chunk_size),
            asset: None,
            created_at: now,
            expires_at: now,
        }
    }

    #[test]
    fn the_last_chunk_holds_the_remainder() {
        let s = chunked(10, 4);
        assert_eq!(s.total_chunks(), Some(3));
        assert_eq!(
            (0..4).map(|i| s.chunk_len(i)).collect::<Vec<_>>(),
            [Some(4), Some(4), Some(2), None]
        );
        let even = chunked(8, 4);
        assert_eq!(even.total_chunks(), Some(2));
        assert_eq!(even.chunk_len(1), Some(4));
        assert_eq!(even.chunk_len(u64::MAX), None);
    }
}
