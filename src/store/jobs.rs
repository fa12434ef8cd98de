//! The job table: the outbox of everything hearth will post.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyExecutor};

use crate::domain::job::{JobKind, JobState, PlannedJob};

use super::{
    for_backend, from_unix, parse_enum, to_unix, written_limit, Backend, Dialect, RowExt, Statement,
    StoreError,
};

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
    /// When it was first tried without hearing whether it arrived (unix ms): see
    /// [`mark_unsure`].
    pub unsure_since_ms: Option<i64>,
}

/// A job insert up to its `VALUES`: ten values a row, in [`write_job`]'s order.
macro_rules! insert_job {
    () => {
        "INSERT INTO job (community_id, kind, dedupe_key, session_id, target, payload, due_at,
             expires_at, created_at, updated_at) "
    };
}

/// [`upsert`]: a key that exists is re-timed while still pending, else left alone.
macro_rules! on_conflict_upsert {
    () => {
        " ON CONFLICT (dedupe_key) DO UPDATE SET
             due_at = excluded.due_at, expires_at = excluded.expires_at, target = excluded.target,
             payload = excluded.payload, next_attempt_at = NULL, updated_at = excluded.updated_at
         WHERE job.state = 'pending'
           AND (job.due_at != excluded.due_at OR job.expires_at IS DISTINCT FROM excluded.expires_at
                OR job.target IS DISTINCT FROM excluded.target OR job.payload != excluded.payload)"
    };
}

/// [`rearm`]: a key that exists is armed again, whatever its state; unless it is
/// pending exactly as re-arming would leave it, when writing it would only move
/// `updated_at` (each click of a burst would rewrite the job and its indexes).
macro_rules! on_conflict_rearm {
    () => {
        " ON CONFLICT (dedupe_key) DO UPDATE SET
             due_at = CASE WHEN job.state = 'pending' THEN job.due_at ELSE excluded.due_at END,
             state = CASE WHEN job.state = 'sending' THEN 'sending' ELSE 'pending' END,
             payload = CASE WHEN job.state = 'sending' THEN 'rearmed' ELSE excluded.payload END,
             expires_at = excluded.expires_at, attempts = 0, next_attempt_at = NULL,
             last_error = NULL, updated_at = excluded.updated_at
         WHERE NOT (job.state = 'pending' AND job.payload = excluded.payload AND job.attempts = 0
                    AND job.next_attempt_at IS NULL AND job.last_error IS NULL
                    AND job.expires_at IS NOT DISTINCT FROM excluded.expires_at)"
    };
}

/// How [`push_writes`] treats a job whose key exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OnConflict {
    /// As [`upsert`].
    Upsert,
    /// As [`rearm`].
    Rearm,
}

/// Adds one statement writing `jobs` to a batch being built (so they go in the same
/// round trip as the rest of the batch), each as [`upsert`] or [`rearm`] would.
pub(super) fn push_writes<'a>(
    batch: &mut Statement,
    how: OnConflict,
    community_id: &str,
    session_id: Option<i64>,
    jobs: impl IntoIterator<Item = &'a PlannedJob>,
    now: DateTime<Utc>,
) {
    batch.push(insert_job!());
    batch.push_values(jobs, |row, job| {
        row.push_bind(community_id)
            .push_bind(job.kind.as_str())
            .push_bind(job.dedupe_key.as_str())
            .push_bind(session_id)
            .push_bind(job.target.as_deref())
            .push_bind(job.payload.as_str())
            .push_bind(to_unix(job.due_at))
            .push_bind(job.expires_at.map(to_unix))
            .push_bind(to_unix(now))
            .push_bind(to_unix(now));
    });
    batch.push(match how {
        OnConflict::Upsert => on_conflict_upsert!(),
        OnConflict::Rearm => on_conflict_rearm!(),
    });
}

macro_rules! columns {
    () => {
        "id, community_id, kind, dedupe_key, session_id, target, payload, due_at, expires_at, state,
         attempts, next_attempt_at, last_error, fell_back, delivered_channel, delivered_message, updated_at,
         unsure_since_ms"
    };
}

