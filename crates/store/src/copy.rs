//! Moving an embedded install to PostgreSQL: every row of an SQLite store copied into an
//! empty PostgreSQL database of the same schema, in one transaction, with the row counts
//! checked before it commits.
//!
//! The copy is generic over the schema: each table's columns are read from PostgreSQL's
//! catalogue, and each SQLite value is converted to the PostgreSQL column's type (UUIDs
//! and hashes from blobs, flags from integers, JSON text to `jsonb`). The full-text
//! document is not copied: PostgreSQL's triggers build it from the rows as they arrive.

use std::path::Path;

use medialib_core::StoreError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{
    AssertSqlSafe, Connection, PgConnection, Postgres, QueryBuilder, Row, SqliteConnection,
};
use uuid::Uuid;

/// Every table, parents before children, as the foreign keys require. The outbox comes
/// last: the rows copied before it fire PostgreSQL's event triggers, whose events are
/// not news and are dropped for the source's own outbox.
const TABLES: [&str; 26] = [
    "namespace",
    "remote_vision_usage",
    "\"user\"",
    "api_token",
    "membership",
    "blob",
    "asset",
    "variant",
    "derivative",
    "job",
    "blob_hold",
    "upload_session",
    "tag",
    "asset_tag",
    "asset_tag_rejection",
    "asset_analysis",
    "asset_embedding",
    "collection",
    "collection_item",
    "usage",
    "delivery_stat",
    "audit_event",
    "ui_session",
    "webhook",
    "webhook_delivery",
    "event_outbox",
];

/// PostgreSQL columns that the copy leaves to triggers.
const DERIVED: [&str; 2] = ["search_doc", "search_body"];

/// Rows per `INSERT`: PostgreSQL takes at most 65 535 bound values per statement.
const BATCH: usize = 500;

/// Rows copied, per table, parents before children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// `(table, rows)`.
    pub tables: Vec<(String, u64)>,
}

impl CopyReport {
    /// Rows copied in all.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// A column of the target and how to carry values into it.
struct Column {
    name: String,
    kind: Kind,
}

/// The PostgreSQL types of the schema, as the copy converts into them.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Float,
    Bool,
    Text,
    Json,
    Uuid,
    Bytes,
}

/// Copies every row of the SQLite database at `sqlite` into the PostgreSQL database at
/// `postgres`, which must be migrated (`PgStore::open`) and hold nothing but the
/// migrations' seed; `progress` is told the total rows first (`Ok(total)`), then each
/// batch's size. Sequences are moved past the copied ids.
///
/// Errors: the target holds assets, users or tokens already; a table's row count differs
/// after the copy (nothing is kept: one transaction); either database fails.
pub async fn sqlite_to_postgres(
    sqlite: &Path,
    postgres: &str,
    mut progress: impl FnMut(Progress),
) -> Result<CopyReport, StoreError> {
    let fail =
        |what: &'static str| move |e: sqlx::Error| StoreError::Backend(format!("{what}: {e}"));
    let mut source = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", sqlite.display()))
        .await
        .map_err(fail("open the SQLite database"))?;
    let mut target = PgConnection::connect(postgres)
        .await
        .map_err(fail("connect to PostgreSQL"))?;
    let mut tx = target.begin().await.map_err(fail("begin"))?;
    let occupied: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM asset) + (SELECT count(*) FROM \"user\")
              + (SELECT count(*) FROM api_token)",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(fail("check that the target is empty"))?;
    if occupied > 0 {
        return Err(StoreError::Conflict(
            "the PostgreSQL database already holds assets, users or tokens: copy into an \
             empty one"
                .into(),
        ));
    }
    let mut total = 0;
    for table in TABLES {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&mut source)
            .await
            .map_err(fail("count rows"))?;
        total += n as u64;
    }
    progress(Progress::Total(total));
    // The migrations' seed (the default namespace) comes again with the copy.
    sqlx::query("DELETE FROM namespace")
        .execute(&mut *tx)
        .await
        .map_err(fail("clear the seed"))?;
    let mut report = CopyReport { tables: Vec::new() };
    for table in TABLES {
        let columns = columns(&mut tx, table).await?;
        let rows = sqlx::query(AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(&mut source)
            .await
            .map_err(fail("read rows"))?;
        if table == "event_outbox" {
            sqlx::query("DELETE FROM event_outbox")
                .execute(&mut *tx)
                .await
                .map_err(fail("drop the copy's own events"))?;
        }
        for batch in rows.chunks(BATCH) {
            insert(&mut tx, table, &columns, batch).await?;
            progress(Progress::Rows(batch.len() as u64));
        }
        let copied: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await
                .map_err(fail("count copied rows"))?;
        if copied as usize != rows.len() {
            return Err(StoreError::Backend(format!(
                "{table}: {} rows read, {copied} in PostgreSQL; nothing was kept",
                rows.len()
            )));
        }
        report
            .tables
            .push((table.trim_matches('"').to_owned(), rows.len() as u64));
    }
    advance_sequences(&mut tx).await?;
    tx.commit().await.map_err(fail("commit"))?;
    Ok(report)
}

