//! Session bytes as objects in the blob store, which every node reaches: tus parts (one
//! per request, on remote stores) and chunks (chunked uploads, on every store). Keys are
//! [`StorageKey::upload_part`] and [`StorageKey::upload_chunk`]; the objects under a
//! session's prefix are listed, not recorded, so a part is counted only once its write
//! completed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use medialib_core::{BlobEntry, BlobError, BlobStore, ByteStream, StorageKey, UploadId};

use super::blocks::BlockWriter;
use super::checked::{Size, checked};
use super::{Algorithm, AppendError};
use crate::ingest::staging::{self, StageError, StagedFile};

/// Stores `body` as a new part of session `id` starting at `offset`, at most
/// `remaining` bytes, copying it to `tee` on the way; returns the new offset and, when
/// every byte was stored, the spool that holds them too.
pub(super) async fn append_part<S, E>(
    blobs: &dyn BlobStore,
    id: UploadId,
    offset: u64,
    remaining: u64,
    body: S,
    checksum: Option<(Algorithm, Vec<u8>)>,
    tee: Option<BlockWriter>,
) -> Result<(u64, Option<BlockWriter>), AppendError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display,
{
    let key = StorageKey::upload_part(id, offset, uuid::Uuid::new_v4());
    let (stream, refusal) = checked(body, Size::AtMost(remaining), checksum, tee);
    let stored = blobs.put_stream(&key, stream).await;
    if let Some(refused) = refusal.take() {
        return Err(refused);
    }
    let size = stored?;
    if size == 0 {
        blobs.delete(&key).await?;
    }
    Ok((offset + size, refusal.take_tee()))
}

/// Stores `body` as chunk `index` of a chunked upload, which must be `size` bytes.
pub(super) async fn put_chunk<S, E>(
    blobs: &dyn BlobStore,
    id: UploadId,
    index: u64,
    size: u64,
    body: S,
    checksum: Option<(Algorithm, Vec<u8>)>,
) -> Result<(), AppendError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display,
{
    let key = StorageKey::upload_chunk(id, index);
    let (stream, refusal) = checked(body, Size::Exactly(size), checksum, None);
    let stored = blobs.put_stream(&key, stream).await;
    if let Some(refused) = refusal.take() {
        return Err(refused);
    }
    stored.map(drop).map_err(AppendError::from)
}

/// The chunks of session `id` in the store: index to size in bytes.
pub(super) async fn chunks(
    blobs: &dyn BlobStore,
    id: UploadId,
) -> Result<BTreeMap<u64, u64>, BlobError> {
    Ok(blobs
        .list(&StorageKey::upload_prefix(id))
        .await?
        .into_iter()
        .filter_map(|entry| {
            let name = entry.key.as_str().rsplit('/').next()?;
            let index = name.strip_prefix("chunk-")?.parse().ok()?;
            Some((index, entry.size))
        })
        .collect())
}

/// The parts of session `id` that hold its first `length` bytes, in order: any chain of
/// parts from 0 to `length` (parts that start at the same offset hold the same bytes of
/// the same file, since tus bytes are addressed by offset).
///
/// Errors with [`BlobError::NotFound`] when no chain reaches `length`.
pub(super) async fn parts(
    blobs: &dyn BlobStore,
    id: UploadId,
    length: u64,
) -> Result<Vec<BlobEntry>, BlobError> {
    let listed = blobs.list(&StorageKey::upload_prefix(id)).await?;
    chain(listed, length)
        .ok_or_else(|| BlobError::NotFound(format!("{} (parts)", StorageKey::upload_prefix(id))))
}

