//! Builds hearth once and runs it supervised.
//!
//! [`Application::build`] opens and migrates the database, builds the app and rolls
//! the session horizon; [`Application::engine`] and [`Application::console_engine`]
//! are the one place a dispatcher is built. `hearth serve`, the console and the tests
//! all start here. [`Application::run_until_stopped`] runs the bot, the dispatcher,
//! the horizon roller and (when bound) the web server side by side: a stop signal
//! stops them all, and if any one of them ends on its own (an error, a panic, or a return nobody asked
//! for) the others are stopped and the cause is returned, so the process exits
//! non-zero and its service manager starts it again. A bot that answers commands but
//! never posts again is not a state hearth can be left in.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::health::Part;
use crate::app::{App, AppError, AppSettings};
use crate::chat::ChatPort;
use crate::clock::Clock;
use crate::config::Settings;
use crate::engine::Engine;
use crate::report::cause_chain;
use crate::store::{self, Db, DbOptions, StoreError};

/// Why hearth could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the database could not be opened or migrated")]
    Store(#[from] StoreError),
    #[error("the sessions could not be planned up to the horizon")]
    Horizon(#[source] AppError),
}

/// One of the parts [`Application::run_until_stopped`] runs ended on its own.
#[derive(Debug, thiserror::Error)]
#[error("the {part} stopped: {cause}")]
pub struct PartEnded {
    /// `Discord bot`, `dispatcher`, `horizon roller` or `web server`.
    pub part: &'static str,
    /// What it said, with its causes.
    pub cause: String,
}

/// The app and what its dispatchers are built from.
pub struct Application {
    app: App,
    pool: Db,
    max_in_flight: usize,
    /// `engine.instance`: see [`Engine::with_instance`].
    instance: String,
    /// Where the web side listens, once [`Application::with_web`] bound it.
    web: Option<tokio::net::TcpListener>,
}

/// Stops a task when dropped: the job listener, as `hearth serve` stops.
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// How often the horizon rolls forward while hearth runs.
const ROLL_EVERY: Duration = Duration::from_secs(6 * 3600);
/// How long the other parts get to finish once one has stopped.
const STOP_GRACE: Duration = Duration::from_secs(30);

impl Application {
    /// Opens (creating and migrating) the database at `db`, builds the app on
    /// `clock`, and materialises sessions up to the horizon.
    pub async fn build(settings: &Settings, db: &Path, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let options = DbOptions {
            busy_timeout: Duration::from_millis(settings.database.busy_timeout_ms),
            max_connections: settings.database.max_connections,
        };
        let pool = store::open(db, &options).await?;
        store::migrate(&pool).await?;
        let mut application =
            Self::on_pool(pool, clock, app_settings(settings), settings.engine.max_in_flight).await?;
        application.instance = settings.engine.instance.clone();
        Ok(application)
    }

    /// The same on a database already open and migrated (tests, benchmarks).
    pub async fn on_pool(
        pool: Db,
        clock: Arc<dyn Clock>,
        settings: AppSettings,
        max_in_flight: usize,
    ) -> Result<Self, StartupError> {
        let app = App::new(pool.clone(), clock, settings);
        app.roll_horizon().await.map_err(StartupError::Horizon)?;
        Ok(Application {
            app,
            pool,
            max_in_flight,
            instance: crate::engine::DEFAULT_INSTANCE.to_string(),
            web: None,
        })
    }

    /// Serves the web side (`/health`, `/metrics`, calendar feeds) on `listener`
    /// alongside the other parts of [`Application::run_until_stopped`].
    pub fn with_web(mut self, listener: tokio::net::TcpListener) -> Self {
        self.web = Some(listener);
        self
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The dispatcher posting through `chat`, paced to Discord's limits, with up to
    /// `engine.max_in_flight` requests at once.
    pub fn engine(&self, chat: Arc<dyn ChatPort>) -> Engine {
        Engine::new(self.pool.clone(), chat, self.app.clock(), self.app.jobs_changed())
            .with_max_in_flight(self.max_in_flight)
            .with_events_max_active(self.app.settings().events_max_active)
            .with_instance(&self.instance)
    }

    /// The console's dispatcher: a terminal has no rate limits, and one post at a time
    /// keeps the transcript in due order.
    pub fn console_engine(&self, chat: Arc<dyn ChatPort>) -> Engine {
        Engine::new(self.pool.clone(), chat, self.app.clock(), self.app.jobs_changed())
            .unpaced()
            .with_max_in_flight(1)
            .with_events_max_active(self.app.settings().events_max_active)
    }

    /// Closes the database once everything using it has stopped.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs the bot (`bot` is handed the stop signal it must honour), the dispatcher
    /// posting through `chat`, and the horizon roller, until `shutdown` resolves or
    /// one of them ends on its own. `Ok` after a requested stop; the part that ended
    /// and why otherwise.
    pub async fn run_until_stopped<B, F, E>(
        mut self,
        chat: Arc<dyn ChatPort>,
        bot: B,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), PartEnded>
    where
        B: FnOnce(Stopping) -> F,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        let stop = watch::Sender::new(false);
        let mut parts: JoinSet<(&'static str, Result<(), String>)> = JoinSet::new();
        let engine = self.engine(chat);
        // Other processes sharing a PostgreSQL queue wake this one's dispatcher when
        // they leave a job waiting (on SQLite there are none).
        let _listening = match store::jobs::wake_on_changes(&self.pool, self.app.jobs_changed()).await {
            Ok(listening) => AbortOnDrop(listening),
            Err(error) => {
                tracing::warn!(
                    error = %cause_chain(&error),
                    "can't listen for other processes' jobs; this dispatcher finds them as it goes"
                );
                AbortOnDrop(None)
            }
        };
        let stopping = Stopping(stop.subscribe());
        let health = self.app.health_flags().clone();
        parts.spawn(async move {
            // Up for as long as this task lives, however it ends.
            let _running = health.running(Part::Dispatcher);
            let ended = engine.run(stopping.wait()).await;
            ("dispatcher", ended.map_err(|e| cause_chain(&e)))
        });
        if let Some(listener) = self.web.take() {
            let app = self.app.clone();
            let stopping = Stopping(stop.subscribe());
            parts.spawn(async move {
                let ended = crate::web::serve(listener, app, stopping.wait()).await;
                ("web server", ended.map_err(|e| cause_chain(&e)))
            });
        }
        let app = self.app.clone();
        let stopping = Stopping(stop.subscribe());
        parts.spawn(async move {
            roll_horizon_regularly(app, stopping.wait()).await;
            ("horizon roller", Ok(()))
        });
        let running_bot = bot(Stopping(stop.subscribe()));
        let health = self.app.health_flags().clone();
        parts.spawn(async move {
            let ended = running_bot.await;
            health.set(Part::Gateway, false);
            ("Discord bot", ended.map_err(|e| cause_chain(&e)))
        });

        tokio::pin!(shutdown);
        let first = tokio::select! {
            () = &mut shutdown => None,
            ended = parts.join_next() => ended,
        };
        stop.send_replace(true);
        let ended = first.map(|ended| match ended {
            Ok((part, Ok(()))) => PartEnded {
                part,
                cause: "it returned without being asked to stop".into(),
            },
            Ok((part, Err(cause))) => PartEnded { part, cause },
            Err(error) => PartEnded {
                part: "background task",
                cause: format!("it panicked: {error}"),
            },
        });
        match &ended {
            Some(ended) => {
                tracing::error!(part = ended.part, cause = %ended.cause, "a part of hearth stopped; stopping the rest")
            }
            None => {
                tracing::info!("stopping: the bot, the dispatcher, the horizon roller and the web server")
            }
        }
        let finish = async {
            while let Some(joined) = parts.join_next().await {
                match joined {
                    Ok((_, Ok(()))) => {}
                    Ok((part, Err(cause))) => tracing::error!(part, %cause, "stopped with an error"),
                    Err(error) => tracing::error!(%error, "a part panicked while stopping"),
                }
            }
        };
        if tokio::time::timeout(STOP_GRACE, finish).await.is_err() {
            tracing::error!("a part did not stop within {STOP_GRACE:?}; leaving it");
        }
        self.close().await;
        match ended {
            Some(ended) => Err(ended),
            None => Ok(()),
        }
    }
}

/// The stop signal a part is handed: [`Stopping::wait`] resolves once a stop is asked.
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    pub async fn wait(mut self) {
        // An error means the sender is gone, which also means stop.
        let _sender_gone_or_stopped = self.0.wait_for(|stop| *stop).await;
    }
}

/// The app's settings from hearth's.
pub fn app_settings(settings: &Settings) -> AppSettings {
    AppSettings {
        horizon_weeks: settings.schedule.horizon_weeks,
        default_duration_minutes: settings.schedule.default_duration_minutes,
        rsvp_close_minutes: settings.schedule.rsvp_close_minutes,
        public_url: settings.web.base_url(),
        events_max_active: settings.events.max_active,
    }
}

/// Keeps sessions (and their reminders) materialised up to the horizon as days pass.
async fn roll_horizon_regularly(app: App, stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    let mut every = tokio::time::interval(ROLL_EVERY);
    every.tick().await;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = &mut stop => return,
        }
        if let Err(error) = app.roll_horizon().await {
            tracing::error!(error = %cause_chain(&error), "could not roll the session horizon forward");
        }
    }
}
