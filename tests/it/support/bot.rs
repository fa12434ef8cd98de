//! hearth's own Discord client (`discord::client` + `discord::run`) running in a task
//! against the fake Discord, as `hearth serve` runs it.

use std::time::Duration;

use hearth::app::App;
use hearth::config::Secret;
use hearth::discord::{DiscordOptions, ServeError};
use hearth::domain::shard::Shards;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::fake_discord::{Actor, Answer, FakeDiscord};

/// How long a test waits for the bot before it fails.
pub const WAIT: Duration = Duration::from_secs(5);

/// The embed colours of replies (`discord::render`): done, and a problem.
pub const DONE_COLOUR: u64 = 0x4c9a6a;
pub const PROBLEM_COLOUR: u64 = 0xc98a3c;

pub struct Bot {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Bot {
    /// Starts the bot on `app`, talking to `fake`, registering commands in its guild.
    pub async fn start(fake: &FakeDiscord, app: App) -> Bot {
        Self::start_with(fake, app, Some(FakeDiscord::GUILD_ID), Shards::Auto).await
    }

    /// Starts the bot as one of several processes: running `shards`, registering
    /// commands globally (if it runs shard 0).
    pub async fn start_shards(fake: &FakeDiscord, app: App, shards: &str) -> Bot {
        let shards = Shards::parse(shards).expect("a shard range a test can use");
        Self::start_with(fake, app, None, shards).await
    }

    async fn start_with(fake: &FakeDiscord, app: App, dev_guild: Option<u64>, shards: Shards) -> Bot {
        let options = DiscordOptions {
            token: Secret::new("fake-token"),
            api_proxy: Some(fake.base_url()),
            dev_guild,
            shards,
        };
        let client = hearth::discord::client(&options, app)
            .await
            .expect("hearth's Discord client builds");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(hearth::discord::run(client, shards, async move {
            // A dropped sender (a failing test) stops the bot too.
            let _sent_or_dropped = stopped.await;
        }));
        Bot { shutdown, task }
    }

    /// Asks the bot to shut down and waits until it has closed the gateway.
    pub async fn stop(self) {
        // The bot may have ended already; then the join below reports why.
        let _still_running = self.shutdown.send(());
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the bot stops promptly after shutdown")
            .expect("the bot task did not panic")
            .expect("the bot ran and stopped cleanly");
    }
}

/// The colour of an answer's first embed.
pub fn colour(answer: &Answer) -> Option<u64> {
    answer.embeds.first().and_then(|e| e["color"].as_u64())
}

/// Whether an answer is a problem (refused, or the input couldn't be used).
pub fn is_problem(answer: &Answer) -> bool {
    colour(answer) == Some(PROBLEM_COLOUR)
}

/// Someone with Manage Server: a coordinator.
pub fn coordinator() -> Actor {
    Actor::member(42, "cora").permissions(FakeDiscord::MEMBER_PERMISSIONS | FakeDiscord::MANAGE_GUILD)
}
