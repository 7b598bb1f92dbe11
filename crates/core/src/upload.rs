//! Resumable upload sessions (tus 1.0, <https://tus.io/protocols/resumable-upload>): an
//! upload created with its length, filled by `PATCH` requests at increasing offsets,
//! and ingested as an asset once every byte has arrived.

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

/// An upload session. Its bytes live outside the metadata store (the server keeps them
/// in a file named after the id); the store keeps how many have arrived.
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
    /// The asset the finished upload became (a new asset or the duplicate it matched).
    pub asset: Option<AssetId>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it is removed: an unfinished upload with its bytes, a finished one (kept so
    /// that a client can still learn its asset) with its record.
    pub expires_at: Timestamp,
}

impl UploadSession {
    /// Whether every byte has arrived.
    pub fn is_complete(&self) -> bool {
        self.offset == self.length
    }
}
