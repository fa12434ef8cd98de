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
    app.reminders_set(
        &coordinator(),
        "Circle",
        &hearth::app::input::offsets("90m,1h,30m").unwrap(),
    )
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
async fn a_burst_of_500_reminders_in_200_channels_gets_no_429_and_each_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let channels: Vec<u64> = (10_000..10_200).collect();
    // 100 groups meet three times at 19:00, 100 twice: 500 reminders due at 18:00.
    let (app, clock, fake) =
        reminders_due_at_six(dir.path(), &channels, |c| if c < 10_100 { 3 } else { 2 }).await;
    let mut engine = Engine::new(app.pool().clone(), paused_chat(&fake), clock, app.jobs_changed());

    let outcome = engine.run_until_idle().await.unwrap();

    assert_eq!(outcome.sent, 500, "{outcome:?}");
    assert_eq!(fake.rate_limited_count(), 0, "Discord never had to say 429");
    let delivered: usize = channels.iter().map(|c| fake.messages_in(*c).len()).sum();
    assert_eq!(delivered, 500);
    assert_eq!(
        fake.calls_matching("POST", "/channels/").len(),
        500,
        "none repeated"
    );
}

/// An app on paused tokio time with `meetings` one-off sessions at 19:00 on Tuesday
/// 3 March in each channel, each with a 1-hour reminder (cards go up at 18:30, after
/// the burst), the clock moved to 18:00 when every reminder is due. Discord is 80 ms
/// away and enforces its limits.
async fn reminders_due_at_six(
    dir: &std::path::Path,
    channels: &[u64],
    meetings: impl Fn(u64) -> usize,
) -> (hearth::app::App, Arc<dyn hearth::clock::Clock>, FakeDiscord) {
    let fake = FakeDiscord::start().await;
    let (app, clock) = crate::support::spawn_app_on_tokio_time(dir, utc(2026, 3, 3, 9, 0)).await;
    let coordinator = coordinator();
    let setup = hearth::app::setup::SetupInput {
        timezone: Some(hearth::app::input::zone("Europe/London").unwrap()),
        ..Default::default()
    };
    app.setup(&coordinator, setup).await.unwrap();
    for channel in channels {
        fake.add_channel(FakeDiscord::GUILD_ID, *channel, &format!("group-{channel}"));
        let name = format!("Group {channel}");
        let group = hearth::app::groups::GroupCreate {
            name: name.clone(),
            channel: channel.to_string(),
            announce: Some(hearth::app::input::duration("30m").unwrap()),
            ..Default::default()
        };
        app.group_create(&coordinator, group).await.unwrap();
        app.reminders_set(&coordinator, &name, &hearth::app::input::offsets("1h").unwrap())
            .await
            .unwrap();
        for _ in 0..meetings(*channel) {
            let meeting = hearth::app::meetings::MeetingAdd {
                group: name.clone(),
                when: hearth::app::input::when("2026-03-03 19:00").unwrap(),
                ..Default::default()
            };
            app.meeting_add(&coordinator, meeting).await.unwrap();
        }
    }
    tokio::time::advance(std::time::Duration::from_secs(9 * 3600)).await;
    assert_eq!(clock.now(), utc(2026, 3, 3, 18, 0));
    fake.set_round_trip(std::time::Duration::from_millis(80));
    fake.enforce_rate_limits(true);
    (app, clock, fake)
}

/// Discord's port for tests on paused time: an HTTP client with no timers of its own
/// (no timeout, no reaping of idle connections), because paused time jumps to the
/// next timer whenever the runtime waits on SQLite's thread.
fn paused_chat(fake: &FakeDiscord) -> Arc<DiscordChat> {
    let client = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    Arc::new(DiscordChat::with_client(
        "fake-token",
        Some(fake.base_url()),
        client,
    ))
}

async fn states_of_reminders(app: &hearth::app::App, count: i64) -> Vec<JobState> {
    let mut states = Vec::new();
    for session in 1..=count {
        let key = format!("reminder:{session}:1h");
        let job = hearth::store::jobs::get_by_key(app.pool(), &key)
            .await
            .unwrap()
            .unwrap();
        states.push(job.state);
    }
    states
}

