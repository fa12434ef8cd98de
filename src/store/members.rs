//! What hearth keeps about members: RSVPs and preferences. The minimum, by design.

use chrono::{DateTime, Utc};
use sqlx::SqliteExecutor;

use super::{to_unix, StoreError};

/// Records (or changes) a member's RSVP to a session.
pub async fn set_rsvp(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
    user_id: &str,
    state: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rsvp (session_id, user_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (session_id, user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(state)
    .bind(to_unix(now))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// How many are going to a session.
pub async fn going_count(db: impl SqliteExecutor<'_>, session_id: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM rsvp WHERE session_id = ? AND state = 'going'")
            .bind(session_id)
            .fetch_one(db)
            .await?,
    )
}

/// Members going to a session who asked for reminders by DM.
pub async fn going_with_dm_reminders(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    session_id: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT r.user_id FROM rsvp r
         JOIN member_prefs p ON p.user_id = r.user_id AND p.community_id = ?
         WHERE r.session_id = ? AND r.state = 'going' AND p.dm_reminders = 1
         ORDER BY r.user_id",
    )
    .bind(community_id)
    .bind(session_id)
    .fetch_all(db)
    .await?)
}

pub async fn set_dm_reminders(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    user_id: &str,
    on: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO member_prefs (community_id, user_id, dm_reminders) VALUES (?, ?, ?)
         ON CONFLICT (community_id, user_id) DO UPDATE SET dm_reminders = excluded.dm_reminders",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(on)
    .execute(db)
    .await?;
    Ok(())
}

/// A member's RSVP state for a session, if they answered.
pub async fn rsvp_state(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
    user_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT state FROM rsvp WHERE session_id = ? AND user_id = ?")
            .bind(session_id)
            .bind(user_id)
            .fetch_optional(db)
            .await?,
    )
}
