//! `medialib retention [--dry-run]`: moves media used nowhere and not viewed to the trash
//! now, per namespace policy ([`medialib_app::retention`]), or lists what would go.

use std::process::ExitCode;

use medialib_app::retention::{self, Planned};
use medialib_core::Settings;

/// Runs retention once (or only lists it) and prints each namespace's share.
pub async fn run(settings: Settings, dry_run: bool) -> anyhow::Result<ExitCode> {
    let opened = medialib_app::open::open(settings).await?;
    let plans = if dry_run {
        retention::plan(&opened.catalog).await?
    } else {
        retention::apply(&opened.catalog).await?
    };
    if plans.is_empty() {
        println!(
            "no namespace has a retention policy (retention.unused_days, or `medialib namespace retention`)"
        );
    }
    let verb = if dry_run { "would move" } else { "moved" };
    for Planned {
        namespace,
        days,
        assets,
    } in &plans
    {
        println!(
            "{}: {verb} {} assets used nowhere and not viewed for {days} days to the trash",
            namespace.slug,
            assets.len()
        );
        for asset in assets {
            println!("  {asset}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
