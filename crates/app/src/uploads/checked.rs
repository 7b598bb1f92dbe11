//! A request body checked on its way into the blob store: how many bytes it may carry
//! (or must, for a chunk) and the checksum it must match. A body that breaks a rule
//! turns into an error item, which makes [`medialib_core::BlobStore::put_stream`] abort,
//! so nothing of it is stored; the rule it broke is read back from the [`Refusal`].
//! The bytes can also be copied to a local spool on their way ([`super::spool`]).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use medialib_core::{BlobError, ByteStream};

use super::blocks::{BlockWriter, ChunkHasher};
use super::{Algorithm, AppendError};

/// What a checked body broke, if anything, and the spool it was copied to once it ended
/// well; read after the store call returned.
#[derive(Clone, Default)]
pub(super) struct Refusal {
    broken: Arc<Mutex<Option<AppendError>>>,
    tee: Arc<Mutex<Option<BlockWriter>>>,
}

impl Refusal {
    fn set(&self, e: AppendError) {
        *self.broken.lock().expect("refusal poisoned") = Some(e);
    }

    /// The rule the body broke.
    pub(super) fn take(&self) -> Option<AppendError> {
        self.broken.lock().expect("refusal poisoned").take()
    }

    /// The spool that received every byte of a body that ended well.
    pub(super) fn take_tee(&self) -> Option<BlockWriter> {
        self.tee.lock().expect("refusal poisoned").take()
    }
}

/// How many bytes a body may carry.
#[derive(Clone, Copy)]
pub(super) enum Size {
    /// At most this many (a tus `PATCH`): bytes that arrived before the client broke off
    /// count, unless a checksum was given.
    AtMost(u64),
    /// Exactly this many (a chunk): a short or broken-off body keeps nothing.
    Exactly(u64),
}

struct Reading {
    body: futures_util::stream::BoxStream<'static, Result<Bytes, String>>,
    size: Size,
    received: u64,
    checksum: Option<(ChunkHasher, Vec<u8>)>,
    tee: Option<BlockWriter>,
    refusal: Refusal,
    ended: bool,
}

impl Reading {
    /// The body ended well: its spool is handed back.
    fn end(mut self) -> Option<(Result<Bytes, BlobError>, Reading)> {
        *self.refusal.tee.lock().expect("refusal poisoned") = self.tee.take();
        None
    }
}

/// `body`, checked against `size` and `checksum`, as a stream for the blob store; each
/// byte that passes also goes to `tee`, when given (dropped if it fails).
pub(super) fn checked<S, E>(
    body: S,
    size: Size,
    checksum: Option<(Algorithm, Vec<u8>)>,
    tee: Option<BlockWriter>,
) -> (ByteStream, Refusal)
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display,
{
    let refusal = Refusal::default();
    let reading = Reading {
        body: body.map(|r| r.map_err(|e| e.to_string())).boxed(),
        size,
        received: 0,
        checksum: checksum.map(|(a, expected)| (ChunkHasher::new(a), expected)),
        tee,
        refusal: refusal.clone(),
        ended: false,
    };
    let stream = futures_util::stream::unfold(reading, |mut r| async move {
        if r.ended {
            return None;
        }
        let refused = |r: Reading, e: AppendError| {
            r.refusal.set(e);
            let abort = Err(BlobError::Backend("the request body was refused".into()));
            Some((abort, Reading { ended: true, ..r }))
        };
        match r.body.next().await {
            Some(Ok(bytes)) => {
                let received = r.received + bytes.len() as u64;
                match r.size {
                    Size::AtMost(max) if received > max => {
                        return refused(r, AppendError::TooLong { remaining: max });
                    }
                    Size::Exactly(expected) if received > expected => {
                        return refused(r, AppendError::WrongSize { expected, received });
                    }
                    _ => {}
                }
                r.received = received;
                if let Some((hasher, _)) = r.checksum.as_mut() {
                    hasher.update(&bytes);
                }
                if let Some(tee) = r.tee.as_mut()
                    && tee.push(bytes.clone()).await.is_err()
                {
                    r.tee = None;
                }
                Some((Ok(bytes), r))
            }
            Some(Err(_)) => match r.size {
                Size::Exactly(_) => refused(r, AppendError::Interrupted),
                Size::AtMost(_) if r.checksum.is_some() => {
                    refused(r, AppendError::ChecksumMismatch)
                }
                Size::AtMost(_) => r.end(),
            },
            None => {
                if let Size::Exactly(expected) = r.size
                    && r.received != expected
                {
                    let received = r.received;
                    return refused(r, AppendError::WrongSize { expected, received });
                }
                let matches = match r.checksum.take() {
                    Some((hasher, expected)) => hasher.finish() == expected,
                    None => true,
                };
                if matches {
                    r.end()
                } else {
                    refused(r, AppendError::ChecksumMismatch)
                }
            }
        }
    });
    (stream.boxed(), refusal)
}
