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
pub mod schema;
pub mod series;
pub mod sessions;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow, AnyTypeInfoKind};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Transaction};

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
/// `engine/` never name a sqlx type. It is sqlx's `Any` pool: the same statements run
/// on SQLite (the default) or PostgreSQL, chosen by `database.url` at start-up.
pub type Db = AnyPool;
/// One connection, for a run of reads.
pub type Conn = AnyConnection;
/// A write transaction (see [`begin_write`]).
pub type Tx = Transaction<'static, Any>;
/// A row as either backend returns it.
pub type StoreRow = AnyRow;

/// Which database a pool or connection talks to: the few statements that differ
/// between them ask this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `database.url` names (`sqlite:…` or `postgres:…`).
    pub fn of_url(url: &str) -> Option<Backend> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            _ => None,
        }
    }

    /// The backend of an open pool.
    pub fn of_pool(pool: &Db) -> Backend {
        Backend::of_url(pool.connect_options().database_url.as_str()).unwrap_or(Backend::Sqlite)
    }

    /// The backend of one connection.
    pub fn of_conn(conn: &Conn) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

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
/// A `path` that is a URL (`postgres://…`, `sqlite://…`) is opened as [`connect`] does.
pub async fn open(path: &Path, options: &DbOptions) -> Result<Db, StoreError> {
    if let Some(url) = path
        .to_str()
        .filter(|text| text.contains("://") && Backend::of_url(text).is_some())
    {
        return connect(url, options).await;
    }
    let url = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .to_url_lossy();
    connect_sqlite(url.as_str(), options, options.max_connections)
        .await
        .map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })
}

/// Opens the database a `database.url` names: `sqlite://hearth.db` or
/// `postgres://user@host/db`. A PostgreSQL database must exist; its tables are made
/// by [`migrate`].
pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
    let opened = match Backend::of_url(url) {
        Some(Backend::Sqlite) => {
            let sqlite = SqliteConnectOptions::from_str(url)?.create_if_missing(true);
            connect_sqlite(sqlite.to_url_lossy().as_str(), options, options.max_connections).await
        }
        Some(Backend::Postgres) => {
            sqlx::any::install_default_drivers();
            let busy = options.busy_timeout;
            AnyPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(busy.max(Duration::from_secs(5)))
                // Connections are kept and not pinged before each use, as on SQLite: one
                // that the server dropped fails one statement, which the engine's next
                // round or the member's retry repeats on a fresh connection. (Timers
                // that reap and re-test connections also upset tests on paused time.)
                .test_before_acquire(false)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect(url)
                .await
        }
        None => Err(sqlx::Error::Configuration(
            format!("database.url must start with sqlite:// or postgres:// (it was {url:?})").into(),
        )),
    };
    opened.map_err(|source| StoreError::Open {
        path: redact_url(url),
        source,
    })
}

/// A database URL fit for a log: any password replaced.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn connect_sqlite(url: &str, options: &DbOptions, connections: u32) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let busy_ms = options.busy_timeout.as_millis();
    AnyPoolOptions::new()
        .max_connections(connections)
        // A connection to a local file doesn't go stale: pinging it before each use
        // would only add a round trip to SQLite's thread.
        .test_before_acquire(false)
        // Nor does it need closing after a while: kept, and no timer reaps it.
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_ms};"
                )))
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .connect(url)
        .await
}

/// A private in-memory database for tests and throwaway runs: one connection, so
/// every query sees the same memory, kept for the pool's whole life.
pub async fn open_in_memory() -> Result<Db, StoreError> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::raw_sql("PRAGMA foreign_keys = ON")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .connect("sqlite::memory:")
        .await?;
    Ok(pool)
}

/// The migrations of each backend, kept in step by the schema test
/// (`tests/it/schema.rs`): a change to one is made to the other.
fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}

/// Applies the migrations of the pool's backend that have not run yet.
pub async fn migrate(pool: &Db) -> Result<(), StoreError> {
    migrator(Backend::of_pool(pool)).run(pool).await?;
    Ok(())
}

/// The key of the PostgreSQL advisory lock every write transaction takes: writers
/// queue on it as they do on SQLite's one write lock, so a command that reads then
/// writes (a place, a shift) sees no other command's half-done work.
const WRITE_LOCK: i64 = 0x6865_6172_7468;

/// Starts a write transaction. On SQLite `BEGIN IMMEDIATE` takes the write lock up
/// front, so two commands never deadlock upgrading a read lock; the busy timeout
/// queues them. On PostgreSQL the transaction takes [`WRITE_LOCK`], to the same end
/// across every process sharing the database.
pub async fn begin_write(pool: &Db) -> Result<Tx, StoreError> {
    match Backend::of_pool(pool) {
        Backend::Sqlite => Ok(pool.begin_with("BEGIN IMMEDIATE").await?),
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            take_write_lock(&mut tx).await?;
            Ok(tx)
        }
    }
}

