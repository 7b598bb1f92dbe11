//! `medialib verify`: whether the blob store holds every blob the metadata references, at
//! its length and with its SHA-256, and what it holds that nothing references
//! ([`medialib_app::integrity::verify`]).

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use medialib_app::integrity::{self, Problem, Progress};
use medialib_core::Settings;

/// Problems named one per line; more are only counted.
const SHOWN: usize = 50;

/// Checks and prints the report: what is missing, of the wrong length, or has other
/// bytes, each with its asset, and the blobs nothing references. Re-hashes every blob, or
/// a random `sample` of that many. Exits 1 on any problem.
pub async fn run(settings: Settings, sample: Option<usize>) -> anyhow::Result<ExitCode> {
    let storage = settings.storage()?.describe();
    let opened = medialib_app::open::open(settings).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "verify {bar:30} {binary_bytes}/{binary_total_bytes} hashed ({binary_bytes_per_sec}, {eta} left)",
        )
        .expect("valid template"),
    );
    let report = integrity::verify(&opened.catalog, sample, &|p| match p {
        Progress::Hashing(total) => bar.set_length(total),
        Progress::Hashed(bytes) => bar.inc(bytes),
    })
    .await?;
    bar.finish_and_clear();

    println!(
        "checked {} blobs ({} bytes) the metadata references against {storage}; re-hashed {}",
        report.referenced, report.bytes, report.hashed
    );
    for (what, list) in [
        ("missing", &report.missing),
        ("of the wrong length", &report.wrong_size),
        ("with other bytes than recorded", &report.corrupt),
    ] {
        println!("{} {what}", list.len());
        print_some(list.iter().map(describe));
    }
    println!(
        "{} stored blobs nothing references (`medialib gc` removes them once a day old)",
        report.unreferenced.len()
    );
    print_some(
        report
            .unreferenced
            .iter()
            .map(|e| format!("{} ({} bytes)", e.key.as_str(), e.size)),
    );
    Ok(if report.has_problems() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn describe(p: &Problem) -> String {
    match p.asset {
        Some(asset) => format!("{} (asset {asset}): {}", p.key, p.what),
        None => format!("{}: {}", p.key, p.what),
    }
}

fn print_some(lines: impl ExactSizeIterator<Item = String>) {
    let count = lines.len();
    for line in lines.take(SHOWN) {
        println!("  {line}");
    }
    if count > SHOWN {
        println!("  … and {} more", count - SHOWN);
    }
}
