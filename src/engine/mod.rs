//! The dispatcher: delivers the job outbox exactly once, at Discord's pace.
//!
//! Jobs travel in **lanes**: a channel, or one member's DMs. Each lane sends one
//! request at a time, in due order; up to `max_in_flight` lanes send at once, so a
//! burst across many channels reaches Discord's ceiling even when Discord is a
//! quarter of a second away. A lane with no room (its 5-per-5 s window, a 429's wait,
//! an empty bucket) is deferred, never slept on, and the others go on.
//!
//! A step, [`Engine::run_due`], does one round and waits for what it sent; it is
//! what tests call. The loop, [`Engine::run`], keeps rounds going as deliveries
//! finish and otherwise sleeps until the next job is due, a lane has room, or the app
//! signals a change — there is no polling interval.
//!
//! Exactly once: a job is marked `sending`, with when and on which lane, before it is
//! posted, and `sent` after. A crash in between leaves `sending`; the next start puts
//! it back in its lane and re-posts it with the same nonce, which Discord drops as a
//! duplicate. The recorded attempts also seed the pacer, so a restart keeps inside
//! the windows the last process was using. A job left `sending` for longer than
//! Discord keeps nonces is not posted again: see [`NONCE_WINDOW`].

pub mod alerts;
pub mod dropin;
pub mod events;
pub mod outcomes;
pub mod pacing;
pub mod prompts;
pub mod quarterly;
pub mod render;
pub mod retention;
pub mod rota;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::chat::{ChatPort, DeliveryError, MessageRef};
use crate::clock::Clock;
use crate::domain::job::{
    backoff, dm_key_prefix, notice_key, plan_card_edit, JobKind, PlannedJob, MAX_ATTEMPTS,
};
use crate::report::cause_chain;
use crate::store::jobs::{self, Job};
use crate::store::{self, sessions, Conn, Db, StoreError};

use self::pacing::{Limits, Pacer, PastSend};
use self::render::Rendered;

/// What the dispatcher did: one step, or everything since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub fell_back: usize,
    pub skipped: usize,
    pub expired: u64,
    /// Due jobs held back for a while because their lane had no room.
    pub deferred: usize,
    /// Retention runs done (they post nothing).
    pub housekept: usize,
    /// Scheduled events created, changed or removed (not counted as `sent`).
    pub mirrored: usize,
}

impl Outcome {
    fn add(&mut self, other: Outcome) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
        self.fell_back += other.fell_back;
        self.skipped += other.skipped;
        self.expired += other.expired;
        self.deferred += other.deferred;
        self.housekept += other.housekept;
        self.mirrored += other.mirrored;
    }
}

/// How long Discord is trusted to remember a nonce. Discord says "a few minutes";
/// a job interrupted longer ago than this is not posted again (see [`Engine`]).
pub const NONCE_WINDOW: Duration = Duration::minutes(2);

/// On a queue shared by several processes (PostgreSQL), how long a claim is held: a
/// job left `sending` longer than this by another process is taken to be abandoned by
/// a process that died, and is posted again with its nonce. Well inside
/// [`NONCE_WINDOW`], so Discord still drops the repeat if the first post did arrive
/// (a live process slower than this is covered the same way).
pub const CLAIM_LEASE: Duration = Duration::seconds(30);

/// `engine.instance` unless set: right for one process.
pub const DEFAULT_INSTANCE: &str = "hearth";

/// Requests in flight at once unless configured (`engine.max_in_flight`).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

/// How long the loop waits after a database error before trying again...
const ERROR_PAUSE: StdDuration = StdDuration::from_secs(5);
/// ...and after how many failed rounds in a row it gives up, so the process exits
/// and its service manager restarts it (about a minute of failures).
const MAX_FAILED_ROUNDS: u32 = 12;
/// With nothing queued, the loop still looks again after this long.
const IDLE_WAIT: StdDuration = StdDuration::from_secs(3600);

/// Why the dispatcher's loop stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the dispatcher could not reach its jobs {rounds} times in a row")]
    Store {
        rounds: u32,
        #[source]
        source: StoreError,
    },
}

