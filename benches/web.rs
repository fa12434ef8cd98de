//! Web benchmark: a community calendar feed of 100 groups × 12 weeks (about 1,200
//! sessions, four zones, so four VTIMEZONE blocks) served over HTTP on 127.0.0.1 to
//! 50 clients at once, each fetching it again and again with no cache, so every
//! answer is read from SQLite and rendered afresh.
//!
//! Run with `cargo bench --bench web`. Figures are printed; nothing is asserted
//! (shared machines are noisy). The target: p99 well under a second, as calendar
//! apps poll feeds with timeouts of several seconds.

mod support;

use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use hearth::app::{App, AppSettings};
use hearth::clock::ManualClock;

use support::percentile;

const GROUPS: usize = 100;
const CLIENTS: usize = 50;
const REQUESTS_EACH: usize = 40;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let pool = hearth::store::open(&dir.path().join("web.db"), &hearth::store::DbOptions::default())
        .await
        .unwrap();
    hearth::store::migrate(&pool).await.unwrap();
    support::seed_groups(&pool, GROUPS, now).await;
    let app = App::new(pool, Arc::new(ManualClock::new(now)), AppSettings::default());
    app.roll_horizon().await.unwrap();
    let link = app
        .calendar_link(&support::coordinator(), None)
        .await
        .unwrap()
        .to_plain_string();
    let start = link.find("/calendar/").unwrap();
    let path = link[start..start + "/calendar/".len() + 64 + ".ics".len()].to_string();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(hearth::web::serve(listener, app.clone(), std::future::pending()));
    let url = format!("{base}{path}");
    let client = reqwest::Client::new();
    let first = client.get(&url).send().await.unwrap().text().await.unwrap();
    let events = first.matches("BEGIN:VEVENT").count();
    let zones = first.matches("BEGIN:VTIMEZONE").count();
    println!(
        "feed: {events} sessions, {zones} zones, {} KiB",
        first.len() / 1024
    );

    let all = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let (client, url) = (client.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(REQUESTS_EACH);
            for _ in 0..REQUESTS_EACH {
                let t = Instant::now();
                let response = client.get(&url).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 200);
                let body = response.bytes().await.unwrap();
                assert!(body.len() > 1000);
                samples.push(t.elapsed().as_secs_f64() * 1e3);
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await.unwrap());
    }
    let total = all.elapsed().as_secs_f64();
    samples.sort_by(f64::total_cmp);
    println!(
        "{} requests from {CLIENTS} clients at once: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.0} feeds/s",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.last().copied().unwrap_or(0.0),
        samples.len() as f64 / total
    );
}
