//! Rota benchmark on a SQLite file with 1,000 groups, each with a weekly series, a pool
//! of 6 facilitators (one a lead) and 2 facilitators needed per session:
//! - the horizon roll that materialises 12 weeks for every group and auto-fills each
//!   group's new sessions as it goes, against the same roll with no pools (the
//!   difference is what auto-fill costs);
//! - `/rota fill` of every group from empty (12,000 sessions, 24,000 places), through
//!   the app, each group one transaction (target under 2 s);
//! - the same again, with nothing to fill.
//!
//! Run with `cargo bench --bench rota`. Figures are printed; nothing is asserted.

mod support;

use std::sync::Arc;
use std::time::Instant;

use hearth::app::{App, AppSettings};
use hearth::clock::{Clock, SystemClock};
use hearth::store::{self, DbOptions};
use sqlx::AnyPool;

const GROUPS: usize = 1_000;
const POOL: i64 = 6;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemClock.now();

    // The same roll with no pools: materialising alone.
    let bare = open(&dir.path().join("bare.db")).await;
    support::seed_groups(&bare, GROUPS, now).await;
    needs_two(&bare).await;
    let app = App::new(bare.clone(), Arc::new(SystemClock), AppSettings::default());
    let t = Instant::now();
    let report = app.roll_horizon().await.unwrap();
    let bare_roll = t.elapsed();
    println!(
        "roll without pools: {bare_roll:.2?} ({} sessions in {} groups)",
        report.added, report.groups
    );
    bare.close().await;

    let pool = open(&dir.path().join("rota.db")).await;
    support::seed_groups(&pool, GROUPS, now).await;
    needs_two(&pool).await;
    seed_pools(&pool, now.timestamp()).await;
    let app = App::new(pool.clone(), Arc::new(SystemClock), AppSettings::default());
    let t = Instant::now();
    let report = app.roll_horizon().await.unwrap();
    let roll = t.elapsed();
    println!(
        "roll with {POOL} facilitators a group (auto-fill as sessions are added): {roll:.2?} ({} sessions); \
         auto-fill's share {:.2?}; {} places filled",
        report.added,
        roll.saturating_sub(bare_roll),
        count(&pool, "SELECT COUNT(*) FROM rota_assignment").await,
    );

    sqlx::query("DELETE FROM rota_assignment")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM job WHERE kind IN ('duty-notice', 'gap-alert', 'gap-alert-dm')")
        .execute(&pool)
        .await
        .unwrap();
    for label in [
        "/rota fill of every group, from empty",
        "/rota fill again, nothing to fill",
    ] {
        let t = Instant::now();
        for i in 1..=GROUPS {
            app.rota_fill(&support::coordinator(), &format!("Group {i}"), None)
                .await
                .unwrap();
        }
        println!(
            "{label}: {:.2?} for {GROUPS} groups; {} places held, {} duty notices queued",
            t.elapsed(),
            count(&pool, "SELECT COUNT(*) FROM rota_assignment").await,
            count(&pool, "SELECT COUNT(*) FROM job WHERE kind = 'duty-notice'").await,
        );
    }
    let spread: (i64, i64) = sqlx::query_as(
        "SELECT MIN(n), MAX(n) FROM (SELECT f.group_id, f.user_id, COUNT(a.session_id) AS n
             FROM rota_facilitator f LEFT JOIN rota_assignment a ON a.user_id = f.user_id
             WHERE NOT f.lead GROUP BY f.group_id, f.user_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    println!(
        "shifts per facilitator over 12 weeks: min {}, max {}",
        spread.0, spread.1
    );
    pool.close().await;
}

async fn open(path: &std::path::Path) -> AnyPool {
    let pool = store::open(path, &DbOptions::default()).await.unwrap();
    store::migrate(&pool).await.unwrap();
    pool
}

async fn count(pool: &AnyPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Two facilitators a session: the safer setting, and twice the places to fill.
async fn needs_two(pool: &AnyPool) {
    sqlx::query("UPDATE meeting_group SET facilitators_needed = 2")
        .execute(pool)
        .await
        .unwrap();
}

/// Six facilitators in each group's pool, the first a lead. Plain SQL: set-up.
async fn seed_pools(pool: &AnyPool, at: i64) {
    sqlx::query(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $1)
         INSERT INTO rota_facilitator (group_id, user_id, display_name, lead, active, added_at)
         SELECT g.id, 'f' || g.id || '-' || k.i, 'F' || k.i, k.i = 1, 1, $2
         FROM meeting_group g, k",
    )
    .bind(POOL)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}
