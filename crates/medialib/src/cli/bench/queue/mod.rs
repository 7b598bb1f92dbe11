//! `medialib bench queue`: the job queue's throughput and exactly-once claims (issue 18),
//! on SQLite and, with `--database`, on PostgreSQL.
//!
//! For each backend, for 1, 2, 4 and 8 worker tasks, `--runs` times:
//! 1. seeds `--jobs` no-op jobs (default 20 000) through the store API: each new image
//!    asset (`AssetStore::create_asset`) queues one `process_image` job in the same
//!    transaction. SQLite gets a fresh file each time; PostgreSQL keeps its database
//!    (which must be empty at the start) and only the new jobs are counted;
//! 2. starts the worker processes: 1 for one task, else 2, each with half the tasks. They
//!    are this binary (`bench queue --drain`), which opens the store, opens its
//!    connections, says `ready` and waits for `go` on its stdin, so that process start-up
//!    and connecting are not timed;
//! 3. times from `go` until both processes have exited. Each task claims a job
//!    (`claim_job_of`), sends one heartbeat (`job_progress`) and finishes it
//!    (`finish_job`, succeeded), until no job is due; each process then writes the ids
//!    of the jobs it finished to a file;
//! 4. checks exactly-once: every seeded job was finished by exactly one task of one
//!    process, and the store has each one `succeeded` after exactly one attempt.

mod check;
mod drain;
mod report;
mod seed;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_core::MetadataStore;
use medialib_core::store::AssetQuery;
use medialib_store::{PgStore, SqliteStore};

use super::CpuTicks;

/// Worker tasks in all, per measurement.
const TASKS: [usize; 4] = [1, 2, 4, 8];
/// Worker processes when there is more than one task.
const PROCESSES: usize = 2;
/// The lease of every claim and heartbeat: far longer than a run, so no lease expires
/// and a job run twice can only be a double claim.
const LEASE: Duration = Duration::from_secs(600);
/// Assets created at once while seeding.
const SEED_CONCURRENCY: usize = 8;
/// Jobs read back at once while checking.
const CHECK_CONCURRENCY: usize = 16;
/// The target for PostgreSQL.
const TARGET_JOBS_PER_S: f64 = 1000.0;

/// Flags of `medialib bench queue`.
#[derive(clap::Args)]
pub struct Options {
    /// An empty PostgreSQL database to measure beside SQLite (`postgres://…`, or the
    /// variable, which keeps a password out of the process list). Empty means no
    /// assets, live or in the trash: one just made with `createdb`. Without it only
    /// SQLite is measured.
    #[arg(long, env = "MEDIALIB_BENCH_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// Jobs seeded and drained in each run.
    #[arg(long, default_value_t = 20_000)]
    jobs: u32,
    /// Runs of each backend and task count; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Internal: drain the queue as one worker process of the benchmark.
    #[arg(long, hide = true)]
    drain: bool,
    /// Internal (`--drain`): the SQLite file; PostgreSQL is `--database`.
    #[arg(long, hide = true)]
    sqlite: Option<PathBuf>,
    /// Internal (`--drain`): worker tasks in this process.
    #[arg(long, hide = true, default_value_t = 1)]
    tasks: usize,
    /// Internal (`--drain`): where to write the ids of the jobs this process finished.
    #[arg(long, hide = true)]
    report_to: Option<PathBuf>,
    /// Internal (`--drain`): the lease owner's name, numbered per task.
    #[arg(long, hide = true, default_value = "bench")]
    owner: String,
}

/// A store opened by the benchmark, closed explicitly so that every write is in the file
/// (SQLite) and every connection ends cleanly before the next step.
#[derive(Clone)]
enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    async fn open_sqlite(path: &Path) -> anyhow::Result<Store> {
        let store = SqliteStore::open(path)
            .await
            .with_context(|| format!("open SQLite {}", path.display()))?;
        Ok(Store::Sqlite(store))
    }

    async fn open_postgres(url: &str, max_connections: u32) -> anyhow::Result<Store> {
        let store = PgStore::open(url, max_connections)
            .await
            .context("open the PostgreSQL database")?;
        Ok(Store::Postgres(store))
    }

    fn api(&self) -> &dyn MetadataStore {
        match self {
            Store::Sqlite(s) => s,
            Store::Postgres(s) => s,
        }
    }

    async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(s) => s.close().await,
        }
    }
}

/// A database under test: SQLite (a fresh file per run), or PostgreSQL's URL and this
/// process's store on it.
enum Backend {
    Sqlite,
    Postgres(String, Store),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(..) => "PostgreSQL",
        }
    }
}

/// One timed drain, checked.
struct Run {
    jobs: usize,
    took: Duration,
    check: check::Check,
}

impl Run {
    fn jobs_per_s(&self) -> f64 {
        self.jobs as f64 / self.took.as_secs_f64()
    }
}

/// Every run of one backend at one task count.
struct Measured {
    tasks: usize,
    runs: Vec<Run>,
}

