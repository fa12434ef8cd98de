//! The dispatcher: delivers the job outbox exactly once.
//!
//! A step function, [`Engine::run_due`], does the work and is what tests call; the
//! loop, [`Engine::run`], only sleeps until the next job is due or the app signals a
//! change — there is no polling interval. A job is marked `sending` before it is
//! posted and `sent` after; a crash in between leaves `sending`, which the next run
//! re-posts with the same nonce, and Discord drops the duplicate. Jobs past their
//! expiry are skipped with the reason, never posted late.

pub mod pacing;
pub mod render;

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sqlx::SqlitePool;
use tokio::sync::Notify;

use crate::chat::{ChatPort, DeliveryError, MessageRef};
use crate::clock::Clock;
use crate::domain::job::{
    backoff, dm_key_prefix, notice_key, plan_card_edit, JobKind, PlannedJob, MAX_ATTEMPTS,
};
use crate::store::jobs::{self, Job};
use crate::store::{self, sessions, StoreError};

use self::pacing::{Limits, Pacer};
use self::render::Rendered;

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub fell_back: usize,
    pub skipped: usize,
    pub expired: u64,
}

/// The dispatcher and what it needs.
pub struct Engine {
    pool: SqlitePool,
    chat: Arc<dyn ChatPort>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    pacer: Pacer,
    batch: i64,
}

/// A job sent and what came of it, waiting to be written down.
struct Delivered {
    job: Job,
    rendered: Rendered,
    result: Result<MessageRef, DeliveryError>,
}

/// At most this many results are written per transaction...
const RECORD_BATCH: usize = 25;
/// ...and none waits longer than this (keeping the window a crash could re-post small).
const RECORD_EVERY: StdDuration = StdDuration::from_millis(500);

/// How long the loop waits after a database error before trying again.
const ERROR_PAUSE: StdDuration = StdDuration::from_secs(5);
/// With nothing queued, the loop still looks again after this long.
const IDLE_WAIT: StdDuration = StdDuration::from_secs(3600);

impl Engine {
    /// An engine that paces itself to Discord's limits.
    pub fn new(pool: SqlitePool, chat: Arc<dyn ChatPort>, clock: Arc<dyn Clock>, wake: Arc<Notify>) -> Self {
        Engine {
            pool,
            chat,
            clock,
            wake,
            pacer: Pacer::new(Limits::DISCORD),
            batch: 100,
        }
    }

    /// The same without pacing (the console's terminal has no rate limits).
    pub fn unpaced(mut self) -> Self {
        self.pacer = Pacer::unlimited();
        self
    }

