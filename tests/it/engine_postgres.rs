//! Two dispatchers sharing one PostgreSQL queue, as two `hearth serve` processes do:
//! each job is claimed by one of them, and the claims of one that dies come back to
//! the other when their lease runs out, to be posted again under the same nonce.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{Duration, TimeZone, Utc};
use hearth::chat::{ChatFuture, ChatPort, MessageRef, Reply};
use hearth::clock::{Clock, ManualClock};
use hearth::domain::alert::Alert;
use hearth::domain::job::{JobKind, PlannedJob};
use hearth::engine::{Engine, CLAIM_LEASE};
use hearth::store::{self, jobs};
use tokio::sync::Notify;

use crate::support::{postgres_server, test_db_with};

const JOBS: usize = 1_000;
const CHANNELS: usize = 200;

/// Discord as far as this needs it: a post takes a moment to arrive, and a repeat of a
/// nonce Discord has seen is answered with the first message, not posted again.
#[derive(Default)]
struct NonceCountingDiscord {
    /// Messages by nonce: how many requests asked for each.
    requests: Mutex<HashMap<String, usize>>,
}

impl NonceCountingDiscord {
    fn messages(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    fn requests(&self) -> usize {
        self.requests.lock().unwrap().values().sum()
    }
}

impl ChatPort for NonceCountingDiscord {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        _message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            tokio::time::sleep(StdDuration::from_millis(2)).await;
            *self
                .requests
                .lock()
                .unwrap()
                .entry(nonce.to_string())
                .or_default() += 1;
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

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..6_000 {
        if done() {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn states(pool: &store::Db) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT state, COUNT(*) FROM job GROUP BY state")
        .fetch_all(pool)
        .await
        .expect("job states");
    rows.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_engines_share_1000_jobs_and_one_killed_half_way_loses_none_and_doubles_none() {
    let Some(server) = postgres_server() else {
        eprintln!("HEARTH_TEST_POSTGRES is not set: this runs in the PostgreSQL pass of the suite");
        return;
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 3, 18, 0, 0).unwrap();
    let clock = ManualClock::new(now);
    // One database; each engine has a pool of its own, as a process would.
    let first_pool = test_db_with(8).await;
    let name: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&first_pool)
        .await
        .unwrap();
    let second_pool = store::connect(&format!("{server}/{name}"), &store::DbOptions::default())
        .await
        .expect("a second process's pool");

    let planned: Vec<(Option<i64>, PlannedJob)> = (0..JOBS)
        .map(|i| {
            let alert = Alert::RetentionFailed {
                reference: format!("R{i}"),
            };
            (
                None,
                PlannedJob {
                    kind: JobKind::Alert,
                    dedupe_key: format!("alert:test:{i}"),
                    target: Some(format!("{}", 10_000 + i % CHANNELS)),
                    payload: alert.to_payload(),
                    due_at: now - Duration::minutes(1),
                    expires_at: None,
                },
            )
        })
        .collect();
    let mut conn = first_pool.acquire().await.unwrap();
    jobs::upsert_many(&mut conn, "guild-1", &planned, now)
        .await
        .unwrap();
    drop(conn);

    let discord = Arc::new(NonceCountingDiscord::default());
    let time: Arc<dyn Clock> = Arc::new(clock.clone());
    let engine = |pool: &store::Db, wake: &Arc<Notify>, instance: &str| {
        Engine::new(pool.clone(), discord.clone(), time.clone(), wake.clone())
            .unpaced()
            .with_max_in_flight(16)
            .with_instance(instance)
    };
    let first_wake = Arc::new(Notify::new());
    let second_wake = Arc::new(Notify::new());
    let first = tokio::spawn(engine(&first_pool, &first_wake, "hearth@1").run(std::future::pending()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let second = tokio::spawn(engine(&second_pool, &second_wake, "hearth@2").run(async move {
        let _ = stopped.await;
    }));

    // Half-way, the first process dies: whatever it had in flight stays `sending`.
    until("half the jobs are posted", || discord.messages() >= JOBS / 2).await;
    first.abort();
    let _killed = first.await;
    let after_kill = states(&first_pool).await;

    // The second carries on with the rest; the dead one's claims wait for their lease.
    until("the second engine has sent all it can", || {
        discord.messages() + after_kill.get("sending").copied().unwrap_or(0) as usize >= JOBS
    })
    .await;
    clock.advance(CLAIM_LEASE + Duration::seconds(1));
    second_wake.notify_one();
    until("every job is posted", || discord.messages() == JOBS).await;
    for _ in 0..600 {
        if states(&first_pool).await.get("sent").copied() == Some(JOBS as i64) {
            break;
        }
        second_wake.notify_one();
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let _ = stop.send(());
    second
        .await
        .expect("the second engine stops")
        .expect("and ran without error");

    let end = states(&first_pool).await;
    assert_eq!(
        end.get("sent").copied(),
        Some(JOBS as i64),
        "every job sent: {end:?}"
    );
    assert_eq!(discord.messages(), JOBS, "each job is one message");
    let total = discord.requests();
    let requests = discord.requests.lock().unwrap().clone();
    assert!(
        requests.values().all(|&n| n <= 2),
        "a job was asked for more than twice: {requests:?}"
    );
    let repeated = requests.values().filter(|&&n| n > 1).count();
    let in_flight = after_kill.get("sending").copied().unwrap_or(0) as usize;
    assert!(
        repeated <= in_flight,
        "only what the dead engine had in flight is asked for again ({repeated} repeated, {in_flight} in flight)"
    );
    println!(
        "{JOBS} jobs, {total} requests, {repeated} repeated under their nonce, {in_flight} in flight at the kill"
    );
}

#[tokio::test]
async fn one_process_at_a_time_rolls_the_horizon() {
    let Some(server) = postgres_server() else {
        eprintln!("HEARTH_TEST_POSTGRES is not set: this runs in the PostgreSQL pass of the suite");
        return;
    };
    let t = crate::support::spawn_app(crate::support::march_first()).await;
    crate::support::group_with_meeting(
        &t.app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-10 18:30",
        "weekly",
    )
    .await;
    let name: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    let other = store::connect(&format!("{server}/{name}"), &store::DbOptions::default())
        .await
        .expect("a second process's pool");
    t.clock.advance(Duration::weeks(4));

    // Another process is rolling: this one leaves the roll to it.
    let rolling = store::try_turn(&other, 0x6865_6172_7468_0001)
        .await
        .unwrap()
        .expect("the turn is free");
    assert!(store::try_turn(&t.pool, 0x6865_6172_7468_0001)
        .await
        .unwrap()
        .is_none());
    let skipped = t.app.roll_horizon().await.unwrap();
    assert_eq!(
        skipped.added, 0,
        "nothing rolled while another process has the turn"
    );

    // Its turn over, the next roll adds the four weeks' sessions.
    rolling.release().await.unwrap();
    let rolled = t.app.roll_horizon().await.unwrap();
    assert!(
        rolled.added >= 4,
        "the roll ran once the turn was free: {rolled:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_planned_by_one_process_wakes_the_others_dispatcher_at_once() {
    let Some(server) = postgres_server() else {
        eprintln!("HEARTH_TEST_POSTGRES is not set: this runs in the PostgreSQL pass of the suite");
        return;
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 3, 18, 0, 0).unwrap();
    let clock = ManualClock::new(now);
    let planner = test_db_with(2).await;
    let name: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&planner)
        .await
        .unwrap();
    let sender = store::connect(&format!("{server}/{name}"), &store::DbOptions::default())
        .await
        .expect("a second process's pool");
    let discord = Arc::new(NonceCountingDiscord::default());
    // The sending process has nothing due: left to itself it would sleep for an hour.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let wake = Arc::new(Notify::new());
    // As `hearth serve` starts its dispatcher on PostgreSQL.
    let listening = jobs::wake_on_changes(&sender, wake.clone())
        .await
        .unwrap()
        .expect("a listener on PostgreSQL");
    let engine = Engine::new(sender.clone(), discord.clone(), Arc::new(clock.clone()), wake)
        .unpaced()
        .with_instance("hearth@2");
    let running = tokio::spawn(engine.run(async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    assert_eq!(discord.messages(), 0);

    // The other process plans a job for now, and wakes no one itself.
    let job = PlannedJob {
        kind: JobKind::Alert,
        dedupe_key: "alert:test:wake".into(),
        target: Some("10000".into()),
        payload: Alert::RetentionFailed {
            reference: "R".into(),
        }
        .to_payload(),
        due_at: now,
        expires_at: None,
    };
    jobs::upsert(&planner, "guild-1", None, &job, now).await.unwrap();
    until("the sleeping dispatcher sends it", || discord.messages() == 1).await;
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    listening.abort();
}
