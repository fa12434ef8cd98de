//! Drop-ins: opening windows (each a weekly series of its group), closed days, and
//! who is on duty.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use sqlx::any::AnyRow;
use sqlx::AnyExecutor;

use crate::domain::dropin::{ClosedDay, Window};

use super::{format_date, from_unix, parse_date, to_unix, RowExt, StoreError};

/// A window as stored, with the series that materialises it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredWindow {
    pub series_id: i64,
    pub window: Window,
}

/// One stint on duty.
#[derive(Debug, Clone, PartialEq)]
pub struct Duty {
    pub user_id: String,
    pub display_name: String,
    /// They agreed to be named (`/rota me show_name:`).
    pub show_name: bool,
    pub until: DateTime<Utc>,
}

fn parse_time(text: &str) -> Result<NaiveTime, StoreError> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| StoreError::Corrupt(format!("wall time {text:?}")))
}

fn weekday(index: i64) -> Result<Weekday, StoreError> {
    u8::try_from(index)
        .ok()
        .and_then(|i| Weekday::try_from(i).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("weekday {index}")))
}

fn window_from_row(row: &AnyRow) -> Result<StoredWindow, StoreError> {
    let from = parse_time(row.col("from_local")?)?;
    let to = parse_time(row.col("to_local")?)?;
    let day = weekday(row.col("weekday")?)?;
    Ok(StoredWindow {
        series_id: row.col("series_id")?,
        window: Window { day, from, to },
    })
}

/// Remembers that `series_id` is the window `window` of `group_id`.
pub async fn insert_window(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    series_id: i64,
    window: &Window,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO dropin_window (series_id, group_id, weekday, from_local, to_local) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(series_id)
    .bind(group_id)
    .bind(i64::from(window.day.num_days_from_monday()))
    .bind(window.from.format("%H:%M").to_string())
    .bind(window.to.format("%H:%M").to_string())
    .execute(db)
    .await?;
    Ok(())
}

/// The group's current windows.
pub async fn windows(db: impl AnyExecutor<'_>, group_id: i64) -> Result<Vec<StoredWindow>, StoreError> {
    let rows = sqlx::query(
        "SELECT series_id, weekday, from_local, to_local FROM dropin_window
         WHERE group_id = $1 AND cleared_at IS NULL ORDER BY weekday, from_local",
    )
    .bind(group_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(window_from_row).collect()
}

/// Marks every current window of the group cleared.
pub async fn clear_windows(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done =
        sqlx::query("UPDATE dropin_window SET cleared_at = $1 WHERE group_id = $2 AND cleared_at IS NULL")
            .bind(to_unix(now))
            .bind(group_id)
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}

/// Adds (or re-words) a closed day.
pub async fn set_closed_day(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    day: &ClosedDay,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO dropin_closed_day (group_id, local_date, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (group_id, local_date) DO UPDATE SET reason = excluded.reason",
    )
    .bind(group_id)
    .bind(format_date(day.date))
    .bind(&day.reason)
    .bind(by)
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// The group's closed days from `from` on, by date.
pub async fn closed_days(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    from: NaiveDate,
) -> Result<Vec<ClosedDay>, StoreError> {
    let rows = sqlx::query(
        "SELECT local_date, reason FROM dropin_closed_day WHERE group_id = $1 AND local_date >= $2 ORDER BY local_date",
    )
    .bind(group_id)
    .bind(format_date(from))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ClosedDay {
                date: parse_date(row.col("local_date")?)?,
                reason: row.col("reason")?,
            })
        })
        .collect()
}

/// Starts a stint on duty, or extends the one under way.
pub async fn start_duty(
    conn: &mut super::Conn,
    group_id: i64,
    user_id: &str,
    display_name: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(), StoreError> {
    end_duty(&mut *conn, group_id, user_id, now).await?;
    sqlx::query(
        "INSERT INTO dropin_duty (group_id, user_id, display_name, from_at, until_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(group_id)
    .bind(user_id)
    .bind(display_name)
    .bind(to_unix(now))
    .bind(to_unix(until))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends the actor's stint under way; whether there was one. A stint that began this
/// very instant is removed, as if never started.
pub async fn end_duty(
    conn: &mut super::Conn,
    group_id: i64,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let removed = sqlx::query(
        "DELETE FROM dropin_duty WHERE group_id = $2 AND user_id = $3 AND until_at > $1 AND from_at >= $1",
    )
    .bind(to_unix(now))
    .bind(group_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let ended = sqlx::query(
        "UPDATE dropin_duty SET until_at = $1 WHERE group_id = $2 AND user_id = $3 AND until_at > $1 AND from_at < $1",
    )
    .bind(to_unix(now))
    .bind(group_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(removed.rows_affected() + ended.rows_affected() > 0)
}

/// Who is on duty at `now`, by name.
pub async fn on_duty(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Duty>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.user_id, d.display_name, d.until_at, COALESCE(p.show_name_on_rota, 1) AS show_name
         FROM dropin_duty d
         JOIN meeting_group g ON g.id = d.group_id
         LEFT JOIN member_prefs p ON p.community_id = g.community_id AND p.user_id = d.user_id
         WHERE d.group_id = $1 AND d.from_at <= $2 AND d.until_at > $2 ORDER BY d.display_name, d.user_id",
    )
    .bind(group_id)
    .bind(to_unix(now))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Duty {
                user_id: row.col("user_id")?,
                display_name: row.col("display_name")?,
                show_name: row.col("show_name")?,
                until: from_unix(row.col("until_at")?)?,
            })
        })
        .collect()
}

/// The ids of every drop-in group not archived, across communities: the horizon roll
/// keeps each one's status edits planned.
pub async fn active_group_ids(db: impl AnyExecutor<'_>) -> Result<Vec<i64>, StoreError> {
    let ids = sqlx::query_scalar(
        "SELECT id FROM meeting_group WHERE kind = 'drop-in' AND archived_at IS NULL ORDER BY id",
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// The drop-in session (of one of the group's windows) opening at `opens_at`, if it
/// is stored and not cancelled: whose rota says who is coming.
pub async fn session_opening_at(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    opens_at: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let id = sqlx::query_scalar(
        "SELECT s.id FROM session s JOIN dropin_window w ON w.series_id = s.series_id
         WHERE w.group_id = $1 AND s.starts_at = $2 AND s.status != 'cancelled' ORDER BY s.id LIMIT 1",
    )
    .bind(group_id)
    .bind(to_unix(opens_at))
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Whether a drop-in's cards offer "I might come" (`answers:yes`); no by default.
pub async fn answers(db: impl AnyExecutor<'_>, group_id: i64) -> Result<bool, StoreError> {
    let answers: Option<i64> = sqlx::query_scalar("SELECT answers FROM dropin_settings WHERE group_id = $1")
        .bind(group_id)
        .fetch_optional(db)
        .await?;
    Ok(answers.is_some_and(|on| on != 0))
}

/// Sets whether a drop-in's cards offer "I might come".
pub async fn set_answers(db: impl AnyExecutor<'_>, group_id: i64, answers: bool) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO dropin_settings (group_id, answers) VALUES ($1, $2)
         ON CONFLICT (group_id) DO UPDATE SET answers = excluded.answers",
    )
    .bind(group_id)
    .bind(i64::from(answers))
    .execute(db)
    .await?;
    Ok(())
}