fn chain(listed: Vec<BlobEntry>, length: u64) -> Option<Vec<BlobEntry>> {
    let mut parts: Vec<(u64, BlobEntry)> = listed
        .into_iter()
        .filter_map(|entry| Some((entry.key.part_start()?, entry)))
        .filter(|(start, entry)| entry.size > 0 && start + entry.size <= length)
        .collect();
    parts.sort_by_key(|(start, _)| *start);
    // For each offset reached, the part that reached it: a part's end is past its start,
    // so in order of start every part that reaches an offset comes before those from it.
    let mut reached: HashMap<u64, Option<usize>> = HashMap::from([(0, None)]);
    for (i, (start, entry)) in parts.iter().enumerate() {
        if reached.contains_key(start) {
            reached.entry(start + entry.size).or_insert(Some(i));
        }
    }
    let mut order = Vec::new();
    let mut at = length;
    while let Some(i) = *reached.get(&at)? {
        order.push(i);
        at = parts[i].0;
    }
    let mut parts: Vec<Option<BlobEntry>> = parts.into_iter().map(|(_, e)| Some(e)).collect();
    Some(
        order
            .into_iter()
            .rev()
            .filter_map(|i| parts[i].take())
            .collect(),
    )
}

/// Deletes every object of session `id`.
pub(super) async fn remove(blobs: &dyn BlobStore, id: UploadId) -> Result<(), BlobError> {
    for entry in blobs.list(&StorageKey::upload_prefix(id)).await? {
        blobs.delete(&entry.key).await?;
    }
    Ok(())
}

/// Streams `objects`, in order, into a new staged file in `dir` (hashed on the way, as
/// every upload is staged): the file that ingest takes.
pub(super) async fn stage(
    blobs: &dyn BlobStore,
    dir: &Path,
    objects: &[BlobEntry],
) -> Result<StagedFile, AppendError> {
    // Staging sees only a broken stream; the store's error is kept with its kind
    // (unavailable: retry; missing: the session lost its bytes).
    let failed: Mutex<Option<BlobError>> = Mutex::default();
    // One object open at a time, each opened once the one before it ends.
    let start = (objects.iter(), None::<ByteStream>);
    let bytes = futures_util::stream::try_unfold(start, move |(mut rest, mut open)| async move {
        loop {
            if let Some(current) = open.as_mut()
                && let Some(bytes) = current.try_next().await?
            {
                return Ok(Some((bytes, (rest, open))));
            }
            let Some(object) = rest.next() else {
                return Ok(None);
            };
            open = Some(blobs.get_range(&object.key, 0..object.size).await?);
        }
    })
    .map_err(|e: BlobError| {
        let text = e.to_string();
        *failed.lock().expect("not poisoned") = Some(e);
        text
    });
    match staging::stage(dir, bytes, u64::MAX).await {
        Ok(staged) => Ok(staged),
        Err(StageError::Disk(e)) => Err(e.into()),
        Err(other) => {
            let stored = failed.lock().expect("not poisoned").take();
            Err(stored
                .unwrap_or(BlobError::Backend(other.to_string()))
                .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(start: u64, size: u64) -> BlobEntry {
        let id = UploadId(uuid::Uuid::nil());
        BlobEntry {
            key: StorageKey::upload_part(id, start, uuid::Uuid::new_v4()),
            size,
            modified: None,
        }
    }

    fn starts(chain: Option<Vec<BlobEntry>>) -> Option<Vec<(u64, u64)>> {
        chain.map(|c| {
            c.iter()
                .map(|e| (e.key.part_start().unwrap(), e.size))
                .collect()
        })
    }

    #[test]
    fn a_chain_skips_parts_that_lead_nowhere_and_parts_past_the_length() {
        // A request that broke off at 10 and was resumed there, a longer part from 0
        // that a crash left unrecorded, and one past the recorded length.
        let listed = vec![part(0, 10), part(10, 20), part(0, 12), part(30, 5)];
        assert_eq!(starts(chain(listed, 30)), Some(vec![(0, 10), (10, 20)]));
        assert_eq!(
            starts(chain(vec![part(0, 12), part(12, 3)], 15)),
            Some(vec![(0, 12), (12, 3)])
        );
        assert_eq!(starts(chain(Vec::new(), 0)), Some(Vec::new()));
    }

    #[test]
    fn a_gap_is_no_chain() {
        assert_eq!(starts(chain(vec![part(0, 10), part(11, 5)], 16)), None);
        let chunk = BlobEntry {
            key: StorageKey::upload_chunk(UploadId(uuid::Uuid::nil()), 0),
            size: 16,
            modified: None,
        };
        assert_eq!(starts(chain(vec![chunk], 16)), None, "chunks are not parts");
    }
}
