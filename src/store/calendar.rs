//! Calendar feeds: the token each community's or group's feed is reached by, and
//! the sessions a feed lists.

use chrono::{DateTime, Utc};
use sqlx::AnyExecutor;

use crate::domain::calendar::FeedSession;

use super::{from_unix, parse_date, parse_enum, parse_zone, to_unix, RowExt, StoreError};

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// A calendar feed: every group's sessions, or one group's.
    Calendar,
    /// The community's public page of listed groups.
    Page,
}

impl FeedKind {
    fn as_str(self) -> &'static str {
        match self {
            FeedKind::Calendar => "calendar",
            FeedKind::Page => "page",
        }
    }
}

/// What a token opens: a community's sessions, one group's, or the public page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub community_id: String,
    /// `None`: every active group of the community.
    pub group_id: Option<i64>,
    pub kind: FeedKind,
    pub token: String,
}

/// The live token of a community's (`group_id` `None`) or group's feed or page, if
/// one was made.
pub async fn find(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    group_id: Option<i64>,
    kind: FeedKind,
) -> Result<Option<Feed>, StoreError> {
    let row = sqlx::query(
        "SELECT community_id, group_id, kind, token FROM calendar_feed
         WHERE community_id = $1 AND kind = $2 AND COALESCE(group_id, 0) = COALESCE($3, 0)",
    )
    .bind(community_id)
    .bind(kind.as_str())
    .bind(group_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| feed_from_row(&row)).transpose()
}

/// The feed a token opens; `None` for a token never made or since reset.
pub async fn by_token(db: impl AnyExecutor<'_>, token: &str) -> Result<Option<Feed>, StoreError> {
    let row = sqlx::query("SELECT community_id, group_id, kind, token FROM calendar_feed WHERE token = $1")
        .bind(token)
        .fetch_optional(db)
        .await?;
    row.map(|row| feed_from_row(&row)).transpose()
}

/// Gives the community's or group's feed `token`, replacing (and so revoking) any
/// token it had.
pub async fn set_token(
    db: impl AnyExecutor<'_>,
    feed: &Feed,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendar_feed (community_id, group_id, kind, token, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (community_id, kind, COALESCE(group_id, 0))
         DO UPDATE SET token = excluded.token, created_by = excluded.created_by,
             created_at = excluded.created_at",
    )
    .bind(&feed.community_id)
    .bind(feed.group_id)
    .bind(feed.kind.as_str())
    .bind(&feed.token)
    .bind(created_by)
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

fn feed_from_row(row: &sqlx::any::AnyRow) -> Result<Feed, StoreError> {
    Ok(Feed {
        community_id: row.col("community_id")?,
        group_id: row.col("group_id")?,
        kind: match row.col::<&str>("kind")? {
            "page" => FeedKind::Page,
            "calendar" => FeedKind::Calendar,
            other => return Err(StoreError::Corrupt(format!("feed kind {other:?}"))),
        },
        token: row.col("token")?,
    })
}

/// The sessions of a community's active groups (or of one group) that end after
/// `from` and start before `to`, cancelled ones included, in time order.
pub async fn sessions(
    db: impl AnyExecutor<'_>,
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
         WHERE g.community_id = $1 AND ($2 IS NULL OR g.id = $3) AND g.archived_at IS NULL
             AND s.ends_at > $4 AND s.starts_at < $5
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
            let sequence: i64 = row.col("sequence")?;
            Ok(FeedSession {
                id: row.col("id")?,
                local_date: parse_date(row.col("local_date")?)?,
                starts_at: from_unix(row.col("starts_at")?)?,
                ends_at: from_unix(row.col("ends_at")?)?,
                status: parse_enum("session status", row.col("status")?)?,
                note: row.col("note")?,
                sequence: u32::try_from(sequence)
                    .map_err(|_| StoreError::Corrupt(format!("sequence {sequence}")))?,
                group_name: row.col("group_name")?,
                group_description: row.col("description")?,
                zone: parse_zone(row.col("timezone")?)?,
                location: row.col("location")?,
            })
        })
        .collect()
}

/// Answers when the database does: what `/health` asks.
pub async fn ping(db: impl AnyExecutor<'_>) -> Result<(), StoreError> {
    sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(db).await?;
    Ok(())
}

/// A listed group as the public page shows it, with its next session if any.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedGroup {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub kind: crate::domain::group::GroupKind,
    pub zone: chrono_tz::Tz,
    pub next: Option<(DateTime<Utc>, DateTime<Utc>, Option<String>)>,
}

/// A community's active listed groups, by name, each with its next session that
/// ends after `now` and is not cancelled.
pub async fn listed_groups(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ListedGroup>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.id, g.name, g.description, g.kind, g.timezone,
             n.starts_at, n.ends_at, n.location
         FROM meeting_group g
         LEFT JOIN (
             SELECT r.group_id, s.starts_at, s.ends_at, r.location,
                 ROW_NUMBER() OVER (PARTITION BY r.group_id ORDER BY s.starts_at, s.id) AS nth
             FROM session s JOIN series r ON r.id = s.series_id
             WHERE s.status != 'cancelled' AND s.ends_at > $1
         ) n ON n.group_id = g.id AND n.nth = 1
         WHERE g.community_id = $2 AND g.listed = 1 AND g.archived_at IS NULL
         ORDER BY g.name_key",
    )
    .bind(to_unix(now))
    .bind(community_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let starts: Option<i64> = row.col("starts_at")?;
            let ends: Option<i64> = row.col("ends_at")?;
            let next = match (starts, ends) {
                (Some(starts), Some(ends)) => {
                    Some((from_unix(starts)?, from_unix(ends)?, row.col("location")?))
                }
                _ => None,
            };
            Ok(ListedGroup {
                id: row.col("id")?,
                name: row.col("name")?,
                description: row.col("description")?,
                kind: super::parse_enum("group kind", row.col("kind")?)?,
                zone: super::parse_zone(row.col("timezone")?)?,
                next,
            })
        })
        .collect()
}

/// Lists or unlists a group on the public page.
pub async fn set_listed(db: impl AnyExecutor<'_>, group_id: i64, listed: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE meeting_group SET listed = $1 WHERE id = $2")
        .bind(i64::from(listed))
        .bind(group_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether a group is listed on the public page.
pub async fn is_listed(db: impl AnyExecutor<'_>, group_id: i64) -> Result<bool, StoreError> {
    let listed: Option<i64> = sqlx::query_scalar("SELECT listed FROM meeting_group WHERE id = $1")
        .bind(group_id)
        .fetch_optional(db)
        .await?;
    Ok(listed.is_some_and(|on| on != 0))
}
