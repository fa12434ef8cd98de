//! Test support: the whole app on a fresh in-memory database, with a clock the test
//! moves by hand, and actors for each role.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hearth::app::{Actor, App, AppSettings};
use hearth::chat::Reply;
use hearth::clock::ManualClock;
use hearth::domain::role::Role;
use sqlx::SqlitePool;

pub const COMMUNITY: &str = "guild-1";

pub struct TestApp {
    pub app: App,
    pub clock: ManualClock,
    pub pool: SqlitePool,
}

/// 2026-03-01 09:00 UTC: a Sunday, four weeks before Europe's spring-forward.
pub fn march_first() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

pub async fn spawn_app(now: DateTime<Utc>) -> TestApp {
    let pool = hearth::store::open_in_memory()
        .await
        .expect("in-memory database");
    hearth::store::migrate(&pool)
        .await
        .expect("migrations apply");
    let clock = ManualClock::new(now);
    let app = App::new(
        pool.clone(),
        Arc::new(clock.clone()),
        AppSettings::default(),
    );
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
                    timezone: Some(zone.into()),
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