#[tokio::test]
async fn a_process_killed_mid_burst_restarts_inside_discords_windows_and_posts_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock, fake) = reminders_due_at_six(dir.path(), &[300], |_| 25).await;

    // The first process sends the channel's five for this window and is killed while
    // Discord's answer to the fifth is on its way back: it never heard that the bucket
    // is empty, and neither will the next process.
    let first = Engine::new(
        app.pool().clone(),
        paused_chat(&fake),
        clock.clone(),
        app.jobs_changed(),
    );
    let running = tokio::spawn(first.run(std::future::pending()));
    fake.wait_until(|f| f.messages_in(300).len() >= 5).await;
    running.abort();
    let _killed = running.await;
    let left = states_of_reminders(&app, 25).await;
    assert_eq!(
        left.iter().filter(|s| **s == JobState::Sending).count(),
        1,
        "one post was in flight: {left:?}"
    );

    // A new process on the same database remembers what the first one sent.
    let second = Engine::new(
        app.pool().clone(),
        paused_chat(&fake),
        clock.clone(),
        app.jobs_changed(),
    );
    let mut second = second;
    let outcome = second.run_until_idle().await.unwrap();

    assert_eq!(fake.rate_limited_count(), 0, "Discord never had to say 429");
    assert_eq!(fake.messages_in(300).len(), 25, "every post once");
    assert_eq!(
        fake.calls_matching("POST", "/channels/300/messages").len(),
        26,
        "the interrupted post was repeated, and dropped by its nonce"
    );
    assert_eq!(outcome.sent, 21, "the interrupted one and the 20 not yet sent");
    assert!(states_of_reminders(&app, 25)
        .await
        .iter()
        .all(|s| *s == JobState::Sent));
}

#[tokio::test]
async fn a_429_in_one_channel_holds_up_no_other_and_its_post_follows_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock, fake) = reminders_due_at_six(dir.path(), &[300, 301, 302], |_| 1).await;
    fake.rate_limit_route("POST", "/channels/300/messages", 1, 3.0);
    let mut engine = Engine::new(app.pool().clone(), paused_chat(&fake), clock, app.jobs_changed());

    let first = engine.run_until_idle().await.unwrap();
    tokio::time::advance(std::time::Duration::from_secs(3)).await;
    let after_the_wait = engine.run_until_idle().await.unwrap();

    let at = |channel: &str| {
        let calls = fake.calls_matching("POST", channel);
        calls.iter().find(|c| c.status == 200).map(|c| c.at)
    };
    let (held, other, third) = (
        at("/channels/300/messages").unwrap(),
        at("/channels/301/messages").unwrap(),
        at("/channels/302/messages").unwrap(),
    );
    let first_429 = fake.calls_matching("POST", "/channels/300/messages")[0].at;
    assert!(
        held - first_429 >= std::time::Duration::from_secs(3),
        "waited out retry_after"
    );
    assert!(
        other < first_429 + std::time::Duration::from_secs(1),
        "301 was not held up"
    );
    assert!(
        third < first_429 + std::time::Duration::from_secs(1),
        "302 was not held up"
    );
    assert_eq!((first.sent, first.retried), (2, 1));
    assert_eq!(after_the_wait.sent, 1);
    assert_eq!(fake.rate_limited_count(), 1, "only the forced one");
    let job = hearth::store::jobs::get_by_key(app.pool(), "reminder:1:1h")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.attempts, 1, "a rate limit is not held against the job");
}

/// Edits for real, and once a drop-in's status edit saying "Open now" has reached
/// Discord, never returns: the process dies between that edit and its `sent` mark.
struct EditOpenThenHang {
    inner: DiscordChat,
    edited: Arc<Notify>,
}

