//! Sessions: the materialised occurrences of series, keyed by (series, local date).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyExecutor};

use crate::domain::group::{GroupKind, Privacy};
use crate::domain::rsvp::SessionFacts;
use crate::domain::session::{SessionStatus, StoredSession, WantedSession};

use super::{
    format_date, from_unix, parse_date, parse_enum, parse_zone, to_unix, written_limit, RowExt, Statement,
    StoreError,
};

/// A session with what is needed to show it: its group, zone, place and length.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDetail {
    pub id: i64,
    pub series_id: i64,
    pub local_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: SessionStatus,
    pub note: Option<String>,
    pub group_id: i64,
    pub group_name: String,
    pub community_id: String,
    pub channel: String,
    pub zone: Tz,
    pub location: Option<String>,
    pub group_archived: bool,
    /// Cancelled because its series ended before it (`/meeting end`).
    pub ended: bool,
    /// The group's attendee privacy and places, which every card and reminder needs.
    pub privacy: Privacy,
    pub capacity: Option<u32>,
    /// How many are going (a number is all a channel post may show).
    pub going: u32,
    /// The group's kind: a drop-in's card and reminders read as a drop-in's.
    pub kind: GroupKind,
    /// For a drop-in, whether its card offers "I might come" (`answers:yes`).
    pub dropin_answers: bool,
    /// Whether its ended card asks "How are you leaving today?" (`checkout:`, default yes).
    pub checkout: bool,
    /// When the roll should plan its jobs, while they are not planned yet.
    pub plan_jobs_at: Option<DateTime<Utc>>,
}

/// The columns [`detail_from_row`] reads, over [`detail_from`]'s tables.
macro_rules! detail_columns {
    () => {
        "s.id, s.series_id, s.local_date, s.starts_at, s.ends_at, s.status, s.note,
         g.id AS group_id, g.name AS group_name, g.community_id, g.channel, g.timezone,
         r.location, g.archived_at, g.privacy, g.capacity, s.plan_jobs_at, s.ended,
         (SELECT COUNT(*) FROM rsvp WHERE rsvp.session_id = s.id AND rsvp.state = 'going') AS going,
         g.kind, COALESCE((SELECT d.answers FROM dropin_settings d WHERE d.group_id = g.id), 0) AS dropin_answers,
         COALESCE((SELECT o.checkout FROM outcome_settings o WHERE o.group_id = g.id), 1) AS checkout"
    };
}

/// A session (`s`) with its series (`r`) and group (`g`).
macro_rules! detail_from {
    () => {
        " FROM session s
         JOIN series r ON r.id = s.series_id
         JOIN meeting_group g ON g.id = r.group_id "
    };
}

// The RSVP store loads a session with its answers in one query.
pub(super) use {detail_columns, detail_from};

macro_rules! detail_select {
    () => {
        concat!("SELECT ", detail_columns!(), detail_from!())
    };
}

impl SessionDetail {
    /// What the RSVP rules need to know about it.
    pub fn facts(&self) -> SessionFacts {
        SessionFacts {
            id: self.id,
            group_name: self.group_name.clone(),
            group_archived: self.group_archived,
            status: self.status,
            note: self.note.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            capacity: self.capacity,
        }
    }
}

pub(super) fn detail_from_row(row: &AnyRow) -> Result<SessionDetail, StoreError> {
    let archived_at: Option<i64> = row.col("archived_at")?;
    let capacity: Option<i64> = row.col("capacity")?;
    Ok(SessionDetail {
        id: row.col("id")?,
        series_id: row.col("series_id")?,
        local_date: parse_date(row.col("local_date")?)?,
        starts_at: from_unix(row.col("starts_at")?)?,
        ends_at: from_unix(row.col("ends_at")?)?,
        status: parse_enum("session status", row.col("status")?)?,
        note: row.col("note")?,
        group_id: row.col("group_id")?,
        group_name: row.col("group_name")?,
        community_id: row.col("community_id")?,
        channel: row.col("channel")?,
        zone: parse_zone(row.col("timezone")?)?,
        location: row.col("location")?,
        group_archived: archived_at.is_some(),
        ended: row.col("ended")?,
        privacy: parse_enum("privacy", row.col("privacy")?)?,
        plan_jobs_at: row
            .col::<Option<i64>>("plan_jobs_at")?
            .map(from_unix)
            .transpose()?,
        going: u32::try_from(row.col::<i64>("going")?)
            .map_err(|_| StoreError::Corrupt("going count".into()))?,
        kind: parse_enum("group kind", row.col("kind")?)?,
        dropin_answers: row.col("dropin_answers")?,
        checkout: row.col("checkout")?,
        capacity: capacity
            .map(|c| u32::try_from(c).map_err(|_| StoreError::Corrupt(format!("capacity {c}"))))
            .transpose()?,
    })
}

