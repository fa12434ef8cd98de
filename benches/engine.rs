//! Dispatcher benchmarks on a SQLite file with 100,000 pending jobs:
//! - how long finding the next due job takes,
//! - claim + render + mark throughput against a no-op chat (engine overhead),
//! - wake-up lateness of due jobs with the real loop and the system clock.
//!
//! Run with `cargo bench --bench engine`. Figures are printed; nothing is asserted
//! (shared machines are noisy: targets are checked by reading the figures).

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use hearth::app::App;
use hearth::chat::{ChatFuture, ChatPort, MessageRef, Reply};
use hearth::clock::{Clock, ManualClock, SystemClock};
use hearth::domain::job::{JobKind, PlannedJob};
use hearth::engine::Engine;
use hearth::store::{self, jobs};

use support::percentile;

/// Delivers nothing, instantly; remembers when each post happened.
struct NoopChat {
    clock: Arc<dyn Clock>,
    posted_at: Mutex<Vec<DateTime<Utc>>>,
}

impl ChatPort for NoopChat {
    fn post<'a>(&'a self, channel: &'a str, _m: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            self.posted_at.lock().unwrap().push(self.clock.now());
            Ok(MessageRef {
                channel: channel.to_string(),
                message: nonce.to_string(),
            })
        })
    }
    fn edit<'a>(&'a self, _at: &'a MessageRef, _m: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn dm<'a>(&'a self, user: &'a str, _m: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            self.posted_at.lock().unwrap().push(self.clock.now());
            Ok(MessageRef {
                channel: user.to_string(),
                message: nonce.to_string(),
            })
        })
    }
    fn create_thread<'a>(&'a self, at: &'a MessageRef, _n: &'a str) -> ChatFuture<'a, String> {
        Box::pin(async move { Ok(at.channel.clone()) })
    }
}

/// A community with one group and one session ten days ahead, for jobs to be about.
async fn seeded_app(path: &std::path::Path, clock: Arc<dyn Clock>) -> App {
    let when = (clock.now() + Duration::days(10))
        .format("%Y-%m-%d 18:30")
        .to_string();
    support::seeded_app(path, clock, None, when).await
}

/// Channel reminders of session #1 (one lane: its channel's posts go one at a time),
/// or with `dms`, DM reminders each to its own member who is going (each its own
/// lane, so the dispatcher keeps as many in flight as it may).
async fn insert_jobs(
    app: &App,
    count: usize,
    due: impl Fn(usize) -> DateTime<Utc>,
    prefix: &str,
    now: DateTime<Utc>,
    dms: bool,
) {
    let mut tx = store::begin_write(app.pool()).await.unwrap();
    for i in 0..count {
        let member = format!("{prefix}-member-{i}");
        if dms {
            sqlx::query(
                "INSERT INTO rsvp (session_id, user_id, state, created_at, updated_at, display_name, seq)
                 VALUES (1, $1, 'going', 0, 0, $2, $3)",
            )
            .bind(&member)
            .bind(&member)
            .bind(i as i64)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        let job = PlannedJob {
            kind: if dms {
                JobKind::DmReminder
            } else {
                JobKind::Reminder
            },
            dedupe_key: format!("{prefix}:{i}"),
            target: dms.then_some(member),
            payload: "1h".into(),
            due_at: due(i),
            expires_at: None,
        };
        jobs::upsert(&mut *tx, support::COMMUNITY, Some(1), &job, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let start = SystemClock.now();
    let clock = ManualClock::new(start);
    let app = seeded_app(&dir.path().join("bench.db"), Arc::new(clock.clone())).await;

    // 100,000 pending jobs: 20,000 due now, 80,000 spread over the next year.
    let t = Instant::now();
    insert_jobs(&app, 20_000, |_| start - Duration::seconds(1), "due", start, true).await;
    insert_jobs(
        &app,
        80_000,
        |i| start + Duration::seconds(60 + i as i64 * 390),
        "later",
        start,
        false,
    )
    .await;
    println!(
        "inserted 100,000 pending jobs in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    // 0. The floor: a trivial query through the same pool.
    let mut floor = Vec::new();
    for _ in 0..2_000 {
        let t = Instant::now();
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
        floor.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(one, 1);
    }
    floor.sort_by(f64::total_cmp);
    println!(
        "a trivial query (the floor): p50 {:.0} µs, p99 {:.0} µs",
        percentile(&floor, 0.5),
        percentile(&floor, 0.99)
    );

    // 1. Finding the next due job.
    let mut samples = Vec::new();
    for _ in 0..2_000 {
        let t = Instant::now();
        let next = jobs::next_due_at(app.pool()).await.unwrap();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(next.is_some());
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "next due job: p50 {:.0} µs, p99 {:.0} µs (over 2,000 look-ups, 100,000 pending)",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );

    // 2. Claim + render + post (no-op) + mark sent, unpaced.
    let clock_arc: Arc<dyn Clock> = Arc::new(clock.clone());
    let chat = Arc::new(NoopChat {
        clock: clock_arc.clone(),
        posted_at: Mutex::default(),
    });
    let mut engine = Engine::new(app.pool().clone(), chat.clone(), clock_arc, app.jobs_changed()).unpaced();
    let t = Instant::now();
    let outcome = engine.run_until_idle().await.unwrap();
    let elapsed = t.elapsed().as_secs_f64();
    println!(
        "claim+render+mark: {} DMs, each its own lane, in {:.2} s = {:.0} jobs/s (no-op chat, 80,000 more pending)",
        outcome.sent,
        elapsed,
        outcome.sent as f64 / elapsed
    );

    // 3. Wake-up lateness: the real loop on the system clock, jobs due over 10 s.
    let dir2 = tempfile::tempdir().unwrap();
    let system: Arc<dyn Clock> = Arc::new(SystemClock);
    let app2 = seeded_app(&dir2.path().join("wake.db"), system.clone()).await;
    let now = SystemClock.now();
    let first_second = now.timestamp() + 2;
    insert_jobs(
        &app2,
        100,
        |i| DateTime::from_timestamp(first_second + (i / 10) as i64, 0).unwrap(),
        "wake",
        now,
        false,
    )
    .await;
    let chat2 = Arc::new(NoopChat {
        clock: system.clone(),
        posted_at: Mutex::default(),
    });
    let engine2 = Engine::new(app2.pool().clone(), chat2.clone(), system, app2.jobs_changed()).unpaced();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(engine2.run(async move {
        let _stop = stopped.await;
    }));
    tokio::time::sleep(StdDuration::from_secs(13)).await;
    let _sent = stop.send(());
    running.await.unwrap().unwrap();
    let posted = chat2.posted_at.lock().unwrap().clone();
    // Posts of one second go in a batch: the first of each batch shows the wake-up itself.
    let mut lateness: Vec<f64> = Vec::new();
    for (i, at) in posted.iter().enumerate() {
        let due = DateTime::from_timestamp(first_second + (i / 10) as i64, 0).unwrap();
        lateness.push((*at - due).num_microseconds().unwrap_or(0) as f64 / 1000.0);
    }
    lateness.sort_by(f64::total_cmp);
    println!(
        "wake-up lateness: {} jobs, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lateness.len(),
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness.last().copied().unwrap_or(0.0)
    );
}
