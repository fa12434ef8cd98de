//! Horizon-roll benchmark on a SQLite file with 10,000 groups, each with a weekly
//! series:
//! - how long `App::roll_horizon` takes to materialise 12 weeks for all of them
//!   (target under 5 s), the longest write transaction it held (goal under 50 ms),
//!   and how long a command arriving meanwhile waited for the write lock;
//! - a second roll, with nothing to add;
//! - the idle memory of the release `hearth serve` on that database, connected to a
//!   fake Discord on loopback (target under 40 MB RSS): once on a copy seeded but not
//!   rolled (its start-up roll does the work), once on the rolled one (a restart).
//!
//! Run with `cargo bench --bench horizon`. Figures are printed; nothing is asserted
//! (shared machines are noisy: targets are checked by reading the figures).

mod support;

#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth::app::setup::SetupInput;
use hearth::app::{App, AppSettings};
use hearth::clock::{Clock, SystemClock};
use hearth::store::{self, DbOptions};

use fake_discord::FakeDiscord;
use support::percentile;

const GROUPS: usize = 10_000;

/// How long `hearth serve` is left alone after it connects before its memory is read.
const SETTLE: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("horizon.db");
    let fresh = dir.path().join("fresh.db");

    let pool = store::open(&db, &DbOptions::default()).await.unwrap();
    store::migrate(&pool).await.unwrap();
    let t = Instant::now();
    support::seed_groups(&pool, GROUPS, SystemClock.now()).await;
    // A copy as seeded, for `hearth serve` to roll itself.
    sqlx::query("VACUUM INTO ?")
        .bind(fresh.to_string_lossy().into_owned())
        .execute(&pool)
        .await
        .unwrap();
    println!(
        "seeded {GROUPS} groups, each with a weekly series, in {:.2?} (not measured)",
        t.elapsed()
    );

    let app = App::new(pool.clone(), Arc::new(SystemClock), AppSettings::default());
    for label in ["first roll (12 weeks to add)", "second roll (nothing to add)"] {
        roll(&app, label).await;
    }
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    println!(
        "written: {} sessions, {} jobs ({} groups)",
        count("SELECT COUNT(*) FROM session").await,
        count("SELECT COUNT(*) FROM job").await,
        count("SELECT COUNT(*) FROM meeting_group").await,
    );
    pool.close().await;

    serve(
        &fresh,
        "hearth serve, seeded database (its start-up roll adds the sessions)",
    )
    .await;
    serve(&db, "hearth serve, rolled database (a restart)").await;
}

/// Times one roll while a command (`/setup`, a small write) runs every 20 ms beside
/// it, and prints the roll's report and how long the command waited.
async fn roll(app: &App, label: &str) {
    let stop = Arc::new(AtomicBool::new(false));
    let commands = tokio::spawn({
        let (app, stop) = (app.clone(), stop.clone());
        async move {
            let mut waits = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let setup = SetupInput {
                    timezone: Some(hearth::app::input::zone("Europe/London").unwrap()),
                    ..Default::default()
                };
                let t = Instant::now();
                app.setup(&support::coordinator(), setup).await.unwrap();
                waits.push(t.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            waits
        }
    });
    let t = Instant::now();
    let report = app.roll_horizon().await.unwrap();
    let took = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut waits = commands.await.unwrap();
    waits.sort_by(f64::total_cmp);
    println!(
        "{label}: {took:.2?}; added {} sessions in {} groups ({} failed), planned the jobs of {} more ({} jobs); longest write transaction {:.2?}",
        report.added, report.groups, report.failed, report.planned, report.planned_jobs, report.longest_write
    );
    println!(
        "  a command during the roll ({} runs): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        waits.len(),
        percentile(&waits, 0.50),
        percentile(&waits, 0.99),
        waits.last().copied().unwrap_or_default(),
    );
}

/// Runs the release `hearth serve` on `db` against a fake Discord until it has
/// connected and then sat idle for [`SETTLE`], and prints its memory from /proc.
async fn serve(db: &Path, label: &str) {
    let fake = FakeDiscord::start().await;
    let log_path = db.with_extension("log");
    let log = std::fs::File::create(&log_path).unwrap();
    let started = Instant::now();
    let mut serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("serve")
        .env_clear()
        .env("HEARTH__DISCORD__TOKEN", "bench-token")
        .env("HEARTH__DISCORD__API_PROXY", fake.base_url())
        .env("HEARTH__DISCORD__DEV_GUILD", FakeDiscord::GUILD_ID.to_string())
        .env("HEARTH__DATABASE__PATH", db)
        .current_dir(db.parent().unwrap())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = serve.id().unwrap();
    // `hearth serve` rolls the horizon before it connects: connected means rolled.
    fake.wait_until_connected(Duration::from_secs(300)).await;
    let connected = started.elapsed();
    tokio::time::sleep(SETTLE).await;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|value| value.trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let exited = serve.wait().await.unwrap();
    let logged = std::fs::read_to_string(&log_path).unwrap();
    println!("{label}: connected after {connected:.2?}, then idle {SETTLE:?}");
    println!(
        "  VmRSS {} (anon {}, file {}, shmem {}), VmHWM {}, threads {}",
        field("VmRSS:"),
        field("RssAnon:"),
        field("RssFile:"),
        field("RssShmem:"),
        field("VmHWM:"),
        field("Threads:"),
    );
    if !(stopped.success() && exited.success()) || logged.contains("ERROR") || logged.contains("WARN") {
        println!("  serve exited {exited:?}; its log:\n{logged}");
    }
}
