//! Sessions as Discord scheduled events, end to end through the fake Discord: each
//! session's EXTERNAL event goes up with its card, moves with it and goes when it is
//! cancelled; hearth never holds more than `events.max_active` at once (nearest
//! first); a missing permission or a full server is said once and stops nothing else;
//! `events:no` takes a group's events down.

use std::sync::Arc;

use chrono::Weekday;
use chrono::{DateTime, Duration, TimeZone, Utc};
use hearth::app::groups::{GroupCreate, GroupEdit};
use hearth::app::input::SessionId;
use hearth::app::meetings::MeetingAdd;
use hearth::app::setup::SetupInput;
use hearth::app::{Actor, App};
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::domain::role::Role;
use hearth::engine::Engine;
use serde_json::Value;

use crate::support::fake_discord::FakeDiscord;
use crate::support::{app_on_file, text};

const CIRCLE: u64 = 300;
const ALERTS: u64 = 399;
const GUILD: u64 = FakeDiscord::GUILD_ID;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn cora() -> Actor {
    Actor {
        community_id: GUILD.to_string(),
        user_id: "42".into(),
        name: "Cora".into(),
        role: Role::Coordinator,
    }
}

fn mo() -> Actor {
    Actor {
        community_id: GUILD.to_string(),
        user_id: "501".into(),
        name: "Mo Member".into(),
        role: Role::Member,
    }
}

struct World {
    fake: FakeDiscord,
    app: App,
    clock: ManualClock,
    max_active: usize,
    _dir: tempfile::TempDir,
}

