//! The tables of `medialib bench search`: timings, the target and whether the answers
//! agreed, per search.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;

use super::super::{ms, percentile};
use super::postgres::PgRun;
use super::{Measured, TARGET_P95, Timed};

/// The table without PostgreSQL; returns whether SQLite alone answered the same.
pub(super) fn sqlite_table(
    sqlite: &Timed,
    mut reference: HashMap<String, Measured>,
) -> anyhow::Result<bool> {
    println!(
        "| search | matches | medialib p50 | medialib p95 | SQLite p50 | SQLite p95 \
         | ratio p50 / p95 | p95 ≤ {} ms | same answer |",
        TARGET_P95.as_millis()
    );
    println!("|---|---:|---:|---:|---:|---:|---:|:-:|:-:|");
    let mut all_same = true;
    for (search, ours) in sqlite.searches.iter().zip(&sqlite.measured) {
        let theirs = reference
            .remove(search.key)
            .with_context(|| format!("the reference did not time {}", search.key))?;
        let same = ours.total == theirs.total && ours.ids == theirs.ids;
        all_same &= same;
        let (p50, p95) = (percentile(&ours.times, 50), percentile(&ours.times, 95));
        let (r50, r95) = (percentile(&theirs.times, 50), percentile(&theirs.times, 95));
        println!(
            "| {} | {} | {} | **{}** | {} | {} | {:.1} / {:.1} | {} | {} |",
            search.name,
            ours.total,
            ms(p50),
            ms(p95),
            ms(r50),
            ms(r95),
            p50.as_secs_f64() / r50.as_secs_f64(),
            p95.as_secs_f64() / r95.as_secs_f64(),
            met(p95),
            if same {
                "yes".to_owned()
            } else {
                format!("**no** (SQLite: {} matches)", theirs.total)
            },
        );
    }
    Ok(all_same)
}

/// The table with SQLite and PostgreSQL side by side; returns whether every
/// answer agreed (SQLite alone with medialib on SQLite, PostgreSQL with SQLite).
pub(super) fn both_table(
    sqlite: &Timed,
    mut reference: HashMap<String, Measured>,
    pg: &PgRun,
) -> anyhow::Result<bool> {
    println!(
        "| search | matches | medialib on SQLite p50 / p95 | SQLite alone p50 / p95 \
         | medialib on PostgreSQL p50 / p95 | PostgreSQL alone p50 / p95 \
         | p95 ≤ {} ms SQLite / PostgreSQL | same answer |",
        TARGET_P95.as_millis()
    );
    println!("|---|---:|---:|---:|---:|---:|:-:|:-:|");
    let pair = |times: &[Duration]| {
        let p95 = percentile(times, 95);
        format!("{} / {}", ms(percentile(times, 50)), ms(p95))
    };
    let mut all_same = true;
    for ((search, ours), on_pg) in sqlite
        .searches
        .iter()
        .zip(&sqlite.measured)
        .zip(&pg.timed.measured)
    {
        let theirs = reference
            .remove(search.key)
            .with_context(|| format!("the reference did not time {}", search.key))?;
        let alone = pg
            .alone
            .get(search.key)
            .with_context(|| format!("PostgreSQL alone did not time {}", search.key))?;
        let mut differences = Vec::new();
        if ours.total != theirs.total || ours.ids != theirs.ids {
            differences.push(format!("SQLite alone: {} matches", theirs.total));
        }
        if on_pg.total != ours.total {
            differences.push(format!("PostgreSQL: {} matches", on_pg.total));
        } else if on_pg.hashes != ours.hashes {
            differences.push("PostgreSQL: another page".to_owned());
        }
        all_same &= differences.is_empty();
        println!(
            "| {} | {} | **{}** | {} | **{}** | {} | {} / {} | {} |",
            search.name,
            ours.total,
            pair(&ours.times),
            pair(&theirs.times),
            pair(&on_pg.times),
            pair(alone),
            met(percentile(&ours.times, 95)),
            met(percentile(&on_pg.times, 95)),
            if differences.is_empty() {
                "yes".to_owned()
            } else {
                format!("**no** ({})", differences.join("; "))
            },
        );
    }
    Ok(all_same)
}

/// Whether a p95 meets the target, for the report.
fn met(p95: Duration) -> &'static str {
    if p95 <= TARGET_P95 { "yes" } else { "**no**" }
}
