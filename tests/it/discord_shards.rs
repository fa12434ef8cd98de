//! One bot in two processes: each `hearth serve` runs its own shards (`discord.shards`)
//! and answers the servers of those shards only, against a fake Discord that routes a
//! server's events by `(guild_id >> 22) % num_shards`, as Discord does.

use std::time::Duration;

use hearth::domain::shard::START_WINDOW;

use crate::support::bot::{colour, coordinator, Bot, DONE_COLOUR};
use crate::support::fake_discord::{Actor, FakeDiscord, SlashCommand};
use crate::support::{march_first, spawn_app};

/// Real server ids (snowflakes) whose shard of two is 0 and 1.
const GUILD_ON_SHARD_0: u64 = 81_384_788_765_712_384;
const GUILD_ON_SHARD_1: u64 = 1_234_567_890_123_456_789;
const CHANNEL_ON_SHARD_0: u64 = 81_384_788_765_712_385;
const CHANNEL_ON_SHARD_1: u64 = 1_234_567_890_123_456_790;

/// Two servers, one on each of two shards, and Discord recommending two shards
/// started one at a time (`max_concurrency` 1, as for almost every bot).
async fn two_servers() -> FakeDiscord {
    assert_eq!((GUILD_ON_SHARD_0 >> 22) % 2, 0, "the first server is on shard 0");
    assert_eq!((GUILD_ON_SHARD_1 >> 22) % 2, 1, "the second server is on shard 1");
    let fake = FakeDiscord::start().await;
    fake.add_guild(GUILD_ON_SHARD_0, "Tuesday Circle");
    fake.add_channel(GUILD_ON_SHARD_0, CHANNEL_ON_SHARD_0, "general");
    fake.add_guild(GUILD_ON_SHARD_1, "Thursday Circle");
    fake.add_channel(GUILD_ON_SHARD_1, CHANNEL_ON_SHARD_1, "general");
    fake.set_gateway_bot(2, 1);
    // The second process waits one start window before it connects.
    fake.set_answer_timeout(START_WINDOW + Duration::from_secs(15));
    fake
}

fn setup_london() -> SlashCommand {
    SlashCommand::new("setup").string("timezone", "Europe/London")
}

#[tokio::test]
async fn each_process_answers_only_the_servers_of_its_own_shard() {
    // Arrange: two processes, each with its own database, one running shard 0 of 2
    // and the other shard 1 of 2.
    let fake = two_servers().await;
    let first = spawn_app(march_first()).await;
    let second = spawn_app(march_first()).await;
    let shard_0 = Bot::start_shards(&fake, first.app.clone(), "0-0/2").await;
    let shard_1 = Bot::start_shards(&fake, second.app.clone(), "1-1/2").await;
    let connected = fake
        .wait_for(
            |f| f.connected_sessions() == 2,
            START_WINDOW + Duration::from_secs(15),
        )
        .await;
    assert!(connected, "both processes connected: {:?}", fake.identified());

    // Act: a coordinator sets hearth up in each server.
    let on_shard_0 = coordinator()
        .in_guild(GUILD_ON_SHARD_0)
        .in_channel(CHANNEL_ON_SHARD_0);
    let on_shard_1 = coordinator()
        .in_guild(GUILD_ON_SHARD_1)
        .in_channel(CHANNEL_ON_SHARD_1);
    let answer_0 = fake.push_command(&on_shard_0, setup_london()).await;
    let answer_1 = fake.push_command(&on_shard_1, setup_london()).await;
    // And someone tries a command in a direct message with the bot.
    let in_a_dm = fake
        .push_command(&Actor::dm(44, "sam"), SlashCommand::new("group list"))
        .await;

    // Assert: each interaction went to its shard's session only, and was answered once.
    assert_eq!(fake.delivered_to(&answer_0), vec![[0, 2]]);
    assert_eq!(fake.delivered_to(&answer_1), vec![[1, 2]]);
    assert_eq!(fake.callbacks_for(&answer_0), 1, "{:?}", fake.call_summary());
    assert_eq!(fake.callbacks_for(&answer_1), 1, "{:?}", fake.call_summary());
    for answer in [&answer_0, &answer_1] {
        assert_eq!(colour(answer), Some(DONE_COLOUR), "{answer:?}");
    }
    // A command in a direct message went to shard 0, where Discord sends DMs.
    assert_eq!(fake.delivered_to(&in_a_dm), vec![[0, 2]]);
    assert_eq!(fake.callbacks_for(&in_a_dm), 1, "{:?}", fake.call_summary());
    // Each server was set up in the database of the process that answered it.
    assert_eq!(
        first.count("community").await,
        1,
        "the first process set up one server"
    );
    assert_eq!(
        second.count("community").await,
        1,
        "the second process set up one server"
    );
    // Both processes were ready (each answered), and only shard 0's registered commands.
    assert_eq!(
        fake.calls_matching("PUT", "/applications/").len(),
        1,
        "{:?}",
        fake.call_summary()
    );
    assert!(!fake.registered_commands(None).is_empty(), "registered globally");

    shard_0.stop().await;
    shard_1.stop().await;
}

