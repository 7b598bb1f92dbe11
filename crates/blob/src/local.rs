//! The local directory's fast paths: storing a staged file by linking it, and reading
//! ranges in large pieces at their offsets.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use medialib_core::{BlobError, ByteStream, StorageKey};

/// Chunk size for streaming a local blob out, in bytes. `object_store` reads local files in
/// 8 KiB pieces, each a trip to the blocking pool: 640 of them for a 5 MB original.
const READ_CHUNK: usize = 256 * 1024;

/// Links `file` to `target` atomically: a link under a temporary name, renamed over the
/// target, so that readers see the old blob or the new one, never none.
pub(crate) fn link_into_place(file: &Path, target: &Path) -> std::io::Result<()> {
    let dir = target.parent().ok_or(std::io::ErrorKind::InvalidInput)?;
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".link-{}", uuid::Uuid::new_v4().simple()));
    std::fs::hard_link(file, &temporary)?;
    std::fs::rename(&temporary, target).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// Streams `range` of the local blob `file` in [`READ_CHUNK`] pieces, each one trip to
/// the blocking pool (the first also opens the file), read at its offset (`pread`).
pub(crate) async fn local_range(
    key: &StorageKey,
    file: &Path,
    range: Range<u64>,
) -> Result<ByteStream, BlobError> {
    let owned = key.as_str().to_owned();
    let io = move |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => BlobError::NotFound(owned.clone()),
        _ => BlobError::Backend(format!("{owned}: {e}")),
    };
    let (first, opened) = read_at(Source::Path(file.to_owned()), range.clone())
        .await
        .map_err(&io)?;
    let rest = futures_util::stream::try_unfold(
        (Source::Open(opened), range.start + first.len() as u64),
        move |(source, at)| async move {
            if at >= range.end {
                return Ok(None);
            }
            let (bytes, opened) = read_at(source, at..range.end).await?;
            let next = at + bytes.len() as u64;
            Ok(Some((bytes, (Source::Open(opened), next))))
        },
    );
    Ok(futures_util::stream::once(async { Ok(first) })
        .chain(rest)
        .map_err(io)
        .boxed())
}

/// A local blob to read: its path before the first read, then the open file.
enum Source {
    Path(PathBuf),
    Open(Arc<std::fs::File>),
}

/// Reads up to [`READ_CHUNK`] bytes of `range` on the blocking pool; a file that ends
/// early is an error, since the store recorded its length.
async fn read_at(
    source: Source,
    range: Range<u64>,
) -> std::io::Result<(Bytes, Arc<std::fs::File>)> {
    use std::os::unix::fs::FileExt;
    tokio::task::spawn_blocking(move || {
        let file = match source {
            Source::Path(path) => Arc::new(std::fs::File::open(path)?),
            Source::Open(file) => file,
        };
        let len = (range.end - range.start).min(READ_CHUNK as u64) as usize;
        let mut buf = vec![0; len];
        file.read_exact_at(&mut buf, range.start)?;
        Ok((Bytes::from(buf), file))
    })
    .await
    .map_err(std::io::Error::other)?
}
