//! hearth on Discord, end to end: the real serenity client and poise commands from
//! `hearth::discord`, the chat port, and the `hearth serve` binary, each driven against
//! the fake Discord on loopback. What these tests pin is the adapter's contract: options
//! reach the app, replies come back as embeds with Discord timestamps, refusals are
//! ephemeral, and Discord's answers (nonce dedupe, 404, 50007, 429) are understood.

use std::time::Duration;

use hearth::chat::{ChatPort, DeliveryError, Reply, Tone};
use hearth::discord::chat::DiscordChat;
use serde_json::Value;

use crate::support::bot::{colour, Bot, DONE_COLOUR, PROBLEM_COLOUR, WAIT};
use crate::support::fake_discord::{Actor, Answer, FakeDiscord, SlashCommand};
use crate::support::{app_on_file, march_first, spawn_app};
use hearth::clock::ManualClock;

/// The channel the groups in these tests post to.
const CIRCLE_CHANNEL_ID: u64 = 201;
/// A role a community may name as its coordinator role.
const ORGANISERS_ROLE_ID: u64 = 300;
/// 2026-03-10 18:30 in London (GMT, before the clocks change), as a unix second.
const FIRST_SESSION_UNIX: i64 = 1_773_167_400;

/// A fake Discord whose guild also has `#tuesday-circle` and an Organisers role.
async fn fake_discord() -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    fake.add_channel(FakeDiscord::GUILD_ID, CIRCLE_CHANNEL_ID, "tuesday-circle");
    fake.add_role(FakeDiscord::GUILD_ID, ORGANISERS_ROLE_ID, "Organisers", 0);
    fake
}

/// Someone with Manage Server.
fn coordinator() -> Actor {
    Actor::member(42, "cora").permissions(FakeDiscord::MEMBER_PERMISSIONS | FakeDiscord::MANAGE_GUILD)
}

/// Someone with a member's permissions and no roles.
fn member() -> Actor {
    Actor::member(43, "mo")
}

fn setup_london() -> SlashCommand {
    SlashCommand::new("setup").string("timezone", "Europe/London")
}

fn create_tuesday_circle() -> SlashCommand {
    SlashCommand::new("group create")
        .string("name", "Tuesday Circle")
        .channel("channel", CIRCLE_CHANNEL_ID)
}

/// `/meeting add group:"Tuesday Circle" when:"2026-03-10 18:30" repeat:fortnightly`.
/// Call it once the bot has registered its commands.
fn add_fortnightly_meeting(fake: &FakeDiscord) -> SlashCommand {
    SlashCommand::new("meeting add")
        .string("group", "Tuesday Circle")
        .string("when", "2026-03-10 18:30")
        .integer(
            "repeat",
            choice_value(fake, "meeting add", "repeat", "fortnightly"),
        )
}

/// The coordinator's `/setup`, `/group create` and `/meeting add`, answered in order.
async fn set_up_tuesday_circle(fake: &FakeDiscord) -> [Answer; 3] {
    let setup = fake.push_command(&coordinator(), setup_london()).await;
    let created = fake.push_command(&coordinator(), create_tuesday_circle()).await;
    let added = fake
        .push_command(&coordinator(), add_fortnightly_meeting(fake))
        .await;
    [setup, created, added]
}

/// What Discord sends when a member picks `choice` for `option` of `command`: poise
/// registers an enum's choices as integers, so the member sees the name and the bot gets
/// the registered value.
fn choice_value(fake: &FakeDiscord, command: &str, option: &str, choice: &str) -> i64 {
    let mut level = fake.registered_commands(Some(FakeDiscord::GUILD_ID));
    for name in command.split_whitespace() {
        let found = level.iter().find(|o| o["name"] == name).cloned();
        let Some(found) = found else {
            panic!("/{command} has no {name:?} among {level:?}");
        };
        level = found["options"].as_array().cloned().unwrap_or_default();
    }
    let declared = level.iter().find(|o| o["name"] == option);
    let choices = declared
        .and_then(|o| o["choices"].as_array())
        .cloned()
        .unwrap_or_default();
    let picked = choices.iter().find(|c| c["name"] == choice);
    let value = picked.and_then(|c| c["value"].as_i64());
    value.unwrap_or_else(|| panic!("{option} of /{command} has no choice {choice:?}: {choices:?}"))
}

fn choice_names(answer: &Answer) -> Vec<String> {
    answer
        .choices
        .iter()
        .filter_map(|c| c["name"].as_str())
        .map(str::to_owned)
        .collect()
}

