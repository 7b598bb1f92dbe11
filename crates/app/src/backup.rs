//! Backup and restore of an embedded install: the SQLite database and the local blob
//! directory. PostgreSQL and object storage have better tools of their own (`pg_dump`,
//! bucket versioning and replication), and these refuse them, saying so.
//!
//! A backup directory holds `medialib.db` (a consistent snapshot, `VACUUM INTO`, taken
//! while the server serves), `blobs/` (every blob that snapshot references, under its
//! storage key), `blobs.sha256` (each copied blob's key and SHA-256, so the next backup
//! to the same place copies only what is new or changed) and `signing.key` when the
//! install generated one (signed URLs keep working after a restore).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use medialib_core::config::Storage;
use medialib_core::store::AssetStore;
use medialib_core::{AppError, Database, Settings};
use medialib_store::SqliteStore;

/// Referenced blobs read from the snapshot at a time.
const PAGE: u32 = 1000;
/// The manifest of copied blobs in a backup directory.
const MANIFEST: &str = "blobs.sha256";
/// Files of the data directory that go with the database.
const KEY_FILE: &str = "signing.key";

/// What a backup or a restore reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Bytes to copy in all, told once, first.
    Total(u64),
    /// This many more bytes were copied.
    Copied(u64),
}

/// What a backup did.
#[derive(Debug, Default)]
pub struct BackupReport {
    /// Blobs copied this time.
    pub copied: u64,
    /// Bytes copied.
    pub copied_bytes: u64,
    /// Blobs already in the backup from an earlier run.
    pub kept: u64,
    /// Blobs the snapshot references that were deleted before they could be copied (an
    /// asset purged during the backup).
    pub vanished: Vec<String>,
}

/// The install's database file and blob directory, or why this is no embedded install.
fn embedded(settings: &Settings) -> Result<(PathBuf, PathBuf), AppError> {
    let database = match settings.database() {
        Database::Sqlite(path) => path,
        Database::Postgres(_) => {
            return Err(AppError::invalid(
                "this install keeps its metadata in PostgreSQL: back it up with pg_dump \
                 (or continuous archiving), and its blobs with the storage's own tools",
            ));
        }
    };
    let blobs = match settings
        .storage()
        .map_err(|e| AppError::invalid(e.to_string()))?
    {
        Storage::Local(path) => path,
        _ => {
            return Err(AppError::invalid(
                "this install keeps its blobs in object storage: protect them with bucket \
                 versioning or replication, and back up the database on its own",
            ));
        }
    };
    Ok((database, blobs))
}

