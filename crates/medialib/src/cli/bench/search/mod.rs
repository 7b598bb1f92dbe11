//! `medialib bench search`: five representative searches over a generated library, against
//! the same searches run by SQLite alone.
//!
//! 1. seeds a fresh SQLite database with `--assets` assets (default 100 000) through the
//!    store API (`MetadataStore`), reproducibly (`library`): titles, descriptions, alt
//!    texts and document text from a 5 000-word vocabulary with Zipf frequencies; images,
//!    videos, audio, documents and 3D models with matching MIME types; sizes of 1 B–50 MB;
//!    common dimensions; capture times (70 % of photos and videos, 2017–2025), GPS
//!    (25 %), cameras; the 10 default image variants;
//!    then eight tags, five collections, usage and some trash. Each asset's processing job
//!    is claimed and finished as a worker would, so the server starts with an empty queue;
//! 2. starts `medialib serve` on that data directory and times each search over HTTP, one
//!    request at a time, `--runs` times after 10 warm-up requests: p50 and p95 of the time
//!    from sending the request to the last byte of the answer;
//! 3. in the same run, Python's `sqlite3` module runs hand-written SQL for the same searches
//!    on the same file, read-only (`reference.py`), and times the same number of
//!    runs: the count of all matches and the first page, which is what the store runs for
//!    one page. Both sides must give the same total and the same page;
//! 4. with `--database postgres://…`, the same on PostgreSQL (`postgres`): the same library
//!    seeded into that (empty) database, `medialib serve` on it timed the same way, and
//!    the store's SQL timed by PostgreSQL alone. Its answers must match SQLite's: the same
//!    totals, and the same pages (by content hash: the asset ids differ). One table shows
//!    both backends side by side.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_core::{Database, NamespaceId};
use serde_json::{Value, json};

use super::{CpuTicks, Server, client, shown};
use library::seed;

pub(super) mod library;
mod postgres;
mod report;

/// The reference: the same searches as hand-written SQL, run by Python's `sqlite3`.
const REFERENCE: &str = include_str!("reference.py");

/// The default namespace, where the admin token searches.
const NS: NamespaceId = NamespaceId(1);
/// Untimed requests before each search's timed ones.
const WARM_UP: usize = 10;
/// The target for every search.
const TARGET_P95: Duration = Duration::from_millis(30);
/// How deep the deep page starts, in rows (at most a quarter of the library).
const DEEP_ROWS: u64 = 25_000;

/// The word of the text-only search: frequency rank 28, in about 4 % of the library.
const TEXT_WORD: &str = "wedding";
/// The word of the text + filters search: rank 9, a common word.
const FILTER_WORD: &str = "stadium";
/// The most common word (rank 1, in about 44 % of the library), for the worst case.
const BROAD_WORD: &str = "sunset";

