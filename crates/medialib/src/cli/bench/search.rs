//! `medialib bench search`: five representative searches over a generated library, against
//! the same searches run by SQLite alone.
//!
//! 1. seeds a fresh database with `--assets` assets (default 100 000) through the store API
//!    (`MetadataStore`), reproducibly: titles, descriptions, alt texts and document text
//!    from a vocabulary of 40 words; images, videos, audio, documents and 3D models with
//!    matching MIME types; sizes of 1 B–50 MB; common dimensions; capture times (70 % of
//!    photos and videos, 2017–2025), GPS (25 %), cameras; the 10 default image variants;
//!    then eight tags, five collections, usage and some trash. Each asset's processing job
//!    is claimed and finished as a worker would, so the server starts with an empty queue;
//! 2. starts `medialib serve` on that data directory and times each search over HTTP, one
//!    request at a time, `--runs` times after 10 warm-up requests: p50 and p95 of the time
//!    from sending the request to the last byte of the answer;
//! 3. in the same run, Python's `sqlite3` module runs hand-written SQL for the same searches
//!    on the same file, read-only (`search_reference.py`), and times the same number of
//!    runs: the count of all matches and the first page, which is what the store runs for
//!    one page. Both sides must give the same total and the same page.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use medialib_core::organise::{TagSource, UsageRef};
use medialib_core::store::{
    BulkAction, IngestRecord, JobOutcome, NewAsset, NewCollection, NewVariant, Processed,
};
use medialib_core::{
    AssetId, AssetKind, AudioMetadata, DocumentMetadata, GpsPosition, ImageMetadata, Metadata,
    MetadataStore, ModelMetadata, NamespaceId, OutputFormat, Sha256, StorageKey, Timestamp,
    VariantSpec, VideoMetadata,
};
use medialib_store::SqliteStore;
use serde_json::{Value, json};

use super::{Server, client, shown};

/// The reference: the same searches as hand-written SQL, run by Python's `sqlite3`.
const REFERENCE: &str = include_str!("search_reference.py");

/// The default namespace, where the admin token searches.
const NS: NamespaceId = NamespaceId(1);
/// Untimed requests before each search's timed ones.
const WARM_UP: usize = 10;
/// The target for every search.
const TARGET_P95: Duration = Duration::from_millis(30);
/// How deep the deep page starts, in rows (at most a quarter of the library).
const DEEP_ROWS: u64 = 25_000;

