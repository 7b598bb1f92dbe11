//! The bytes of tus sessions on local storage: one file per session under
//! `{data_dir}/uploads/`, appended to by `PATCH` requests, and this process's running
//! hash of each (on remote storage the same files are the node's spool). The files
//! outlive the process, so an upload resumes after a restart; the metadata store says
//! how many of their bytes count.

use std::collections::HashMap;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use medialib_core::{Sha256, UploadId};
use sha1::Digest;

use super::blocks::{BLOCK, BlockWriter, ChunkHasher, Hashes};
use super::{Algorithm, AppendError};
use crate::ingest::staging::{HEAD_BYTES, StagedFile};

/// Upload files and the sessions being written.
pub(super) struct UploadFiles {
    dir: PathBuf,
    active: Mutex<HashMap<UploadId, Arc<tokio::sync::Mutex<Running>>>>,
}

/// The SHA-256 of a session's bytes, kept while this process receives them in order,
/// so that finishing does not read the file again. After a restart, or a request that
/// did not continue where the hash stopped, the file is hashed when it is complete.
pub(super) struct Running {
    /// Bytes the hash covers.
    pub(super) hashed: u64,
    /// The hash of the first `hashed` bytes; `None` when it was lost.
    pub(super) hasher: Option<sha2::Sha256>,
}

impl Default for Running {
    /// The hash of no bytes: right for a new session, and for one resumed after a
    /// restart it is discarded by the first `append` (its offset is not 0).
    fn default() -> Self {
        Self {
            hashed: 0,
            hasher: Some(sha2::Sha256::new()),
        }
    }
}

/// This process's running hash of one session, held for the length of a request.
pub(super) type Held = tokio::sync::OwnedMutexGuard<Running>;

