//! The job table: the outbox of everything hearth will post.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqliteExecutor};

use crate::domain::job::{JobKind, JobState, PlannedJob};

use super::{from_unix, parse_enum, to_unix, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub community_id: String,
    pub kind: JobKind,
    pub dedupe_key: String,
    pub session_id: Option<i64>,
    pub target: Option<String>,
    pub payload: String,
    pub due_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub state: JobState,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub fell_back: bool,
    pub delivered_channel: Option<String>,
    pub delivered_message: Option<String>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, community_id, kind, dedupe_key, session_id, target, payload, due_at, expires_at, state,
         attempts, next_attempt_at, last_error, fell_back, delivered_channel, delivered_message, updated_at"
    };
}

/// What [`upsert`] does with a key that exists, shared with [`upsert_many`].
macro_rules! upsert_on_conflict {
    () => {
        " ON CONFLICT (dedupe_key) DO UPDATE SET
             due_at = excluded.due_at, expires_at = excluded.expires_at, target = excluded.target,
             payload = excluded.payload, next_attempt_at = NULL, updated_at = excluded.updated_at
         WHERE job.state = 'pending'
           AND (job.due_at != excluded.due_at OR job.expires_at IS NOT excluded.expires_at
                OR job.target IS NOT excluded.target OR job.payload != excluded.payload)"
    };
}

fn from_row(row: &SqliteRow) -> Result<Job, StoreError> {
    let expires_at: Option<i64> = row.try_get("expires_at")?;
    let next_attempt_at: Option<i64> = row.try_get("next_attempt_at")?;
    Ok(Job {
        id: row.try_get("id")?,
        community_id: row.try_get("community_id")?,
        kind: parse_enum("job kind", row.try_get("kind")?)?,
        dedupe_key: row.try_get("dedupe_key")?,
        session_id: row.try_get("session_id")?,
        target: row.try_get("target")?,
        payload: row.try_get("payload")?,
        due_at: from_unix(row.try_get("due_at")?)?,
        expires_at: expires_at.map(from_unix).transpose()?,
        state: parse_enum("job state", row.try_get("state")?)?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: next_attempt_at.map(from_unix).transpose()?,
        last_error: row.try_get("last_error")?,
        fell_back: row.try_get("fell_back")?,
        delivered_channel: row.try_get("delivered_channel")?,
        delivered_message: row.try_get("delivered_message")?,
        updated_at: from_unix(row.try_get("updated_at")?)?,
    })
}

/// Creates the job, or — while it is still pending — re-times it. A job that was
/// already sent, skipped or failed is left alone: one purpose, one delivery.
pub async fn upsert(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    session_id: Option<i64>,
    job: &PlannedJob,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_job(
        concat!(
            "INSERT INTO job (community_id, kind, dedupe_key, session_id, target, payload, due_at,
                 expires_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            upsert_on_conflict!()
        ),
        db,
        community_id,
        session_id,
        job,
        now,
    )
    .await
}

/// Rows per multi-row insert: 10 values each, well inside SQLite's variable limit.
const UPSERT_CHUNK: usize = 500;