// ----- slash commands -----

#[tokio::test]
async fn a_coordinator_sets_up_a_group_and_its_meetings_with_slash_commands() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;

    let [setup, created, added] = set_up_tuesday_circle(&fake).await;

    for answer in [&setup, &created, &added] {
        assert_eq!(answer.kind, 4, "answered at once: {answer:?}");
        assert!(answer.ephemeral, "only the coordinator sees it: {answer:?}");
        assert_eq!(colour(answer), Some(DONE_COLOUR), "{answer:?}");
    }
    assert!(
        setup.embed_text().contains("Community settings saved"),
        "{setup:?}"
    );
    assert!(setup.embed_text().contains("Europe/London"), "{setup:?}");
    assert!(
        created.embed_text().contains("Created Tuesday Circle"),
        "{created:?}"
    );
    assert!(added.embed_text().contains("Tuesday Circle meets"), "{added:?}");
    assert!(added.embed_text().contains("18:30 Europe/London"), "{added:?}");
    assert_eq!(t.count("meeting_group").await, 1);
    assert!(fake.unknown_calls().is_empty(), "{:?}", fake.call_summary());
    bot.stop().await;
}

#[tokio::test]
async fn a_members_schedule_shows_the_session_as_discord_timestamps() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;
    set_up_tuesday_circle(&fake).await;

    let schedule = fake.push_command(&member(), SlashCommand::new("schedule")).await;

    let shown = schedule.embed_text();
    assert!(shown.contains("**Tuesday Circle** in <#201>"), "{shown}");
    assert!(shown.contains(&format!("<t:{FIRST_SESSION_UNIX}:F>")), "{shown}");
    assert!(schedule.ephemeral, "{schedule:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_member_cannot_create_a_group_and_is_told_privately_who_can() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;

    let refused = fake.push_command(&member(), create_tuesday_circle()).await;
    let list = fake
        .push_command(&coordinator(), SlashCommand::new("group list"))
        .await;

    assert!(refused.ephemeral, "{refused:?}");
    assert_eq!(colour(&refused), Some(PROBLEM_COLOUR), "{refused:?}");
    let said = refused.embed_text();
    assert!(said.contains("Only a coordinator can"), "{said}");
    assert!(
        said.contains("Manage Server or the community's coordinator role"),
        "{said}"
    );
    assert!(list.embed_text().contains("There are no groups yet"), "{list:?}");
    assert_eq!(t.count("meeting_group").await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn a_member_with_the_configured_coordinator_role_can_create_a_group() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;
    let organiser = Actor::member(44, "ola").roles(&[ORGANISERS_ROLE_ID]);
    let set_role = fake
        .push_command(
            &coordinator(),
            setup_london().role("coordinator_role", ORGANISERS_ROLE_ID),
        )
        .await;
    assert_eq!(colour(&set_role), Some(DONE_COLOUR), "{set_role:?}");

    let created = fake.push_command(&organiser, create_tuesday_circle()).await;
    let refused = fake
        .push_command(
            &member(),
            SlashCommand::new("group create")
                .string("name", "Thursday Walk")
                .channel("channel", CIRCLE_CHANNEL_ID),
        )
        .await;

    assert!(
        created.embed_text().contains("Created Tuesday Circle"),
        "{created:?}"
    );
    assert_eq!(colour(&created), Some(DONE_COLOUR), "{created:?}");
    assert!(refused.embed_text().contains("Only a coordinator"), "{refused:?}");
    assert_eq!(t.count("meeting_group").await, 1);
    bot.stop().await;
}

#[tokio::test]
async fn an_unknown_group_gets_a_private_kind_sentence() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;
    set_up_tuesday_circle(&fake).await;

    let answer = fake
        .push_command(
            &member(),
            SlashCommand::new("group info").string("group", "Tuesday Circel"),
        )
        .await;

    assert!(answer.ephemeral, "{answer:?}");
    assert_eq!(colour(&answer), Some(PROBLEM_COLOUR), "{answer:?}");
    assert_eq!(
        answer.embed_text(),
        "I can't find a group called \"Tuesday Circel\". Did you mean \"Tuesday Circle\"? \
         /group list shows them all."
    );
    bot.stop().await;
}

