//! Members' preferences (reminders by DM). The minimum, by design.

use sqlx::AnyExecutor;

use super::StoreError;

/// Turns a member's reminders by DM on or off.
pub async fn set_dm_reminders(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    user_id: &str,
    on: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO member_prefs (community_id, user_id, dm_reminders) VALUES ($1, $2, $3)
         ON CONFLICT (community_id, user_id) DO UPDATE SET dm_reminders = excluded.dm_reminders",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(i64::from(on))
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a member asked for reminders and news by DM.
pub async fn wants_dms(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    user_id: &str,
) -> Result<bool, StoreError> {
    let on: Option<i64> =
        sqlx::query_scalar("SELECT dm_reminders FROM member_prefs WHERE community_id = $1 AND user_id = $2")
            .bind(community_id)
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(on.is_some_and(|on| on != 0))
}