/// [`upsert`] for many jobs of a community at once, as (session, job), in as few
/// statements as fit: materialising a group's sessions writes all their jobs in one go.
pub async fn upsert_many(
    conn: &mut SqliteConnection,
    community_id: &str,
    jobs: &[(Option<i64>, PlannedJob)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in jobs.chunks(UPSERT_CHUNK) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO job (community_id, kind, dedupe_key, session_id, target, payload, due_at,
                 expires_at, created_at, updated_at) ",
        );
        insert.push_values(chunk, |mut row, (session_id, job)| {
            row.push_bind(community_id.to_string())
                .push_bind(job.kind.as_str())
                .push_bind(job.dedupe_key.clone())
                .push_bind(*session_id)
                .push_bind(job.target.clone())
                .push_bind(job.payload.clone())
                .push_bind(to_unix(job.due_at))
                .push_bind(job.expires_at.map(to_unix))
                .push_bind(to_unix(now))
                .push_bind(to_unix(now));
        });
        insert.push(upsert_on_conflict!());
        // Not kept as a prepared statement: its text varies with the row count, and
        // caching every length would only hold memory on each connection.
        insert.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The pending jobs of one session.
pub async fn pending_for_session(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM job WHERE session_id = ? AND state = 'pending'"
    ))
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Skips every pending job of the given sessions' (a cancelled or removed session).
pub async fn skip_pending_for_session(
    db: impl SqliteExecutor<'_>,
    session_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'skipped', last_error = ?, updated_at = ?
         WHERE session_id = ? AND state = 'pending'",
    )
    .bind(reason)
    .bind(to_unix(now))
    .bind(session_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Skips every pending job of a group's sessions (the group was archived).
pub async fn skip_pending_for_group(
    db: impl SqliteExecutor<'_>,
    group_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'skipped', last_error = ?, updated_at = ?
         WHERE state = 'pending' AND session_id IN (
             SELECT s.id FROM session s JOIN series r ON r.id = s.series_id WHERE r.group_id = ?)",
    )
    .bind(reason)
    .bind(to_unix(now))
    .bind(group_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub async fn skip(
    db: impl SqliteExecutor<'_>,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE job SET state = 'skipped', last_error = ?, updated_at = ? WHERE id = ?")
        .bind(reason)
        .bind(to_unix(now))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Jobs that can no longer be useful are skipped, with their reason, rather than
/// posted late. Returns how many. Pinned to its partial index: SQLite would otherwise
/// scan every waiting job (15 ms at 100,000) before each dispatcher step.
pub async fn expire(db: impl SqliteExecutor<'_>, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job INDEXED BY job_expiry SET state = 'skipped', updated_at = ?,
             last_error = 'expired: its moment passed before it could be posted'
         WHERE state IN ('pending', 'sending') AND expires_at IS NOT NULL AND expires_at <= ?",
    )
    .bind(to_unix(now))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Claims up to `limit` due jobs, oldest first, by marking them `sending`. Jobs
/// already `sending` were interrupted by a crash: they are claimed again and
/// re-posted with the same nonce. (One dispatcher per database.)
pub async fn claim_due(
    db: impl SqliteExecutor<'_>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "UPDATE job SET state = 'sending', attempts = attempts + 1, updated_at = ?
         WHERE id IN (
             SELECT id FROM job WHERE state = 'sending'
             UNION ALL
             SELECT id FROM (
                 SELECT id FROM job
                 WHERE state = 'pending' AND due_at <= ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                 ORDER BY due_at, id LIMIT ?))
         RETURNING ",
        columns!()
    ))
    .bind(to_unix(now))
    .bind(to_unix(now))
    .bind(to_unix(now))
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut jobs = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    jobs.sort_by_key(|job| (job.due_at, job.id));
    Ok(jobs)
}

pub async fn mark_sent(
    db: impl SqliteExecutor<'_>,
    id: i64,
    channel: &str,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = CASE WHEN payload = 'rearmed' THEN 'pending' ELSE 'sent' END,
             payload = CASE WHEN payload = 'rearmed' THEN '' ELSE payload END,
             due_at = CASE WHEN payload = 'rearmed' THEN ? ELSE due_at END,
             delivered_channel = ?, delivered_message = ?, last_error = NULL,
             next_attempt_at = NULL, updated_at = ?
         WHERE id = ?",
    )
    .bind(to_unix(now))
    .bind(channel)
    .bind(message)
    .bind(to_unix(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Back to pending, to be tried again at `next_attempt_at`.
pub async fn mark_retry(
    db: impl SqliteExecutor<'_>,
    id: i64,
    next_attempt_at: DateTime<Utc>,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
    )
    .bind(to_unix(next_attempt_at))
    .bind(error)
    .bind(to_unix(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A lasting failure, kept for `/status`; `fell_back` when another delivery stands in.
pub async fn mark_failed(
    db: impl SqliteExecutor<'_>,
    id: i64,
    error: &str,
    fell_back: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = 'failed', last_error = ?, fell_back = ?, updated_at = ? WHERE id = ?",
    )
    .bind(error)
    .bind(fell_back)
    .bind(to_unix(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// When the dispatcher next has something to do: now if a job was interrupted,
/// else the earliest due time or retry time of a pending job. Each branch is pinned
/// to its partial index: left to itself, SQLite scans every pending job for the
/// retry branch (17 ms at 100,000 jobs, instead of microseconds).
pub async fn next_due_at(db: impl SqliteExecutor<'_>) -> Result<Option<DateTime<Utc>>, StoreError> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(t) FROM (
             SELECT 0 AS t FROM job WHERE state = 'sending'
             UNION ALL
             SELECT MIN(due_at) FROM job INDEXED BY job_due_first_try
             WHERE state = 'pending' AND next_attempt_at IS NULL
             UNION ALL
             SELECT MIN(next_attempt_at) FROM job INDEXED BY job_retry
             WHERE state = 'pending' AND next_attempt_at IS NOT NULL)",
    )
    .fetch_one(db)
    .await?;
    next.map(from_unix).transpose()
}

pub async fn get_by_key(db: impl SqliteExecutor<'_>, dedupe_key: &str) -> Result<Option<Job>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM job WHERE dedupe_key = ?"))
        .bind(dedupe_key)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// How many of a community's jobs are in each state.
pub async fn count_by_state(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
) -> Result<Vec<(JobState, i64)>, StoreError> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM job WHERE community_id = ? GROUP BY state")
        .bind(community_id)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| Ok((parse_enum("job state", row.try_get("state")?)?, row.try_get("n")?)))
        .collect()
}

/// Failed or fallen-back deliveries changed since `since`, newest first.
pub async fn problems_since(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM job WHERE community_id = ? AND updated_at >= ? AND (state = 'failed' OR fell_back = 1)
          ORDER BY updated_at DESC, id DESC LIMIT ?"
    ))
    .bind(community_id)
    .bind(to_unix(since))
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The next pending jobs of a community, soonest first.
pub async fn upcoming(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    limit: i64,
) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM job WHERE community_id = ? AND state = 'pending' ORDER BY due_at, id LIMIT ?"
    ))
    .bind(community_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Creates a job, or arms it again whatever its state: for card edits, which are
/// idempotent redraws. A pending one keeps its (earlier) due time, so a burst of
/// changes becomes one edit. One being sent right now is flagged `rearmed`, so
/// [`mark_sent`] puts it back to pending instead of losing the later change.
pub async fn rearm(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    session_id: Option<i64>,
    job: &PlannedJob,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_job(
        "INSERT INTO job (community_id, kind, dedupe_key, session_id, target, payload, due_at,
             expires_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (dedupe_key) DO UPDATE SET
             due_at = CASE WHEN job.state = 'pending' THEN job.due_at ELSE excluded.due_at END,
             state = CASE WHEN job.state = 'sending' THEN 'sending' ELSE 'pending' END,
             payload = CASE WHEN job.state = 'sending' THEN 'rearmed' ELSE excluded.payload END,
             expires_at = excluded.expires_at, attempts = 0, next_attempt_at = NULL,
             last_error = NULL, updated_at = excluded.updated_at",
        db,
        community_id,
        session_id,
        job,
        now,
    )
    .await
}

/// Queues a DM job for each member going to the session who asked for DMs, in one
/// statement. Keys are `key_prefix` + the member's id; existing ones are kept.
#[allow(clippy::too_many_arguments)]
pub async fn fan_out_dms(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    session_id: i64,
    kind: JobKind,
    key_prefix: &str,
    payload: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO job (community_id, kind, dedupe_key, session_id, target, payload, due_at,
             expires_at, created_at, updated_at)
         SELECT ?, ?, ? || r.user_id, r.session_id, r.user_id, ?, ?, ?, ?, ?
         FROM rsvp r
         JOIN member_prefs p ON p.user_id = r.user_id AND p.community_id = ?
         WHERE r.session_id = ? AND r.state = 'going' AND p.dm_reminders = 1
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(community_id)
    .bind(kind.as_str())
    .bind(key_prefix)
    .bind(payload)
    .bind(to_unix(now))
    .bind(expires_at.map(to_unix))
    .bind(to_unix(now))
    .bind(to_unix(now))
    .bind(community_id)
    .bind(session_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Runs an insert-or-update of one job; `sql` takes the ten values of a new row in
/// column order (community, kind, key, session, target, payload, due, expires,
/// created, updated) and says what to do on a key that exists.
async fn write_job(
    sql: &'static str,
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    session_id: Option<i64>,
    job: &PlannedJob,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(sql)
        .bind(community_id)
        .bind(job.kind.as_str())
        .bind(&job.dedupe_key)
        .bind(session_id)
        .bind(&job.target)
        .bind(&job.payload)
        .bind(to_unix(job.due_at))
        .bind(job.expires_at.map(to_unix))
        .bind(to_unix(now))
        .bind(to_unix(now))
        .execute(db)
        .await?;
    Ok(())
}
