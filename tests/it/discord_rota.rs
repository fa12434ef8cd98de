//! The rota end to end through the fake Discord: hearth's real bot answers slash
//! commands and button clicks while an `Engine` with the Discord chat port posts open
//! shifts, gap alerts and cards, on one app and one database file, on a hand-moved
//! clock. What these pin: an offer is posted with a Take shift button, a click takes
//! it and the card is redrawn with the new name; a declined shift nobody takes raises
//! one gap alert at 7 days and one at 2 days in the alerts channel; a facilitator who
//! is not a coordinator sees `/attendance show`; a non-member can't join the pool.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hearth::app::App;
use hearth::clock::{Clock, ManualClock};
use hearth::discord::chat::DiscordChat;
use hearth::engine::Engine;
use serde_json::Value;

use crate::support::app_on_file;
use crate::support::bot::{coordinator, is_problem, Bot};
use crate::support::fake_discord::{Actor, Answer, FakeDiscord, SlashCommand};

pub(crate) const CIRCLE: u64 = 301;
const ROTA: u64 = 302;
pub(crate) const ALERTS: u64 = 303;

/// Sunday 2026-03-01 09:00 UTC; the weekly meeting is on Wednesdays from 4 March.
fn sunday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

pub(crate) fn ash() -> Actor {
    Actor::member(51, "ash")
}

pub(crate) fn bo() -> Actor {
    Actor::member(52, "bo")
}

pub(crate) fn embed_text(message: &Value) -> String {
    let embed = &message["embeds"][0];
    let title = embed["title"].as_str().unwrap_or_default();
    let description = embed["description"].as_str().unwrap_or_default();
    format!("{title}\n{description}")
}