/// A job sent (or set aside) and what came of it, waiting to be written down.
struct Delivered {
    job: Job,
    lane: String,
    rendered: Rendered,
    result: Result<MessageRef, DeliveryError>,
    /// When it was handed to the platform (unix ms), as its claim recorded.
    attempted_at_ms: i64,
    /// For an event sync, what came of each of its requests.
    events: Vec<events::EventDone>,
}

/// A job in flight: what to write down if its task dies.
struct Flying {
    job: Job,
    lane: String,
    rendered: Rendered,
    attempted_at_ms: i64,
}

/// The dispatcher and what it needs.
pub struct Engine {
    pool: Db,
    chat: Arc<dyn ChatPort>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    pacer: Pacer,
    batch: i64,
    max_in_flight: usize,
    /// One task per request in flight; dropped (so aborted) with the engine.
    in_flight: JoinSet<Delivered>,
    flying: HashMap<tokio::task::Id, Flying>,
    /// Lanes with a request in flight: each sends one at a time.
    busy: HashSet<String>,
    /// Finished deliveries not yet written down.
    finished: Vec<Delivered>,
    /// The earliest moment a deferred lane has room again.
    next_room: Option<Instant>,
    /// Whether jobs an earlier process left `sending` have been dealt with and the
    /// pacer seeded from its attempts (done once, on the first round).
    recovered: bool,
    /// The queue is shared with other processes (PostgreSQL): abandoned claims are
    /// looked for every round, not only at start.
    shared_queue: bool,
    /// Which process this is (`engine.instance`), written on each claim.
    instance: String,
    /// When the next waiting job is due, as the last round found.
    next_due: Option<DateTime<Utc>>,
    /// What happened since the last step returned.
    outcome: Outcome,
    /// How many of hearth's scheduled events a community has at once at most.
    events_max_active: usize,
}

impl Engine {
    /// An engine that paces itself to Discord's limits.
    pub fn new(pool: Db, chat: Arc<dyn ChatPort>, clock: Arc<dyn Clock>, wake: Arc<Notify>) -> Self {
        let shared_queue = store::Backend::of_pool(&pool) == store::Backend::Postgres;
        Engine {
            pool,
            chat,
            clock,
            wake,
            pacer: Pacer::new(Limits::DISCORD),
            batch: 100,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            in_flight: JoinSet::new(),
            flying: HashMap::new(),
            busy: HashSet::new(),
            shared_queue,
            instance: DEFAULT_INSTANCE.to_string(),
            finished: Vec::new(),
            next_room: None,
            recovered: false,
            next_due: None,
            outcome: Outcome::default(),
            events_max_active: crate::domain::event::DEFAULT_MAX_ACTIVE,
        }
    }

    /// Names this process among those sharing a queue (`engine.instance`): each must
    /// have its own, kept across its restarts.
    pub fn with_instance(mut self, instance: &str) -> Self {
        self.instance = instance.to_string();
        self
    }

    /// How many of hearth's scheduled events a community may have at once
    /// (`events.max_active`), between 1 and [`crate::domain::event::MAX_ACTIVE_LIMIT`].
    pub fn with_events_max_active(mut self, max_active: usize) -> Self {
        self.events_max_active = max_active.clamp(1, crate::domain::event::MAX_ACTIVE_LIMIT);
        self
    }

    /// The same without pacing (the console's terminal has no rate limits).
    pub fn unpaced(mut self) -> Self {
        self.pacer = Pacer::unlimited();
        self
    }

