//! `medialib backup DEST` and `medialib restore SRC` ([`medialib_app::backup`]), with a
//! progress bar over the bytes copied.

use std::path::Path;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use medialib_app::backup::{self, Progress};
use medialib_core::Settings;

fn bar(verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{verb} {{bar:30}} {{binary_bytes}}/{{binary_total_bytes}} ({{binary_bytes_per_sec}}, {{eta}} left)"
        ))
        .expect("valid template"),
    );
    bar
}

fn follow(bar: &ProgressBar) -> impl Fn(Progress) + Sync + '_ {
    move |p| match p {
        Progress::Total(bytes) => bar.set_length(bytes),
        Progress::Copied(bytes) => bar.inc(bytes),
    }
}

/// Backs the install up into `dest` and prints what was copied. Exits 1 when a blob
/// vanished during the backup (that asset was purged meanwhile, or is lost).
pub async fn backup(settings: &Settings, dest: &Path) -> anyhow::Result<ExitCode> {
    let bar = bar("backup");
    let report = backup::backup(settings, dest, &follow(&bar)).await?;
    bar.finish_and_clear();
    println!(
        "backed up to {}: the database, {} new blobs ({} bytes) copied, {} already there",
        dest.display(),
        report.copied,
        report.copied_bytes,
        report.kept
    );
    if report.vanished.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} blobs the database references were gone before they could be copied:",
        report.vanished.len()
    );
    for key in &report.vanished {
        println!("  {key}");
    }
    Ok(ExitCode::FAILURE)
}

/// Restores the backup in `src` into the install `settings` describe.
pub async fn restore(settings: &Settings, src: &Path) -> anyhow::Result<ExitCode> {
    let bar = bar("restore");
    let (blobs, bytes) = backup::restore(settings, src, &follow(&bar)).await?;
    bar.finish_and_clear();
    println!(
        "restored {} into {}: the database and {blobs} blobs ({bytes} bytes); `medialib verify` checks them",
        src.display(),
        settings.data_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
