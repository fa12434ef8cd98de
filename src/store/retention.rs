//! Removing answers and attendance while keeping what they counted: a member's, when
//! they ask to be forgotten, and everyone's older than the community's retention
//! period. The counts go to `session_tally` and `month_tally` in the same transaction
//! as the rows go, decided by [`crate::domain::privacy::tally_removal`].

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use crate::domain::job::JobKind;
use crate::domain::privacy::{tally_removal, AnswerRow};

use super::{from_unix, parse_zone, positional, to_unix, RowExt, StoreError};

/// Whether an answer is its member's first attendance at the group in the records:
/// attended, not marked as having been before, and no earlier attendance kept.
macro_rules! first_time {
    () => {
        "(r.attended = 1 AND r.seen_before = 0 AND NOT EXISTS (
             SELECT 1 FROM rsvp r2 JOIN session s2 ON s2.id = r2.session_id
             JOIN series x2 ON x2.id = s2.series_id
             WHERE x2.group_id = x.group_id AND r2.user_id = r.user_id AND r2.attended = 1
               AND (s2.starts_at < s.starts_at OR (s2.starts_at = s.starts_at AND s2.id < s.id))))"
    };
}
pub(crate) use first_time;

/// Which answers go.
#[derive(Debug, Clone, Copy)]
pub enum Removal<'a> {
    /// Every answer of one member.
    Member(&'a str),
    /// Every answer to a session that started before this moment.
    Before(DateTime<Utc>),
}

async fn answer_rows(
    conn: &mut AnyConnection,
    community_id: &str,
    condition: &str,
    user: Option<&str>,
    at: &[i64],
) -> Result<Vec<AnswerRow>, StoreError> {
    let sql = format!(
        concat!(
            "SELECT r.session_id, x.group_id, g.timezone, s.starts_at, r.user_id, r.attended, ",
            first_time!(),
            " AS first_time
             FROM rsvp r JOIN session s ON s.id = r.session_id JOIN series x ON x.id = s.series_id
             JOIN meeting_group g ON g.id = x.group_id
             WHERE g.community_id = ? AND {}"
        ),
        condition
    );
    let sql = positional(&sql);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(community_id);
    if let Some(user) = user {
        query = query.bind(user);
    }
    for at in at {
        query = query.bind(*at);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let zone: String = row.col("timezone")?;
            Ok(AnswerRow {
                session_id: row.col("session_id")?,
                group_id: row.col("group_id")?,
                zone: parse_zone(&zone)?,
                starts_at: from_unix(row.col("starts_at")?)?,
                user_id: row.col("user_id")?,
                attended: row.col("attended")?,
                first_time: row.col("first_time")?,
            })
        })
        .collect()
}

/// Sessions of the community, for a `session_id IN (...)` condition with one bind.
const COMMUNITY_SESSIONS: &str = "SELECT s.id FROM session s JOIN series x ON x.id = s.series_id
     JOIN meeting_group g ON g.id = x.group_id WHERE g.community_id = ?";

/// Removes the answers, keeping their counts. Returns how many answers went.
pub async fn remove_answers(
    conn: &mut AnyConnection,
    community_id: &str,
    removal: Removal<'_>,
) -> Result<u64, StoreError> {
    let (removed, remaining) = match removal {
        Removal::Member(user) => (
            answer_rows(conn, community_id, "r.user_id = ?", Some(user), &[]).await?,
            Vec::new(),
        ),
        Removal::Before(cutoff) => {
            let at = to_unix(cutoff);
            let removed = answer_rows(conn, community_id, "s.starts_at < ?", None, &[at]).await?;
            let remaining = answer_rows(
                conn,
                community_id,
                "s.starts_at >= ? AND r.user_id IN (
                     SELECT r3.user_id FROM rsvp r3 JOIN session s3 ON s3.id = r3.session_id
                     WHERE s3.starts_at < ?)",
                None,
                &[at, at],
            )
            .await?;
            (removed, remaining)
        }
    };
    let tallies = tally_removal(&removed, &remaining);
    for (session_id, (attended, first_time)) in &tallies.sessions {
        sqlx::query(
            "INSERT INTO session_tally (session_id, attended, first_time) VALUES ($1, $2, $3)
             ON CONFLICT (session_id) DO UPDATE SET attended = session_tally.attended + excluded.attended,
                 first_time = session_tally.first_time + excluded.first_time",
        )
        .bind(session_id)
        .bind(attended)
        .bind(first_time)
        .execute(&mut *conn)
        .await?;
    }
    for ((group_id, month), attendees) in &tallies.months {
        sqlx::query(
            "INSERT INTO month_tally (group_id, month, attendees) VALUES ($1, $2, $3)
             ON CONFLICT (group_id, month) DO UPDATE SET attendees = month_tally.attendees + excluded.attendees",
        )
        .bind(group_id)
        .bind(month)
        .bind(attendees)
        .execute(&mut *conn)
        .await?;
    }
    for (group_id, user_id) in &tallies.seen_before {
        sqlx::query(
            "UPDATE rsvp SET seen_before = 1 WHERE user_id = $1 AND session_id IN (
                 SELECT s.id FROM session s JOIN series x ON x.id = s.series_id WHERE x.group_id = $2)",
        )
        .bind(user_id)
        .bind(group_id)
        .execute(&mut *conn)
        .await?;
    }
    let done = match removal {
        Removal::Member(user) => {
            sqlx::query(sqlx::AssertSqlSafe(positional(&format!(
                "DELETE FROM rsvp WHERE user_id = ? AND session_id IN ({COMMUNITY_SESSIONS})"
            ))))
            .bind(user)
            .bind(community_id)
            .execute(&mut *conn)
            .await?
        }
        Removal::Before(cutoff) => {
            sqlx::query(sqlx::AssertSqlSafe(positional(&format!(
                "DELETE FROM rsvp WHERE session_id IN ({COMMUNITY_SESSIONS} AND s.starts_at < ?)"
            ))))
            .bind(community_id)
            .bind(to_unix(cutoff))
            .execute(&mut *conn)
            .await?
        }
    };
    Ok(done.rows_affected())
}

