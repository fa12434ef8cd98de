//! RSVP benchmark on a SQLite file: 1,000 card clicks by 1,000 members on one
//! session through the app layer (`App::click`), each timed, against the same number
//! of rows written by plain SQL inserts (one transaction each) on a fresh copy of the
//! schema in the same run. The ratio is what hearth's rules cost per click: the
//! permission check, the session look-up, first-come places, the waitlist, the
//! promotion check and the coalesced card edit.
//!
//! Run with `cargo bench --bench rsvp`. Figures are printed, with the throughput
//! ratio (app clicks/s over plain inserts/s); nothing is asserted (shared machines are
//! noisy: targets — p99 under 2 ms, at least 0.3x the plain inserts' throughput,
//! Discord's 3 s to answer — are checked by reading the figures).

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hearth::app::rsvp::Click;
use hearth::app::{Actor, App};
use hearth::clock::ManualClock;
use hearth::domain::role::Role;
use hearth::domain::rsvp::RsvpState;
use hearth::store;

use support::percentile;

const CLICKS: usize = 1_000;
const CAPACITY: i64 = 500;

/// Nine days before the session, so every click is well before answers close.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

/// What member `i` clicks: mostly Going, some Maybe and Can't make it.
fn answer_of(i: usize) -> RsvpState {
    match i % 10 {
        7 => RsvpState::Maybe,
        9 => RsvpState::NotGoing,
        _ => RsvpState::Going,
    }
}

fn member(i: usize) -> Actor {
    Actor {
        community_id: support::COMMUNITY.into(),
        user_id: format!("member-{i}"),
        name: format!("Member {i}"),
        role: Role::Member,
    }
}

/// A community with one group of `CAPACITY` places and one session (#1) whose card
/// is up, as when members click its buttons.
async fn seeded_app(path: &Path, clock: ManualClock) -> App {
    let app = support::seeded_app(path, Arc::new(clock), Some(CAPACITY), "2026-03-10 18:30".into()).await;
    // The card is posted: each click also arms the coalesced card edit.
    store::sessions::set_card(app.pool(), 1, "1", "2").await.unwrap();
    app
}

/// (p50, p99, max) in ms, and the total in s.
fn summary(samples_ms: &mut [f64], total_s: f64) -> (f64, f64, f64, f64) {
    samples_ms.sort_by(f64::total_cmp);
    (
        percentile(samples_ms, 0.5),
        percentile(samples_ms, 0.99),
        samples_ms.last().copied().unwrap_or(0.0),
        total_s,
    )
}

fn print_line(what: &str, (p50, p99, max, total): (f64, f64, f64, f64)) {
    println!("{what}: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms per click; {CLICKS} in {total:.2} s");
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();

    // 1. Through the app layer, one click at a time, the clock a second apart.
    let clock = ManualClock::new(start());
    let app = seeded_app(&dir.path().join("app.db"), clock.clone()).await;
    let mut samples = Vec::with_capacity(CLICKS);
    let mut refused = 0;
    let all = Instant::now();
    for i in 0..CLICKS {
        clock.advance(Duration::seconds(1));
        let actor = member(i);
        let t = Instant::now();
        let answered = app
            .click(
                &actor,
                hearth::app::input::SessionId(1),
                Click::Rsvp(answer_of(i)),
            )
            .await;
        samples.push(t.elapsed().as_secs_f64() * 1e3);
        if answered.is_err() {
            refused += 1;
        }
    }
    let through_app = summary(&mut samples, all.elapsed().as_secs_f64());
    let states: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM rsvp WHERE session_id = 1 GROUP BY state ORDER BY state")
            .fetch_all(app.pool())
            .await
            .unwrap();
    app.pool().close().await;

    // 2. The same rows by plain SQL inserts, each in its own transaction, on a fresh
    //    copy of the schema with the same group and session.
    let clock = ManualClock::new(start());
    let plain = seeded_app(&dir.path().join("plain.db"), clock.clone()).await;
    let pool = plain.pool().clone();
    let mut samples = Vec::with_capacity(CLICKS);
    let all = Instant::now();
    for i in 0..CLICKS {
        clock.advance(Duration::seconds(1));
        let now = start().timestamp() + i as i64 + 1;
        let name = format!("Member {i}");
        let user = format!("member-{i}");
        let t = Instant::now();
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query(
            "INSERT INTO rsvp (session_id, user_id, display_name, state, seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(1_i64)
        .bind(&user)
        .bind(&name)
        .bind(answer_of(i).as_str())
        .bind(i as i64 + 1)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let by_sql = summary(&mut samples, all.elapsed().as_secs_f64());
    pool.close().await;

    println!(
        "{CLICKS} RSVP clicks by {CLICKS} members on one session ({CAPACITY} places), SQLite file (WAL, synchronous=NORMAL)"
    );
    print_line("app layer (App::click)", through_app);
    print_line("plain SQL inserts     ", by_sql);
    println!(
        "ratio app / plain SQL: p50 {:.1}x, total {:.1}x",
        through_app.0 / by_sql.0,
        through_app.3 / by_sql.3
    );
    let (app_rate, sql_rate) = (CLICKS as f64 / through_app.3, CLICKS as f64 / by_sql.3);
    println!(
        "throughput: app {app_rate:.0} clicks/s / plain SQL {sql_rate:.0} inserts/s = {:.2}x",
        app_rate / sql_rate
    );
    let states: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
    println!(
        "end state through the app: {} ({refused} clicks refused)",
        states.join(", ")
    );
}
