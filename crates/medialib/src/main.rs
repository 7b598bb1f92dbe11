//! The `medialib` command: `serve`, `worker`, `import`, `gc`, `verify`, `backup`, `restore`,
//! `db`, `storage`, access, `bench`.
//!
//! Settings are layered: defaults → `medialib.toml` (or `--config`) → `MEDIALIB_*`
//! environment variables → the flags below.

mod cli;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use medialib_core::Settings;

#[derive(Parser)]
#[command(name = "medialib", version, about = "Self-hosted media asset server")]
struct Args {
    /// Configuration file (default: ./medialib.toml when it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory for the database, blobs and staging (overrides the config).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Log lines as JSON objects instead of text.
    #[arg(long, global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server and the job workers.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Serve HTTP only; leave jobs to `medialib worker` processes (or other
        /// `medialib serve` processes that run workers).
        #[arg(long)]
        no_workers: bool,
    },
    /// Run jobs only (no HTTP), beside other processes on the same database.
    Worker {
        /// Kinds of job to take, comma-separated (default: all).
        #[arg(long, value_enum, value_delimiter = ',')]
        kinds: Vec<cli::worker::Work>,
        /// Jobs run at once (default: `workers` from the settings, one per CPU).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Ingest files and folders (recursively) through the upload pipeline.
    Import {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Make the imported assets public.
        #[arg(long)]
        public: bool,
        /// Only queue the processing jobs (a running server does them) instead of
        /// processing here before exiting.
        #[arg(long)]
        no_process: bool,
    },
    /// Analyse the library: queue an `analyse` job per ready asset never analysed (or, with
    /// `--all`, every one) and run them here with a progress bar.
    Analyse {
        /// Every ready asset, analysed before or not.
        #[arg(long, conflicts_with = "missing")]
        all: bool,
        /// Only assets never analysed (the default).
        #[arg(long)]
        missing: bool,
        /// Analysers to run, comma-separated: facts, places, labels (default: every enabled
        /// one).
        #[arg(long, value_delimiter = ',', value_parser = cli::analyse::analyser)]
        kinds: Vec<medialib_core::analysis::Analyser>,
        /// Only queue the jobs (running servers or workers do them).
        #[arg(long)]
        no_run: bool,
    },
    /// Remove staging files left by crashed uploads, and stored blobs no row references.
    Gc {
        /// Only orphan blobs last written more than this many hours ago go.
        #[arg(long, default_value_t = 24)]
        orphan_age_hours: u64,
    },
    /// Move media used nowhere and not viewed to the trash now, per namespace policy (the
    /// server does it hourly), or with `--dry-run` list what would go.
    Retention {
        /// Only list what would go.
        #[arg(long)]
        dry_run: bool,
    },
    /// Back up an embedded install (SQLite + local blobs) while it serves: a snapshot of
    /// the database and the blobs it references; again into the same directory, only
    /// what is new.
    Backup {
        /// The backup directory (created when missing).
        dest: PathBuf,
    },
    /// Rebuild an install from a backup into `--data-dir` (which must hold no database).
    Restore {
        /// The directory `medialib backup` wrote.
        src: PathBuf,
    },
    /// Check that the blob store holds every blob the metadata references, at its length
    /// and SHA-256, and nothing else; exits 1 on any problem.
    Verify {
        /// Re-hash a random sample of this many blobs instead of all of them.
        #[arg(long)]
        sample: Option<usize>,
    },
    /// The metadata database: migrate it, or copy an SQLite install into PostgreSQL.
    #[command(subcommand)]
    Db(cli::db::DbCommand),
    /// The blob store: copy every blob into another store (`storage migrate`).
    #[command(subcommand)]
    Storage(cli::storage::StorageCommand),
    /// Namespaces (workspaces): create, list.
    #[command(subcommand)]
    Namespace(cli::access::NamespaceCommand),
    /// Users: create, list, set a role in a namespace.
    #[command(subcommand)]
    User(cli::access::UserCommand),
    /// API tokens: create one for a user in a namespace.
    #[command(subcommand)]
    Token(cli::access::TokenCommand),
    /// Benchmarks against reference tools: `image` (vipsthumbnail), `video` (ffmpeg),
    /// `search` (the same SQL in SQLite alone).
    Bench(cli::bench::Options),
}

fn main() -> ExitCode {
    cli::memory::tune();
    let args = Args::parse();
    cli::init_logging(args.log_json);
    medialib_app::import::install_crypto_provider();
    let result = (|| {
        let mut settings = Settings::load(args.config.as_deref())?;
        if let Some(dir) = args.data_dir {
            settings.data_dir = dir;
        }
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async move {
            match args.command {
                Command::Serve { listen, no_workers } => {
                    if let Some(listen) = listen {
                        settings.listen = listen;
                    }
                    cli::serve::run(settings, !no_workers).await
                }
                Command::Worker { kinds, concurrency } => {
                    cli::worker::run(settings, &kinds, concurrency).await
                }
                Command::Import {
                    paths,
                    public,
                    no_process,
                } => cli::import::run(settings, &paths, public, !no_process).await,
                Command::Analyse {
                    all,
                    missing: _,
                    kinds,
                    no_run,
                } => {
                    let scope = if all {
                        cli::analyse::Scope::All
                    } else {
                        cli::analyse::Scope::Missing
                    };
                    cli::analyse::run(settings, scope, &kinds, no_run).await
                }
                Command::Gc { orphan_age_hours } => {
                    let age = std::time::Duration::from_secs(orphan_age_hours * 3600);
                    cli::gc::run(settings, age).await
                }
                Command::Verify { sample } => cli::verify::run(settings, sample).await,
                Command::Retention { dry_run } => cli::retention::run(settings, dry_run).await,
                Command::Backup { dest } => cli::backup::backup(&settings, &dest).await,
                Command::Restore { src } => cli::backup::restore(&settings, &src).await,
                Command::Db(c) => cli::db::run(&settings, c).await,
                Command::Storage(c) => cli::storage::run(settings, c).await,
                Command::Namespace(c) => cli::access::namespace_command(&settings, c).await,
                Command::User(c) => cli::access::user_command(&settings, c).await,
                Command::Token(c) => cli::access::token_command(&settings, c).await,
                Command::Bench(options) => cli::bench::run(&settings, options).await,
            }
        })
    })();
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
