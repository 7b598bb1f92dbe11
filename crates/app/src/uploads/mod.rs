//! The bytes of upload sessions (tus and chunked) and the lease that lets one request at
//! a time write a session, on any API node.
//!
//! - `lease`: the row lease in the metadata store, renewed while a request runs.
//! - `files`, `blocks`: tus bytes on local storage, one file per session under
//!   `{data_dir}/uploads/`, appended to while hashed, off the async threads.
//! - `objects`: tus bytes on remote stores (a part object per request) and the chunks of
//!   chunked uploads (an object per chunk, on every store), which any node can add to.
//! - `checked`: a request body checked for its size and checksum on its way to the store.
//!
//! The metadata store keeps each session's row ([`medialib_core::UploadSession`]): its
//! offset, its owner, its expiry and its lease. The protocols themselves (tus headers,
//! the chunked JSON API) are the HTTP crate's.

mod blocks;
mod checked;
mod files;
mod lease;
mod objects;

use std::collections::BTreeMap;
use std::io;

use bytes::Bytes;
use futures_util::Stream;
use medialib_core::config::Storage;
use medialib_core::{BlobError, StoreError, Timestamp, UploadId, UploadSession};

use crate::Catalog;
use crate::ingest::staging::StagedFile;
use files::UploadFiles;
pub use lease::{LEASE, UploadLease};

/// A checksum algorithm of a request body: tus's `Upload-Checksum`, `Content-MD5`
/// (RFC 1864) or `Digest` (RFC 3230).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// MD5 (RFC 1321), 16 bytes.
    Md5,
    /// SHA-1 (FIPS 180-4), 20 bytes.
    Sha1,
    /// SHA-256 (FIPS 180-4), 32 bytes.
    Sha256,
}

impl Algorithm {
    /// The length of its digests in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }
}