pub async fn get(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<SessionDetail>, StoreError> {
    let row = sqlx::query(concat!(detail_select!(), "WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(detail_from_row).transpose()
}

/// Sessions of a community that end after `from` and start before `to`, in time
/// order; one group's only when `group_id` is given. Archived groups, and sessions
/// after the end of their series, are left out.
pub async fn upcoming(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    group_id: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<SessionDetail>, StoreError> {
    let rows = sqlx::query(concat!(
        detail_select!(),
        "WHERE g.community_id = $1 AND ($2 IS NULL OR g.id = $3) AND g.archived_at IS NULL
           AND s.ended = 0 AND s.ends_at > $4 AND s.starts_at < $5
         ORDER BY s.starts_at, g.name_key, s.id"
    ))
    .bind(community_id)
    .bind(group_id)
    .bind(group_id)
    .bind(to_unix(from))
    .bind(to_unix(to))
    .fetch_all(db)
    .await?;
    rows.iter().map(detail_from_row).collect()
}

/// A series' sessions on or after a local date, for re-materialising.
pub async fn for_series_from(
    db: impl AnyExecutor<'_>,
    series_id: i64,
    from_date: NaiveDate,
) -> Result<Vec<StoredSession>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, local_date, starts_at, ends_at, status, ended FROM session
         WHERE series_id = $1 AND local_date >= $2 ORDER BY local_date",
    )
    .bind(series_id)
    .bind(format_date(from_date))
    .fetch_all(db)
    .await?;
    rows.iter().map(stored_from_row).collect()
}

/// The sessions on or after a local date of every series of the groups with ids in
/// `first_group..=last_group`, as (series id, session): one read for a page of groups
/// when the horizon roll looks for work.
pub async fn for_groups_from(
    db: impl AnyExecutor<'_>,
    first_group: i64,
    last_group: i64,
    from_date: NaiveDate,
) -> Result<Vec<(i64, StoredSession)>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.series_id, s.id, s.local_date, s.starts_at, s.ends_at, s.status, s.ended
         FROM series r JOIN session s ON s.series_id = r.id
         WHERE r.group_id BETWEEN $1 AND $2 AND s.local_date >= $3
         ORDER BY s.series_id, s.local_date",
    )
    .bind(first_group)
    .bind(last_group)
    .bind(format_date(from_date))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.col("series_id")?, stored_from_row(row)?)))
        .collect()
}

fn stored_from_row(row: &AnyRow) -> Result<StoredSession, StoreError> {
    Ok(StoredSession {
        id: row.col("id")?,
        local_date: parse_date(row.col("local_date")?)?,
        starts_at: from_unix(row.col("starts_at")?)?,
        ends_at: from_unix(row.col("ends_at")?)?,
        status: parse_enum("session status", row.col("status")?)?,
        ended: row.col("ended")?,
    })
}

/// Rows per multi-row insert: 5 values each, well inside SQLite's variable limit.
const INSERT_CHUNK: usize = 500;

