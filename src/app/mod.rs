//! The use-cases: one function per command. Each checks permissions, applies the
//! domain rules, runs its writes in one transaction and returns a [`Reply`] that an
//! adapter renders. Discord and the console call the same functions.

pub mod audit_trail;
pub mod calendar;
pub mod catalogue;
mod chart;
pub mod dropin;
mod error;
pub mod groups;
pub mod health;
mod horizon;
pub mod input;
mod jobs;
pub mod lookup;
pub mod meetings;
pub mod outcomes;
pub mod page;
pub mod privacy;
pub mod prompts;
pub mod quarterly;
pub mod reminders;
pub mod report;
pub mod retention;
pub mod rota;
pub mod rsvp;
pub mod setup;
pub mod status;
pub mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

pub use error::AppError;
pub use horizon::RollReport;

use crate::chat::Reply;
use crate::clock::Clock;
use crate::domain::group::name_key;
use crate::domain::role::{Action, Role};
use crate::store::{self, audit, groups as group_store};

/// What every use-case returns.
pub type AppResult = Result<Reply, AppError>;

/// Settings the use-cases need.
#[derive(Debug, Clone)]
pub struct AppSettings {
    pub horizon_weeks: u32,
    pub default_duration_minutes: u32,
    /// RSVPs close this many minutes before a session starts (0: at the start).
    pub rsvp_close_minutes: u32,
    /// Where hearth's web side is reached from outside, without a trailing `/`
    /// (`https://hearth.example.org`): calendar links start with it.
    pub public_url: String,
    /// How many of hearth's Discord scheduled events a server has at once at most
    /// (`events.max_active`).
    pub events_max_active: usize,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            horizon_weeks: 12,
            default_duration_minutes: 90,
            rsvp_close_minutes: 0,
            public_url: "http://127.0.0.1:8080".into(),
            events_max_active: crate::domain::event::DEFAULT_MAX_ACTIVE,
        }
    }
}

/// Who is asking, in which community, as the adapter resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub community_id: String,
    /// Stable id: a Discord user id, or `console:NAME`.
    pub user_id: String,
    pub name: String,
    pub role: Role,
}

/// The application: a database, a clock and settings.
#[derive(Clone)]
pub struct App {
    pool: store::Db,
    clock: Arc<dyn Clock>,
    settings: AppSettings,
    /// Woken after every change to the jobs, so the dispatcher re-plans its sleep.
    jobs_changed: Arc<Notify>,
    /// What the dispatcher and the gateway say about themselves, for `/health`.
    health: Arc<health::Health>,
}

impl App {
    pub fn new(pool: store::Db, clock: Arc<dyn Clock>, settings: AppSettings) -> Self {
        App {
            pool,
            clock,
            settings,
            jobs_changed: Arc::new(Notify::new()),
            health: Arc::default(),
        }
    }

    /// Where the running parts report whether they are up.
    pub fn health_flags(&self) -> &Arc<health::Health> {
        &self.health
    }

    /// The signal the dispatcher waits on besides its timer.
    pub fn jobs_changed(&self) -> Arc<Notify> {
        self.jobs_changed.clone()
    }

    /// Commits a transaction that may have changed jobs, then wakes the dispatcher.
    async fn commit(&self, tx: store::Tx) -> Result<(), AppError> {
        tx.commit().await.map_err(store::StoreError::from)?;
        self.jobs_changed.notify_one();
        Ok(())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The clock the app reads, for the dispatcher that runs beside it.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn pool(&self) -> &store::Db {
        &self.pool
    }

    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    fn horizon_end(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::weeks(i64::from(self.settings.horizon_weeks))
    }
}

/// Refuses with a sentence naming the role needed, and who holds it.
fn authorize(actor: &Actor, action: Action, doing: &str) -> Result<(), AppError> {
    if actor.role.may(action) {
        return Ok(());
    }
    let (needed, ask) = match action {
        Action::Browse => (Role::Member, "a member of the community"),
        Action::Facilitate => (Role::Facilitator, "a facilitator of the group"),
        Action::Organise => (
            Role::Coordinator,
            "a coordinator (someone with Manage Server or the community's coordinator role)",
        ),
    };
    Err(AppError::Forbidden(format!(
        "Only a {needed} can {doing}. If this needs doing, please ask {ask}."
    )))
}

/// Finds a group by the name as typed, case-insensitively; suggests a near miss.
async fn find_group(
    conn: &mut store::Conn,
    community_id: &str,
    typed: &str,
) -> Result<group_store::Group, AppError> {
    let key = name_key(typed);
    if key.is_empty() {
        return Err(AppError::invalid(
            "Which group? Name it like group:\"Tuesday Circle\".",
        ));
    }
    if let Some(group) = group_store::find_by_key(&mut *conn, community_id, &key).await? {
        return Ok(group);
    }
    let groups = group_store::list(&mut *conn, community_id, false).await?;
    let closest = groups
        .iter()
        .map(|g| (strsim::jaro_winkler(&key, &name_key(&g.name)), g))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match closest {
        Some((_, group)) => format!(" Did you mean \"{}\"?", group.name),
        None => String::new(),
    };
    Err(AppError::NotFound(format!(
        "I can't find a group called \"{}\".{hint} /group list shows them all.",
        typed.trim()
    )))
}

/// The group named by an optional `group:`, or `None` when it was left out.
async fn find_optional_group(
    conn: &mut store::Conn,
    community_id: &str,
    typed: Option<&str>,
) -> Result<Option<group_store::Group>, AppError> {
    match typed {
        Some(typed) => Ok(Some(find_group(conn, community_id, typed).await?)),
        None => Ok(None),
    }
}

/// A group that can still be changed.
fn require_active(group: &group_store::Group) -> Result<(), AppError> {
    if group.archived {
        return Err(AppError::invalid(format!(
            "\"{}\" is archived, so it can't be changed. Create a new group if it is starting again.",
            group.name
        )));
    }
    Ok(())
}

async fn record_audit(
    conn: &mut store::Conn,
    actor: &Actor,
    action: &str,
    target: String,
    detail: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let entry = audit::AuditEntry {
        actor: actor.user_id.clone(),
        action: action.into(),
        target,
        detail,
        at,
    };
    audit::record(conn, &actor.community_id, &entry).await?;
    Ok(())
}
