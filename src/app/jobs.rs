//! Keeping a session's jobs in step with the session, inside the same transaction
//! that changed it: materialising creates its card and reminders, a move re-times
//! them, a cancellation skips them and queues the one cancellation notice. Sessions
//! materialised together get their jobs in one write.
//!
//! A session's jobs are planned only once its first job is near (the rule is
//! [`jobs_wait_until`]); until then the session says when, and the horizon roll plans
//! them as that time comes ([`plan_jobs_entering_window`]). Every path here asks the
//! same rule, so a session's jobs are planned once, by whichever path comes first.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

use crate::domain::job::{
    cancellation_key, jobs_wait_until, plan_card, plan_card_edit, plan_debriefs, plan_reminders, JobKind,
    PlannedJob,
};
use crate::domain::reminder::{parse_offsets, Offset};
use crate::domain::session::{SessionStatus, WantedSession};
use crate::domain::time::Tz;
use crate::store::groups::{self as group_store, Group};
use crate::store::{self, jobs, sessions, StoreError};

use super::AppError;

/// Why an ended session's jobs were set aside: they come back with it if its series
/// is extended again.
pub(crate) const SERIES_ENDED: &str = "The series ended before this session.";

/// Why a reminder was set aside when its group's reminder times changed.
const REMINDER_TIMES_CHANGED: &str = "The group's reminder times changed.";

/// Brings the jobs of one session in line with it. `redraw` asks for its card, if
/// posted, to be redrawn (the session moved, was re-timed or cancelled).
pub(crate) async fn sync_session_jobs(
    conn: &mut store::Conn,
    session_id: i64,
    redraw: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(session) = sessions::get(&mut *conn, session_id).await? else {
        let reason = "The session no longer exists.";
        jobs::skip_pending_for_session(&mut *conn, session_id, reason, now).await?;
        return Ok(());
    };
    let community = session.community_id.clone();
    if session.status == SessionStatus::Cancelled {
        let reason = if session.ended {
            SERIES_ENDED
        } else {
            "The session was cancelled."
        };
        jobs::skip_pending_for_session(&mut *conn, session_id, reason, now).await?;
        // A session ended with its series gets a notice (and so DMs to those going)
        // only if members may be counting on it: its card is up or someone is going.
        // The rest of a long series' horizon ends quietly, not one post per week.
        let counted_on =
            !session.ended || session.going > 0 || sessions::card(&mut *conn, session_id).await?.is_some();
        if counted_on {
            queue_cancellation(conn, &session, now).await?;
        }
        // Its open shifts and gap alerts already out say it is off.
        super::rota::session_cancelled(conn, &session, now).await?;
    } else {
        let group = group_store::get(&mut *conn, session.group_id)
            .await?
            .ok_or_else(|| AppError::internal(&StoreError::Corrupt("session without group".into())))?;
        let offsets = parse_offsets(&group.reminder_offsets).map_err(|e| AppError::internal(&e))?;
        if session.plan_jobs_at.is_some() {
            // Not planned yet: plan them now if the session has come (or been moved,
            // or its group's lead or reminders changed) into the window; otherwise
            // keep the wait in step with the session's time and its group's settings.
            let lead = Duration::minutes(group.announce_lead_minutes);
            let wait = jobs_wait_until(session.starts_at, group.zone, lead, &offsets, now);
            if wait != session.plan_jobs_at {
                sessions::set_plan_jobs_at(&mut *conn, session_id, wait).await?;
            }
            if wait.is_some() {
                // No card job yet, so no card posted to redraw.
                return Ok(());
            }
        }
        // Its rota's messages (duty notices, gap alerts) follow the session's time, now
        // that its jobs are planned.
        super::rota::resync_session(conn, &session, &group, now).await?;
        let planned = plan_scheduled(
            group.zone,
            group.announce_lead_minutes,
            &offsets,
            session_id,
            session.starts_at,
            session.ends_at,
            now,
        );
        for job in &planned {
            if job.kind == JobKind::Reminder {
                // A reminder set aside when the group's times changed comes back if its
                // time is wanted again.
                jobs::revive(&mut *conn, &job.dedupe_key, REMINDER_TIMES_CHANGED, now).await?;
            }
            jobs::upsert(&mut *conn, &community, Some(session_id), job, now).await?;
        }
        for stale in jobs::pending_for_session(&mut *conn, session_id).await? {
            let still_wanted = planned.iter().any(|p| p.dedupe_key == stale.dedupe_key);
            if stale.kind == JobKind::Reminder && !still_wanted {
                jobs::skip(&mut *conn, stale.id, REMINDER_TIMES_CHANGED, now).await?;
            }
        }
    }
    if redraw {
        redraw_card(conn, &community, session_id, session.ends_at, now).await?;
    }
    Ok(())
}

/// Queues the one channel notice that a session won't happen (and, as it goes out,
/// the DMs to those going who asked for them), unless it has started or its group is
/// archived.
async fn queue_cancellation(
    conn: &mut store::Conn,
    session: &sessions::SessionDetail,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if session.starts_at <= now || session.group_archived {
        return Ok(());
    }
    let notice = PlannedJob {
        kind: JobKind::Cancellation,
        dedupe_key: cancellation_key(session.id),
        target: None,
        payload: String::new(),
        due_at: now,
        expires_at: Some(session.starts_at),
    };
    jobs::upsert(&mut *conn, &session.community_id, Some(session.id), &notice, now).await?;
    Ok(())
}

