//! The throwaway PostgreSQL cluster (`medialib-test-servers`) and the PostgreSQL schema:
//! a fresh database is migrated, holds SQLite's tables and columns, and is seeded.

use std::collections::{BTreeMap, BTreeSet};

use medialib_store::{PgStore, SqliteStore};
use sqlx::{Connection, PgConnection, SqliteConnection};

use medialib_test_servers::PgCluster;

/// Columns the PostgreSQL schema adds to SQLite's: the full-text document, which SQLite
/// keeps in its FTS5 table.
const PG_ONLY: [(&str, &str); 2] = [("asset", "search_body"), ("asset", "search_doc")];

type Columns = BTreeMap<String, BTreeSet<String>>;

/// Every table of the SQLite schema with its columns, leaving out the full-text index
/// (FTS5 and its shadow tables) and the migrations table.
async fn sqlite_columns() -> Columns {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    SqliteStore::open(&path).await.unwrap().close().await;
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
           AND m.name NOT LIKE 'asset\\_fts%' ESCAPE '\\' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    collect(rows)
}

fn collect(rows: Vec<(String, String)>) -> Columns {
    let mut columns = Columns::new();
    for (table, column) in rows {
        columns.entry(table).or_default().insert(column);
    }
    columns
}

#[tokio::test]
async fn a_fresh_database_has_the_sqlite_schema_and_the_default_namespace() {
    let cluster = PgCluster::shared();
    let url = cluster.fresh_database().await;
    assert!(
        url.starts_with(&format!(
            "postgres://medialib@127.0.0.1:{}/",
            cluster.port()
        )),
        "{url}"
    );
    // Copied from the migrated template: opening finds every migration applied.
    let store = PgStore::open(&url, 2).await.unwrap();
    store.close().await;

    let mut conn = PgConnection::connect(&url).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut pg = collect(rows);
    for (table, column) in PG_ONLY {
        assert!(
            pg.get_mut(table).unwrap().remove(column),
            "{table}.{column} is missing"
        );
    }
    assert_eq!(
        pg,
        sqlite_columns().await,
        "migrations_pg must give PostgreSQL the tables and columns SQLite's migrations give"
    );

    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations_pg"))
        .unwrap()
        .count();
    assert_eq!(applied as usize, migrations, "every migration applied");
    let default: (i64, String, String) =
        sqlx::query_as("SELECT id, slug, name FROM namespace ORDER BY id")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(default, (1, "default".into(), "Default".into()));
    // The seed named its id, and the sequence went past it.
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO namespace (slug, name, created_at) VALUES ('other', 'Other', 0) RETURNING id",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(next, 2);
    conn.close().await.unwrap();

    // Each database is a copy of its own.
    let other = cluster.fresh_database().await;
    assert_ne!(other, url);
    let mut conn = PgConnection::connect(&other).await.unwrap();
    let namespaces: i64 = sqlx::query_scalar("SELECT count(*) FROM namespace")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(namespaces, 1);
    conn.close().await.unwrap();
}