#[tokio::test]
async fn autocomplete_offers_europe_london_first_and_the_groups_by_name() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;
    set_up_tuesday_circle(&fake).await;

    let zones = fake
        .push_autocomplete(
            &coordinator(),
            SlashCommand::new("setup").focused("timezone", "Europe/Lo"),
        )
        .await;
    let groups = fake
        .push_autocomplete(
            &member(),
            SlashCommand::new("group info").focused("group", "tues"),
        )
        .await;

    assert_eq!(zones.kind, 8, "{zones:?}");
    assert_eq!(
        choice_names(&zones).first().map(String::as_str),
        Some("Europe/London")
    );
    assert_eq!(zones.choices[0]["value"], "Europe/London");
    assert_eq!(groups.kind, 8, "{groups:?}");
    assert_eq!(choice_names(&groups), ["Tuesday Circle"]);
    bot.stop().await;
}

#[tokio::test]
async fn a_restarted_bot_on_the_same_database_file_keeps_groups_and_sessions() {
    let fake = fake_discord().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("hearth.db");
    let app = app_on_file(&db, ManualClock::new(march_first())).await;
    let first = Bot::start(&fake, app.clone()).await;
    set_up_tuesday_circle(&fake).await;
    first.stop().await;
    app.pool().close().await;
    assert!(fake.wait_for(|f| f.connected_sessions() == 0, WAIT).await);

    let app = app_on_file(&db, ManualClock::new(march_first())).await;
    let second = Bot::start(&fake, app.clone()).await;
    let groups = fake
        .push_command(&member(), SlashCommand::new("group list"))
        .await;
    let schedule = fake.push_command(&member(), SlashCommand::new("schedule")).await;

    assert_eq!(fake.identify_count(), 2, "the second bot connected anew");
    assert!(groups.embed_text().contains("Groups (1)"), "{groups:?}");
    assert!(groups.embed_text().contains("Tuesday Circle"), "{groups:?}");
    let shown = schedule.embed_text();
    assert!(shown.contains(&format!("<t:{FIRST_SESSION_UNIX}:F>")), "{shown}");
    second.stop().await;
    app.pool().close().await;
}

#[tokio::test]
async fn the_dev_guild_gets_every_command_with_descriptions_discord_accepts() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;

    // Any answered command means registration is done.
    fake.push_command(&member(), SlashCommand::new("schedule")).await;
    let commands = fake.registered_commands(Some(FakeDiscord::GUILD_ID));

    let names = |list: &[Value]| -> Vec<String> {
        list.iter()
            .filter_map(|c| c["name"].as_str())
            .map(str::to_owned)
            .collect()
    };
    let registered = names(&commands);
    for command in ["setup", "group", "meeting", "schedule", "support"] {
        assert!(
            registered.iter().any(|n| n == command),
            "no /{command} in {registered:?}"
        );
    }
    let subcommands = |command: &str| {
        let found = commands.iter().find(|c| c["name"] == command);
        let options = found.and_then(|c| c["options"].as_array()).cloned();
        names(&options.unwrap_or_default())
    };
    assert_eq!(
        subcommands("group"),
        ["create", "edit", "list", "info", "archive"]
    );
    assert_eq!(subcommands("meeting"), ["add", "list", "cancel", "move", "end"]);
    let mut descriptions = Vec::new();
    for command in &commands {
        collect_descriptions(command, "", &mut descriptions);
    }
    let bad: Vec<&(String, usize)> = descriptions
        .iter()
        .filter(|(_, len)| !(1..=100).contains(len))
        .collect();
    assert!(bad.is_empty(), "descriptions Discord refuses: {bad:?}");
    assert!(descriptions.len() > 40, "{descriptions:?}");
    assert!(
        fake.registered_commands(None).is_empty(),
        "nothing registered globally"
    );
    bot.stop().await;
}

/// (path, description length) of a command and everything under it.
fn collect_descriptions(item: &Value, parent: &str, out: &mut Vec<(String, usize)>) {
    let path = format!("{parent}/{}", item["name"].as_str().unwrap_or("?"));
    let length = item["description"].as_str().map_or(0, |d| d.chars().count());
    out.push((path.clone(), length));
    for option in item["options"].as_array().into_iter().flatten() {
        collect_descriptions(option, &path, out);
    }
}

#[tokio::test]
async fn a_member_asking_for_support_sees_the_communitys_text_privately() {
    let fake = fake_discord().await;
    let t = spawn_app(march_first()).await;
    let bot = Bot::start(&fake, t.app.clone()).await;
    let before = fake.push_command(&member(), SlashCommand::new("support")).await;
    fake.push_command(
        &coordinator(),
        setup_london().string("support_text", "Our peer line: 0800 000 0000, evenings."),
    )
    .await;

    let after = fake.push_command(&member(), SlashCommand::new("support")).await;

    assert!(before.ephemeral, "{before:?}");
    assert!(before.embed_text().contains("Samaritans: 116 123"), "{before:?}");
    assert!(after.ephemeral, "{after:?}");
    let said = after.embed_text();
    assert!(said.contains("Our peer line: 0800 000 0000, evenings."), "{said}");
    assert!(said.contains("not a crisis service"), "{said}");
    bot.stop().await;
}

