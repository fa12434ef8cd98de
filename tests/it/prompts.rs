//! Check-in prompts end to end through the fake Discord: hearth's real bot answers
//! the `/prompts` commands, the form and the review buttons, while an `Engine` with the
//! Discord chat port posts the prompts, on one app and one database file, on a
//! hand-moved clock. What these tests pin: a cron schedule keeps its local time across
//! a clock change and opens its thread; a member's suggestion goes through the form,
//! waits, is approved by button and is drawn later without the member's name; and an
//! outage posts one prompt, not one per missed tick.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hearth::app::App;
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::domain::job::JobState;
use hearth::engine::Engine;
use serde_json::Value;

use crate::support::app_on_file;
use crate::support::bot::{colour, Bot, PROBLEM_COLOUR, WAIT};
use crate::support::fake_discord::{Actor, Answer, FakeDiscord, SlashCommand};

/// The group's channel, and the community's alerts channel.
const CIRCLE_CHANNEL_ID: u64 = 401;
const ALERTS_CHANNEL_ID: u64 = 402;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

struct World {
    fake: Arc<FakeDiscord>,
    bot: Bot,
    engine: Engine,
    clock: ManualClock,
    app: App,
    _dir: tempfile::TempDir,
}

impl World {
    /// The fake with `#circle` and `#alerts`, the bot and an engine on one file, and
    /// `/setup` (London, alerts channel) and `/group create` done by a coordinator.
    async fn at(start: DateTime<Utc>) -> World {
        let fake = Arc::new(FakeDiscord::start().await);
        fake.add_channel(FakeDiscord::GUILD_ID, CIRCLE_CHANNEL_ID, "circle");
        fake.add_channel(FakeDiscord::GUILD_ID, ALERTS_CHANNEL_ID, "alerts");
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = ManualClock::new(start);
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
        world
            .ok(
                &coordinator(),
                SlashCommand::new("setup")
                    .string("timezone", "Europe/London")
                    .channel("alerts_channel", ALERTS_CHANNEL_ID),
            )
            .await;
        world
            .ok(
                &coordinator(),
                SlashCommand::new("group create")
                    .string("name", "Tuesday Circle")
                    .channel("channel", CIRCLE_CHANNEL_ID),
            )
            .await;
        world
    }

    /// A command that must succeed.
    async fn ok(&self, who: &Actor, command: SlashCommand) -> Answer {
        let answer = self.fake.push_command(who, command).await;
        assert!(!is_problem(&answer), "{answer:?}");
        answer
    }

    /// Moves the clock to `at` and lets the dispatcher deliver whatever is due.
    async fn run_at(&mut self, at: DateTime<Utc>) {
        self.clock.set(at);
        self.engine.run_until_idle().await.expect("the dispatcher runs");
    }

    /// The prompts posted in `#circle` so far, as embed text.
    fn prompts(&self) -> Vec<String> {
        self.fake
            .messages_in(CIRCLE_CHANNEL_ID)
            .iter()
            .map(embed_text)
            .filter(|text| text.starts_with("Check-in"))
            .collect()
    }

    async fn stop(self) {
        self.bot.stop().await;
        self.app.pool().close().await;
    }
}

/// Someone with Manage Server.
fn coordinator() -> Actor {
    Actor::member(42, "cora").permissions(FakeDiscord::MEMBER_PERMISSIONS | FakeDiscord::MANAGE_GUILD)
}

/// A member with no roles.
fn member() -> Actor {
    Actor::member(43, "marguerite")
}

fn is_problem(answer: &Answer) -> bool {
    colour(answer) == Some(PROBLEM_COLOUR)
}

fn embed_text(message: &Value) -> String {
    let embed = &message["embeds"][0];
    let title = embed["title"].as_str().unwrap_or_default();
    let description = embed["description"].as_str().unwrap_or_default();
    format!("{title}\n{description}")
}

fn schedule(cron: &str, thread: bool) -> SlashCommand {
    SlashCommand::new("prompts schedule")
        .string("group", "Tuesday Circle")
        .string("cron", cron)
        .boolean("thread", thread)
}

fn add(text: &str) -> SlashCommand {
    SlashCommand::new("prompts add")
        .string("group", "Tuesday Circle")
        .string("text", text)
}

