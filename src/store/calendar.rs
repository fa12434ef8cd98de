//! Calendar feeds: the token each community's or group's feed is reached by, and
//! the sessions a feed lists.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteExecutor};

use crate::domain::calendar::FeedSession;

use super::{from_unix, parse_date, parse_enum, parse_zone, to_unix, StoreError};

/// What a feed's token opens: a community's sessions, or one group's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub community_id: String,
    /// `None`: every active group of the community.
    pub group_id: Option<i64>,
    pub token: String,
}

/// The live feed of a community (`group_id` `None`) or group, if one was made.
pub async fn find(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    group_id: Option<i64>,
) -> Result<Option<Feed>, StoreError> {
    let row = sqlx::query(
        "SELECT community_id, group_id, token FROM calendar_feed
         WHERE community_id = ? AND COALESCE(group_id, 0) = COALESCE(?, 0)",
    )
    .bind(community_id)
    .bind(group_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| feed_from_row(&row)).transpose()
}

/// The feed a token opens; `None` for a token never made or since reset.
pub async fn by_token(db: impl SqliteExecutor<'_>, token: &str) -> Result<Option<Feed>, StoreError> {
    let row = sqlx::query("SELECT community_id, group_id, token FROM calendar_feed WHERE token = ?")
        .bind(token)
        .fetch_optional(db)
        .await?;
    row.map(|row| feed_from_row(&row)).transpose()
}

/// Gives the community's or group's feed `token`, replacing (and so revoking) any
/// token it had.
pub async fn set_token(
    db: impl SqliteExecutor<'_>,
    feed: &Feed,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendar_feed (community_id, group_id, token, created_by, created_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (community_id, COALESCE(group_id, 0))
         DO UPDATE SET token = excluded.token, created_by = excluded.created_by,
             created_at = excluded.created_at",
    )
    .bind(&feed.community_id)
    .bind(feed.group_id)
    .bind(&feed.token)
    .bind(created_by)
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

fn feed_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Feed, StoreError> {
    Ok(Feed {
        community_id: row.try_get("community_id")?,
        group_id: row.try_get("group_id")?,
        token: row.try_get("token")?,
    })
}

/// The sessions of a community's active groups (or of one group) that end after
/// `from` and start before `to`, cancelled ones included, in time order.
pub async fn sessions(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    group_id: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<FeedSession>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.local_date, s.starts_at, s.ends_at, s.status, s.note, s.sequence,
             g.name AS group_name, g.description, g.timezone, r.location
         FROM session s
         JOIN series r ON r.id = s.series_id
         JOIN meeting_group g ON g.id = r.group_id
         WHERE g.community_id = ? AND (? IS NULL OR g.id = ?) AND g.archived_at IS NULL
             AND s.ends_at > ? AND s.starts_at < ?
         ORDER BY s.starts_at, s.id",
    )
    .bind(community_id)
    .bind(group_id)
    .bind(group_id)
    .bind(to_unix(from))
    .bind(to_unix(to))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let sequence: i64 = row.try_get("sequence")?;
            Ok(FeedSession {
                id: row.try_get("id")?,
                local_date: parse_date(row.try_get("local_date")?)?,
                starts_at: from_unix(row.try_get("starts_at")?)?,
                ends_at: from_unix(row.try_get("ends_at")?)?,
                status: parse_enum("session status", row.try_get("status")?)?,
                note: row.try_get("note")?,
                sequence: u32::try_from(sequence)
                    .map_err(|_| StoreError::Corrupt(format!("sequence {sequence}")))?,
                group_name: row.try_get("group_name")?,
                group_description: row.try_get("description")?,
                zone: parse_zone(row.try_get("timezone")?)?,
                location: row.try_get("location")?,
            })
        })
        .collect()
}

/// Answers when the database does: what `/health` asks.
pub async fn ping(db: impl SqliteExecutor<'_>) -> Result<(), StoreError> {
    sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(db).await?;
    Ok(())
}
