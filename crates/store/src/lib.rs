//! medialib's metadata store: the two implementations of [`medialib_core::MetadataStore`],
//! SQLite (the embedded default) and PostgreSQL (shared by any number of processes), each
//! with its migrations and its durable job queue.
//!
//! - [`sqlite`]: [`SqliteStore`], connection set-up and the trait implementation.
//! - [`postgres`]: [`PgStore`], connection set-up, migrations (`migrations_pg/`),
//!   notifications between processes, and the trait implementation.
//! - [`open()`]: the store a `database_url` names.
//! - [`copy`]: moving an SQLite store's rows into an empty PostgreSQL database.
//! - `cursor`: opaque keyset-pagination cursors.
//! - `decode`: values both backends read and write alike (queue depth, webhook events).
//! - `stored`: paging through the blobs the metadata references, over both backends.
//!
//! Every backend must pass the conformance suite (`tests/conformance/`) and the search
//! oracle (`tests/search/`) unchanged.
#![deny(missing_docs)]

pub mod copy;
mod cursor;
mod decode;
mod open;
pub mod postgres;
pub mod sqlite;
mod stored;
mod vocabulary;

pub use open::open;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
