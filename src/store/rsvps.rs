//! RSVPs and attendance rows: who answered what for which session, in the order
//! their places were given.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteExecutor};

use crate::domain::rsvp::RsvpState;

use super::{parse_enum, to_unix, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rsvp {
    pub session_id: i64,
    pub user_id: String,
    pub display_name: String,
    pub state: RsvpState,
    /// 1-based, while waitlisted.
    pub waitlist_position: Option<i64>,
    /// The order places are given in: first come, first served.
    pub seq: i64,
    pub attended: bool,
}

/// Counts for a card or a reminder: numbers, never names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub going: u32,
    pub maybe: u32,
    pub waitlisted: u32,
    pub attended: u32,
}

fn from_row(row: &SqliteRow) -> Result<Rsvp, StoreError> {
    Ok(Rsvp {
        session_id: row.try_get("session_id")?,
        user_id: row.try_get("user_id")?,
        display_name: row.try_get("display_name")?,
        state: parse_enum("RSVP state", row.try_get("state")?)?,
        waitlist_position: row.try_get("waitlist_position")?,
        seq: row.try_get("seq")?,
        attended: row.try_get("attended")?,
    })
}

pub async fn get(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
    user_id: &str,
) -> Result<Option<Rsvp>, StoreError> {
    let row = sqlx::query(
        "SELECT session_id, user_id, display_name, state, waitlist_position, seq, attended
         FROM rsvp WHERE session_id = ? AND user_id = ?",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every answer for a session, places first in the order they were given.
pub async fn list(db: impl SqliteExecutor<'_>, session_id: i64) -> Result<Vec<Rsvp>, StoreError> {
    let rows = sqlx::query(
        "SELECT session_id, user_id, display_name, state, waitlist_position, seq, attended
         FROM rsvp WHERE session_id = ?
         ORDER BY CASE state WHEN 'going' THEN 0 WHEN 'waitlisted' THEN 1 WHEN 'maybe' THEN 2 ELSE 3 END, seq",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Records an answer. `seq` orders places; pass a fresh one when the person joins
/// the queue for a place, or their old one to keep it.
#[allow(clippy::too_many_arguments)]
pub async fn set(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
    user_id: &str,
    display_name: &str,
    state: RsvpState,
    seq: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rsvp (session_id, user_id, display_name, state, seq, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, user_id) DO UPDATE SET
             display_name = excluded.display_name, state = excluded.state, seq = excluded.seq,
             waitlist_position = NULL, updated_at = excluded.updated_at",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(display_name)
    .bind(state.as_str())
    .bind(seq)
    .bind(to_unix(now))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// The next place in the queue for a session.
pub async fn next_seq(db: impl SqliteExecutor<'_>, session_id: i64) -> Result<i64, StoreError> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM rsvp WHERE session_id = ?")
        .bind(session_id)
        .fetch_one(db)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

pub async fn counts(db: impl SqliteExecutor<'_>, session_id: i64) -> Result<Counts, StoreError> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(state = 'going'), 0) AS going, COALESCE(SUM(state = 'maybe'), 0) AS maybe,
                COALESCE(SUM(state = 'waitlisted'), 0) AS waitlisted, COALESCE(SUM(attended), 0) AS attended
         FROM rsvp WHERE session_id = ?",
    )
    .bind(session_id)
    .fetch_one(db)
    .await?;
    let count = |name: &str| -> Result<u32, StoreError> {
        let n: i64 = row.try_get(name)?;
        u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{name} count {n}")))
    };
    Ok(Counts {
        going: count("going")?,
        maybe: count("maybe")?,
        waitlisted: count("waitlisted")?,
        attended: count("attended")?,
    })
}

/// The first `n` on the waitlist, in order.
pub async fn first_waitlisted(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
    n: u32,
) -> Result<Vec<Rsvp>, StoreError> {
    let rows = sqlx::query(
        "SELECT session_id, user_id, display_name, state, waitlist_position, seq, attended
         FROM rsvp WHERE session_id = ? AND state = 'waitlisted' ORDER BY seq LIMIT ?",
    )
    .bind(session_id)
    .bind(n)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Gives each waitlisted answer its current position (1, 2, ...), in queue order:
/// one pass with a window function, not a count per row.
pub async fn renumber_waitlist(db: impl SqliteExecutor<'_>, session_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE rsvp SET waitlist_position = queue.position
         FROM (SELECT user_id, ROW_NUMBER() OVER (ORDER BY seq) AS position
               FROM rsvp WHERE session_id = ?1 AND state = 'waitlisted') AS queue
         WHERE rsvp.session_id = ?1 AND rsvp.user_id = queue.user_id",
    )
    .bind(session_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks someone as having attended, creating their row if they never answered.
pub async fn mark_attended(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
    user_id: &str,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rsvp (session_id, user_id, display_name, state, seq, attended, created_at, updated_at)
         VALUES (?, ?, ?, 'going', 0, 1, ?, ?)
         ON CONFLICT (session_id, user_id) DO UPDATE SET attended = 1, updated_at = excluded.updated_at",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(display_name)
    .bind(to_unix(now))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// A member's answers for sessions that end after `from`, soonest first.
pub async fn for_user(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    user_id: &str,
    from: DateTime<Utc>,
) -> Result<Vec<(i64, RsvpState, Option<i64>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.session_id, r.state, r.waitlist_position FROM rsvp r
         JOIN session s ON s.id = r.session_id
         JOIN series sr ON sr.id = s.series_id
         JOIN meeting_group g ON g.id = sr.group_id
         WHERE g.community_id = ? AND r.user_id = ? AND s.ends_at > ? AND r.state != 'not-going'
         ORDER BY s.starts_at",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(to_unix(from))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("session_id")?,
                parse_enum("RSVP state", row.try_get("state")?)?,
                row.try_get("waitlist_position")?,
            ))
        })
        .collect()
}

/// Records a regular: someone going to every session of a series.
pub async fn add_regular(
    db: impl SqliteExecutor<'_>,
    series_id: i64,
    user_id: &str,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO series_rsvp (series_id, user_id, display_name, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (series_id, user_id) DO UPDATE SET display_name = excluded.display_name",
    )
    .bind(series_id)
    .bind(user_id)
    .bind(display_name)
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// The regulars of a series: (user id, display name).
pub async fn regulars(
    db: impl SqliteExecutor<'_>,
    series_id: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, display_name FROM series_rsvp WHERE series_id = ? ORDER BY created_at, user_id",
    )
    .bind(series_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("user_id")?, row.try_get("display_name")?)))
        .collect()
}
