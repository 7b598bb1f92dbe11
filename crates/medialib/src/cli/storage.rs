//! `medialib storage`: the blob store on its own: move every blob to another store.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use medialib_app::storage_copy::{CopyOptions, Progress, copy_blobs};
use medialib_blob::ObjectBlobStore;
use medialib_core::config::Storage;
use medialib_core::{BlobStore, Settings};

/// `medialib storage …`.
#[derive(Subcommand)]
pub enum StorageCommand {
    /// Copy every blob the metadata references into another store, resumably (an
    /// interrupted run continues where it stopped), while the install keeps serving;
    /// then say which `storage_url` to switch to.
    Migrate {
        /// The new store: `s3://…`, `gs://…`, `az://…` or `file://…` (credentials from
        /// the SDKs' environment variables, as for `storage_url`).
        #[arg(long)]
        to: String,
        /// Read every copy back and check its SHA-256.
        #[arg(long)]
        verify: bool,
        /// Blobs copied at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
}

/// Runs one `storage` command.
pub async fn run(settings: Settings, command: StorageCommand) -> anyhow::Result<ExitCode> {
    let StorageCommand::Migrate {
        to,
        verify,
        concurrency,
    } = command;
    let from = settings.storage()?;
    let target_storage = Storage::parse(&to)?;
    if target_storage == from {
        bail!(
            "--to names the store this install already uses ({})",
            from.describe()
        );
    }
    let target = ObjectBlobStore::open(&target_storage)
        .with_context(|| format!("open {}", target_storage.describe()))?;
    target
        .probe()
        .await
        .with_context(|| format!("check {}", target_storage.describe()))?;
    let opened = medialib_app::open::open(settings).await?;

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "copying {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {wide_msg}",
        )
        .expect("valid template"),
    );
    let options = CopyOptions {
        verify,
        concurrency: concurrency.max(1),
    };
    let report = copy_blobs(&opened.catalog, &to, &target, options, |p| match p {
        Progress::Total { blobs, bytes } => {
            bar.set_length(bytes);
            bar.set_message(format!("{blobs} blobs"));
        }
        Progress::Done(bytes) => bar.inc(bytes),
    })
    .await;
    bar.finish_and_clear();
    let report = report?;

    if let Some(key) = &report.resumed_after {
        println!("resumed after {key}, where an interrupted run stopped");
    }
    println!(
        "copied {} blobs ({} bytes) to {}{}; {} arrived during the copy and were copied last",
        report.copied,
        report.bytes,
        target_storage.describe(),
        if verify {
            ", each read back with the same SHA-256"
        } else {
            ""
        },
        report.caught_up
    );
    println!(
        "every referenced blob is there now: set storage_url = \"{to}\" on every node and \
         restart them (blobs uploaded before the restart: run this again first)"
    );
    Ok(ExitCode::SUCCESS)
}
