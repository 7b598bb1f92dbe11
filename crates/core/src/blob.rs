//! The blob store seam: where the bytes of originals and variants live.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

use crate::{AssetId, Lease, NamespaceId, OutputFormat, Sha256, UploadId};

/// A key in the blob store: a `/`-separated relative path of safe characters.
///
/// Layout:
/// - originals: `originals/{namespace}/{sha[0..2]}/{sha[2..4]}/{sha}` (content-addressed,
///   so an original is stored once per namespace);
/// - variants: `variants/{asset_id}/{name}.{ext}`;
/// - renditions: `variants/{asset_id}/{name}.{job_id}-{lease_token}.{ext}` (one key per claim
///   of a transcode job, so a cancelled re-run, or a worker that lost its lease, never touches
///   the rendition of another);
/// - the bytes of upload sessions on remote stores, under `uploads/{upload_id}/`: tus parts
///   `part-{start:020}-{request}` (one per request, named by the offset it starts at and a
///   token of the request, so a request that failed half-way never overwrites one that
///   counted) and chunks `chunk-{index:08}`.
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

    /// The key of a transform result of `asset`: `derivatives/{asset}/{cache_key}.{ext}`.
    pub fn derivative(asset: AssetId, cache_key: &str, format: OutputFormat) -> Self {
        Self(format!(
            "derivatives/{asset}/{cache_key}.{}",
            format.extension()
        ))
    }

    /// The key of a rendition made by the transcode job claim `lease`: a key of its own,
    /// so a claim that lost its lease can delete what it made without touching the
    /// rendition of the claim that took over.
    pub fn rendition(asset: AssetId, name: &str, lease: Lease, format: OutputFormat) -> Self {
        Self(format!(
            "variants/{asset}/{name}.{}-{}.{}",
            lease.job.0.simple(),
            lease.token,
            format.extension()
        ))
    }

    /// Where the bytes of upload session `upload` live (a prefix, without the trailing `/`).
    pub fn upload_prefix(upload: UploadId) -> String {
        format!("uploads/{}", upload.0.simple())
    }

    /// The key of a tus part of session `upload` that starts at byte `start`, written by
    /// the request `request`.
    pub fn upload_part(upload: UploadId, start: u64, request: uuid::Uuid) -> Self {
        Self(format!(
            "{}/part-{start:020}-{}",
            Self::upload_prefix(upload),
            request.simple()
        ))
    }

    /// The key of chunk `index` (from 0) of chunked upload `upload`.
    pub fn upload_chunk(upload: UploadId, index: u64) -> Self {
        Self(format!("{}/chunk-{index:08}", Self::upload_prefix(upload)))
    }

    /// Where a tus part starts (bytes): `None` for a key that is not a part's.
    pub fn part_start(&self) -> Option<u64> {
        let name = self.0.rsplit('/').next()?;
        name.strip_prefix("part-")?.split('-').next()?.parse().ok()
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
    /// A remote store cannot be reached, or kept failing through its retries: a retry
    /// later may succeed. The message names the key and the cause.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
    /// The backend failed (a disk, a refused credential); the message names the key and
    /// the cause.
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
    /// Stores the bytes of `stream` under `key`, replacing any blob there, without holding
    /// more than a few parts of it in memory; returns how many bytes were stored. An error
    /// item aborts the write: nothing is stored under `key`, and that error is returned.
    async fn put_stream(&self, key: &StorageKey, stream: ByteStream) -> Result<u64, BlobError>;
    /// Stores `bytes` under `key`, replacing any blob there.
    async fn put_bytes(&self, key: &StorageKey, bytes: Bytes) -> Result<(), BlobError>;
    /// Writes a small object under `.medialib-probe/`, reads it back and deletes it: so
    /// that a store which cannot be reached, or refuses this process's credentials, stops
    /// start-up instead of the first upload, and readiness checks tell.
    ///
    /// Errors with what failed (write, read back, delete) and the store's own answer.
    async fn probe(&self) -> Result<(), BlobError>;
    /// Copies the blob under `from` to `to`, inside the store (a server-side copy on
    /// remote stores: the bytes do not pass through this process).
    ///
    /// Errors: [`BlobError::NotFound`] when `from` is missing; a store may refuse a copy
    /// it cannot make in one request (S3: over 5 GiB), and the caller then writes the bytes.
    async fn copy(&self, from: &StorageKey, to: &StorageKey) -> Result<(), BlobError>;
    /// Reads a whole blob into memory (for processing originals and small blobs).
    async fn get_bytes(&self, key: &StorageKey) -> Result<Bytes, BlobError>;
    /// Streams the bytes `range` (end exclusive) of a blob.
    async fn get_range(&self, key: &StorageKey, range: Range<u64>)
    -> Result<ByteStream, BlobError>;
    /// Deletes a blob; deleting a missing blob succeeds.
    async fn delete(&self, key: &StorageKey) -> Result<(), BlobError>;
    /// Whether a blob exists under `key`.
    async fn exists(&self, key: &StorageKey) -> Result<bool, BlobError>;
    /// The blob as a file on this machine, for tools that read files (ffmpeg, poppler):
    /// on local storage the blob's own file, which the caller must not change; elsewhere
    /// a copy streamed into a new file in the directory `scratch`, removed when the
    /// [`BlobFile`] is dropped.
    ///
    /// Errors: [`BlobError::NotFound`], or a failure to read or to write the copy.
    async fn get_to_file(&self, key: &StorageKey, scratch: &Path) -> Result<BlobFile, BlobError>;
    /// A URL that lets anyone holding it `GET` the blob for `ttl`, signed with the store's
    /// own credentials (an S3, GCS or Azure presigned URL); `None` where the store cannot
    /// make one (local storage).
    async fn presigned_get(
        &self,
        key: &StorageKey,
        ttl: Duration,
    ) -> Result<Option<String>, BlobError>;
    /// Every blob whose key starts with the directory-like `prefix` (`originals/1`,
    /// `variants/{asset}`; empty for all), with its size in bytes, in no particular order.
    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, BlobError>;
}

