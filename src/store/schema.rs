//! The live schema as either backend describes it: tables, columns and indexes, in a
//! form the two can be compared in (`tests/it/schema.rs` keeps the PostgreSQL
//! migrations in step with SQLite's), and the privacy register checked against.

use std::collections::BTreeMap;

use super::{Backend, Conn, RowExt, StoreError};

/// What a column holds, in the words both backends share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnShape {
    pub name: String,
    /// `integer`, `text`, `real` or `blob`.
    pub kind: String,
    pub not_null: bool,
}

/// A table's columns in their order, and its indexes (made by `CREATE INDEX`) by
/// name, each with whether it is unique.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableShape {
    pub columns: Vec<ColumnShape>,
    pub indexes: BTreeMap<String, bool>,
}

/// Every table of hearth's (the migration bookkeeping left out), by name.
pub async fn describe(conn: &mut Conn) -> Result<BTreeMap<String, TableShape>, StoreError> {
    match Backend::of_conn(conn) {
        Backend::Sqlite => describe_sqlite(conn).await,
        Backend::Postgres => describe_postgres(conn).await,
    }
}

/// Tables the migrations themselves keep, not hearth's data.
const BOOKKEEPING: &[&str] = &["_sqlx_migrations", "sqlite_sequence"];

fn kind_of(declared: &str) -> String {
    let declared = declared.to_ascii_lowercase();
    if declared.contains("int") {
        "integer".into()
    } else if declared.contains("char") || declared.contains("text") {
        "text".into()
    } else if declared.contains("real") || declared.contains("double") || declared.contains("float") {
        "real".into()
    } else if declared.contains("blob") || declared.contains("bytea") {
        "blob".into()
    } else {
        declared
    }
}

async fn describe_sqlite(conn: &mut Conn) -> Result<BTreeMap<String, TableShape>, StoreError> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    let mut out = BTreeMap::new();
    for name in tables
        .into_iter()
        .filter(|name| !BOOKKEEPING.contains(&name.as_str()))
    {
        let mut shape = TableShape::default();
        let rows = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            let declared: String = row.col("type")?;
            let not_null: bool = row.col("notnull")?;
            // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever it declares.
            let key: i64 = row.col("pk")?;
            shape.columns.push(ColumnShape {
                name: row.col("name")?,
                kind: kind_of(&declared),
                not_null: not_null || key > 0,
            });
        }
        let indexes = sqlx::query(
            "SELECT l.name, l.\"unique\" FROM pragma_index_list($1) l
             JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name
             WHERE m.sql IS NOT NULL",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        for row in &indexes {
            shape.indexes.insert(row.col("name")?, row.col("unique")?);
        }
        out.insert(name, shape);
    }
    Ok(out)
}

async fn describe_postgres(conn: &mut Conn) -> Result<BTreeMap<String, TableShape>, StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = BTreeMap::new();
    for name in tables
        .into_iter()
        .filter(|name| !BOOKKEEPING.contains(&name.as_str()))
    {
        let mut shape = TableShape::default();
        let rows = sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS kind, is_nullable::text AS nullable
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let declared: String = row.col("kind")?;
            let nullable: String = row.col("nullable")?;
            shape.columns.push(ColumnShape {
                name: row.col("name")?,
                kind: kind_of(&declared),
                not_null: nullable == "NO",
            });
        }
        // Indexes made by CREATE INDEX: those behind a key or UNIQUE constraint are
        // the constraints' (SQLite makes those itself and lists them without SQL).
        let indexes = sqlx::query(
            "SELECT i.relname::text AS name, CASE WHEN x.indisunique THEN 1 ELSE 0 END AS is_unique
             FROM pg_index x
             JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_class t ON t.oid = x.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = current_schema() AND t.relname = $1
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        for row in &indexes {
            shape.indexes.insert(row.col("name")?, row.col("is_unique")?);
        }
        out.insert(name, shape);
    }
    Ok(out)
}
