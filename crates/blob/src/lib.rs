//! medialib's blob storage: [`ObjectBlobStore`] implements
//! [`medialib_core::BlobStore`] over the `object_store` crate, so the local directory of
//! the embedded default and S3, GCS and Azure storage share one code path.
//!
//! - `open`: the store `storage_url` names, and the probe that checks it at start.
//! - `local`: the local directory's fast paths (linking staged files, ranged reads).
#![deny(missing_docs)]

mod local;
mod open;

pub use open::install_crypto_provider;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use medialib_core::{BlobEntry, BlobError, BlobFile, BlobStore, ByteStream, StorageKey};

use object_store::path::Path as ObjectPath;
use object_store::signer::{Method, Signer};
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

/// Bytes read from a file at a time while streaming it into the store.
const CHUNK: usize = 1024 * 1024;

/// Bytes of each part of a multipart upload to a remote store. S3 and GCS refuse parts
/// under 5 MiB (but the last).
const PART: usize = 8 * 1024 * 1024;

/// Parts of one multipart upload in flight at once, which bounds an upload's memory.
/// Four measured no faster than two against s3s-fs (which is CPU-bound there), and cost
/// 16 MiB more.
const IN_FLIGHT: usize = 2;

/// A [`BlobStore`] backed by any `object_store` implementation: a local directory, or an
/// S3, GCS or Azure bucket ([`ObjectBlobStore::open`]).
#[derive(Clone)]
pub struct ObjectBlobStore {
    inner: Arc<dyn ObjectStore>,
    /// The directory of the local filesystem backend; `None` for remote stores.
    local_root: Option<PathBuf>,
    /// The same remote store, as the signer of presigned URLs; `None` for local storage.
    signer: Option<Arc<dyn Signer>>,
}

fn path(key: &StorageKey) -> ObjectPath {
    ObjectPath::from(key.as_str())
}

/// Maps a store's error on `key` to a [`BlobError`]. A remote store that fails after its
/// retries, or cannot be reached, is [`BlobError::Unavailable`]; a refusal of this
/// process's credentials, and any local failure (a full disk), is the server's problem.
fn classify(key: &StorageKey, remote: bool) -> impl Fn(object_store::Error) -> BlobError + '_ {
    move |e| match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.as_str().to_owned()),
        object_store::Error::Generic { .. } if remote => {
            BlobError::Unavailable(format!("{}: {e}", key.as_str()))
        }
        other => BlobError::Backend(format!("{}: {other}", key.as_str())),
    }
}

