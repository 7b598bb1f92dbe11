//! `medialib import <paths…>`: bulk ingest through the same pipeline as uploads.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use medialib_app::ingest::{self, Declared, IngestOutcome, Uploader, staging};
use medialib_core::Settings;
use medialib_server::App;
use medialib_worker::{self as worker, Step};
use tokio_util::io::ReaderStream;

/// Imports every file under `paths`; exits non-zero when any file was rejected.
pub async fn run(
    settings: Settings,
    paths: &[PathBuf],
    public: bool,
    process: bool,
) -> anyhow::Result<ExitCode> {
    let files = collect(paths)?;
    let app = App::open(settings).await?;
    let state = &app.state;
    let uploader = Uploader {
        namespace: state.catalog.store.default_namespace().await?,
        user: None,
    };

    let bar = progress(files.len() as u64, "importing");
    let (mut created, mut duplicates) = (0u64, 0u64);
    let mut rejected: Vec<(PathBuf, String)> = Vec::new();
    for file in &files {
        bar.set_message(file.display().to_string());
        match import_one(&app, uploader, file, public).await {
            Ok(IngestOutcome::Created(_)) => created += 1,
            Ok(IngestOutcome::Duplicate(_)) => duplicates += 1,
            Err(reason) => {
                bar.suspend(|| eprintln!("rejected {}: {reason}", file.display()));
                rejected.push((file.clone(), reason));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    if process && created > 0 {
        let bar = progress(created, "processing");
        let owner = format!("import-{}", std::process::id());
        while let Step::Ran(_) = worker::run_next_job(&state.worker_context(), &owner).await? {
            bar.inc(1);
        }
        bar.finish_and_clear();
    }

    println!(
        "imported {created}, duplicates {duplicates}, rejected {} (of {} files)",
        rejected.len(),
        files.len()
    );
    for (path, reason) in &rejected {
        println!("  rejected {}: {reason}", path.display());
    }
    Ok(if rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn import_one(
    app: &App,
    uploader: Uploader,
    path: &Path,
    public: bool,
) -> Result<IngestOutcome, String> {
    let state = &app.state;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| e.to_string())?;
    let staged = staging::stage(
        &state.catalog.staging_dir,
        ReaderStream::new(file),
        state.catalog.settings.limits.max_upload_bytes,
    )
    .await
    .map_err(|e| ingest::stage_error(e).to_string())?;
    let declared = Declared {
        filename: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        is_public: public,
        ..Default::default()
    };
    // `code: message`, as for staging: the registry's code, not an HTTP status.
    ingest::ingest(&state.catalog, uploader, staged, declared)
        .await
        .map_err(|e| e.to_string())
}

/// Files under `paths`, directories walked recursively, in a stable order.
fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            let entry = entry?;
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    Ok(files)
}

/// A progress bar of `len` steps, labelled `verb`.
pub(crate) fn progress(len: u64, verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{verb} {{bar:40}} {{pos}}/{{len}} ({{eta}}) {{wide_msg}}"
        ))
        .expect("valid template"),
    );
    bar
}
