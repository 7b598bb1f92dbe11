//! medialib's metadata store: the SQLite implementation of
//! [`medialib_core::MetadataStore`] (the embedded default), with its migrations and the
//! durable job queue.
//!
//! - [`sqlite`]: [`SqliteStore`], connection set-up and the trait implementation.
//! - `cursor`: opaque keyset-pagination cursors.
//!
//! Every backend must pass the conformance tests in `tests/conformance.rs`.
#![deny(missing_docs)]

mod cursor;
pub mod sqlite;

pub use sqlite::SqliteStore;