impl UploadFiles {
    /// Uses (creating it if needed) `{data_dir}/uploads`.
    pub(super) fn open(data_dir: &Path) -> io::Result<Self> {
        let dir = data_dir.join("uploads");
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            active: Mutex::default(),
        })
    }

    pub(super) fn path(&self, id: UploadId) -> PathBuf {
        self.dir.join(id.0.simple().to_string())
    }

    /// The right to write session `id`; `None` while another request holds it.
    pub(super) fn try_lock(&self, id: UploadId) -> Option<Held> {
        let lock = self
            .active
            .lock()
            .expect("upload locks poisoned")
            .entry(id)
            .or_default()
            .clone();
        lock.try_lock_owned().ok()
    }

    /// Forgets the in-memory state of a session that is finished or removed.
    pub(super) fn forget(&self, id: UploadId) {
        self.active
            .lock()
            .expect("upload locks poisoned")
            .remove(&id);
    }

    /// Creates the empty file of a new session.
    pub(super) async fn create(&self, id: UploadId) -> io::Result<()> {
        tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.path(id))
            .await
            .map(drop)
    }

    /// Removes a session's file, if it still has one.
    pub(super) async fn remove(&self, id: UploadId) -> io::Result<()> {
        match tokio::fs::remove_file(self.path(id)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The sessions whose files were last written more than `idle` ago.
    pub(super) async fn idle_files(&self, idle: std::time::Duration) -> io::Result<Vec<UploadId>> {
        let mut entries = tokio::fs::read_dir(&self.dir).await?;
        let mut found = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let modified = entry.metadata().await?.modified()?;
            let id = entry.file_name().to_str().and_then(|n| n.parse().ok());
            if let Some(id) = id
                && modified.elapsed().is_ok_and(|age| age > idle)
            {
                found.push(id);
            }
        }
        Ok(found)
    }

    /// Bytes in a session's file (0 when it has none): after a machine crash the file
    /// may hold fewer bytes than the store recorded.
    pub(super) async fn len(&self, id: UploadId) -> io::Result<u64> {
        match tokio::fs::metadata(self.path(id)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Writes `body` at `offset`, at most `remaining` bytes; returns the new offset.
    ///
    /// Bytes that arrived before the client broke off are kept (the client resumes
    /// after them), unless a checksum was given: then the request's bytes are kept only
    /// when they all arrived and match it. Bytes past `offset` that no request recorded
    /// (a crash mid-write) are dropped first.
    pub(super) async fn append<S, E>(
        &self,
        id: UploadId,
        offset: u64,
        remaining: u64,
        running: &mut Running,
        body: S,
        checksum: Option<(Algorithm, Vec<u8>)>,
    ) -> Result<u64, AppendError>
    where
        S: Stream<Item = Result<Bytes, E>>,
    {
        let path = self.path(id);
        let file = tokio::task::spawn_blocking(move || -> io::Result<std::fs::File> {
            let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
            file.set_len(offset)?;
            file.seek(io::SeekFrom::Start(offset))?;
            Ok(file)
        })
        .await
        .map_err(io::Error::other)??;
        let in_order = running.hashed == offset && running.hasher.is_some();
        let before = in_order.then(|| running.hasher.clone()).flatten();
        let hashes = Hashes {
            whole: if in_order {
                running.hasher.take()
            } else {
                None
            },
            chunk: checksum.as_ref().map(|(a, _)| ChunkHasher::new(*a)),
        };
        let mut writer = BlockWriter::new(file, hashes);
        let mut received = 0u64;
        let mut complete = true;
        let mut body = std::pin::pin!(body);
        let outcome = loop {
            let Some(chunk) = body.next().await else {
                break Ok(());
            };
            let Ok(chunk) = chunk else {
                complete = false;
                break Ok(());
            };
            if received + chunk.len() as u64 > remaining {
                break Err(AppendError::TooLong { remaining });
            }
            received += chunk.len() as u64;
            writer.push(chunk).await?;
        };
        let (file, hashes) = writer.finish().await?;
        let matches = match (checksum, hashes.chunk) {
            (Some((_, expected)), Some(h)) => complete && h.finish() == expected,
            _ => true,
        };
        let outcome = outcome.and(if matches {
            Ok(())
        } else {
            Err(AppendError::ChecksumMismatch)
        });
        if let Err(e) = outcome {
            file.set_len(offset)?;
            running.hasher = before;
            return Err(e);
        }
        running.hasher = hashes.whole;
        running.hashed = offset + received;
        Ok(offset + received)
    }

    /// A complete session's file, ready for ingest (which deletes it): its SHA-256 from
    /// the running hash when it covers every byte, else from reading the file.
    pub(super) async fn staged(
        &self,
        id: UploadId,
        size: u64,
        running: &mut Running,
    ) -> io::Result<StagedFile> {
        let path = self.path(id);
        let sha256 = match (running.hashed == size, running.hasher.take()) {
            (true, Some(h)) => Sha256(h.finalize().into()),
            _ => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || copy_hashing(&[path], None))
                    .await
                    .map_err(io::Error::other)??
                    .1
            }
        };
        self.staged_as(id, size, sha256).await
    }

    /// Writes the files of `parts`, in order, into the new session `id`'s file; returns
    /// its size and SHA-256 (one pass over the bytes).
    pub(super) async fn assemble(
        &self,
        id: UploadId,
        parts: &[UploadId],
    ) -> io::Result<(u64, Sha256)> {
        let sources: Vec<PathBuf> = parts.iter().map(|p| self.path(*p)).collect();
        let target = self.path(id);
        tokio::task::spawn_blocking(move || copy_hashing(&sources, Some(&target)))
            .await
            .map_err(io::Error::other)?
    }

    /// A complete session's file whose SHA-256 is known, ready for ingest.
    pub(super) async fn staged_as(
        &self,
        id: UploadId,
        size: u64,
        sha256: Sha256,
    ) -> io::Result<StagedFile> {
        let path = self.path(id);
        let mut head = vec![0u8; HEAD_BYTES.min(size as usize)];
        let mut file = tokio::fs::File::open(&path).await?;
        tokio::io::AsyncReadExt::read_exact(&mut file, &mut head).await?;
        Ok(StagedFile {
            path,
            size,
            sha256,
            head,
            stored_copy: None,
        })
    }
}

/// Reads `sources` in order, hashing them, and writes them to `target` when given.
fn copy_hashing(sources: &[PathBuf], target: Option<&Path>) -> io::Result<(u64, Sha256)> {
    let mut out = match target {
        Some(path) => Some(io::BufWriter::with_capacity(
            BLOCK,
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)?,
        )),
        None => None,
    };
    let mut hasher = sha2::Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    for source in sources {
        let mut file = std::fs::File::open(source)?;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            if let Some(out) = out.as_mut() {
                out.write_all(&buf[..n])?;
            }
            size += n as u64;
        }
    }
    if let Some(out) = out {
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    Ok((size, Sha256(hasher.finalize().into())))
}