/// Tells the channel that a series (or group) ends, through the notice of its first
/// session that won't happen: "no more sessions of this series after it". Later
/// ended sessions get their own notice only if someone was counting on them.
pub(crate) async fn announce_end(
    conn: &mut store::Conn,
    first_ended: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if let Some(session) = sessions::get(&mut *conn, first_ended).await? {
        queue_cancellation(conn, &session, now).await?;
    }
    Ok(())
}

/// When the jobs of each of these sessions of `group`, about to be stored, are to be
/// planned: `None` for those inside the window, which [`queue_new_session_jobs`]
/// plans as they are stored.
pub(crate) fn new_sessions_wait(
    group: &Group,
    new: &[WantedSession],
    now: DateTime<Utc>,
) -> Result<Vec<Option<DateTime<Utc>>>, AppError> {
    let offsets = parse_offsets(&group.reminder_offsets).map_err(|e| AppError::internal(&e))?;
    let lead = Duration::minutes(group.announce_lead_minutes);
    Ok(new
        .iter()
        .map(|session| jobs_wait_until(session.starts_at, group.zone, lead, &offsets, now))
        .collect())
}

/// Queues the jobs of sessions just inserted for `group` inside the window, as (id,
/// session): what [`sync_session_jobs`] would do for each, in one write. A new session
/// has no pending jobs of its own yet (a removed one's were skipped with it), so there
/// is nothing stale to skip and no posted card to redraw.
pub(crate) async fn queue_new_session_jobs(
    conn: &mut store::Conn,
    group: &Group,
    new: &[(i64, &WantedSession)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if new.is_empty() {
        return Ok(());
    }
    let offsets = parse_offsets(&group.reminder_offsets).map_err(|e| AppError::internal(&e))?;
    let planned: Vec<(Option<i64>, PlannedJob)> = new
        .iter()
        .flat_map(|(id, session)| {
            plan_scheduled(
                group.zone,
                group.announce_lead_minutes,
                &offsets,
                *id,
                session.starts_at,
                session.ends_at,
                now,
            )
            .into_iter()
            .map(|job| (Some(*id), job))
        })
        .collect();
    jobs::upsert_many(conn, &group.community_id, &planned, now).await?;
    Ok(())
}

/// Plans the jobs of up to `limit` sessions whose wait for the window is over, in the
/// caller's transaction, and returns how many sessions it planned (including any that
/// turned out to need none) and how many jobs it queued. Zero sessions means none is
/// left waiting.
pub(crate) async fn plan_jobs_entering_window(
    conn: &mut store::Conn,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<(usize, usize), AppError> {
    let due = sessions::due_for_job_planning(&mut *conn, now, limit).await?;
    let mut offsets_of: HashMap<&str, Vec<Offset>> = HashMap::new();
    // In community order, so the same sessions get the same job ids every time.
    let mut planned: BTreeMap<&str, Vec<(Option<i64>, PlannedJob)>> = BTreeMap::new();
    for session in due.iter().filter(|s| !s.needs_none) {
        if !offsets_of.contains_key(session.reminder_offsets.as_str()) {
            let offsets = parse_offsets(&session.reminder_offsets).map_err(|e| AppError::internal(&e))?;
            offsets_of.insert(&session.reminder_offsets, offsets);
        }
        let offsets = offsets_of
            .get(session.reminder_offsets.as_str())
            .map_or(&[][..], Vec::as_slice);
        let jobs = plan_scheduled(
            session.zone,
            session.announce_lead_minutes,
            offsets,
            session.id,
            session.starts_at,
            session.ends_at,
            now,
        );
        planned
            .entry(&session.community_id)
            .or_default()
            .extend(jobs.into_iter().map(|job| (Some(session.id), job)));
    }
    let mut queued = 0;
    for (community, jobs) in &planned {
        jobs::upsert_many(&mut *conn, community, jobs, now).await?;
        queued += jobs.len();
    }
    let ids: Vec<i64> = due.iter().map(|s| s.id).collect();
    sessions::mark_jobs_planned(&mut *conn, &ids).await?;
    // Their rota's messages (duty notices, gap alerts) are planned with them.
    let wanting: Vec<i64> = due.iter().filter(|s| !s.needs_none).map(|s| s.id).collect();
    super::rota::plan_entering_window(conn, &wanting, now).await?;
    Ok((ids.len(), queued))
}

/// The jobs a scheduled session should have: its channel reminders and its card.
fn plan_scheduled(
    zone: Tz,
    lead_minutes: i64,
    offsets: &[Offset],
    session_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<PlannedJob> {
    let mut planned = plan_reminders(session_id, starts_at, zone, offsets, now);
    let lead = Duration::minutes(lead_minutes);
    planned.extend(plan_card(session_id, starts_at, ends_at, lead, now));
    planned.extend(plan_debriefs(session_id, ends_at, now));
    planned
}

/// Asks for a posted card to be redrawn from current data. Changes within a couple of
/// seconds of each other become one edit.
pub(crate) async fn redraw_card(
    conn: &mut store::Conn,
    community_id: &str,
    session_id: i64,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if sessions::card(&mut *conn, session_id).await?.is_none() {
        // Not posted yet: when it is, it shows the latest.
        return Ok(());
    }
    let edit = plan_card_edit(session_id, ends_at, now);
    jobs::rearm(&mut *conn, community_id, Some(session_id), &edit, now).await?;
    Ok(())
}

/// Arms the community's sync of sessions to Discord scheduled events (a group's
/// `events:` setting changed, or what its events say; the group was archived).
pub(crate) async fn sync_events(
    conn: &mut store::Conn,
    community_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let sync = crate::domain::event::plan_sync(community_id, now);
    jobs::rearm(&mut *conn, community_id, None, &sync, now).await?;
    Ok(())
}