/// Backs up the install `settings` describe into `dest` while it keeps serving: a
/// snapshot of the database, then every blob the snapshot references that the backup
/// lacks or holds with other bytes.
///
/// Errors: `invalid_request` for PostgreSQL or object storage; the store's, or IO errors
/// as `internal` (the earlier backup in `dest` stays usable: the new snapshot replaces it
/// only once every blob is copied).
pub async fn backup(
    settings: &Settings,
    dest: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BackupReport, AppError> {
    let (database, blobs) = embedded(settings)?;
    tokio::fs::create_dir_all(dest.join("blobs"))
        .await
        .map_err(AppError::internal)?;
    let partial = dest.join("medialib.db.partial");
    let _ = tokio::fs::remove_file(&partial).await;
    let live = SqliteStore::open(&database).await?;
    live.snapshot(&partial).await?;
    live.close().await;

    let snapshot = SqliteStore::open(&partial).await?;
    let mut wanted = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = snapshot.stored_blobs(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        wanted.extend(page);
    }
    snapshot.close().await;

    let mut manifest = read_manifest(&dest.join(MANIFEST)).await;
    let mut report = BackupReport::default();
    let (fresh, kept): (Vec<_>, Vec<_>) = wanted.into_iter().partition(|b| {
        manifest.get(&b.key) != Some(&b.sha256.to_string())
            || !dest.join("blobs").join(&b.key).exists()
    });
    report.kept = kept.len() as u64;
    progress(Progress::Total(fresh.iter().map(|b| b.size).sum()));
    for blob in fresh {
        let to = dest.join("blobs").join(&blob.key);
        match copy_file(&blobs.join(&blob.key), &to).await {
            Ok(bytes) => {
                report.copied += 1;
                report.copied_bytes += bytes;
                progress(Progress::Copied(bytes));
                manifest.insert(blob.key, blob.sha256.to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.vanished.push(blob.key),
            Err(e) => return Err(AppError::internal(format!("{}: {e}", blob.key))),
        }
    }
    write_manifest(&dest.join(MANIFEST), &manifest).await?;
    let key = settings.data_dir.join(KEY_FILE);
    if key.exists() {
        copy_file(&key, &dest.join(KEY_FILE))
            .await
            .map_err(AppError::internal)?;
    }
    tokio::fs::rename(&partial, dest.join("medialib.db"))
        .await
        .map_err(AppError::internal)?;
    Ok(report)
}

/// Rebuilds an install from the backup in `src`: its database, blobs and signing key go
/// where `settings` keeps them. Returns the blobs and bytes restored.
///
/// Errors: `invalid_request` for PostgreSQL or object storage, a `src` that holds no
/// backup, or a target that already has a database (restore into a new data directory);
/// IO errors as `internal`.
pub async fn restore(
    settings: &Settings,
    src: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(u64, u64), AppError> {
    let (database, blobs) = embedded(settings)?;
    let snapshot = src.join("medialib.db");
    if !snapshot.exists() {
        return Err(AppError::invalid(format!(
            "{} holds no backup (no medialib.db): give the directory `medialib backup` wrote",
            src.display()
        )));
    }
    if database.exists() {
        return Err(AppError::invalid(format!(
            "{} exists already: restore into a new data directory",
            database.display()
        )));
    }
    let files = walk(&src.join("blobs"));
    let total: u64 = files.iter().map(|(_, size)| size).sum();
    progress(Progress::Total(total));
    for (file, size) in &files {
        let key = file
            .strip_prefix(src.join("blobs"))
            .map_err(AppError::internal)?;
        copy_file(file, &blobs.join(key))
            .await
            .map_err(AppError::internal)?;
        progress(Progress::Copied(*size));
    }
    if src.join(KEY_FILE).exists() {
        copy_file(&src.join(KEY_FILE), &settings.data_dir.join(KEY_FILE))
            .await
            .map_err(AppError::internal)?;
    }
    copy_file(&snapshot, &database)
        .await
        .map_err(AppError::internal)?;
    Ok((files.len() as u64, total))
}

/// Copies `from` to `to` through a temporary file beside it, so `to` is whole or absent.
async fn copy_file(from: &Path, to: &Path) -> std::io::Result<u64> {
    if let Some(dir) = to.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let partial = to.with_extension("partial");
    let bytes = tokio::fs::copy(from, &partial).await?;
    tokio::fs::rename(&partial, to).await?;
    Ok(bytes)
}

async fn read_manifest(path: &Path) -> HashMap<String, String> {
    let text = tokio::fs::read_to_string(path).await.unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(sha, key)| (key.to_owned(), sha.to_owned()))
        .collect()
}

/// Writes the manifest in `sha256sum`'s format (`{sha}  {key}`), so `cd blobs &&
/// sha256sum -c ../blobs.sha256` checks a backup by hand.
async fn write_manifest(path: &Path, manifest: &HashMap<String, String>) -> Result<(), AppError> {
    let mut lines: Vec<String> = manifest
        .iter()
        .map(|(key, sha)| format!("{sha}  {key}\n"))
        .collect();
    lines.sort_unstable_by(|a, b| a[66..].cmp(&b[66..]));
    let partial = path.with_extension("partial");
    tokio::fs::write(&partial, lines.concat())
        .await
        .map_err(AppError::internal)?;
    tokio::fs::rename(&partial, path)
        .await
        .map_err(AppError::internal)
}

/// Every file under `dir`, with its size.
fn walk(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        match entry.metadata() {
            Ok(m) if m.is_dir() => out.extend(walk(&path)),
            Ok(m) if path.extension().is_none_or(|e| e != "partial") => out.push((path, m.len())),
            _ => {}
        }
    }
    out
}
