//! Writing a request body to an upload's file while hashing it, off the async threads.
//!
//! The body's chunks are gathered, without copying, into blocks of at least [`BLOCK`]
//! bytes. While the next block arrives, the previous one is hashed on one thread of the
//! blocking pool and written on another: hashing and writing each cost about 1 s/GiB
//! here, so running them side by side roughly halves the time a block takes.

use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use sha1::Digest;

use super::Algorithm;

/// Bytes gathered before a block is handed off; a request holds about two blocks.
pub(super) const BLOCK: usize = 1024 * 1024;

/// A hash of the request's bytes for its checksum (`Upload-Checksum`, `Content-MD5`,
/// `Digest`).
pub(super) enum ChunkHasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl ChunkHasher {
    pub(super) fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Md5 => Self::Md5(md5::Md5::new()),
            Algorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    pub(super) fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Md5(h) => h.update(bytes),
            Self::Sha1(h) => h.update(bytes),
            Self::Sha256(h) => h.update(bytes),
        }
    }

    /// The digest's bytes.
    pub(super) fn finish(self) -> Vec<u8> {
        match self {
            Self::Md5(h) => h.finalize().to_vec(),
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// The hashes a request's bytes feed: the session's running SHA-256 (when the request
/// continues where it stopped) and the request's `Upload-Checksum` hash.
pub(super) struct Hashes {
    /// The session's running SHA-256.
    pub(super) whole: Option<sha2::Sha256>,
    /// The request's checksum hash.
    pub(super) chunk: Option<ChunkHasher>,
}

impl Hashes {
    fn update(&mut self, block: &[Bytes]) {
        for bytes in block {
            if let Some(h) = self.whole.as_mut() {
                h.update(bytes);
            }
            if let Some(h) = self.chunk.as_mut() {
                h.update(bytes);
            }
        }
    }
}

type Block = Arc<Vec<Bytes>>;

/// A block being hashed and written: each task gives back what it owns.
struct InFlight {
    hashing: tokio::task::JoinHandle<Hashes>,
    writing: tokio::task::JoinHandle<io::Result<std::fs::File>>,
}

/// Hashes and writes a body's bytes, one block in flight while the next one fills.
pub(super) struct BlockWriter {
    file: Option<std::fs::File>,
    hashes: Option<Hashes>,
    in_flight: Option<InFlight>,
    block: Vec<Bytes>,
    filled: usize,
}

impl BlockWriter {
    /// Writes to `file` (at its current position), feeding `hashes`.
    pub(super) fn new(file: std::fs::File, hashes: Hashes) -> Self {
        Self {
            file: Some(file),
            hashes: Some(hashes),
            in_flight: None,
            block: Vec::new(),
            filled: 0,
        }
    }

    /// Adds a chunk of the body; hands the block off when it is full.
    pub(super) async fn push(&mut self, bytes: Bytes) -> io::Result<()> {
        self.filled += bytes.len();
        self.block.push(bytes);
        if self.filled >= BLOCK {
            self.hand_off().await?;
        }
        Ok(())
    }

    /// Waits for the block in flight, then sends the current one.
    async fn hand_off(&mut self) -> io::Result<()> {
        self.settle().await?;
        let block: Block = Arc::new(std::mem::take(&mut self.block));
        self.filled = 0;
        let mut hashes = self.hashes.take().expect("settled");
        let mut file = self.file.take().expect("settled");
        let to_hash = Arc::clone(&block);
        self.in_flight = Some(InFlight {
            hashing: tokio::task::spawn_blocking(move || {
                hashes.update(&to_hash);
                hashes
            }),
            writing: tokio::task::spawn_blocking(move || {
                for bytes in block.iter() {
                    file.write_all(bytes)?;
                }
                Ok(file)
            }),
        });
        Ok(())
    }

    /// Waits for the block in flight.
    async fn settle(&mut self) -> io::Result<()> {
        let Some(InFlight { hashing, writing }) = self.in_flight.take() else {
            return Ok(());
        };
        let (hashes, file) = tokio::join!(hashing, writing);
        self.hashes = Some(hashes.map_err(io::Error::other)?);
        self.file = Some(file.map_err(io::Error::other)??);
        Ok(())
    }

    /// Writes what is left; returns the file and the hashes.
    pub(super) async fn finish(mut self) -> io::Result<(std::fs::File, Hashes)> {
        if !self.block.is_empty() {
            self.hand_off().await?;
        }
        self.settle().await?;
        let file = self.file.take().expect("settled");
        let hashes = self.hashes.take().expect("settled");
        Ok((file, hashes))
    }
}
