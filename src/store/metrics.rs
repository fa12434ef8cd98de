//! The counts `/metrics` reports across every community.

use chrono::{DateTime, Utc};
use sqlx::AnyExecutor;

use crate::domain::job::JobState;

use super::{parse_enum, to_unix, RowExt, StoreError};

/// How many jobs are in each state, across every community.
pub async fn job_states(db: impl AnyExecutor<'_>) -> Result<Vec<(JobState, i64)>, StoreError> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM job GROUP BY state")
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| Ok((parse_enum("job state", row.col("state")?)?, row.col("n")?)))
        .collect()
}

/// Sessions in `[from, to)` of groups with a rota pool, not cancelled, that have
/// fewer facilitators holding a place than they need.
pub async fn rota_gaps(
    db: impl AnyExecutor<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let n = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session s
         JOIN series r ON r.id = s.series_id
         JOIN meeting_group g ON g.id = r.group_id
         WHERE g.archived_at IS NULL AND s.status != 'cancelled'
             AND s.starts_at >= $1 AND s.starts_at < $2
             AND EXISTS (SELECT 1 FROM rota_facilitator f WHERE f.group_id = g.id AND f.active = 1)
             AND (SELECT COUNT(*) FROM rota_assignment a
                  WHERE a.session_id = s.id AND a.state != 'declined') < g.facilitators_needed",
    )
    .bind(to_unix(from))
    .bind(to_unix(to))
    .fetch_one(db)
    .await?;
    Ok(n)
}