fn from_row(row: &AnyRow) -> Result<Job, StoreError> {
    let expires_at: Option<i64> = row.col("expires_at")?;
    let next_attempt_at: Option<i64> = row.col("next_attempt_at")?;
    Ok(Job {
        id: row.col("id")?,
        community_id: row.col("community_id")?,
        kind: parse_enum("job kind", row.col("kind")?)?,
        dedupe_key: row.col("dedupe_key")?,
        session_id: row.col("session_id")?,
        target: row.col("target")?,
        payload: row.col("payload")?,
        due_at: from_unix(row.col("due_at")?)?,
        expires_at: expires_at.map(from_unix).transpose()?,
        state: parse_enum("job state", row.col("state")?)?,
        attempts: row.col("attempts")?,
        next_attempt_at: next_attempt_at.map(from_unix).transpose()?,
        last_error: row.col("last_error")?,
        fell_back: row.col("fell_back")?,
        delivered_channel: row.col("delivered_channel")?,
        delivered_message: row.col("delivered_message")?,
        updated_at: from_unix(row.col("updated_at")?)?,
        unsure_since_ms: row.col("unsure_since_ms")?,
    })
}

/// Creates the job, or — while it is still pending — re-times it. A job that was
/// already sent, skipped or failed is left alone: one purpose, one delivery.
pub async fn upsert(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    session_id: Option<i64>,
    job: &PlannedJob,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_job(
        concat!(
            insert_job!(),
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            on_conflict_upsert!()
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
    conn: &mut AnyConnection,
    community_id: &str,
    jobs: &[(Option<i64>, PlannedJob)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in jobs.chunks(UPSERT_CHUNK) {
        let mut insert = Statement::new(
            "INSERT INTO job (community_id, kind, dedupe_key, session_id, target, payload, due_at,
                 expires_at, created_at, updated_at) ",
        );
        insert.push_values(chunk, |row, (session_id, job)| {
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
        insert.push(on_conflict_upsert!());
        // Not kept as a prepared statement: its text varies with the row count, and
        // caching every length would only hold memory on each connection.
        insert.build(false)?.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The pending jobs of one session.
pub async fn pending_for_session(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM job WHERE session_id = $1 AND state = 'pending'"
    ))
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Puts a job skipped for `reason` back to waiting (a group's reminders turned off,
/// then on again): only a job set aside for exactly that reason, never one sent.
pub async fn revive(
    db: impl AnyExecutor<'_>,
    dedupe_key: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'pending', last_error = NULL, next_attempt_at = NULL, updated_at = $1
         WHERE dedupe_key = $2 AND state = 'skipped' AND last_error = $3",
    )
    .bind(to_unix(now))
    .bind(dedupe_key)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Skips every pending job of the given sessions' (a cancelled or removed session).
pub async fn skip_pending_for_session(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'skipped', last_error = $1, updated_at = $2
         WHERE session_id = $3 AND state = 'pending'",
    )
    .bind(reason)
    .bind(to_unix(now))
    .bind(session_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Skips a session's pending jobs whose keys start with `key_prefix` (an offer's
/// posts and reminders, once it is taken).
pub async fn skip_pending_with_prefix(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    key_prefix: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'skipped', last_error = $1, updated_at = $2
         WHERE session_id = $3 AND state = 'pending' AND substr(dedupe_key, 1, length($4)) = $5",
    )
    .bind(reason)
    .bind(to_unix(now))
    .bind(session_id)
    .bind(key_prefix)
    .bind(key_prefix)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The latest due time of the jobs whose keys start with `key_prefix`, leaving out
/// those set aside: how far ahead a chain of edits is planned. Reads the key index
/// as a range (the keys are ASCII), so it stays quick however many jobs there are.
pub async fn last_due_with_prefix(
    db: impl AnyExecutor<'_>,
    key_prefix: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(due_at) FROM job WHERE dedupe_key >= $1 AND dedupe_key < $2 AND state <> 'skipped'",
    )
    .bind(key_prefix)
    .bind(format!("{key_prefix}{}", char::MAX))
    .fetch_one(db)
    .await?;
    last.map(from_unix).transpose()
}

/// The keys of a session's jobs that were sent and whose keys start with
/// `key_prefix`: the posts a later change should redraw.
pub async fn sent_keys_with_prefix(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    key_prefix: &str,
) -> Result<Vec<String>, StoreError> {
    let keys = sqlx::query_scalar(
        "SELECT dedupe_key FROM job
         WHERE session_id = $1 AND state = 'sent' AND substr(dedupe_key, 1, length($2)) = $3
         ORDER BY id",
    )
    .bind(session_id)
    .bind(key_prefix)
    .bind(key_prefix)
    .fetch_all(db)
    .await?;
    Ok(keys)
}

/// Puts back every job of a session that was skipped for `reason` (an ended session
/// its series reaches again); returns how many.
pub async fn revive_for_session(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'pending', last_error = NULL, next_attempt_at = NULL, updated_at = $1
         WHERE session_id = $2 AND state = 'skipped' AND last_error = $3",
    )
    .bind(to_unix(now))
    .bind(session_id)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Skips every pending job of a group's sessions (the group was archived).
pub async fn skip_pending_for_group(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'skipped', last_error = $1, updated_at = $2
         WHERE state = 'pending' AND session_id IN (
             SELECT s.id FROM session s JOIN series r ON r.id = s.series_id WHERE r.group_id = $3)",
    )
    .bind(reason)
    .bind(to_unix(now))
    .bind(group_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Skips every pending job whose key starts with `prefix` (a group's queued prompt
/// ticks, when its schedule changes or pauses). Returns how many.
pub async fn skip_pending_keyed(
    db: impl AnyExecutor<'_>,
    prefix: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'skipped', last_error = $1, updated_at = $2
         WHERE state = 'pending' AND substr(dedupe_key, 1, length($3)) = $4",
    )
    .bind(reason)
    .bind(to_unix(now))
    .bind(prefix)
    .bind(prefix)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Records what a job will post once it is decided (the prompt a tick drew), so a
/// job posted again after a crash posts the same thing.
pub async fn set_payload(db: impl AnyExecutor<'_>, id: i64, payload: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE job SET payload = $1 WHERE id = $2")
        .bind(payload)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Jobs whose key starts with `prefix`, newest due first (a group's prompt posts).
pub async fn with_prefix(db: impl AnyExecutor<'_>, prefix: &str, limit: i64) -> Result<Vec<Job>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM job WHERE substr(dedupe_key, 1, length($1)) = $2 ORDER BY due_at DESC, id DESC LIMIT $3"
    ))
    .bind(prefix)
    .bind(prefix)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn skip(
    db: impl AnyExecutor<'_>,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE job SET state = 'skipped', last_error = $1, updated_at = $2 WHERE id = $3")
        .bind(reason)
        .bind(to_unix(now))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Waiting jobs that can no longer be useful are skipped, with their reason, rather
/// than posted late. Returns how many. (Jobs being sent are left to finish.) Pinned to
/// its partial index: SQLite would otherwise scan every waiting job (15 ms at 100,000)
/// before each dispatcher step.
pub async fn expire(db: impl AnyExecutor<'_> + Dialect, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let backend = db.backend();
    let done = sqlx::query(for_backend(
        backend,
        "UPDATE job INDEXED BY job_expiry SET state = 'skipped', updated_at = $1,
             last_error = 'expired: its moment passed before it could be posted'
         WHERE state IN ('pending', 'sending') AND state = 'pending'
           AND expires_at IS NOT NULL AND expires_at <= $2",
    ))
    .bind(to_unix(now))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A due job at the head of its lane, or the id of one whose row can't be read (so
/// it can be failed alone, with the reason, instead of blocking the rest).
#[derive(Debug)]
pub struct Candidate {
    /// The channel it posts to, `dm:USER` for a direct message, or `job:ID` when its
    /// session is gone (its render will say so).
    pub lane: String,
    pub job: Result<Job, Unreadable>,
}

/// A job row that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: i64,
    pub reason: String,
}

/// The lane of a job, from its kind and its session's group: the unit the dispatcher
/// keeps in order, sends one at a time, and paces. Every kind that renders a direct
/// message (the `dm-` kinds and the rota's notes to one facilitator) is in its
/// member's DM lane, where Discord counts it.
macro_rules! lane_of_job {
    () => {
        "CASE WHEN j.kind LIKE 'dm-%' OR j.kind IN ('duty-notice', 'open-shift-dm', 'gap-alert-dm', 'rota-note')
                   THEN 'dm:' || COALESCE(j.target, '')
              WHEN j.kind = 'debriefs' THEN 'job:' || j.id
              WHEN j.kind = 'events' THEN 'events:' || j.community_id
              WHEN j.kind LIKE 'prompt%' OR j.kind IN ('alert', 'debrief-flag') THEN COALESCE(j.target, 'job:' || j.id)
              WHEN j.kind LIKE 'dropin-%' THEN COALESCE(j.target, 'job:' || j.id)
              WHEN j.kind = 'card-edit' THEN COALESCE(s.card_channel, g.channel, 'job:' || j.id)
              ELSE COALESCE(g.channel, 'job:' || j.id) END"
    };
}

/// How many of the earliest due jobs [`due_lane_heads`] looks through: enough to find
/// every lane's head in any real backlog, while a step's cost stays the same however
/// many jobs are waiting.
const LANE_SCAN: i64 = 1_000;

/// The first due job of each lane (the earliest by due time, then id) among the
/// earliest due jobs, soonest first, at most `limit`. Later jobs of a lane wait their
/// turn, so each channel's posts go out in due order. A job waiting out a retry steps
/// aside for the rest of its lane.
///
/// The database reads the earliest due first tries and retries, each through its own
/// index, with their lanes; the heads are chosen here. (Chosen in SQL, with a window
/// over the lanes, its sorts cost SQLite three to ten times what the reads do.)
pub async fn due_lane_heads(
    db: impl AnyExecutor<'_> + Dialect,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Candidate>, StoreError> {
    let backend = db.backend();
    // The scan's limit is written in, not bound (see `store::written_limit`).
    let sql = format!(
        concat!(
            "SELECT j.*, ",
            lane_of_job!(),
            " AS lane_now
             FROM (SELECT * FROM (SELECT * FROM job INDEXED BY job_due_first_try
                                  WHERE state = 'pending' AND next_attempt_at IS NULL AND due_at <= $1
                                  ORDER BY due_at, id LIMIT {scan}) AS first_tries
                   UNION ALL
                   SELECT * FROM (SELECT * FROM job INDEXED BY job_retry
                                  WHERE state = 'pending' AND next_attempt_at IS NOT NULL
                                    AND next_attempt_at <= $1 AND due_at <= $1
                                  ORDER BY next_attempt_at LIMIT {scan}) AS retries) j
             LEFT JOIN session s ON s.id = j.session_id
             LEFT JOIN series r ON r.id = s.series_id
             LEFT JOIN meeting_group g ON g.id = r.group_id"
        ),
        scan = written_limit(LANE_SCAN)
    );
    let rows = sqlx::query(for_backend(backend, &sql))
        .bind(to_unix(now))
        .fetch_all(db)
        .await?;
    let mut due = rows
        .iter()
        .map(|row| {
            let id: i64 = row.col("id")?;
            // A due time that can't be read sorts first: the job is failed on its own.
            let due_at: i64 = row.col("due_at").unwrap_or(i64::MIN);
            let lane: Option<String> = row.col("lane_now").ok().flatten();
            let job = from_row(row).map_err(|error| Unreadable {
                id,
                reason: format!("its stored row can't be read ({error})"),
            });
            let candidate = Candidate {
                lane: lane.unwrap_or_else(|| format!("job:{id}")),
                job,
            };
            Ok(((due_at, id), candidate))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    due.sort_by_key(|(order, _)| *order);
    Ok(lane_heads(due.into_iter().map(|(_, candidate)| candidate), limit))
}

/// The first of each lane's candidates, in the order given, at most `limit`.
fn lane_heads(due: impl Iterator<Item = Candidate>, limit: i64) -> Vec<Candidate> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let mut lanes = std::collections::HashSet::new();
    due.filter(|candidate| lanes.insert(candidate.lane.clone()))
        .take(limit)
        .collect()
}

/// Claims a job for sending, recording when and on which lane it goes out, in the
/// same write as the claim (so the record exists before the request does). `false`
/// when the job changed meanwhile (re-timed, cancelled) and must not be sent.
///
/// On PostgreSQL, where several processes claim from one queue, the row is taken with
/// `FOR UPDATE SKIP LOCKED`: a job another process is claiming at this moment is left
/// to it rather than waited for. Either way the state check makes the claim one
/// process's alone. The claim is a lease (see [`interrupted`]).
pub async fn claim(
    db: impl AnyExecutor<'_> + Dialect,
    id: i64,
    lane: &str,
    attempted_at_ms: i64,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "UPDATE job SET state = 'sending', attempts = attempts + 1, attempted_at_ms = $1, lane = $2,
                 updated_at = $3, claimed_by = $7
             WHERE id = $4 AND state = 'pending' AND due_at <= $5
               AND (next_attempt_at IS NULL OR next_attempt_at <= $6)"
        }
        Backend::Postgres => {
            "UPDATE job SET state = 'sending', attempts = attempts + 1, attempted_at_ms = $1, lane = $2,
                 updated_at = $3, claimed_by = $7
             WHERE id = (SELECT id FROM job WHERE id = $4 AND state = 'pending' AND due_at <= $5
                           AND (next_attempt_at IS NULL OR next_attempt_at <= $6)
                         FOR UPDATE SKIP LOCKED)"
        }
    };
    let done = sqlx::query(sql)
        .bind(attempted_at_ms)
        .bind(lane)
        .bind(to_unix(now))
        .bind(id)
        .bind(to_unix(now))
        .bind(to_unix(now))
        .bind(instance)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A request that went out recently, for seeding the pacer after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub lane: String,
    pub kind: String,
    pub at_ms: i64,
}

/// Every job handed to the platform since `since_ms` (unix milliseconds), oldest first.
pub async fn attempts_since(
    db: impl AnyExecutor<'_> + Dialect,
    since_ms: i64,
) -> Result<Vec<Attempt>, StoreError> {
    let backend = db.backend();
    let rows = sqlx::query(for_backend(
        backend,
        "SELECT lane, kind, attempted_at_ms FROM job INDEXED BY job_recent_attempts
         WHERE attempted_at_ms IS NOT NULL AND attempted_at_ms >= $1 AND lane IS NOT NULL
         ORDER BY attempted_at_ms",
    ))
    .bind(since_ms)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Attempt {
                lane: row.col("lane")?,
                kind: row.col("kind")?,
                at_ms: row.col("attempted_at_ms")?,
            })
        })
        .collect()
}

/// A job a crash left `sending`: it may or may not have reached the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub id: i64,
    pub kind: String,
    pub attempted_at_ms: Option<i64>,
    /// An earlier try whose outcome is unknown too (see [`mark_unsure`]).
    pub unsure_since_ms: Option<i64>,
}

/// The jobs left `sending` by a process that stopped. On SQLite one process owns the
/// file, so at its start every such job is one. On PostgreSQL several processes share
/// the queue: a claim is held on lease, and only a claim older than `lease_from_ms`
/// (unix ms) counts as left behind, by a process that died — or any claim of
/// `instance`'s own, which a process starting again knows it no longer holds.
pub async fn interrupted(
    db: impl AnyExecutor<'_> + Dialect,
    lease_from_ms: i64,
    instance: &str,
) -> Result<Vec<Interrupted>, StoreError> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT id, kind, attempted_at_ms, unsure_since_ms FROM job WHERE state = 'sending'
             AND $1 = $1 AND $2 = $2 ORDER BY id"
        }
        Backend::Postgres => {
            "SELECT id, kind, attempted_at_ms, unsure_since_ms FROM job WHERE state = 'sending'
             AND (attempted_at_ms IS NULL OR attempted_at_ms < $1 OR claimed_by IS NOT DISTINCT FROM $2)
             ORDER BY id"
        }
    };
    let rows = sqlx::query(sql)
        .bind(lease_from_ms)
        .bind(instance)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Interrupted {
                id: row.col("id")?,
                kind: row.col("kind")?,
                attempted_at_ms: row.col("attempted_at_ms")?,
                unsure_since_ms: row.col("unsure_since_ms")?,
            })
        })
        .collect()
}

