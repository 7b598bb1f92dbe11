//! `medialib gc`: staging files of crashed processes, and stored blobs no row references.

use std::process::ExitCode;
use std::time::Duration;

use medialib_app::ingest::staging;
use medialib_core::{Settings, Timestamp};

/// Removes staging directories of processes that are gone, then the originals and
/// variants no row references that were last written more than `orphan_age` ago (younger
/// ones may belong to an upload still recording its row).
pub async fn run(settings: Settings, orphan_age: Duration) -> anyhow::Result<ExitCode> {
    let freed = staging::clean_abandoned(&settings.data_dir)?;
    println!("removed {freed} bytes of abandoned staging files");
    let opened = medialib_app::open::open(settings).await?;
    let before = Timestamp::now_utc() - orphan_age;
    let removed = medialib_app::integrity::remove_orphans(&opened.catalog, before).await?;
    let bytes: u64 = removed.iter().map(|e| e.size).sum();
    println!(
        "removed {} orphan blobs ({bytes} bytes) older than {} hours",
        removed.len(),
        orphan_age.as_secs() / 3600
    );
    for entry in &removed {
        println!("  {}", entry.key.as_str());
    }
    Ok(ExitCode::SUCCESS)
}