#[tokio::test]
async fn a_weekly_prompt_is_posted_in_its_thread_at_19_00_local_on_the_monday_after_the_clocks_change() {
    // Saturday 28 March 2026; the clocks go forward on Sunday the 29th.
    let mut world = World::at(utc(2026, 3, 28, 12, 0)).await;
    world
        .ok(
            &coordinator(),
            add("What's one small thing that went okay this week?"),
        )
        .await;
    let scheduled = world.ok(&coordinator(), schedule("0 19 * * MON", true)).await;
    // 19:00 BST is 18:00 UTC: Discord's timestamp for it.
    let nineteen_bst = utc(2026, 3, 30, 18, 0);
    assert!(
        scheduled
            .embed_text()
            .contains(&format!("<t:{}:F>", nineteen_bst.timestamp())),
        "{}",
        scheduled.embed_text()
    );

    world.run_at(nineteen_bst - Duration::seconds(1)).await;
    assert!(world.prompts().is_empty(), "not before 19:00 local");
    world.run_at(nineteen_bst).await;

    let posted = world.fake.messages_in(CIRCLE_CHANNEL_ID);
    assert_eq!(posted.len(), 1, "{posted:?}");
    let text = embed_text(&posted[0]);
    assert!(
        text.contains("What's one small thing that went okay this week?"),
        "{text}"
    );
    assert!(text.contains("pass"), "easy to pass on: {text}");
    assert!(!text.contains('@'), "no mentions: {text}");
    let message_id: u64 = posted[0]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id");
    let thread = world.fake.channel(message_id).expect("a thread on the post");
    assert_eq!(thread.kind, 11, "a public thread");
    assert_eq!(thread.parent_id, Some(CIRCLE_CHANNEL_ID));
    assert_eq!(thread.name, "Check-in · Mon 30 Mar");
    let opened = world.fake.calls_matching(
        "POST",
        &format!("/channels/{CIRCLE_CHANNEL_ID}/messages/{message_id}/threads"),
    );
    assert_eq!(opened.len(), 1);
    assert_eq!(
        opened[0]
            .body
            .as_ref()
            .and_then(|b| b["auto_archive_duration"].as_u64()),
        Some(1440),
        "archived after a day"
    );
    let next = hearth::store::jobs::with_prefix(world.app.pool(), "prompt:1:", 1)
        .await
        .expect("jobs")
        .remove(0);
    assert_eq!(next.due_at, utc(2026, 4, 6, 18, 0), "the next Monday, 19:00 BST");
    assert_eq!(next.state, JobState::Pending);
    world.stop().await;
}