/// Inserts a series' new sessions in as few statements as fit, each with when its jobs
/// are to be planned (`None`: they are planned with it), and returns their ids in the
/// order given.
pub async fn insert_many(
    conn: &mut AnyConnection,
    series_id: i64,
    new: &[(&WantedSession, Option<DateTime<Utc>>)],
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(INSERT_CHUNK) {
        let mut insert =
            Statement::new("INSERT INTO session (series_id, local_date, starts_at, ends_at, plan_jobs_at) ");
        insert.push_values(chunk, |row, (session, plan_jobs_at)| {
            row.push_bind(series_id)
                .push_bind(format_date(session.local_date))
                .push_bind(to_unix(session.starts_at))
                .push_bind(to_unix(session.ends_at))
                .push_bind(plan_jobs_at.map(to_unix));
        });
        insert.push(" RETURNING id, local_date");
        // Not kept as a prepared statement: its text varies with the row count, and
        // caching every length would only hold memory on each connection.
        let rows = insert.build(false)?.fetch_all(&mut *conn).await?;
        // RETURNING gives rows in no promised order: match them back by date.
        let mut by_date = HashMap::with_capacity(rows.len());
        for row in &rows {
            by_date.insert(parse_date(row.col("local_date")?)?, row.col::<i64>("id")?);
        }
        for (session, _) in chunk {
            let id = by_date
                .get(&session.local_date)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("no id returned for {}", session.local_date)))?;
            ids.push(id);
        }
    }
    Ok(ids)
}

