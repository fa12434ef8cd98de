//! Claim+mark throughput of the job queue: 5,000 jobs due at once, posted to a chat
//! that answers at once, by one dispatcher on SQLite, and by one and by two
//! dispatchers (each with a pool of its own, as two processes) on one PostgreSQL
//! database. Each job is claimed in a write, handed over, and marked sent in another:
//! what is measured is the queue, not Discord. PostgreSQL is used when
//! HEARTH_BENCH_POSTGRES names a server (`postgres://user@127.0.0.1:5432`): a
//! database `hearth_bench_queue` is made afresh there.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use hearth::chat::{ChatFuture, ChatPort, MessageRef, Reply};
use hearth::clock::{Clock, ManualClock};
use hearth::domain::alert::Alert;
use hearth::domain::job::{JobKind, PlannedJob};
use hearth::engine::Engine;
use hearth::store::{self, jobs, DbOptions};
use sqlx::Connection;
use tokio::sync::Notify;

const JOBS: usize = 5_000;
const CHANNELS: usize = 500;

#[derive(Default)]
struct Instant200 {
    posted: AtomicUsize,
}

impl ChatPort for Instant200 {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        _message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        self.posted.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            Ok(MessageRef {
                channel: channel.to_string(),
                message: nonce.to_string(),
            })
        })
    }
    fn edit<'a>(&'a self, _at: &'a MessageRef, _message: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        self.post(user, message, nonce)
    }
    fn create_thread<'a>(&'a self, at: &'a MessageRef, _name: &'a str) -> ChatFuture<'a, String> {
        Box::pin(async move { Ok(at.channel.clone()) })
    }
}

async fn fill(pool: &store::Db, now: chrono::DateTime<Utc>) {
    let planned: Vec<(Option<i64>, PlannedJob)> = (0..JOBS)
        .map(|i| {
            (
                None,
                PlannedJob {
                    kind: JobKind::Alert,
                    dedupe_key: format!("alert:bench:{i}"),
                    target: Some(format!("{}", 10_000 + i % CHANNELS)),
                    payload: Alert::RetentionFailed {
                        reference: format!("R{i}"),
                    }
                    .to_payload(),
                    due_at: now - Duration::minutes(1),
                    expires_at: None,
                },
            )
        })
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    jobs::upsert_many(&mut conn, "bench", &planned, now)
        .await
        .unwrap();
}

/// Runs one dispatcher per pool until every job is sent; jobs a second.
async fn drain(label: &str, pools: Vec<store::Db>) {
    let now = Utc.with_ymd_and_hms(2026, 3, 3, 18, 0, 0).unwrap();
    fill(&pools[0], now).await;
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now));
    let chat = Arc::new(Instant200::default());
    let started = Instant::now();
    let mut running = Vec::new();
    for (i, pool) in pools.iter().enumerate() {
        let mut engine = Engine::new(pool.clone(), chat.clone(), clock.clone(), Arc::new(Notify::new()))
            .unpaced()
            .with_max_in_flight(16)
            .with_instance(&format!("bench@{i}"));
        running.push(tokio::spawn(async move {
            engine.run_until_idle().await.unwrap().sent
        }));
    }
    let mut sent = 0;
    for run in running {
        sent += run.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{label}: {sent} of {JOBS} jobs claimed and marked sent in {elapsed:.2} s = {:.0} jobs/s ({} posts)",
        sent as f64 / elapsed,
        chat.posted.load(Ordering::SeqCst)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = store::open(&dir.path().join("queue.db"), &DbOptions::default())
        .await
        .unwrap();
    store::migrate(&sqlite).await.unwrap();
    drain("SQLite, 1 dispatcher", vec![sqlite]).await;

    let Ok(server) = std::env::var("HEARTH_BENCH_POSTGRES") else {
        println!("(HEARTH_BENCH_POSTGRES is not set: no PostgreSQL figures)");
        return;
    };
    for dispatchers in [1, 2] {
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        sqlx::raw_sql("DROP DATABASE IF EXISTS hearth_bench_queue")
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::raw_sql("CREATE DATABASE hearth_bench_queue")
            .execute(&mut admin)
            .await
            .unwrap();
        let url = format!("{server}/hearth_bench_queue");
        let mut pools = Vec::new();
        for _ in 0..dispatchers {
            pools.push(store::connect(&url, &DbOptions::default()).await.unwrap());
        }
        store::migrate(&pools[0]).await.unwrap();
        drain(&format!("PostgreSQL, {dispatchers} dispatcher(s)"), pools).await;
    }
}
