//! RSVP end to end through the fake Discord: hearth's real bot client answers the
//! clicks on a session card while an `Engine` with the Discord chat port posts and
//! edits that card, both on one app and one database file, on a hand-moved clock.
//! What these tests pin: the card's buttons and headcount (never names), ephemeral
//! answers to clicks, the card edited in place with bursts coalesced, the waitlist
//! promoted with its DM, and a kind sentence for a button of a session that is gone.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hearth::app::App;
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::engine::Engine;
use serde_json::Value;

use crate::support::app_on_file;
use crate::support::bot::{coordinator, is_problem, Bot};
use crate::support::fake_discord::{Actor, Answer, FakeDiscord, SlashCommand};

/// The group's channel.
const CIRCLE_CHANNEL_ID: u64 = 301;

/// Sunday 2026-03-01 09:00 UTC; the session is on Wednesday, inside the 7-day lead.
fn sunday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

// ----- the bot and the dispatcher under test -----

/// Everything one test drives: the fake, the bot, the dispatcher, the clock.
struct World {
    fake: Arc<FakeDiscord>,
    bot: Bot,
    engine: Engine,
    clock: ManualClock,
    app: App,
    _dir: tempfile::TempDir,
}

impl World {
    /// A fake Discord with `#circle`, the bot and an engine on one database file, and
    /// a coordinator's `/setup`, `/group create capacity:1` and a meeting on Wednesday.
    async fn with_a_one_place_group() -> World {
        let fake = Arc::new(FakeDiscord::start().await);
        fake.add_channel(FakeDiscord::GUILD_ID, CIRCLE_CHANNEL_ID, "circle");
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
        for command in [
            SlashCommand::new("setup").string("timezone", "Europe/London"),
            SlashCommand::new("group create")
                .string("name", "Tuesday Circle")
                .channel("channel", CIRCLE_CHANNEL_ID)
                .integer("capacity", 1),
            SlashCommand::new("meeting add")
                .string("group", "Tuesday Circle")
                .string("when", "2026-03-04 18:30"),
        ] {
            let answer = world.fake.push_command(&coordinator(), command).await;
            assert!(!is_problem(&answer), "{answer:?}");
        }
        world
    }

    /// Moves the clock on and lets the dispatcher deliver whatever is due.
    async fn after_seconds(&mut self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
        self.engine.run_until_idle().await.expect("the dispatcher runs");
    }

    /// Lets the dispatcher post the session card; returns its message id.
    async fn card_posted(&mut self) -> u64 {
        self.engine.run_until_idle().await.expect("the dispatcher runs");
        let posted = self.fake.messages_in(CIRCLE_CHANNEL_ID);
        assert_eq!(posted.len(), 1, "one card: {posted:?}");
        posted[0]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("a message id")
    }

    fn card(&self, id: u64) -> Value {
        self.fake.message(id).expect("the card is live")
    }

    /// The PATCHes (edits) of the card so far.
    fn card_edits(&self, id: u64) -> usize {
        let path = format!("/channels/{CIRCLE_CHANNEL_ID}/messages/{id}");
        let edits = self.fake.calls_matching("PATCH", &path);
        edits.iter().filter(|c| c.path == path).count()
    }

    /// The messages hearth posted into the channel itself (not interaction replies).
    fn channel_posts(&self) -> usize {
        let path = format!("/channels/{CIRCLE_CHANNEL_ID}/messages");
        let posts = self.fake.calls_matching("POST", &path);
        posts.iter().filter(|c| c.path == path).count()
    }

    async fn click(&self, who: &Actor, card: u64, button: &str) -> Answer {
        self.fake.push_button(who, card, button).await
    }

    async fn stop(self) {
        self.bot.stop().await;
        self.app.pool().close().await;
    }
}

/// Member A: takes the one place first.
fn zofia() -> Actor {
    Actor::member(51, "zofia")
}

/// Member B: comes second, waits, and is promoted.
fn quentin() -> Actor {
    Actor::member(52, "quentin")
}

/// A stored message's embed text (title and description).
fn embed_text(message: &Value) -> String {
    let embed = &message["embeds"][0];
    let title = embed["title"].as_str().unwrap_or_default();
    let description = embed["description"].as_str().unwrap_or_default();
    format!("{title}\n{description}")
}

