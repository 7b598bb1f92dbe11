//! `medialib bench search --database postgres://…`: the same searches on PostgreSQL.
//!
//! 1. seeds the same library (`library::seed`, same seed) into the given database, which
//!    must be empty, then runs `VACUUM (ANALYZE)`: what autovacuum does on its own shortly
//!    after such a burst of writes, done at once so that the timings do not race it;
//! 2. starts `medialib serve` on a fresh data directory with `database_url` and a
//!    configured signing key (serve refuses PostgreSQL without one) and times the same
//!    searches over HTTP, the same way as on SQLite;
//! 3. a reference: the statements the PostgreSQL store sends for each search's page
//!    (`crates/store/src/postgres/search/`, written out below by hand), timed by
//!    PostgreSQL itself: `EXPLAIN (ANALYZE, TIMING OFF)` reports each statement's planning
//!    and execution time inside the server; a run is the sum over the page's statements
//!    (count, keys, rows). One `psql` session per search runs its warm-ups and runs.
//!    It leaves out what the server adds (sending rows, the network, parsing, the page's
//!    tags and variants), as the SQLite reference leaves out HTTP and JSON.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use medialib_core::{Database, Secret};

use super::library::{Seeded, check_empty, seed};
use super::{CpuTicks, Server, Timed, WARM_UP, time_server};

/// The `signing.keys` entry of the server: `serve` on PostgreSQL needs configured keys.
const SIGNING_KEY: &str = "bench-search-signing-key-0123456789abcdef";

/// What the PostgreSQL side measured.
pub(super) struct PgRun {
    pub(super) seeded: Seeded,
    /// How long `VACUUM (ANALYZE)` took after seeding.
    pub(super) vacuum: Duration,
    pub(super) timed: Timed,
    /// PostgreSQL alone, by search key: planning + execution of each run.
    pub(super) alone: HashMap<String, Vec<Duration>>,
    pub(super) alone_steal: Option<f64>,
    /// `server_version`.
    pub(super) version: String,
    /// `pg_database_size`, in bytes.
    pub(super) bytes: u64,
}

/// Checks `--database` before anything is seeded: a PostgreSQL URL of an empty database
/// (migrated here if it was not), and `psql` to run the vacuum and the reference with.
pub(super) async fn check(url: &str) -> anyhow::Result<()> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        bail!("--database must be a postgres:// URL");
    }
    let psql = Command::new("psql")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    if !psql.is_ok_and(|s| s.success()) {
        bail!("--database needs psql (apt-get install postgresql-client)");
    }
    check_empty(&Database::Postgres(Secret::new(url.to_owned()))).await
}

/// Seeds the database at `url` with `assets` assets, serves it, and times the searches
/// over HTTP `runs` times each, then alone.
pub(super) async fn run(url: &str, assets: u32, runs: usize) -> anyhow::Result<PgRun> {
    let database = Database::Postgres(Secret::new(url.to_owned()));
    let seeded = seed(&database, assets).await?;
    eprintln!("VACUUM (ANALYZE) on {}", database.describe());
    let started = std::time::Instant::now();
    psql(url, "VACUUM (ANALYZE)")?;
    let vacuum = started.elapsed();

    // The same approach as on SQLite: a fresh data directory (blobs, staging) in a
    // scratch directory that also holds the configuration; only the database is elsewhere.
    let scratch = tempfile::tempdir()?;
    let data = scratch.path().join("data");
    let config = format!(
        "database_url = {}\n\n[[signing.keys]]\nid = \"bench\"\nsecret = \"{SIGNING_KEY}\"\n",
        serde_json::to_string(url)?
    );
    let server = Server::start_in(scratch, data, Some(&config), &[]).await?;
    eprintln!("timing the searches over HTTP on PostgreSQL");
    let timed = time_server(&server, runs).await?;
    drop(server);

    eprintln!("timing the same SQL in PostgreSQL alone");
    let ticks = CpuTicks::now();
    let mut alone = HashMap::new();
    for (search, measured) in timed.searches.iter().zip(&timed.measured) {
        let statements = statements(search.key, &timed, &measured.ids)?;
        alone.insert(search.key.to_owned(), explain(url, &statements, runs)?);
    }
    let alone_steal = ticks.and_then(CpuTicks::steal_percent_since);
    let version = psql(url, "SHOW server_version")?.trim().to_owned();
    let bytes = psql(url, "SELECT pg_database_size(current_database())")?
        .trim()
        .parse()
        .context("read pg_database_size")?;
    Ok(PgRun {
        seeded,
        vacuum,
        timed,
        alone,
        alone_steal,
        version,
        bytes,
    })
}