pub(crate) fn custom_ids(message: &Value) -> Vec<String> {
    let rows = message["components"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .filter_map(|row| row["components"].as_array())
        .flatten()
        .filter_map(|c| c["custom_id"].as_str())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn id_of(message: &Value) -> u64 {
    message["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a message id")
}

pub(crate) struct World {
    pub(crate) fake: Arc<FakeDiscord>,
    bot: Bot,
    engine: Engine,
    pub(crate) clock: ManualClock,
    pub(crate) app: App,
    _dir: tempfile::TempDir,
}

impl World {
    /// A community with an alerts channel, a weekly Wednesday group needing one
    /// facilitator, a rota channel, and `pool` in its pool (added before the meeting,
    /// so its sessions are filled as they are materialised).
    pub(crate) async fn with_pool(pool: &[&Actor]) -> World {
        let fake = Arc::new(FakeDiscord::start().await);
        for (id, name) in [(CIRCLE, "circle"), (ROTA, "rota"), (ALERTS, "alerts")] {
            fake.add_channel(FakeDiscord::GUILD_ID, id, name);
        }
        for (id, name) in [(51, "ash"), (52, "bo"), (42, "cora")] {
            fake.add_member(FakeDiscord::GUILD_ID, id, name, &[]);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = ManualClock::new(sunday_morning());
        let app = app_on_file(&dir.path().join("hearth.db"), clock.clone()).await;
        let bot = Bot::start(&fake, app.clone()).await;
        let chat = DiscordChat::new("fake-token", Some(fake.base_url())).expect("the HTTP client builds");
        let engine = Engine::new(
            app.pool().clone(),
            Arc::new(chat),
            Arc::new(clock.clone()),
            app.jobs_changed(),
        );
        let world = World {
            fake,
            bot,
            engine,
            clock,
            app,
            _dir: dir,
        };
        let mut commands = vec![
            SlashCommand::new("setup")
                .string("timezone", "Europe/London")
                .channel("alerts_channel", ALERTS),
            SlashCommand::new("group create")
                .string("name", "Wednesday Circle")
                .channel("channel", CIRCLE),
            SlashCommand::new("rota settings")
                .string("group", "Wednesday Circle")
                .channel("rota_channel", ROTA),
        ];
        for who in pool {
            commands.push(
                SlashCommand::new("rota facilitator add")
                    .string("group", "Wednesday Circle")
                    .user("user", who.user_id()),
            );
        }
        commands.push(
            SlashCommand::new("meeting add")
                .string("group", "Wednesday Circle")
                .string("when", "2026-03-04 18:30")
                .integer("repeat", 1),
        );
        for command in commands {
            let answer = world.fake.push_command(&coordinator(), command).await;
            assert!(!is_problem(&answer), "{answer:?}");
        }
        world
    }

    pub(crate) async fn run(&mut self) {
        self.engine.run_until_idle().await.expect("the dispatcher runs");
    }

    async fn after_seconds(&mut self, seconds: i64) {
        self.clock.advance(Duration::seconds(seconds));
        self.run().await;
    }

    pub(crate) async fn command(&self, who: &Actor, command: SlashCommand) -> Answer {
        self.fake.push_command(who, command).await
    }

    pub(crate) async fn stop(self) {
        self.bot.stop().await;
        self.app.pool().close().await;
    }
}

#[tokio::test]
async fn an_offer_is_posted_with_take_shift_and_one_click_takes_it_and_redraws_the_card() {
    let mut world = World::with_pool(&[&ash(), &bo()]).await;
    world.run().await;
    let cards = world.fake.messages_in(CIRCLE);
    assert_eq!(cards.len(), 1, "{cards:?}");
    let card = id_of(&cards[0]);
    assert!(
        embed_text(&cards[0]).contains("Facilitating: ash"),
        "{}",
        embed_text(&cards[0])
    );

    let offered = world
        .command(&ash(), SlashCommand::new("rota swap").string("session", "1"))
        .await;
    world.run().await;
    let posts = world.fake.messages_in(ROTA);
    assert!(!is_problem(&offered), "{offered:?}");
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        embed_text(&posts[0]).contains("Open shift"),
        "{}",
        embed_text(&posts[0])
    );
    assert_eq!(custom_ids(&posts[0]), ["rota-take:1"]);
    assert!(!embed_text(&posts[0]).contains("ash"), "the offer names nobody");

    let own = world
        .fake
        .push_button(&ash(), id_of(&posts[0]), "rota-take:1")
        .await;
    let taken = world
        .fake
        .push_button(&bo(), id_of(&posts[0]), "rota-take:1")
        .await;
    world.after_seconds(3).await;

    assert!(own.ephemeral && is_problem(&own), "{own:?}");
    assert!(own.embed_text().contains("your own offer"), "{own:?}");
    assert!(taken.ephemeral && !is_problem(&taken), "{taken:?}");
    assert!(taken.embed_text().contains("The shift is yours"), "{taken:?}");
    let shown = embed_text(&world.fake.message(card).expect("the card is live"));
    assert!(shown.contains("Facilitating: bo"), "{shown}");
    assert!(!shown.contains("ash"), "{shown}");
    let post = world.fake.message(id_of(&posts[0])).expect("the offer is live");
    assert!(embed_text(&post).contains("Shift taken"), "{}", embed_text(&post));
    assert!(custom_ids(&post).is_empty(), "its Take button is gone");
    let late = world
        .fake
        .push_button(&coordinator(), id_of(&posts[0]), "rota-take:1")
        .await;
    assert!(is_problem(&late), "{late:?}");
    let told = world.fake.dms_to(ash().user_id());
    assert!(
        told.iter()
            .any(|m| embed_text(m).contains("bo has taken your shift")),
        "{told:?}"
    );
    world.stop().await;
}

#[tokio::test]
async fn a_decline_nobody_takes_raises_one_gap_alert_at_7_days_and_one_at_2_days() {
    let mut world = World::with_pool(&[&ash()]).await;
    world.run().await;
    // Session 2 is Wednesday 11 March, 18:30 GMT: ten days away.
    let starts = Utc.with_ymd_and_hms(2026, 3, 11, 18, 30, 0).unwrap();

    let declined = world
        .command(&ash(), SlashCommand::new("rota decline").string("session", "2"))
        .await;
    let mut seen: Vec<(DateTime<Utc>, Value)> = Vec::new();
    while world.clock.now() < starts {
        world.after_seconds(3 * 3600).await;
        for message in world.fake.messages_in(ALERTS) {
            if !seen.iter().any(|(_, m)| m["id"] == message["id"]) {
                seen.push((world.clock.now(), message));
            }
        }
    }

    assert!(!is_problem(&declined), "{declined:?}");
    let about_two: Vec<&(DateTime<Utc>, Value)> = seen
        .iter()
        .filter(|(_, m)| embed_text(m).contains("Session #2"))
        .collect();
    assert_eq!(about_two.len(), 2, "{seen:?}");
    let first = starts - about_two[0].0;
    let second = starts - about_two[1].0;
    assert!(
        first <= Duration::days(7) && first > Duration::days(7) - Duration::hours(3),
        "{first}"
    );
    assert!(
        second <= Duration::days(2) && second > Duration::days(2) - Duration::hours(3),
        "{second}"
    );
    for (_, alert) in &about_two {
        assert!(
            embed_text(alert).contains("Facilitator needed"),
            "{}",
            embed_text(alert)
        );
        assert_eq!(custom_ids(alert), ["rota-take:2"]);
        assert!(!embed_text(alert).contains("<@"), "no mentions");
    }
    world.stop().await;
}

#[tokio::test]
async fn a_facilitator_who_is_not_a_coordinator_sees_attendance_and_a_member_does_not() {
    let mut world = World::with_pool(&[&ash()]).await;
    world.run().await;

    let facilitator = world
        .command(
            &ash(),
            SlashCommand::new("attendance show").string("session", "1"),
        )
        .await;
    let member = world
        .command(&bo(), SlashCommand::new("attendance show").string("session", "1"))
        .await;

    assert!(
        facilitator.ephemeral && !is_problem(&facilitator),
        "{facilitator:?}"
    );
    assert!(
        facilitator.embed_text().contains("Who's coming"),
        "{facilitator:?}"
    );
    assert!(is_problem(&member), "{member:?}");
    world.stop().await;
}

#[tokio::test]
async fn someone_who_is_not_a_member_of_the_server_cannot_join_the_pool() {
    let world = World::with_pool(&[]).await;

    let answer = world
        .command(
            &coordinator(),
            SlashCommand::new("rota facilitator add")
                .string("group", "Wednesday Circle")
                .user("user", 999),
        )
        .await;

    assert!(is_problem(&answer) && answer.ephemeral, "{answer:?}");
    assert!(answer.embed_text().contains("isn't a member"), "{answer:?}");
    let pool: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rota_facilitator")
        .fetch_one(world.app.pool())
        .await
        .expect("count");
    assert_eq!(pool, 0);
    world.stop().await;
}

#[tokio::test]
async fn a_gap_alert_is_edited_to_say_so_when_someone_takes_the_place() {
    let mut world = World::with_pool(&[&ash()]).await;
    world.run().await;
    world
        .command(&ash(), SlashCommand::new("rota decline").string("session", "2"))
        .await;
    // Into the 7-day window: the first alert goes out.
    world
        .clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 19, 0, 0).unwrap());
    world.run().await;
    let alerts = world.fake.messages_in(ALERTS);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let added = world
        .command(
            &coordinator(),
            SlashCommand::new("rota facilitator add")
                .string("group", "Wednesday Circle")
                .user("user", bo().user_id()),
        )
        .await;
    assert!(!is_problem(&added), "{added:?}");

    let taken = world
        .fake
        .push_button(&bo(), id_of(&alerts[0]), "rota-take:2")
        .await;
    world.after_seconds(3).await;

    assert!(taken.embed_text().contains("The shift is yours"), "{taken:?}");
    let edited = embed_text(&world.fake.message(id_of(&alerts[0])).expect("the alert is live"));
    assert!(edited.contains("Gap closed"), "{edited}");
    world.stop().await;
}

