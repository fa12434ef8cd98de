//! A community's sessions as Discord scheduled events, kept in step by one
//! re-armable job per community (`events:COMMUNITY`).
//!
//! The job is armed when a card goes up or is redrawn (a session moved, cancelled,
//! started, ended), when a group's `events:` setting changes and when a group is
//! archived. Each run reads what is stored, lets [`crate::domain::event::plan`]
//! decide (the nearest `events.max_active` sessions, at most a few requests a run,
//! removals first), makes those requests one after another on the community's own
//! lane, and writes down what came of each. More to do arms the job again.
//!
//! Discord refusing for a lasting reason — a missing permission (50013), its limit of
//! 100 events (30038) — is recorded for `/status` and said once in the alerts
//! channel; cards and reminders are other jobs and go on regardless. The next change
//! tries again, and the first event that goes through clears the record.
//!
//! A run interrupted by a crash is simply run again (it decides from what is stored);
//! an event created in the moment before the crash, whose id was never written down,
//! is the one case that can leave a duplicate on Discord.

use chrono::{DateTime, Duration, Utc};

use crate::chat::{events_lane, ChatPort, DeliveryError};
use crate::domain::alert::Alert;
use crate::domain::event::{self, EventOp, EventProblem, MAX_OPS_PER_RUN};
use crate::domain::job::{backoff, MAX_ATTEMPTS};
use crate::store::jobs::{self, Job};
use crate::store::{events as event_store, Conn, StoreError};

use super::render::Rendered;
use super::{Delivered, Outcome};

/// What one request came to. `result` is `None` when it was not tried (an earlier
/// one in the run failed, so the rest wait for the next run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDone {
    pub op: EventOp,
    pub result: Option<Result<String, DeliveryError>>,
}

/// The run a sync job calls for now: its requests, or `None` when every event
/// already says what it should.
pub async fn render(
    conn: &mut Conn,
    job: &Job,
    max_active: usize,
    now: DateTime<Utc>,
) -> Result<Option<Rendered>, StoreError> {
    let limit = i64::try_from(max_active).unwrap_or(i64::MAX);
    let mirrors = event_store::mirrors(&mut *conn, &job.community_id, limit, now).await?;
    let plan = event::plan(&mirrors, max_active, MAX_OPS_PER_RUN, now);
    if plan.ops.is_empty() {
        return Ok(None);
    }
    Ok(Some(Rendered::Events {
        community: job.community_id.clone(),
        ops: plan.ops,
        more: plan.more,
    }))
}

/// Makes a run's requests in order. After a failure the rest are left for the next
/// run: a removal that failed must not let a creation pass the cap.
pub async fn execute(chat: &dyn ChatPort, community: &str, ops: &[EventOp]) -> Vec<EventDone> {
    let mut done = Vec::with_capacity(ops.len());
    let mut stopped = false;
    for op in ops {
        if stopped {
            done.push(EventDone {
                op: op.clone(),
                result: None,
            });
            continue;
        }
        let result = match op {
            EventOp::Create { details, .. } => chat.create_event(community, details).await,
            EventOp::Update {
                event_id, details, ..
            } => chat
                .update_event(community, event_id, details)
                .await
                .map(|()| event_id.clone()),
            EventOp::Delete { event_id, .. } => chat
                .delete_event(community, event_id)
                .await
                .map(|()| event_id.clone()),
        };
        // An event someone removed by hand is not a reason to stop.
        stopped = matches!(&result, Err(error) if *error != DeliveryError::EventGone);
        done.push(EventDone {
            op: op.clone(),
            result: Some(result),
        });
    }
    done
}

/// The lasting problem a refusal shows, if it is one.
fn problem_of(error: &DeliveryError) -> Option<EventProblem> {
    match error {
        DeliveryError::MissingPermission(_) => Some(EventProblem::Permission),
        DeliveryError::TooManyEvents => Some(EventProblem::Limit),
        DeliveryError::Refused(_) | DeliveryError::ChannelGone | DeliveryError::CannotDm => {
            Some(EventProblem::Refused)
        }
        DeliveryError::Transient { .. } | DeliveryError::RateLimited { .. } | DeliveryError::EventGone => {
            None
        }
    }
}

