//! The bytes of upload sessions (tus and chunked) and the lease that lets one request at
//! a time write a session, on any API node.
//!
//! - `lease`: the row lease in the metadata store, renewed while a request runs.
//! - `files`, `blocks`: tus bytes on local storage, one file per session under
//!   `{data_dir}/uploads/`, appended to while hashed, off the async threads.
//! - `objects`: tus bytes on remote stores (a part object per request) and the chunks of
//!   chunked uploads (an object per chunk, on every store), which any node can add to;
//!   `spool`: the local copy a node keeps of the parts it receives in order.
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
mod spool;

use std::collections::BTreeMap;
use std::io;

use bytes::Bytes;
use futures_util::Stream;
use medialib_core::config::Storage;
use medialib_core::{BlobError, StoreError, Timestamp, UploadId, UploadSession};

use crate::Catalog;
use crate::ingest::staging::StagedFile;
use files::UploadFiles;
pub use lease::LEASE;
use lease::UploadLease;

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

/// The right to write one session, held for the length of a request: its lease, and
/// this process's running hash of the session's local file.
pub struct Writing {
    lease: UploadLease,
    running: files::Held,
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
    /// tus bytes on local storage; on remote storage, this node's spool.
    files: UploadFiles,
    /// Whether tus bytes live in the blob store (remote storage) rather than `files`.
    remote: bool,
}

impl Uploads {
    /// Keeps tus bytes in `{data_dir}/uploads` (created if needed) when blobs are on local
    /// storage, and in the blob store otherwise.
    pub fn open(catalog: &Catalog) -> io::Result<Self> {
        Ok(Self {
            catalog: catalog.clone(),
            files: UploadFiles::open(&catalog.settings.data_dir)?,
            remote: !matches!(catalog.settings.storage(), Ok(Storage::Local(_))),
        })
    }

    /// The right to write session `id`; `None` while another request, on any node,
    /// holds it.
    pub async fn lock(&self, id: UploadId) -> Result<Option<Writing>, StoreError> {
        let Some(lease) = UploadLease::acquire(&self.catalog.store, id).await? else {
            return Ok(None);
        };
        let Some(running) = self.files.try_lock(id) else {
            lease.release().await;
            return Ok(None);
        };
        Ok(Some(Writing { lease, running }))
    }

    /// Prepares the bytes of a new tus session.
    pub async fn create(&self, id: UploadId) -> io::Result<()> {
        if self.remote {
            return Ok(());
        }
        self.files.create(id).await
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
        let (id, offset) = (session.id, session.offset);
        let remaining = session.length - offset;
        let running = &mut *writing.running;
        if !self.remote {
            return self
                .files
                .append(id, offset, remaining, running, body, checksum)
                .await;
        }
        let tee = spool::open(&self.files, id, offset, running).await;
        let blobs = self.catalog.blobs.as_ref();
        let appended =
            objects::append_part(blobs, id, offset, remaining, body, checksum, tee).await;
        let (stored, tee) = match appended {
            Ok((end, tee)) => (Ok(end), tee),
            Err(e) => (Err(e), None),
        };
        spool::close(&self.files, id, stored.as_ref().ok().copied(), tee, running).await;
        stored
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
        if self.remote {
            return Ok(None);
        }
        self.files.len(id).await.map(Some)
    }

    /// A complete tus session's bytes as one staged file, ready for ingest. On remote
    /// storage: this node's copy when it has every byte, else the parts read back; and
    /// when the upload is a single part, the ingest copies it inside the store.
    pub async fn staged(
        &self,
        session: &UploadSession,
        writing: &mut Writing,
    ) -> Result<StagedFile, AppendError> {
        let (id, length) = (session.id, session.length);
        let running = &mut *writing.running;
        if !self.remote {
            return Ok(self.files.staged(id, length, running).await?);
        }
        let blobs = self.catalog.blobs.as_ref();
        let parts = objects::parts(blobs, id, length).await?;
        let mut staged = if spool::is_whole(running, length) {
            self.files.staged(id, length, running).await?
        } else {
            objects::stage(blobs, &self.catalog.staging_dir, &parts).await?
        };
        if let [whole] = parts.as_slice() {
            staged.stored_copy = Some(whole.key.clone());
        }
        Ok(staged)
    }

    /// The bytes of the complete partial sessions `parts`, in order, as one staged file
    /// (the tus concatenation extension).
    pub async fn assemble(
        &self,
        id: UploadId,
        parts: &[&UploadSession],
    ) -> Result<StagedFile, AppendError> {
        if self.remote {
            let blobs = self.catalog.blobs.as_ref();
            let mut objects = Vec::new();
            for part in parts {
                objects.extend(objects::parts(blobs, part.id, part.length).await?);
            }
            return objects::stage(blobs, &self.catalog.staging_dir, &objects).await;
        }
        let ids: Vec<UploadId> = parts.iter().map(|p| p.id).collect();
        let (size, sha256) = self.files.assemble(id, &ids).await?;
        Ok(self.files.staged_as(id, size, sha256).await?)
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
        if let Ok(None) = self.catalog.store.get_upload(session.id).await {
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
                modified: None,
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
        self.files.remove(id).await?;
        objects::remove(self.catalog.blobs.as_ref(), id).await?;
        self.files.forget(id);
        Ok(())
    }

    /// Deletes the local files of sessions that are gone or finished, idle for an hour:
    /// copies kept by a node whose session another node finished or removed, and files a
    /// crash left without a row. Returns how many went.
    pub async fn sweep(&self) -> Result<usize, AppendError> {
        let mut swept = 0;
        for id in self
            .files
            .idle_files(std::time::Duration::from_secs(3600))
            .await?
        {
            let Some(_running) = self.files.try_lock(id) else {
                continue;
            };
            let ended = match self.catalog.store.get_upload(id).await {
                Ok(session) => session.is_none_or(|s| s.asset.is_some()),
                Err(_) => false,
            };
            if ended {
                self.files.remove(id).await?;
                swept += 1;
            }
        }
        Ok(swept)
    }

    /// Lets go of the bytes of a session that became an asset (whose original the ingest
    /// stored): its parts in the store, and this process's state of it.
    pub async fn finished(&self, id: UploadId) {
        if let Err(e) = objects::remove(self.catalog.blobs.as_ref(), id).await {
            // They go when the session expires.
            tracing::warn!(upload = %id, error = %e, "could not delete a finished upload's parts");
        }
        self.files.forget(id);
    }
}
