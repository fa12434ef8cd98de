//! Test support: the whole app on a fresh in-memory database, with a clock the test
//! moves by hand, and actors for each role.

pub mod bot;
pub mod fake_discord;
pub mod recording_chat;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hearth::app::{Actor, App, AppSettings};
use hearth::chat::Reply;
use hearth::clock::ManualClock;
use hearth::domain::role::Role;
use sqlx::AnyPool;

pub const COMMUNITY: &str = "guild-1";

pub struct TestApp {
    pub app: App,
    pub clock: ManualClock,
    pub pool: AnyPool,
}

/// The PostgreSQL server the suite runs against instead of SQLite, when
/// `HEARTH_TEST_POSTGRES` names one (`postgres://user@127.0.0.1:5432`, no database).
pub fn postgres_server() -> Option<String> {
    std::env::var("HEARTH_TEST_POSTGRES")
        .ok()
        .map(|url| url.trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
}

/// A migrated database of the test's own: in memory on SQLite, or a new database on
/// the PostgreSQL server when the suite runs against one.
pub async fn test_db() -> hearth::store::Db {
    test_db_with(hearth::store::DbOptions::default().max_connections).await
}

/// [`test_db`] with a pool of `connections` on PostgreSQL.
pub async fn test_db_with(connections: u32) -> hearth::store::Db {
    let pool = match postgres_server() {
        Some(server) => {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let name = format!("hearth_test_{}_{n}", std::process::id());
            postgres_database(&server, &name, connections).await
        }
        None => hearth::store::open_in_memory().await.expect("in-memory database"),
    };
    hearth::store::migrate(&pool).await.expect("migrations apply");
    pool
}

/// A table's columns, in order, on either backend.
pub async fn columns_of(pool: &hearth::store::Db, table: &str) -> Vec<String> {
    let mut conn = pool.acquire().await.expect("a connection");
    let tables = hearth::store::schema::describe(&mut conn)
        .await
        .expect("the schema");
    tables
        .get(table)
        .map(|shape| shape.columns.iter().map(|column| column.name.clone()).collect())
        .unwrap_or_default()
}

/// The database "on a file", for tests that restart on the same data: the file on
/// SQLite, a database named after the path on PostgreSQL.
pub async fn db_on_file(path: &std::path::Path) -> hearth::store::Db {
    let pool = match postgres_server() {
        Some(server) => postgres_database(&server, &file_database_name(path), 5).await,
        None => hearth::store::open(path, &hearth::store::DbOptions::default())
            .await
            .expect("database file"),
    };
    hearth::store::migrate(&pool).await.expect("migrations apply");
    pool
}

fn file_database_name(path: &std::path::Path) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.to_string_lossy().bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
    }
    format!("hearth_file_{hash:016x}")
}

/// What to pass as `--db` to the hearth binary for [`db_on_file`]'s database.
pub fn db_argument(path: &std::path::Path) -> std::ffi::OsString {
    match postgres_server() {
        Some(server) => format!("{server}/{}", file_database_name(path)).into(),
        None => path.as_os_str().to_owned(),
    }
}

/// Opens `name` on the server, creating it if it is not there yet.
async fn postgres_database(server: &str, name: &str, connections: u32) -> hearth::store::Db {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("the PostgreSQL server named by HEARTH_TEST_POSTGRES");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut admin)
        .await
        .expect("list databases");
    if exists.is_none() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create a test database");
    }
    let _ = admin.close().await;
    let options = hearth::store::DbOptions {
        max_connections: connections,
        ..hearth::store::DbOptions::default()
    };
    hearth::store::connect(&format!("{server}/{name}"), &options)
        .await
        .expect("the test database")
}

/// 2026-03-01 09:00 UTC: a Sunday, four weeks before Europe's spring-forward.
pub fn march_first() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

pub async fn spawn_app(now: DateTime<Utc>) -> TestApp {
    let pool = test_db().await;
    let clock = ManualClock::new(now);
    let app = App::new(pool.clone(), Arc::new(clock.clone()), AppSettings::default());
    TestApp { app, clock, pool }
}

