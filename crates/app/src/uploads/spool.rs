//! A local copy of a remote session's bytes, kept by a node while it receives them in
//! order, so that the request that completes the upload ingests from it (with the
//! running SHA-256) instead of reading every part back from the store.
//!
//! It is only a cache: the parts in the store are the session's bytes. A request that
//! does not continue where this node's copy ends (another node took the requests in
//! between) drops the copy, and completing then reads the parts back.

use std::io::{self, Seek};

use medialib_core::UploadId;

use super::blocks::{BlockWriter, Hashes};
use super::files::{Running, UploadFiles};

/// The spool continued at `offset`, when this node's copy holds exactly the bytes before
/// it and its running hash covers them; else `None`, and the copy is dropped.
pub(super) async fn open(
    files: &UploadFiles,
    id: UploadId,
    offset: u64,
    running: &mut Running,
) -> Option<BlockWriter> {
    let whole = running
        .hasher
        .clone()
        .filter(|_| running.hashed == offset)?;
    let path = files.path(id);
    let opened = tokio::task::spawn_blocking(move || -> io::Result<Option<std::fs::File>> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        if file.metadata()?.len() != offset {
            return Ok(None);
        }
        file.seek(io::SeekFrom::Start(offset))?;
        Ok(Some(file))
    })
    .await;
    match opened {
        Ok(Ok(Some(file))) => Some(BlockWriter::new(
            file,
            Hashes {
                whole: Some(whole),
                chunk: None,
            },
        )),
        _ => {
            drop_copy(files, id, running).await;
            None
        }
    }
}

/// Settles the spool after a request: `stored` is the session's new offset when the
/// request's bytes were stored, and `tee` the spool that received all of them. Anything
/// else drops the copy.
pub(super) async fn close(
    files: &UploadFiles,
    id: UploadId,
    stored: Option<u64>,
    tee: Option<BlockWriter>,
    running: &mut Running,
) {
    if let (Some(end), Some(tee)) = (stored, tee)
        && let Ok((_, hashes)) = tee.finish().await
        && hashes.whole.is_some()
    {
        running.hasher = hashes.whole;
        running.hashed = end;
        return;
    }
    drop_copy(files, id, running).await;
}

/// Whether this node's copy holds all `length` bytes of the session, hashed.
pub(super) fn is_whole(running: &Running, length: u64) -> bool {
    running.hashed == length && running.hasher.is_some()
}

async fn drop_copy(files: &UploadFiles, id: UploadId, running: &mut Running) {
    running.hasher = None;
    if let Err(e) = files.remove(id).await {
        tracing::warn!(upload = %id, error = %e, "could not remove an upload's local copy");
    }
}