pub async fn retime(
    db: impl AnyExecutor<'_>,
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE session SET starts_at = $1, ends_at = $2, sequence = sequence + 1 WHERE id = $3")
        .bind(to_unix(starts_at))
        .bind(to_unix(ends_at))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM session WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Cancels one session, keeping the reason to show on its card and in lists.
pub async fn cancel(db: impl AnyExecutor<'_>, id: i64, reason: Option<&str>) -> Result<(), StoreError> {
    // A cancelled session needs no jobs but its notice, queued as it is cancelled.
    sqlx::query(
        "UPDATE session SET status = 'cancelled', note = $1, plan_jobs_at = NULL, sequence = sequence + 1
         WHERE id = $2",
    )
    .bind(reason)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// The note an ended session shows on its card and in its notice.
pub const ENDED_NOTE: &str = "The series has ended.";

/// The note of a session whose group was archived.
pub const ARCHIVED_NOTE: &str = "The group has been archived.";

/// Ends one session because its series (or group) ended before it, with `note` as
/// the reason: cancelled, and marked so that extending the series brings it back.
/// Its answers are kept.
pub async fn end(db: impl AnyExecutor<'_>, id: i64, note: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE session SET status = 'cancelled', note = $1, ended = 1, plan_jobs_at = NULL,
             sequence = sequence + 1
         WHERE id = $2",
    )
    .bind(note)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// How many sessions of a series, not yet started, are ended by its series' end.
pub async fn count_ended(
    db: impl AnyExecutor<'_>,
    series_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session WHERE series_id = $1 AND ended = 1 AND starts_at >= $2",
    )
    .bind(series_id)
    .bind(to_unix(now))
    .fetch_one(db)
    .await?;
    usize::try_from(n).map_err(|_| StoreError::Corrupt(format!("ended count {n}")))
}

/// Brings back an ended session its series reaches again, at the rule's instants,
/// with its jobs to be planned from now (`plan_jobs_at`).
pub async fn restore(
    db: impl AnyExecutor<'_>,
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    plan_jobs_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE session SET status = 'scheduled', note = NULL, ended = 0, starts_at = $1, ends_at = $2,
             plan_jobs_at = $3, sequence = sequence + 1
         WHERE id = $4 AND ended = 1",
    )
    .bind(to_unix(starts_at))
    .bind(to_unix(ends_at))
    .bind(to_unix(plan_jobs_at))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Moves one session to another time; its key (the rule's date) stays.
pub async fn move_to(
    db: impl AnyExecutor<'_>,
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    note: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE session SET status = 'moved', starts_at = $1, ends_at = $2, note = $3, sequence = sequence + 1
         WHERE id = $4",
    )
    .bind(to_unix(starts_at))
    .bind(to_unix(ends_at))
    .bind(note)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Puts a moved session back at the time its series gives it: scheduled again, with
/// no move note.
pub async fn move_back(
    db: impl AnyExecutor<'_>,
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE session SET status = 'scheduled', starts_at = $1, ends_at = $2, note = NULL,
             sequence = sequence + 1
         WHERE id = $3",
    )
    .bind(to_unix(starts_at))
    .bind(to_unix(ends_at))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// The sessions of a group that have not started and are not cancelled, earliest
/// first (archiving the group ends each).
pub async fn future_of_group(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    let ids = sqlx::query_scalar(
        "SELECT s.id FROM session s JOIN series r ON r.id = s.series_id
         WHERE r.group_id = $1 AND s.starts_at >= $2 AND s.status != 'cancelled'
         ORDER BY s.starts_at, s.id",
    )
    .bind(group_id)
    .bind(to_unix(now))
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// A group's sessions that have started and whose check-out is still open (ended less
/// than `window` ago, or not ended yet), not cancelled: their cards still carry buttons.
pub async fn recent_of_group(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    window: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    let ids = sqlx::query_scalar(
        "SELECT s.id FROM session s JOIN series r ON r.id = s.series_id
         WHERE r.group_id = $1 AND s.starts_at < $2 AND s.ends_at > $3 AND s.status != 'cancelled'
         ORDER BY s.starts_at, s.id",
    )
    .bind(group_id)
    .bind(to_unix(now))
    .bind(to_unix(now - window))
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Sets when the roll should plan a session's jobs; `None` once they are planned.
pub async fn set_plan_jobs_at(
    db: impl AnyExecutor<'_>,
    id: i64,
    at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE session SET plan_jobs_at = $1 WHERE id = $2")
        .bind(at.map(to_unix))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// A session whose jobs are due to be planned, with what planning them needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Unplanned {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Cancelled, or its group archived: it needs no jobs after all.
    pub needs_none: bool,
    pub community_id: String,
    pub zone: Tz,
    pub reminder_offsets: String,
    pub announce_lead_minutes: i64,
}

/// Up to `limit` sessions whose jobs were to be planned by `now`, earliest first.
pub async fn due_for_job_planning(
    db: impl AnyExecutor<'_>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Unplanned>, StoreError> {
    // The limit is written in, not bound (see `store::written_limit`).
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.starts_at, s.ends_at,
                (s.status = 'cancelled' OR g.archived_at IS NOT NULL) AS needs_none,
                g.community_id, g.timezone, g.reminder_offsets, g.announce_lead_minutes
         FROM session s
         JOIN series r ON r.id = s.series_id
         JOIN meeting_group g ON g.id = r.group_id
         WHERE s.plan_jobs_at IS NOT NULL AND s.plan_jobs_at <= $1
         ORDER BY s.plan_jobs_at, s.id
         LIMIT {}",
        written_limit(limit)
    )))
    .bind(to_unix(now))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Unplanned {
                id: row.col("id")?,
                starts_at: from_unix(row.col("starts_at")?)?,
                ends_at: from_unix(row.col("ends_at")?)?,
                needs_none: row.col("needs_none")?,
                community_id: row.col("community_id")?,
                zone: parse_zone(row.col("timezone")?)?,
                reminder_offsets: row.col("reminder_offsets")?,
                announce_lead_minutes: row.col("announce_lead_minutes")?,
            })
        })
        .collect()
}

/// Marks these sessions' jobs as planned.
pub async fn mark_jobs_planned(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), StoreError> {
    for chunk in ids.chunks(INSERT_CHUNK) {
        let mut update = Statement::new("UPDATE session SET plan_jobs_at = NULL WHERE id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                update.push(", ");
            }
            update.push_bind(*id);
        }
        update.push(")");
        update.build(false)?.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Remembers where a session's card was posted, so later edits can find it.
pub async fn set_card(
    db: impl AnyExecutor<'_>,
    id: i64,
    channel: &str,
    message: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE session SET card_channel = $1, card_message = $2 WHERE id = $3")
        .bind(channel)
        .bind(message)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Where a session's card was posted, if it has been.
pub async fn card(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<(String, String)>, StoreError> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT card_channel, card_message FROM session WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(channel, message)| channel.zip(message)))
}