impl ObjectBlobStore {
    /// [`classify`] for this store.
    fn error<'k>(&self, key: &'k StorageKey) -> impl Fn(object_store::Error) -> BlobError + 'k {
        classify(key, self.local_root.is_none())
    }

    /// The blob's own file on local storage; `None` for remote stores.
    fn local_path(&self, key: &StorageKey) -> Option<PathBuf> {
        // Keys are made by `StorageKey` (no `..`, no leading `/`), so joining stays inside.
        self.local_root.as_ref().map(|root| root.join(key.as_str()))
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put_file(&self, key: &StorageKey, file: &Path) -> Result<(), BlobError> {
        if let Some(target) = self.local_path(key) {
            // On the same filesystem a hard link stores the blob without writing its
            // bytes again (a 1 GiB upload: 5 s of copying saved). Across filesystems
            // the link fails and the bytes are copied below.
            let (file, key) = (file.to_owned(), key.as_str().to_owned());
            let linked =
                tokio::task::spawn_blocking(move || local::link_into_place(&file, &target))
                    .await
                    .map_err(|e| BlobError::Backend(format!("{key}: {e}")))?;
            if linked.is_ok() {
                return Ok(());
            }
        }
        let path = file.display().to_string();
        let reader = tokio::fs::File::open(file)
            .await
            .map_err(|e| BlobError::Backend(format!("read {path}: {e}")))?;
        let bytes = ReaderStream::with_capacity(reader, CHUNK)
            .map_err(move |e| BlobError::Backend(format!("read {path}: {e}")))
            .boxed();
        self.put_stream(key, bytes).await.map(drop)
    }

    async fn put_stream(&self, key: &StorageKey, mut stream: ByteStream) -> Result<u64, BlobError> {
        // Up to one part is gathered first: a small blob takes one request, where a
        // multipart upload would take three.
        let mut head = Vec::new();
        let mut size = 0u64;
        while size <= PART as u64 {
            match stream.next().await {
                None => {
                    let mut whole = bytes::BytesMut::with_capacity(size as usize);
                    head.iter().for_each(|b: &Bytes| whole.extend_from_slice(b));
                    self.put_bytes(key, whole.freeze()).await?;
                    return Ok(size);
                }
                Some(chunk) => {
                    let chunk = chunk?;
                    size += chunk.len() as u64;
                    head.push(chunk);
                }
            }
        }
        let upload = self
            .inner
            .put_multipart(&path(key))
            .await
            .map_err(self.error(key))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        head.into_iter().for_each(|chunk| writer.put(chunk));
        // A failed write is aborted, so the store keeps no orphan parts (`finish` aborts
        // by itself).
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            };
            if let Err(e) = writer.wait_for_capacity(IN_FLIGHT).await {
                let _ = writer.abort().await;
                return Err(self.error(key)(e));
            }
            size += chunk.len() as u64;
            writer.put(chunk);
        }
        writer.finish().await.map_err(self.error(key))?;
        Ok(size)
    }

    async fn put_bytes(&self, key: &StorageKey, bytes: Bytes) -> Result<(), BlobError> {
        self.inner
            .put(&path(key), bytes.into())
            .await
            .map_err(self.error(key))?;
        Ok(())
    }

    async fn probe(&self) -> Result<(), BlobError> {
        self.write_probe().await
    }

    async fn copy(&self, from: &StorageKey, to: &StorageKey) -> Result<(), BlobError> {
        self.inner
            .copy(&path(from), &path(to))
            .await
            .map_err(self.error(from))
    }

    async fn get_bytes(&self, key: &StorageKey) -> Result<Bytes, BlobError> {
        let result = self.inner.get(&path(key)).await.map_err(self.error(key))?;
        result.bytes().await.map_err(self.error(key))
    }

    async fn get_range(
        &self,
        key: &StorageKey,
        range: Range<u64>,
    ) -> Result<ByteStream, BlobError> {
        if let Some(file) = self.local_path(key) {
            return local::local_range(key, &file, range).await;
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(range)),
            ..Default::default()
        };
        let result = self
            .inner
            .get_opts(&path(key), options)
            .await
            .map_err(self.error(key))?;
        let owned = key.clone();
        let remote = self.local_root.is_none();
        Ok(result
            .into_stream()
            .map_err(move |e| classify(&owned, remote)(e))
            .boxed())
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), BlobError> {
        match self.inner.delete(&path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(key)(e)),
        }
    }

    async fn get_to_file(&self, key: &StorageKey, scratch: &Path) -> Result<BlobFile, BlobError> {
        if let Some(path) = self.local_path(key) {
            return match tokio::fs::try_exists(&path).await {
                Ok(true) => Ok(BlobFile::stored(path)),
                Ok(false) => Err(BlobError::NotFound(key.as_str().to_owned())),
                Err(e) => Err(BlobError::Backend(format!("{}: {e}", key.as_str()))),
            };
        }
        let copy = BlobFile::copy(scratch.join(format!("blob-{}", uuid::Uuid::new_v4().simple())));
        let io = |e: std::io::Error| {
            BlobError::Backend(format!(
                "copy {} to {}: {e}",
                key.as_str(),
                copy.path().display()
            ))
        };
        let mut file = tokio::fs::File::create(copy.path()).await.map_err(io)?;
        let mut stream = self
            .inner
            .get(&path(key))
            .await
            .map_err(self.error(key))?
            .into_stream();
        while let Some(chunk) = stream.try_next().await.map_err(self.error(key))? {
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok(copy)
    }

    async fn presigned_get(
        &self,
        key: &StorageKey,
        ttl: Duration,
    ) -> Result<Option<String>, BlobError> {
        let Some(signer) = &self.signer else {
            return Ok(None);
        };
        let url = signer
            .signed_url(Method::GET, &path(key), ttl)
            .await
            .map_err(self.error(key))?;
        Ok(Some(url.to_string()))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, BlobError> {
        let prefix = prefix.trim_end_matches('/');
        let under = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
        self.inner
            .list(under.as_ref())
            .map_ok(|meta| BlobEntry {
                key: StorageKey::from_stored(meta.location.to_string()),
                size: meta.size,
                modified: medialib_core::Timestamp::from_unix_timestamp(
                    meta.last_modified.timestamp(),
                )
                .ok(),
            })
            .try_collect()
            .await
            .map_err(|e| BlobError::Backend(format!("list {prefix:?}: {e}")))
    }

    async fn exists(&self, key: &StorageKey) -> Result<bool, BlobError> {
        match self.inner.head(&path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.error(key)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stored_file_outlives_its_source_and_replaces_the_old_blob() {
        let dir = tempfile::tempdir().unwrap();
        let store = ObjectBlobStore::local(&dir.path().join("blobs")).unwrap();
        let key = StorageKey::from_stored("originals/1/ab/cd/abcd".into());
        for content in [&b"first"[..], &b"second, longer"[..]] {
            let src = dir.path().join("staged");
            std::fs::write(&src, content).unwrap();
            store.put_file(&key, &src).await.unwrap();
            std::fs::remove_file(&src).unwrap();
            assert_eq!(store.get_bytes(&key).await.unwrap(), content);
        }
        // No temporary link is left beside the blob.
        let blob_dir = store.local_path(&key).unwrap().parent().unwrap().to_owned();
        assert_eq!(std::fs::read_dir(blob_dir).unwrap().count(), 1);
    }
}
