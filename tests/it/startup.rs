//! `hearth serve`'s supervision: the bot, the dispatcher and the horizon roller run
//! side by side, and whichever ends on its own stops the rest and says why.

use std::sync::Arc;

use hearth::app::AppSettings;
use hearth::clock::ManualClock;
use hearth::startup::Application;

use crate::support::march_first;
use crate::support::recording_chat::RecordingChat;

async fn application() -> Application {
    let pool = hearth::store::open_in_memory().await.expect("in-memory database");
    hearth::store::migrate(&pool).await.expect("migrations apply");
    let clock = Arc::new(ManualClock::new(march_first()));
    Application::on_pool(pool, clock, AppSettings::default(), 16)
        .await
        .expect("hearth builds")
}

/// A bot that does nothing but wait to be stopped, as a healthy one does.
async fn idle_bot(stopping: hearth::startup::Stopping) -> Result<(), std::io::Error> {
    stopping.wait().await;
    Ok(())
}

#[tokio::test]
async fn when_the_dispatcher_loses_its_database_serve_stops_and_names_it() {
    let application = application().await;
    let pool = application.app().pool().clone();
    let (chat, _deliveries) = RecordingChat::new(application.app().clock());
    pool.close().await;
    // The dispatcher pauses 5 s between tries: a minute of them, on paused time.
    tokio::time::pause();

    let ended = application
        .run_until_stopped(chat, idle_bot, std::future::pending())
        .await
        .expect_err("a dispatcher that cannot reach its jobs ends the run");

    assert_eq!(ended.part, "dispatcher");
    let said = ended.to_string();
    assert!(said.starts_with("the dispatcher stopped: "), "{said}");
    assert!(
        said.contains("could not reach its jobs 12 times in a row"),
        "{said}"
    );
    assert!(said.contains("closed"), "the database's own words: {said}");
}

#[tokio::test]
async fn when_the_bot_stops_with_an_error_the_dispatcher_is_stopped_too() {
    let application = application().await;
    let (chat, _deliveries) = RecordingChat::new(application.app().clock());

    let ended = application
        .run_until_stopped(
            chat,
            |_stopping| async { Err::<(), _>(std::io::Error::other("the gateway closed the connection")) },
            std::future::pending(),
        )
        .await
        .expect_err("a bot that stops ends the run");

    assert_eq!(ended.part, "Discord bot");
    assert!(
        ended.cause.contains("the gateway closed the connection"),
        "{ended}"
    );
}

#[tokio::test]
async fn a_stop_signal_stops_every_part_and_is_not_an_error() {
    let application = application().await;
    let (chat, _deliveries) = RecordingChat::new(application.app().clock());

    let stopped = application.run_until_stopped(chat, idle_bot, async {}).await;

    assert!(stopped.is_ok(), "{stopped:?}");
}
