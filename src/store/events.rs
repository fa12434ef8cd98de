//! Sessions' Discord scheduled events: which session has which event, and why
//! Discord last refused a community's events.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyExecutor;

use crate::domain::event::{EventProblem, EventSession, Mirror};
use crate::domain::session::SessionStatus;

use super::{from_unix, parse_enum, parse_zone, to_unix, RowExt, StoreError};

/// What the sync reads of a session, over `session s`, `series r`, `meeting_group g`.
macro_rules! event_session_columns {
    () => {
        "s.id AS session_id, s.starts_at, s.ends_at, s.status, s.note, s.card_message,
         g.name AS group_name, g.timezone, g.description, g.channel, g.events, g.archived_at, r.location"
    };
}

fn event_session(row: &AnyRow) -> Result<EventSession, StoreError> {
    let card: Option<String> = row.col("card_message")?;
    let archived: Option<i64> = row.col("archived_at")?;
    let status: String = row.col("status")?;
    Ok(EventSession {
        session_id: row.col("session_id")?,
        starts_at: from_unix(row.col("starts_at")?)?,
        ends_at: from_unix(row.col("ends_at")?)?,
        status: parse_enum::<SessionStatus>("session status", &status)?,
        zone: parse_zone(&row.col::<String>("timezone")?)?,
        group_name: row.col("group_name")?,
        group_description: row.col("description")?,
        channel: row.col("channel")?,
        location: row.col("location")?,
        note: row.col("note")?,
        card_posted: card.is_some(),
        events_on: row.col("events")?,
        group_archived: archived.is_some(),
    })
}

/// What the sync of a community decides from: every event hearth holds there (with
/// its session, if it still exists), and the nearest `limit` sessions that may want
/// one (card up, not cancelled, not over, events on). Both are bounded by the cap, so
/// the read stays small however many sessions a community has.
pub async fn mirrors(
    conn: &mut sqlx::AnyConnection,
    community_id: &str,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Mirror>, StoreError> {
    let held = sqlx::query(concat!(
        "SELECT e.session_id AS held_id, e.event_id, e.fingerprint, s.id IS NOT NULL AS exists_now, ",
        event_session_columns!(),
        " FROM discord_event e
         LEFT JOIN session s ON s.id = e.session_id
         LEFT JOIN series r ON r.id = s.series_id
         LEFT JOIN meeting_group g ON g.id = r.group_id
         WHERE e.community_id = $1"
    ))
    .bind(community_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut mirrors = Vec::with_capacity(held.len());
    for row in &held {
        let exists: bool = row.col("exists_now")?;
        mirrors.push(Mirror {
            session_id: row.col("held_id")?,
            session: if exists { Some(event_session(row)?) } else { None },
            event: Some((row.col("event_id")?, row.col("fingerprint")?)),
        });
    }
    let candidates = sqlx::query(concat!(
        "SELECT ",
        event_session_columns!(),
        " FROM session s
         JOIN series r ON r.id = s.series_id
         JOIN meeting_group g ON g.id = r.group_id
         WHERE g.community_id = $1 AND g.events = 1 AND g.archived_at IS NULL
           AND s.card_message IS NOT NULL AND s.status != 'cancelled'
           AND s.starts_at > $2
           AND NOT EXISTS (SELECT 1 FROM discord_event e WHERE e.session_id = s.id)
         ORDER BY s.starts_at, s.id
         LIMIT $3"
    ))
    .bind(community_id)
    .bind(to_unix(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    for row in &candidates {
        let session = event_session(row)?;
        mirrors.push(Mirror {
            session_id: session.session_id,
            session: Some(session),
            event: None,
        });
    }
    Ok(mirrors)
}

/// Records the event made (or updated) for a session and what it now says.
pub async fn set(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    session_id: i64,
    event_id: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO discord_event (session_id, community_id, event_id, fingerprint, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_id) DO UPDATE SET event_id = excluded.event_id,
             fingerprint = excluded.fingerprint",
    )
    .bind(session_id)
    .bind(community_id)
    .bind(event_id)
    .bind(fingerprint)
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets a session's event (removed on Discord, or gone from there).
pub async fn clear(db: impl AnyExecutor<'_>, session_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM discord_event WHERE session_id = $1")
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The Discord event of a session, if hearth holds one.
pub async fn event_of(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT event_id FROM discord_event WHERE session_id = $1")
        .bind(session_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// How many events hearth holds in a community.
pub async fn count(db: impl AnyExecutor<'_>, community_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM discord_event WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Why Discord last refused the community's events, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub problem: EventProblem,
    pub detail: String,
    pub since: DateTime<Utc>,
}

pub async fn problem(db: impl AnyExecutor<'_>, community_id: &str) -> Result<Option<Problem>, StoreError> {
    let row: Option<(String, String, i64)> =
        sqlx::query_as("SELECT problem, detail, since FROM event_problem WHERE community_id = $1")
            .bind(community_id)
            .fetch_optional(db)
            .await?;
    row.map(|(problem, detail, since)| {
        Ok(Problem {
            problem: EventProblem::parse(&problem).unwrap_or(EventProblem::Refused),
            detail,
            since: from_unix(since)?,
        })
    })
    .transpose()
}

/// Records a refusal; one of the same kind already recorded keeps its `since` (so
/// its alert, keyed by it, is raised once). Returns the problem as recorded.
pub async fn set_problem(
    conn: &mut sqlx::AnyConnection,
    community_id: &str,
    problem: EventProblem,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<Problem, StoreError> {
    sqlx::query(
        "INSERT INTO event_problem (community_id, problem, detail, since) VALUES ($1, $2, $3, $4)
         ON CONFLICT (community_id) DO UPDATE SET detail = excluded.detail,
             since = CASE WHEN event_problem.problem = excluded.problem THEN event_problem.since
                          ELSE excluded.since END,
             problem = excluded.problem",
    )
    .bind(community_id)
    .bind(problem.as_str())
    .bind(detail)
    .bind(to_unix(now))
    .execute(&mut *conn)
    .await?;
    Ok(Problem {
        problem,
        detail: detail.to_string(),
        since: match self::problem(&mut *conn, community_id).await? {
            Some(recorded) => recorded.since,
            None => now,
        },
    })
}

/// An event went through: whatever was refused before is resolved.
pub async fn clear_problem(db: impl AnyExecutor<'_>, community_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM event_problem WHERE community_id = $1")
        .bind(community_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Sets a group's `events:` setting.
pub async fn set_group_events(db: impl AnyExecutor<'_>, group_id: i64, on: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE meeting_group SET events = $1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(group_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A group's `events:` setting.
pub async fn group_events(db: impl AnyExecutor<'_>, group_id: i64) -> Result<bool, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT events FROM meeting_group WHERE id = $1")
        .bind(group_id)
        .fetch_optional(db)
        .await?;
    Ok(row.is_none_or(|(on,)| on != 0))
}