/// Removes who held the shifts of sessions that started before `cutoff` (and the
/// offers of them), keeping how many places were held. Returns how many shifts went.
pub async fn remove_old_shifts(
    conn: &mut AnyConnection,
    community_id: &str,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let old = format!("{COMMUNITY_SESSIONS} AND s.starts_at < ?");
    sqlx::query(sqlx::AssertSqlSafe(positional(&format!(
        "INSERT INTO session_tally (session_id, shifts_held)
             SELECT session_id, COUNT(*) FROM rota_assignment
             WHERE state IN ('assigned', 'confirmed', 'swap-offered') AND session_id IN ({old})
             GROUP BY session_id
         ON CONFLICT (session_id) DO UPDATE SET shifts_held = session_tally.shifts_held + excluded.shifts_held"
    ))))
    .bind(community_id)
    .bind(to_unix(cutoff))
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(positional(&format!(
        "DELETE FROM rota_offer WHERE session_id IN ({old})"
    ))))
    .bind(community_id)
    .bind(to_unix(cutoff))
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(sqlx::AssertSqlSafe(positional(&format!(
        "DELETE FROM rota_assignment WHERE session_id IN ({old})"
    ))))
    .bind(community_id)
    .bind(to_unix(cutoff))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Removes facilitators' debriefs (and a flag's note) of sessions that started before
/// `cutoff`. Returns how many went.
pub async fn remove_old_debriefs(
    conn: &mut AnyConnection,
    community_id: &str,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let old = format!("{COMMUNITY_SESSIONS} AND s.starts_at < ?");
    let done = sqlx::query(sqlx::AssertSqlSafe(positional(&format!(
        "DELETE FROM debrief WHERE session_id IN ({old})"
    ))))
    .bind(community_id)
    .bind(to_unix(cutoff))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Removes finished messages to members (their DMs) last touched before `cutoff`.
pub async fn remove_old_member_messages(
    conn: &mut AnyConnection,
    community_id: &str,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let kinds: Vec<String> = MEMBER_MESSAGE_KINDS
        .iter()
        .map(|kind| format!("'{}'", kind.as_str()))
        .collect();
    let done = sqlx::query(sqlx::AssertSqlSafe(positional(&format!(
        "DELETE FROM job WHERE community_id = $1 AND state IN ('sent', 'skipped', 'failed')
             AND updated_at < $2 AND kind IN ({})",
        kinds.join(", ")
    ))))
    .bind(community_id)
    .bind(to_unix(cutoff))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The jobs addressed to one member (their target is a member's id).
pub const MEMBER_MESSAGE_KINDS: &[JobKind] = &[
    JobKind::DmReminder,
    JobKind::DmCancellation,
    JobKind::DmPromotion,
    JobKind::DutyNotice,
    JobKind::OpenShiftDm,
    JobKind::GapAlertDm,
    JobKind::RotaNote,
    JobKind::DmPromptApproved,
    JobKind::DmDebrief,
    JobKind::DmQuarterly,
];

/// Removes audit entries older than `cutoff`.
pub async fn remove_old_audit(
    conn: &mut AnyConnection,
    community_id: &str,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM audit WHERE community_id = $1 AND at < $2")
        .bind(community_id)
        .bind(to_unix(cutoff))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// One run of the retention job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub ran_at: DateTime<Utc>,
    pub answers: i64,
    pub shifts: i64,
    pub messages: i64,
    pub audit: i64,
    /// Why it failed, when it did (then nothing was removed).
    pub error: Option<String>,
}

pub async fn record_run(conn: &mut AnyConnection, community_id: &str, run: &Run) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO retention_run (community_id, ran_at, answers_removed, shifts_removed,
             messages_removed, audit_removed, error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(community_id)
    .bind(to_unix(run.ran_at))
    .bind(run.answers)
    .bind(run.shifts)
    .bind(run.messages)
    .bind(run.audit)
    .bind(&run.error)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The community's latest retention run.
pub async fn last_run(conn: &mut AnyConnection, community_id: &str) -> Result<Option<Run>, StoreError> {
    let row = sqlx::query(
        "SELECT ran_at, answers_removed, shifts_removed, messages_removed, audit_removed, error
         FROM retention_run WHERE community_id = $1 ORDER BY ran_at DESC, id DESC LIMIT 1",
    )
    .bind(community_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(Run {
            ran_at: from_unix(row.col("ran_at")?)?,
            answers: row.col("answers_removed")?,
            shifts: row.col("shifts_removed")?,
            messages: row.col("messages_removed")?,
            audit: row.col("audit_removed")?,
            error: row.col("error")?,
        })
    })
    .transpose()
}

/// Every community's id, for planning each one's retention job.
pub async fn communities(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT id FROM community ORDER BY id")
        .fetch_all(&mut *conn)
        .await?)
}
