//! RSVPs and attendance rows: who answered what for which session, in the order
//! their places were given. An answer is one read ([`load_answers`]: the session and
//! what the rules decide on) and one write ([`write_changes`]: what they decided).

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyExecutor;

use crate::domain::rsvp::{Answer, Changes, RsvpState, SessionAnswers};

use super::jobs::{self, OnConflict};
use super::sessions::{detail_columns, detail_from, detail_from_row, SessionDetail};
use super::{parse_enum, to_unix, Backend, Conn, Dialect, RowExt, Statement, StoreError};

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

fn from_row(row: &AnyRow) -> Result<Rsvp, StoreError> {
    Ok(Rsvp {
        session_id: row.col("session_id")?,
        user_id: row.col("user_id")?,
        display_name: row.col("display_name")?,
        state: parse_enum("RSVP state", row.col("state")?)?,
        waitlist_position: row.col("waitlist_position")?,
        seq: row.col("seq")?,
        attended: row.col("attended")?,
    })
}

pub async fn get(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    user_id: &str,
) -> Result<Option<Rsvp>, StoreError> {
    let row = sqlx::query(
        "SELECT session_id, user_id, display_name, state, waitlist_position, seq, attended
         FROM rsvp WHERE session_id = $1 AND user_id = $2",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every answer for a session, places first in the order they were given.
pub async fn list(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Vec<Rsvp>, StoreError> {
    let rows = sqlx::query(
        "SELECT session_id, user_id, display_name, state, waitlist_position, seq, attended
         FROM rsvp WHERE session_id = $1
         ORDER BY CASE state WHEN 'going' THEN 0 WHEN 'waitlisted' THEN 1 WHEN 'maybe' THEN 2 ELSE 3 END, seq",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn counts(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Counts, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) FILTER (WHERE state = 'going') AS going,
                COUNT(*) FILTER (WHERE state = 'maybe') AS maybe,
                COUNT(*) FILTER (WHERE state = 'waitlisted') AS waitlisted,
                COUNT(*) FILTER (WHERE attended = 1) AS attended
         FROM rsvp WHERE session_id = $1",
    )
    .bind(session_id)
    .fetch_one(db)
    .await?;
    let count = |name: &str| -> Result<u32, StoreError> {
        let n: i64 = row.col(name)?;
        u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{name} count {n}")))
    };
    Ok(Counts {
        going: count("going")?,
        maybe: count("maybe")?,
        waitlisted: count("waitlisted")?,
        attended: count("attended")?,
    })
}

/// A session with what an answer to it is decided on.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub session: SessionDetail,
    pub answers: SessionAnswers,
    /// Which of the members asked about want DMs.
    pub wanting_dms: Vec<String>,
}

/// Loads a session and what an answer to it is decided on: whether its card is up,
/// the places taken, the last place order given, the whole waitlist, and the answers
/// of `members`, each with whether they want DMs. Only those answers: a decision
/// changes no other row, and the others are counted.
///
/// One query, so one round trip to SQLite's thread: the answers come packed as one
/// JSON array, as rows would cross from that thread one at a time.
pub async fn load_answers(
    db: impl AnyExecutor<'_> + Dialect,
    session_id: i64,
    members: &[&str],
) -> Result<Option<Loaded>, StoreError> {
    let members = serde_json::to_string(members).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    const SQLITE: &str = concat!(
        "SELECT ",
        detail_columns!(),
        ",
         s.card_channel IS NOT NULL AND s.card_message IS NOT NULL AS card_posted,
         (SELECT MAX(m) FROM (
              SELECT MAX(seq) AS m FROM rsvp WHERE session_id = $1 AND state = 'going'
              UNION ALL SELECT MAX(seq) FROM rsvp WHERE session_id = $1 AND state = 'waitlisted'
              UNION ALL SELECT MAX(seq) FROM rsvp WHERE session_id = $1 AND state = 'maybe'
              UNION ALL SELECT MAX(seq) FROM rsvp WHERE session_id = $1 AND state = 'not-going') AS seqs)
             AS last_seq,
         (SELECT json_group_array(m.value) FROM json_each($2) m
              JOIN member_prefs p ON p.community_id = g.community_id AND p.user_id = m.value
              WHERE p.dm_reminders = 1) AS wanting_dms,
         (SELECT json_group_array(json_array(a.user_id, a.display_name, a.state, a.seq,
                                             a.waitlist_position, COALESCE(p.dm_reminders, 0)))
              FROM (SELECT user_id, display_name, state, seq, waitlist_position FROM rsvp
                        WHERE session_id = $1 AND state = 'waitlisted'
                    UNION ALL
                    SELECT user_id, display_name, state, seq, waitlist_position FROM rsvp
                        WHERE session_id = $1 AND state != 'waitlisted'
                          AND user_id IN (SELECT value FROM json_each($2))) a
              LEFT JOIN member_prefs p ON p.community_id = g.community_id AND p.user_id = a.user_id)
             AS answers",
        detail_from!(),
        "WHERE s.id = $1"
    );
    // PostgreSQL has the same JSON in other words.
    static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = match db.backend() {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES.get_or_init(|| {
            SQLITE
                .replace(
                    "(SELECT json_group_array(m.value) FROM json_each($2) m",
                    "(SELECT COALESCE(json_agg(m.value), '[]')::text
                      FROM jsonb_array_elements_text(CAST($2 AS jsonb)) AS m(value)",
                )
                .replace(
                    "(SELECT json_group_array(json_array(a.user_id, a.display_name, a.state, a.seq,
                                             a.waitlist_position, COALESCE(p.dm_reminders, 0)))",
                    "(SELECT COALESCE(json_agg(json_build_array(a.user_id, a.display_name, a.state, a.seq,
                                             a.waitlist_position, COALESCE(p.dm_reminders, 0))), '[]')::text",
                )
                .replace(
                    "user_id IN (SELECT value FROM json_each($2))",
                    "user_id IN (SELECT jsonb_array_elements_text(CAST($2 AS jsonb)))",
                )
        }),
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(session_id)
        .bind(members)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let session = detail_from_row(&row)?;
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("answers of session {session_id}: {e}"));
    let wanting_dms: Vec<String> = serde_json::from_str(row.col("wanting_dms")?).map_err(corrupt)?;
    let packed: Vec<(String, String, String, i64, Option<i64>, i64)> =
        serde_json::from_str(row.col("answers")?).map_err(corrupt)?;
    let answers = packed
        .into_iter()
        .map(|(user_id, display_name, state, seq, position, dms)| {
            Ok(Answer {
                user_id,
                display_name,
                state: parse_enum("RSVP state", &state)?,
                seq,
                waitlist_position: position
                    .map(|p| {
                        u32::try_from(p).map_err(|_| StoreError::Corrupt(format!("waitlist position {p}")))
                    })
                    .transpose()?,
                wants_dms: dms != 0,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let last_seq: Option<i64> = row.col("last_seq")?;
    Ok(Some(Loaded {
        answers: SessionAnswers {
            session: session.facts(),
            card_posted: row.col("card_posted")?,
            going: session.going,
            last_seq: last_seq.unwrap_or(0),
            answers,
        },
        session,
        wanting_dms,
    }))
}

/// At most this many rows per statement, well inside SQLite's 32,766 bound values.
const ROWS_PER_STATEMENT: usize = 500;

/// Writes what an RSVP decision changed, in one round trip: the changed answers as a
/// multi-row upsert, then the promotion DMs, then the card redraw. Nothing at all when
/// nothing changed. An answer's `updated_at` moves when the answer does, not when only
/// its waitlist number does.
pub async fn write_changes(
    conn: &mut Conn,
    community_id: &str,
    session_id: i64,
    changes: &Changes,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let backend = Backend::of_conn(conn);
    let mut ready = Vec::new();
    let mut batch = Statement::new("");
    for rows in changes.answers.chunks(ROWS_PER_STATEMENT) {
        batch.push(
            "INSERT INTO rsvp (session_id, user_id, display_name, state, seq, waitlist_position,
                 created_at, updated_at) ",
        );
        batch.push_values(rows, |row, answer| {
            row.push_bind(session_id)
                .push_bind(answer.user_id.as_str())
                .push_bind(answer.display_name.as_str())
                .push_bind(answer.state.as_str())
                .push_bind(answer.seq)
                .push_bind(answer.waitlist_position.map(i64::from))
                .push_bind(to_unix(now))
                .push_bind(to_unix(now));
        });
        batch.push(
            " ON CONFLICT (session_id, user_id) DO UPDATE SET
                 display_name = excluded.display_name, state = excluded.state, seq = excluded.seq,
                 waitlist_position = excluded.waitlist_position,
                 updated_at = CASE WHEN rsvp.state = excluded.state AND rsvp.seq = excluded.seq
                                        AND rsvp.display_name = excluded.display_name
                                   THEN rsvp.updated_at ELSE excluded.updated_at END",
        );
        end_statement(backend, &mut batch, &mut ready);
    }
    for dms in changes.promotion_dms.chunks(ROWS_PER_STATEMENT) {
        jobs::push_writes(
            &mut batch,
            OnConflict::Upsert,
            community_id,
            Some(session_id),
            dms,
            now,
        );
        end_statement(backend, &mut batch, &mut ready);
    }
    if let Some(edit) = &changes.card_edit {
        jobs::push_writes(
            &mut batch,
            OnConflict::Rearm,
            community_id,
            Some(session_id),
            [edit],
            now,
        );
    }
    // A click writes one or two rows: keep those few statement shapes prepared, and
    // don't let a rare large renumbering push them out of the statement cache.
    let usual = changes.answers.len() + changes.promotion_dms.len() <= 4;
    ready.push(batch);
    for statement in ready {
        if !statement.is_empty() {
            statement.build(usual)?.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Ends one statement of a batch: on SQLite the next follows in the same text (one
/// round trip to its thread); PostgreSQL takes one statement per prepared query.
fn end_statement(backend: Backend, batch: &mut Statement, ready: &mut Vec<Statement>) {
    match backend {
        Backend::Sqlite => {
            batch.push(";\n");
        }
        Backend::Postgres => ready.push(std::mem::replace(batch, Statement::new(""))),
    }
}

/// Marks someone as having attended, creating their row if they never answered.
pub async fn mark_attended(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    user_id: &str,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rsvp (session_id, user_id, display_name, state, seq, attended, created_at, updated_at)
         VALUES ($1, $2, $3, 'going', 0, 1, $4, $5)
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
    db: impl AnyExecutor<'_>,
    community_id: &str,
    user_id: &str,
    from: DateTime<Utc>,
) -> Result<Vec<(i64, RsvpState, Option<i64>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.session_id, r.state, r.waitlist_position FROM rsvp r
         JOIN session s ON s.id = r.session_id
         JOIN series sr ON sr.id = s.series_id
         JOIN meeting_group g ON g.id = sr.group_id
         WHERE g.community_id = $1 AND r.user_id = $2 AND s.ends_at > $3 AND r.state != 'not-going'
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
                row.col("session_id")?,
                parse_enum("RSVP state", row.col("state")?)?,
                row.col("waitlist_position")?,
            ))
        })
        .collect()
}

/// Records a regular: someone going to every session of a series.
pub async fn add_regular(
    db: impl AnyExecutor<'_>,
    series_id: i64,
    user_id: &str,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO series_rsvp (series_id, user_id, display_name, created_at) VALUES ($1, $2, $3, $4)
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
pub async fn regulars(db: impl AnyExecutor<'_>, series_id: i64) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, display_name FROM series_rsvp WHERE series_id = $1 ORDER BY created_at, user_id",
    )
    .bind(series_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.col("user_id")?, row.col("display_name")?)))
        .collect()
}
