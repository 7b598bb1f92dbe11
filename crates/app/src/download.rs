//! Many originals as one ZIP file (APPNOTE 6.3.10), streamed while it is written. The
//! entries are stored, not compressed: media files are compressed already, so the
//! archive costs no CPU and its first bytes leave at once. Sizes go in data descriptors
//! after each entry (general purpose bit 3), and ZIP64 records where an entry reaches
//! 4 GiB.

use std::collections::HashSet;
use std::io::{self, Write};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use medialib_core::access::Principal;
use medialib_core::{AppError, Asset, AssetId, StorageKey, Timestamp};
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::Catalog;
use crate::access::authorize::can_read;
use crate::bulk::MAX_BULK_IDS;

/// Bytes gathered before a chunk of the archive is sent.
const CHUNK: usize = 256 * 1024;
/// Chunks waiting for a slow client before the writer waits too.
const QUEUED: usize = 8;

/// One original in the archive.
#[derive(Debug, Clone)]
struct Entry {
    /// Its path in the archive: the original filename, made unique.
    name: String,
    key: StorageKey,
    size: u64,
    modified: Timestamp,
}

/// The originals an archive holds, checked and named; [`Archive::stream`] writes it.
#[derive(Debug, Clone)]
pub struct Archive {
    entries: Vec<Entry>,
    /// The originals' bytes together (the archive adds about 100 bytes per entry).
    pub original_bytes: u64,
}

/// The archive of the originals of `ids` (1–1000, repeats ignored), each named by its
/// original filename: `/`, `\` and control characters become `_`, and a name already
/// taken gets ` (2)`, ` (3)`, … before its extension.
///
/// Errors: `invalid_request` for too few or too many ids; `not_found` for an asset the
/// caller cannot see or one in the trash (nothing is sent).
pub async fn archive(
    catalog: &Catalog,
    caller: &Principal,
    ids: &[AssetId],
) -> Result<Archive, AppError> {
    if ids.is_empty() || ids.len() > MAX_BULK_IDS {
        return Err(AppError::invalid(format!(
            "give 1-{MAX_BULK_IDS} ids, not {}",
            ids.len()
        )));
    }
    let mut unique = HashSet::new();
    let ids: Vec<AssetId> = ids
        .iter()
        .copied()
        .filter(|id| unique.insert(*id))
        .collect();
    let found = catalog.store.get_assets(&ids).await?;
    let mut names = HashSet::new();
    let mut entries = Vec::with_capacity(ids.len());
    let mut original_bytes = 0;
    for id in &ids {
        let asset: &Asset = found
            .iter()
            .find(|a| a.id == *id && can_read(caller, a) && a.deleted_at.is_none())
            .ok_or_else(|| AppError::not_found(format!("asset {id}")))?;
        original_bytes += asset.size;
        entries.push(Entry {
            name: unique_name(&mut names, &asset.original_filename, asset.id),
            key: StorageKey::original(asset.namespace, &asset.sha256),
            size: asset.size,
            modified: asset.created_at,
        });
    }
    Ok(Archive {
        entries,
        original_bytes,
    })
}

impl Archive {
    /// How many files the archive holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none (never, once made by [`archive`]).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The archive's bytes, written as they are read. A blob that cannot be read ends
    /// the stream with its error, so that a client sees a failed download, never a
    /// short archive that looks whole. The writing stops when the stream is dropped.
    pub fn stream(
        self,
        catalog: &Catalog,
    ) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static {
        let (tx, rx) = mpsc::channel(QUEUED);
        let blobs = catalog.blobs.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let mut out = ChannelWriter {
                tx: tx.clone(),
                buffer: BytesMut::with_capacity(CHUNK),
            };
            let written = (|| -> io::Result<()> {
                let mut zip = ZipWriter::new_stream(&mut out);
                for entry in &self.entries {
                    let options = SimpleFileOptions::default()
                        .compression_method(CompressionMethod::Stored)
                        .last_modified_time(zip_time(entry.modified))
                        .large_file(entry.size >= u64::from(u32::MAX));
                    zip.start_file(entry.name.as_str(), options)?;
                    if entry.size == 0 {
                        continue;
                    }
                    let mut bytes = runtime
                        .block_on(blobs.get_range(&entry.key, 0..entry.size))
                        .map_err(io::Error::other)?;
                    while let Some(chunk) = runtime.block_on(bytes.next()) {
                        zip.write_all(&chunk.map_err(io::Error::other)?)?;
                    }
                }
                zip.finish()?;
                Ok(())
            })();
            match written.and_then(|()| out.flush()) {
                Ok(()) => {}
                // The client left: nobody to tell.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                Err(e) => {
                    tracing::warn!(error = %e, "zip download failed");
                    let _ = tx.blocking_send(Err(e));
                }
            }
        });
        let mut rx = rx;
        futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}

/// A `Write` that sends what it is given, in chunks of [`CHUNK`] bytes, to a channel;
/// `BrokenPipe` once the receiving side is gone.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buffer: BytesMut,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = self.buffer.split().freeze();
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

/// A name for `filename` in the archive that `taken` does not hold yet (and now does).
fn unique_name(taken: &mut HashSet<String>, filename: &str, id: AssetId) -> String {
    let clean: String = filename
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = match clean.trim() {
        "" | "." | ".." => format!("asset-{id}"),
        name => name.to_owned(),
    };
    let (stem, extension) = match clean.rfind('.') {
        Some(dot) if dot > 0 => clean.split_at(dot),
        _ => (clean.as_str(), ""),
    };
    let mut name = clean.clone();
    let mut n = 2;
    while !taken.insert(name.to_lowercase()) {
        name = format!("{stem} ({n}){extension}");
        n += 1;
    }
    name
}

/// `t` as an MS-DOS date and time (1980–2107, two-second steps; UTC, as ZIP has no zone).
fn zip_time(t: Timestamp) -> zip::DateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).unwrap_or(1980).clamp(1980, 2107),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use medialib_core::AssetId;

    use super::unique_name;

    #[test]
    fn names_are_made_safe_and_unique() {
        let id: AssetId = "0190d7b8-7c8e-7a3c-9d4e-2f1a3b4c5d6e".parse().unwrap();
        let mut taken = HashSet::new();
        let names: Vec<String> = [
            "photo.jpg",
            "Photo.JPG",
            "photo.jpg",
            "../etc/passwd",
            "",
            "notes",
        ]
        .iter()
        .map(|n| unique_name(&mut taken, n, id))
        .collect();
        assert_eq!(
            names,
            [
                "photo.jpg",
                "Photo (2).JPG",
                "photo (3).jpg",
                ".._etc_passwd",
                "asset-0190d7b8-7c8e-7a3c-9d4e-2f1a3b4c5d6e",
                "notes"
            ]
        );
    }
}