/// Distinct words in the generated text.
const VOCABULARY: usize = 5000;
/// The word of the text-only search: frequency rank 28, in about 2 % of the library.
const TEXT_WORD: &str = "wedding";
/// The word of the text + filters search: rank 9, in about 6 %.
const FILTER_WORD: &str = "stadium";
/// The most common word (rank 1, in about a third of the library), for the worst case.
const BROAD_WORD: &str = "sunset";
/// Words of titles, descriptions, alt texts and document text.
const WORDS: &[&str] = &[
    "sunset", "sunrise", "beach", "mountain", "city", "night", "portrait", "crowd", "stadium",
    "final", "goal", "coach", "fighter", "arena", "press", "launch", "product", "studio", "red",
    "blue", "green", "winter", "summer", "river", "forest", "street", "market", "wedding",
    "family", "dog", "cat", "garden", "bridge", "tower", "harbor", "desert", "island", "snow",
    "festival", "concert",
];
/// Tags, each put on a share (in %) of the live assets.
const TAGS: &[(&str, u64)] = &[
    ("Main Event", 10),
    ("Weigh In", 5),
    ("Backstage", 8),
    ("Press", 12),
    ("Fans", 15),
    ("Hero", 3),
    ("Archive", 20),
    ("Social", 10),
];
/// Collections, each holding a share (in ‰) of the live assets.
const COLLECTIONS: &[(&str, u64)] = &[
    ("UFC 300", 20),
    ("Summer Gallery", 10),
    ("Press Kit", 5),
    ("Homepage", 2),
    ("Archive 2019", 30),
];
const CAMERAS: &[(&str, &str)] = &[
    ("Canon", "EOS R5"),
    ("NIKON CORPORATION", "NIKON Z 9"),
    ("SONY", "ILCE-7M4"),
    ("Apple", "iPhone 15 Pro"),
    ("FUJIFILM", "X-T5"),
    ("OLYMPUS IMAGING CORP.", "E-P3"),
];
/// Kinds with their MIME type, extension and share (in %).
const KINDS: &[(AssetKind, &str, &str, u64)] = &[
    (AssetKind::Image, "image/jpeg", "jpg", 40),
    (AssetKind::Image, "image/png", "png", 10),
    (AssetKind::Image, "image/webp", "webp", 5),
    (AssetKind::Video, "video/mp4", "mp4", 15),
    (AssetKind::Audio, "audio/mpeg", "mp3", 10),
    (AssetKind::Document, "application/pdf", "pdf", 12),
    (AssetKind::Model3d, "model/gltf-binary", "glb", 8),
];
/// Landscape photo sizes; some are turned to portrait or cropped square.
const PHOTO_SIZES: &[(u32, u32)] = &[
    (8192, 5464),
    (6000, 4000),
    (5472, 3648),
    (4032, 3024),
    (3840, 2160),
    (2048, 1365),
    (1920, 1080),
    (1600, 1067),
    (1280, 853),
    (800, 600),
    (640, 480),
];
const VIDEO_SIZES: &[(u32, u32)] = &[(3840, 2160), (1920, 1080), (1280, 720), (854, 480)];
/// Capture times: 2017-01-01 to 2025-12-31, UTC.
const TAKEN_FROM: i64 = 1_483_228_800;
const TAKEN_SPAN: u64 = 283_996_800;

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
    /// The key `search_reference.py` knows it by.
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

/// What seeding made.
struct Seeded {
    assets: u32,
    took: Duration,
    tagged: usize,
    in_collections: usize,
    used: usize,
    deleted: usize,
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
    let mut server_side = Vec::new();
    for search in &searches {
        eprintln!("timing {} over HTTP", search.name);
        server_side.push(time_http(&client, &server, &search.params, options.runs).await?);
    }
    eprintln!("timing the same searches in SQLite alone");
    let (engine, mut reference) = run_reference(&db, options.runs, &created_from, &cursor, live)?;
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
         `crates/medialib/src/cli/bench/search_reference.py`, on the same file, read-only."
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

/// Times `runs` requests of one search, one at a time, after [`WARM_UP`] untimed ones.
async fn time_http(
    client: &reqwest::Client,
    server: &Server,
    params: &str,
    runs: usize,
) -> anyhow::Result<Measured> {
    let url = server.url(&format!("/api/v1/assets?{params}"));
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for run in 0..WARM_UP + runs {
        let started = Instant::now();
        let response = client.get(&url).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        let took = started.elapsed();
        if status != 200 {
            bail!(
                "GET {url} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        if run >= WARM_UP {
            times.push(took);
        }
        last = Some(body);
    }
    let page: Value = serde_json::from_slice(&last.context("no request was made")?)?;
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
}

/// Runs `search_reference.py` on the database; returns the SQLite it ran on and what it
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
        bail!("search_reference.py failed");
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

/// The word of frequency rank `rank` (1-based): [`WORDS`] first, then made-up words from
/// syllables, all different.
fn word(rank: usize) -> String {
    if let Some(w) = WORDS.get(rank - 1) {
        return (*w).to_owned();
    }
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "ba", "do", "fi", "gu", "ha", "je",
        "pe",
    ];
    let mut n = rank;
    let mut w = String::new();
    while n > 0 {
        w.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
    }
    w
}

/// Reproducible pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// `count` words, `count` in `min..=max`, drawn as natural text draws them: the word
    /// of frequency rank r with probability ∝ 1/r (Zipf's law), over [`WORDS`] and then
    /// made-up words up to [`VOCABULARY`] in all. So a common word is in a few percent of
    /// the library and a typical one in far fewer, as in real titles and captions.
    fn words(&mut self, min: u64, max: u64) -> String {
        let count = min + self.below(max - min + 1);
        (0..count)
            .map(|_| word(self.zipf_rank()))
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// A rank in `1..=VOCABULARY` with probability ∝ 1/rank: inverting the continuous
    /// approximation of the harmonic sums, `H(r) ≈ ln r`.
    fn zipf_rank(&mut self) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = ((VOCABULARY as f64 + 1.0).ln() * u).exp();
        (rank as usize).clamp(1, VOCABULARY)
    }
}