/// Why a request's bytes were not kept.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The body runs past the upload's length.
    #[error("the request carries more than the {remaining} bytes the upload still expects")]
    TooLong {
        /// Bytes the upload still expected.
        remaining: u64,
    },
    /// A chunk of another size than its index calls for.
    #[error("this chunk must be {expected} bytes, but {received} arrived")]
    WrongSize {
        /// The chunk's size in bytes.
        expected: u64,
        /// Bytes that arrived (at least this many, when the body ran past `expected`).
        received: u64,
    },
    /// A chunk whose body broke off before its end.
    #[error("the chunk broke off before its end; send it again")]
    Interrupted,
    /// The body does not match its checksum (or broke off before it could be checked).
    #[error("the request body does not match its checksum; nothing of it was kept")]
    ChecksumMismatch,
    /// The local disk failed.
    #[error("upload file: {0}")]
    Disk(#[from] io::Error),
    /// The blob store failed, or lost the session's bytes.
    #[error("{0}")]
    Store(#[from] BlobError),
}

/// The right to write one session, held for the length of a request: its lease, and on
/// local storage this process's running hash of the session's file.
pub struct Writing {
    lease: UploadLease,
    running: Option<files::Held>,
}

impl Writing {
    /// Gives the session up; call it before answering, so the next request finds the
    /// session free.
    pub async fn release(self) {
        drop(self.running);
        self.lease.release().await;
    }
}

/// The bytes of every upload session of this process's catalog.
pub struct Uploads {
    catalog: Catalog,
    /// tus bytes in local files, when blobs are on local storage; else in the store.
    files: Option<UploadFiles>,
}

impl Uploads {
    /// Keeps tus bytes in `{data_dir}/uploads` (created if needed) when blobs are on local
    /// storage, and in the blob store otherwise.
    pub fn open(catalog: &Catalog) -> io::Result<Self> {
        let files = match catalog.settings.storage() {
            Ok(Storage::Local(_)) => Some(UploadFiles::open(&catalog.settings.data_dir)?),
            _ => None,
        };
        Ok(Self {
            catalog: catalog.clone(),
            files,
        })
    }

    /// The right to write session `id`; `None` while another request, on any node,
    /// holds it.
    pub async fn lock(&self, id: UploadId) -> Result<Option<Writing>, StoreError> {
        let Some(lease) = UploadLease::acquire(&self.catalog.store, id).await? else {
            return Ok(None);
        };
        let running = match &self.files {
            Some(files) => match files.try_lock(id) {
                Some(running) => Some(running),
                None => {
                    lease.release().await;
                    return Ok(None);
                }
            },
            None => None,
        };
        Ok(Some(Writing { lease, running }))
    }

    /// Prepares the bytes of a new tus session.
    pub async fn create(&self, id: UploadId) -> io::Result<()> {
        match &self.files {
            Some(files) => files.create(id).await,
            None => Ok(()),
        }
    }

    /// Adds `body` to a tus session at its offset (at most the bytes it still expects);
    /// returns the new offset. Bytes that arrived before the client broke off are kept,
    /// unless a checksum was given.
    pub async fn append<S, E>(
        &self,
        session: &UploadSession,
        writing: &mut Writing,
        body: S,
        checksum: Option<(Algorithm, Vec<u8>)>,
    ) -> Result<u64, AppendError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let remaining = session.length - session.offset;
        match (&self.files, writing.running.as_mut()) {
            (Some(files), Some(running)) => {
                files
                    .append(
                        session.id,
                        session.offset,
                        remaining,
                        running,
                        body,
                        checksum,
                    )
                    .await
            }
            _ => {
                let blobs = self.catalog.blobs.as_ref();
                objects::append_part(blobs, session.id, session.offset, remaining, body, checksum)
                    .await
            }
        }
    }

    /// Records the session's new offset, if the request still holds its lease; `false`
    /// when it lost it (nothing was recorded).
    pub async fn record(
        &self,
        id: UploadId,
        offset: u64,
        expires_at: Timestamp,
        writing: &Writing,
    ) -> Result<bool, StoreError> {
        let token = writing.lease.token();
        self.catalog
            .store
            .set_upload_offset(id, offset, expires_at, token)
            .await
    }

    /// The bytes a local session file holds, which after a machine crash may be fewer
    /// than were recorded; `None` on remote stores, whose parts count only once written.
    pub async fn stored_len(&self, id: UploadId) -> io::Result<Option<u64>> {
        match &self.files {
            Some(files) => files.len(id).await.map(Some),
            None => Ok(None),
        }
    }

    /// A complete tus session's bytes as one staged file, ready for ingest.
    pub async fn staged(
        &self,
        session: &UploadSession,
        writing: &mut Writing,
    ) -> Result<StagedFile, AppendError> {
        match (&self.files, writing.running.as_mut()) {
            (Some(files), Some(running)) => {
                Ok(files.staged(session.id, session.length, running).await?)
            }
            _ => self.stage_parts(&[session]).await,
        }
    }

    /// The bytes of the complete partial sessions `parts`, in order, as one staged file
    /// (the tus concatenation extension).
    pub async fn assemble(
        &self,
        id: UploadId,
        parts: &[&UploadSession],
    ) -> Result<StagedFile, AppendError> {
        let Some(files) = &self.files else {
            return self.stage_parts(parts).await;
        };
        let ids: Vec<UploadId> = parts.iter().map(|p| p.id).collect();
        let (size, sha256) = files.assemble(id, &ids).await?;
        Ok(files.staged_as(id, size, sha256).await?)
    }

    async fn stage_parts(&self, sessions: &[&UploadSession]) -> Result<StagedFile, AppendError> {
        let blobs = self.catalog.blobs.as_ref();
        let mut objects = Vec::new();
        for session in sessions {
            objects.extend(objects::parts(blobs, session.id, session.length).await?);
        }
        objects::stage(blobs, &self.catalog.staging_dir, &objects).await
    }

    /// Stores chunk `index` of a chunked upload (replacing an earlier copy of it), which
    /// must be exactly the size its index calls for. The caller checked the index.
    pub async fn put_chunk<S, E>(
        &self,
        session: &UploadSession,
        index: u64,
        body: S,
        checksum: Option<(Algorithm, Vec<u8>)>,
    ) -> Result<(), AppendError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let size = session.chunk_len(index).unwrap_or(0);
        let blobs = self.catalog.blobs.as_ref();
        objects::put_chunk(blobs, session.id, index, size, body, checksum).await?;
        // A session removed meanwhile (cancelled, expired) listed its objects before this
        // one arrived: this chunk is its last, and goes too.
        if self
            .catalog
            .store
            .get_upload(session.id)
            .await
            .ok()
            .flatten()
            .is_none()
        {
            objects::remove(blobs, session.id).await?;
        }
        Ok(())
    }

    /// The chunks of a chunked upload that arrived: index to size in bytes.
    pub async fn chunks(&self, session: &UploadSession) -> Result<BTreeMap<u64, u64>, BlobError> {
        objects::chunks(self.catalog.blobs.as_ref(), session.id).await
    }

    /// Every chunk of a chunked upload, in order, as one staged file; the caller checked
    /// that they all arrived.
    pub async fn stage_chunks(&self, session: &UploadSession) -> Result<StagedFile, AppendError> {
        let total = session.total_chunks().unwrap_or(0);
        let objects: Vec<_> = (0..total)
            .map(|index| medialib_core::BlobEntry {
                key: medialib_core::StorageKey::upload_chunk(session.id, index),
                size: session.chunk_len(index).unwrap_or(0),
            })
            .collect();
        objects::stage(
            self.catalog.blobs.as_ref(),
            &self.catalog.staging_dir,
            &objects,
        )
        .await
    }

    /// Deletes a session's bytes, wherever they are.
    pub async fn remove(&self, id: UploadId) -> Result<(), AppendError> {
        if let Some(files) = &self.files {
            files.remove(id).await?;
        }
        objects::remove(self.catalog.blobs.as_ref(), id).await?;
        self.forget(id);
        Ok(())
    }

    /// Forgets this process's state of a session that is finished or removed.
    pub fn forget(&self, id: UploadId) {
        if let Some(files) = &self.files {
            files.forget(id);
        }
    }
}
