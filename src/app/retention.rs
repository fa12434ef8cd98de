//! Retention as the app sees it: every community has its daily retention run planned
//! (the horizon roll makes sure of it, so a community created before this existed gets
//! one too), and `/status` says when it last ran and what it removed.

use chrono::{DateTime, Utc};

use crate::chat::{Text, TimeStyle};
use crate::domain::job::plan_retention;
use crate::domain::time::Tz;
use crate::store::{self, jobs, retention, Conn};

use super::{App, AppError};

impl App {
    /// Plans each community's next retention run, if it isn't planned yet.
    pub(crate) async fn keep_retention_daily(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut tx = store::begin_write(self.pool()).await?;
        for community in retention::communities(&mut tx).await? {
            jobs::upsert(&mut *tx, &community, None, &plan_retention(&community, now), now).await?;
        }
        self.commit(tx).await
    }
}

/// `/status`'s lines about retention.
pub(crate) async fn status_lines(
    conn: &mut Conn,
    community_id: &str,
    retention_days: i64,
    audit_days: i64,
    zone: Tz,
) -> Result<Vec<Text>, AppError> {
    let kept = Text::new().strong("Retention: ").plain(format!(
        "attendance and answers are kept {retention_days} days, the audit trail {audit_days} days."
    ));
    let last = match retention::last_run(conn, community_id).await? {
        None => Text::new().plain("The daily retention run hasn't run yet."),
        Some(run) => {
            let line = Text::new()
                .plain("Last retention run ")
                .time(run.ran_at, zone, TimeStyle::Full)
                .plain(" (")
                .time(run.ran_at, zone, TimeStyle::Relative)
                .plain(")");
            match run.error {
                Some(_) => line.plain(": it failed, so nothing was removed; it runs again tomorrow."),
                None => line.plain(format!(
                    ": removed {} answers, {} shifts, {} old messages and {} audit entries.",
                    run.answers, run.shifts, run.messages, run.audit
                )),
            }
        }
    };
    Ok(vec![kept, last])
}
