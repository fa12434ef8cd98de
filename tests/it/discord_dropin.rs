//! Drop-ins end to end through the fake Discord: the one status message in the
//! group's channel is edited, never reposted, at the opening and the closing, when a
//! facilitator says `/dropin here`, and on a bank-holiday closure.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hearth::app::App;
use hearth::clock::ManualClock;
use hearth::discord::chat::DiscordChat;
use hearth::engine::Engine;
use serde_json::Value;

use crate::support::app_on_file;
use crate::support::bot::{colour, Bot, PROBLEM_COLOUR};
use crate::support::fake_discord::{Actor, FakeDiscord, SlashCommand};

const DOOR: u64 = 401;

fn utc(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, mi, 0).unwrap()
}

fn coordinator() -> Actor {
    Actor::member(42, "cora").permissions(FakeDiscord::MEMBER_PERMISSIONS | FakeDiscord::MANAGE_GUILD)
}

fn ash() -> Actor {
    Actor::member(51, "ash")
}

fn embed_text(message: &Value) -> String {
    let embed = &message["embeds"][0];
    let title = embed["title"].as_str().unwrap_or_default();
    let description = embed["description"].as_str().unwrap_or_default();
    format!("{title}\n{description}")
}

fn is_status(message: &Value) -> bool {
    let text = embed_text(message);
    text.contains("Open now") || text.contains("Closed")
}

/// The fake Discord with the door channel, ash and cora; the bot on an app on a file
/// with a clock set to `start`; and the dispatcher, stepped by the test.
struct Door {
    fake: Arc<FakeDiscord>,
    clock: ManualClock,
    app: App,
    bot: Bot,
    engine: Engine,
    /// Holds the database's folder for the test's length.
    _dir: tempfile::TempDir,
}

