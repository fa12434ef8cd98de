//! What the benchmarks share: a seeded app on a SQLite file, thousands of groups
//! seeded in one transaction, and percentiles.
// Each benchmark uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hearth::app::{Actor, App, AppSettings};
use hearth::clock::Clock;
use hearth::domain::role::Role;
use hearth::store::{self, DbOptions};
use sqlx::AnyPool;

/// The benchmarks' community.
pub const COMMUNITY: &str = "bench";

/// The value at fraction `p` of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// A coordinator of the benchmarks' community.
pub fn coordinator() -> Actor {
    Actor {
        community_id: COMMUNITY.into(),
        user_id: "c".into(),
        name: "c".into(),
        role: Role::Coordinator,
    }
}

/// An app on a SQLite file with one group, "Bench" (with `capacity` places), and one
/// session, #1, at `when` (London time).
pub async fn seeded_app(path: &Path, clock: Arc<dyn Clock>, capacity: Option<i64>, when: String) -> App {
    let pool = store::open(path, &DbOptions::default()).await.unwrap();
    store::migrate(&pool).await.unwrap();
    let app = App::new(pool, clock, AppSettings::default());
    let setup = hearth::app::setup::SetupInput {
        timezone: Some(hearth::app::input::zone("Europe/London").unwrap()),
        ..Default::default()
    };
    app.setup(&coordinator(), setup).await.unwrap();
    let group = hearth::app::groups::GroupCreate {
        name: "Bench".into(),
        channel: "1".into(),
        capacity,
        ..Default::default()
    };
    app.group_create(&coordinator(), group).await.unwrap();
    let meeting = hearth::app::meetings::MeetingAdd {
        group: "Bench".into(),
        when: hearth::app::input::when(&when).unwrap(),
        ..Default::default()
    };
    app.meeting_add(&coordinator(), meeting).await.unwrap();
    app
}

/// Seeds `groups` groups into the benchmarks' community, each with a weekly series
/// whose first session is 1 to 6 days after `now`, 08:30 to 19:30 local, in one of
/// four zones (so 12 fall in a 12-week horizon). One transaction of plain SQL:
/// seeding is set-up, not what is measured, and 10,000 `/group create` and
/// `/meeting add` calls would take minutes.
/// No session is materialised. Cards go up an hour ahead, so that nothing falls due
/// for hours and a `hearth serve` on this database is idle.
pub async fn seed_groups(pool: &AnyPool, groups: usize, now: DateTime<Utc>) {
    let mut tx = store::begin_write(pool).await.unwrap();
    let at = now.timestamp();
    sqlx::query("INSERT INTO community (id, timezone, created_at) VALUES ($1, 'Europe/London', $2)")
        .bind(COMMUNITY)
        .bind(at)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO meeting_group (community_id, name, name_key, channel, timezone,
             announce_lead_minutes, created_at)
         SELECT $2, 'Group ' || i, 'group ' || i, CAST(10000 + i AS TEXT),
             CASE i % 4 WHEN 0 THEN 'Europe/London' WHEN 1 THEN 'Europe/Berlin'
                 WHEN 2 THEN 'America/New_York' ELSE 'Asia/Kolkata' END,
             60, $3
         FROM n",
    )
    .bind(groups as i64)
    .bind(COMMUNITY)
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    // The rule's weekday is the first session's: SQLite's %w counts from Sunday.
    sqlx::query(
        "INSERT INTO series (group_id, repeat, rrule, start_local, duration_minutes, created_by, created_at)
         SELECT id, 'weekly', 'FREQ=WEEKLY;BYDAY=' || substr('SUMOTUWETHFRSA', strftime('%w', day) * 2 + 1, 2),
             day || printf('T%02d:30:00', 8 + id % 12), 90, 'bench', $1
         FROM (SELECT id, date($2, 'unixepoch', (1 + id % 6) || ' days') AS day FROM meeting_group)",
    )
    .bind(at)
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
