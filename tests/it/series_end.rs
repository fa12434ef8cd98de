//! Ending a series (and archiving a group) against the fake Discord: the posted card
//! loses its buttons and says the session won't happen, the channel gets a notice,
//! members going get a DM, the session's jobs are dropped, and extending the series
//! again brings its sessions back with the answers members gave.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hearth::app::{Actor, App};
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::domain::role::Role;
use hearth::engine::Engine;
use serde_json::Value;

use crate::support::fake_discord::FakeDiscord;
use crate::support::{app_on_file, coordinator, group_with_meeting, text, COMMUNITY};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

const CHANNEL: u64 = 300;
const MEMBER: u64 = 501;

fn going_member() -> Actor {
    Actor {
        community_id: COMMUNITY.into(),
        user_id: MEMBER.to_string(),
        name: "Mo".into(),
        role: Role::Member,
    }
}

struct World {
    fake: FakeDiscord,
    app: App,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl World {
    /// A weekly Tuesday meeting from 3 March; on 4 March the card of 10 March
    /// (session 2) is up and Mo, who asked for DMs, is going to it.
    async fn card_up_and_mo_going() -> World {
        let fake = FakeDiscord::start().await;
        fake.add_channel(FakeDiscord::GUILD_ID, CHANNEL, "circle");
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc(2026, 3, 1, 9, 0));
        let app = app_on_file(&dir.path().join("hearth.db"), clock.clone()).await;
        group_with_meeting(
            &app,
            "Europe/London",
            "Circle",
            "300",
            "2026-03-03 18:30",
            "weekly",
        )
        .await;
        clock.set(utc(2026, 3, 4, 9, 0));
        app.roll_horizon().await.unwrap();
        let world = World {
            fake,
            app,
            clock,
            _dir: dir,
        };
        world.run().await;
        assert_eq!(world.card_of(2).map(|c| buttons(&c)), Some(3), "the card is up");
        world.app.reminders_dm(&going_member(), true).await.unwrap();
        world
            .app
            .rsvp(
                &going_member(),
                hearth::app::input::SessionId(2),
                hearth::domain::rsvp::RsvpState::Going,
                false,
            )
            .await
            .unwrap();
        world.run().await;
        world
    }

    /// Runs the dispatcher until nothing more is due, a few seconds on (card
    /// redraws wait a moment to gather changes).
    async fn run(&self) {
        self.clock.advance(Duration::seconds(10));
        let chat = DiscordChat::new("fake-token", Some(self.fake.base_url())).unwrap();
        let mut engine = Engine::new(
            self.app.pool().clone(),
            Arc::new(chat),
            Arc::new(self.clock.clone()),
            self.app.jobs_changed(),
        );
        engine.run_until_idle().await.unwrap();
    }

    fn card_of(&self, session: i64) -> Option<Value> {
        self.fake
            .messages_in(CHANNEL)
            .into_iter()
            .find(|m| embed_text(m).contains(&format!("Session #{session}")))
    }

    async fn pending_jobs_of(&self, session: i64) -> Vec<String> {
        sqlx::query_scalar("SELECT dedupe_key FROM job WHERE session_id = $1 AND state = 'pending'")
            .bind(session)
            .fetch_all(self.app.pool())
            .await
            .unwrap()
    }
}

fn embed_text(message: &Value) -> String {
    let embed = &message["embeds"][0];
    let title = embed["title"].as_str().unwrap_or_default();
    let description = embed["description"].as_str().unwrap_or_default();
    format!("{title}\n{description}")
}