#[tokio::test]
async fn the_duty_notice_comes_by_dm_three_days_before_and_its_buttons_work_there() {
    let mut world = World::with_pool(&[&ash(), &bo()]).await;
    world.run().await;
    // Session 1 is Wednesday 4 March, 18:30 GMT: its notice is due on Sunday at 18:30.
    world
        .clock
        .set(Utc.with_ymd_and_hms(2026, 3, 1, 18, 31, 0).unwrap());
    world.run().await;

    let notices = world.fake.dms_to(ash().user_id());
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        embed_text(&notices[0]).contains("Your shift"),
        "{}",
        embed_text(&notices[0])
    );
    assert_eq!(custom_ids(&notices[0]), ["rota-confirm:1", "rota-decline:1"]);
    let in_dm = Actor::dm(51, "ash");
    let confirmed = world
        .fake
        .push_button(&in_dm, id_of(&notices[0]), "rota-confirm:1")
        .await;
    let not_yours = world
        .command(&bo(), SlashCommand::new("rota confirm").string("session", "1"))
        .await;

    assert!(!is_problem(&confirmed), "{confirmed:?}");
    assert!(confirmed.embed_text().contains("Confirmed"), "{confirmed:?}");
    let state: String =
        sqlx::query_scalar("SELECT state FROM rota_assignment WHERE session_id = 1 AND user_id = '51'")
            .fetch_one(world.app.pool())
            .await
            .expect("ash's shift");
    assert_eq!(state, "confirmed");
    assert!(is_problem(&not_yours), "{not_yours:?}");
    assert!(
        not_yours.embed_text().contains("isn't one of your shifts"),
        "{not_yours:?}"
    );
    world.stop().await;
}