/// A progress bar on stderr, in the style of `medialib import`.
fn progress(len: u64, verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{verb} {{bar:40}} {{pos}}/{{len}} ({{eta}}) {{wide_msg}}"
        ))
        .expect("valid template"),
    );
    bar
}

/// Creates the database at `db` and fills it with `assets` generated assets, organised.
async fn seed(db: &Path, assets: u32) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let store = SqliteStore::open(db).await.context("open the store")?;
    let mut rng = Rng::new(0x6d65_6469_616c_6962);
    let bar = progress(u64::from(assets), "seed");
    let mut ids = Vec::with_capacity(assets as usize);
    for n in 0..assets {
        ids.push(add_asset(&store, &mut rng, n).await?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut seeded = organise(&store, &mut rng, &ids).await?;
    store.close().await;
    seeded.assets = assets;
    seeded.took = started.elapsed();
    Ok(seeded)
}

/// Records asset number `n`, then claims its processing job and finishes it as a worker
/// would: with the processing result, or (3 %) failed.
async fn add_asset(store: &dyn MetadataStore, rng: &mut Rng, n: u32) -> anyhow::Result<AssetId> {
    let shares: u64 = KINDS.iter().map(|k| k.3).sum();
    let mut roll = rng.below(shares);
    let &(kind, mime, ext, _) = KINDS
        .iter()
        .find(|k| {
            let hit = roll < k.3;
            roll = roll.saturating_sub(k.3);
            hit
        })
        .expect("the shares add up");
    let mut sha = [0u8; 32];
    sha[..8].copy_from_slice(&u64::from(n).to_be_bytes());
    sha[8..16].copy_from_slice(b"benchlib");
    let sha = Sha256(sha);
    let mut title = rng.words(1, 4);
    if rng.chance(20) {
        title = title[..1].to_uppercase() + &title[1..];
    }
    let filename = if kind == AssetKind::Image && rng.chance(50) {
        format!("IMG_{:04}.{ext}", n % 10_000)
    } else {
        format!("{}_{n}.{ext}", word(rng.zipf_rank()))
    };
    let sizes = match kind {
        AssetKind::Image => Some(PHOTO_SIZES),
        AssetKind::Video => Some(VIDEO_SIZES),
        _ => None,
    };
    let (width, height) = match sizes {
        Some(sizes) => {
            let (w, h) = *rng.pick(sizes);
            let (w, h) = match rng.below(100) {
                0..8 => (h, h),
                8..33 => (h, w),
                _ => (w, h),
            };
            (Some(w), Some(h))
        }
        None => (None, None),
    };
    let duration_s = matches!(kind, AssetKind::Video | AssetKind::Audio)
        .then(|| 5.0 + rng.below(600_000) as f64 / 1000.0);
    let new = NewAsset {
        id: AssetId::new(),
        namespace: NS,
        kind,
        mime: mime.into(),
        size: 1 + rng.below(50_000_000),
        sha256: sha,
        storage_key: format!("originals/1/{sha}"),
        original_filename: filename,
        title,
        description: rng.chance(30).then(|| rng.words(3, 12)),
        alt_text: rng.chance(20).then(|| rng.words(2, 6)),
        is_public: rng.chance(10),
        width,
        height,
        duration_s,
        uploaded_by: None,
        max_attempts: 1,
    };
    let (id, job) = match store.create_asset(new).await? {
        IngestRecord::Created { asset, job } => (asset.id, job),
        IngestRecord::Duplicate(a) => bail!("asset {n} duplicates {}", a.id),
    };
    let Some(job) = job else { return Ok(id) };
    let claimed = store
        .claim_job("bench-seed", Duration::from_secs(600))
        .await?
        .context("the new asset's job is not queued")?;
    if claimed.id != job {
        bail!("claimed another job than the new asset's");
    }
    if rng.chance(3) {
        let error = "seeded without an original".to_owned();
        store.finish_job(job, JobOutcome::Failed { error }).await?;
        return Ok(id);
    }
    let processed = processed(rng, id, kind, ext, (width, height), duration_s);
    store.record_processed(id, processed).await?;
    store.finish_job(job, JobOutcome::Succeeded).await?;
    Ok(id)
}

/// A processing result for a generated asset.
fn processed(
    rng: &mut Rng,
    id: AssetId,
    kind: AssetKind,
    ext: &str,
    (width, height): (Option<u32>, Option<u32>),
    duration_s: Option<f64>,
) -> Processed {
    let (width, height) = (width.unwrap_or(0), height.unwrap_or(0));
    let duration_s = duration_s.unwrap_or(0.0);
    let captured = matches!(kind, AssetKind::Image | AssetKind::Video);
    let taken_at = (captured && rng.chance(70)).then(|| {
        Timestamp::from_unix_timestamp(TAKEN_FROM + rng.below(TAKEN_SPAN) as i64)
            .expect("a valid time")
    });
    let gps = (captured && rng.chance(25)).then(|| GpsPosition {
        latitude: rng.below(140_000) as f64 / 1000.0 - 60.0,
        longitude: rng.below(360_000) as f64 / 1000.0 - 180.0,
        altitude: rng.chance(50).then(|| rng.below(3000) as f64),
    });
    let mut text = None;
    let metadata = match kind {
        AssetKind::Image => {
            let camera = rng.chance(40).then(|| *rng.pick(CAMERAS));
            Metadata::Image(ImageMetadata {
                format: ext.to_owned(),
                width,
                height,
                frame_count: 1,
                camera_make: camera.map(|c| c.0.to_owned()),
                camera_model: camera.map(|c| c.1.to_owned()),
                iso: camera.map(|_| 100 << rng.below(6)),
                gps,
                ..Default::default()
            })
        }
        AssetKind::Video => Metadata::Video(VideoMetadata {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            duration_s,
            width,
            height,
            coded_width: width,
            coded_height: height,
            frame_rate: Some(30.0),
            video_codec: "h264".into(),
            audio_codec: Some("aac".into()),
            gps,
            ..Default::default()
        }),
        AssetKind::Audio => Metadata::Audio(AudioMetadata {
            container: "mp3".into(),
            duration_s,
            codec: "mp3".into(),
            bitrate: Some(320_000),
            sample_rate: 44_100,
            channels: 2,
            ..Default::default()
        }),
        AssetKind::Document => {
            text = Some(rng.words(20, 60));
            Metadata::Document(DocumentMetadata {
                format: "pdf".into(),
                page_count: Some(1 + rng.below(40) as u32),
                ..Default::default()
            })
        }
        _ => Metadata::Model3d(ModelMetadata {
            format: "glb".into(),
            vertex_count: 1000 + rng.below(500_000),
            triangle_count: 1000 + rng.below(1_000_000),
            mesh_count: 1 + rng.below(20) as u32,
            ..Default::default()
        }),
    };
    // Images and video posters get the default variants, each as WebP and JPEG.
    let mut variants = Vec::new();
    if captured {
        for spec in VariantSpec::defaults() {
            let scale = f64::min(
                f64::from(spec.width) / f64::from(width.max(1)),
                f64::from(spec.height) / f64::from(height.max(1)),
            )
            .min(1.0);
            for format in [OutputFormat::Webp, OutputFormat::Jpeg] {
                let mut sha = [0u8; 32];
                sha[..16].copy_from_slice(id.0.as_bytes());
                sha[16] = variants.len() as u8;
                variants.push(NewVariant {
                    storage_key: StorageKey::variant(id, &spec.name, format)
                        .as_str()
                        .to_owned(),
                    name: spec.name.clone(),
                    format,
                    width: Some(((f64::from(width) * scale) as u32).max(1)),
                    height: Some(((f64::from(height) * scale) as u32).max(1)),
                    duration_s: None,
                    size: 2_000 + rng.below(400_000),
                    sha256: Sha256(sha),
                });
            }
        }
    }
    Processed {
        metadata,
        placeholder: None,
        taken_at,
        variants,
        text,
        phash: None,
        transcodes: Vec::new(),
    }
}

/// Tags, collections, usage and trash over the library, in bulk where the API allows.
async fn organise(
    store: &dyn MetadataStore,
    rng: &mut Rng,
    ids: &[AssetId],
) -> anyhow::Result<Seeded> {
    let mut tags = Vec::new();
    for &(name, share) in TAGS {
        let tagged: Vec<AssetId> = ids.iter().copied().filter(|_| rng.chance(share)).collect();
        tags.push((name, tagged));
    }
    let mut collections = Vec::new();
    for &(title, share) in COLLECTIONS {
        let members: Vec<AssetId> = ids
            .iter()
            .copied()
            .filter(|_| rng.below(1000) < share)
            .collect();
        collections.push((title, members));
    }
    let used: Vec<AssetId> = ids.iter().copied().filter(|_| rng.chance(10)).collect();
    let used_set: std::collections::HashSet<AssetId> = used.iter().copied().collect();
    let doomed: Vec<AssetId> = ids
        .iter()
        .copied()
        .filter(|id| !used_set.contains(id) && rng.chance(2))
        .collect();

    let tagged: usize = tags.iter().map(|t| t.1.len()).sum();
    let in_collections: usize = collections.iter().map(|c| c.1.len()).sum();
    let steps = tags.iter().map(|t| t.1.len().div_ceil(1000)).sum::<usize>()
        + collections.len()
        + used.len()
        + doomed.len().div_ceil(1000);
    let bar = progress(steps as u64, "organise");
    for (name, tagged) in &tags {
        bar.set_message(format!("tag {name}"));
        for chunk in tagged.chunks(1000) {
            let action = BulkAction::Tag {
                names: vec![(*name).to_owned()],
                source: TagSource::User,
                confidence: None,
            };
            if !store.bulk(NS, &action, chunk).await?.applied {
                bail!("tagging {name} was refused");
            }
            bar.inc(1);
        }
    }
    for (title, members) in &collections {
        bar.set_message(format!("collection {title}"));
        let new = NewCollection {
            title: (*title).to_owned(),
            kind: "gallery".into(),
            ..Default::default()
        };
        let collection = store.create_collection(NS, &new).await?;
        store.insert_items(collection.id, members, None).await?;
        bar.inc(1);
    }
    bar.set_message("usage");
    for id in &used {
        let usage = UsageRef {
            entity_type: "article".into(),
            entity_id: rng.below(20_000).to_string(),
            usage_type: if rng.chance(30) {
                "featured_image"
            } else {
                "inline"
            }
            .into(),
        };
        store.record_usage(*id, &usage).await?;
        bar.inc(1);
    }
    bar.set_message("trash");
    for chunk in doomed.chunks(1000) {
        let action = BulkAction::Delete { force: false };
        if !store.bulk(NS, &action, chunk).await?.applied {
            bail!("deleting was refused");
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(Seeded {
        assets: 0,
        took: Duration::ZERO,
        tagged,
        in_collections,
        used: used.len(),
        deleted: doomed.len(),
    })
}
