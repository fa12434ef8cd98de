//! Members' preferences (reminders by DM). The minimum, by design.

use sqlx::SqliteExecutor;

use super::StoreError;

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

/// Whether a member asked for reminders and news by DM.
pub async fn wants_dms(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    user_id: &str,
) -> Result<bool, StoreError> {
    let on: Option<bool> =
        sqlx::query_scalar("SELECT dm_reminders FROM member_prefs WHERE community_id = ? AND user_id = ?")
            .bind(community_id)
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(on.unwrap_or(false))
}