/// A listed blob: its key, size in bytes and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    /// The storage key.
    pub key: StorageKey,
    /// Its length in bytes.
    pub size: u64,
    /// When it was last written (the file's modification time, the object's
    /// `Last-Modified`); `None` for an entry not read from a listing.
    pub modified: Option<crate::Timestamp>,
}

/// A blob as a local file (see [`BlobStore::get_to_file`]). A temporary copy is removed on
/// drop; the local store's own file is left alone.
#[derive(Debug)]
pub struct BlobFile {
    path: PathBuf,
    temporary: bool,
}

impl BlobFile {
    /// The blob's own file, kept on drop.
    pub fn stored(path: PathBuf) -> Self {
        Self {
            path,
            temporary: false,
        }
    }

    /// A copy made for the caller, removed on drop.
    pub fn copy(path: PathBuf) -> Self {
        Self {
            path,
            temporary: true,
        }
    }

    /// Where the bytes are.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for BlobFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::JobId;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn uuid(s: &str) -> Uuid {
        s.parse().unwrap()
    }

    #[test]
    fn originals_are_content_addressed_per_namespace() {
        let key = StorageKey::original(NamespaceId(3), &SHA.parse().unwrap());
        assert_eq!(key.as_str(), format!("originals/3/e3/b0/{SHA}"));
        assert_ne!(
            key,
            StorageKey::original(NamespaceId(4), &SHA.parse().unwrap())
        );
    }

    #[test]
    fn variant_derivative_and_rendition_keys_sit_under_their_asset() {
        let asset = AssetId(uuid("0193a6b0-0000-7000-8000-000000000001"));
        assert_eq!(
            StorageKey::variant(asset, "thumbnail", OutputFormat::Jpeg).as_str(),
            "variants/0193a6b0-0000-7000-8000-000000000001/thumbnail.jpg"
        );
        assert_eq!(
            StorageKey::derivative(asset, "k1", OutputFormat::Avif).as_str(),
            "derivatives/0193a6b0-0000-7000-8000-000000000001/k1.avif"
        );
        let lease = Lease {
            job: JobId(uuid("0193a6b0-0000-7000-8000-0000000000aa")),
            token: 42,
        };
        let first = StorageKey::rendition(asset, "mp4_720p", lease, OutputFormat::Mp4);
        assert_eq!(
            first.as_str(),
            "variants/0193a6b0-0000-7000-8000-000000000001/mp4_720p.0193a6b00000700080000000000000aa-42.mp4"
        );
        // A later claim of the same job writes elsewhere.
        let later = Lease { token: 43, ..lease };
        assert_ne!(
            first,
            StorageKey::rendition(asset, "mp4_720p", later, OutputFormat::Mp4)
        );
    }

    #[test]
    fn upload_parts_sort_by_offset_and_say_where_they_start() {
        let upload = UploadId(uuid("0193a6b0-0000-7000-8000-0000000000bb"));
        let request = uuid("0193a6b0-0000-7000-8000-0000000000cc");
        let prefix = StorageKey::upload_prefix(upload);
        assert_eq!(prefix, "uploads/0193a6b00000700080000000000000bb");
        let small = StorageKey::upload_part(upload, 9, request);
        let large = StorageKey::upload_part(upload, 1 << 40, request);
        assert!(small.as_str().starts_with(&format!("{prefix}/part-")));
        assert!(small.as_str() < large.as_str(), "zero-padded offsets sort");
        assert_eq!(small.part_start(), Some(9));
        assert_eq!(large.part_start(), Some(1 << 40));
        let chunk = StorageKey::upload_chunk(upload, 12);
        assert_eq!(chunk.as_str(), format!("{prefix}/chunk-00000012"));
        assert_eq!(chunk.part_start(), None);
        assert_eq!(
            StorageKey::from_stored("part-x-y".into()).part_start(),
            None
        );
    }

    #[test]
    fn a_copy_is_removed_on_drop_and_a_stored_file_is_kept() {
        let dir = std::env::temp_dir().join(format!("medialib-blobfile-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let (kept, copied) = (dir.join("kept"), dir.join("copied"));
        std::fs::write(&kept, b"a").unwrap();
        std::fs::write(&copied, b"b").unwrap();
        let stored = BlobFile::stored(kept.clone());
        let copy = BlobFile::copy(copied.clone());
        assert_eq!(
            (stored.path(), copy.path()),
            (kept.as_path(), copied.as_path())
        );
        drop((stored, copy));
        assert!(kept.exists());
        assert!(!copied.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_name_the_key() {
        assert_eq!(
            BlobError::NotFound("variants/x".into()).to_string(),
            "blob variants/x not found"
        );
        assert!(
            BlobError::Unavailable("s3: timeout".into())
                .to_string()
                .starts_with("blob store unavailable")
        );
    }
}
