//! The worker processes: this binary as `bench queue --drain`, and its handle in the
//! benchmark's process.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::str::FromStr;

use anyhow::{Context, bail};
use medialib_core::store::JobOutcome;
use medialib_core::{JobId, JobKind};

use super::{Backend, LEASE, Options, Store};

/// One worker process (`bench queue --drain`), killed on drop unless it has exited.
pub(super) struct Worker {
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
    pub(super) fn start(
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
        let mut child = cmd
            .env("RUST_LOG", "warn")
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
    pub(super) fn wait_ready(&mut self) -> anyhow::Result<()> {
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        if line.trim() != "ready" {
            bail!("a worker process ended before it was ready (its error is above)");
        }
        Ok(())
    }

    pub(super) fn go(&mut self) -> anyhow::Result<()> {
        self.stdin.write_all(b"go\n")?;
        self.stdin.flush()?;
        Ok(())
    }

    pub(super) fn wait_exit(&mut self) -> anyhow::Result<()> {
        let status = self.child.wait()?;
        if !status.success() {
            bail!("a worker process failed ({status}; its error is above)");
        }
        Ok(())
    }

    /// The jobs the process finished, as it reported them.
    pub(super) fn finished(&self) -> anyhow::Result<Vec<JobId>> {
        let text = std::fs::read_to_string(&self.report)
            .with_context(|| format!("read {}", self.report.display()))?;
        text.lines()
            .map(|l| JobId::from_str(l).map_err(|_| anyhow::anyhow!("bad job id {l:?}")))
            .collect()
    }
}

/// The worker process (`--drain`): opens the store, waits for `go`, drains the queue with
/// `--tasks` tasks and writes the ids of the jobs it finished to `--report-to`.
pub(super) async fn drain(options: Options) -> anyhow::Result<ExitCode> {
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
