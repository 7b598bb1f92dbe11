//! `medialib db`: the metadata database on its own: migrate it, or move an embedded
//! (SQLite) install to PostgreSQL.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use medialib_core::{Database, Secret, Settings};
use medialib_store::copy::{Progress, sqlite_to_postgres};

/// `medialib db …`.
#[derive(Subcommand)]
pub enum DbCommand {
    /// Apply the migrations the database lacks, then exit (`serve` and `worker` also
    /// migrate when they start; several may start at once).
    Migrate,
    /// Copy every row of this install's SQLite database into an empty PostgreSQL
    /// database, then check the counts. Blobs stay where they are.
    Copy {
        /// The PostgreSQL database: `postgres://user:password@host:port/database`.
        #[arg(long)]
        to: String,
    },
}

/// Runs one `db` command.
pub async fn run(settings: &Settings, command: DbCommand) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::Migrate => {
            let database = settings.database();
            medialib_store::open(&database, 1)
                .await
                .with_context(|| format!("migrate {}", database.describe()))?;
            println!("{} is up to date", database.describe());
        }
        DbCommand::Copy { to } => copy(settings, to).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn copy(settings: &Settings, to: String) -> anyhow::Result<()> {
    let Database::Sqlite(source) = settings.database() else {
        bail!("db copy copies from this install's SQLite database; database_url names PostgreSQL");
    };
    if !source.exists() {
        bail!("{} does not exist: nothing to copy", source.display());
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to must be a postgres:// URL");
    }
    let target = Database::Postgres(Secret::new(to.clone()));
    // Creates the schema (the migrations), or checks it is current.
    medialib_store::open(&target, 1)
        .await
        .with_context(|| format!("migrate {}", target.describe()))?;
    let bar = super::import::progress(0, "copying");
    let report = sqlite_to_postgres(&source, &to, |p| match p {
        Progress::Total(n) => bar.set_length(n),
        Progress::Rows(n) => bar.inc(n),
    })
    .await
    .with_context(|| format!("copy into {}", target.describe()))?;
    bar.finish_and_clear();
    for (table, rows) in &report.tables {
        println!("  {table:<16} {rows:>10} rows");
    }
    println!(
        "copied {} rows from {} into {}; counts checked. Set database_url to it on every node.",
        report.rows(),
        source.display(),
        target.describe()
    );
    Ok(())
}
