//! Copying every blob the metadata references into another store (`medialib storage
//! migrate`), resumably, while the install keeps serving from the old one.
//!
//! The main pass walks the referenced blobs in storage-key order, a page at a time, and
//! copies each page's blobs concurrently; once a page is in, a checkpoint file in the data
//! directory records its last key, so an interrupted run continues after it. A final pass
//! lists the new store once and copies what is missing there: blobs that arrived during
//! the copy, or whose key sorted before the checkpoint.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use futures_util::{StreamExt, TryStreamExt, stream};
use medialib_core::store::StoredBlob;
use medialib_core::{BlobStore, Sha256, StorageKey};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::Catalog;

/// Referenced blobs read, and then copied concurrently, at a time.
const PAGE: u32 = 100;
/// The checkpoint, in the data directory.
const CHECKPOINT: &str = "storage-migrate.json";

/// How to copy.
#[derive(Debug, Clone, Copy)]
pub struct CopyOptions {
    /// Read every copy back from the new store and check its SHA-256.
    pub verify: bool,
    /// Blobs copied at once (at least 1).
    pub concurrency: usize,
}

/// What the copy reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Everything to copy: the referenced blobs and their bytes.
    Total {
        /// Referenced blobs.
        blobs: u64,
        /// Their bytes.
        bytes: u64,
    },
    /// Bytes now in the new store (copied, or copied by an earlier, interrupted run).
    Done(u64),
}

/// What a finished copy did.
#[derive(Debug, Clone, Default)]
pub struct CopyReport {
    /// The key after which an earlier run's checkpoint let this one start.
    pub resumed_after: Option<String>,
    /// Blobs this run copied (final pass included).
    pub copied: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Blobs the final pass found missing from the new store, and copied.
    pub caught_up: u64,
}

/// The checkpoint file's content: the store being copied to, and the last key of the
/// last page that is wholly there.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    to: String,
    after: String,
}

/// Copies every blob `catalog`'s metadata references from its store into `target`
/// (which `to` names, for the checkpoint), continuing an interrupted copy to the same
/// `to`. `progress` hears the total first, then each blob's bytes as they land.
///
/// Errors: a blob the old store lacks (`medialib verify` lists them all), a store that
/// fails, or, with `verify`, a copy that reads back with another SHA-256; the checkpoint
/// stays, so a later run resumes.
pub async fn copy_blobs(
    catalog: &Catalog,
    to: &str,
    target: &dyn BlobStore,
    options: CopyOptions,
    progress: impl Fn(Progress),
) -> anyhow::Result<CopyReport> {
    let checkpoint_path = catalog.settings.data_dir.join(CHECKPOINT);
    let resumed_after = read_checkpoint(&checkpoint_path, to)?;
    let (blobs, bytes, done) = totals(catalog, resumed_after.as_deref()).await?;
    progress(Progress::Total { blobs, bytes });
    progress(Progress::Done(done));
    let mut report = CopyReport {
        resumed_after: resumed_after.clone(),
        ..CopyReport::default()
    };
    let copy = |blob: StoredBlob| {
        let staging = catalog.staging_dir.as_path();
        let progress = &progress;
        async move {
            copy_one(&*catalog.blobs, target, staging, &blob, options.verify).await?;
            progress(Progress::Done(blob.size));
            anyhow::Ok(blob.size)
        }
    };

    let mut after = resumed_after;
    loop {
        let page = catalog.store.stored_blobs(after.as_deref(), PAGE).await?;
        let Some(last) = page.last().map(|b| b.key.clone()) else {
            break;
        };
        report.add(copy_all(page, &copy, options.concurrency).await?);
        write_checkpoint(&checkpoint_path, to, &last)?;
        after = Some(last);
    }

    // Blobs that arrived meanwhile, wherever their keys sort.
    let mut held: HashMap<String, u64> = HashMap::new();
    for prefix in ["originals", "variants"] {
        for entry in target.list(prefix).await? {
            held.insert(entry.key.as_str().to_owned(), entry.size);
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = catalog.store.stored_blobs(after.as_deref(), PAGE).await?;
        let Some(last) = page.last().map(|b| b.key.clone()) else {
            break;
        };
        let missing: Vec<StoredBlob> = page
            .into_iter()
            .filter(|b| held.get(&b.key) != Some(&b.size))
            .collect();
        let (blobs, bytes) = copy_all(missing, &copy, options.concurrency).await?;
        report.caught_up += blobs;
        report.add((blobs, bytes));
        after = Some(last);
    }
    match std::fs::remove_file(&checkpoint_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("remove {}", checkpoint_path.display()))
        }
        _ => Ok(report),
    }
}

