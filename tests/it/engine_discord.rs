//! The dispatcher against the fake Discord: exactly once across a crash, and a
//! burst that stays inside Discord's limits.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hearth::chat::{ChatFuture, ChatPort, MessageRef, Reply};
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::domain::job::JobState;
use hearth::engine::Engine;
use tokio::sync::Notify;

use crate::support::fake_discord::FakeDiscord;
use crate::support::{app_on_file, coordinator, group_with_meeting};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// Posts for real, then never returns: the process "dies" between the post and
/// the `sent` mark.
struct PostThenHang {
    inner: DiscordChat,
    posted: Arc<Notify>,
}

impl ChatPort for PostThenHang {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            self.inner
                .post(channel, message, nonce)
                .await
                .expect("the first post arrives");
            self.posted.notify_one();
            std::future::pending().await
        })
    }
    fn edit<'a>(&'a self, at: &'a MessageRef, message: &'a Reply) -> ChatFuture<'a, ()> {
        self.inner.edit(at, message)
    }
    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        self.inner.dm(user, message, nonce)
    }
    fn create_thread<'a>(&'a self, at: &'a MessageRef, name: &'a str) -> ChatFuture<'a, String> {
        self.inner.create_thread(at, name)
    }
}

#[tokio::test]
async fn a_crash_between_post_and_sent_mark_still_delivers_every_job_exactly_once() {
    let fake = FakeDiscord::start().await;
    fake.add_channel(FakeDiscord::GUILD_ID, 300, "circle");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    let clock = ManualClock::new(utc(2026, 3, 3, 12, 0));
    let app = app_on_file(&db, clock.clone()).await;
    group_with_meeting(&app, "Europe/London", "Circle", "300", "2026-03-03 18:30", "once").await;
    app.reminders_set(&coordinator(), "Circle", "90m,1h,30m")
        .await
        .unwrap();
    clock.set(utc(2026, 3, 3, 18, 20));

    // First run: the first post (the session's card) reaches Discord, then the process dies.
    let posted = Arc::new(Notify::new());
    let hanging = PostThenHang {
        inner: DiscordChat::new("fake-token", Some(fake.base_url())).unwrap(),
        posted: posted.clone(),
    };
    let mut first = Engine::new(
        app.pool().clone(),
        Arc::new(hanging),
        Arc::new(clock.clone()),
        app.jobs_changed(),
    );
    let now = utc(2026, 3, 3, 18, 20);
    let crashed = tokio::spawn(async move { first.run_due(now).await });
    posted.notified().await;
    crashed.abort();
    let _aborted = crashed.await;
    app.pool().close().await;
    assert_eq!(fake.messages_in(300).len(), 1);

    // Restart on the same database file with a working connection to Discord.
    let app = app_on_file(&db, clock.clone()).await;
    let interrupted = hearth::store::jobs::get_by_key(app.pool(), "card:1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(interrupted.state, JobState::Sending, "left mid-delivery");
    let chat = DiscordChat::new("fake-token", Some(fake.base_url())).unwrap();
    let mut second = Engine::new(
        app.pool().clone(),
        Arc::new(chat),
        Arc::new(clock),
        app.jobs_changed(),
    );
    let outcome = second.run_until_idle().await.unwrap();

    assert_eq!(outcome.sent, 4, "the card and three reminders");
    assert_eq!(
        fake.messages_in(300).len(),
        4,
        "the repeated post was dropped by its nonce"
    );
    assert_eq!(
        fake.calls_matching("POST", "/channels/300/messages").len(),
        5,
        "one post was repeated"
    );
    for key in ["card:1", "reminder:1:1h30m", "reminder:1:1h", "reminder:1:30m"] {
        let job = hearth::store::jobs::get_by_key(app.pool(), key)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.state, JobState::Sent, "{key}");
    }
}

#[tokio::test]
async fn a_burst_of_500_reminders_in_200_channels_gets_no_429() {
    let fake = FakeDiscord::start().await;
    fake.enforce_rate_limits(true);
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(utc(2026, 3, 1, 9, 0));
    let app = app_on_file(&dir.path().join("hearth.db"), clock.clone()).await;
    let coordinator = coordinator();
    app.setup(
        &coordinator,
        hearth::app::setup::SetupInput {
            timezone: Some("Europe/London".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut reminders = 0;
    for i in 0..200u64 {
        let channel = 10_000 + i;
        fake.add_channel(FakeDiscord::GUILD_ID, channel, &format!("group-{i}"));
        let name = format!("Group {i}");
        app.group_create(
            &coordinator,
            hearth::app::groups::GroupCreate {
                name: name.clone(),
                channel: channel.to_string(),
                // Cards go up at 18:30, after the burst under test.
                announce: Some("30m".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        app.reminders_set(&coordinator, &name, "1h").await.unwrap();
        // Every session starts at 19:00, so every reminder is due at 18:00:00.
        for _ in 0..(if i < 100 { 3 } else { 2 }) {
            let meeting = hearth::app::meetings::MeetingAdd {
                group: name.clone(),
                when: "2026-03-03 19:00".into(),
                ..Default::default()
            };
            app.meeting_add(&coordinator, meeting).await.unwrap();
            reminders += 1;
        }
    }
    assert_eq!(reminders, 500);
    clock.set(utc(2026, 3, 3, 18, 0));

    let chat = DiscordChat::new("fake-token", Some(fake.base_url())).unwrap();
    let mut engine = Engine::new(
        app.pool().clone(),
        Arc::new(chat),
        Arc::new(clock),
        app.jobs_changed(),
    );
    let outcome = engine.run_until_idle().await.unwrap();

    assert_eq!(outcome.sent, 500, "{outcome:?}");
    assert_eq!(fake.rate_limited_count(), 0, "Discord never had to say 429");
    let delivered: usize = (0..200u64).map(|i| fake.messages_in(10_000 + i).len()).sum();
    assert_eq!(delivered, 500);
}
