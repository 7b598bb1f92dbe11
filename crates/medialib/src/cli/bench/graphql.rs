//! `medialib bench graphql`: the media picker's GraphQL query against its REST
//! equivalent, over the `search` benchmark's library (100 000 assets by default).
//!
//! 1. seeds a fresh SQLite library exactly as `bench search` does (or reuses one kept
//!    with `--keep`);
//! 2. starts `medialib serve` on it and, one request at a time, alternates
//!    `recentMedia(first: 50)` with each asset's id, title, type, size, date, variants
//!    and tags over `POST /api/v1/graphql`, and `GET /api/v1/assets?limit=50` (the same
//!    page, newest first, with the same tags and variants, as REST renders it);
//! 3. checks that both answered the same 50 assets and the same total, and reports p50
//!    and p95 of each (request to last byte) against the targets: GraphQL's p95 at most
//!    1.3× REST's, and at most 30 ms.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_core::Database;
use serde_json::{Value, json};

use super::search::library::seed;
use super::{CpuTicks, Server, client, ms, percentile, shown};

/// The picker's query.
const PICKER: &str = "{ recentMedia(first: 50) { totalCount nodes { id title mime byteSize
    createdAt variants { name url width height } tags { slug name } } } }";
/// Untimed requests of each kind first.
const WARM_UP: usize = 10;
/// GraphQL's p95 may be at most this many times REST's.
const TARGET_RATIO: f64 = 1.3;
/// And at most this long.
const TARGET_P95: Duration = Duration::from_millis(30);

/// Flags of `medialib bench graphql`.
#[derive(clap::Args)]
pub struct Options {
    /// Assets in the generated library.
    #[arg(long, default_value_t = 100_000)]
    assets: u32,
    /// Timed requests of each kind.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Seed the library into this data directory and keep it; when it already holds a
    /// database (e.g. one `bench search --keep` made), use it as it is.
    #[arg(long)]
    keep: Option<std::path::PathBuf>,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    if options.runs == 0 || options.assets == 0 {
        bail!("--runs and --assets must be at least 1");
    }
    let scratch = tempfile::tempdir()?;
    let data = options
        .keep
        .clone()
        .unwrap_or_else(|| scratch.path().join("data"));
    std::fs::create_dir_all(&data).with_context(|| format!("create {}", data.display()))?;
    let db = data.join("medialib.db");
    let library = if db.exists() {
        format!("reused from {}", shown(&db))
    } else {
        let seeded = seed(&Database::Sqlite(db.clone()), options.assets).await?;
        format!(
            "{} assets seeded through the store API in {:.0} s",
            seeded.assets,
            seeded.took.as_secs_f64()
        )
    };
    let server = Server::start_in(scratch, data, None, &[]).await?;
    let client = client()?;
    let graphql_url = server.url("/api/v1/graphql");
    let rest_url = server.url("/api/v1/assets?limit=50");
    let body = json!({ "query": PICKER });

    let ticks = CpuTicks::now();
    let (mut graphql, mut rest) = (Vec::new(), Vec::new());
    let (mut graphql_page, mut rest_page) = (Value::Null, Value::Null);
    for round in 0..WARM_UP + options.runs {
        let started = Instant::now();
        let response = client.post(&graphql_url).json(&body).send().await?;
        graphql_page = answer(response).await?;
        let took = started.elapsed();
        if round >= WARM_UP {
            graphql.push(took);
        }
        let started = Instant::now();
        rest_page = answer(client.get(&rest_url).send().await?).await?;
        let took = started.elapsed();
        if round >= WARM_UP {
            rest.push(took);
        }
    }
    let steal = ticks.and_then(CpuTicks::steal_percent_since);
    drop(server);
    let same = same_page(&graphql_page, &rest_page)?;

    let (g50, g95) = (percentile(&graphql, 50), percentile(&graphql, 95));
    let (r50, r95) = (percentile(&rest, 50), percentile(&rest, 95));
    let ratio = g95.as_secs_f64() / r95.as_secs_f64();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| library | {library} |");
    println!(
        "| runs | {} of each, alternating, one at a time, after {WARM_UP} warm-ups |",
        options.runs
    );
    println!(
        "| machine | {} CPUs; CPU time stolen by the host: {} |",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        steal.map_or("unknown".into(), |p| format!("{p:.0} %"))
    );
    println!();
    println!("| query | p50 | p95 | target | met |");
    println!("|---|---|---|---|---|");
    println!(
        "| GraphQL `recentMedia(first: 50)` with variants and tags | {} | {} | ≤ 1.3× REST, ≤ 30 ms | {} |",
        ms(g50),
        ms(g95),
        if ratio <= TARGET_RATIO && g95 <= TARGET_P95 {
            "yes"
        } else {
            "**no**"
        }
    );
    println!(
        "| REST `GET /api/v1/assets?limit=50` (the reference) | {} | {} | | |",
        ms(r50),
        ms(r95)
    );
    println!();
    println!(
        "GraphQL p95 / REST p95: {ratio:.2}×. Both answered the same {same} assets of the \
         same total. Request to last byte over HTTP on loopback."
    );
    Ok(ExitCode::SUCCESS)
}

/// A 200 answer's JSON; anything else fails the benchmark.
async fn answer(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await?;
    if status != 200 || !body["errors"].is_null() {
        bail!("the server answered {status}: {body}");
    }
    Ok(body)
}

/// Checks that both pages hold the same assets in the same order, and the same total;
/// returns how many.
fn same_page(graphql: &Value, rest: &Value) -> anyhow::Result<usize> {
    let picker = &graphql["data"]["recentMedia"];
    let ids = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .map(|a| a.iter().map(|i| i["id"].to_string()).collect())
            .unwrap_or_default()
    };
    let (ours, theirs) = (ids(&picker["nodes"]), ids(&rest["items"]));
    if ours != theirs || picker["totalCount"] != rest["total"] || ours.is_empty() {
        bail!(
            "GraphQL and REST disagree: {} vs {} assets, totals {} vs {}",
            ours.len(),
            theirs.len(),
            picker["totalCount"],
            rest["total"]
        );
    }
    Ok(ours.len())
}
