//! What a report for funders is made from: the sessions of a span with their kept
//! counts and facilitator places, and the attendances still in the details. Member
//! ids are read only to count distinct attendees; they never leave the report's
//! domain function.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use crate::domain::report::{Attendance, ReportSession};

use super::retention::first_time;
use super::{from_unix, parse_zone, to_unix, RowExt, StoreError};

/// What [`crate::domain::report::build`] needs for sessions starting in `[from, to)`
/// (UTC; the domain narrows to local dates), of one group or all.
pub struct Loaded {
    pub sessions: Vec<ReportSession>,
    pub attendance: Vec<Attendance>,
    pub kept_attendees: BTreeMap<(i64, String), i64>,
}

/// Runs a query over a span with its four binds: ?1 community, ?2 group (or NULL),
/// ?3 and ?4 the span's start and end.
async fn span_rows(
    conn: &mut AnyConnection,
    sql: &'static str,
    community_id: &str,
    group_id: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(community_id)
        .bind(group_id)
        .bind(to_unix(from))
        .bind(to_unix(to))
        .fetch_all(&mut *conn)
        .await?)
}

pub async fn load(
    conn: &mut AnyConnection,
    community_id: &str,
    group_id: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Loaded, StoreError> {
    // A session after its series' end (kept, marked ended) never was planned to happen.
    let rows = span_rows(
        conn,
        "SELECT s.id, x.group_id, g.name, g.timezone, s.starts_at, s.status, g.facilitators_needed,
             (SELECT COUNT(*) FROM rota_assignment a WHERE a.session_id = s.id
                  AND a.state IN ('assigned', 'confirmed', 'swap-offered')) AS holders,
             COALESCE(t.attended, 0) AS kept_attended, COALESCE(t.first_time, 0) AS kept_first_time,
             COALESCE(t.shifts_held, 0) AS kept_shifts, COALESCE(t.flagged, 0) AS flags,
             (SELECT COUNT(*) FROM checkout_answer c WHERE c.session_id = s.id AND c.answer = 'better') AS left_better,
             (SELECT COUNT(*) FROM checkout_answer c WHERE c.session_id = s.id AND c.answer = 'same') AS left_same,
             (SELECT COUNT(*) FROM checkout_answer c WHERE c.session_id = s.id AND c.answer = 'not-so-good')
                 AS left_not_so_good
         FROM session s JOIN series x ON x.id = s.series_id JOIN meeting_group g ON g.id = x.group_id
         LEFT JOIN session_tally t ON t.session_id = s.id
         WHERE g.community_id = $1 AND ($2 IS NULL OR x.group_id = $2)
           AND s.starts_at >= $3 AND s.starts_at < $4 AND s.ended = 0
         ORDER BY s.starts_at, s.id",
        community_id,
        group_id,
        from,
        to,
    )
    .await?;
    let sessions = rows
        .iter()
        .map(|row| {
            let zone: String = row.col("timezone")?;
            let status: String = row.col("status")?;
            let needed: i64 = row.col("facilitators_needed")?;
            let holders: i64 = row.col("holders")?;
            let kept_shifts: i64 = row.col("kept_shifts")?;
            Ok(ReportSession {
                id: row.col("id")?,
                group_id: row.col("group_id")?,
                group_name: row.col("name")?,
                zone: parse_zone(&zone)?,
                starts_at: from_unix(row.col("starts_at")?)?,
                cancelled: status == "cancelled",
                needed: u32::try_from(needed).unwrap_or(0),
                shifts_held: u32::try_from(holders + kept_shifts).unwrap_or(0),
                kept_attended: row.col("kept_attended")?,
                kept_first_time: row.col("kept_first_time")?,
                left: [
                    row.col("left_better")?,
                    row.col("left_same")?,
                    row.col("left_not_so_good")?,
                ],
                flags: row.col("flags")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rows = span_rows(
        conn,
        concat!(
            "SELECT r.session_id, r.user_id, ",
            first_time!(),
            " AS first_time
         FROM rsvp r JOIN session s ON s.id = r.session_id JOIN series x ON x.id = s.series_id
         JOIN meeting_group g ON g.id = x.group_id
         WHERE g.community_id = $1 AND ($2 IS NULL OR x.group_id = $2)
           AND s.starts_at >= $3 AND s.starts_at < $4 AND r.attended = 1"
        ),
        community_id,
        group_id,
        from,
        to,
    )
    .await?;
    let attendance = rows
        .iter()
        .map(|row| {
            Ok(Attendance {
                session_id: row.col("session_id")?,
                user_id: row.col("user_id")?,
                first_time: row.col("first_time")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rows = sqlx::query(
        "SELECT t.group_id, t.month, t.attendees FROM month_tally t
         JOIN meeting_group g ON g.id = t.group_id
         WHERE g.community_id = $1 AND ($2 IS NULL OR t.group_id = $2)",
    )
    .bind(community_id)
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut kept_attendees = BTreeMap::new();
    for row in &rows {
        kept_attendees.insert(
            (row.col::<i64>("group_id")?, row.col::<String>("month")?),
            row.col::<i64>("attendees")?,
        );
    }
    Ok(Loaded {
        sessions,
        attendance,
        kept_attendees,
    })
}
