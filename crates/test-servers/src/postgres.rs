//! A throwaway PostgreSQL 15 cluster for tests, one per test binary: a dev-dependency of
//! every crate whose tests run on PostgreSQL. Call [`PgCluster::shared`], then
//! [`fresh_database`](PgCluster::fresh_database) once per test.
//!
//! The cluster is Debian's `postgresql-15` (`scripts/setup.sh` installs it), run from
//! `/usr/lib/postgresql/15/bin`, which is not on PATH. No system-wide service is used or
//! needed. It lives in a fresh directory `$TMPDIR/medialib-pg-<pid>-<nanos>` (data,
//! unix socket, log), trusts every local connection, listens on 127.0.0.1 only, on a free
//! port, and runs without fsync.
//!
//! **Root.** `initdb` and `postgres` refuse to run as root, and tests here run as root:
//! then the directory is given to the `postgres` system user (created by the Debian
//! package) and every PostgreSQL program runs as that user through `runuser`. Other users
//! run them directly.
//!
//! **Cleanup.** A test binary ends with `exit`, which drops no static, so a `Drop` of the
//! shared cluster would never run. Instead, each cluster has a watchdog: a `sh` child in
//! its own process group (so a Ctrl-C aimed at the tests does not reach it) that blocks
//! reading a pipe only this process holds. However this process ends (return, panic,
//! `exit`, a signal, even SIGKILL) the kernel closes the pipe, and the watchdog stops the
//! cluster (`pg_ctl stop -m immediate`) and deletes its directory. Dropping a
//! [`PgCluster`] closes the pipe too, and waits for the watchdog. Should a watchdog die
//! with the tests (the whole process group killed), the next start reaps what it left:
//! every `medialib-pg-*` directory whose `owner` process is gone is stopped and deleted.
//!
//! **Databases.** The first [`fresh_database`](PgCluster::fresh_database) creates a
//! template database and migrates it by opening a [`PgStore`] on it; every call then
//! copies the template (`CREATE DATABASE … TEMPLATE`), which takes milliseconds. The
//! cluster holds no connection or pool between calls: each `#[tokio::test]` has its own
//! runtime, and a pool made in one runtime fails once that runtime ends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use medialib_store::PgStore;

use crate::process::{free_port, run};
use sqlx::{Connection, PgConnection};

/// Where Debian's `postgresql-15` package puts the server programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";
/// Names of cluster directories under the temporary directory.
const PREFIX: &str = "medialib-pg-";
/// The superuser `initdb` creates; every URL connects as it.
const USER: &str = "medialib";
/// The migrated database that fresh databases copy.
const TEMPLATE: &str = "medialib_template";
/// Tries at starting on a free port (another process may take the port between the
/// check and the start).
const START_TRIES: usize = 5;

/// A running PostgreSQL cluster in a temporary directory; see the module documentation.
pub struct PgCluster {
    root: PathBuf,
    port: u16,
    /// Whether PostgreSQL programs run as the `postgres` user (this process is root).
    as_postgres: bool,
    /// The watchdog that stops the cluster when this process ends, with the write end of
    /// its pipe.
    watchdog: Mutex<Option<Child>>,
    template: tokio::sync::OnceCell<()>,
    databases: AtomicU64,
}

