//! One module per subcommand, plus logging set-up.

pub mod access;
pub mod analyse;
pub mod backup;
pub mod bench;
pub mod db;
pub mod gc;
pub mod import;
pub mod memory;
pub mod retention;
pub mod serve;
pub mod storage;
pub mod verify;
pub mod worker;

use tracing_subscriber::EnvFilter;

/// Structured log lines on stderr; `RUST_LOG` overrides the default filter.
pub fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,nom_exif=error,ort=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