/// A stored message's button custom ids, in order.
fn custom_ids(message: &Value) -> Vec<String> {
    let rows = message["components"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .filter_map(|row| row["components"].as_array())
        .flatten()
        .filter_map(|c| c["custom_id"].as_str())
        .map(str::to_owned)
        .collect()
}

// ----- the tests -----

#[tokio::test]
async fn the_card_is_posted_with_a_headcount_and_three_buttons_and_no_names() {
    let mut world = World::with_a_one_place_group().await;

    let card = world.card_posted().await;

    let posted = world.card(card);
    let shown = embed_text(&posted);
    assert!(shown.contains("Tuesday Circle"), "{shown}");
    assert!(shown.contains("0 going"), "{shown}");
    assert!(shown.contains("1 of 1 places left"), "{shown}");
    assert_eq!(
        custom_ids(&posted),
        ["rsvp-going:1", "rsvp-maybe:1", "rsvp-cant:1"]
    );
    for name in ["cora", "zofia", "quentin"] {
        assert!(!shown.contains(name), "{name} on the card: {shown}");
    }
    assert_eq!(
        posted["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "the card is public"
    );
    world.stop().await;
}

#[tokio::test]
async fn a_member_clicks_going_is_told_privately_and_the_card_is_edited_in_place() {
    let mut world = World::with_a_one_place_group().await;
    let card = world.card_posted().await;

    let going = world.click(&zofia(), card, "rsvp-going:1").await;
    world.after_seconds(3).await;

    assert_eq!(going.kind, 4, "answered at once: {going:?}");
    assert!(going.ephemeral, "{going:?}");
    assert!(going.embed_text().contains("You're going"), "{going:?}");
    assert_eq!(world.card_edits(card), 1, "{:?}", world.fake.call_summary());
    assert_eq!(world.channel_posts(), 1, "the card was edited, not posted again");
    let shown = embed_text(&world.card(card));
    assert!(shown.contains("1 going"), "{shown}");
    assert!(shown.contains("0 of 1 places left"), "{shown}");
    assert!(
        !shown.contains("zofia"),
        "a headcount group shows no names: {shown}"
    );
    assert_eq!(
        custom_ids(&world.card(card)),
        ["rsvp-going:1", "rsvp-maybe:1", "rsvp-cant:1"],
        "the edit keeps the buttons"
    );
    world.stop().await;
}

#[tokio::test]
async fn a_waitlisted_member_is_promoted_and_told_by_dm_when_a_place_frees() {
    let mut world = World::with_a_one_place_group().await;
    let card = world.card_posted().await;
    let dm_on = world
        .fake
        .push_command(&quentin(), SlashCommand::new("reminders dm on"))
        .await;
    assert!(!is_problem(&dm_on), "{dm_on:?}");
    world.click(&zofia(), card, "rsvp-going:1").await;

    let waiting = world.click(&quentin(), card, "rsvp-going:1").await;
    let cant = world.click(&zofia(), card, "rsvp-cant:1").await;
    world.after_seconds(3).await;
    let mine = world
        .fake
        .push_command(&quentin(), SlashCommand::new("my sessions"))
        .await;

    assert!(waiting.ephemeral, "{waiting:?}");
    assert!(
        waiting.embed_text().contains("waitlist (number 1)"),
        "{waiting:?}"
    );
    assert!(cant.ephemeral, "{cant:?}");
    assert!(
        cant.embed_text().contains("Thanks for letting us know"),
        "{cant:?}"
    );
    assert!(mine.ephemeral, "{mine:?}");
    assert!(mine.embed_text().contains("#1 Tuesday Circle"), "{mine:?}");
    assert!(mine.embed_text().ends_with("· going"), "{mine:?}");
    let dms = world.fake.dms_to(quentin().user_id());
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert!(embed_text(&dms[0]).contains("A place opened up"), "{dms:?}");
    assert!(world.fake.dms_to(zofia().user_id()).is_empty());
    let shown = embed_text(&world.card(card));
    assert!(shown.contains("1 going"), "{shown}");
    assert!(!shown.contains("waitlist"), "nobody waits now: {shown}");
    assert_eq!(world.channel_posts(), 1, "only the card was posted");
    world.stop().await;
}

#[tokio::test]
async fn twenty_clicks_in_the_same_second_make_at_most_a_couple_of_card_edits() {
    let mut world = World::with_a_one_place_group().await;
    let card = world.card_posted().await;

    let mut clicks = tokio::task::JoinSet::new();
    for i in 0..20u64 {
        let fake = world.fake.clone();
        clicks.spawn(async move {
            let member = Actor::member(600 + i, &format!("member{i}"));
            fake.push_button(&member, card, "rsvp-going:1").await
        });
    }
    let answers = clicks.join_all().await;
    world.after_seconds(3).await;

    assert!(
        answers.iter().all(|a| a.ephemeral && !is_problem(a)),
        "{answers:?}"
    );
    let edits = world.card_edits(card);
    assert!((1..=2).contains(&edits), "{edits} edits for 20 clicks");
    let shown = embed_text(&world.card(card));
    assert!(shown.contains("1 going · 19 on the waitlist"), "{shown}");
    assert_eq!(world.channel_posts(), 1);
    world.stop().await;
}

#[tokio::test]
async fn a_button_of_a_session_that_no_longer_exists_gets_a_kind_private_sentence() {
    let mut world = World::with_a_one_place_group().await;
    let card = world.card_posted().await;

    let answer = world.click(&zofia(), card, "rsvp-going:999").await;
    world.after_seconds(3).await;

    assert!(answer.ephemeral, "{answer:?}");
    assert!(is_problem(&answer), "{answer:?}");
    assert!(
        answer.embed_text().contains("There is no session #999"),
        "{answer:?}"
    );
    let answers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rsvp")
        .fetch_one(world.app.pool())
        .await
        .expect("count");
    assert_eq!(answers, 0, "nothing changed");
    assert_eq!(world.card_edits(card), 0);
    world.stop().await;
}
