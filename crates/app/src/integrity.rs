//! Whether the blob store and the metadata agree (`medialib verify`), and removing what
//! the store holds that no row references (`medialib gc`).
//!
//! The metadata is the source of truth: a referenced blob that is missing, of another
//! length or with other bytes (its SHA-256 differs) is a loss; a stored blob nothing
//! references is an orphan, which `gc` removes once it is older than a safety age (an
//! upload writes its bytes moments before its row).

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use futures_util::StreamExt;
use medialib_core::{AppError, AssetId, BlobEntry, NamespaceId, Sha256, StorageKey, Timestamp};
use rand::seq::SliceRandom;
use sha2::Digest;

use crate::Catalog;

/// The prefixes whose blobs rows reference one by one (transform results and upload parts
/// have their own upkeep).
const PREFIXES: [&str; 2] = ["originals", "variants"];
/// Referenced blobs read from the metadata at a time.
const PAGE: u32 = 1000;

/// A blob that does not match its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Its storage key.
    pub key: String,
    /// The asset it belongs to, when the key or the metadata tells.
    pub asset: Option<AssetId>,
    /// What is wrong, as a sentence fragment.
    pub what: String,
}

/// What [`verify`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// Blobs the metadata references.
    pub referenced: u64,
    /// Their bytes, as recorded.
    pub bytes: u64,
    /// Blobs whose bytes were read and hashed.
    pub hashed: u64,
    /// Referenced but not stored.
    pub missing: Vec<Problem>,
    /// Stored at another length than recorded.
    pub wrong_size: Vec<Problem>,
    /// Stored at the right length, with bytes whose SHA-256 differs.
    pub corrupt: Vec<Problem>,
    /// Stored, referenced by no row.
    pub unreferenced: Vec<BlobEntry>,
}

impl Report {
    /// Whether anything is wrong.
    pub fn has_problems(&self) -> bool {
        !(self.missing.is_empty()
            && self.wrong_size.is_empty()
            && self.corrupt.is_empty()
            && self.unreferenced.is_empty())
    }
}

/// What [`verify`] reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Bytes to hash in all, told once before hashing.
    Hashing(u64),
    /// This many more bytes were hashed.
    Hashed(u64),
}

/// Checks every referenced blob against the store: present, of its length, and, for all
/// of them or a random `sample` of that many, of its SHA-256; and lists the stored blobs
/// no row references.
///
/// Errors: the store's or the blob store's (not a mismatch: that is in the report).
pub async fn verify(
    catalog: &Catalog,
    sample: Option<usize>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, AppError> {
    let stored = listing(catalog).await?;
    let mut report = Report::default();
    let mut present = Vec::new();
    let mut referenced = HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let page = catalog.store.stored_blobs(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        for blob in page {
            report.referenced += 1;
            report.bytes += blob.size;
            match stored.get(&blob.key) {
                None => report
                    .missing
                    .push(problem(catalog, &blob.key, "missing".into()).await?),
                Some(entry) if entry.size != blob.size => {
                    let what = format!("{} bytes stored, {} recorded", entry.size, blob.size);
                    report
                        .wrong_size
                        .push(problem(catalog, &blob.key, what).await?);
                }
                Some(_) => present.push((blob.key.clone(), blob.size, blob.sha256)),
            }
            referenced.insert(blob.key);
        }
    }
    if let Some(n) = sample {
        present.shuffle(&mut rand::rng());
        present.truncate(n);
    }
    progress(Progress::Hashing(present.iter().map(|p| p.1).sum()));
    for (key, size, sha256) in &present {
        let found = hash(catalog, key, *size, progress).await?;
        report.hashed += 1;
        if &found != sha256 {
            let what = format!("bytes differ: SHA-256 {found}, recorded {sha256}");
            report.corrupt.push(problem(catalog, key, what).await?);
        }
    }
    report.unreferenced = stored
        .into_values()
        .filter(|e| !referenced.contains(e.key.as_str()))
        .collect();
    report
        .unreferenced
        .sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    Ok(report)
}

/// Deletes the stored blobs no row references that were last written before
/// `written_before`; returns them.
///
/// Errors: the store's or the blob store's; blobs deleted until then stay deleted.
pub async fn remove_orphans(
    catalog: &Catalog,
    written_before: Timestamp,
) -> Result<Vec<BlobEntry>, AppError> {
    let report = verify(catalog, Some(0), &|_| {}).await?;
    let old: Vec<BlobEntry> = report
        .unreferenced
        .into_iter()
        .filter(|e| e.modified.is_some_and(|t| t < written_before))
        .collect();
    for entry in &old {
        catalog.blobs.delete(&entry.key).await?;
    }
    Ok(old)
}

async fn listing(catalog: &Catalog) -> Result<HashMap<String, BlobEntry>, AppError> {
    let mut stored = HashMap::new();
    for prefix in PREFIXES {
        for entry in catalog.blobs.list(prefix).await? {
            stored.insert(entry.key.as_str().to_owned(), entry);
        }
    }
    Ok(stored)
}

/// The SHA-256 of the `size` bytes of the blob at `key`, read as a stream.
async fn hash(
    catalog: &Catalog,
    key: &str,
    size: u64,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Sha256, AppError> {
    let key = StorageKey::from_stored(key.to_owned());
    let mut stream = catalog.blobs.get_range(&key, 0..size).await?;
    let mut hasher = sha2::Sha256::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        progress(Progress::Hashed(chunk.len() as u64));
    }
    Ok(Sha256(hasher.finalize().into()))
}

/// A problem with the blob at `key`, with its asset: a variant's key names it; an
/// original's names its namespace and content hash.
async fn problem(catalog: &Catalog, key: &str, what: String) -> Result<Problem, AppError> {
    let parts: Vec<&str> = key.split('/').collect();
    let asset = match parts.as_slice() {
        ["variants", id, ..] => AssetId::from_str(id).ok(),
        ["originals", ns, _, _, sha] => match (ns.parse(), Sha256::from_str(sha)) {
            (Ok(ns), Ok(sha)) => catalog
                .store
                .find_by_sha256(NamespaceId(ns), &sha)
                .await?
                .map(|a| a.id),
            _ => None,
        },
        _ => None,
    };
    Ok(Problem {
        key: key.to_owned(),
        asset,
        what,
    })
}