impl World {
    /// A community in the fake guild with an alerts channel, on 1 March 2026.
    async fn new(max_active: usize) -> World {
        let fake = FakeDiscord::start().await;
        fake.add_channel(GUILD, CIRCLE, "circle");
        fake.add_channel(GUILD, ALERTS, "alerts");
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc(2026, 3, 1, 9, 0));
        let app = app_on_file(&dir.path().join("hearth.db"), clock.clone()).await;
        app.setup(
            &cora(),
            SetupInput {
                timezone: Some(hearth::app::input::zone("Europe/London").unwrap()),
                alerts_channel: Some(ALERTS.to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        World {
            fake,
            app,
            clock,
            max_active,
            _dir: dir,
        }
    }

    async fn group(&self, name: &str, channel: u64, announce: Option<Duration>) {
        self.app
            .group_create(
                &cora(),
                GroupCreate {
                    name: name.into(),
                    channel: channel.to_string(),
                    description: Some("A peer-support group for anyone finding things hard".into()),
                    announce,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }

    async fn meeting(&self, group: &str, when: &str, days: Option<Vec<Weekday>>) {
        self.app
            .meeting_add(
                &cora(),
                MeetingAdd {
                    group: group.into(),
                    when: hearth::app::input::when(when).unwrap(),
                    repeat: Some(hearth::app::input::repeat("weekly").unwrap()),
                    days,
                    location: Some("The Old Library, Room 2".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }

    /// The dispatcher until nothing more is due, a few seconds on.
    async fn run(&self) -> hearth::engine::Outcome {
        self.clock.advance(Duration::seconds(10));
        let chat = DiscordChat::new("fake-token", Some(self.fake.base_url())).unwrap();
        let mut engine = Engine::new(
            self.app.pool().clone(),
            Arc::new(chat),
            Arc::new(self.clock.clone()),
            self.app.jobs_changed(),
        )
        .unpaced()
        .with_events_max_active(self.max_active);
        engine.run_until_idle().await.unwrap()
    }

    fn events(&self) -> Vec<Value> {
        self.fake.scheduled_events(GUILD)
    }

    fn cards_in(&self, channel: u64) -> usize {
        self.fake
            .messages_in(channel)
            .iter()
            .filter(|m| m["components"].as_array().is_some_and(|c| !c.is_empty()))
            .count()
    }

    async fn status(&self) -> String {
        text(&self.app.status(&cora()).await.unwrap())
    }
}

fn start_of(event: &Value) -> String {
    event["scheduled_start_time"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_sessions_external_event_goes_up_with_its_card_moves_with_it_and_goes_when_it_is_cancelled() {
    let world = World::new(50).await;
    world.group("Tuesday Circle", CIRCLE, None).await;
    world.meeting("Tuesday Circle", "2026-03-03 18:30", None).await;

    world.run().await;

    assert_eq!(world.cards_in(CIRCLE), 1, "the card of 3 March is up");
    let events = world.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["entity_type"], 3);
    assert!(event["channel_id"].is_null());
    assert_eq!(event["privacy_level"], 2);
    assert_eq!(event["name"], "Tuesday Circle");
    assert_eq!(event["entity_metadata"]["location"], "The Old Library, Room 2");
    assert_eq!(start_of(event), "2026-03-03T18:30:00Z");
    assert_eq!(event["scheduled_end_time"], "2026-03-03T20:00:00Z");
    assert!(
        event["description"].as_str().unwrap().contains("Session #1"),
        "{event}"
    );

    // An answer changes the card, not the event, which names no one.
    world
        .app
        .rsvp(&mo(), SessionId(1), hearth::domain::rsvp::RsvpState::Going, false)
        .await
        .unwrap();
    world.run().await;
    assert!(world
        .fake
        .calls_matching("PATCH", "/guilds/100/scheduled-events")
        .is_empty());
    assert!(
        !world.events()[0].to_string().contains("Mo Member"),
        "no attendee names"
    );

    // Moved: the same event, with the new times.
    world
        .app
        .meeting_move(
            &cora(),
            SessionId(1),
            hearth::app::input::when("2026-03-03 19:15").unwrap(),
        )
        .await
        .unwrap();
    world.run().await;
    let patches = world
        .fake
        .calls_matching("PATCH", "/guilds/100/scheduled-events/");
    assert_eq!(patches.len(), 1, "one update");
    let events = world.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["id"], event["id"], "the same event");
    assert_eq!(start_of(&events[0]), "2026-03-03T19:15:00Z");
    assert_eq!(events[0]["scheduled_end_time"], "2026-03-03T20:45:00Z");

    // Cancelled: the event goes.
    world
        .app
        .meeting_cancel(&cora(), SessionId(1), Some("Room flooded".into()))
        .await
        .unwrap();
    world.run().await;
    assert_eq!(
        world
            .fake
            .calls_matching("DELETE", "/guilds/100/scheduled-events/")
            .len(),
        1
    );
    assert!(world.events().is_empty());
}

#[tokio::test]
async fn with_200_sessions_announced_hearth_never_holds_more_than_max_active_events_nearest_first() {
    let world = World::new(50).await;
    let every_day = vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    // Seven daily groups, announced 30 days ahead: 210 cards up at once.
    for g in 0..7u64 {
        let channel = 310 + g;
        world.fake.add_channel(GUILD, channel, &format!("group-{g}"));
        let name = format!("Group {g}");
        world.group(&name, channel, Some(Duration::days(30))).await;
        let when = format!("2026-03-02 {:02}:00", 10 + g);
        world.meeting(&name, &when, Some(every_day.clone())).await;
    }

    world.run().await;

    let cards: usize = (310..317).map(|c| world.cards_in(c)).sum();
    assert!(cards >= 200, "{cards} cards up");
    let events = world.events();
    assert_eq!(events.len(), 50);
    assert!(
        world.fake.events_high_water(GUILD) <= 50,
        "at most max_active at any moment, far from Discord's 100: {}",
        world.fake.events_high_water(GUILD)
    );
    // The nearest 50: every session of 2–8 March (49) and the first of 9 March.
    let mut starts: Vec<String> = events.iter().map(start_of).collect();
    starts.sort();
    assert_eq!(starts.first().map(String::as_str), Some("2026-03-02T10:00:00Z"));
    assert_eq!(starts.last().map(String::as_str), Some("2026-03-09T10:00:00Z"));

    // The first session ends: its event goes and the next one's comes.
    world.clock.set(utc(2026, 3, 2, 11, 35));
    world.run().await;
    let mut starts: Vec<String> = world.events().iter().map(start_of).collect();
    starts.sort();
    assert_eq!(starts.len(), 50);
    assert_eq!(starts.first().map(String::as_str), Some("2026-03-02T11:00:00Z"));
    assert_eq!(starts.last().map(String::as_str), Some("2026-03-09T11:00:00Z"));
    assert!(world.fake.events_high_water(GUILD) <= 50);
    let status = world.status().await;
    assert!(
        status.contains("50 sessions in the server's Events tab (at most 50"),
        "{status}"
    );
}

#[tokio::test]
async fn a_nearer_session_at_a_full_cap_pushes_out_the_farthest() {
    let world = World::new(3).await;
    world
        .group("Tuesday Circle", CIRCLE, Some(Duration::days(30)))
        .await;
    world.meeting("Tuesday Circle", "2026-03-10 18:30", None).await;
    world.run().await;
    let mut starts: Vec<String> = world.events().iter().map(start_of).collect();
    starts.sort();
    assert_eq!(
        starts,
        [
            "2026-03-10T18:30:00Z",
            "2026-03-17T18:30:00Z",
            "2026-03-24T18:30:00Z"
        ]
    );

    world.meeting("Tuesday Circle", "2026-03-05 12:00", None).await;
    world.run().await;

    let mut starts: Vec<String> = world.events().iter().map(start_of).collect();
    starts.sort();
    assert_eq!(
        starts,
        [
            "2026-03-05T12:00:00Z",
            "2026-03-10T18:30:00Z",
            "2026-03-12T12:00:00Z"
        ]
    );
    assert!(world.fake.events_high_water(GUILD) <= 3);
}

#[tokio::test]
async fn a_missing_permission_is_alerted_once_shown_in_status_and_stops_no_card() {
    let world = World::new(50).await;
    world.fake.deny_events(GUILD, true);
    world
        .group("Tuesday Circle", CIRCLE, Some(Duration::days(14)))
        .await;
    world.meeting("Tuesday Circle", "2026-03-03 18:30", None).await;

    world.run().await;
    // More cards and a move: each tries again, and is refused again.
    world.clock.set(utc(2026, 3, 3, 19, 0));
    world.run().await;
    world
        .app
        .meeting_move(
            &cora(),
            SessionId(2),
            hearth::app::input::when("2026-03-10 19:00").unwrap(),
        )
        .await
        .unwrap();
    world.run().await;

    assert!(world.cards_in(CIRCLE) >= 2, "cards go on");
    assert!(world.events().is_empty());
    assert!(
        world
            .fake
            .calls_matching("POST", "/guilds/100/scheduled-events")
            .len()
            >= 2
    );
    let alerts: Vec<Value> = world
        .fake
        .messages_in(ALERTS)
        .into_iter()
        .filter(|m| m.to_string().contains("server's Events"))
        .collect();
    assert_eq!(alerts.len(), 1, "said once: {alerts:?}");
    assert!(alerts[0].to_string().contains("Create Events"), "{}", alerts[0]);
    let status = world.status().await;
    assert!(status.contains("Server events: refused since"), "{status}");
    assert!(status.contains("Manage Events"), "{status}");

    // Given back: the next change goes through and the status says so.
    world.fake.deny_events(GUILD, false);
    world
        .app
        .meeting_move(
            &cora(),
            SessionId(2),
            hearth::app::input::when("2026-03-10 18:45").unwrap(),
        )
        .await
        .unwrap();
    world.run().await;
    assert!(!world.events().is_empty());
    let status = world.status().await;
    assert!(!status.contains("refused"), "{status}");
}

#[tokio::test]
async fn a_server_full_of_its_own_events_is_told_kindly_and_cards_go_on() {
    let world = World::new(50).await;
    world.fake.add_foreign_events(GUILD, 100);
    world.group("Tuesday Circle", CIRCLE, None).await;
    world.meeting("Tuesday Circle", "2026-03-03 18:30", None).await;

    world.run().await;

    assert_eq!(world.cards_in(CIRCLE), 1);
    assert_eq!(world.events().len(), 100, "none of hearth's went in");
    let alerts: Vec<Value> = world
        .fake
        .messages_in(ALERTS)
        .into_iter()
        .filter(|m| m.to_string().contains("server's Events"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].to_string().contains("100 scheduled events"),
        "{}",
        alerts[0]
    );
    assert!(world.status().await.contains("100 scheduled events"));
}

#[tokio::test]
async fn events_no_takes_a_groups_events_down_and_puts_none_up() {
    let world = World::new(50).await;
    world.group("Tuesday Circle", CIRCLE, None).await;
    world.meeting("Tuesday Circle", "2026-03-03 18:30", None).await;
    world.group("Quiet Room", 320, None).await;
    world.fake.add_channel(GUILD, 320, "quiet");
    world
        .app
        .group_edit(
            &cora(),
            GroupEdit {
                group: "Quiet Room".into(),
                events: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    world.meeting("Quiet Room", "2026-03-04 12:00", None).await;
    world.run().await;
    assert_eq!(world.cards_in(320), 1, "its card is up");
    let events = world.events();
    assert_eq!(events.len(), 1, "only Tuesday Circle's: {events:?}");
    assert_eq!(events[0]["name"], "Tuesday Circle");

    let reply = world
        .app
        .group_edit(
            &cora(),
            GroupEdit {
                group: "Tuesday Circle".into(),
                events: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        text(&reply).contains("no longer show in the server's Events"),
        "{}",
        text(&reply)
    );
    world.run().await;

    assert!(world.events().is_empty());
    assert_eq!(world.cards_in(CIRCLE), 1, "the card stays");
}

#[tokio::test]
async fn the_store_keeps_one_event_per_session_and_a_refusals_first_moment() {
    let world = World::new(50).await;
    let pool = world.app.pool();
    let now = utc(2026, 3, 1, 9, 0);
    let community = GUILD.to_string();

    hearth::store::events::set(pool, &community, 7, "e1", "f1", now)
        .await
        .unwrap();
    hearth::store::events::set(pool, &community, 7, "e1", "f2", now)
        .await
        .unwrap();
    assert_eq!(hearth::store::events::count(pool, &community).await.unwrap(), 1);
    assert_eq!(
        hearth::store::events::event_of(pool, 7).await.unwrap().as_deref(),
        Some("e1")
    );
    let mut conn = pool.acquire().await.unwrap();
    let mirrors = hearth::store::events::mirrors(&mut conn, &community, 50, now)
        .await
        .unwrap();
    assert_eq!(mirrors.len(), 1);
    assert_eq!(mirrors[0].session, None, "its session no longer exists");
    assert_eq!(mirrors[0].event, Some(("e1".into(), "f2".into())));

    use hearth::domain::event::EventProblem;
    let first = hearth::store::events::set_problem(&mut conn, &community, EventProblem::Permission, "a", now)
        .await
        .unwrap();
    let later = now + Duration::hours(1);
    let again =
        hearth::store::events::set_problem(&mut conn, &community, EventProblem::Permission, "b", later)
            .await
            .unwrap();
    assert_eq!(first.since, now);
    assert_eq!(again.since, now, "the same refusal keeps its first moment");
    let other = hearth::store::events::set_problem(&mut conn, &community, EventProblem::Limit, "c", later)
        .await
        .unwrap();
    assert_eq!(other.since, later, "a different one starts afresh");
    hearth::store::events::clear_problem(&mut *conn, &community)
        .await
        .unwrap();
    assert_eq!(
        hearth::store::events::problem(&mut *conn, &community)
            .await
            .unwrap(),
        None
    );

    hearth::store::events::clear(&mut *conn, 7).await.unwrap();
    assert_eq!(
        hearth::store::events::count(&mut *conn, &community)
            .await
            .unwrap(),
        0
    );
}