#[tokio::test]
async fn the_second_process_waits_one_start_window_before_it_connects() {
    // Arrange and act: both processes start at the same moment.
    let fake = two_servers().await;
    let first = spawn_app(march_first()).await;
    let second = spawn_app(march_first()).await;
    let shard_0 = Bot::start_shards(&fake, first.app.clone(), "0-0/2").await;
    let shard_1 = Bot::start_shards(&fake, second.app.clone(), "1-1/2").await;
    let both = fake
        .wait_for(
            |f| f.identified().len() >= 2,
            START_WINDOW + Duration::from_secs(15),
        )
        .await;
    assert!(both, "both processes identified: {:?}", fake.identified());

    // Assert: one session per shard, the second a start window after the first. (Half
    // a window is the bar: each process's own time to connect varies on a busy machine,
    // and without the wait the two identify within milliseconds of each other.)
    let identified = fake.identified();
    let shards: Vec<[u64; 2]> = identified.iter().map(|i| i.shard).collect();
    assert_eq!(shards, vec![[0, 2], [1, 2]]);
    let gap = identified[1].at - identified[0].at;
    assert!(
        gap >= START_WINDOW / 2,
        "shard 1 identified {gap:?} after shard 0"
    );

    shard_0.stop().await;
    shard_1.stop().await;
}

#[tokio::test]
async fn hearth_serve_runs_the_shards_it_is_given_and_says_so() {
    // Arrange: `hearth serve` as the second of two processes.
    let fake = two_servers().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let log = std::fs::File::create(dir.path().join("serve.log")).expect("log file");
    let mut serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("serve")
        .env_clear()
        .env("HEARTH__DISCORD__TOKEN", "fake-token")
        .env("HEARTH__DISCORD__API_PROXY", fake.base_url())
        .env("HEARTH__DISCORD__SHARDS", "1-1/2")
        .env("HEARTH__DATABASE__PATH", dir.path().join("h.db"))
        .env("HEARTH__WEB__BIND", "")
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("hearth serve starts");
    let pid = serve.id().expect("a running process");

    // Act: it connects (after its turn), then is stopped.
    fake.wait_until_connected(START_WINDOW + Duration::from_secs(15))
        .await;
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    let exited = tokio::time::timeout(Duration::from_secs(10), serve.wait())
        .await
        .expect("hearth serve exits promptly on SIGTERM")
        .expect("hearth serve is awaited");

    // Assert: it identified as shard 1 of 2, said so, and left the commands alone.
    let logged = std::fs::read_to_string(dir.path().join("serve.log")).expect("the log");
    assert!(sent.success());
    assert!(exited.success(), "{exited:?}\n{logged}");
    let shards: Vec<[u64; 2]> = fake.identified().iter().map(|i| i.shard).collect();
    assert_eq!(shards, vec![[1, 2]], "{logged}");
    assert!(logged.contains("running shards 1-1 of 2"), "{logged}");
    assert!(
        fake.calls_matching("PUT", "/applications/").is_empty(),
        "{logged}"
    );
}

#[test]
fn hearth_serve_with_a_shard_range_it_cannot_use_says_how_to_write_it() {
    let dir = tempfile::tempdir().expect("temp dir");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("serve")
        .env_clear()
        .env("HEARTH__DISCORD__TOKEN", "fake-token")
        .env("HEARTH__DISCORD__SHARDS", "4-2/8")
        .current_dir(dir.path())
        .output()
        .expect("hearth runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("discord.shards"), "{stderr}");
    assert!(stderr.contains("ends before it starts"), "{stderr}");
    assert!(stderr.contains("\"0-3/8\""), "how to write it: {stderr}");
    let left_behind = std::fs::read_dir(dir.path()).expect("the dir").count();
    assert_eq!(
        left_behind, 0,
        "no database is created with settings that can't be used"
    );
}
