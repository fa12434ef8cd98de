//! Meeting series: a group's recurring (or one-off) meetings, as rules.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyExecutor;

use super::{format_date, format_local, parse_date, parse_local, to_unix, RowExt, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub id: i64,
    pub group_id: i64,
    /// How it was described when added (`weekly`, `fortnightly`, ..., `rrule`).
    pub repeat: String,
    /// The RFC 5545 rule body, evaluated in the group's local wall time.
    pub rrule: String,
    pub start_local: NaiveDateTime,
    pub duration_minutes: i64,
    pub location: Option<String>,
    /// No sessions after this local date (`/meeting end`).
    pub ended_after: Option<NaiveDate>,
}

/// A series about to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSeries {
    pub group_id: i64,
    pub repeat: String,
    pub rrule: String,
    pub start_local: NaiveDateTime,
    pub duration_minutes: i64,
    pub location: Option<String>,
    pub created_by: String,
}

fn from_row(row: &AnyRow) -> Result<Series, StoreError> {
    let ended_after: Option<String> = row.col("ended_after")?;
    Ok(Series {
        id: row.col("id")?,
        group_id: row.col("group_id")?,
        repeat: row.col("repeat")?,
        rrule: row.col("rrule")?,
        start_local: parse_local(row.col("start_local")?)?,
        duration_minutes: row.col("duration_minutes")?,
        location: row.col("location")?,
        ended_after: ended_after.as_deref().map(parse_date).transpose()?,
    })
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    series: &NewSeries,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO series (group_id, repeat, rrule, start_local, duration_minutes, location,
             created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(series.group_id)
    .bind(&series.repeat)
    .bind(&series.rrule)
    .bind(format_local(series.start_local))
    .bind(series.duration_minutes)
    .bind(&series.location)
    .bind(&series.created_by)
    .bind(to_unix(now))
    .fetch_one(db)
    .await?;
    Ok(id)
}

pub async fn get(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<Series>, StoreError> {
    let row = sqlx::query(
        "SELECT id, group_id, repeat, rrule, start_local, duration_minutes, location, ended_after
         FROM series WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_for_group(db: impl AnyExecutor<'_>, group_id: i64) -> Result<Vec<Series>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, group_id, repeat, rrule, start_local, duration_minutes, location, ended_after
         FROM series WHERE group_id = $1 ORDER BY start_local, id",
    )
    .bind(group_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The series of the groups with ids in `first_group..=last_group`, by group: one
/// read for a page of groups when the horizon roll looks for work.
pub async fn list_for_groups(
    db: impl AnyExecutor<'_>,
    first_group: i64,
    last_group: i64,
) -> Result<Vec<Series>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, group_id, repeat, rrule, start_local, duration_minutes, location, ended_after
         FROM series WHERE group_id BETWEEN $1 AND $2 ORDER BY group_id, start_local, id",
    )
    .bind(first_group)
    .bind(last_group)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_ended_after(
    db: impl AnyExecutor<'_>,
    id: i64,
    last_date: NaiveDate,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE series SET ended_after = $1 WHERE id = $2")
        .bind(format_date(last_date))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether anyone could be counting on a series: a member answered one of its
/// sessions, chose it as a regular, or one of its cards is posted.
pub async fn in_use(db: impl AnyExecutor<'_>, id: i64) -> Result<bool, StoreError> {
    let used: i64 = sqlx::query_scalar(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM rsvp r JOIN session s ON s.id = r.session_id WHERE s.series_id = $1)
             OR EXISTS (SELECT 1 FROM session WHERE series_id = $1 AND card_message IS NOT NULL)
             OR EXISTS (SELECT 1 FROM series_rsvp WHERE series_id = $1) THEN 1 ELSE 0 END",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(used != 0)
}

/// Removes a series and its sessions outright, setting their waiting jobs aside with
/// `reason`: only for a series that has not started and that no one is counting on
/// (see [`in_use`]).
pub async fn remove(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = 'skipped', last_error = $1, updated_at = $2
         WHERE state = 'pending' AND session_id IN (SELECT id FROM session WHERE series_id = $3)",
    )
    .bind(reason)
    .bind(to_unix(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM session WHERE series_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM series_rsvp WHERE series_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM series WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
