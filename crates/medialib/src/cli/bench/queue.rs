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

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{StreamExt, TryStreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use medialib_core::store::{AssetQuery, IngestRecord, JobOutcome, NewAsset};
use medialib_core::{
    AssetId, AssetKind, JobId, JobKind, JobStatus, MetadataStore, NamespaceId, Sha256,
};
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
    check: Check,
}

impl Run {
    fn jobs_per_s(&self) -> f64 {
        self.jobs as f64 / self.took.as_secs_f64()
    }
}

/// What the exactly-once check found for one run.
#[derive(Default)]
struct Check {
    /// Jobs the processes reported finishing, repeats included.
    reported: usize,
    /// Reports of a job that another report (of any process) already named.
    repeated: usize,
    /// Seeded jobs nobody reported.
    missing: usize,
    /// Reported jobs that were not seeded in this run.
    foreign: usize,
    /// Seeded jobs not `succeeded` in the store.
    not_succeeded: usize,
    /// Seeded jobs the store says were attempted more than once.
    attempted_again: usize,
}

impl Check {
    /// Jobs run twice (or more), by either witness: the processes' reports or the
    /// store's attempt counts.
    fn run_twice(&self) -> usize {
        self.repeated.max(self.attempted_again)
    }

    fn ok(&self) -> bool {
        self.repeated == 0
            && self.missing == 0
            && self.foreign == 0
            && self.not_succeeded == 0
            && self.attempted_again == 0
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
        return drain(options).await;
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
                    thousands(run.jobs as f64),
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
    print_report(&options, &report);
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
            let seeded = seed(store.api(), jobs, label).await;
            // The workers are the only clients of the file while they run.
            store.close().await;
            seeded?
        }
        Backend::Postgres(_, store) => seed(store.api(), jobs, label).await?,
    };

    let processes = if tasks == 1 { 1 } else { PROCESSES };
    let mut workers = Vec::with_capacity(processes);
    for p in 0..processes {
        workers.push(Worker::start(
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
            let check = check(store.api(), &seeded, &finished).await;
            store.close().await;
            remove_sqlite(&sqlite)?;
            check?
        }
        Backend::Postgres(_, store) => check(store.api(), &seeded, &finished).await?,
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

/// Queues `jobs` processing jobs, one per new image asset, showing a progress bar; returns
/// their ids.
async fn seed(store: &dyn MetadataStore, jobs: u32, label: &str) -> anyhow::Result<Vec<JobId>> {
    let namespace = store.default_namespace().await?;
    // This seeding's hashes start with a fresh UUID, so a database that keeps earlier
    // runs' assets (PostgreSQL) never sees a duplicate.
    let batch = AssetId::new();
    let bar = ProgressBar::new(u64::from(jobs));
    bar.set_style(
        ProgressStyle::with_template("seed {bar:40} {pos}/{len} ({eta}) {wide_msg}")
            .expect("valid template"),
    );
    bar.set_message(label.to_owned());
    let ids = stream::iter(0..jobs)
        .map(|n| async move {
            match store.create_asset(new_asset(namespace, batch, n)).await? {
                IngestRecord::Created { job: Some(job), .. } => Ok(job),
                IngestRecord::Created { job: None, .. } => {
                    bail!("the new image asset {n} queued no processing job")
                }
                IngestRecord::Duplicate(a) => bail!("seeded asset {n} duplicates {}", a.id),
            }
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .inspect(|_| bar.inc(1))
        .try_collect()
        .await;
    bar.finish_and_clear();
    ids
}

/// Asset number `n` of a seeding: an image whose hash no other asset has.
fn new_asset(namespace: NamespaceId, batch: AssetId, n: u32) -> NewAsset {
    let mut sha = [0u8; 32];
    sha[..16].copy_from_slice(batch.0.as_bytes());
    sha[16..24].copy_from_slice(b"queuebch");
    sha[28..].copy_from_slice(&n.to_be_bytes());
    let sha = Sha256(sha);
    NewAsset {
        id: AssetId::new(),
        namespace,
        kind: AssetKind::Image,
        mime: "image/jpeg".into(),
        size: 1000,
        sha256: sha,
        storage_key: format!("originals/{}/{sha}", namespace.0),
        original_filename: format!("queue_{n}.jpg"),
        title: format!("queue {n}"),
        description: None,
        alt_text: None,
        is_public: false,
        width: Some(10),
        height: Some(20),
        duration_s: None,
        uploaded_by: None,
        max_attempts: 3,
    }
}

/// One worker process (`bench queue --drain`), killed on drop unless it has exited.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    report: PathBuf,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Worker {
    fn start(
        backend: &Backend,
        sqlite: &Path,
        tasks: usize,
        report: &Path,
        owner: &str,
    ) -> anyhow::Result<Worker> {
        let _ = std::fs::remove_file(report);
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args(["bench", "queue", "--drain", "--tasks", &tasks.to_string()])
            .args(["--owner", owner])
            .arg("--report-to")
            .arg(report);
        match backend {
            Backend::Sqlite => {
                cmd.arg("--sqlite")
                    .arg(sqlite)
                    .env_remove("MEDIALIB_BENCH_DATABASE");
            }
            // Through the environment: the URL may hold a password.
            Backend::Postgres(url, _) => {
                cmd.env("MEDIALIB_BENCH_DATABASE", url);
            }
        }
        // Closing a `PgStore` makes its notification listener warn that it lost its
        // connection; that is the shutdown, not a failure.
        let mut child = cmd
            .env("RUST_LOG", "warn,medialib_store::postgres::notify=error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("start a worker process")?;
        let stdin = child.stdin.take().context("worker stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("worker stdout")?);
        Ok(Worker {
            child,
            stdin,
            stdout,
            report: report.to_owned(),
        })
    }

    /// Waits until the process has opened the store and its connections.
    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        if line.trim() != "ready" {
            bail!("a worker process ended before it was ready (its error is above)");
        }
        Ok(())
    }

    fn go(&mut self) -> anyhow::Result<()> {
        self.stdin.write_all(b"go\n")?;
        self.stdin.flush()?;
        Ok(())
    }

    fn wait_exit(&mut self) -> anyhow::Result<()> {
        let status = self.child.wait()?;
        if !status.success() {
            bail!("a worker process failed ({status}; its error is above)");
        }
        Ok(())
    }

    /// The jobs the process finished, as it reported them.
    fn finished(&self) -> anyhow::Result<Vec<JobId>> {
        let text = std::fs::read_to_string(&self.report)
            .with_context(|| format!("read {}", self.report.display()))?;
        text.lines()
            .map(|l| JobId::from_str(l).map_err(|_| anyhow::anyhow!("bad job id {l:?}")))
            .collect()
    }
}

/// Checks one run: the processes' reports against the seeded jobs, and every seeded job
/// in the store.
async fn check(
    store: &dyn MetadataStore,
    seeded: &[JobId],
    finished: &[Vec<JobId>],
) -> anyhow::Result<Check> {
    let mut check = Check::default();
    let expected: HashSet<JobId> = seeded.iter().copied().collect();
    let mut seen = HashSet::with_capacity(seeded.len());
    for id in finished.iter().flatten() {
        check.reported += 1;
        if !seen.insert(*id) {
            check.repeated += 1;
        } else if !expected.contains(id) {
            check.foreign += 1;
        }
    }
    check.missing = expected.difference(&seen).count();
    let jobs: Vec<_> = stream::iter(seeded)
        .map(|id| async move {
            store
                .get_job(*id)
                .await?
                .with_context(|| format!("seeded job {id} is gone"))
        })
        .buffer_unordered(CHECK_CONCURRENCY)
        .try_collect()
        .await?;
    for job in jobs {
        if job.status != JobStatus::Succeeded {
            check.not_succeeded += 1;
        }
        if job.attempts != 1 {
            check.attempted_again += 1;
        }
    }
    Ok(check)
}

/// The worker process (`--drain`): opens the store, waits for `go`, drains the queue with
/// `--tasks` tasks and writes the ids of the jobs it finished to `--report-to`.
async fn drain(options: Options) -> anyhow::Result<ExitCode> {
    let tasks = options.tasks.max(1);
    let report = options.report_to.context("--drain needs --report-to")?;
    let store = match (&options.sqlite, &options.database) {
        (Some(path), _) => Store::open_sqlite(path).await?,
        // One connection per task, and one spare.
        (None, Some(url)) => Store::open_postgres(url, tasks as u32 + 1).await?,
        (None, None) => bail!("--drain needs --sqlite or --database"),
    };
    // Open a connection per task before the clock starts.
    for _ in 0..3 {
        futures_util::future::try_join_all((0..tasks).map(|_| store.api().get_job(JobId::new())))
            .await?;
    }
    let mut stdout = std::io::stdout();
    writeln!(stdout, "ready")?;
    stdout.flush()?;
    let go = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await??;
    if go.trim() != "go" {
        bail!("the benchmark did not say go");
    }

    let handles: Vec<_> = (0..tasks)
        .map(|t| tokio::spawn(work(store.clone(), format!("{}-{t}", options.owner))))
        .collect();
    let mut finished = Vec::new();
    for handle in handles {
        finished.extend(handle.await??);
    }
    store.close().await;
    let mut text = String::with_capacity(finished.len() * 37);
    for id in &finished {
        text.push_str(&id.to_string());
        text.push('\n');
    }
    std::fs::write(&report, text).with_context(|| format!("write {}", report.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// One worker task: claim, one heartbeat, finish, until no job is due. Returns the jobs it
/// finished.
async fn work(store: Store, owner: String) -> anyhow::Result<Vec<JobId>> {
    let store = store.api();
    let mut finished = Vec::new();
    while let Some((job, lease)) = store
        .claim_job_of(&owner, &[JobKind::ProcessImage], LEASE)
        .await?
    {
        if !store.job_progress(lease, Some(50), LEASE).await? {
            bail!("{owner} lost the lease of job {} at its heartbeat", job.id);
        }
        if !store.finish_job(lease, JobOutcome::Succeeded).await? {
            bail!(
                "{owner} lost the lease of job {} before finishing it",
                job.id
            );
        }
        finished.push(job.id);
    }
    Ok(finished)
}

/// Prints the Markdown report.
fn print_report(options: &Options, report: &[(&Backend, Vec<Measured>, Option<f64>)]) {
    let has_pg = report.len() > 1;
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| jobs | {} per run, one `process_image` job per new image asset; {} run(s) per \
         cell, the median reported (min–max in brackets) |",
        thousands(f64::from(options.jobs)),
        options.runs
    );
    println!(
        "| each job | claim (`claim_job_of`), one heartbeat (`job_progress`), finish \
         (`finish_job`, succeeded); lease {} s |",
        LEASE.as_secs()
    );
    println!(
        "| processes | 1 for 1 task, else {PROCESSES} (`bench queue --drain`), the tasks \
         split evenly; timed from `go` until every process has exited |"
    );
    println!(
        "| machine | {} CPUs |",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for (backend, _, steal) in report {
        println!(
            "| CPU time stolen by the host while {} ran | {} |",
            backend.name(),
            steal.map_or("unknown".into(), |p| format!("{p:.0} %"))
        );
    }
    println!();
    print!("| worker tasks | processes × tasks |");
    for (backend, _, _) in report {
        print!(" {} jobs/s |", backend.name());
    }
    if has_pg {
        print!(" PostgreSQL ≥ {} |", thousands(TARGET_JOBS_PER_S));
    }
    println!();
    print!("|---:|---|");
    for _ in report {
        print!("---:|");
    }
    if has_pg {
        print!(":-:|");
    }
    println!();
    for (row, tasks) in TASKS.iter().enumerate() {
        let processes = if *tasks == 1 { 1 } else { PROCESSES };
        print!("| {tasks} | {processes} × {} |", tasks / processes);
        let mut pg_median = None;
        for (backend, measured, _) in report {
            let runs = &measured[row].runs;
            let mut rates: Vec<f64> = runs.iter().map(Run::jobs_per_s).collect();
            rates.sort_by(f64::total_cmp);
            let median = rates[rates.len() / 2];
            if let Backend::Postgres(..) = backend {
                pg_median = Some(median);
            }
            if rates.len() > 1 {
                print!(
                    " **{}** ({}–{}) |",
                    thousands(median),
                    thousands(rates[0]),
                    thousands(rates[rates.len() - 1])
                );
            } else {
                print!(" **{}** |", thousands(median));
            }
        }
        if let Some(m) = pg_median {
            print!(
                " {} |",
                if m >= TARGET_JOBS_PER_S {
                    "yes"
                } else {
                    "**no**"
                }
            );
        }
        println!();
    }
    println!();
    let mut failures = Vec::new();
    for (backend, measured, _) in report {
        let runs: Vec<&Run> = measured.iter().flat_map(|m| &m.runs).collect();
        let jobs: usize = runs.iter().map(|r| r.jobs).sum();
        let twice: usize = runs.iter().map(|r| r.check.run_twice()).sum();
        println!(
            "{}: run twice: {twice} (of {} jobs in {} runs: every one finished by one task, \
             `succeeded` after 1 attempt{})",
            backend.name(),
            thousands(jobs as f64),
            runs.len(),
            if runs.iter().all(|r| r.check.ok()) {
                ""
            } else {
                ": **NOT SO, see below**"
            }
        );
        for m in measured {
            for (n, r) in m.runs.iter().enumerate() {
                if !r.check.ok() {
                    failures.push(format!(
                        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        backend.name(),
                        m.tasks,
                        n + 1,
                        r.check.reported,
                        r.check.repeated,
                        r.check.missing,
                        r.check.foreign,
                        r.check.not_succeeded,
                        r.check.attempted_again
                    ));
                }
            }
        }
    }
    if !failures.is_empty() {
        println!();
        println!(
            "| backend | tasks | run | reported | reported twice | missing | not seeded \
             | not succeeded | attempts ≠ 1 |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for line in failures {
            println!("{line}");
        }
    }
}

/// A whole number with a space between thousands: `20 000`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