impl ChatPort for EditOpenThenHang {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        self.inner.post(channel, message, nonce)
    }
    fn edit<'a>(&'a self, at: &'a MessageRef, message: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            self.inner.edit(at, message).await?;
            if message.to_plain_string().contains("Open now") {
                self.edited.notify_one();
                std::future::pending::<()>().await;
            }
            Ok(())
        })
    }
    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        self.inner.dm(user, message, nonce)
    }
    fn create_thread<'a>(&'a self, at: &'a MessageRef, name: &'a str) -> ChatFuture<'a, String> {
        self.inner.create_thread(at, name)
    }
}

#[tokio::test]
async fn a_crash_between_a_drop_ins_opening_edit_and_its_mark_shows_the_right_status_once_on_restart() {
    let fake = FakeDiscord::start().await;
    fake.add_channel(FakeDiscord::GUILD_ID, 300, "door");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hearth.db");
    let clock = ManualClock::new(utc(2026, 12, 1, 9, 0));
    let app = app_on_file(&db, clock.clone()).await;
    app.setup(
        &coordinator(),
        hearth::app::setup::SetupInput {
            timezone: Some(hearth::app::input::zone("Europe/London").unwrap()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.group_create(
        &coordinator(),
        hearth::app::groups::GroupCreate {
            name: "Open Door".into(),
            channel: "300".into(),
            kind: Some(hearth::domain::group::GroupKind::DropIn),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.dropin_hours_command(
        &coordinator(),
        "Open Door".into(),
        Some(vec![chrono::Weekday::Tue]),
        Some(chrono::NaiveTime::from_hms_opt(14, 0, 0).unwrap()),
        Some(chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap()),
        false,
    )
    .await
    .unwrap();
    let chat = DiscordChat::new("fake-token", Some(fake.base_url())).unwrap();
    let mut before = Engine::new(
        app.pool().clone(),
        Arc::new(chat),
        Arc::new(clock.clone()),
        app.jobs_changed(),
    );
    before.run_until_idle().await.unwrap();
    let status = hearth::store::jobs::get_by_key(app.pool(), "dropin-status:1")
        .await
        .unwrap()
        .unwrap();
    let message: u64 = status.delivered_message.clone().unwrap().parse().unwrap();
    let statuses = |fake: &FakeDiscord| {
        fake.messages_in(300)
            .iter()
            .filter(|m| {
                let text = m["embeds"][0]["description"].as_str().unwrap_or_default();
                text.contains("Open now") || text.contains("Closed")
            })
            .count()
    };
    assert_eq!(statuses(&fake), 1);

    // 14:00: the opening edit reaches Discord, then the process dies.
    clock.set(utc(2026, 12, 1, 14, 0));
    let edited = Arc::new(Notify::new());
    let hanging = EditOpenThenHang {
        inner: DiscordChat::new("fake-token", Some(fake.base_url())).unwrap(),
        edited: edited.clone(),
    };
    let mut first = Engine::new(
        app.pool().clone(),
        Arc::new(hanging),
        Arc::new(clock.clone()),
        app.jobs_changed(),
    );
    let crashed = tokio::spawn(async move { first.run_until_idle().await });
    edited.notified().await;
    crashed.abort();
    let _aborted = crashed.await;
    app.pool().close().await;

    // Restart at 14:05 on the same file.
    clock.set(utc(2026, 12, 1, 14, 5));
    let app = app_on_file(&db, clock.clone()).await;
    let chat = DiscordChat::new("fake-token", Some(fake.base_url())).unwrap();
    let mut second = Engine::new(
        app.pool().clone(),
        Arc::new(chat),
        Arc::new(clock),
        app.jobs_changed(),
    );
    second.run_until_idle().await.unwrap();

    let key = format!("dropin-edit:1:{}", utc(2026, 12, 1, 14, 0).timestamp());
    let job = hearth::store::jobs::get_by_key(app.pool(), &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Sent);
    let shown = fake.message(message).expect("the status is live");
    let text = shown["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(text.contains("Open now"), "{text}");
    assert_eq!(statuses(&fake), 1, "the status was edited, never posted again");
}