/// Runs the benchmark and prints a Markdown report; as `--drain`, one worker process.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    if options.drain {
        return drain::drain(options).await;
    }
    if options.runs == 0 || options.jobs == 0 {
        bail!("--runs and --jobs must be at least 1");
    }
    let mut backends = vec![Backend::Sqlite];
    if let Some(url) = &options.database {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!("--database takes a PostgreSQL URL (postgres://…); SQLite is always measured");
        }
        // Before any SQLite run, so that a wrong database fails at once. This process
        // keeps its pool (idle while the workers run) for seeding and checking.
        let store = Store::open_postgres(url, CHECK_CONCURRENCY as u32).await?;
        if let Err(e) = require_empty(store.api()).await {
            store.close().await;
            return Err(e);
        }
        backends.push(Backend::Postgres(url.clone(), store));
    }
    let scratch = tempfile::tempdir()?;

    let mut report = Vec::new();
    for backend in &backends {
        let ticks = CpuTicks::now();
        let mut measured = Vec::new();
        for tasks in TASKS {
            let mut runs = Vec::new();
            for n in 0..options.runs {
                let label = format!(
                    "{}, {tasks} task(s), run {}/{}",
                    backend.name(),
                    n + 1,
                    options.runs
                );
                let run = measure(backend, tasks, options.jobs, scratch.path(), &label).await?;
                eprintln!(
                    "{label}: {} jobs in {:.2} s, {:.0} jobs/s, run twice {}{}",
                    report::thousands(run.jobs as f64),
                    run.took.as_secs_f64(),
                    run.jobs_per_s(),
                    run.check.run_twice(),
                    if run.check.ok() { "" } else { ", CHECK FAILED" }
                );
                runs.push(run);
            }
            measured.push(Measured { tasks, runs });
        }
        let steal = ticks.and_then(CpuTicks::steal_percent_since);
        report.push((backend, measured, steal));
    }

    for backend in &backends {
        if let Backend::Postgres(_, store) = backend {
            store.close().await;
        }
    }
    report::print_report(&options, &report);
    let all_ok = report
        .iter()
        .flat_map(|(_, measured, _)| measured)
        .flat_map(|m| &m.runs)
        .all(|r| r.check.ok());
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Refuses a PostgreSQL database that holds anything but what its migrations create (one
/// namespace; no users, tokens or assets, live or in the trash): the benchmark would
/// claim and finish the jobs of assets it did not seed, and it must never write into a
/// database in use. It drops and recreates nothing: the caller gives it a fresh one.
async fn require_empty(store: &dyn MetadataStore) -> anyhow::Result<()> {
    let namespaces = store.list_namespaces().await?;
    let mut held = Vec::new();
    if namespaces.len() > 1 {
        held.push(format!("{} namespaces", namespaces.len()));
    }
    let users = store.list_users().await?.len();
    if users > 0 {
        held.push(format!("{users} user(s)"));
    }
    if store.has_tokens().await? {
        held.push("API tokens".to_owned());
    }
    for namespace in &namespaces {
        for deleted in [false, true] {
            let mut query = AssetQuery::newest(namespace.id, 1);
            query.filter.deleted = deleted;
            let total = store.list_assets(&query).await?.total;
            if total > 0 {
                let place = if deleted { "in the trash" } else { "live" };
                held.push(format!("{total} asset(s) {place} in `{}`", namespace.slug));
            }
        }
    }
    if !held.is_empty() {
        bail!(
            "the PostgreSQL database of `bench queue` must be empty, and this one holds {}: \
             the benchmark would claim the jobs of assets it did not seed. It drops and \
             recreates nothing; give it a database of its own, just made with `createdb`",
            held.join(", ")
        );
    }
    Ok(())
}

/// One run: seed, drain with `tasks` tasks, check.
async fn measure(
    backend: &Backend,
    tasks: usize,
    jobs: u32,
    scratch: &Path,
    label: &str,
) -> anyhow::Result<Run> {
    let sqlite = scratch.join("queue.db");
    let seeded = match backend {
        Backend::Sqlite => {
            remove_sqlite(&sqlite)?;
            let store = Store::open_sqlite(&sqlite).await?;
            let seeded = seed::seed(store.api(), jobs, label).await;
            // The workers are the only clients of the file while they run.
            store.close().await;
            seeded?
        }
        Backend::Postgres(_, store) => seed::seed(store.api(), jobs, label).await?,
    };

    let processes = if tasks == 1 { 1 } else { PROCESSES };
    let mut workers = Vec::with_capacity(processes);
    for p in 0..processes {
        workers.push(drain::Worker::start(
            backend,
            &sqlite,
            tasks / processes,
            &scratch.join(format!("finished-{p}.txt")),
            &format!("bench-{p}"),
        )?);
    }
    for worker in &mut workers {
        worker.wait_ready()?;
    }
    let started = Instant::now();
    for worker in &mut workers {
        worker.go()?;
    }
    for worker in &mut workers {
        worker.wait_exit()?;
    }
    let took = started.elapsed();

    let mut finished = Vec::new();
    for worker in &workers {
        finished.push(worker.finished()?);
    }
    let check = match backend {
        Backend::Sqlite => {
            let store = Store::open_sqlite(&sqlite).await?;
            let check = check::check(store.api(), &seeded, &finished).await;
            store.close().await;
            remove_sqlite(&sqlite)?;
            check?
        }
        Backend::Postgres(_, store) => check::check(store.api(), &seeded, &finished).await?,
    };
    Ok(Run {
        jobs: seeded.len(),
        took,
        check,
    })
}

/// Removes an SQLite database and its WAL files, if any.
fn remove_sqlite(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("remove {}", path.display()));
            }
            _ => {}
        }
    }
    Ok(())
}