/// Runs `sql` in a `psql` session; returns its unaligned output.
fn psql(url: &str, sql: &str) -> anyhow::Result<String> {
    psql_with(url, &["-c", sql])
}

fn psql_with(url: &str, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("run psql")?;
    if !output.status.success() {
        bail!(
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// Times one search's statements in one `psql` session: [`WARM_UP`] rounds, then `runs`
/// rounds, each the sum of the planning and execution times PostgreSQL reports.
fn explain(url: &str, statements: &[String], runs: usize) -> anyhow::Result<Vec<Duration>> {
    let mut script = String::new();
    for _ in 0..WARM_UP + runs {
        for sql in statements {
            script.push_str("EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY ON) ");
            script.push_str(sql);
            script.push_str(";\n");
        }
    }
    let file = tempfile::NamedTempFile::new()?;
    std::fs::write(file.path(), script)?;
    let path = file.path().to_str().context("temporary path")?;
    let output = psql_with(url, &["-f", path])?;
    let ms: Vec<f64> = output
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("Planning Time:")
                .or_else(|| l.strip_prefix("Execution Time:"))
        })
        .map(|v| v.trim().trim_end_matches("ms").trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .context("read EXPLAIN ANALYZE times")?;
    let per_round = 2 * statements.len();
    if ms.len() != per_round * (WARM_UP + runs) {
        bail!(
            "EXPLAIN ANALYZE gave {} times, not {}",
            ms.len(),
            per_round * (WARM_UP + runs)
        );
    }
    Ok(ms
        .chunks(per_round)
        .skip(WARM_UP)
        .map(|round| Duration::from_secs_f64(round.iter().sum::<f64>() / 1000.0))
        .collect())
}

/// Live assets of the default namespace, as the store writes it (the partial indexes'
/// predicate).
const LIVE: &str = "asset.namespace_id = 1 AND asset.deleted_at IS NULL";
/// The columns the store reads for a page (`postgres/rows.rs`, `asset_columns!`).
const COLUMNS: &str = "id, namespace_id, kind, status, mime, size, sha256, original_filename, \
    title, description, alt_text, is_public, width, height, frame_count, duration_s, \
    page_count, metadata, placeholder, error, uploaded_by, created_at, updated_at, \
    deleted_at, taken_at, (SELECT count(*) FROM usage WHERE usage.asset_id = asset.id) AS \
    usage_count";
/// The sort key of `sort=-taken_at`, as its index names it.
const TAKEN: &str = "coalesce(asset.taken_at, asset.created_at)";

/// The statements the PostgreSQL store sends for the first page of search `key` (the
/// deep page: the page after its cursor), ending with the rows of `page` (the ids it
/// answered over HTTP, as hex). Values are written in as literals: the store sends
/// unnamed statements, which PostgreSQL plans with their values as it plans these.
fn statements(key: &str, timed: &Timed, page: &[String]) -> anyhow::Result<Vec<String>> {
    let image = " AND asset.kind = ANY(ARRAY['image'])";
    let mut sql = match key {
        "text" => vec![relevance(super::TEXT_WORD, "")],
        "broad_text" => vec![relevance(super::BROAD_WORD, "")],
        "text_filters" => vec![relevance(
            super::FILTER_WORD,
            &format!("{image} AND asset.size <= 20000000 AND asset.width > asset.height"),
        )],
        "filters" => {
            let from = day_ms(&timed.created_from)?;
            let filters = format!(
                "{image} AND asset.created_at >= {from} AND asset.width >= 1920 \
                 AND asset.has_gps = true"
            );
            sorted(&filters, "asset.created_at", "")
        }
        "tags" => sorted(&tagged("'hero', 'weigh-in'"), TAKEN, ""),
        "broad_tags" => sorted(&tagged("'archive', 'fans'"), TAKEN, ""),
        "deep" => {
            let (created, id) = cursor_keys(&timed.cursor)?;
            let after = format!(" AND (asset.created_at, asset.id) < ({created}, '{id}')");
            // A later page: the total comes from the cursor, so no count.
            sorted("", "asset.created_at", &after).split_off(1)
        }
        _ => bail!("no SQL for search {key}"),
    };
    let ids: Vec<String> = page.iter().map(|id| format!("'{id}'")).collect();
    sql.push(format!(
        "SELECT {COLUMNS} FROM asset WHERE id = ANY(ARRAY[{}]::UUID[])",
        ids.join(", ")
    ));
    Ok(sql)
}

/// `to_tsquery` of the search configuration for a query text.
fn tsquery(query: &str) -> String {
    format!(
        "to_tsquery('medialib_search', '{}')",
        query.replace('\'', "''")
    )
}

/// A relevance page (`postgres/search/relevance.rs`): the hits that pass the filters,
/// scored (title 8, tags 4, filename/alt text/camera 2, +1), counted and ranked.
fn relevance(word: &str, filters: &str) -> String {
    let mut score = String::from("(");
    for (weight, group) in [(8, 'A'), (4, 'B'), (2, 'C')] {
        score.push_str(&format!(
            "{weight} * (asset.search_doc @@ {})::INT + ",
            tsquery(&format!("'{word}':*{group}"))
        ));
    }
    score.push_str("1)::BIGINT");
    format!(
        "SELECT id, score, seq, total FROM (SELECT asset.id AS id, {score} AS score, \
         asset.search_rowid AS seq, count(*) OVER () AS total FROM asset WHERE {LIVE} \
         AND asset.search_doc @@ {}{filters}) AS hits ORDER BY score DESC, seq DESC LIMIT 51",
        tsquery(&format!("'{word}':*"))
    )
}

/// The tag-any filter over `slugs` (sorted, as the store sends them).
fn tagged(slugs: &str) -> String {
    format!(
        " AND asset.id IN (SELECT at.asset_id FROM asset_tag at JOIN tag t ON t.id = at.tag_id \
         WHERE t.namespace_id = 1 AND t.slug = ANY(ARRAY[{slugs}]))"
    )
}

/// The count and the keys query of a page sorted by `key`, newest first
/// (`postgres/search/mod.rs`).
fn sorted(filters: &str, key: &str, after: &str) -> Vec<String> {
    vec![
        format!("SELECT count(*) FROM asset WHERE {LIVE}{filters}"),
        format!(
            "SELECT asset.id AS id, {key} AS k0 FROM asset WHERE {LIVE}{filters}{after} \
             ORDER BY {key} DESC, asset.id DESC LIMIT 51"
        ),
    ]
}

/// Milliseconds since the epoch of midnight UTC of `YYYY-MM-DD`, as the server reads a
/// bare date.
fn day_ms(date: &str) -> anyhow::Result<i64> {
    let parts: Vec<i64> = date
        .split('-')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("{date:?} is not a date"))?;
    let [y, m, d] = parts[..] else {
        bail!("{date:?} is not a date");
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400_000)
}

/// The sort key (upload time) and asset id (32 hex digits) of a `created_at` cursor:
/// URL-safe base64 (no padding) of `{"sort", "keys", "id", "total"}`.
fn cursor_keys(cursor: &str) -> anyhow::Result<(i64, String)> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = Vec::new();
    let (mut bits, mut held) = (0u32, 0u32);
    for c in cursor.bytes() {
        let value = ALPHABET
            .iter()
            .position(|&a| a == c)
            .context("the cursor is not base64")?;
        bits = (bits << 6) | value as u32;
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    let cursor: serde_json::Value = serde_json::from_slice(&bytes)?;
    let created = cursor["keys"][0]
        .as_i64()
        .context("no sort key in the cursor")?;
    let id = cursor["id"].as_str().context("no id in the cursor")?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("the cursor's id is not 32 hex digits");
    }
    Ok((created, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_cursors_are_read_as_the_server_writes_them() {
        assert_eq!(day_ms("1970-01-01").unwrap(), 0);
        assert_eq!(day_ms("2026-11-24").unwrap(), 1_795_478_400_000);
        assert_eq!(day_ms("2000-03-01").unwrap(), 951_868_800_000);
        // {"sort":"created_at","keys":[1795512345678],"id":"0123…cdef","total":9}
        let json = br#"{"sort":"created_at","keys":[1795512345678],"id":"0123456789abcdef0123456789abcdef","total":9}"#;
        let encoded = base64url(json);
        assert_eq!(
            cursor_keys(&encoded).unwrap(),
            (1_795_512_345_678, "0123456789abcdef0123456789abcdef".into())
        );
        assert!(cursor_keys("not a cursor!").is_err());
    }

    /// URL-safe base64 without padding, for the test.
    fn base64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}