/// What [`sqlite_to_postgres`] reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Rows to copy in all, told once, first.
    Total(u64),
    /// This many more rows were copied.
    Rows(u64),
}

/// The target table's columns that the copy fills, in catalogue order.
async fn columns(conn: &mut PgConnection, table: &str) -> Result<Vec<Column>, StoreError> {
    let rows: Vec<PgRow> = sqlx::query(
        "SELECT column_name::text AS name, data_type::text AS type
         FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1
         ORDER BY ordinal_position",
    )
    .bind(table.trim_matches('"'))
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| StoreError::Backend(format!("read the columns of {table}: {e}")))?;
    let mut columns = Vec::new();
    for row in rows {
        let name: String = row.get("name");
        if DERIVED.contains(&name.as_str()) {
            continue;
        }
        let kind = match row.get::<String, _>("type").as_str() {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "double precision" | "real" => Kind::Float,
            "boolean" => Kind::Bool,
            "text" | "character varying" => Kind::Text,
            "jsonb" | "json" => Kind::Json,
            "uuid" => Kind::Uuid,
            "bytea" => Kind::Bytes,
            other => {
                return Err(StoreError::Backend(format!(
                    "{table}.{name}: the copy does not know the type {other}"
                )));
            }
        };
        columns.push(Column { name, kind });
    }
    Ok(columns)
}

/// Inserts one batch of SQLite rows, converting each value to its column's type.
async fn insert(
    conn: &mut PgConnection,
    table: &str,
    columns: &[Column],
    rows: &[SqliteRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let mut query: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("INSERT INTO {table} ({}) ", names.join(", ")));
    let mut failure = None;
    query.push_values(rows, |mut values, row| {
        for column in columns {
            if let Err(e) = bind(&mut values, row, column) {
                failure.get_or_insert(format!("{table}.{}: {e}", column.name));
            }
        }
    });
    if let Some(why) = failure {
        return Err(StoreError::Backend(why));
    }
    query
        .build()
        .execute(conn)
        .await
        .map_err(|e| StoreError::Backend(format!("insert into {table}: {e}")))?;
    Ok(())
}

/// Binds `row`'s value of `column`, converted from SQLite's storage to PostgreSQL's type.
fn bind(
    values: &mut sqlx::query_builder::Separated<'_, Postgres, &'static str>,
    row: &SqliteRow,
    column: &Column,
) -> Result<(), sqlx::Error> {
    let name = column.name.as_str();
    match column.kind {
        Kind::Int => values.push_bind(row.try_get::<Option<i64>, _>(name)?),
        Kind::Float => values.push_bind(row.try_get::<Option<f64>, _>(name)?),
        Kind::Bool => values.push_bind(row.try_get::<Option<i64>, _>(name)?.map(|v| v != 0)),
        Kind::Text => values.push_bind(row.try_get::<Option<String>, _>(name)?.map(no_nul)),
        Kind::Json => values.push_bind(
            row.try_get::<Option<String>, _>(name)?
                .map(|text| sqlx::types::Json(no_nul_json(&text))),
        ),
        Kind::Uuid => {
            let bytes = row.try_get::<Option<Vec<u8>>, _>(name)?;
            let uuid = bytes
                .map(|b| Uuid::from_slice(&b))
                .transpose()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            values.push_bind(uuid)
        }
        Kind::Bytes => values.push_bind(row.try_get::<Option<Vec<u8>>, _>(name)?),
    };
    Ok(())
}

/// PostgreSQL refuses U+0000 in text, which SQLite stores.
fn no_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text
    }
}

/// The JSON `text` as a value, without U+0000 (which `jsonb` refuses) in its strings;
/// text that is not JSON is kept as a JSON string.
fn no_nul_json(text: &str) -> serde_json::Value {
    fn clean(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(no_nul(s)),
            Value::Array(items) => Value::Array(items.into_iter().map(clean).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (no_nul(k), clean(v)))
                    .collect(),
            ),
            other => other,
        }
    }
    clean(serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.into())))
}

/// Moves every sequence past the largest id copied, so new rows do not collide.
async fn advance_sequences(conn: &mut PgConnection) -> Result<(), StoreError> {
    let serials: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| StoreError::Backend(format!("find sequences: {e}")))?;
    for (table, column) in serials {
        // Names from PostgreSQL's own catalogue, not from input.
        sqlx::query(AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'),
                           GREATEST((SELECT max(\"{column}\") FROM \"{table}\"), 0) + 1,
                           false)"
        )))
        .execute(&mut *conn)
        .await
        .map_err(|e| StoreError::Backend(format!("advance {table}.{column}: {e}")))?;
    }
    Ok(())
}
