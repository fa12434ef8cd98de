//! Every SQL statement hearth runs lives under this module.
//!
//! Repository functions take an executor (`impl SqliteExecutor<'_>`, or a
//! `&mut SqliteConnection` where a function runs several statements) so the app can
//! run a whole command in one transaction. Instants are stored as unix seconds,
//! local wall times and dates as ISO text. Keeping SQL here is what lets a later move
//! to PostgreSQL stay a storage change.

pub mod audit;
pub mod calendar;
pub mod communities;
pub mod dropin;
pub mod events;
pub mod groups;
pub mod jobs;
pub mod members;
pub mod metrics;
pub mod outcomes;
pub mod privacy;
pub mod prompts;
pub mod quarterly;
pub mod reports;
pub mod retention;
pub mod rota;
pub mod rsvps;
pub mod series;
pub mod sessions;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

/// A storage failure. Never shown to a member as is: the app turns it into a
/// generic sentence with a reference and logs the cause.
/// Its `Display` is for operators' logs: [`crate::report::cause_chain`] adds the
/// SQLite message beneath it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database {path} could not be opened")]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored value is unreadable: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// The stored data itself can't be read (a value of the wrong type or out of
    /// range), as opposed to the database being unreachable: retrying won't help, so
    /// the one row at fault is set aside and the rest go on.
    pub fn is_unreadable(&self) -> bool {
        match self {
            StoreError::Corrupt(_) => true,
            StoreError::Database(error) => matches!(
                error,
                sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_)
            ),
            StoreError::Open { .. } | StoreError::Migrate(_) => false,
        }
    }
}

/// The pool the app and the dispatcher share. Named here so that `app/` and
/// `engine/` never name a sqlx type: moving to another database stays a change
/// under `store/`.
pub type Db = SqlitePool;
/// One connection, for a run of reads.
pub type Conn = sqlx::SqliteConnection;
/// A write transaction (see [`begin_write`]).
pub type Tx = Transaction<'static, Sqlite>;

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub busy_timeout: Duration,
    pub max_connections: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            busy_timeout: Duration::from_secs(5),
            max_connections: 5,
        }
    }
}

/// Opens (creating if needed) the SQLite file: WAL mode, foreign keys on, a busy
/// timeout so a second writer waits instead of failing.
pub async fn open(path: &Path, options: &DbOptions) -> Result<SqlitePool, StoreError> {
    let connect = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(options.busy_timeout);
    let pool = SqlitePoolOptions::new()
        .max_connections(options.max_connections)
        // A connection to a local file doesn't go stale: pinging it before each use
        // would only add a round trip to SQLite's thread.
        .test_before_acquire(false)
        .connect_with(connect)
        .await
        .map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
    Ok(pool)
}

/// A private in-memory database for tests and throwaway runs: one connection, so
/// every query sees the same memory, kept for the pool's whole life.
pub async fn open_in_memory() -> Result<SqlitePool, StoreError> {
    let connect = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(connect)
        .await?;
    Ok(pool)
}

/// Applies the migrations under `migrations/` that have not run yet.
pub async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::migrate!("./migrations").run(pool).await?;
    Ok(())
}

/// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so
/// two commands never deadlock upgrading a read lock; the busy timeout queues them.
pub async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, StoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// A savepoint inside a write transaction: dropped without `commit`, it undoes only
/// what was written since (one group of a batch that fails rolls back alone).
pub async fn savepoint(tx: &mut Tx) -> Result<Transaction<'_, Sqlite>, StoreError> {
    Ok(sqlx::Connection::begin(&mut **tx).await?)
}

/// The same on a connection already held (the dispatcher keeps one per round).
pub async fn begin_write_on(conn: &mut Conn) -> Result<Transaction<'_, Sqlite>, StoreError> {
    Ok(sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?)
}

pub(crate) fn to_unix(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

pub(crate) fn from_unix(secs: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| StoreError::Corrupt(format!("instant {secs}")))
}

pub(crate) fn parse_zone(name: &str) -> Result<Tz, StoreError> {
    name.parse::<Tz>()
        .map_err(|_| StoreError::Corrupt(format!("time zone {name:?}")))
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("date {text:?}")))
}

pub(crate) fn format_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_local(text: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| StoreError::Corrupt(format!("local time {text:?}")))
}

pub(crate) fn format_local(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

pub(crate) fn parse_enum<T: FromStr>(what: &str, text: &str) -> Result<T, StoreError> {
    text.parse::<T>()
        .map_err(|_| StoreError::Corrupt(format!("{what} {text:?}")))
}