/// Writes down what a run did, in the dispatcher's transaction: each event made,
/// changed or removed; a refusal recorded (and alerted once); the job done, retried,
/// or armed again for what is left.
pub(super) async fn record(
    tx: &mut Conn,
    delivered: &Delivered,
    more: bool,
    now: DateTime<Utc>,
    outcome: &mut Outcome,
) -> Result<(), StoreError> {
    let job = &delivered.job;
    let community = job.community_id.as_str();
    let mut went_through = false;
    let mut problem: Option<(EventProblem, String)> = None;
    let mut retry: Option<(Option<std::time::Duration>, String, bool)> = None;
    if let Err(DeliveryError::Transient { retry_after, detail }) = &delivered.result {
        // The run's task died before it could say what it did: run it again.
        retry = Some((*retry_after, detail.clone(), true));
    }
    for done in &delivered.events {
        let Some(result) = &done.result else {
            continue;
        };
        match (&done.op, result) {
            (EventOp::Create { session_id, details }, Ok(event_id))
            | (
                EventOp::Update {
                    session_id, details, ..
                },
                Ok(event_id),
            ) => {
                event_store::set(
                    &mut *tx,
                    community,
                    *session_id,
                    event_id,
                    &details.fingerprint(),
                    now,
                )
                .await?;
                went_through = true;
                outcome.mirrored += 1;
            }
            (EventOp::Delete { session_id, .. }, Ok(_))
            | (EventOp::Delete { session_id, .. }, Err(DeliveryError::EventGone))
            | (EventOp::Update { session_id, .. }, Err(DeliveryError::EventGone)) => {
                // Gone from Discord: forgotten here, so an update is made anew next run.
                event_store::clear(&mut *tx, *session_id).await?;
                went_through = true;
                outcome.mirrored += 1;
            }
            (_, Err(DeliveryError::RateLimited { retry_after, .. })) => {
                retry = Some((
                    Some(*retry_after),
                    "waiting out Discord's rate limit".into(),
                    false,
                ));
            }
            (_, Err(DeliveryError::Transient { retry_after, detail })) => {
                retry = Some((*retry_after, detail.clone(), true));
            }
            (_, Err(error)) => {
                tracing::warn!(community, %error, "Discord refused a session's scheduled event");
                if let Some(found) = problem_of(error) {
                    problem = Some((found, error.to_string()));
                }
            }
        }
    }
    if let Some((found, detail)) = &problem {
        let recorded = event_store::set_problem(&mut *tx, community, *found, detail, now).await?;
        let alert = Alert::EventsRefused {
            problem: found.as_str().to_string(),
        };
        // Once per spell of refusals: the key carries when this one began.
        let about = recorded.since.timestamp().to_string();
        super::alerts::raise(&mut *tx, community, &alert, &about, now).await?;
        jobs::mark_failed(&mut *tx, job.id, found.explain(), false, now).await?;
        outcome.failed += 1;
        return Ok(());
    }
    if went_through {
        event_store::clear_problem(&mut *tx, community).await?;
    }
    match retry {
        Some((wait, detail, counts)) if !counts || job.attempts < MAX_ATTEMPTS => {
            let wait = wait
                .and_then(|w| Duration::from_std(w).ok())
                .unwrap_or_else(|| backoff(u32::try_from(job.attempts).unwrap_or(1), 0.5));
            jobs::mark_retry(&mut *tx, job.id, now + wait, &detail, counts, now).await?;
            outcome.retried += 1;
        }
        Some((_, detail, _)) => {
            jobs::mark_failed(&mut *tx, job.id, &detail, false, now).await?;
            outcome.failed += 1;
        }
        None => {
            jobs::mark_sent(&mut *tx, job.id, &events_lane(community), "", now).await?;
            if more {
                jobs::rearm(&mut *tx, community, None, &event::plan_sync(community, now), now).await?;
            }
        }
    }
    Ok(())
}

/// Arms a community's sync (a card went up or changed, a setting changed).
pub async fn arm(conn: &mut Conn, community_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    jobs::rearm(
        &mut *conn,
        community_id,
        None,
        &event::plan_sync(community_id, now),
        now,
    )
    .await
}
