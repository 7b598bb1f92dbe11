//! Staging: uploads stream to a file on local disk while being hashed, so memory stays
//! bounded whatever the size.
//!
//! Each process stages under `{data_dir}/staging/{uuid}/` and holds an exclusive lock
//! on that directory's `.lock` file while it runs. A directory whose lock nobody holds
//! belongs to a process that died mid-upload; [`clean_abandoned`] removes it (at
//! start-up and in `medialib gc`) without touching live uploads of other processes.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use medialib_core::{Sha256, StorageKey};
use sha2::Digest;
use tokio::io::AsyncWriteExt;

/// Bytes kept from the start of every upload for magic-byte sniffing.
pub const HEAD_BYTES: usize = 8192;

/// This process's staging directory; the directory is removed when it is dropped.
pub struct StagingDir {
    path: PathBuf,
    // Held for the life of the process: the lock is what marks the directory as live.
    _lock: File,
}

impl StagingDir {
    /// Creates and locks a fresh staging directory under `{data_dir}/staging`.
    pub fn create(data_dir: &Path) -> io::Result<Self> {
        let path = data_dir
            .join("staging")
            .join(uuid::Uuid::new_v4().simple().to_string());
        std::fs::create_dir_all(&path)?;
        let lock = File::create(path.join(".lock"))?;
        lock.try_lock().map_err(io::Error::other)?;
        Ok(Self { path, _lock: lock })
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Removes staging directories left by processes that are gone; returns how many
/// bytes were freed.
pub fn clean_abandoned(data_dir: &Path) -> io::Result<u64> {
    let root = data_dir.join("staging");
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Ok(0);
    };
    let mut freed = 0;
    for entry in entries.flatten() {
        let dir = entry.path();
        let lock_path = dir.join(".lock");
        let abandoned = match File::open(&lock_path) {
            Ok(lock) => lock.try_lock().is_ok(),
            // No lock file: a directory that never finished being created.
            Err(_) => true,
        };
        if abandoned {
            freed += dir_size(&dir);
            std::fs::remove_dir_all(&dir)?;
            tracing::info!(dir = %dir.display(), "removed abandoned staging directory");
        }
    }
    Ok(freed)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// A fully received upload on local disk; the file is deleted when this is dropped.
pub struct StagedFile {
    /// Where the bytes are.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, computed while they streamed in.
    pub sha256: Sha256,
    /// The first [`HEAD_BYTES`] bytes (fewer for smaller files).
    pub head: Vec<u8>,
    /// The same bytes, already in the blob store under this key (an upload that arrived
    /// as one part): the original is then copied inside the store rather than sent again.
    pub stored_copy: Option<StorageKey>,
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why staging stopped.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The upload passed `limit` bytes; reading stopped there.
    #[error("the file is larger than the {limit}-byte upload limit")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The client's stream failed (disconnect, malformed multipart).
    #[error("the upload stream broke off: {0}")]
    Client(String),
    /// The local disk failed.
    #[error("staging file: {0}")]
    Disk(#[from] io::Error),
}

/// Streams `body` into a new file in `dir`, hashing as it goes and stopping as soon as
/// more than `limit` bytes arrive.
pub async fn stage<S, E>(dir: &Path, body: S, limit: u64) -> Result<StagedFile, StageError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let path = dir.join(uuid::Uuid::new_v4().simple().to_string());
    let file = tokio::fs::File::create(&path).await?;
    // From here on the guard owns the file, so every early return deletes it.
    let mut staged = StagedFile {
        path,
        size: 0,
        sha256: Sha256([0; 32]),
        head: Vec::with_capacity(HEAD_BYTES),
        stored_copy: None,
    };
    let mut writer = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut hasher = sha2::Sha256::new();
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| StageError::Client(e.to_string()))?;
        staged.size += chunk.len() as u64;
        if staged.size > limit {
            return Err(StageError::TooLarge { limit });
        }
        if staged.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - staged.head.len()).min(chunk.len());
            staged.head.extend_from_slice(&chunk[..take]);
        }
        hasher.update(&chunk);
        writer.write_all(&chunk).await?;
    }
    writer.flush().await?;
    staged.sha256 = Sha256(hasher.finalize().into());
    Ok(staged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: &[u8]) -> impl Stream<Item = Result<Bytes, String>> + use<> {
        let parts: Vec<Result<Bytes, String>> = data
            .chunks(1000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        futures_util::stream::iter(parts)
    }

    #[tokio::test]
    async fn staging_hashes_and_stops_at_the_limit() {
        let data = tempfile_dir();
        let staging = StagingDir::create(data.path()).unwrap();
        let bytes: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let staged = stage(staging.path(), chunks(&bytes), 10_000).await.unwrap();
        assert_eq!(staged.size, 10_000);
        assert_eq!(staged.head, bytes[..HEAD_BYTES]);
        assert_eq!(
            staged.sha256.0,
            <[u8; 32]>::from(sha2::Sha256::digest(&bytes))
        );
        let path = staged.path.clone();
        drop(staged);
        assert!(!path.exists());

        let err = stage(staging.path(), chunks(&bytes), 9_999).await;
        assert!(matches!(err, Err(StageError::TooLarge { limit: 9_999 })));
        // Nothing but the lock file is left behind.
        assert_eq!(std::fs::read_dir(staging.path()).unwrap().count(), 1);
    }

    #[test]
    fn only_abandoned_staging_directories_are_cleaned() {
        let data = tempfile_dir();
        let live = StagingDir::create(data.path()).unwrap();
        let dead = data.path().join("staging").join("dead");
        std::fs::create_dir_all(&dead).unwrap();
        std::fs::write(dead.join(".lock"), b"").unwrap();
        std::fs::write(dead.join("partial"), vec![0u8; 100]).unwrap();
        assert_eq!(clean_abandoned(data.path()).unwrap(), 100);
        assert!(!dead.exists());
        assert!(live.path().exists());
    }

    fn tempfile_dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }
}