// ----- the chat port -----

fn chat_port(fake: &FakeDiscord) -> DiscordChat {
    DiscordChat::new("fake-token", Some(fake.base_url())).expect("the HTTP client builds")
}

fn reminder(text: &str) -> Reply {
    Reply::private(Tone::Info, "Tuesday Circle").line(text)
}

fn general() -> String {
    FakeDiscord::GENERAL_CHANNEL_ID.to_string()
}

#[tokio::test]
async fn posting_twice_with_the_same_nonce_makes_one_message() {
    let fake = FakeDiscord::start().await;
    let chat = chat_port(&fake);
    let card = reminder("Meeting in one hour");

    let first = chat.post(&general(), &card, "job-17").await.expect("posted");
    let again = chat
        .post(&general(), &card, "job-17")
        .await
        .expect("posted again");

    assert_eq!(first, again);
    assert_eq!(fake.messages_in(FakeDiscord::GENERAL_CHANNEL_ID).len(), 1);
    let posts = fake.calls_matching("POST", "/channels/200/messages");
    assert_eq!(posts.len(), 2);
    for post in &posts {
        assert_eq!(
            post.body.as_ref().map(|b| &b["nonce"]),
            Some(&Value::from("job-17"))
        );
        assert_eq!(
            post.body.as_ref().map(|b| &b["enforce_nonce"]),
            Some(&Value::from(true))
        );
    }
}

#[tokio::test]
async fn a_post_can_be_edited_and_opened_as_a_thread() {
    let fake = FakeDiscord::start().await;
    let chat = chat_port(&fake);
    let posted = chat
        .post(&general(), &reminder("Meeting in one hour"), "job-18")
        .await
        .expect("posted");

    chat.edit(&posted, &reminder("Meeting moved to 19:00"))
        .await
        .expect("edited");
    let thread = chat
        .create_thread(&posted, "Tuesday check-in")
        .await
        .expect("thread opened");

    let message_id: u64 = posted.message.parse().expect("a snowflake");
    let message = fake.message(message_id).expect("the post is live");
    assert_eq!(message["embeds"][0]["description"], "Meeting moved to 19:00");
    let thread_id: u64 = thread.parse().expect("a snowflake");
    let channel = fake.channel(thread_id).expect("the thread exists");
    assert_eq!(channel.parent_id, Some(FakeDiscord::GENERAL_CHANNEL_ID));
    assert_eq!(channel.name, "Tuesday check-in");
}

#[tokio::test]
async fn posting_to_an_unknown_channel_is_channel_gone() {
    let fake = FakeDiscord::start().await;
    let chat = chat_port(&fake);

    let failed = chat.post("999", &reminder("Hello?"), "job-19").await;

    assert_eq!(failed, Err(DeliveryError::ChannelGone));
    let call = &fake.calls_matching("POST", "/channels/999/messages")[0];
    assert_eq!((call.status, call.response["code"].as_u64()), (404, Some(10003)));
}

#[tokio::test]
async fn a_dm_to_a_member_with_closed_dms_is_cannot_dm() {
    let fake = FakeDiscord::start().await;
    fake.close_dms(77);
    let chat = chat_port(&fake);

    let failed = chat.dm("77", &reminder("See you on Tuesday"), "job-20").await;

    assert_eq!(failed, Err(DeliveryError::CannotDm));
    assert!(fake.dms_to(77).is_empty());
    assert_eq!(fake.calls_matching("POST", "/users/@me/channels").len(), 1);
}

#[tokio::test]
async fn a_dm_to_an_open_member_arrives() {
    let fake = FakeDiscord::start().await;
    let chat = chat_port(&fake);

    let sent = chat
        .dm("78", &reminder("See you on Tuesday"), "job-21")
        .await
        .expect("the DM is sent");

    let dms = fake.dms_to(78);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0]["id"], sent.message.as_str());
    assert_eq!(Some(sent.channel), fake.dm_channel_of(78).map(|c| c.to_string()));
}

