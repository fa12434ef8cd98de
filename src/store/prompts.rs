//! Check-in prompts: decks, their rotation, and their schedules.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyExecutor;

use crate::domain::prompt::{Bag, PromptState};

use super::{from_unix, parse_enum, to_unix, RowExt, Statement, StoreError};

/// One prompt of a group's deck.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub id: i64,
    pub group_id: i64,
    pub text: String,
    pub content_note: Option<String>,
    pub state: PromptState,
    /// `group`, `default` or `member`.
    pub source: String,
    /// Only for telling the submitter privately; never shown with the prompt.
    pub submitted_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Where a prompt came from.
pub const SOURCE_GROUP: &str = "group";
pub const SOURCE_DEFAULT: &str = "default";
pub const SOURCE_MEMBER: &str = "member";

fn from_row(row: &AnyRow) -> Result<Prompt, StoreError> {
    Ok(Prompt {
        id: row.col("id")?,
        group_id: row.col("group_id")?,
        text: row.col("text")?,
        content_note: row.col("content_note")?,
        state: parse_enum("prompt state", row.col("state")?)?,
        source: row.col("source")?,
        submitted_by: row.col("submitted_by")?,
        created_at: from_unix(row.col("created_at")?)?,
    })
}

/// A prompt to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPrompt<'a> {
    pub group_id: i64,
    pub text: &'a str,
    pub content_note: Option<&'a str>,
    pub state: PromptState,
    pub source: &'a str,
    pub submitted_by: Option<&'a str>,
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    prompt: &NewPrompt<'_>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO prompt (group_id, text, content_note, state, source, submitted_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(prompt.group_id)
    .bind(prompt.text)
    .bind(prompt.content_note)
    .bind(prompt.state.as_str())
    .bind(prompt.source)
    .bind(prompt.submitted_by)
    .bind(to_unix(now))
    .bind(to_unix(now))
    .fetch_one(db)
    .await?;
    Ok(id)
}

macro_rules! columns {
    () => {
        "id, group_id, text, content_note, state, source, submitted_by, created_at"
    };
}

pub async fn get(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<Prompt>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM prompt WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A group's prompts in one state, oldest first.
pub async fn list(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    state: PromptState,
) -> Result<Vec<Prompt>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM prompt WHERE group_id = $1 AND state = $2 ORDER BY id"
    ))
    .bind(group_id)
    .bind(state.as_str())
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The ids of a group's approved prompts: what the bag draws from.
pub async fn approved_ids(db: impl AnyExecutor<'_>, group_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM prompt WHERE group_id = $1 AND state = 'approved' ORDER BY id")
            .bind(group_id)
            .fetch_all(db)
            .await?,
    )
}

/// Moves a prompt from one state to another, only if it is still in `from` (so two
/// reviewers pressing Approve at once approve it once). `false` when it was not.
pub async fn set_state(
    db: impl AnyExecutor<'_>,
    id: i64,
    from: &[PromptState],
    to: PromptState,
    reviewed_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = Statement::new("UPDATE prompt SET state = ");
    update.push_bind(to.as_str());
    update.push(", reviewed_by = COALESCE(");
    update.push_bind(reviewed_by);
    update.push(", reviewed_by), updated_at = ");
    update.push_bind(to_unix(now));
    update.push(" WHERE id = ");
    update.push_bind(id);
    update.push(" AND state IN (");
    for (i, state) in from.iter().enumerate() {
        if i > 0 {
            update.push(", ");
        }
        update.push_bind(state.as_str());
    }
    if from.is_empty() {
        update.push("NULL");
    }
    update.push(")");
    let done = update.build(true)?.execute(db).await?;
    Ok(done.rows_affected() == 1)
}

/// The texts of the default prompts a group's deck already holds, in any state.
pub async fn default_texts(
    db: impl AnyExecutor<'_>,
    group_id: i64,
) -> Result<Vec<(i64, String, PromptState)>, StoreError> {
    let rows = sqlx::query("SELECT id, text, state FROM prompt WHERE group_id = $1 AND source = 'default'")
        .bind(group_id)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.col("id")?,
                row.col("text")?,
                parse_enum("prompt state", row.col("state")?)?,
            ))
        })
        .collect()
}

/// A group's deck settings and rotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Deck {
    pub use_default: bool,
    pub bag: Bag,
    pub empty_noted: bool,
}