async fn take_write_lock(conn: &mut Conn) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITE_LOCK)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A savepoint inside a write transaction: dropped without `commit`, it undoes only
/// what was written since (one group of a batch that fails rolls back alone).
pub async fn savepoint(tx: &mut Tx) -> Result<Transaction<'_, Any>, StoreError> {
    Ok(sqlx::Connection::begin(&mut **tx).await?)
}

/// The same on a connection already held (the dispatcher keeps one per round).
pub async fn begin_write_on(conn: &mut Conn) -> Result<Transaction<'_, Any>, StoreError> {
    match Backend::of_conn(conn) {
        Backend::Sqlite => Ok(sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?),
        Backend::Postgres => {
            let mut tx = sqlx::Connection::begin(conn).await?;
            take_write_lock(&mut tx).await?;
            Ok(tx)
        }
    }
}

/// A transaction for the dispatcher's claims. On SQLite, as [`begin_write_on`]. On
/// PostgreSQL it takes no [`WRITE_LOCK`]: a claim changes one job row only if it is
/// still waiting, so processes claiming side by side need not queue behind commands.
pub async fn begin_claim_on(conn: &mut Conn) -> Result<Transaction<'_, Any>, StoreError> {
    match Backend::of_conn(conn) {
        Backend::Sqlite => Ok(sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?),
        Backend::Postgres => Ok(sqlx::Connection::begin(conn).await?),
    }
}

/// A statement built piece by piece whose binds are numbered `$1, $2, …`, as both
/// backends read them (sqlx's own builder writes `?` for `Any`, which PostgreSQL
/// does not take).
pub(crate) struct Statement {
    sql: String,
    arguments: AnyArguments,
    count: usize,
    error: Option<sqlx::error::BoxDynError>,
}

impl Statement {
    pub(crate) fn new(sql: &str) -> Statement {
        Statement {
            sql: sql.to_string(),
            arguments: AnyArguments::default(),
            count: 0,
            error: None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.sql.trim().is_empty()
    }

    pub(crate) fn push(&mut self, sql: &str) -> &mut Statement {
        self.sql.push_str(sql);
        self
    }

    pub(crate) fn push_bind<'t, T>(&mut self, value: T) -> &mut Statement
    where
        T: sqlx::Encode<'t, Any> + sqlx::Type<Any>,
    {
        self.count += 1;
        self.sql.push('$');
        self.sql.push_str(&self.count.to_string());
        if let Err(error) = sqlx::Arguments::add(&mut self.arguments, value) {
            self.error.get_or_insert(error);
        }
        self
    }

    /// ` VALUES (…), (…)`, each row's binds pushed by `row`, separated by commas.
    pub(crate) fn push_values<I: IntoIterator>(
        &mut self,
        rows: I,
        mut row: impl FnMut(&mut Values<'_>, I::Item),
    ) {
        self.sql.push_str("VALUES ");
        for (i, item) in rows.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.sql.push('(');
            let mut values = Values {
                statement: self,
                first: true,
            };
            row(&mut values, item);
            self.sql.push(')');
        }
    }

    /// The statement, ready to run. `persistent` keeps it in the connection's
    /// statement cache (for the few shapes that run on every click).
    pub(crate) fn build(
        self,
        persistent: bool,
    ) -> Result<sqlx::query::Query<'static, Any, AnyArguments>, StoreError> {
        if let Some(error) = self.error {
            return Err(StoreError::Database(sqlx::Error::Encode(error)));
        }
        Ok(sqlx::query_with(sqlx::AssertSqlSafe(self.sql), self.arguments).persistent(persistent))
    }
}

/// One row of [`Statement::push_values`].
pub(crate) struct Values<'a> {
    statement: &'a mut Statement,
    first: bool,
}

impl Values<'_> {
    pub(crate) fn push_bind<'t, T>(&mut self, value: T) -> &mut Self
    where
        T: sqlx::Encode<'t, Any> + sqlx::Type<Any>,
    {
        if !self.first {
            self.statement.sql.push_str(", ");
        }
        self.first = false;
        self.statement.push_bind(value);
        self
    }
}

