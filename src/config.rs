//! Typed settings, loaded and validated once at start-up.
//!
//! Layers, later wins: `config/default.toml` (built into the binary, so hearth runs
//! from any folder), an optional file given with `--config`, then environment
//! variables `HEARTH__SECTION__KEY`. Secrets are wrapped in [`Secret`] so they never
//! reach a log line or a `Debug` print.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The documented defaults, compiled in.
const DEFAULTS: &str = include_str!("../config/default.toml");

/// Everything hearth can be told.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub schedule: ScheduleSettings,
    pub discord: DiscordSettings,
    pub engine: EngineSettings,
    pub log: LogSettings,
    pub web: WebSettings,
    pub events: EventsSettings,
}

/// Sessions mirrored as Discord scheduled events.
#[derive(Debug, Clone, Deserialize)]
pub struct EventsSettings {
    /// How many of hearth's events a server has at once at most: those of the nearest
    /// sessions. Discord allows 100 in all, shared with the server's own events.
    pub max_active: usize,
}

/// The web side: `/health`, `/metrics`, calendar feeds.
#[derive(Debug, Clone, Deserialize)]
pub struct WebSettings {
    /// `host:port` to listen on; empty for no web side.
    pub bind: String,
    /// The address members reach it by, for the links hearth gives out; empty for
    /// `http://` + `bind`.
    pub public_url: String,
}

impl WebSettings {
    /// The address to listen on, or `None` when the web side is off.
    pub fn bind_addr(&self) -> Result<Option<std::net::SocketAddr>, ConfigError> {
        let bind = self.bind.trim();
        if bind.is_empty() {
            return Ok(None);
        }
        bind.parse().map(Some).map_err(|_| ConfigError::Invalid {
            key: "web.bind",
            reason: format!(
                "{bind:?} is not an address and port like 127.0.0.1:8080 (empty turns the web side off)"
            ),
        })
    }