fn ids(text: &str) -> Result<Vec<i64>, StoreError> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse()
                .map_err(|_| StoreError::Corrupt(format!("prompt id {part:?}")))
        })
        .collect()
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Creates a group's deck if it has none, its shuffles following from `seed`.
pub async fn ensure_deck(db: impl AnyExecutor<'_>, group_id: i64, seed: u64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO prompt_deck (group_id, rng) VALUES ($1, $2) ON CONFLICT (group_id) DO NOTHING")
        .bind(group_id)
        // Stored as the same 64 bits, read back the same way.
        .bind(seed as i64)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn deck(db: impl AnyExecutor<'_>, group_id: i64) -> Result<Option<Deck>, StoreError> {
    let row = sqlx::query(
        "SELECT use_default, remaining, drawn, last_prompt, cycle, rng, empty_noted FROM prompt_deck WHERE group_id = $1",
    )
    .bind(group_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let cycle: i64 = row.col("cycle")?;
        let rng: i64 = row.col("rng")?;
        Ok(Deck {
            use_default: row.col("use_default")?,
            empty_noted: row.col("empty_noted")?,
            bag: Bag {
                remaining: ids(row.col("remaining")?)?,
                drawn: ids(row.col("drawn")?)?,
                last: row.col("last_prompt")?,
                cycle: u32::try_from(cycle).map_err(|_| StoreError::Corrupt(format!("cycle {cycle}")))?,
                rng: rng as u64,
            },
        })
    })
    .transpose()
}

pub async fn save_bag(db: impl AnyExecutor<'_>, group_id: i64, bag: &Bag) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE prompt_deck SET remaining = $1, drawn = $2, last_prompt = $3, cycle = $4, rng = $5 WHERE group_id = $6",
    )
    .bind(join(&bag.remaining))
    .bind(join(&bag.drawn))
    .bind(bag.last)
    .bind(i64::from(bag.cycle))
    .bind(bag.rng as i64)
    .bind(group_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_use_default(db: impl AnyExecutor<'_>, group_id: i64, on: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE prompt_deck SET use_default = $1 WHERE group_id = $2")
        .bind(i64::from(on))
        .bind(group_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_empty_noted(db: impl AnyExecutor<'_>, group_id: i64, noted: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE prompt_deck SET empty_noted = $1 WHERE group_id = $2")
        .bind(i64::from(noted))
        .bind(group_id)
        .execute(db)
        .await?;
    Ok(())
}

/// When a group's prompts are posted, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub group_id: i64,
    /// A 5-field crontab line, or `session-start`.
    pub timing: String,
    pub thread: bool,
    pub paused: bool,
}

pub async fn schedule(db: impl AnyExecutor<'_>, group_id: i64) -> Result<Option<Schedule>, StoreError> {
    let row = sqlx::query("SELECT group_id, timing, thread, paused FROM prompt_schedule WHERE group_id = $1")
        .bind(group_id)
        .fetch_optional(db)
        .await?;
    row.map(|row| {
        Ok(Schedule {
            group_id: row.col("group_id")?,
            timing: row.col("timing")?,
            thread: row.col("thread")?,
            paused: row.col("paused")?,
        })
    })
    .transpose()
}

/// Sets a group's schedule (a new schedule is not paused).
pub async fn set_schedule(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    timing: &str,
    thread: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO prompt_schedule (group_id, timing, thread, paused, updated_at) VALUES ($1, $2, $3, 0, $4)
         ON CONFLICT (group_id) DO UPDATE SET timing = excluded.timing, thread = excluded.thread,
             paused = 0, updated_at = excluded.updated_at",
    )
    .bind(group_id)
    .bind(timing)
    .bind(i64::from(thread))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_paused(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    paused: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE prompt_schedule SET paused = $1, updated_at = $2 WHERE group_id = $3")
        .bind(i64::from(paused))
        .bind(to_unix(now))
        .bind(group_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Every schedule that is running, for planning their next ticks (the benchmark, and
/// a start-up check that each has its next tick queued).
pub async fn running_schedules(db: impl AnyExecutor<'_>) -> Result<Vec<Schedule>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.group_id, s.timing, s.thread, s.paused FROM prompt_schedule s
         JOIN meeting_group g ON g.id = s.group_id
         WHERE s.paused = 0 AND g.archived_at IS NULL ORDER BY s.group_id",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Schedule {
                group_id: row.col("group_id")?,
                timing: row.col("timing")?,
                thread: row.col("thread")?,
                paused: row.col("paused")?,
            })
        })
        .collect()
}

/// The first scheduled session of a group starting after `after`: the next tick of an
/// `at:session-start` schedule.
pub async fn next_session_start(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    after: DateTime<Utc>,
) -> Result<Option<(i64, DateTime<Utc>)>, StoreError> {
    let row = sqlx::query(
        "SELECT s.id, s.starts_at FROM session s JOIN series r ON r.id = s.series_id
         WHERE r.group_id = $1 AND s.status != 'cancelled' AND s.starts_at > $2
         ORDER BY s.starts_at, s.id LIMIT 1",
    )
    .bind(group_id)
    .bind(to_unix(after))
    .fetch_optional(db)
    .await?;
    row.map(|row| Ok((row.col("id")?, from_unix(row.col("starts_at")?)?)))
        .transpose()
}

/// The payloads of every pending check-in prompt job: which groups have a post queued.
pub async fn pending_prompt_payloads(db: impl AnyExecutor<'_>) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT payload FROM job WHERE state = 'pending' AND kind = 'prompt'")
            .fetch_all(db)
            .await?,
    )
}
