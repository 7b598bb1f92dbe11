//! `medialib gc`.

use std::process::ExitCode;

use medialib_app::ingest::staging;
use medialib_core::Settings;

/// Removes staging directories of processes that are gone.
pub fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    let freed = staging::clean_abandoned(&settings.data_dir)?;
    println!("removed {freed} bytes of abandoned staging files");
    Ok(ExitCode::SUCCESS)
}