/// `sql` with its `?` placeholders numbered `$1, $2, …` in order, for statements put
/// together from parts that each bind in turn.
pub(crate) fn positional(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
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

/// A column's value as hearth reads it, the same from either backend. SQLite keeps a
/// flag as the integer 0 or 1 and sqlx's `Any` will not read an integer as a `bool`,
/// so flags are read through this.
pub(crate) trait ColumnValue<'r>: Sized {
    fn read(row: &'r AnyRow, column: &str) -> Result<Self, sqlx::Error>;
}

macro_rules! plain_column_value {
    ($($t:ty),*) => {$(
        impl<'r> ColumnValue<'r> for $t {
            fn read(row: &'r AnyRow, column: &str) -> Result<Self, sqlx::Error> {
                sqlx::Row::try_get(row, column)
            }
        }
        impl<'r> ColumnValue<'r> for Option<$t> {
            fn read(row: &'r AnyRow, column: &str) -> Result<Self, sqlx::Error> {
                sqlx::Row::try_get(row, column)
            }
        }
    )*};
}

plain_column_value!(i64, i32, f64, String, Vec<u8>, &'r str);

impl<'r> ColumnValue<'r> for Option<bool> {
    fn read(row: &'r AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        let raw = sqlx::Row::try_get_raw(row, column)?;
        if sqlx::ValueRef::is_null(&raw) {
            return Ok(None);
        }
        if sqlx::ValueRef::type_info(&raw).kind() == AnyTypeInfoKind::Bool {
            return Ok(Some(sqlx::Row::try_get(row, column)?));
        }
        let n: i64 = sqlx::Row::try_get(row, column)?;
        Ok(Some(n != 0))
    }
}

impl<'r> ColumnValue<'r> for bool {
    fn read(row: &'r AnyRow, column: &str) -> Result<Self, sqlx::Error> {
        Option::<bool>::read(row, column)?.ok_or_else(|| sqlx::Error::ColumnDecode {
            index: column.to_string(),
            source: "a flag was NULL".into(),
        })
    }
}

/// `row.col("name")`: [`ColumnValue::read`].
pub(crate) trait RowExt {
    fn col<'r, T: ColumnValue<'r>>(&'r self, column: &str) -> Result<T, sqlx::Error>;
}

impl RowExt for AnyRow {
    fn col<'r, T: ColumnValue<'r>>(&'r self, column: &str) -> Result<T, sqlx::Error> {
        T::read(self, column)
    }
}

/// Which backend an executor runs on, for the few statements written differently on
/// each (see [`for_backend`]).
pub trait Dialect {
    fn backend(&self) -> Backend;
}

impl Dialect for &AnyPool {
    fn backend(&self) -> Backend {
        Backend::of_pool(self)
    }
}

impl Dialect for &mut AnyConnection {
    fn backend(&self) -> Backend {
        Backend::of_conn(self)
    }
}

/// A `LIMIT` to write into a statement's text rather than bind. SQLite plans a bound
/// limit by its value, so it prepares such a statement again every time the limit is
/// bound, even to the same value: the dispatcher's scan of due jobs, run every round,
/// cost several times more to prepare again than to run. A number written in is a
/// statement of its own, prepared once. (Only for limits hearth sets itself; a
/// negative one, which SQLite reads as none, is written as 0.)
pub(crate) fn written_limit(limit: i64) -> i64 {
    limit.max(0)
}

/// A statement as `backend` takes it. SQLite's `INDEXED BY` hints (which keep its
/// planner on the partial indexes of `job`) are dropped on PostgreSQL, whose planner
/// finds those indexes itself and has no such syntax.
pub(crate) fn for_backend(backend: Backend, sql: &str) -> sqlx::AssertSqlSafe<String> {
    match backend {
        Backend::Sqlite => sqlx::AssertSqlSafe(sql.to_string()),
        Backend::Postgres => {
            let mut out = String::with_capacity(sql.len());
            let mut rest = sql;
            while let Some(at) = rest.find("INDEXED BY ") {
                out.push_str(&rest[..at]);
                let after = &rest[at + "INDEXED BY ".len()..];
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                rest = &after[end..];
            }
            out.push_str(rest);
            sqlx::AssertSqlSafe(out)
        }
    }
}

/// One process's turn at work that one process at a time should do (the horizon
/// roll), while several share a PostgreSQL database: a session advisory lock held on
/// a connection of its own. On SQLite the one process always has the turn.
pub struct Turn {
    key: i64,
    conn: Option<sqlx::pool::PoolConnection<Any>>,
}

/// `Some` turn if no other process holds `key`'s, `None` if one does.
pub async fn try_turn(pool: &Db, key: i64) -> Result<Option<Turn>, StoreError> {
    if Backend::of_pool(pool) == Backend::Sqlite {
        return Ok(Some(Turn { key, conn: None }));
    }
    let mut conn = pool.acquire().await?;
    let got: i64 = sqlx::query_scalar("SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END")
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    Ok((got == 1).then_some(Turn {
        key,
        conn: Some(conn),
    }))
}

impl Turn {
    /// Gives the turn back.
    pub async fn release(mut self) -> Result<(), StoreError> {
        if let Some(mut conn) = self.conn.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

impl Drop for Turn {
    /// A turn dropped without [`Turn::release`] (its work failed) closes its
    /// connection rather than return it to the pool still holding the lock: the
    /// server lets go of a closed session's locks.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}
