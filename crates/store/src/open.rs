//! Opening the metadata store a [`Database`] names.

use std::sync::Arc;

use medialib_core::{Database, MetadataStore, StoreError};

use crate::{PgStore, SqliteStore};

/// Opens and migrates the store `database` names: SQLite, or PostgreSQL with at most
/// `max_connections` pooled connections.
///
/// Errors: the database cannot be opened, reached or migrated.
pub async fn open(
    database: &Database,
    max_connections: u32,
) -> Result<Arc<dyn MetadataStore>, StoreError> {
    match database {
        Database::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path).await?)),
        Database::Postgres(url) => Ok(Arc::new(
            PgStore::open(url.expose(), max_connections).await?,
        )),
    }
}