async fn door_at(start: DateTime<Utc>) -> Door {
    let fake = Arc::new(FakeDiscord::start().await);
    fake.add_channel(FakeDiscord::GUILD_ID, DOOR, "door");
    fake.add_member(FakeDiscord::GUILD_ID, 51, "ash", &[]);
    fake.add_member(FakeDiscord::GUILD_ID, 42, "cora", &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = ManualClock::new(start);
    let app: App = app_on_file(&dir.path().join("hearth.db"), clock.clone()).await;
    let bot = Bot::start(&fake, app.clone()).await;
    let chat = DiscordChat::new("fake-token", Some(fake.base_url())).expect("the HTTP client builds");
    let engine = Engine::new(
        app.pool().clone(),
        Arc::new(chat),
        Arc::new(clock.clone()),
        app.jobs_changed(),
    );
    Door {
        fake,
        clock,
        app,
        bot,
        engine,
        _dir: dir,
    }
}

#[tokio::test]
async fn one_status_message_is_edited_at_opening_closing_duty_and_a_bank_holiday() {
    // Tuesday 1 December 2026, 09:00 GMT.
    let Door {
        fake,
        clock,
        app,
        bot,
        mut engine,
        _dir,
    } = door_at(utc(1, 9, 0)).await;
    for command in [
        SlashCommand::new("setup").string("timezone", "Europe/London"),
        SlashCommand::new("group create")
            .string("name", "Open Door")
            .channel("channel", DOOR)
            .integer("kind", 1),
        SlashCommand::new("rota facilitator add")
            .string("group", "Open Door")
            .user("user", ash().user_id()),
        SlashCommand::new("dropin hours")
            .string("group", "Open Door")
            .string("days", "tue")
            .string("from", "14:00")
            .string("to", "16:00"),
        SlashCommand::new("dropin closed")
            .string("group", "Open Door")
            .string("date", "2026-12-08")
            .string("reason", "bank holiday"),
    ] {
        let answer = fake.push_command(&coordinator(), command).await;
        assert!(colour(&answer) != Some(PROBLEM_COLOUR), "{answer:?}");
    }
    engine.run_until_idle().await.expect("the dispatcher runs");
    let statuses: Vec<Value> = fake.messages_in(DOOR).into_iter().filter(is_status).collect();
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    let status_id: u64 = statuses[0]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id");
    let shown = |fake: &FakeDiscord| embed_text(&fake.message(status_id).expect("the status is live"));
    assert!(shown(&fake).contains("Closed** · next open"), "{}", shown(&fake));

    clock.set(utc(1, 14, 0));
    engine.run_until_idle().await.expect("the dispatcher runs");
    assert!(
        shown(&fake).contains("Open now** until") && shown(&fake).contains("0 volunteers on duty"),
        "{}",
        shown(&fake)
    );

    clock.set(utc(1, 14, 20));
    let here = fake
        .push_command(
            &ash(),
            SlashCommand::new("dropin here").string("group", "Open Door"),
        )
        .await;
    assert!(
        here.ephemeral && colour(&here) != Some(PROBLEM_COLOUR),
        "{here:?}"
    );
    engine.run_until_idle().await.expect("the dispatcher runs");
    assert!(shown(&fake).contains("1 volunteer on duty"), "{}", shown(&fake));

    clock.set(utc(1, 16, 0));
    engine.run_until_idle().await.expect("the dispatcher runs");
    assert!(shown(&fake).contains("Closed** · next open"), "{}", shown(&fake));

    clock.set(utc(8, 9, 0));
    engine.run_until_idle().await.expect("the dispatcher runs");
    assert!(
        shown(&fake).contains("Closed today: bank holiday"),
        "{}",
        shown(&fake)
    );

    let statuses = fake.messages_in(DOOR).into_iter().filter(is_status).count();
    assert_eq!(statuses, 1, "one status message, edited, never reposted");
    bot.stop().await;
    app.pool().close().await;
}

/// The labels of a message's buttons.
fn labels(message: &Value) -> Vec<String> {
    let rows = message["components"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .filter_map(|row| row["components"].as_array())
        .flatten()
        .filter_map(|c| c["label"].as_str())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_drop_ins_card_reads_drop_in_any_time_and_offers_i_might_come_only_with_answers_yes() {
    // Wednesday 25 March 2026, GMT; the clocks go forward on Sunday 29 March.
    let Door {
        fake,
        clock,
        app,
        bot,
        mut engine,
        _dir,
    } = door_at(Utc.with_ymd_and_hms(2026, 3, 25, 9, 0, 0).unwrap()).await;
    for command in [
        SlashCommand::new("setup").string("timezone", "Europe/London"),
        SlashCommand::new("group create")
            .string("name", "Open Door")
            .channel("channel", DOOR)
            .integer("kind", 1),
        SlashCommand::new("dropin hours")
            .string("group", "Open Door")
            .string("days", "tue")
            .string("from", "14:00")
            .string("to", "16:00"),
    ] {
        let answer = fake.push_command(&coordinator(), command).await;
        assert!(colour(&answer) != Some(PROBLEM_COLOUR), "{answer:?}");
    }
    engine.run_until_idle().await.expect("the dispatcher runs");
    let card_of = |fake: &FakeDiscord| {
        fake.messages_in(DOOR)
            .into_iter()
            .find(|m| embed_text(m).contains("Drop in any time"))
            .expect("the card of Tuesday 31 March")
    };

    // 14:00–16:00 BST on 31 March is 13:00–15:00 UTC; each end a Discord timestamp.
    let card = card_of(&fake);
    let opens = Utc.with_ymd_and_hms(2026, 3, 31, 13, 0, 0).unwrap().timestamp();
    let closes = Utc.with_ymd_and_hms(2026, 3, 31, 15, 0, 0).unwrap().timestamp();
    assert!(
        embed_text(&card).contains(&format!("Drop in any time <t:{opens}:F>–<t:{closes}:t>")),
        "{}",
        embed_text(&card)
    );
    assert!(labels(&card).is_empty(), "answers:no by default: {card}");
    assert!(!embed_text(&card).contains("going"), "{}", embed_text(&card));

    let edit = fake
        .push_command(
            &coordinator(),
            SlashCommand::new("group edit")
                .string("group", "Open Door")
                .boolean("answers", true),
        )
        .await;
    assert!(colour(&edit) != Some(PROBLEM_COLOUR), "{edit:?}");
    clock.set(Utc.with_ymd_and_hms(2026, 3, 25, 9, 1, 0).unwrap());
    engine.run_until_idle().await.expect("the dispatcher runs");
    let card = card_of(&fake);
    assert_eq!(labels(&card), vec!["I might come".to_string()]);
    let card_id: u64 = card["id"].as_str().and_then(|id| id.parse().ok()).expect("an id");
    let session: i64 = sqlx::query_scalar("SELECT id FROM session WHERE local_date = '2026-03-31'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let might = fake
        .push_button(&ash(), card_id, &format!("rsvp-maybe:{session}"))
        .await;
    assert!(
        might.ephemeral && colour(&might) != Some(PROBLEM_COLOUR),
        "{might:?}"
    );
    clock.set(Utc.with_ymd_and_hms(2026, 3, 25, 9, 2, 0).unwrap());
    engine.run_until_idle().await.expect("the dispatcher runs");
    let card = embed_text(&card_of(&fake));
    assert!(card.contains("1 might come") && !card.contains("ash"), "{card}");

    // During the window the card says I'm here, and a check-in counts.
    clock.set(Utc.with_ymd_and_hms(2026, 3, 31, 13, 5, 0).unwrap());
    engine.run_until_idle().await.expect("the dispatcher runs");
    let card = card_of(&fake);
    assert_eq!(labels(&card), vec!["I'm here".to_string()]);
    let here = fake
        .push_button(&ash(), card_id, &format!("here:{session}"))
        .await;
    assert!(colour(&here) != Some(PROBLEM_COLOUR), "{here:?}");
    let attended: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM rsvp WHERE session_id = $1 AND attended = 1")
            .bind(session)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(attended, 1);
    bot.stop().await;
    app.pool().close().await;
}