    /// How many lane heads one round considers at most.
    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// How many requests may be in flight at once (at least 1). With 1, every post
    /// goes out strictly in due order across all channels (the console).
    pub fn with_max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight.max(1);
        self
    }

    /// When the next waiting job is due.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        if !self.recovered
            && !jobs::interrupted(&self.pool, self.lease_from_ms(), &self.instance)
                .await?
                .is_empty()
        {
            return Ok(Some(self.clock.now()));
        }
        jobs::next_due_at(&self.pool).await
    }

    /// When a lane the last step set aside for want of room (its window, a 429's
    /// wait, an empty bucket) has room again: the moment [`Engine::run`]'s loop would
    /// wake for it. Lets a caller that steps by hand go straight there.
    pub fn next_room(&self) -> Option<Instant> {
        self.next_room
    }

    /// One step: writes down what finished, skips what expired, sends what is due at
    /// `now` and has room, and waits for those deliveries.
    ///
    /// The step holds one connection throughout (the deliveries it waits for don't
    /// touch the database), and reads when the next job is due once, at its end:
    /// [`Engine::due_after_step`].
    pub async fn run_due(&mut self, now: DateTime<Utc>) -> Result<Outcome, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.round_on(&mut conn, now).await?;
        while let Some(joined) = self.in_flight.join_next_with_id().await {
            self.land(joined);
        }
        self.write_finished(&mut conn).await?;
        self.next_due = jobs::next_due_at(&mut *conn).await?;
        Ok(std::mem::take(&mut self.outcome))
    }

    /// When the next waiting job is due, as the last [`Engine::run_due`] left the
    /// queue: what [`Engine::next_due`] would read now, so long as nothing else has
    /// changed jobs since (a caller that steps by hand knows).
    pub fn due_after_step(&self) -> Option<DateTime<Utc>> {
        self.next_due
    }

    /// Steps until nothing more is due now, waiting out lanes with no room.
    pub async fn run_until_idle(&mut self) -> Result<Outcome, StoreError> {
        let mut total = Outcome::default();
        loop {
            let before = self.outcome;
            self.round(self.clock.now()).await?;
            // A lane head skipped or failed lets the next job of its lane go.
            let settled_some = self.outcome.skipped > before.skipped || self.outcome.failed > before.failed;
            let room = self.next_room.take();
            if !self.in_flight.is_empty() {
                // Whichever comes first: a delivery ends (its lane is free again), or a
                // deferred lane has room.
                let until_room = tokio::time::sleep_until(room.unwrap_or_else(|| Instant::now() + IDLE_WAIT));
                tokio::select! {
                    Some(joined) = self.in_flight.join_next_with_id() => self.land(joined),
                    () = until_room => {}
                }
                continue;
            }
            match room {
                Some(room) => tokio::time::sleep_until(room).await,
                None if settled_some || !self.finished.is_empty() => {}
                None => break,
            }
        }
        total.add(std::mem::take(&mut self.outcome));
        Ok(total)
    }

    /// The loop: rounds as deliveries finish, otherwise asleep until the next job is
    /// due, a lane has room, a change, or `shutdown`. On shutdown it sends nothing
    /// new, waits for what is in flight, and writes it down. Returns an error only
    /// when its database has been unreachable for about a minute.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> Result<(), EngineError> {
        tokio::pin!(shutdown);
        let mut failed_rounds = 0;
        loop {
            let wait = match self.round(self.clock.now()).await {
                Ok(()) => {
                    failed_rounds = 0;
                    self.time_to_next()
                }
                Err(source) => {
                    failed_rounds += 1;
                    tracing::error!(
                        error = %cause_chain(&source),
                        failed_rounds,
                        "the dispatcher could not read or write its jobs"
                    );
                    if failed_rounds >= MAX_FAILED_ROUNDS {
                        return Err(EngineError::Store {
                            rounds: failed_rounds,
                            source,
                        });
                    }
                    ERROR_PAUSE
                }
            };
            let wake = self.wake.clone();
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(joined) = self.in_flight.join_next_with_id() => self.land(joined),
                () = tokio::time::sleep(wait) => {}
                () = wake.notified() => {}
            }
        }
        while let Some(joined) = self.in_flight.join_next_with_id().await {
            self.land(joined);
        }
        if !self.finished.is_empty() {
            let written = match self.pool.acquire().await {
                Ok(mut conn) => self.write_finished(&mut conn).await,
                Err(error) => Err(error.into()),
            };
            if let Err(error) = written {
                tracing::error!(error = %cause_chain(&error), "could not write down the last deliveries");
            }
        }
        Ok(())
    }

    /// One round: write down what finished, expire, then send what can go now. A
    /// round holds one connection throughout: fewer trips to the pool, and the pool's
    /// check of each returned connection, for every delivery.
    async fn round(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.round_on(&mut conn, now).await?;
        self.next_due = jobs::next_due_at(&mut *conn).await?;
        Ok(())
    }

    /// A round's work on the caller's connection, short of reading when the next job
    /// is due (the caller does, once it has written down what it waited for).
    async fn round_on(&mut self, conn: &mut Conn, now: DateTime<Utc>) -> Result<(), StoreError> {
        if !self.recovered {
            self.recover(conn, now).await?;
        }
        // Finished deliveries are written first, so a card's message is known before
        // its next edit is rendered.
        while let Some(joined) = self.in_flight.try_join_next_with_id() {
            self.land(joined);
        }
        self.write_finished(conn).await?;
        if self.shared_queue {
            // Another process may have died holding claims: theirs come back once their
            // lease runs out.
            self.release_interrupted(conn, now).await?;
        }
        self.outcome.expired += jobs::expire(&mut *conn, now).await?;
        self.dispatch(conn, now).await
    }

    /// Chooses the lane heads that may go now, renders them, claims them in one
    /// write, and sends each in a task of its own.
    async fn dispatch(&mut self, conn: &mut Conn, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.next_room = None;
        let free = self.max_in_flight.saturating_sub(self.in_flight.len());
        if free == 0 {
            return Ok(());
        }
        let candidates = jobs::due_lane_heads(&mut *conn, now, self.batch).await?;
        let mut chosen: Vec<(Job, String, String, Rendered)> = Vec::new();
        let mut set_aside: Vec<Delivered> = Vec::new();
        let mut unreadable = Vec::new();
        for candidate in candidates {
            if chosen.len() >= free {
                break;
            }
            if self.busy.contains(&candidate.lane) {
                continue;
            }
            let job = match candidate.job {
                Ok(job) => job,
                Err(row) => {
                    unreadable.push(row);
                    continue;
                }
            };
            if job.kind == JobKind::Retention {
                // Posts nothing: it runs here, whole, in one transaction of its own.
                if retention::run(conn, &job, now).await? {
                    self.outcome.housekept += 1;
                } else {
                    self.outcome.failed += 1;
                }
                continue;
            }
            if job.kind == JobKind::Quarterly {
                // Posts nothing: asks each member who came this quarter, one DM job each.
                quarterly::run(conn, &job, now).await?;
                self.outcome.housekept += 1;
                continue;
            }
            if job.kind == JobKind::Debriefs {
                // Posts nothing: asks each facilitator on the session, one DM job each.
                outcomes::fan_out_debriefs(conn, &job, now).await?;
                self.outcome.housekept += 1;
                continue;
            }
            if job.kind == JobKind::Events && !self.chat.has_events() {
                jobs::skip(
                    &mut *conn,
                    job.id,
                    "This chat platform has no scheduled events.",
                    now,
                )
                .await?;
                continue;
            }
            let requests = requests_of(job.kind);
            let tokio_now = Instant::now();
            let mut room = self.pacer.ready_at(&candidate.lane, requests, tokio_now);
            if let Some(limited) = self.chat.limited_until(&candidate.lane) {
                room = room.max(limited);
            }
            if room > tokio_now {
                self.outcome.deferred += 1;
                self.next_room = Some(self.next_room.map_or(room, |at| at.min(room)));
                continue;
            }
            let rendered = if job.kind == JobKind::Events {
                match events::render(conn, &job, self.events_max_active, now).await {
                    Ok(Some(rendered)) => Ok(rendered),
                    Ok(None) => {
                        // Every event already says what it should: done, quietly.
                        jobs::mark_sent(&mut *conn, job.id, &candidate.lane, "", now).await?;
                        continue;
                    }
                    Err(error) => Err(error),
                }
            } else {
                render::render(conn, &job, now).await
            };
            let rendered = match rendered {
                Ok(rendered) => rendered,
                Err(error) if error.is_unreadable() => {
                    let reason = format!("hearth couldn't put it into words ({})", cause_chain(&error));
                    set_aside.push(Delivered {
                        lane: candidate.lane,
                        rendered: Rendered::Skip(String::new()),
                        result: Err(DeliveryError::Refused(reason)),
                        job,
                        attempted_at_ms: now.timestamp_millis(),
                        events: Vec::new(),
                    });
                    continue;
                }
                Err(error) => return Err(error),
            };
            // An earlier try may have arrived, and Discord no longer remembers its
            // nonce: posting again could show it twice, so it is set aside instead.
            if let Some(since) = job.unsure_since_ms.filter(|_| !reposting_is_harmless(job.kind)) {
                if Duration::milliseconds(now.timestamp_millis() - since) > NONCE_WINDOW {
                    set_aside.push(Delivered {
                        lane: candidate.lane,
                        rendered: Rendered::Skip(String::new()),
                        result: Err(DeliveryError::Refused(too_late_to_repost())),
                        job,
                        attempted_at_ms: now.timestamp_millis(),
                        events: Vec::new(),
                    });
                    continue;
                }
            }
            if let Rendered::Skip(reason) = &rendered {
                jobs::skip(&mut *conn, job.id, reason, now).await?;
                self.outcome.skipped += 1;
                continue;
            }
            // Discord counts the request where it goes, which for a few kinds (a gap
            // alert or swap approval in the alerts channel) is not the job's lane:
            // the pacer keeps to the limits there too.
            let destination = rendered.lane().unwrap_or_else(|| candidate.lane.clone());
            if destination != candidate.lane {
                let mut room = self.pacer.ready_at(&destination, requests, tokio_now);
                if let Some(limited) = self.chat.limited_until(&destination) {
                    room = room.max(limited);
                }
                if room > tokio_now {
                    self.outcome.deferred += 1;
                    self.next_room = Some(self.next_room.map_or(room, |at| at.min(room)));
                    continue;
                }
            }
            self.pacer.take(&destination, requests, tokio_now);
            chosen.push((job, candidate.lane, destination, rendered));
        }
        if chosen.is_empty() && set_aside.is_empty() && unreadable.is_empty() {
            return Ok(());
        }
        // One write claims what goes and fails what can't be read; each claim records
        // its attempt before the request exists.
        let attempted_at_ms = self.clock.now().timestamp_millis();
        let mut tx = store::begin_claim_on(conn).await?;
        for row in &unreadable {
            tracing::error!(job = row.id, reason = %row.reason, "a job can't be read; failing it alone");
            jobs::mark_failed(
                &mut *tx,
                row.id,
                &format!("Not sent: {}.", row.reason),
                false,
                now,
            )
            .await?;
            self.outcome.failed += 1;
        }
        let mut claimed = Vec::new();
        for (job, lane, destination, rendered) in chosen {
            // The attempt is recorded where Discord counts it, to seed a new pacer.
            if jobs::claim(
                &mut *tx,
                job.id,
                &destination,
                attempted_at_ms,
                &self.instance,
                now,
            )
            .await?
            {
                claimed.push((job, lane, rendered));
            }
        }
        tx.commit().await?;
        self.finished.extend(set_aside);
        self.outcome.claimed += claimed.len();
        for (job, lane, rendered) in claimed {
            self.send(job, lane, rendered, attempted_at_ms);
        }
        Ok(())
    }

    /// Sends one rendered job in a task of its own.
    fn send(&mut self, job: Job, lane: String, rendered: Rendered, attempted_at_ms: i64) {
        let chat = self.chat.clone();
        let nonce = format!("hearth-{}", job.id);
        let flying = Flying {
            job: job.clone(),
            lane: lane.clone(),
            rendered: rendered.clone(),
            attempted_at_ms,
        };
        self.busy.insert(lane.clone());
        let task = self.in_flight.spawn(async move {
            let mut mirrored = Vec::new();
            let result = match &rendered {
                Rendered::Events { community, ops, .. } => {
                    mirrored = events::execute(chat.as_ref(), community, ops).await;
                    Ok(MessageRef {
                        channel: lane.clone(),
                        message: String::new(),
                    })
                }
                Rendered::Post { channel, reply } => chat.post(channel, reply, &nonce).await,
                Rendered::Edit { at, reply } => chat.edit(at, reply).await.map(|()| at.clone()),
                Rendered::Dm { user, reply } => chat.dm(user, reply, &nonce).await,
                Rendered::Thread { channel, reply, name } => {
                    let posted = chat.post(channel, reply, &nonce).await;
                    if let Ok(at) = &posted {
                        // The post is out either way; a thread that can't be opened is
                        // logged, not retried (retrying would post the prompt again).
                        if let Err(error) = chat.create_thread(at, name).await {
                            tracing::warn!(%error, "a check-in prompt's thread could not be opened");
                        }
                    }
                    posted
                }
                Rendered::Skip(reason) => Err(DeliveryError::Refused(reason.clone())),
            };
            Delivered {
                job,
                lane,
                rendered,
                result,
                attempted_at_ms,
                events: mirrored,
            }
        });
        self.flying.insert(task.id(), flying);
    }

    /// A delivery task ended: free its lane, honour a rate limit, keep the result.
    fn land(&mut self, joined: Result<(tokio::task::Id, Delivered), tokio::task::JoinError>) {
        let delivered = match joined {
            Ok((id, delivered)) => {
                self.flying.remove(&id);
                delivered
            }
            Err(error) => {
                let Some(Flying {
                    job,
                    lane,
                    rendered,
                    attempted_at_ms,
                }) = self.flying.remove(&error.id())
                else {
                    tracing::error!(%error, "a delivery task ended without its job");
                    return;
                };
                tracing::error!(job = job.id, %error, "a delivery task died; the job will be tried again");
                Delivered {
                    job,
                    lane,
                    rendered,
                    result: Err(DeliveryError::Transient {
                        retry_after: None,
                        detail: format!("the delivery task died: {error}"),
                    }),
                    attempted_at_ms,
                    events: Vec::new(),
                }
            }
        };
        self.busy.remove(&delivered.lane);
        if let Err(DeliveryError::RateLimited { retry_after, global }) = &delivered.result {
            let until = Instant::now() + *retry_after;
            let lane = delivered
                .rendered
                .lane()
                .unwrap_or_else(|| delivered.lane.clone());
            self.pacer.block((!global).then_some(lane.as_str()), until);
        }
        self.finished.push(delivered);
    }

    /// Deals with what an earlier process left behind: seeds the pacer with what it
    /// sent in the last window, and puts jobs it left `sending` back in their lanes —
    /// or, when they were interrupted longer ago than Discord keeps nonces, fails them
    /// for `/status` rather than risk posting them twice.
    async fn recover(&mut self, conn: &mut Conn, now: DateTime<Utc>) -> Result<(), StoreError> {
        let now_ms = self.clock.now().timestamp_millis();
        if let Some(memory) = self.pacer.memory() {
            let memory_ms = i64::try_from(memory.as_millis()).unwrap_or(i64::MAX);
            let tokio_now = Instant::now();
            let past = jobs::attempts_since(&mut *conn, now_ms.saturating_sub(memory_ms))
                .await?
                .into_iter()
                .map(|attempt| {
                    let ago = StdDuration::from_millis(u64::try_from(now_ms - attempt.at_ms).unwrap_or(0));
                    let requests = attempt.kind.parse::<JobKind>().map_or(1, requests_of);
                    PastSend {
                        lane: attempt.lane,
                        at: tokio_now.checked_sub(ago).unwrap_or(tokio_now),
                        requests,
                    }
                });
            self.pacer.seed(past);
        }
        self.release_interrupted(conn, now).await?;
        self.recovered = true;
        Ok(())
    }

    /// Where a claim's lease starts to count as abandoned (unix ms): see
    /// [`jobs::interrupted`].
    fn lease_from_ms(&self) -> i64 {
        (self.clock.now() - CLAIM_LEASE).timestamp_millis()
    }

    /// Puts jobs left `sending` by a stopped process back in their lanes, or fails
    /// those interrupted longer ago than Discord keeps nonces. This process's own
    /// deliveries in flight are not among them, however long they take.
    async fn release_interrupted(&mut self, conn: &mut Conn, now: DateTime<Utc>) -> Result<(), StoreError> {
        let now_ms = self.clock.now().timestamp_millis();
        let mine: HashSet<i64> = self.flying.values().map(|flying| flying.job.id).collect();
        let interrupted: Vec<_> = jobs::interrupted(&mut *conn, self.lease_from_ms(), &self.instance)
            .await?
            .into_iter()
            .filter(|job| !mine.contains(&job.id))
            .collect();
        if !interrupted.is_empty() {
            let mut tx = store::begin_write_on(conn).await?;
            for job in interrupted {
                let idempotent = job.kind.parse::<JobKind>().is_ok_and(reposting_is_harmless);
                // The earliest try that may have arrived is what Discord's memory runs from.
                let first = match (job.attempted_at_ms, job.unsure_since_ms) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let age = first.map(|at| Duration::milliseconds(now_ms - at));
                // Before this column existed an interrupted job has no attempt time:
                // as before, it is re-posted with its nonce.
                let too_old = age.is_some_and(|age| age > NONCE_WINDOW);
                if too_old && !idempotent {
                    let reason = format!(
                        "Not sent again: hearth stopped while posting it more than {} minutes ago, so it \
                         can't tell whether it arrived, and posting it again could show it twice.",
                        NONCE_WINDOW.num_minutes()
                    );
                    tracing::warn!(job = job.id, "an interrupted job is too old to post again safely");
                    jobs::mark_failed(&mut *tx, job.id, &reason, false, now).await?;
                    self.outcome.failed += 1;
                } else {
                    jobs::release(&mut *tx, job.id, now).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Writes what became of finished deliveries, in one transaction.
    async fn write_finished(&mut self, conn: &mut Conn) -> Result<(), StoreError> {
        if self.finished.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = store::begin_write_on(conn).await?;
        let mut outcome = Outcome::default();
        for delivered in &self.finished {
            record(&mut tx, delivered, now, &mut outcome).await?;
        }
        tx.commit().await?;
        self.finished.clear();
        self.outcome.add(outcome);
        Ok(())
    }

    /// How long the loop may sleep: until the next job is due or a deferred lane has
    /// room, whichever is first. While requests are in flight their ends wake it.
    fn time_to_next(&self) -> StdDuration {
        if !self.finished.is_empty() {
            return StdDuration::ZERO;
        }
        let tokio_now = Instant::now();
        let room = self.next_room.map(|at| at.saturating_duration_since(tokio_now));
        let due = self.next_due.and_then(|at| {
            let wait = (at - self.clock.now()).to_std().unwrap_or(StdDuration::ZERO);
            // A job that is due already but could not go is waiting for its lane (in
            // flight, or out of room): a finishing delivery or the room timer wakes
            // the loop for it.
            let waiting_for_lane = wait.is_zero() && (!self.busy.is_empty() || room.is_some());
            (!waiting_for_lane).then_some(wait)
        });
        match (room, due) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => IDLE_WAIT,
        }
    }
}

/// Whether posting a job again can't show anything twice: edits redraw from current
/// data.
fn reposting_is_harmless(kind: JobKind) -> bool {
    matches!(
        kind,
        JobKind::CardEdit
            | JobKind::GapAlertEdit
            | JobKind::OpenShiftEdit
            | JobKind::DropinStatusEdit
            // A sync decides again from what is stored (see `events`).
            | JobKind::Events
    )
}

/// Why a post that may have arrived is not tried again.
fn too_late_to_repost() -> String {
    format!(
        "Not sent again: an earlier try may have arrived without Discord saying so, more than {} minutes \
         ago, so posting it again could show it twice.",
        NONCE_WINDOW.num_minutes()
    )
}

/// Requests a job makes of Discord: a DM opens the member's DM channel first.
fn requests_of(kind: JobKind) -> usize {
    match kind {
        JobKind::DmReminder
        | JobKind::DmCancellation
        | JobKind::DmPromotion
        | JobKind::DutyNotice
        | JobKind::OpenShiftDm
        | JobKind::GapAlertDm
        | JobKind::RotaNote
        | JobKind::DmPromptApproved
        | JobKind::DmDebrief
        | JobKind::DmQuarterly => 2,
        // A post and, with thread:yes, its thread.
        JobKind::Prompt => 2,
        // A run makes up to this many requests on the community's events lane.
        JobKind::Events => crate::domain::event::MAX_OPS_PER_RUN,
        _ => 1,
    }
}

/// Writes down one delivery: sent, retried, fallen back or failed, and what follows
/// from it (a card's message, DMs after a channel reminder).
async fn record(
    tx: &mut Conn,
    delivered: &Delivered,
    now: DateTime<Utc>,
    outcome: &mut Outcome,
) -> Result<(), StoreError> {
    let Delivered {
        job,
        rendered,
        result,
        attempted_at_ms,
        ..
    } = delivered;
    if let (JobKind::Events, Rendered::Events { more, .. }) = (job.kind, rendered) {
        return events::record(tx, delivered, *more, now, outcome).await;
    }
    match result {
        Ok(message) => {
            jobs::mark_sent(&mut *tx, job.id, &message.channel, &message.message, now).await?;
            // How long after it was due a post went out: the promise members feel.
            let late = (now - job.due_at).num_milliseconds().max(0) as f64 / 1000.0;
            metrics::histogram!("hearth_delivery_lateness_seconds", "kind" => job.kind.as_str()).record(late);
            if matches!(job.kind, JobKind::Card | JobKind::CardEdit) && job.session_id.is_some() {
                // Its event goes up with the card, and follows it as it is redrawn.
                events::arm(&mut *tx, &job.community_id, now).await?;
            }
            if let (JobKind::Card, Some(session_id)) = (job.kind, job.session_id) {
                sessions::set_card(&mut *tx, session_id, &message.channel, &message.message).await?;
                // Answers given while the card was on its way found no card to
                // redraw: if it is already out of date, redraw it now.
                if let (Rendered::Post { reply: posted, .. }, Some(session)) =
                    (rendered, sessions::get(&mut *tx, session_id).await?)
                {
                    if render::card(tx, &session, now).await? != *posted {
                        let edit = plan_card_edit(session_id, session.ends_at, now);
                        jobs::rearm(&mut *tx, &job.community_id, Some(session_id), &edit, now).await?;
                    }
                }
            }
            outcome.sent += 1;
        }
        Err(DeliveryError::RateLimited { retry_after, .. }) => {
            let wait = Duration::from_std(*retry_after).unwrap_or(Duration::seconds(1));
            tracing::warn!(job = job.id, ?retry_after, "rate limited; the job waits its turn");
            jobs::mark_retry(
                &mut *tx,
                job.id,
                now + wait,
                "waiting out Discord's rate limit",
                false,
                now,
            )
            .await?;
            outcome.retried += 1;
        }
        Err(DeliveryError::Transient { retry_after, detail }) if job.attempts < MAX_ATTEMPTS => {
            let mut wait = retry_after
                .and_then(|d| Duration::from_std(d).ok())
                .unwrap_or_else(|| backoff(job.attempts as u32, jitter(job.id, job.attempts)));
            if !reposting_is_harmless(job.kind) {
                // It may have arrived: retry while Discord still drops a repeat of its
                // nonce, or not at all (the dispatch sets it aside after that).
                let since = job
                    .unsure_since_ms
                    .unwrap_or(*attempted_at_ms)
                    .min(*attempted_at_ms);
                jobs::mark_unsure(&mut *tx, job.id, since).await?;
                let last_safe = Duration::milliseconds(since - now.timestamp_millis()) + NONCE_WINDOW
                    - Duration::seconds(5);
                wait = wait.min(last_safe.max(Duration::zero()));
            }
            tracing::warn!(job = job.id, %detail, ?wait, "delivery failed for now; will retry");
            jobs::mark_retry(&mut *tx, job.id, now + wait, detail, true, now).await?;
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
            alerts::after_failure(&mut *tx, job, rendered, &DeliveryError::CannotDm, now).await?;
            outcome.fell_back += 1;
        }
        Err(error) => {
            tracing::error!(job = job.id, kind = %job.kind, %error, "delivery failed");
            jobs::mark_failed(&mut *tx, job.id, &error.to_string(), false, now).await?;
            alerts::after_failure(&mut *tx, job, rendered, error, now).await?;
            outcome.failed += 1;
        }
    }
    // Members' own DMs don't wait on the channel's post; the fan-out keeps the DM
    // jobs that exist, so writing it again after a retry adds nothing.
    match job.kind {
        JobKind::Reminder => fan_out_dms(tx, job, JobKind::DmReminder, now).await?,
        JobKind::Cancellation => fan_out_dms(tx, job, JobKind::DmCancellation, now).await?,
        _ => {}
    }
    Ok(())
}

/// After a channel reminder (or cancellation notice), members who are going and
/// asked for DMs get their own, each a job of its own so each arrives exactly once.
async fn fan_out_dms(tx: &mut Conn, job: &Job, kind: JobKind, now: DateTime<Utc>) -> Result<(), StoreError> {
    let Some(session_id) = job.session_id else {
        return Ok(());
    };
    let prefix = dm_key_prefix(kind, session_id, &job.payload);
    jobs::fan_out_dms(
        &mut *tx,
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

/// A number in [0, 1) to spread retries: different for each job and try, so jobs that
/// failed together don't retry together, and the same for the same history, so a
/// simulated run replays exactly (a splitmix64 step of the job and its attempt).
fn jitter(job: i64, attempts: i64) -> f64 {
    let mut z = (job as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (attempts as u64);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % 10_000) as f64 / 10_000.0
}