pub fn actor(name: &str, role: Role) -> Actor {
    Actor {
        community_id: COMMUNITY.to_string(),
        user_id: format!("user:{name}"),
        name: name.to_string(),
        role,
    }
}

pub fn coordinator() -> Actor {
    actor("Cora", Role::Coordinator)
}

pub fn member() -> Actor {
    actor("Mo", Role::Member)
}

impl TestApp {
    /// `/setup timezone:ZONE` then `/group create` of a group in `#circle`.
    pub async fn with_group(&self, name: &str, zone: &str) {
        self.app
            .setup(
                &coordinator(),
                hearth::app::setup::SetupInput {
                    timezone: Some(hearth::app::input::zone(zone).unwrap()),
                    ..Default::default()
                },
            )
            .await
            .expect("setup");
        self.app
            .group_create(
                &coordinator(),
                hearth::app::groups::GroupCreate {
                    name: name.into(),
                    channel: "#circle".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("group create");
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }

    /// (id, starts_at unix, local date) of every session, in date order.
    pub async fn sessions(&self) -> Vec<(i64, i64, String)> {
        sqlx::query_as("SELECT id, starts_at, local_date FROM session ORDER BY local_date, id")
            .fetch_all(&self.pool)
            .await
            .expect("sessions")
    }
}

/// A reply as plain text, for assertions.
pub fn text(reply: &Reply) -> String {
    reply.to_plain_string()
}

/// The app on a database file, then tokio's time paused, with a clock that follows it.
///
/// Paused time jumps to the next timer whenever the runtime is idle — including while
/// it waits on SQLite's worker thread. So the pool must never wait with a timer
/// armed: its connections are opened before the pause, never reaped, and there are
/// enough that an acquire always finds one idle at once. Eight: the dispatcher's
/// round, the app and the test may each hold one while the one each gave back is
/// still being checked by the pool (sqlx pings a connection as it is returned).
pub async fn spawn_app_on_tokio_time(
    dir: &std::path::Path,
    start: DateTime<Utc>,
) -> (App, Arc<dyn hearth::clock::Clock>) {
    const CONNECTIONS: u32 = 8;
    let pool = match postgres_server() {
        Some(_) => test_db_with(CONNECTIONS).await,
        None => {
            let options = hearth::store::DbOptions {
                max_connections: CONNECTIONS,
                ..hearth::store::DbOptions::default()
            };
            hearth::store::open(&dir.join("paused.db"), &options)
                .await
                .expect("database file")
        }
    };
    hearth::store::migrate(&pool).await.expect("migrations apply");
    let mut held = Vec::new();
    for _ in 0..CONNECTIONS {
        held.push(pool.acquire().await.expect("a connection"));
    }
    drop(held);
    while pool.num_idle() < CONNECTIONS as usize {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    tokio::time::pause();
    let clock: Arc<dyn hearth::clock::Clock> = Arc::new(hearth::clock::TokioClock::starting_at(start));
    (App::new(pool, clock.clone(), AppSettings::default()), clock)
}

/// An app on a SQLite file, as `hearth serve` runs, for restart and crash tests.
pub async fn app_on_file(path: &std::path::Path, clock: ManualClock) -> App {
    let pool = db_on_file(path).await;
    App::new(pool, Arc::new(clock), AppSettings::default())
}

/// `/setup`, a group in `channel`, and a meeting at `when` (group-local).
pub async fn group_with_meeting(app: &App, zone: &str, name: &str, channel: &str, when: &str, repeat: &str) {
    let coordinator = coordinator();
    app.setup(
        &coordinator,
        hearth::app::setup::SetupInput {
            timezone: Some(hearth::app::input::zone(zone).unwrap()),
            ..Default::default()
        },
    )
    .await
    .expect("setup");
    app.group_create(
        &coordinator,
        hearth::app::groups::GroupCreate {
            name: name.into(),
            channel: channel.into(),
            ..Default::default()
        },
    )
    .await
    .expect("group create");
    app.meeting_add(
        &coordinator,
        hearth::app::meetings::MeetingAdd {
            group: name.into(),
            when: hearth::app::input::when(when).unwrap(),
            repeat: Some(hearth::app::input::repeat(repeat).unwrap()),
            ..Default::default()
        },
    )
    .await
    .expect("meeting add");
}
