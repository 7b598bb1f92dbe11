//! The blob store seam: where the bytes of originals and variants live.

use std::ops::Range;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

use crate::{AssetId, JobId, NamespaceId, OutputFormat, Sha256};

/// A key in the blob store: a `/`-separated relative path of safe characters.
///
/// Layout:
/// - originals: `originals/{namespace}/{sha[0..2]}/{sha[2..4]}/{sha}` (content-addressed,
///   so an original is stored once per namespace);
/// - variants: `variants/{asset_id}/{name}.{ext}`;
/// - renditions: `variants/{asset_id}/{name}.{job_id}.{ext}` (one key per transcode run, so a
///   cancelled re-run never touches the rendition it would have replaced).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageKey(String);

impl StorageKey {
    /// The key of an original with this content hash in this namespace.
    pub fn original(namespace: NamespaceId, sha: &Sha256) -> Self {
        let hex = sha.to_string();
        Self(format!(
            "originals/{}/{}/{}/{hex}",
            namespace.0,
            &hex[0..2],
            &hex[2..4]
        ))
    }

    /// The key of an asset's variant.
    pub fn variant(asset: AssetId, name: &str, format: OutputFormat) -> Self {
        Self(format!("variants/{asset}/{name}.{}", format.extension()))
    }

    /// The key of a rendition made by transcode job `job`.
    pub fn rendition(asset: AssetId, name: &str, job: JobId, format: OutputFormat) -> Self {
        Self(format!(
            "variants/{asset}/{name}.{}.{}",
            job.0.simple(),
            format.extension()
        ))
    }

    /// Rebuilds a key read back from the metadata store.
    pub fn from_stored(key: String) -> Self {
        Self(key)
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A failure of the blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob has this key.
    #[error("blob {0} not found")]
    NotFound(String),
    /// The backend failed (disk, network); the message names the key and the cause.
    #[error("blob store: {0}")]
    Backend(String),
}

/// A stream of byte chunks read from a blob.
pub type ByteStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// Stores bytes under [`StorageKey`]s. Writes are atomic: a reader sees all of a blob or
/// none of it. Implemented over `object_store` by `medialib-blob`.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores the file at `path` under `key`, replacing any blob there. The file must not
    /// change afterwards (it may be deleted): a local store may link it instead of copying.
    async fn put_file(&self, key: &StorageKey, path: &Path) -> Result<(), BlobError>;
    /// Stores `bytes` under `key`, replacing any blob there.
    async fn put_bytes(&self, key: &StorageKey, bytes: Bytes) -> Result<(), BlobError>;
    /// Reads a whole blob into memory (for processing originals and small blobs).
    async fn get_bytes(&self, key: &StorageKey) -> Result<Bytes, BlobError>;
    /// Streams the bytes `range` (end exclusive) of a blob.
    async fn get_range(&self, key: &StorageKey, range: Range<u64>)
    -> Result<ByteStream, BlobError>;
    /// Deletes a blob; deleting a missing blob succeeds.
    async fn delete(&self, key: &StorageKey) -> Result<(), BlobError>;
    /// Whether a blob exists under `key`.
    async fn exists(&self, key: &StorageKey) -> Result<bool, BlobError>;
    /// The blob as a file on this machine, when the store keeps it in one (the local
    /// filesystem backend), so that ffmpeg and poppler can read it without a copy.
    /// `None` for remote stores: callers then copy the blob to a temporary file.
    fn local_path(&self, key: &StorageKey) -> Option<PathBuf>;
}