    /// How many jobs one step claims at most.
    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// When the next job is due (now, if one was interrupted).
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        jobs::next_due_at(&self.pool).await
    }

    /// Skips what expired, claims what is due at `now`, and delivers it.
    pub async fn run_due(&mut self, now: DateTime<Utc>) -> Result<Outcome, StoreError> {
        let mut outcome = Outcome {
            expired: jobs::expire(&self.pool, now).await?,
            ..Outcome::default()
        };
        let claimed = {
            let mut tx = store::begin_write(&self.pool).await?;
            let claimed = jobs::claim_due(&mut *tx, now, self.batch).await?;
            tx.commit().await?;
            claimed
        };
        outcome.claimed = claimed.len();
        // Results are written in small batches: each batch is one transaction. A crash
        // before a batch is written leaves its jobs `sending`, and they are re-posted
        // with their nonces on the next start, which Discord drops as duplicates.
        let mut delivered = Vec::new();
        let mut last_write = tokio::time::Instant::now();
        for job in claimed {
            let result = self.deliver(job, &mut outcome).await;
            match result {
                Ok(Some(done)) => delivered.push(done),
                Ok(None) => {}
                Err(error) => {
                    self.record(std::mem::take(&mut delivered), &mut outcome).await?;
                    return Err(error);
                }
            }
            if delivered.len() >= RECORD_BATCH || last_write.elapsed() >= RECORD_EVERY {
                self.record(std::mem::take(&mut delivered), &mut outcome).await?;
                last_write = tokio::time::Instant::now();
            }
        }
        self.record(delivered, &mut outcome).await?;
        Ok(outcome)
    }

    /// Renders and sends one job. `None` when it was skipped instead (and recorded so).
    async fn deliver(&mut self, job: Job, outcome: &mut Outcome) -> Result<Option<Delivered>, StoreError> {
        let rendered = {
            let mut conn = self.pool.acquire().await?;
            render::render(&mut conn, &job, self.clock.now()).await?
        };
        let nonce = format!("hearth-{}", job.id);
        let result = match &rendered {
            Rendered::Skip(reason) => {
                jobs::skip(&self.pool, job.id, reason, self.clock.now()).await?;
                outcome.skipped += 1;
                return Ok(None);
            }
            Rendered::Post { channel, reply } => {
                self.pacer.wait_turn(Some(channel), 1).await;
                if self.expired(&job) {
                    return self.skip_expired(&job, outcome).await;
                }
                self.chat.post(channel, reply, &nonce).await
            }
            Rendered::Edit { at, reply } => {
                self.pacer.wait_turn(Some(&at.channel), 1).await;
                if self.expired(&job) {
                    return self.skip_expired(&job, outcome).await;
                }
                self.chat.edit(at, reply).await.map(|()| at.clone())
            }
            Rendered::Dm { reply, user } => {
                // Opening the DM channel and posting: two requests.
                self.pacer.wait_turn(None, 2).await;
                if self.expired(&job) {
                    return self.skip_expired(&job, outcome).await;
                }
                self.chat.dm(user, reply, &nonce).await
            }
        };
        Ok(Some(Delivered {
            job,
            rendered,
            result,
        }))
    }

    /// Writes what became of delivered jobs, in one transaction.
    async fn record(&self, delivered: Vec<Delivered>, outcome: &mut Outcome) -> Result<(), StoreError> {
        if delivered.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = store::begin_write(&self.pool).await?;
        for Delivered {
            job,
            rendered,
            result,
        } in delivered
        {
            match result {
                Ok(message) => {
                    jobs::mark_sent(&mut *tx, job.id, &message.channel, &message.message, now).await?;
                    if let (JobKind::Card, Some(session_id)) = (job.kind, job.session_id) {
                        sessions::set_card(&mut *tx, session_id, &message.channel, &message.message).await?;
                        // Answers given while the card was on its way found no card to
                        // redraw: if it is already out of date, redraw it now.
                        if let (Rendered::Post { reply: posted, .. }, Some(session)) =
                            (&rendered, sessions::get(&mut *tx, session_id).await?)
                        {
                            if render::card(&mut tx, &session, now).await? != *posted {
                                let edit = plan_card_edit(session_id, session.ends_at, now);
                                jobs::rearm(&mut *tx, &job.community_id, Some(session_id), &edit, now)
                                    .await?;
                            }
                        }
                    }
                    outcome.sent += 1;
                }
                Err(DeliveryError::Transient { retry_after, detail }) if job.attempts < MAX_ATTEMPTS => {
                    let wait = retry_after
                        .and_then(|d| Duration::from_std(d).ok())
                        .unwrap_or_else(|| backoff(job.attempts as u32, jitter()));
                    tracing::warn!(job = job.id, %detail, ?wait, "delivery failed for now; will retry");
                    jobs::mark_retry(&mut *tx, job.id, now + wait, &detail, now).await?;
                    outcome.retried += 1;
                }
                Err(DeliveryError::CannotDm) if job.kind == JobKind::DmReminder => {
                    // The member's DMs are closed: the channel hears instead, without names.
                    let notice = PlannedJob {
                        kind: JobKind::Notice,
                        dedupe_key: notice_key(job.session_id.unwrap_or_default(), &job.payload),
                        target: None,
                        payload: job.payload.clone(),
                        due_at: now,
                        expires_at: job.expires_at,
                    };
                    jobs::upsert(&mut *tx, &job.community_id, job.session_id, &notice, now).await?;
                    let reason = "The member's direct messages are closed.";
                    jobs::mark_failed(&mut *tx, job.id, reason, true, now).await?;
                    outcome.fell_back += 1;
                }
                Err(error) => {
                    tracing::error!(job = job.id, kind = %job.kind, %error, "delivery failed");
                    jobs::mark_failed(&mut *tx, job.id, &error.to_string(), false, now).await?;
                    outcome.failed += 1;
                }
            }
            match job.kind {
                JobKind::Reminder => fan_out_dms(&mut tx, &job, JobKind::DmReminder, now).await?,
                JobKind::Cancellation => fan_out_dms(&mut tx, &job, JobKind::DmCancellation, now).await?,
                _ => {}
            }
        }
        tx.commit().await?;
        Ok(())
    }

    fn expired(&self, job: &Job) -> bool {
        job.expires_at.is_some_and(|at| at <= self.clock.now())
    }

    async fn skip_expired(&self, job: &Job, outcome: &mut Outcome) -> Result<Option<Delivered>, StoreError> {
        let reason = "expired: its moment passed before it could be posted";
        jobs::skip(&self.pool, job.id, reason, self.clock.now()).await?;
        outcome.skipped += 1;
        Ok(None)
    }

    /// Runs steps until nothing more is due now.
    pub async fn run_until_idle(&mut self) -> Result<Outcome, StoreError> {
        let mut total = Outcome::default();
        loop {
            let step = self.run_due(self.clock.now()).await?;
            total.claimed += step.claimed;
            total.sent += step.sent;
            total.retried += step.retried;
            total.failed += step.failed;
            total.fell_back += step.fell_back;
            total.skipped += step.skipped;
            total.expired += step.expired;
            if step.claimed < self.batch as usize {
                return Ok(total);
            }
        }
    }

    /// The loop: deliver what is due, then sleep until the next due job, a change, or
    /// `shutdown`. Even a crash mid-delivery is safe: the interrupted jobs stay
    /// `sending` and are re-posted with their nonces on the next start.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            // Steps run to the end, so their results are written; a stop request is
            // honoured between them. (A crash mid-step is covered by the nonces.)
            let wait = loop {
                tokio::select! {
                    biased;
                    () = &mut shutdown => return,
                    () = std::future::ready(()) => {}
                }
                match self.run_due(self.clock.now()).await {
                    Ok(step) if step.claimed >= self.batch as usize => continue,
                    Ok(_) => break self.time_to_next().await,
                    Err(error) => {
                        tracing::error!(%error, "the dispatcher could not read or write its jobs");
                        break ERROR_PAUSE;
                    }
                }
            };
            let wake = self.wake.clone();
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = wake.notified() => {}
                () = &mut shutdown => return,
            }
        }
    }

    async fn time_to_next(&self) -> StdDuration {
        match self.next_due().await {
            Ok(Some(at)) => (at - self.clock.now()).to_std().unwrap_or(StdDuration::ZERO),
            Ok(None) => IDLE_WAIT,
            Err(error) => {
                tracing::error!(%error, "the dispatcher could not find its next job");
                ERROR_PAUSE
            }
        }
    }
}

/// After a channel reminder (or cancellation notice), members who are going and
/// asked for DMs get their own, each a job of its own so each arrives exactly once.
async fn fan_out_dms(
    conn: &mut sqlx::SqliteConnection,
    job: &Job,
    kind: JobKind,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(session_id) = job.session_id else {
        return Ok(());
    };
    let prefix = dm_key_prefix(kind, session_id, &job.payload);
    jobs::fan_out_dms(
        conn,
        &job.community_id,
        session_id,
        kind,
        &prefix,
        &job.payload,
        job.expires_at,
        now,
    )
    .await?;
    Ok(())
}

/// A number in [0, 1) to spread retries.
fn jitter() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    (hasher.finish() % 10_000) as f64 / 10_000.0
}
