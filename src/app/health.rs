//! Whether hearth is whole: the database answers, the dispatcher runs, the gateway
//! is connected. The parts say so themselves ([`Health::running`] is held by the
//! dispatcher's task for as long as it lives, the Discord adapter reports the
//! gateway), and `/health` asks [`App::health`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::store::{self, calendar as feeds};

use super::App;

/// The parts `/health` reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Dispatcher,
    Gateway,
}

/// What the running parts have said about themselves.
#[derive(Debug, Default)]
pub struct Health {
    dispatcher: AtomicBool,
    gateway: AtomicBool,
}

impl Health {
    fn flag(&self, part: Part) -> &AtomicBool {
        match part {
            Part::Dispatcher => &self.dispatcher,
            Part::Gateway => &self.gateway,
        }
    }

    /// Marks `part` as up until the returned guard is dropped: a task holds it, so
    /// the part reads as down the moment the task ends, panics or is aborted.
    pub fn running(self: &Arc<Self>, part: Part) -> Running {
        self.flag(part).store(true, Ordering::SeqCst);
        Running {
            health: self.clone(),
            part,
        }
    }

    /// For a part that reports changes itself (the gateway: connected, resuming, lost).
    pub fn set(&self, part: Part, up: bool) {
        self.flag(part).store(up, Ordering::SeqCst);
    }

    pub fn is_up(&self, part: Part) -> bool {
        self.flag(part).load(Ordering::SeqCst)
    }
}

/// Held while a part runs; see [`Health::running`].
pub struct Running {
    health: Arc<Health>,
    part: Part,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.health.set(self.part, false);
    }
}

/// One look at every part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthReport {
    pub database: bool,
    pub dispatcher: bool,
    pub gateway: bool,
}

impl HealthReport {
    pub fn healthy(&self) -> bool {
        self.database && self.dispatcher && self.gateway
    }

    /// The names of the parts that are down, in a fixed order.
    pub fn failing(&self) -> Vec<&'static str> {
        [
            ("database", self.database),
            ("dispatcher", self.dispatcher),
            ("gateway", self.gateway),
        ]
        .into_iter()
        .filter(|(_, up)| !up)
        .map(|(name, _)| name)
        .collect()
    }
}

impl App {
    /// The parts' own reports, and whether the database answers now.
    pub async fn health(&self) -> HealthReport {
        let database = match self.pool().acquire().await {
            Ok(mut conn) => match feeds::ping(&mut *conn).await {
                Ok(()) => true,
                Err(error) => {
                    tracing::warn!(error = %crate::report::cause_chain(&error), "health: the database did not answer");
                    false
                }
            },
            Err(error) => {
                let error = store::StoreError::from(error);
                tracing::warn!(error = %crate::report::cause_chain(&error), "health: no database connection");
                false
            }
        };
        HealthReport {
            database,
            dispatcher: self.health_flags().is_up(Part::Dispatcher),
            gateway: self.health_flags().is_up(Part::Gateway),
        }
    }
}

/// Counts for `/metrics`, read when it is scraped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gauges {
    pub jobs: Vec<(crate::domain::job::JobState, i64)>,
    /// Sessions within the horizon still short of facilitators.
    pub rota_gaps: i64,
}

impl App {
    pub async fn gauges(&self) -> Result<Gauges, super::AppError> {
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let jobs = store::metrics::job_states(&mut *conn).await?;
        let rota_gaps = store::metrics::rota_gaps(&mut *conn, now, self.horizon_end(now)).await?;
        Ok(Gauges { jobs, rota_gaps })
    }
}
