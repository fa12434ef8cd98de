//! Check-in prompt planning for 10,000 schedules:
//! - the domain alone: the next tick of 10,000 cron schedules (varied lines, 20 zones,
//!   both hemispheres, half-hour and no-DST zones), each from the same moment;
//! - through the dispatcher, on a SQLite file: 10,000 groups whose prompt is due at
//!   once, posted to a no-op chat; each post draws from its deck's bag and queues the
//!   schedule's next tick in the same transaction.
//!
//! Run with `cargo bench --bench prompts`. Figures are printed; nothing is asserted.

mod support;

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use hearth::chat::{ChatFuture, ChatPort, MessageRef, Reply};
use hearth::clock::ManualClock;
use hearth::domain::cron::CronSchedule;
use hearth::domain::time::Tz;
use hearth::engine::Engine;
use hearth::store::{self, DbOptions};

use support::percentile;

const SCHEDULES: usize = 10_000;

const ZONES: [Tz; 20] = [
    chrono_tz::Europe::London,
    chrono_tz::Europe::Berlin,
    chrono_tz::Europe::Dublin,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::America::Santiago,
    chrono_tz::America::Havana,
    chrono_tz::America::St_Johns,
    chrono_tz::America::Phoenix,
    chrono_tz::Australia::Sydney,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Australia::Adelaide,
    chrono_tz::Australia::Brisbane,
    chrono_tz::Pacific::Auckland,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Asia::Tokyo,
    chrono_tz::Africa::Johannesburg,
    chrono_tz::UTC,
];

const LINES: [&str; 8] = [
    "0 19 * * MON",
    "30 9 * * MON-FRI",
    "0 */3 * * *",
    "15 18 * * 0,3",
    "0 10 1 * *",
    "@daily",
    "0 * * * *",
    "45 7 * JAN-MAR,OCT-DEC SAT",
];

/// Posts nowhere, at once.
struct NoopChat;

impl ChatPort for NoopChat {
    fn post<'a>(&'a self, channel: &'a str, _m: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            Ok(MessageRef {
                channel: channel.to_owned(),
                message: nonce.to_owned(),
            })
        })
    }
    fn edit<'a>(&'a self, _at: &'a MessageRef, _m: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn dm<'a>(&'a self, user: &'a str, _m: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            Ok(MessageRef {
                channel: user.to_owned(),
                message: nonce.to_owned(),
            })
        })
    }
    fn create_thread<'a>(&'a self, at: &'a MessageRef, _name: &'a str) -> ChatFuture<'a, String> {
        Box::pin(async move { Ok(at.message.clone()) })
    }
}

fn domain(now: DateTime<Utc>) {
    let schedules: Vec<(CronSchedule, Tz)> = (0..SCHEDULES)
        .map(|i| {
            let line = LINES[i % LINES.len()];
            (CronSchedule::parse(line).unwrap(), ZONES[i % ZONES.len()])
        })
        .collect();
    let mut samples = Vec::with_capacity(SCHEDULES);
    let started = Instant::now();
    for (schedule, zone) in &schedules {
        let t = Instant::now();
        let next = schedule.next_after(*zone, now);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(next.is_some());
    }
    let total = started.elapsed();
    samples.sort_by(f64::total_cmp);
    println!(
        "next tick of {SCHEDULES} cron schedules (8 lines × 20 zones), domain only: total {total:.2?}, \
         per schedule p50 {:.1} µs, p99 {:.1} µs",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );
}

async fn dispatcher(now: DateTime<Utc>) {
    let dir = tempfile::tempdir().unwrap();
    let pool = store::open(&dir.path().join("prompts.db"), &DbOptions::default())
        .await
        .unwrap();
    store::migrate(&pool).await.unwrap();
    support::seed_groups(&pool, SCHEDULES, now).await;
    // Each group: three approved prompts, a deck, a daily 19:00 schedule, and its tick
    // due now. Plain SQL: set-up, not what is measured.
    let mut tx = store::begin_write(&pool).await.unwrap();
    for statement in [
        "INSERT INTO prompt (group_id, text, state, source, created_at, updated_at)
         SELECT id, 'Prompt ' || k.n || ' of ' || id, 'approved', 'group', 0, 0
         FROM meeting_group, (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) k",
        "INSERT INTO prompt_deck (group_id, rng) SELECT id, id FROM meeting_group",
        "INSERT INTO prompt_schedule (group_id, timing, updated_at) SELECT id, '0 19 * * *', 0 FROM meeting_group",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO job (community_id, kind, dedupe_key, target, payload, due_at, created_at, updated_at)
         SELECT community_id, 'prompt', 'prompt:' || id || ':' || $1, channel, 'group:' || id, $2, $3, $4
         FROM meeting_group",
    )
    .bind(now.timestamp())
    .bind(now.timestamp())
    .bind(now.timestamp())
    .bind(now.timestamp())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let clock = ManualClock::new(now);
    let mut engine = Engine::new(
        pool.clone(),
        Arc::new(NoopChat),
        Arc::new(clock),
        Arc::new(tokio::sync::Notify::new()),
    )
    .unpaced();
    let started = Instant::now();
    let outcome = engine.run_until_idle().await.unwrap();
    let took = started.elapsed();
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE kind = 'prompt' AND state = 'pending'")
            .fetch_one(&pool)
            .await
            .unwrap();
    println!(
        "{SCHEDULES} prompts due at once through the dispatcher to a no-op chat: {} sent in {took:.2?} \
         ({:.0} prompts/s, each drawing from its bag and queueing its next tick); {queued} next ticks queued",
        outcome.sent,
        outcome.sent as f64 / took.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let now = Utc.with_ymd_and_hms(2026, 10, 24, 12, 0, 0).unwrap();
    domain(now);
    dispatcher(now).await;
}
