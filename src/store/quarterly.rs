//! The quarterly "what has this group meant to you?": each community's rounds (when a
//! quarter's question went out and when its answers close), the answers (kept with
//! no member id or name), their one-way markers, and who the question goes to.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyExecutor};

use crate::domain::quarterly::{Answers, QuarterCounts, Question, Scale};

use super::{from_unix, parse_enum, to_unix, RowExt, StoreError};

/// The communities that ask the quarterly question.
pub async fn communities_on(db: impl AnyExecutor<'_>) -> Result<Vec<String>, StoreError> {
    let ids = sqlx::query_scalar("SELECT id FROM community WHERE quarterly = 1 ORDER BY id")
        .fetch_all(db)
        .await?;
    Ok(ids)
}

/// Records that a quarter's question went out (once: a second run keeps the first).
pub async fn record_round(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    quarter: &str,
    sent_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO quarterly_round (community_id, quarter, sent_at, closes_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(community_id)
    .bind(quarter)
    .bind(to_unix(sent_at))
    .bind(to_unix(closes_at))
    .execute(db)
    .await?;
    Ok(())
}

/// When a quarter's answers close, if its question went out.
pub async fn closes_at(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    quarter: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at: Option<i64> =
        sqlx::query_scalar("SELECT closes_at FROM quarterly_round WHERE community_id = $1 AND quarter = $2")
            .bind(community_id)
            .bind(quarter)
            .fetch_optional(db)
            .await?;
    at.map(from_unix).transpose()
}

/// Members who came to a session of the community from `from` to before `to`
/// (checked in or marked present) and asked for DMs.
pub async fn attendees_wanting_dms(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let users = sqlx::query_scalar(
        "SELECT DISTINCT r.user_id FROM rsvp r
         JOIN session s ON s.id = r.session_id
         JOIN series x ON x.id = s.series_id
         JOIN meeting_group g ON g.id = x.group_id
         JOIN member_prefs p ON p.community_id = g.community_id AND p.user_id = r.user_id
         WHERE g.community_id = $1 AND r.attended = 1 AND s.starts_at >= $2 AND s.starts_at < $3
             AND p.dm_reminders = 1
         ORDER BY r.user_id",
    )
    .bind(community_id)
    .bind(to_unix(from))
    .bind(to_unix(to))
    .fetch_all(db)
    .await?;
    Ok(users)
}

/// Records one member's answers: the marker, then (only if it is new) the answers,
/// kept with the day only. Returns whether they counted (`false`: already answered).
pub async fn answer(
    conn: &mut AnyConnection,
    community_id: &str,
    quarter: &str,
    marker: &str,
    answers: &Answers,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let marked = sqlx::query(
        "INSERT INTO quarterly_marker (community_id, quarter, marker) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(community_id)
    .bind(quarter)
    .bind(marker)
    .execute(&mut *conn)
    .await?;
    if marked.rows_affected() == 0 {
        return Ok(false);
    }
    let day = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    sqlx::query(
        "INSERT INTO quarterly_answer (community_id, quarter, confident, in_control, hopeful, words, answered_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(community_id)
    .bind(quarter)
    .bind(answers.confident.map(Scale::as_str))
    .bind(answers.in_control.map(Scale::as_str))
    .bind(answers.hopeful.map(Scale::as_str))
    .bind(answers.words.as_deref())
    .bind(to_unix(day))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Whether a marker is already there (the member answered this quarter).
pub async fn answered(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    quarter: &str,
    marker: &str,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM quarterly_marker WHERE community_id = $1 AND quarter = $2 AND marker = $3",
    )
    .bind(community_id)
    .bind(quarter)
    .bind(marker)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// The answers of the community's quarters from `first` to `last` (`2026-Q1` names
/// sort in time order), counted per question and answer.
pub async fn counts(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    first: &str,
    last: &str,
) -> Result<Vec<QuarterCounts>, StoreError> {
    let rows = sqlx::query(
        "SELECT quarter, confident, in_control, hopeful FROM quarterly_answer
         WHERE community_id = $1 AND quarter >= $2 AND quarter <= $3 ORDER BY quarter",
    )
    .bind(community_id)
    .bind(first)
    .bind(last)
    .fetch_all(db)
    .await?;
    let mut out: Vec<QuarterCounts> = Vec::new();
    for row in rows {
        let quarter: String = row.col("quarter")?;
        if out.last().is_none_or(|q| q.quarter != quarter) {
            out.push(QuarterCounts {
                quarter: quarter.clone(),
                ..Default::default()
            });
        }
        let Some(counted) = out.last_mut() else {
            continue;
        };
        counted.answers += 1;
        for (q, question) in Question::ALL.iter().enumerate() {
            let typed: Option<String> = row.col(question.key())?;
            if let Some(typed) = typed {
                let scale: Scale = parse_enum("quarterly answer", &typed)?;
                let s = Scale::ALL.iter().position(|x| *x == scale).unwrap_or(0);
                counted.counts[q][s] += 1;
            }
        }
    }
    Ok(out)
}

/// The words members wrote for a quarter, oldest day first, with the day they came.
pub async fn words(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    quarter: &str,
) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT answered_on, words FROM quarterly_answer
         WHERE community_id = $1 AND quarter = $2 AND words IS NOT NULL ORDER BY answered_on, id",
    )
    .bind(community_id)
    .bind(quarter)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((from_unix(row.col("answered_on")?)?, row.col("words")?)))
        .collect()
}

/// Removes the markers of rounds whose answers have closed. Returns how many went.
pub async fn remove_closed_markers(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM quarterly_marker WHERE EXISTS (
             SELECT 1 FROM quarterly_round r WHERE r.community_id = quarterly_marker.community_id
                 AND r.quarter = quarterly_marker.quarter AND r.closes_at <= $1)",
    )
    .bind(to_unix(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Clears the words of answers that came before `cutoff` (their counts stay).
pub async fn remove_old_words(
    conn: &mut AnyConnection,
    community_id: &str,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE quarterly_answer SET words = NULL
         WHERE community_id = $1 AND words IS NOT NULL AND answered_on < $2",
    )
    .bind(community_id)
    .bind(to_unix(cutoff))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