#[tokio::test]
async fn a_members_suggestion_goes_through_the_form_waits_is_approved_by_button_and_is_drawn_later_unnamed() {
    let mut world = World::at(utc(2026, 3, 2, 9, 30)).await;
    world
        .ok(&coordinator(), add("What's a small comfort this week?"))
        .await;
    world.ok(&coordinator(), schedule("0 * * * *", false)).await;

    // The member asks to suggest one: a form opens, and they send it.
    let form = world
        .fake
        .push_command(
            &member(),
            SlashCommand::new("prompts submit").string("group", "Tuesday Circle"),
        )
        .await;
    assert_eq!(form.kind, 9, "a modal: {form:?}");
    let form_id = form.raw["data"]["custom_id"]
        .as_str()
        .expect("the form's id")
        .to_owned();
    world
        .fake
        .push_modal_submit(
            &member(),
            &form_id,
            &[("text", "What song has kept you company lately?")],
        )
        .await;
    let fake = world.fake.clone();
    assert!(
        // The thanks is a follow-up to the command the form came from.
        fake.wait_for(|f| !f.interaction_messages(&form).is_empty(), WAIT)
            .await,
        "the member is thanked"
    );
    let thanks = embed_text(&world.fake.interaction_messages(&form)[0]);
    assert!(thanks.contains("Thank you"), "{thanks}");

    // Pending: not drawn by the next tick, whatever the bag says.
    world.run_at(utc(2026, 3, 2, 10, 0)).await;
    assert_eq!(world.prompts().len(), 1);
    assert!(
        !world.prompts()[0].contains("song"),
        "a pending prompt is not posted"
    );

    // The review shows it with Approve / Reject; a member pressing Approve is refused.
    let review = world
        .ok(
            &coordinator(),
            SlashCommand::new("prompts review").string("group", "Tuesday Circle"),
        )
        .await;
    assert!(review.ephemeral);
    assert!(review
        .embed_text()
        .contains("What song has kept you company lately?"));
    assert_eq!(review.custom_ids(), vec!["prompt-approve:2", "prompt-reject:2"]);
    let review_message = review.message_id.expect("the review's message");
    let refused = world
        .fake
        .push_button(&member(), review_message, "prompt-approve:2")
        .await;
    assert!(is_problem(&refused) && refused.ephemeral, "{refused:?}");
    assert!(
        refused.embed_text().contains("Only a facilitator"),
        "{}",
        refused.embed_text()
    );

    let approved = world
        .fake
        .push_button(&coordinator(), review_message, "prompt-approve:2")
        .await;
    assert!(!is_problem(&approved) && approved.ephemeral, "{approved:?}");
    let twice = world
        .fake
        .push_button(&coordinator(), review_message, "prompt-approve:2")
        .await;
    assert!(
        twice.embed_text().contains("already been reviewed"),
        "{}",
        twice.embed_text()
    );

    // Told privately, once.
    world.run_at(utc(2026, 3, 2, 10, 5)).await;
    let dms = world.fake.dms_to(member().user_id());
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert!(embed_text(&dms[0]).contains("What song has kept you company lately?"));

    // Drawn in a later tick (it joined the current round), never with the member's name.
    world.run_at(utc(2026, 3, 2, 11, 0)).await;
    world.run_at(utc(2026, 3, 2, 12, 0)).await;
    let posted = world.prompts();
    assert_eq!(posted.len(), 3, "{posted:?}");
    assert!(
        posted[1..]
            .iter()
            .any(|p| p.contains("What song has kept you company lately?")),
        "{posted:?}"
    );
    for prompt in &posted {
        assert!(
            !prompt.contains("marguerite") && !prompt.contains("<@") && !prompt.contains("43"),
            "the member is not named: {prompt}"
        );
    }
    world.stop().await;
}

#[tokio::test]
async fn a_five_hour_outage_posts_one_prompt_not_five_and_a_stale_one_is_skipped_with_the_reason() {
    let mut world = World::at(utc(2026, 3, 2, 9, 30)).await;
    world
        .ok(
            &coordinator(),
            SlashCommand::new("prompts use-default")
                .string("group", "Tuesday Circle")
                .boolean("use", true),
        )
        .await;
    world.ok(&coordinator(), schedule("0 * * * *", false)).await;
    world.run_at(utc(2026, 3, 2, 10, 0)).await;
    assert_eq!(world.prompts().len(), 1);

    // hearth is down from 10:01 to 15:30: the 11:00 to 15:00 ticks are missed.
    world.run_at(utc(2026, 3, 2, 15, 30)).await;
    assert_eq!(world.prompts().len(), 2, "one post for five missed ticks");
    world.run_at(utc(2026, 3, 2, 16, 0)).await;
    assert_eq!(world.prompts().len(), 3, "and the schedule carries on");

    // A daily one missed by more than two hours is not posted late.
    world.ok(&coordinator(), schedule("0 9 * * *", false)).await;
    world.run_at(utc(2026, 3, 3, 11, 30)).await;
    assert_eq!(world.prompts().len(), 3, "09:00 was 2.5 hours ago");
    let status = world.ok(&coordinator(), SlashCommand::new("status")).await;
    assert!(
        status.embed_text().contains("more than 2 hours ago"),
        "{}",
        status.embed_text()
    );
    world.run_at(utc(2026, 3, 4, 9, 0)).await;
    assert_eq!(world.prompts().len(), 4, "the next day's goes out");
    world.stop().await;
}

#[tokio::test]
async fn an_empty_deck_at_a_tick_is_skipped_with_the_reason_and_one_note_in_the_alerts_channel() {
    let mut world = World::at(utc(2026, 3, 2, 9, 30)).await;
    world.ok(&coordinator(), schedule("0 * * * *", false)).await;

    world.run_at(utc(2026, 3, 2, 10, 0)).await;
    world.run_at(utc(2026, 3, 2, 11, 0)).await;

    assert!(world.prompts().is_empty());
    let notes = world.fake.messages_in(ALERTS_CHANNEL_ID);
    assert_eq!(notes.len(), 1, "one note, not one per tick: {notes:?}");
    assert!(embed_text(&notes[0]).contains("no approved prompts"));
    let status = world.ok(&coordinator(), SlashCommand::new("status")).await;
    assert!(
        status.embed_text().contains("The deck has no approved prompts"),
        "{}",
        status.embed_text()
    );
    world.stop().await;
}