impl CopyReport {
    /// Counts `blobs` more copied, of `bytes`.
    fn add(&mut self, (blobs, bytes): (u64, u64)) {
        self.copied += blobs;
        self.bytes += bytes;
    }
}

/// Copies `blobs`, `concurrency` at a time, with `copy` (which answers each one's bytes);
/// how many it copied, and their bytes.
async fn copy_all<F, Fut>(
    blobs: Vec<StoredBlob>,
    copy: F,
    concurrency: usize,
) -> anyhow::Result<(u64, u64)>
where
    F: FnMut(StoredBlob) -> Fut,
    Fut: Future<Output = anyhow::Result<u64>>,
{
    let sizes: Vec<u64> = stream::iter(blobs)
        .map(copy)
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    Ok((sizes.len() as u64, sizes.iter().sum()))
}

/// Counts the referenced blobs and their bytes, and the bytes at or before `done_until`
/// (copied by an interrupted run).
async fn totals(catalog: &Catalog, done_until: Option<&str>) -> anyhow::Result<(u64, u64, u64)> {
    let (mut blobs, mut bytes, mut done) = (0, 0, 0);
    let mut after: Option<String> = None;
    loop {
        let page = catalog.store.stored_blobs(after.as_deref(), 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        for blob in &page {
            blobs += 1;
            bytes += blob.size;
            if done_until.is_some_and(|until| blob.key.as_str() <= until) {
                done += blob.size;
            }
        }
    }
    Ok((blobs, bytes, done))
}

/// Copies one blob through a file in `staging` (the old store's own file when it is
/// local), streamed both ways; with `verify`, reads the copy back and checks its hash.
async fn copy_one(
    source: &dyn BlobStore,
    target: &dyn BlobStore,
    staging: &Path,
    blob: &StoredBlob,
    verify: bool,
) -> anyhow::Result<()> {
    let key = StorageKey::from_stored(blob.key.clone());
    let file = source
        .get_to_file(&key, staging)
        .await
        .with_context(|| format!("read {} from the old store", blob.key))?;
    target
        .put_file(&key, file.path())
        .await
        .with_context(|| format!("write {} to the new store", blob.key))?;
    if verify {
        let mut hasher = sha2::Sha256::new();
        let mut chunks = target.get_range(&key, 0..blob.size).await?;
        while let Some(chunk) = chunks.try_next().await? {
            hasher.update(&chunk);
        }
        let read = Sha256(hasher.finalize().into());
        if read != blob.sha256 {
            bail!(
                "the copy of {} reads back with SHA-256 {read}, not {}",
                blob.key,
                blob.sha256
            );
        }
    }
    Ok(())
}

/// The key to resume after: the checkpoint's, when it is for the same store.
fn read_checkpoint(path: &Path, to: &str) -> anyhow::Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("read {}", path.display())),
    };
    let checkpoint: Checkpoint = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a migration checkpoint", path.display()))?;
    Ok((checkpoint.to == to).then_some(checkpoint.after))
}

/// Records that every referenced blob up to `after` is in `to`: a temporary file renamed
/// over the checkpoint, so a crash leaves the old checkpoint or the new one.
fn write_checkpoint(path: &Path, to: &str, after: &str) -> anyhow::Result<()> {
    let text = serde_json::to_string(&Checkpoint {
        to: to.to_owned(),
        after: after.to_owned(),
    })?;
    let temporary: PathBuf = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .with_context(|| format!("write {}", path.display()))
}