/// Flags of `medialib bench search`.
#[derive(clap::Args)]
pub struct Options {
    /// Assets in the generated library.
    #[arg(long, default_value_t = 100_000)]
    assets: u32,
    /// Timed requests per search, one at a time (after 10 warm-up requests).
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Seed the library into this data directory and keep it; when it already holds a
    /// database, use that one as it is (`--assets` is then ignored).
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Also run the searches on PostgreSQL: seed the same library (`--assets`) into this
    /// database (`postgres://user:password@host:port/database`), which must be empty, and
    /// report it beside SQLite. Needs `psql`. The database keeps the library afterwards:
    /// drop and create it again before the next run.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

/// One search of the benchmark.
struct Search {
    /// The key `reference.py` knows it by.
    key: &'static str,
    /// What it stands for, in the report.
    name: &'static str,
    /// The query string of `GET /api/v1/assets`.
    params: String,
}

/// What one side measured for one search.
struct Measured {
    times: Vec<Duration>,
    /// Matches in all pages.
    total: u64,
    /// The ids of the page, as 32 hex digits.
    ids: Vec<String>,
    /// The content hashes of the page (over HTTP only): the same library seeded into
    /// another database has other ids but the same hashes, in the same order.
    hashes: Vec<String>,
}

/// One server's searches and what they measured over HTTP.
struct Timed {
    /// Live assets.
    live: u64,
    /// The day the oldest asset was uploaded (`created_from` of the filters search).
    created_from: String,
    /// Rows before the deep page, and its cursor.
    depth: u64,
    cursor: String,
    searches: Vec<Search>,
    /// By search, in the order of `searches`.
    measured: Vec<Measured>,
    /// Share of CPU time the hypervisor stole while timing.
    steal: Option<f64>,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    if options.runs == 0 || options.assets == 0 {
        bail!("--runs and --assets must be at least 1");
    }
    if let Some(url) = &options.database {
        postgres::check(url).await?;
    }
    let scratch = tempfile::tempdir()?;
    let data = match &options.keep {
        Some(dir) => dir.clone(),
        None => scratch.path().join("data"),
    };
    std::fs::create_dir_all(&data).with_context(|| format!("create {}", data.display()))?;
    // Where `medialib serve` keeps its database (`Settings::database_path`).
    let db = data.join("medialib.db");
    let seeded = if db.exists() {
        eprintln!("using the library in {}", shown(&db));
        None
    } else {
        Some(seed(&Database::Sqlite(db.clone()), options.assets).await?)
    };
    // The file and its write-ahead log: the seeding store's connections close on their own.
    let db_bytes: u64 = ["medialib.db", "medialib.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(data.join(name)).ok())
        .map(|m| m.len())
        .sum();

    let server = Server::start_in(scratch, data, None, &[]).await?;
    eprintln!("timing the searches over HTTP on SQLite");
    let sqlite = time_server(&server, options.runs).await?;
    eprintln!("timing the same searches in SQLite alone");
    let ticks = CpuTicks::now();
    let (engine, reference) = run_reference(
        &db,
        options.runs,
        &sqlite.created_from,
        &sqlite.cursor,
        sqlite.live,
    )?;
    let reference_steal = ticks.and_then(CpuTicks::steal_percent_since);
    drop(server);

    let pg = match &options.database {
        Some(url) => Some(postgres::run(url, options.assets, options.runs).await?),
        None => None,
    };
    if let Some(pg) = &pg
        && pg.timed.live != sqlite.live
    {
        bail!(
            "SQLite has {} live assets, PostgreSQL {}: not the same library (a library kept \
             with --keep must be compared with the --assets it was seeded with)",
            sqlite.live,
            pg.timed.live
        );
    }

    println!("| measure | value |");
    println!("|---|---|");
    let live = sqlite.live;
    match &seeded {
        Some(s) => println!(
            "| library | {} assets ({live} live), seeded through the store API in {:.0} s |",
            s.assets,
            s.took.as_secs_f64()
        ),
        None => println!(
            "| library | {live} live assets, reused from {} |",
            shown(&db)
        ),
    }
    if let Some(s) = seeded.as_ref().or(pg.as_ref().map(|pg| &pg.seeded)) {
        println!(
            "| organised | {} tag links, {} collection items, {} used, {} in the trash |",
            s.tagged, s.in_collections, s.used, s.deleted
        );
    }
    if let Some(pg) = &pg {
        println!(
            "| library on PostgreSQL | the same {} assets, seeded through the store API in \
             {:.0} s, then `VACUUM (ANALYZE)` in {:.0} s |",
            pg.seeded.assets,
            pg.seeded.took.as_secs_f64(),
            pg.vacuum.as_secs_f64()
        );
    }
    match &pg {
        Some(pg) => println!(
            "| database | SQLite {:.0} MB; PostgreSQL {:.0} MB (`pg_database_size`) |",
            db_bytes as f64 / 1e6,
            pg.bytes as f64 / 1e6
        ),
        None => println!("| database | {:.0} MB |", db_bytes as f64 / 1e6),
    }
    println!(
        "| runs | {} requests per search, one at a time, after {WARM_UP} warm-ups |",
        options.runs
    );
    let postgres = pg.as_ref().map_or(String::new(), |pg| {
        format!("; PostgreSQL {} via psql", pg.version)
    });
    println!(
        "| machine | {} CPUs; reference: {engine}{postgres} |",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let percent = |p: Option<f64>| p.map_or("unknown".into(), |p| format!("{p:.0} %"));
    let postgres = pg.as_ref().map_or(String::new(), |pg| {
        format!(
            ", {} while medialib ran on PostgreSQL, {} while PostgreSQL ran alone",
            percent(pg.timed.steal),
            percent(pg.alone_steal)
        )
    });
    let on = if pg.is_some() { " on SQLite" } else { "" };
    println!(
        "| CPU time stolen by the host | {} while medialib ran{on}, {} while SQLite ran\
         {postgres} |",
        percent(sqlite.steal),
        percent(reference_steal)
    );
    println!();
    let all_same = match &pg {
        None => report::sqlite_table(&sqlite, reference)?,
        Some(pg) => report::both_table(&sqlite, reference, pg)?,
    };
    println!();
    for search in &sqlite.searches {
        let params = match search.key {
            "deep" => format!("sort=-created_at&cursor=… (after {} rows)", sqlite.depth),
            _ => search.params.clone(),
        };
        println!("- {}: `GET /api/v1/assets?{params}`", search.name);
    }
    println!();
    println!(
        "medialib: request to last byte over HTTP on loopback (count, page of 50, tags and \
         variants of each item, JSON). SQLite: the count and the page query (51 rows) of \
         `crates/medialib/src/cli/bench/search/reference.py`, on the same file, read-only."
    );
    if pg.is_some() {
        println!(
            "PostgreSQL alone: planning + execution time that `EXPLAIN (ANALYZE, TIMING OFF)` \
             reports for the statements the PostgreSQL store sends for the page (count, keys, \
             rows; `crates/medialib/src/cli/bench/search/postgres.rs`), summed; one psql \
             session per search; no rows leave the server. Same answer: medialib on \
             PostgreSQL gives the total and the page (by content hash) of medialib on SQLite."
        );
    }
    if !all_same {
        eprintln!(
            "the answers differ: a reference's SQL is not equivalent, or the backends disagree"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The searches of the benchmark, on a library whose oldest asset was uploaded on
/// `created_from`, with the deep page at `cursor`.
fn searches(created_from: &str, cursor: &str) -> Vec<Search> {
    vec![
        Search {
            key: "text",
            name: "text only",
            params: format!("q={TEXT_WORD}"),
        },
        Search {
            key: "text_filters",
            name: "text + filters",
            params: format!("q={FILTER_WORD}&kind=image&orientation=landscape&size_max=20000000"),
        },
        Search {
            key: "filters",
            name: "filters only",
            params: format!("kind=image&has_gps=true&width_min=1920&created_from={created_from}"),
        },
        Search {
            key: "tags",
            name: "tag-any + sort by taken_at",
            params: "tags=weigh-in,hero&tag_match=any&sort=-taken_at".into(),
        },
        Search {
            key: "broad_text",
            name: "worst case: the most common word",
            params: format!("q={BROAD_WORD}"),
        },
        Search {
            key: "broad_tags",
            name: "worst case: the two widest tags",
            params: "tags=archive,fans&tag_match=any&sort=-taken_at".into(),
        },
        Search {
            key: "deep",
            name: "deep page",
            params: format!("sort=-created_at&cursor={cursor}"),
        },
    ]
}

/// Finds the library's bounds through `server` (live count, oldest upload day, the deep
/// page's cursor) and times every search over HTTP.
async fn time_server(server: &Server, runs: usize) -> anyhow::Result<Timed> {
    let client = client()?;
    let live = get_json(&client, server, "limit=1").await?["total"]
        .as_u64()
        .context("total missing")?;
    // A date in the library's range: the day its oldest asset was uploaded.
    let oldest = get_json(&client, server, "sort=created_at&limit=1").await?;
    let created_from = oldest["items"][0]["created_at"]
        .as_str()
        .and_then(|t| t.get(..10))
        .context("the library is empty")?
        .to_owned();
    let (depth, cursor) = deep_cursor(&client, server, live).await?;
    let searches = searches(&created_from, &cursor);
    let ticks = CpuTicks::now();
    let measured = time_http(&client, server, &searches, runs).await?;
    Ok(Timed {
        live,
        created_from,
        depth,
        cursor,
        searches,
        measured,
        steal: ticks.and_then(CpuTicks::steal_percent_since),
    })
}

/// `GET /api/v1/assets?{params}` as JSON.
async fn get_json(
    client: &reqwest::Client,
    server: &Server,
    params: &str,
) -> anyhow::Result<Value> {
    let response = client
        .get(server.url(&format!("/api/v1/assets?{params}")))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if status != 200 {
        bail!("GET /api/v1/assets?{params} answered {status}: {body}");
    }
    Ok(body)
}

/// Follows `next_cursor` through pages of 200 newest first, up to [`DEEP_ROWS`] rows (or a
/// quarter of the library); returns the rows passed and the cursor there.
async fn deep_cursor(
    client: &reqwest::Client,
    server: &Server,
    live: u64,
) -> anyhow::Result<(u64, String)> {
    let pages = (DEEP_ROWS.min(live / 4) / 200).max(1);
    let mut cursor: Option<String> = None;
    for _ in 0..pages {
        let mut params = "sort=-created_at&limit=200".to_owned();
        if let Some(c) = &cursor {
            params.push_str(&format!("&cursor={c}"));
        }
        let page = get_json(client, server, &params).await?;
        cursor = Some(
            page["next_cursor"]
                .as_str()
                .context("the library ended before the deep page")?
                .to_owned(),
        );
    }
    Ok((pages * 200, cursor.unwrap_or_default()))
}

/// Times every search `runs` times over HTTP, after [`WARM_UP`] rounds, in rounds of one
/// request per search: a burst of load from elsewhere on the machine then slows every
/// search alike instead of the one that happened to be running.
async fn time_http(
    client: &reqwest::Client,
    server: &Server,
    searches: &[Search],
    runs: usize,
) -> anyhow::Result<Vec<Measured>> {
    let urls: Vec<String> = searches
        .iter()
        .map(|s| server.url(&format!("/api/v1/assets?{}", s.params)))
        .collect();
    let mut times = vec![Vec::with_capacity(runs); searches.len()];
    let mut last = vec![None; searches.len()];
    for round in 0..WARM_UP + runs {
        for (i, url) in urls.iter().enumerate() {
            let started = Instant::now();
            let response = client.get(url).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            let took = started.elapsed();
            if status != 200 {
                bail!(
                    "GET {url} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            if round >= WARM_UP {
                times[i].push(took);
            }
            last[i] = Some(body);
        }
    }
    times
        .into_iter()
        .zip(last)
        .map(|(times, body)| {
            let page: Value = serde_json::from_slice(&body.context("no request was made")?)?;
            let items = page["items"].as_array().context("items missing")?;
            let field = |name: &str| -> Vec<String> {
                items
                    .iter()
                    .map(|item| item[name].as_str().unwrap_or_default().replace('-', ""))
                    .collect()
            };
            Ok(Measured {
                times,
                total: page["total"].as_u64().context("total missing")?,
                ids: field("id"),
                hashes: field("sha256"),
            })
        })
        .collect()
}

/// Runs `reference.py` on the database; returns the SQLite it ran on and what it
/// measured, by search key.
fn run_reference(
    db: &Path,
    runs: usize,
    created_from: &str,
    cursor: &str,
    live: u64,
) -> anyhow::Result<(String, std::collections::HashMap<String, Measured>)> {
    let input = json!({
        "db": db,
        "runs": runs,
        "warm_up": WARM_UP,
        "created_from": created_from,
        "cursor": cursor,
        // The deep page's total comes from its cursor: the live count when paging began.
        "deep_total": live,
        "text_word": TEXT_WORD,
        "filter_word": FILTER_WORD,
        "broad_word": BROAD_WORD,
    });
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(REFERENCE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("run python3 (apt-get install python3)")?;
    child
        .stdin
        .take()
        .context("python3 stdin")?
        .write_all(input.to_string().as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("reference.py failed");
    }
    let answer: Value = serde_json::from_slice(&output.stdout)?;
    let engine = format!(
        "SQLite {} via Python {} `sqlite3`",
        answer["sqlite_version"].as_str().unwrap_or("?"),
        answer["python_version"].as_str().unwrap_or("?")
    );
    let mut measured = std::collections::HashMap::new();
    for (key, m) in answer["searches"].as_object().context("searches missing")? {
        let times = m["ms"]
            .as_array()
            .context("ms missing")?
            .iter()
            .map(|v| Duration::from_secs_f64(v.as_f64().unwrap_or_default() / 1000.0))
            .collect();
        let ids = m["ids"]
            .as_array()
            .context("ids missing")?
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        let total = m["total"].as_u64().context("total missing")?;
        let hashes = Vec::new();
        measured.insert(
            key.clone(),
            Measured {
                times,
                total,
                ids,
                hashes,
            },
        );
    }
    Ok((engine, measured))
}