fn buttons(message: &Value) -> usize {
    message["components"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| row["components"].as_array())
                .map(Vec::len)
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn ending_a_series_redraws_its_card_tells_the_channel_and_those_going_and_drops_its_jobs() {
    let world = World::card_up_and_mo_going().await;
    let dms_before = world.fake.dms_to(MEMBER).len();

    world
        .app
        .meeting_end(
            &coordinator(),
            hearth::app::input::SeriesId(1),
            Some(hearth::app::input::date("2026-03-05").unwrap()),
        )
        .await
        .unwrap();

    let pending = world.pending_jobs_of(2).await;
    assert!(
        pending.iter().all(|key| !key.starts_with("reminder:")),
        "its reminders are no longer next to post: {pending:?}"
    );
    world.run().await;
    let status = text(&world.app.status(&coordinator()).await.unwrap());
    assert!(
        !status.contains("for session #2") && !status.contains("for session #3"),
        "/status lists nothing of the ended sessions: {status}"
    );
    let card = world.card_of(2).expect("the card is still there");
    assert_eq!(buttons(&card), 0, "no Going/Maybe/Can't: {card}");
    assert!(
        embed_text(&card).contains("won't happen"),
        "{}",
        embed_text(&card)
    );
    let notices: Vec<String> = world
        .fake
        .messages_in(CHANNEL)
        .iter()
        .map(embed_text)
        .filter(|t| t.contains("won't happen") && !t.contains("Session #"))
        .collect();
    assert_eq!(notices.len(), 1, "one notice in the channel: {notices:?}");
    assert!(
        !notices[0].contains("Mo") && !notices[0].contains("<@"),
        "no names: {notices:?}"
    );
    let dms = world.fake.dms_to(MEMBER);
    assert_eq!(dms.len(), dms_before + 1, "Mo is told by DM");
    assert!(embed_text(&dms[dms.len() - 1]).contains("won't happen"));
    assert!(world.pending_jobs_of(2).await.is_empty());
}

#[tokio::test]
async fn extending_an_ended_series_brings_its_sessions_back_with_the_answers_members_gave() {
    let world = World::card_up_and_mo_going().await;
    world
        .app
        .meeting_end(
            &coordinator(),
            hearth::app::input::SeriesId(1),
            Some(hearth::app::input::date("2026-03-05").unwrap()),
        )
        .await
        .unwrap();
    world.run().await;
    let list = text(
        &world
            .app
            .meeting_list(&going_member(), None, Some(2))
            .await
            .unwrap(),
    );
    assert!(!list.contains("#2 "), "{list}");

    let said = text(
        &world
            .app
            .meeting_end(
                &coordinator(),
                hearth::app::input::SeriesId(1),
                Some(hearth::app::input::date("2026-12-31").unwrap()),
            )
            .await
            .unwrap(),
    );
    assert!(
        said.contains("sessions that had ended are back, with the answers members gave"),
        "{said}"
    );

    let mine = text(&world.app.my_sessions(&going_member()).await.unwrap());
    assert!(
        mine.contains("#2") && mine.contains("going"),
        "Mo is still going to session #2: {mine}"
    );
    let list = text(
        &world
            .app
            .meeting_list(&going_member(), None, Some(2))
            .await
            .unwrap(),
    );
    assert!(list.contains("#2 "), "{list}");
    let pending = world.pending_jobs_of(2).await;
    assert!(
        pending.iter().any(|key| key.starts_with("reminder:2:")),
        "{pending:?}"
    );
    world.run().await;
    let card = world.card_of(2).unwrap();
    assert_eq!(buttons(&card), 3, "the card takes answers again: {card}");
    assert!(embed_text(&card).contains("1 going"), "{}", embed_text(&card));
}

#[tokio::test]
async fn archiving_a_group_redraws_its_cards_and_tells_the_channel_and_those_going() {
    let world = World::card_up_and_mo_going().await;
    let dms_before = world.fake.dms_to(MEMBER).len();

    world.app.group_archive(&coordinator(), "Circle").await.unwrap();

    let waiting: Vec<String> = sqlx::query_scalar(
        "SELECT dedupe_key FROM job WHERE state = 'pending' AND kind NOT IN ('card-edit', 'cancellation', 'retention', 'events')",
    )
    .fetch_all(world.app.pool())
    .await
    .unwrap();
    assert!(
        waiting.is_empty(),
        "its reminders and cards are dropped: {waiting:?}"
    );
    world.run().await;
    let status = text(&world.app.status(&coordinator()).await.unwrap());
    assert!(status.contains("Nothing is waiting to be posted"), "{status}");
    // Yesterday's session (its card came too late to post) has nothing left to redraw.
    assert!(world.pending_jobs_of(1).await.is_empty());
    let card = world.card_of(2).unwrap();
    assert_eq!(buttons(&card), 0, "{card}");
    assert!(
        embed_text(&card).contains("won't happen"),
        "{}",
        embed_text(&card)
    );
    let notices = world
        .fake
        .messages_in(CHANNEL)
        .iter()
        .map(embed_text)
        .filter(|t| t.contains("won't happen: the group has closed") && !t.contains("Session #"))
        .count();
    assert_eq!(notices, 1);
    assert_eq!(world.fake.dms_to(MEMBER).len(), dms_before + 1);
}

#[tokio::test]
async fn ending_a_series_nobody_counts_on_yet_still_tells_the_channel_once() {
    let world = World::card_up_and_mo_going().await;

    // Session 2 (10 March) stays; 17 March onwards has no card up and nobody going.
    world
        .app
        .meeting_end(
            &coordinator(),
            hearth::app::input::SeriesId(1),
            Some(hearth::app::input::date("2026-03-12").unwrap()),
        )
        .await
        .unwrap();

    world.run().await;
    let notices: Vec<String> = world
        .fake
        .messages_in(CHANNEL)
        .iter()
        .map(embed_text)
        .filter(|t| t.contains("won't happen") && !t.contains("Session #"))
        .collect();
    assert_eq!(notices.len(), 1, "one notice, not one a week: {notices:?}");
    assert!(
        notices[0].contains("no more sessions of this series"),
        "{notices:?}"
    );
    let card = world.card_of(2).unwrap();
    assert_eq!(buttons(&card), 3, "session 2 goes ahead: {card}");
}