#[tokio::test]
async fn bad_schedules_and_submissions_get_a_clear_private_sentence_and_change_nothing() {
    let world = World::at(utc(2026, 3, 2, 9, 30)).await;
    for (cron, says) in [
        ("0 0 19 * * MON", "5-field"),
        ("0 19 ? * MON", "Quartz"),
        ("0 25 * * MON", "The hour field"),
        ("*/15 * * * *", "at most once an hour"),
    ] {
        let answer = world
            .fake
            .push_command(&coordinator(), schedule(cron, false))
            .await;
        assert!(is_problem(&answer) && answer.ephemeral, "{cron}: {answer:?}");
        assert!(
            answer.embed_text().contains(says),
            "{cron}: {}",
            answer.embed_text()
        );
    }
    let long = "x".repeat(301);
    let answer = world
        .fake
        .push_command(
            &member(),
            SlashCommand::new("prompts submit")
                .string("group", "Tuesday Circle")
                .string("text", &long),
        )
        .await;
    assert!(is_problem(&answer), "{answer:?}");
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM prompt")
        .fetch_one(world.app.pool())
        .await
        .expect("count");
    assert_eq!(pending, 0);
    let schedules: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM prompt_schedule")
        .fetch_one(world.app.pool())
        .await
        .expect("count");
    assert_eq!(schedules, 0);

    world
        .ok(
            &coordinator(),
            SlashCommand::new("group archive").string("group", "Tuesday Circle"),
        )
        .await;
    let archived = world
        .fake
        .push_command(
            &member(),
            SlashCommand::new("prompts submit")
                .string("group", "Tuesday Circle")
                .string("text", "What went well?"),
        )
        .await;
    assert!(is_problem(&archived) && archived.ephemeral, "{archived:?}");
    assert!(
        archived.embed_text().contains("archived"),
        "{}",
        archived.embed_text()
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM prompt")
        .fetch_one(world.app.pool())
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing changed");
    world.stop().await;
}

// ----- at:session-start, through the app and a recording chat -----

mod session_start {
    use std::sync::Arc;

    use hearth::app::input;
    use hearth::app::prompts::PromptSchedule;
    use hearth::engine::Engine;

    use super::utc;
    use crate::support::recording_chat::RecordingChat;
    use crate::support::{coordinator, group_with_meeting, spawn_app};

    #[tokio::test]
    async fn a_session_start_prompt_is_posted_as_each_session_starts_and_a_cancelled_one_is_skipped() {
        let t = spawn_app(utc(2026, 3, 1, 9, 0)).await;
        group_with_meeting(
            &t.app,
            "Europe/London",
            "Circle",
            "#circle",
            "2026-03-03 18:30",
            "weekly",
        )
        .await;
        let cora = coordinator();
        t.app
            .prompts_add(&cora, "Circle", "What's one small thing that went okay?", None)
            .await
            .expect("added");
        t.app
            .prompts_schedule(
                &cora,
                PromptSchedule {
                    group: "Circle".into(),
                    timing: input::at("session-start").expect("read"),
                    thread: false,
                },
            )
            .await
            .expect("scheduled");
        // The second session (#2, 10 March) is cancelled.
        t.app
            .meeting_cancel(&cora, input::session("2").expect("read"), None)
            .await
            .expect("cancelled");
        let clock: Arc<dyn hearth::clock::Clock> = Arc::new(t.clock.clone());
        let (chat, mut deliveries) = RecordingChat::new(clock.clone());
        let mut engine = Engine::new(t.app.pool().clone(), chat, clock, t.app.jobs_changed());

        let mut prompts = Vec::new();
        for day in [3, 10, 17] {
            t.clock.set(utc(2026, 3, day, 18, 30));
            engine.run_until_idle().await.expect("the dispatcher runs");
            while let Ok(delivery) = deliveries.try_recv() {
                if delivery.text.starts_with("Check-in") {
                    prompts.push(delivery);
                }
            }
        }

        let at: Vec<_> = prompts.iter().map(|p| p.at).collect();
        assert_eq!(
            at,
            vec![utc(2026, 3, 3, 18, 30), utc(2026, 3, 17, 18, 30)],
            "{prompts:?}"
        );
        assert!(prompts[0].text.contains("#1"), "{}", prompts[0].text);
        assert!(prompts[1].text.contains("#3"), "{}", prompts[1].text);
    }

    #[tokio::test]
    async fn a_member_of_the_groups_rota_pool_reviews_its_prompts_as_a_facilitator() {
        let t = spawn_app(utc(2026, 3, 2, 9, 0)).await;
        group_with_meeting(
            &t.app,
            "Europe/London",
            "Circle",
            "#circle",
            "2026-03-03 18:30",
            "weekly",
        )
        .await;
        let cora = coordinator();
        let fen = crate::support::actor("Fen", hearth::domain::role::Role::Member);
        let mo = crate::support::member();
        t.app
            .prompts_submit(&mo, "Circle", "What made you smile?", None)
            .await
            .expect("submitted");
        let before = t.app.prompts_review(&fen, "Circle").await;
        assert!(before.is_err(), "not yet in the pool");
        let person = hearth::app::rota::Person {
            user_id: fen.user_id.clone(),
            name: fen.name.clone(),
            member: true,
        };
        t.app
            .rota_facilitator_add(&cora, "Circle", person, false, None)
            .await
            .expect("in the pool");
        let review = t
            .app
            .prompts_review(&fen, "Circle")
            .await
            .expect("a facilitator of Circle");
        assert_eq!(review.buttons.len(), 2);
        t.app
            .prompts_review_click(
                &fen,
                input::prompt("1").expect("read"),
                hearth::app::prompts::Review::Approve,
            )
            .await
            .expect("approved");
    }

    #[tokio::test]
    async fn now_posts_at_once_from_the_same_rotation_and_retired_or_default_off_prompts_never_come_up() {
        let t = spawn_app(utc(2026, 3, 2, 9, 0)).await;
        group_with_meeting(
            &t.app,
            "Europe/London",
            "Circle",
            "#circle",
            "2026-03-03 18:30",
            "weekly",
        )
        .await;
        let cora = coordinator();
        t.app
            .prompts_use_default(&cora, "Circle", true)
            .await
            .expect("defaults in");
        t.app
            .prompts_add(&cora, "Circle", "Our own question?", None)
            .await
            .expect("added");
        // Retire one default, then take the defaults out again: only the group's own is left.
        t.app
            .prompts_retire(&cora, input::prompt("1").expect("read"))
            .await
            .expect("retired");
        t.app
            .prompts_use_default(&cora, "Circle", false)
            .await
            .expect("defaults out");
        let member = crate::support::member();
        let refused = t.app.prompts_now(&member, "Circle").await;
        assert!(refused.is_err(), "a member can't post a prompt now");
        let clock: Arc<dyn hearth::clock::Clock> = Arc::new(t.clock.clone());
        let (chat, mut deliveries) = RecordingChat::new(clock.clone());
        let mut engine = Engine::new(t.app.pool().clone(), chat, clock, t.app.jobs_changed());
        t.app.prompts_now(&cora, "Circle").await.expect("now");
        t.app.prompts_now(&cora, "Circle").await.expect("a double press");
        engine.run_until_idle().await.expect("the dispatcher runs");
        t.clock.advance(chrono::Duration::minutes(1));
        t.app.prompts_now(&cora, "Circle").await.expect("a minute later");
        engine.run_until_idle().await.expect("the dispatcher runs");
        let mut posted = Vec::new();
        while let Ok(delivery) = deliveries.try_recv() {
            if delivery.text.starts_with("Check-in") {
                posted.push(delivery.text);
            }
        }
        assert_eq!(posted.len(), 2, "a double press posts once: {posted:?}");
        assert!(
            posted.iter().all(|p| p.contains("Our own question?")),
            "{posted:?}"
        );
    }
}

// ----- exactly once across a crash -----

mod crash {
    use std::sync::Arc;

    use hearth::chat::{ChatFuture, ChatPort, MessageRef, Reply};
    use hearth::clock::ManualClock;
    use hearth::discord::chat::DiscordChat;
    use hearth::domain::job::JobState;
    use hearth::engine::Engine;
    use tokio::sync::Notify;

    use super::{utc, CIRCLE_CHANNEL_ID};
    use crate::support::app_on_file;
    use crate::support::fake_discord::FakeDiscord;

    /// Posts for real, then never returns: the process "dies" between the post and its
    /// `sent` mark.
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
                    .expect("the post arrives");
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
    async fn a_crash_between_a_prompts_post_and_its_sent_mark_shows_it_once_and_the_schedule_goes_on() {
        let fake = FakeDiscord::start().await;
        fake.add_channel(FakeDiscord::GUILD_ID, CIRCLE_CHANNEL_ID, "circle");
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("hearth.db");
        let clock = ManualClock::new(utc(2026, 3, 2, 9, 30));
        let app = app_on_file(&db, clock.clone()).await;
        let cora = crate::support::coordinator();
        app.setup(
            &cora,
            hearth::app::setup::SetupInput {
                timezone: Some(hearth::app::input::zone("Europe/London").expect("zone")),
                ..Default::default()
            },
        )
        .await
        .expect("setup");
        app.group_create(
            &cora,
            hearth::app::groups::GroupCreate {
                name: "Circle".into(),
                channel: CIRCLE_CHANNEL_ID.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect("group");
        app.prompts_use_default(&cora, "Circle", true)
            .await
            .expect("deck");
        app.prompts_schedule(
            &cora,
            hearth::app::prompts::PromptSchedule {
                group: "Circle".into(),
                timing: hearth::app::input::cron("0 * * * *").expect("cron"),
                thread: false,
            },
        )
        .await
        .expect("schedule");
        clock.set(utc(2026, 3, 2, 10, 0));

        let posted = Arc::new(Notify::new());
        let hanging = PostThenHang {
            inner: DiscordChat::new("fake-token", Some(fake.base_url())).expect("client"),
            posted: posted.clone(),
        };
        let mut first = Engine::new(
            app.pool().clone(),
            Arc::new(hanging),
            Arc::new(clock.clone()),
            app.jobs_changed(),
        );
        let now = utc(2026, 3, 2, 10, 0);
        let crashed = tokio::spawn(async move { first.run_due(now).await });
        posted.notified().await;
        crashed.abort();
        let _aborted = crashed.await;
        app.pool().close().await;
        let before = fake.messages_in(CIRCLE_CHANNEL_ID);
        assert_eq!(before.len(), 1);

        // Restarted on the same file a minute later, with a working Discord.
        clock.set(utc(2026, 3, 2, 10, 1));
        let app = app_on_file(&db, clock.clone()).await;
        let chat = DiscordChat::new("fake-token", Some(fake.base_url())).expect("client");
        let mut second = Engine::new(
            app.pool().clone(),
            Arc::new(chat),
            Arc::new(clock.clone()),
            app.jobs_changed(),
        );
        second.run_until_idle().await.expect("the dispatcher runs");

        let after = fake.messages_in(CIRCLE_CHANNEL_ID);
        assert_eq!(
            after.len(),
            1,
            "the repeated post was the same prompt, dropped by its nonce"
        );
        let posts = fake.calls_matching("POST", &format!("/channels/{CIRCLE_CHANNEL_ID}/messages"));
        assert_eq!(posts.len(), 2, "posted again once, with the same nonce");
        let body = |i: usize| posts[i].body.clone().unwrap_or_default();
        assert_eq!(body(0)["nonce"], body(1)["nonce"]);
        assert_eq!(
            body(0)["embeds"],
            body(1)["embeds"],
            "the same prompt, not a second draw"
        );
        let posted_at_ten =
            hearth::store::jobs::get_by_key(app.pool(), &format!("prompt:1:{}", now.timestamp()))
                .await
                .expect("read")
                .expect("the job");
        assert_eq!(posted_at_ten.state, JobState::Sent);
        let next = hearth::store::jobs::get_by_key(
            app.pool(),
            &format!("prompt:1:{}", utc(2026, 3, 2, 11, 0).timestamp()),
        )
        .await
        .expect("read")
        .expect("the next tick is queued");
        assert_eq!(next.state, JobState::Pending);
    }
}