impl PgCluster {
    /// The cluster of this test binary, started on first use.
    pub fn shared() -> &'static PgCluster {
        static SHARED: OnceLock<PgCluster> = OnceLock::new();
        SHARED.get_or_init(PgCluster::start)
    }

    /// Starts a new cluster, stopped and deleted when it is dropped or this process ends.
    ///
    /// Panics, saying why, when PostgreSQL 15 is missing or does not start.
    pub fn start() -> PgCluster {
        assert!(
            Path::new(BIN).join("pg_ctl").exists(),
            "PostgreSQL 15 is not installed ({BIN}/pg_ctl is missing): run scripts/setup.sh, \
             which installs the Debian package postgresql-15"
        );
        let as_postgres = is_root();
        let tmp = std::env::temp_dir();
        reap_stale(&tmp, as_postgres);

        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let root = tmp.join(format!("{PREFIX}{}-{nanos}", std::process::id()));
        std::fs::create_dir(&root).expect("create the cluster directory");
        std::fs::write(root.join("owner"), std::process::id().to_string())
            .expect("record the cluster's owner");
        std::fs::create_dir(root.join("sock")).expect("create the socket directory");
        if as_postgres {
            run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&root),
                "chown the cluster directory to postgres",
            );
        }
        let watchdog = spawn_watchdog(&root, as_postgres);
        let mut cluster = PgCluster {
            root,
            port: 0,
            as_postgres,
            watchdog: Mutex::new(Some(watchdog)),
            template: tokio::sync::OnceCell::new(),
            databases: AtomicU64::new(0),
        };

        let data = cluster.data();
        run(
            cluster
                .pg_command("initdb")
                .arg("-D")
                .arg(&data)
                .args(["--auth=trust", "--username", USER, "--no-sync"])
                // Words beyond ASCII need a UTF-8 LC_CTYPE: the search document splits
                // text on `[^[:alnum:]]`.
                .args(["--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"]),
            "initdb",
        );
        for attempt in 1..=START_TRIES {
            let port = free_port();
            let started = cluster.start_server(port);
            if started.status.success() {
                cluster.port = port;
                return cluster;
            }
            if attempt == START_TRIES {
                let log = std::fs::read_to_string(cluster.root.join("log")).unwrap_or_default();
                panic!(
                    "pg_ctl start failed {START_TRIES} times: {}{}\nserver log:\n{log}",
                    String::from_utf8_lossy(&started.stdout),
                    String::from_utf8_lossy(&started.stderr),
                );
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Stops the server (`pg_ctl stop -m fast`: connections are cut), as an outage
    /// would; [`resume`](Self::resume) starts it again on the same port.
    pub fn stop(&self) {
        run(
            self.pg_command("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-w", "-m", "fast", "stop"]),
            "pg_ctl stop",
        );
    }

    /// Starts a [`stop`](Self::stop)ped server again, on the same port.
    pub fn resume(&self) {
        let started = self.start_server(self.port);
        assert!(started.status.success(), "pg_ctl start: {started:?}");
    }

    /// `pg_ctl start` on 127.0.0.1:`port` and the cluster's socket, without fsync.
    fn start_server(&self, port: u16) -> std::process::Output {
        let options = format!(
            "-k '{}' -h 127.0.0.1 -p {port} -F -c full_page_writes=off",
            self.root.join("sock").display()
        );
        self.pg_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.root.join("log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .expect("run pg_ctl start")
    }

    /// The port the cluster listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name` in this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new database with every migration applied and nothing else but the
    /// seed rows, and returns its URL (`postgres://medialib@127.0.0.1:PORT/NAME`).
    pub async fn fresh_database(&self) -> String {
        self.template
            .get_or_init(|| async {
                self.admin(&format!("CREATE DATABASE {TEMPLATE}")).await;
                let store = PgStore::open(&self.url(TEMPLATE), 1)
                    .await
                    .expect("migrate the template database");
                // No connection to the template may remain: CREATE DATABASE … TEMPLATE
                // refuses a template in use.
                store.close().await;
            })
            .await;
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            self.databases.fetch_add(1, Ordering::Relaxed)
        );
        self.admin(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            .await;
        self.url(&name)
    }

    /// Runs one statement in the maintenance database, on a connection of its own.
    async fn admin(&self, sql: &str) {
        let mut conn = PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connect to the test cluster");
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        conn.close()
            .await
            .expect("disconnect from the test cluster");
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// A command running PostgreSQL's `program` as the `postgres` user when this process
    /// is root, in the cluster directory (which that user may enter).
    fn pg_command(&self, program: &str) -> Command {
        let mut command = pg_command(program, self.as_postgres);
        command.current_dir(&self.root);
        command
    }
}

impl Drop for PgCluster {
    /// Closes the watchdog's pipe and waits while it stops the cluster and deletes its
    /// directory.
    fn drop(&mut self) {
        let watchdog = self.watchdog.get_mut().map(Option::take);
        if let Ok(Some(mut watchdog)) = watchdog {
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

/// Whether this process runs as root (`id -u` is 0).
fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A command running PostgreSQL's `program`, as the `postgres` user if `as_postgres`,
/// without the `PG*` variables that would point it elsewhere.
fn pg_command(program: &str, as_postgres: bool) -> Command {
    let path = Path::new(BIN).join(program);
    let mut command = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    };
    for var in [
        "PGDATA",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGOPTIONS",
    ] {
        command.env_remove(var);
    }
    command.stdin(Stdio::null());
    command
}

/// A `sh` that runs `before`, then stops the cluster in `root` (if it runs) and deletes
/// the directory. The script's arguments, if any, are the prefix that runs `pg_ctl` as
/// the cluster's user (`runuser -u postgres --`).
///
/// It tries again for a while: when this process dies while `initdb` or `pg_ctl start`
/// runs, they go on writing into the directory as it is deleted (and then fail, since
/// their files are gone).
fn stop_command(root: &Path, as_postgres: bool, before: &str) -> Command {
    let script = format!(
        "{before}for _try in 1 2 3 4 5 6 7 8 9 10; do\n\
           \"$@\" {BIN}/pg_ctl -D \"$ROOT/data\" stop -m immediate >/dev/null 2>&1\n\
           rm -rf \"$ROOT\" 2>/dev/null\n\
           [ -e \"$ROOT\" ] || exit 0\n\
           sleep 1\n\
         done\n"
    );
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(
            as_postgres
                .then_some(["runuser", "-u", "postgres", "--"])
                .into_iter()
                .flatten(),
        )
        .env("ROOT", root)
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Stops the cluster in `root` (if it runs) and deletes the directory, now.
fn stop_and_delete(root: &Path, as_postgres: bool) {
    let _ = stop_command(root, as_postgres, "")
        .stdin(Stdio::null())
        .status();
}

/// Starts the watchdog of the cluster in `root`: it waits for end of file on its stdin
/// (this process holds the only write end), then stops and deletes the cluster.
fn spawn_watchdog(root: &Path, as_postgres: bool) -> Child {
    use std::os::unix::process::CommandExt;
    stop_command(root, as_postgres, "read -r _ignored\n")
        .stdin(Stdio::piped())
        // Its own process group: a terminal's Ctrl-C stops the tests, not their cleanup.
        .process_group(0)
        .spawn()
        .expect("start the cluster's watchdog")
}

/// Stops and deletes clusters left under `tmp` by test processes that are gone (their
/// watchdog was killed with them).
fn reap_stale(tmp: &Path, as_postgres: bool) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let root = entry.path();
        let alive = match std::fs::read_to_string(root.join("owner")) {
            Ok(owner) => owner
                .trim()
                .parse::<u32>()
                .map(|pid| Path::new("/proc").join(pid.to_string()).exists())
                .unwrap_or(false),
            // Without an owner, a directory is being created right now, or is what a
            // clean-up raced with left: leave it alone for an hour.
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age.as_secs() < 3600),
        };
        if !alive {
            stop_and_delete(&root, as_postgres);
        }
    }
}