#[tokio::test]
async fn a_429_is_handed_back_with_the_wait_from_its_body_and_nothing_is_posted() {
    let fake = FakeDiscord::start().await;
    let chat = chat_port(&fake);
    fake.rate_limit_next(1, 0.2);

    let limited = chat
        .post(&general(), &reminder("Meeting in one hour"), "job-22")
        .await;
    let posted = chat
        .post(&general(), &reminder("Meeting in one hour"), "job-22")
        .await;

    // The body's 0.2 s, not the header's rounded-up 1 s; the dispatcher waits it out,
    // so the call itself never sleeps.
    assert_eq!(
        limited,
        Err(DeliveryError::RateLimited {
            retry_after: Duration::from_millis(200),
            global: false
        })
    );
    assert!(posted.is_ok(), "{posted:?}");
    let statuses: Vec<u16> = fake
        .calls_matching("POST", "/channels/200/messages")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(fake.messages_in(FakeDiscord::GENERAL_CHANNEL_ID).len(), 1);
}

#[tokio::test]
async fn an_empty_bucket_in_discords_headers_holds_its_channel_until_it_resets() {
    let fake = FakeDiscord::start().await;
    fake.enforce_rate_limits(true);
    let chat = chat_port(&fake);

    for i in 0..5 {
        assert_eq!(chat.limited_until(&general()), None, "room before post {i}");
        chat.post(&general(), &reminder("Hello"), &format!("job-3{i}"))
            .await
            .expect("posted");
    }

    let until = chat
        .limited_until(&general())
        .expect("the fifth post emptied the bucket");
    let wait = until - tokio::time::Instant::now();
    assert!(
        wait <= Duration::from_secs(5),
        "at most Discord's window: {wait:?}"
    );
    assert_eq!(chat.limited_until("201"), None, "another channel has room");
    assert_eq!(fake.rate_limited_count(), 0);
}

// ----- the `hearth serve` binary -----

#[tokio::test]
async fn hearth_serve_connects_answers_and_stops_cleanly_on_sigterm() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let log = std::fs::File::create(dir.path().join("serve.log")).expect("log file");
    let token = "fake-token-that-must-never-be-logged";
    let mut serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("serve")
        .env_clear()
        .env("HEARTH__DISCORD__TOKEN", token)
        .env("HEARTH__DISCORD__API_PROXY", fake.base_url())
        .env("HEARTH__DISCORD__DEV_GUILD", FakeDiscord::GUILD_ID.to_string())
        .env("HEARTH__DATABASE__PATH", dir.path().join("h.db"))
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("hearth serve starts");
    let pid = serve.id().expect("a running process");

    fake.wait_until_connected(WAIT).await;
    let list = fake
        .push_command(&member(), SlashCommand::new("group list"))
        .await;
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    let exited = tokio::time::timeout(WAIT, serve.wait())
        .await
        .expect("hearth serve exits promptly on SIGTERM")
        .expect("hearth serve is awaited");

    let logged = std::fs::read_to_string(dir.path().join("serve.log")).expect("the log");
    assert!(sent.success());
    assert!(exited.success(), "{exited:?}\n{logged}");
    assert_eq!(fake.identify_count(), 1);
    let registered = fake.registered_commands(Some(FakeDiscord::GUILD_ID));
    for command in ["setup", "group", "meeting", "schedule"] {
        assert!(registered.iter().any(|c| c["name"] == command), "no /{command}");
    }
    assert!(list.embed_text().contains("There are no groups yet"), "{list:?}");
    assert!(list.ephemeral);
    assert!(fake.wait_for(|f| f.connected_sessions() == 0, WAIT).await);
    assert!(
        !logged.contains(token),
        "the token leaked into the log:\n{logged}"
    );
    assert!(logged.contains("connected to Discord"), "{logged}");
    assert!(
        !logged.contains('\u{1b}'),
        "a log file gets no colour codes:\n{logged}"
    );
    assert!(dir.path().join("h.db").exists());
    assert!(fake.unknown_calls().is_empty(), "{:?}", fake.call_summary());
}

#[test]
fn hearth_serve_without_a_token_says_which_variable_to_set_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("serve")
        .env_clear()
        .current_dir(dir.path())
        .output()
        .expect("hearth runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let first_sentence = stderr.split(". ").next().unwrap_or_default();
    assert!(first_sentence.contains("set HEARTH__DISCORD__TOKEN"), "{stderr}");
    assert!(output.stdout.is_empty());
    let left_behind = std::fs::read_dir(dir.path()).expect("the dir").count();
    assert_eq!(left_behind, 0, "no database is created without a token");
}
