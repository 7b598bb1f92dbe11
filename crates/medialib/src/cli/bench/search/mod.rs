//! `medialib bench search`: five representative searches over a generated library, against
//! the same searches run by SQLite alone.
//!
//! 1. seeds a fresh database with `--assets` assets (default 100 000) through the store API
//!    (`MetadataStore`), reproducibly (`library`): titles, descriptions, alt texts and
//!    document text from a 5 000-word vocabulary with Zipf frequencies; images, videos, audio, documents and 3D models with
//!    matching MIME types; sizes of 1 B–50 MB; common dimensions; capture times (70 % of
//!    photos and videos, 2017–2025), GPS (25 %), cameras; the 10 default image variants;
//!    then eight tags, five collections, usage and some trash. Each asset's processing job
//!    is claimed and finished as a worker would, so the server starts with an empty queue;
//! 2. starts `medialib serve` on that data directory and times each search over HTTP, one
//!    request at a time, `--runs` times after 10 warm-up requests: p50 and p95 of the time
//!    from sending the request to the last byte of the answer;
//! 3. in the same run, Python's `sqlite3` module runs hand-written SQL for the same searches
//!    on the same file, read-only (`reference.py`), and times the same number of
//!    runs: the count of all matches and the first page, which is what the store runs for
//!    one page. Both sides must give the same total and the same page.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_core::NamespaceId;
use serde_json::{Value, json};

use super::{CpuTicks, Server, client, shown};
use library::seed;

mod library;

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
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    if options.runs == 0 || options.assets == 0 {
        bail!("--runs and --assets must be at least 1");
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
        Some(seed(&db, options.assets).await?)
    };
    let db_bytes = std::fs::metadata(&db)?.len();

    let server = Server::start_in(scratch, data, None).await?;
    let client = client()?;
    let live = get_json(&client, &server, "limit=1").await?["total"]
        .as_u64()
        .context("total missing")?;
    // A date in the library's range: the day its oldest asset was uploaded.
    let oldest = get_json(&client, &server, "sort=created_at&limit=1").await?;
    let created_from = oldest["items"][0]["created_at"]
        .as_str()
        .and_then(|t| t.get(..10))
        .context("the library is empty")?
        .to_owned();
    let (depth, cursor) = deep_cursor(&client, &server, live).await?;

    let searches = [
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
    ];
    eprintln!("timing {} searches over HTTP", searches.len());
    let ticks = CpuTicks::now();
    let server_side = time_http(&client, &server, &searches, options.runs).await?;
    let http_steal = ticks.and_then(CpuTicks::steal_percent_since);
    eprintln!("timing the same searches in SQLite alone");
    let ticks = CpuTicks::now();
    let (engine, mut reference) = run_reference(&db, options.runs, &created_from, &cursor, live)?;
    let reference_steal = ticks.and_then(CpuTicks::steal_percent_since);
    drop(server);

    println!("| measure | value |");
    println!("|---|---|");
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
    if let Some(s) = &seeded {
        println!(
            "| organised | {} tag links, {} collection items, {} used, {} in the trash |",
            s.tagged, s.in_collections, s.used, s.deleted
        );
    }
    println!("| database | {:.0} MB |", db_bytes as f64 / 1e6);
    println!(
        "| runs | {} requests per search, one at a time, after {WARM_UP} warm-ups |",
        options.runs
    );
    println!(
        "| machine | {} CPUs; reference: {engine} |",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let percent = |p: Option<f64>| p.map_or("unknown".into(), |p| format!("{p:.0} %"));
    println!(
        "| CPU time stolen by the host | {} while medialib ran, {} while SQLite ran |",
        percent(http_steal),
        percent(reference_steal)
    );
    println!();
    println!(
        "| search | matches | medialib p50 | medialib p95 | SQLite p50 | SQLite p95 \
         | ratio p50 / p95 | p95 ≤ {} ms | same answer |",
        TARGET_P95.as_millis()
    );
    println!("|---|---:|---:|---:|---:|---:|---:|:-:|:-:|");
    let mut all_same = true;
    for (search, ours) in searches.iter().zip(&server_side) {
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
            if p95 <= TARGET_P95 { "yes" } else { "**no**" },
            if same {
                "yes".to_owned()
            } else {
                format!("**no** (SQLite: {} matches)", theirs.total)
            },
        );
    }
    println!();
    for search in &searches {
        let params = match search.key {
            "deep" => format!("sort=-created_at&cursor=… (after {depth} rows)"),
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
    if !all_same {
        eprintln!("the reference answered differently: its SQL is not equivalent");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
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
            let ids = page["items"]
                .as_array()
                .context("items missing")?
                .iter()
                .map(|item| item["id"].as_str().unwrap_or_default().replace('-', ""))
                .collect();
            Ok(Measured {
                times,
                total: page["total"].as_u64().context("total missing")?,
                ids,
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
        measured.insert(key.clone(), Measured { times, total, ids });
    }
    Ok((engine, measured))
}

/// The `p`th percentile (nearest rank) of some timings.
fn percentile(times: &[Duration], p: usize) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// A duration in milliseconds, for the report.
fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