#[tokio::test]
async fn ten_simultaneous_take_clicks_on_an_open_shift_make_one_new_facilitator() {
    let mut world = World::with_pool(&[&ash()]).await;
    let takers: Vec<Actor> = (0..10u64)
        .map(|i| Actor::member(700 + i, &format!("taker{i}")))
        .collect();
    for taker in &takers {
        world.fake.add_member(
            FakeDiscord::GUILD_ID,
            taker.user_id(),
            &format!("taker{}", taker.user_id() - 700),
            &[],
        );
        let added = world
            .command(
                &coordinator(),
                SlashCommand::new("rota facilitator add")
                    .string("group", "Wednesday Circle")
                    .user("user", taker.user_id()),
            )
            .await;
        assert!(!is_problem(&added), "{added:?}");
    }
    world
        .command(&ash(), SlashCommand::new("rota swap").string("session", "1"))
        .await;
    world.run().await;
    let offer = id_of(&world.fake.messages_in(ROTA)[0]);

    let mut clicks = tokio::task::JoinSet::new();
    for taker in takers {
        let fake = world.fake.clone();
        clicks.spawn(async move { fake.push_button(&taker, offer, "rota-take:1").await });
    }
    let answers = clicks.join_all().await;
    world.after_seconds(3).await;

    let won: Vec<&Answer> = answers.iter().filter(|a| !is_problem(a)).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(answers.iter().all(|a| a.ephemeral));
    for lost in answers.iter().filter(|a| is_problem(a)) {
        assert!(lost.embed_text().contains("just taken"), "{lost:?}");
    }
    let holders: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM rota_assignment WHERE session_id = 1 AND state != 'declined'",
    )
    .fetch_all(world.app.pool())
    .await
    .expect("holders");
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_ne!(holders[0], ash().user_id().to_string());
    world.stop().await;
}

#[tokio::test]
async fn a_cancelled_sessions_gap_alert_says_so_and_its_take_button_is_refused_kindly() {
    let mut world = World::with_pool(&[&ash()]).await;
    world.run().await;
    world
        .command(&ash(), SlashCommand::new("rota decline").string("session", "2"))
        .await;
    world
        .clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 19, 0, 0).unwrap());
    world.run().await;
    let alert = id_of(&world.fake.messages_in(ALERTS)[0]);

    let cancelled = world
        .command(
            &coordinator(),
            SlashCommand::new("meeting cancel").string("session", "2"),
        )
        .await;
    world.after_seconds(3).await;
    let take = world.fake.push_button(&ash(), alert, "rota-take:2").await;

    assert!(!is_problem(&cancelled), "{cancelled:?}");
    let shown = embed_text(&world.fake.message(alert).expect("the alert is live"));
    assert!(shown.contains("No longer needed"), "{shown}");
    assert!(is_problem(&take) && take.ephemeral, "{take:?}");
    assert!(take.embed_text().contains("was cancelled"), "{take:?}");
    world.stop().await;
}
