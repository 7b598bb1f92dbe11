//! `medialib verify`: checks that the blob store holds every blob the metadata references,
//! at the length the metadata records, and says which it lacks.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use medialib_core::Settings;

/// Blobs read from the metadata at a time.
const PAGE: u32 = 1000;
/// Missing or mismatched blobs named one per line; more are only counted.
const SHOWN: usize = 50;

/// Lists the store once (`originals/`, `variants/`), walks every referenced blob
/// (`stored_blobs`) against that listing, counting them as it goes, and prints what is missing,
/// what has another length, and how many stored blobs nothing references. Exits 1 when a
/// blob is missing or of the wrong length.
pub async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let storage = settings.storage()?.describe();
    let opened = medialib_app::open::open(settings).await?;
    let catalog = &opened.catalog;

    let mut held: HashMap<String, u64> = HashMap::new();
    for prefix in ["originals", "variants"] {
        for entry in catalog.blobs.list(prefix).await? {
            held.insert(entry.key.as_str().to_owned(), entry.size);
        }
    }
    // How many blobs the metadata references is only known at the end: a count, not a bar.
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("verify {spinner} {pos} blobs checked ({per_sec}) {msg}")
            .expect("valid template"),
    );
    bar.set_message(format!("against {} stored", held.len()));

    let mut referenced = HashSet::new();
    let mut missing = Vec::new();
    let mut wrong_size = Vec::new();
    let mut bytes = 0u64;
    let mut after: Option<String> = None;
    loop {
        let page = catalog.store.stored_blobs(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        for blob in page {
            bar.inc(1);
            bytes += blob.size;
            match held.get(&blob.key) {
                None => missing.push(blob.key.clone()),
                Some(&size) if size != blob.size => wrong_size.push(format!(
                    "{}: {size} bytes stored, {} recorded",
                    blob.key, blob.size
                )),
                Some(_) => {}
            }
            referenced.insert(blob.key);
        }
    }
    bar.finish_and_clear();

    let unreferenced = held.keys().filter(|k| !referenced.contains(*k)).count();
    println!(
        "checked {} blobs ({bytes} bytes) the metadata references against {storage}",
        referenced.len()
    );
    for (what, list) in [("missing", &missing), ("of the wrong length", &wrong_size)] {
        println!("{} {what}", list.len());
        for line in list.iter().take(SHOWN) {
            println!("  {line}");
        }
        if list.len() > SHOWN {
            println!("  … and {} more", list.len() - SHOWN);
        }
    }
    println!("{unreferenced} stored blobs nothing references (left alone)");
    Ok(if missing.is_empty() && wrong_size.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
