//! Delivery benchmark against the fake Discord with Discord's limits enforced and a
//! real round trip: 500 reminders due in the same second across 200 channels (every
//! group meeting at 19:00), delivered by the dispatcher as `hearth serve` builds it.
//! Run at 80 ms and at 250 ms from Discord (a real bot host is 50–250 ms away).
//!
//! Run with `cargo bench --bench delivery`. Figures are printed, not asserted (shared
//! machines are noisy); the target is at least 45 deliveries a second (90 % of
//! Discord's 50 requests a second), no 429, and every reminder exactly once.

#[allow(unused_imports)]
#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hearth::app::{Actor, App, AppSettings};
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::domain::role::Role;
use hearth::startup::Application;
use hearth::store::{self, DbOptions};

use fake_discord::FakeDiscord;

const CHANNELS: u64 = 200;
const REMINDERS: usize = 500;

fn coordinator() -> Actor {
    Actor {
        community_id: "bench".into(),
        user_id: "c".into(),
        name: "c".into(),
        role: Role::Coordinator,
    }
}

/// 200 groups, each in its own channel with a 1-hour reminder; 100 of them meet three
/// times at 19:00 on 3 March, 100 twice: 500 reminders due at 18:00:00.
async fn seed(app: &App, fake: &FakeDiscord) {
    let setup = hearth::app::setup::SetupInput {
        timezone: Some(hearth::app::input::zone("Europe/London").unwrap()),
        ..Default::default()
    };
    app.setup(&coordinator(), setup).await.unwrap();
    let mut reminders = 0;
    for i in 0..CHANNELS {
        let channel = 10_000 + i;
        fake.add_channel(FakeDiscord::GUILD_ID, channel, &format!("group-{i}"));
        let name = format!("Group {i}");
        let group = hearth::app::groups::GroupCreate {
            name: name.clone(),
            channel: channel.to_string(),
            // Cards go up at 18:30, after the burst.
            announce: Some(hearth::app::input::duration("30m").unwrap()),
            ..Default::default()
        };
        app.group_create(&coordinator(), group).await.unwrap();
        app.reminders_set(&coordinator(), &name, &hearth::app::input::offsets("1h").unwrap())
            .await
            .unwrap();
        for _ in 0..(if i < 100 { 3 } else { 2 }) {
            let meeting = hearth::app::meetings::MeetingAdd {
                group: name.clone(),
                when: hearth::app::input::when("2026-03-03 19:00").unwrap(),
                ..Default::default()
            };
            app.meeting_add(&coordinator(), meeting).await.unwrap();
            reminders += 1;
        }
    }
    assert_eq!(reminders, REMINDERS);
}

async fn burst(round_trip: Duration) {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
    let pool = store::open(&dir.path().join("hearth.db"), &DbOptions::default())
        .await
        .unwrap();
    store::migrate(&pool).await.unwrap();
    let application = Application::on_pool(pool, Arc::new(clock.clone()), AppSettings::default(), 16)
        .await
        .unwrap();
    seed(application.app(), &fake).await;
    clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 18, 0, 0).unwrap());
    fake.set_round_trip(round_trip);
    fake.enforce_rate_limits(true);
    let chat = DiscordChat::new("fake-token", Some(fake.base_url())).unwrap();
    let mut engine = application.engine(Arc::new(chat));

    let started = Instant::now();
    let outcome = engine.run_until_idle().await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();

    let posts = fake.calls_matching("POST", "/channels/");
    let delivered: usize = (0..CHANNELS).map(|i| fake.messages_in(10_000 + i).len()).sum();
    println!(
        "round trip {:>3} ms: {} reminders in {elapsed:.2} s = {:.1} deliveries/s; {} POSTs, {} messages, \
         {} x 429, sent {} failed {} retried {}",
        round_trip.as_millis(),
        REMINDERS,
        REMINDERS as f64 / elapsed,
        posts.len(),
        delivered,
        fake.rate_limited_count(),
        outcome.sent,
        outcome.failed,
        outcome.retried,
    );
    application.close().await;
}

#[tokio::main]
async fn main() {
    for round_trip in [80, 250] {
        burst(Duration::from_millis(round_trip)).await;
    }
}
