//! Members' preferences (reminders by DM). The minimum, by design.

use sqlx::SqliteExecutor;

use super::StoreError;

/// Turns a member's reminders by DM on or off.
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