/// Puts an interrupted job back in its lane, to be sent again with the same nonce.
pub async fn release(db: impl AnyExecutor<'_>, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = 'pending', next_attempt_at = NULL, updated_at = $1
         WHERE id = $2 AND state = 'sending'",
    )
    .bind(to_unix(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_sent(
    db: impl AnyExecutor<'_>,
    id: i64,
    channel: &str,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = CASE WHEN payload = 'rearmed' THEN 'pending' ELSE 'sent' END,
             payload = CASE WHEN payload = 'rearmed' THEN '' ELSE payload END,
             due_at = CASE WHEN payload = 'rearmed' THEN $1 ELSE due_at END,
             delivered_channel = $2, delivered_message = $3, last_error = NULL,
             next_attempt_at = NULL, updated_at = $4
         WHERE id = $5",
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

/// Back to pending, to be tried again at `next_attempt_at`. `counts` is false when
/// the try was not the job's fault (a rate limit): it is given back.
pub async fn mark_retry(
    db: impl AnyExecutor<'_>,
    id: i64,
    next_attempt_at: DateTime<Utc>,
    error: &str,
    counts: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = 'pending', next_attempt_at = $1, last_error = $2, updated_at = $3,
             attempts = CASE WHEN $4 = 1 OR attempts = 0 THEN attempts ELSE attempts - 1 END
         WHERE id = $5",
    )
    .bind(to_unix(next_attempt_at))
    .bind(error)
    .bind(to_unix(now))
    .bind(i64::from(counts))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Notes that a try made at `attempted_at_ms` may have arrived without hearth hearing
/// so; the earliest such try is kept.
pub async fn mark_unsure(db: impl AnyExecutor<'_>, id: i64, attempted_at_ms: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET unsure_since_ms = CASE WHEN COALESCE(unsure_since_ms, $1) < $2
                                            THEN COALESCE(unsure_since_ms, $1) ELSE $2 END
         WHERE id = $3",
    )
    .bind(attempted_at_ms)
    .bind(attempted_at_ms)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// A lasting failure, kept for `/status`; `fell_back` when another delivery stands in.
pub async fn mark_failed(
    db: impl AnyExecutor<'_>,
    id: i64,
    error: &str,
    fell_back: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job SET state = 'failed', last_error = $1, fell_back = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(error)
    .bind(i64::from(fell_back))
    .bind(to_unix(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// When a waiting job is next due: the earliest due time or retry time of a pending
/// job. (Jobs a crash left `sending` are put back to pending when a dispatcher
/// starts.) Each branch is pinned to its partial index: left to itself, SQLite scans
/// every pending job for the retry branch (17 ms at 100,000 jobs, not microseconds).
pub async fn next_due_at(db: impl AnyExecutor<'_> + Dialect) -> Result<Option<DateTime<Utc>>, StoreError> {
    let backend = db.backend();
    let next: Option<i64> = sqlx::query_scalar(for_backend(
        backend,
        "SELECT MIN(t) FROM (
             SELECT MIN(due_at) AS t FROM job INDEXED BY job_due_first_try
             WHERE state = 'pending' AND next_attempt_at IS NULL
             UNION ALL
             SELECT MIN(next_attempt_at) FROM job INDEXED BY job_retry
             WHERE state = 'pending' AND next_attempt_at IS NOT NULL) AS due",
    ))
    .fetch_one(db)
    .await?;
    next.map(from_unix).transpose()
}

pub async fn get_by_key(db: impl AnyExecutor<'_>, dedupe_key: &str) -> Result<Option<Job>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM job WHERE dedupe_key = $1"))
        .bind(dedupe_key)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// How many of a community's jobs are in each state.
pub async fn count_by_state(
    db: impl AnyExecutor<'_>,
    community_id: &str,
) -> Result<Vec<(JobState, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM job WHERE community_id = $1 AND kind != 'retention'
         GROUP BY state",
    )
    .bind(community_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((parse_enum("job state", row.col("state")?)?, row.col("n")?)))
        .collect()
}

/// A job as `/status` lists it: only what it shows, read leniently, so one row
/// whose kind or payload can't be understood still shows instead of hiding the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: i64,
    /// As stored: a known kind, or whatever an unreadable row holds.
    pub kind: String,
    pub session_id: Option<i64>,
    pub due_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub fell_back: bool,
    pub updated_at: DateTime<Utc>,
}

fn listed_from_row(row: &AnyRow) -> Result<Listed, StoreError> {
    Ok(Listed {
        id: row.col("id")?,
        kind: row
            .col::<Option<String>>("kind")
            .ok()
            .flatten()
            .unwrap_or_default(),
        session_id: row.col::<Option<i64>>("session_id").ok().flatten(),
        due_at: from_unix(row.col::<i64>("due_at").unwrap_or_default())?,
        last_error: row.col::<Option<String>>("last_error").ok().flatten(),
        fell_back: row.col::<bool>("fell_back").unwrap_or_default(),
        updated_at: from_unix(row.col::<i64>("updated_at").unwrap_or_default())?,
    })
}

/// Failed or fallen-back deliveries changed since `since`, newest first.
pub async fn problems_since(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Listed>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, session_id, due_at, last_error, fell_back, updated_at
         FROM job WHERE community_id = $1 AND updated_at >= $2 AND (state = 'failed' OR fell_back = 1)
         ORDER BY updated_at DESC, id DESC LIMIT $3",
    )
    .bind(community_id)
    .bind(to_unix(since))
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(listed_from_row).collect()
}

/// Check-in prompt ticks set aside since `since` (an empty deck, a tick missed in
/// downtime), newest first, with their reasons: for `/status`.
pub async fn skipped_prompts_since(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Listed>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, session_id, due_at, last_error, fell_back, updated_at
         FROM job WHERE community_id = $1 AND kind = 'prompt' AND state = 'skipped' AND updated_at >= $2
         ORDER BY updated_at DESC, id DESC LIMIT $3",
    )
    .bind(community_id)
    .bind(to_unix(since))
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(listed_from_row).collect()
}

/// The next pending posts of a community, soonest first (the retention run posts
/// nothing, and `/status` shows it apart).
pub async fn upcoming(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    limit: i64,
) -> Result<Vec<Listed>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, session_id, due_at, last_error, fell_back, updated_at
         FROM job WHERE community_id = $1 AND state = 'pending' AND kind != 'retention'
         ORDER BY due_at, id LIMIT $2",
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(listed_from_row).collect()
}

/// Creates a job, or arms it again whatever its state: for card edits, which are
/// idempotent redraws. A pending one keeps its (earlier) due time, so a burst of
/// changes becomes one edit (and one armed already is not written again). One being sent right now is flagged `rearmed`, so
/// [`mark_sent`] puts it back to pending instead of losing the later change.
pub async fn rearm(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    session_id: Option<i64>,
    job: &PlannedJob,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_job(
        concat!(
            insert_job!(),
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            on_conflict_rearm!()
        ),
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
    db: impl AnyExecutor<'_>,
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
         SELECT $1, $2, $3 || r.user_id, r.session_id, r.user_id, $4, $5, $6, $7, $8
         FROM rsvp r
         JOIN member_prefs p ON p.user_id = r.user_id AND p.community_id = $9
         WHERE r.session_id = $10 AND r.state = 'going' AND p.dm_reminders = 1
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
    db: impl AnyExecutor<'_>,
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

/// The channel a waiting job is announced on (`migrations/postgres/0042`).
const WAITING_CHANNEL: &str = "hearth_jobs";

/// On PostgreSQL, wakes `wake` whenever any process sharing the database leaves a job
/// waiting to be sent, so a dispatcher asleep until its own next job hears of another
/// process's at once. `None` on SQLite, where the app wakes its own dispatcher. The
/// listener reconnects by itself if its connection drops, and wakes the dispatcher
/// then too, since a notification may have been missed meanwhile.
pub async fn wake_on_changes(
    pool: &super::Db,
    wake: std::sync::Arc<tokio::sync::Notify>,
) -> Result<Option<tokio::task::JoinHandle<()>>, StoreError> {
    if Backend::of_pool(pool) != Backend::Postgres {
        return Ok(None);
    }
    let url = pool.connect_options().database_url.to_string();
    let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
    listener.listen(WAITING_CHANNEL).await?;
    Ok(Some(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                Ok(None) => {
                    tracing::warn!("the job listener's connection dropped; reconnecting");
                    wake.notify_one();
                }
                Err(error) => {
                    tracing::warn!(%error, "the job listener failed; trying again in a second");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    wake.notify_one();
                }
            }
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(lane: &str, id: i64) -> Candidate {
        Candidate {
            lane: lane.to_string(),
            job: Err(Unreadable {
                id,
                reason: String::new(),
            }),
        }
    }

    fn ids(heads: &[Candidate]) -> Vec<i64> {
        heads
            .iter()
            .map(|c| c.job.as_ref().map_or_else(|row| row.id, |job| job.id))
            .collect()
    }

    #[test]
    fn each_lane_sends_its_earliest_job_first_and_the_rest_wait() {
        let due = vec![
            candidate("chan:1", 1),
            candidate("dm:7", 2),
            candidate("chan:1", 3),
            candidate("chan:2", 4),
            candidate("dm:7", 5),
        ];
        assert_eq!(ids(&lane_heads(due.into_iter(), 10)), vec![1, 2, 4]);
    }

    #[test]
    fn no_more_heads_than_the_limit_soonest_first() {
        let due = (1..=5).map(|id| candidate(&format!("chan:{id}"), id));
        assert_eq!(ids(&lane_heads(due, 2)), vec![1, 2]);
        let due = (1..=5).map(|id| candidate(&format!("chan:{id}"), id));
        assert!(lane_heads(due, 0).is_empty());
    }
}