    /// Where links point: `public_url`, else `http://` + `bind`.
    pub fn base_url(&self) -> String {
        let public = self.public_url.trim().trim_end_matches('/');
        if !public.is_empty() {
            return public.to_string();
        }
        match self.bind.trim() {
            "" => "http://127.0.0.1:8080".to_string(),
            bind => format!("http://{bind}"),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Plain,
    /// One JSON object a line, for log shippers.
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EngineSettings {
    pub max_in_flight: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub path: PathBuf,
    /// `postgres://…` (or `sqlite://…`): when set, used instead of `path`.
    #[serde(default)]
    pub url: String,
    pub busy_timeout_ms: u64,
    pub max_connections: u32,
}

impl DatabaseSettings {
    /// The database to open: a `--db` given on the command line (a file or a URL),
    /// else `database.url` when set, else `database.path`.
    pub fn location(&self, flag: Option<PathBuf>) -> PathBuf {
        flag.unwrap_or_else(|| {
            if self.url.trim().is_empty() {
                self.path.clone()
            } else {
                PathBuf::from(self.url.trim())
            }
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScheduleSettings {
    pub horizon_weeks: u32,
    pub default_duration_minutes: u32,
    pub rsvp_close_minutes: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DiscordSettings {
    pub token: Secret,
    pub token_file: String,
    pub dev_guild: String,
    pub api_proxy: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub level: String,
    pub format: LogFormat,
}

/// A string that must never be printed: its `Debug` and `Display` are redacted.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_empty() {
            "Secret(<empty>)"
        } else {
            "Secret(<redacted>)"
        })
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why the settings could not be used; each message names the key to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the settings: {0}")]
    Load(#[from] config::ConfigError),
    #[error("setting {key} is invalid: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl Settings {
    /// Loads the layers from the real process environment.
    pub fn load(extra_file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::load_from(extra_file, std::env::vars())
    }

    /// Loads the layers with the given environment (tests pass their own).
    pub fn load_from(
        extra_file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = extra_file {
            builder = builder.add_source(config::File::from(path).required(true));
        }
        let env_map = env
            .into_iter()
            .filter(|(key, _)| key.starts_with("HEARTH__"))
            .collect::<std::collections::HashMap<_, _>>();
        builder = builder.add_source(
            config::Environment::with_prefix("HEARTH")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env_map)),
        );
        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=104).contains(&self.schedule.horizon_weeks) {
            return Err(ConfigError::Invalid {
                key: "schedule.horizon_weeks",
                reason: format!("{} is outside 1 to 104", self.schedule.horizon_weeks),
            });
        }
        if !(1..=24 * 60).contains(&self.schedule.default_duration_minutes) {
            return Err(ConfigError::Invalid {
                key: "schedule.default_duration_minutes",
                reason: "must be between 1 and 1440".into(),
            });
        }
        if self.database.path.as_os_str().is_empty() {
            return Err(ConfigError::Invalid {
                key: "database.path",
                reason: "is empty".into(),
            });
        }
        if !(1..=64).contains(&self.engine.max_in_flight) {
            return Err(ConfigError::Invalid {
                key: "engine.max_in_flight",
                reason: format!("{} is outside 1 to 64", self.engine.max_in_flight),
            });
        }
        let most = crate::domain::event::MAX_ACTIVE_LIMIT;
        if !(1..=most).contains(&self.events.max_active) {
            return Err(ConfigError::Invalid {
                key: "events.max_active",
                reason: format!(
                    "{} is outside 1 to {most} (Discord holds 100 events a server, and the server's own need room)",
                    self.events.max_active
                ),
            });
        }
        self.web.bind_addr()?;
        let public = self.web.public_url.trim();
        if !(public.is_empty() || public.starts_with("http://") || public.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "web.public_url",
                reason: "must be an http:// or https:// URL, or empty".into(),
            });
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid {
                key: "database.max_connections",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_built_in_defaults_load_and_validate() {
        let settings = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(settings.database.path, PathBuf::from("hearth.db"));
        assert_eq!(settings.schedule.horizon_weeks, 12);
        assert!(settings.discord.token.is_empty());
        assert_eq!(settings.engine.max_in_flight, 16);
        assert_eq!(
            settings.web.bind_addr().unwrap(),
            Some("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(settings.log.format, LogFormat::Plain);
        assert_eq!(settings.events.max_active, 50);
    }

    #[test]
    fn an_events_cap_near_discords_limit_is_refused() {
        let error = Settings::load_from(None, env(&[("HEARTH__EVENTS__MAX_ACTIVE", "100")])).unwrap_err();
        assert!(error.to_string().contains("events.max_active"), "{error}");
        let settings = Settings::load_from(None, env(&[("HEARTH__EVENTS__MAX_ACTIVE", "20")])).unwrap();
        assert_eq!(settings.events.max_active, 20);
    }

    #[test]
    fn an_empty_bind_turns_the_web_side_off_and_json_logs_can_be_chosen() {
        let settings = Settings::load_from(
            None,
            env(&[("HEARTH__WEB__BIND", ""), ("HEARTH__LOG__FORMAT", "json")]),
        )
        .unwrap();
        assert_eq!(settings.web.bind_addr().unwrap(), None);
        assert_eq!(settings.log.format, LogFormat::Json);
    }

    #[test]
    fn a_bind_that_is_not_an_address_names_the_key() {
        let error = Settings::load_from(None, env(&[("HEARTH__WEB__BIND", "localhost")])).unwrap_err();
        assert!(error.to_string().contains("web.bind"), "{error}");
    }

    #[test]
    fn environment_variables_override_the_defaults() {
        let settings = Settings::load_from(
            None,
            env(&[
                ("HEARTH__DATABASE__PATH", "/tmp/other.db"),
                ("HEARTH__SCHEDULE__HORIZON_WEEKS", "20"),
                ("HEARTH__DISCORD__TOKEN", "abc.def"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.database.path, PathBuf::from("/tmp/other.db"));
        assert_eq!(settings.schedule.horizon_weeks, 20);
        assert_eq!(settings.discord.token.expose(), "abc.def");
    }

    #[test]
    fn a_secret_never_prints() {
        let settings = Settings::load_from(None, env(&[("HEARTH__DISCORD__TOKEN", "very-secret")])).unwrap();
        let printed = format!("{settings:?} {}", settings.discord.token);
        assert!(!printed.contains("very-secret"), "{printed}");
    }

    #[test]
    fn an_out_of_range_horizon_names_the_key() {
        let error = Settings::load_from(None, env(&[("HEARTH__SCHEDULE__HORIZON_WEEKS", "0")])).unwrap_err();
        assert!(error.to_string().contains("schedule.horizon_weeks"), "{error}");
    }
}
