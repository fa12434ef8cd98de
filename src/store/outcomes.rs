//! Check-out answers (kept with no member id), their one-way markers, each group's
//! outcome settings, the community's marker secret, and facilitators' debriefs.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyExecutor};

use crate::domain::outcome::{Debrief, Leaving, CHECKOUT_WINDOW};

use super::{parse_enum, to_unix, RowExt, StoreError};

/// A group's outcome settings: both on unless it said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub checkout: bool,
    pub debrief: bool,
}

pub async fn settings(db: impl AnyExecutor<'_>, group_id: i64) -> Result<Settings, StoreError> {
    let row = sqlx::query("SELECT checkout, debrief FROM outcome_settings WHERE group_id = $1")
        .bind(group_id)
        .fetch_optional(db)
        .await?;
    Ok(match row {
        Some(row) => Settings {
            checkout: row.col("checkout")?,
            debrief: row.col("debrief")?,
        },
        None => Settings {
            checkout: true,
            debrief: true,
        },
    })
}

pub async fn set(db: impl AnyExecutor<'_>, group_id: i64, settings: Settings) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outcome_settings (group_id, checkout, debrief) VALUES ($1, $2, $3)
         ON CONFLICT (group_id) DO UPDATE SET checkout = excluded.checkout, debrief = excluded.debrief",
    )
    .bind(group_id)
    .bind(i64::from(settings.checkout))
    .bind(i64::from(settings.debrief))
    .execute(db)
    .await?;
    Ok(())
}

/// The community's marker secret: `fresh` becomes it if it has none yet.
pub async fn secret(conn: &mut AnyConnection, community_id: &str, fresh: &str) -> Result<String, StoreError> {
    sqlx::query("INSERT INTO outcome_secret (community_id, secret) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(community_id)
        .bind(fresh)
        .execute(&mut *conn)
        .await?;
    let secret = sqlx::query_scalar("SELECT secret FROM outcome_secret WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(secret)
}

/// Records one check-out: its marker, then (only if the marker is new) the answer.
/// Returns whether it counted: `false` when this member had already answered.
pub async fn check_out(
    conn: &mut AnyConnection,
    session_id: i64,
    marker: &str,
    leaving: Leaving,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let marked = sqlx::query(
        "INSERT INTO checkout_marker (session_id, marker) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(session_id)
    .bind(marker)
    .execute(&mut *conn)
    .await?;
    if marked.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO checkout_answer (session_id, answer, answered_at) VALUES ($1, $2, $3)")
        .bind(session_id)
        .bind(leaving.as_str())
        .bind(to_unix(now))
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// A session's check-out answers, counted.
pub async fn checkout_counts(
    db: impl AnyExecutor<'_>,
    session_id: i64,
) -> Result<Vec<(Leaving, u32)>, StoreError> {
    let rows = sqlx::query(
        "SELECT answer, COUNT(*) AS n FROM checkout_answer WHERE session_id = $1 GROUP BY answer",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let leaving: Leaving = parse_enum("check-out answer", row.col("answer")?)?;
            let n: i64 = row.col("n")?;
            Ok((leaving, u32::try_from(n).unwrap_or(u32::MAX)))
        })
        .collect()
}

/// Removes the markers of check-outs that have closed: they were only there so one
/// member counts once while it was open. Returns how many went.
pub async fn remove_closed_markers(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM checkout_marker WHERE session_id IN (SELECT id FROM session WHERE ends_at <= $1)",
    )
    .bind(to_unix(now - CHECKOUT_WINDOW))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// A facilitator's debrief of a session, if they gave one.
pub async fn debrief(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    user_id: &str,
) -> Result<Option<String>, StoreError> {
    let answer = sqlx::query_scalar("SELECT answer FROM debrief WHERE session_id = $1 AND user_id = $2")
        .bind(session_id)
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(answer)
}

/// Records a facilitator's debrief; returns its id. A second answer replaces the first
/// (a flag after "all fine" is still heard).
pub async fn record_debrief(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    user_id: &str,
    debrief: &Debrief,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let note = match debrief {
        Debrief::Fine => None,
        Debrief::Flag(note) => Some(note.as_str()),
    };
    let id = sqlx::query_scalar(
        "INSERT INTO debrief (session_id, user_id, answer, note, answered_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_id, user_id) DO UPDATE SET answer = excluded.answer, note = excluded.note,
             answered_at = excluded.answered_at
         RETURNING id",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(debrief.answer())
    .bind(note)
    .bind(to_unix(now))
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// Counts a flag in its session's tally, which outlives the note.
pub async fn count_flag(db: impl AnyExecutor<'_>, session_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO session_tally (session_id, flagged) VALUES ($1, 1)
         ON CONFLICT (session_id) DO UPDATE SET flagged = session_tally.flagged + 1",
    )
    .bind(session_id)
    .execute(db)
    .await?;
    Ok(())
}

/// A flag's note and its session, for the alert that carries it.
pub async fn flag_note(
    db: impl AnyExecutor<'_>,
    debrief_id: i64,
) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query("SELECT session_id, note FROM debrief WHERE id = $1 AND answer = 'flag'")
        .bind(debrief_id)
        .fetch_optional(db)
        .await?;
    row.map(|row| {
        Ok((
            row.col("session_id")?,
            row.col::<Option<String>>("note")?.unwrap_or_default(),
        ))
    })
    .transpose()
}

/// The facilitators on a session's rota (assigned, confirmed, or offering a swap).
pub async fn facilitators(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Vec<String>, StoreError> {
    let users = sqlx::query_scalar(
        "SELECT user_id FROM rota_assignment
         WHERE session_id = $1 AND state IN ('assigned', 'confirmed', 'swap-offered') ORDER BY user_id",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    Ok(users)
}
