//! Care and privacy end to end through the fake Discord: `/privacy export` answers with
//! a file only the member sees (a multipart reply the fake reads back), a member is
//! refused another's export, and a facilitator's forget — confirmed with its button —
//! releases their shift, whose gap alert lands in the community's alerts channel.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hearth::app::App;
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::engine::Engine;
use serde_json::Value;

use crate::support::app_on_file;
use crate::support::bot::{colour, Bot, PROBLEM_COLOUR};
use crate::support::fake_discord::{Actor, Answer, FakeDiscord, SlashCommand};

const CIRCLE: u64 = 401;
const ALERTS: u64 = 403;

fn sunday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

fn coordinator() -> Actor {
    Actor::member(42, "cora").permissions(FakeDiscord::MEMBER_PERMISSIONS | FakeDiscord::MANAGE_GUILD)
}

fn ash() -> Actor {
    Actor::member(51, "ash")
}

fn bo() -> Actor {
    Actor::member(52, "bo")
}

fn is_problem(answer: &Answer) -> bool {
    colour(answer) == Some(PROBLEM_COLOUR)
}

struct World {
    fake: Arc<FakeDiscord>,
    bot: Bot,
    engine: Engine,
    app: App,
    _dir: tempfile::TempDir,
}

impl World {
    /// A community with an alerts channel and a weekly Wednesday group needing one
    /// facilitator, with Ash in its pool (so its sessions are filled as they are added).
    async fn start() -> World {
        let fake = Arc::new(FakeDiscord::start().await);
        for (id, name) in [(CIRCLE, "circle"), (ALERTS, "alerts")] {
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
            Arc::new(clock),
            app.jobs_changed(),
        );
        let world = World {
            fake,
            bot,
            engine,
            app,
            _dir: dir,
        };
        for command in [
            SlashCommand::new("setup")
                .string("timezone", "Europe/London")
                .channel("alerts_channel", ALERTS),
            SlashCommand::new("group create")
                .string("name", "Wednesday Circle")
                .channel("channel", CIRCLE),
            SlashCommand::new("rota facilitator add")
                .string("group", "Wednesday Circle")
                .user("user", ash().user_id()),
            SlashCommand::new("meeting add")
                .string("group", "Wednesday Circle")
                .string("when", "2026-03-04 18:30")
                .integer("repeat", 1),
        ] {
            let answer = world.fake.push_command(&coordinator(), command).await;
            assert!(!is_problem(&answer), "{answer:?}");
        }
        world
    }

    async fn run(&mut self) {
        self.engine.run_until_idle().await.expect("the dispatcher runs");
    }

    async fn stop(self) {
        self.bot.stop().await;
        self.app.pool().close().await;
    }
}

#[tokio::test]
async fn privacy_export_answers_with_a_file_only_the_member_sees() {
    let world = World::start().await;
    let answered = world
        .fake
        .push_command(
            &bo(),
            SlashCommand::new("rsvp")
                .string("session", "1")
                .integer("state", 0),
        )
        .await;
    assert!(!is_problem(&answered), "{answered:?}");

    let export = world
        .fake
        .push_command(&bo(), SlashCommand::new("privacy export"))
        .await;

    assert!(export.ephemeral, "only bo sees it: {export:?}");
    assert!(!is_problem(&export), "{export:?}");
    assert!(
        export.embed_text().contains("answers to sessions: 1"),
        "{}",
        export.embed_text()
    );
    let messages = world.fake.interaction_messages(&export);
    let attachments = messages[0]["attachments"].as_array().cloned().unwrap_or_default();
    assert_eq!(attachments.len(), 1, "{messages:?}");
    let name = attachments[0]["filename"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        name.starts_with("hearth-data-") && name.ends_with(".json"),
        "{name}"
    );
    let upload = world
        .fake
        .calls()
        .into_iter()
        .flat_map(|call| call.files)
        .find(|file| file.filename == name)
        .expect("the file was sent with the answer");
    let json: Value = serde_json::from_slice(&upload.bytes).expect("the export is JSON");
    let rows = json["tables"]["rsvp"]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rows.len(), 1, "{json}");
    assert_eq!(rows[0]["user_id"], "52");
    world.stop().await;
}

#[tokio::test]
async fn a_member_asking_for_another_members_export_is_refused_privately() {
    let world = World::start().await;

    let refused = world
        .fake
        .push_command(
            &bo(),
            SlashCommand::new("privacy export").user("user", ash().user_id()),
        )
        .await;

    assert!(refused.ephemeral && is_problem(&refused), "{refused:?}");
    assert!(
        refused.embed_text().contains("Only a coordinator"),
        "{}",
        refused.embed_text()
    );
    assert!(
        world.fake.calls().iter().all(|call| call.files.is_empty()),
        "no file went out"
    );
    world.stop().await;
}

#[tokio::test]
async fn a_facilitator_who_confirms_forget_leaves_a_gap_whose_alert_lands_in_the_alerts_channel() {
    let mut world = World::start().await;
    world.run().await;
    assert!(
        world.fake.messages_in(ALERTS).is_empty(),
        "no gap while Ash holds the shifts"
    );

    let asked = world
        .fake
        .push_command(&ash(), SlashCommand::new("privacy forget"))
        .await;
    assert!(asked.ephemeral, "{asked:?}");
    assert_eq!(asked.custom_ids(), ["privacy-forget:51"]);
    world.run().await;
    assert!(
        world.fake.messages_in(ALERTS).is_empty(),
        "nothing happens before Confirm"
    );
    let confirmed = world
        .fake
        .push_button(
            &ash(),
            asked.message_id.expect("the question's message"),
            "privacy-forget:51",
        )
        .await;
    world.run().await;

    assert!(confirmed.ephemeral && !is_problem(&confirmed), "{confirmed:?}");
    assert!(
        confirmed.embed_text().contains("open again"),
        "{}",
        confirmed.embed_text()
    );
    let alerts = world.fake.messages_in(ALERTS);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = format!(
        "{}\n{}",
        alerts[0]["embeds"][0]["title"].as_str().unwrap_or_default(),
        alerts[0]["embeds"][0]["description"].as_str().unwrap_or_default()
    );
    assert!(alert.contains("Facilitator needed: Wednesday Circle"), "{alert}");
    assert!(!alert.contains("ash"), "{alert}");
    world.stop().await;
}
