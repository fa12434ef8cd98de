//! The command line: `hearth console | serve | migrate | check-config | calendar export`,
//! and what each runs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use crate::app::AppError;
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::config::{ConfigError, LogFormat, Settings};
use crate::console::{self, Console};
use crate::startup::{Application, PartEnded, StartupError};
use crate::store::{self, DbOptions, StoreError};

/// hearth keeps a peer-support community's meeting schedule, RSVPs and facilitator
/// rota, and posts meeting cards, reminders and check-in prompts to its channels.
#[derive(Debug, Parser)]
#[command(name = "hearth", version, about, long_about = None)]
pub struct Cli {
    /// A settings file layered over the built-in defaults (see config/default.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try hearth in your terminal: type the same commands as on Discord
    /// (`/group create name:"Tuesday Circle" channel:#circle`). No Discord account needed.
    Console {
        /// The SQLite file to use (created if missing). Default: database.path from the settings.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Simulate time from this instant (RFC 3339, e.g. 2026-03-01T09:00:00Z); it then
        /// moves only with /clock set and /clock advance. Without it, real time.
        #[arg(long, value_name = "RFC3339")]
        clock: Option<String>,
        /// Stop at the first command that fails and exit non-zero (for scripted scenarios).
        #[arg(long)]
        strict: bool,
    },
    /// Run the Discord bot. Needs a bot token in HEARTH__DISCORD__TOKEN (or DISCORD_TOKEN,
    /// or discord.token_file in the settings).
    Serve {
        /// The SQLite file. Default: database.path from the settings.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Create the database if needed, apply pending migrations, and exit.
    Migrate {
        /// The SQLite file. Default: database.path from the settings.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Load and check the settings, print them with secrets hidden, and exit.
    CheckConfig,
    /// Calendar feeds without the web server.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Write a community's (or one group's) calendar feed, the same file
    /// /calendar/TOKEN.ics serves, to standard output or a file.
    Export {
        /// The SQLite file. Default: database.path from the settings.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// The community: a Discord server's id, or "console" for the console's.
        #[arg(long, default_value = "console")]
        community: String,
        /// Only this group's sessions (its name, as in group:).
        #[arg(long)]
        group: Option<String>,
        /// Write here instead of standard output.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

/// Why hearth could not start or finish; printed as one sentence.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("the database could not be opened or migrated")]
    Store(#[from] StoreError),
    #[error("hearth could not start")]
    Startup(#[from] StartupError),
    #[error("hearth stopped because {0}")]
    Stopped(#[from] PartEnded),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("--clock {0:?} isn't an RFC 3339 time; write it like 2026-03-01T09:00:00Z")]
    Clock(String),
    #[error(
        "no Discord bot token: set HEARTH__DISCORD__TOKEN (or DISCORD_TOKEN) to the token from \
         your application's Bot page. To try hearth without Discord, run: hearth console"
    )]
    MissingToken,
    #[error("the token file {path} could not be read: {error}")]
    TokenFile { path: String, error: std::io::Error },
    #[error("discord.{key} is invalid: {reason}")]
    DiscordSetting { key: &'static str, reason: String },
    #[error("{0}")]
    Serve(#[from] crate::discord::ServeError),
    #[error("the web side could not listen on {address} (web.bind): {error}. Is another program using it? Set web.bind to another address, or empty to turn the web side off.")]
    WebBind {
        address: std::net::SocketAddr,
        error: std::io::Error,
    },
    #[error("reading or writing the terminal failed: {0}")]
    Io(#[from] std::io::Error),
}

impl Cli {
    /// Runs the chosen command. Settings are loaded and validated once, here.
    pub async fn run(self) -> Result<ExitCode, RunError> {
        let settings = Settings::load(self.config.as_deref())?;
        // The console keeps its transcript on stdout clean: only warnings by default.
        let console = matches!(self.command, Command::Console { .. });
        let quiet = console || matches!(self.command, Command::Calendar { .. });
        init_logging(
            if quiet { "warn" } else { &settings.log.level },
            settings.log.format,
        );
        match self.command {
            Command::Console { db, clock, strict } => run_console(&settings, db, clock, strict).await,
            Command::Serve { db } => run_serve(&settings, db).await,
            Command::Migrate { db } => {
                let path = settings.database.location(db);
                let pool = store::open(&path, &db_options(&settings)).await?;
                store::migrate(&pool).await?;
                println!("Database {} is up to date.", path.display());
                Ok(ExitCode::SUCCESS)
            }
            Command::Calendar {
                command:
                    CalendarCommand::Export {
                        db,
                        community,
                        group,
                        out,
                    },
            } => {
                let path = settings.database.location(db);
                let application = Application::build(&settings, &path, Arc::new(SystemClock)).await?;
                let exported = application
                    .app()
                    .calendar_export(&community, group.as_deref())
                    .await;
                application.close().await;
                let ics = exported?;
                match out {
                    Some(out) => std::fs::write(&out, ics.body)?,
                    None => {
                        use std::io::Write;
                        std::io::stdout().write_all(ics.body.as_bytes())?;
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::CheckConfig => {
                println!("Settings are valid:\n{settings:#?}");
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

/// Logs go to stderr. `RUST_LOG` overrides the configured filter. Colours only on a
/// terminal: a log file or the journal would otherwise fill with escape codes.
/// `log.format = "json"` writes one JSON object a line instead, for log shippers.
fn init_logging(level: &str, format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests running several commands) keeps the first.
    let _already_set = match format {
        LogFormat::Plain => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
    };
}

fn db_options(settings: &Settings) -> DbOptions {
    DbOptions {
        busy_timeout: std::time::Duration::from_millis(settings.database.busy_timeout_ms),
        max_connections: settings.database.max_connections,
    }
}

async fn run_console(
    settings: &Settings,
    db: Option<PathBuf>,
    clock: Option<String>,
    strict: bool,
) -> Result<ExitCode, RunError> {
    let manual = clock
        .map(|text| {
            DateTime::parse_from_rfc3339(text.trim())
                .map(|at| ManualClock::new(at.with_timezone(&Utc)))
                .map_err(|_| RunError::Clock(text))
        })
        .transpose()?;
    let clock: Arc<dyn Clock> = match &manual {
        Some(manual) => Arc::new(manual.clone()),
        None => Arc::new(SystemClock),
    };
    let path = settings.database.location(db);
    let application = Application::build(settings, &path, clock).await?;
    let files_dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let console = Console::new(application.app().clone(), manual, |chat| {
        application.console_engine(chat)
    })
    .with_files_dir(&files_dir);
    let all_ok = console::run(console, strict).await?;
    application.close().await;
    Ok(if all_ok || !strict {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The bot token: the setting (or HEARTH__DISCORD__TOKEN), else DISCORD_TOKEN, else
/// the token file.
fn discord_options(settings: &Settings) -> Result<crate::discord::DiscordOptions, RunError> {
    use crate::config::Secret;
    let discord = &settings.discord;
    let token = if !discord.token.is_empty() {
        discord.token.clone()
    } else if let Some(token) = std::env::var("DISCORD_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        Secret::new(token)
    } else if !discord.token_file.trim().is_empty() {
        let path = discord.token_file.trim();
        let contents = std::fs::read_to_string(path).map_err(|error| RunError::TokenFile {
            path: path.to_string(),
            error,
        })?;
        Secret::new(contents.trim())
    } else {
        return Err(RunError::MissingToken);
    };
    if token.is_empty() {
        return Err(RunError::MissingToken);
    }
    let dev_guild = match discord.dev_guild.trim() {
        "" => None,
        id => Some(id.parse::<u64>().map_err(|_| RunError::DiscordSetting {
            key: "dev_guild",
            reason: format!("{id:?} is not a server id (a number)"),
        })?),
    };
    let api_proxy =
        Some(discord.api_proxy.trim().trim_end_matches('/').to_string()).filter(|p| !p.is_empty());
    if let Some(proxy) = &api_proxy {
        if !(proxy.starts_with("http://") || proxy.starts_with("https://")) {
            return Err(RunError::DiscordSetting {
                key: "api_proxy",
                reason: "must be an http:// or https:// URL".into(),
            });
        }
    }
    Ok(crate::discord::DiscordOptions {
        token,
        api_proxy,
        dev_guild,
    })
}

async fn run_serve(settings: &Settings, db: Option<PathBuf>) -> Result<ExitCode, RunError> {
    let options = discord_options(settings)?;
    let path = settings.database.location(db);
    let application = Application::build(settings, &path, Arc::new(SystemClock)).await?;
    let chat = crate::discord::chat::DiscordChat::new(options.token.expose(), options.api_proxy.clone())
        .map_err(|e| RunError::DiscordSetting {
            key: "api_proxy",
            reason: e.to_string(),
        })?;
    let client = crate::discord::client(&options, application.app().clone()).await?;
    let application = match settings.web.bind_addr()? {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|error| RunError::WebBind { address, error })?;
            application.with_web(listener)
        }
        None => application,
    };
    application
        .run_until_stopped(
            Arc::new(chat),
            |stopping| crate::discord::run(client, stopping.wait()),
            shutdown_signal(),
        )
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
