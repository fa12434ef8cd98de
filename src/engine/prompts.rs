//! What a check-in prompt job posts, decided as it is sent: whether a tick missed in
//! downtime is still worth posting, which prompt the deck's bag draws, and the next
//! tick of the schedule. The draw, the prompt it chose (kept in the job, so a post
//! repeated after a crash repeats the same prompt) and the next tick are written in
//! one transaction before the post goes out, so a schedule never loses its chain.
//!
//! A prompt post names nobody: not who submitted it, and it carries no @mention.

use chrono::{DateTime, Utc};

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::job::{JobKind, PlannedJob};
use crate::domain::prompt::{
    catch_up, empty_deck_key, plan_tick, seed_for, thread_name, PromptPayload, PromptState, TickDecision,
    Timing, MISSED_TICK_LIMIT, PASS_LINE,
};
use crate::store::jobs::{self, Job};
use crate::store::{self, groups, prompts, Conn, StoreError};

use super::render::Rendered;

/// How an empty deck is explained, in `/status` and the alerts channel.
pub const EMPTY_DECK: &str = "The deck has no approved prompts, so nothing was posted.";

pub async fn render_prompt(conn: &mut Conn, job: &Job, now: DateTime<Utc>) -> Result<Rendered, StoreError> {
    let Ok(payload) = job.payload.parse::<PromptPayload>() else {
        return Ok(Rendered::Skip("The job names no group.".into()));
    };
    let Some(group) = groups::get(&mut *conn, payload.group_id).await? else {
        return Ok(Rendered::Skip("The group no longer exists.".into()));
    };
    if group.archived {
        return Ok(Rendered::Skip("The group was archived.".into()));
    }
    let schedule = prompts::schedule(&mut *conn, group.id).await?;
    let timing = schedule
        .as_ref()
        .map(|s| Timing::from_stored(&s.timing))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("prompt schedule: {e}")))?;
    let thread = schedule.as_ref().is_some_and(|s| s.thread);
    let mut session_line = None;
    let (tick, next) = if payload.by_hand {
        (job.due_at, None)
    } else {
        let (Some(schedule), Some(timing)) = (&schedule, &timing) else {
            return Ok(Rendered::Skip("The group has no prompt schedule now.".into()));
        };
        if schedule.paused {
            return Ok(Rendered::Skip("The group's prompts are paused.".into()));
        }
        match timing {
            Timing::Cron(cron) => {
                let decision = catch_up(cron, group.zone, job.due_at, now);
                let after = match &decision {
                    TickDecision::Post { tick } => (*tick).max(now),
                    TickDecision::Skip(_) => now,
                };
                let next = cron
                    .next_after(group.zone, after)
                    .map(|at| plan_tick(group.id, &group.channel, at));
                match decision {
                    TickDecision::Post { tick } => (tick, next),
                    TickDecision::Skip(reason) => {
                        plan_next(conn, &group.community_id, next.as_ref(), now).await?;
                        return Ok(Rendered::Skip(reason));
                    }
                }
            }
            Timing::SessionStart => {
                let upcoming = prompts::next_session_start(&mut *conn, group.id, job.due_at.max(now)).await?;
                let next = upcoming.map(|(_, at)| plan_tick(group.id, &group.channel, at));
                // The session this tick was planned for, if it still starts then.
                let due_session = prompts::next_session_start(
                    &mut *conn,
                    group.id,
                    job.due_at - chrono::Duration::seconds(1),
                )
                .await?
                .filter(|(_, at)| *at == job.due_at);
                let skip = match due_session {
                    None => Some("The session was moved or cancelled."),
                    Some(_) if now - job.due_at > MISSED_TICK_LIMIT => Some(
                        "Missed while hearth was offline: the session started more than 2 hours ago, so it wasn't posted late.",
                    ),
                    Some(_) => None,
                };
                if let Some(reason) = skip {
                    plan_next(conn, &group.community_id, next.as_ref(), now).await?;
                    return Ok(Rendered::Skip(reason.into()));
                }
                session_line = due_session.map(|(id, _)| format!("For today's session, #{id}."));
                (job.due_at, next)
            }
        }
    };

    let mut tx = store::begin_write_on(conn).await?;
    if let Some(next) = &next {
        jobs::upsert(&mut *tx, &group.community_id, None, next, now).await?;
    }
    // The prompt this job drew before a crash, if it is still in the deck.
    let mut chosen = None;
    if let Some(id) = payload.prompt_id {
        chosen = prompts::get(&mut *tx, id)
            .await?
            .filter(|p| p.state == PromptState::Approved);
    }
    if chosen.is_none() {
        prompts::ensure_deck(&mut *tx, group.id, seed_for(group.id)).await?;
        let deck = prompts::deck(&mut *tx, group.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("prompt deck missing".into()))?;
        let approved = prompts::approved_ids(&mut *tx, group.id).await?;
        let mut bag = deck.bag;
        match bag.draw(&approved) {
            Some(id) => {
                prompts::save_bag(&mut *tx, group.id, &bag).await?;
                let drawn = PromptPayload {
                    prompt_id: Some(id),
                    ..payload
                };
                jobs::set_payload(&mut *tx, job.id, &drawn.to_string()).await?;
                chosen = prompts::get(&mut *tx, id).await?;
            }
            None => {
                if !deck.empty_noted {
                    let alerts = super::alerts::channel(&mut tx, &group.community_id).await?;
                    if let Some(alerts) = alerts {
                        let note = PlannedJob {
                            kind: JobKind::PromptNote,
                            dedupe_key: empty_deck_key(group.id, tick),
                            target: Some(alerts),
                            payload: format!(
                                "{}'s check-in prompt wasn't posted: its deck has no approved prompts. \
                                 /prompts add or /prompts use-default group:\"{}\" yes fills it.",
                                group.name, group.name
                            ),
                            due_at: now,
                            expires_at: None,
                        };
                        jobs::upsert(&mut *tx, &group.community_id, None, &note, now).await?;
                    }
                    prompts::set_empty_noted(&mut *tx, group.id, true).await?;
                }
                tx.commit().await?;
                return Ok(Rendered::Skip(EMPTY_DECK.into()));
            }
        }
    }
    tx.commit().await?;
    let Some(prompt) = chosen else {
        return Ok(Rendered::Skip(EMPTY_DECK.into()));
    };
    // The moment it is for, as a timestamp each member reads in their own zone.
    let mut reply = Reply::public(Tone::Info, format!("Check-in · {}", group.name)).line(Text::new().time(
        tick,
        group.zone,
        TimeStyle::Full,
    ));
    if let Some(note) = &prompt.content_note {
        reply = reply.line(format!("Content note: {note}"));
    }
    reply = reply.line(prompt.text.clone());
    if let Some(line) = session_line {
        reply = reply.line(line);
    }
    reply = reply.line(PASS_LINE);
    if thread {
        let local_date = tick.with_timezone(&group.zone).date_naive();
        return Ok(Rendered::Thread {
            channel: group.channel,
            reply,
            name: thread_name(local_date),
        });
    }
    Ok(Rendered::Post {
        channel: group.channel,
        reply,
    })
}

/// Queues the next tick. (A tick names no session, even at a session's start, so a
/// cancelled session's jobs being set aside never breaks the schedule's chain.)
async fn plan_next(
    conn: &mut Conn,
    community_id: &str,
    next: Option<&PlannedJob>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(next) = next {
        jobs::upsert(&mut *conn, community_id, None, next, now).await?;
    }
    Ok(())
}

/// A note to the alerts channel, or a private note to a member: the text is the job's.
pub fn render_note(job: &Job) -> Rendered {
    let Some(target) = job.target.clone() else {
        return Rendered::Skip("The job names nobody to tell.".into());
    };
    match job.kind {
        JobKind::DmPromptApproved => Rendered::Dm {
            user: target,
            reply: Reply::private(Tone::Done, "Your check-in prompt was added").line(job.payload.clone()),
        },
        _ => Rendered::Post {
            channel: target,
            reply: Reply::public(Tone::Info, "Check-in prompts").line(job.payload.clone()),
        },
    }
}
