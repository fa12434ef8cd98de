//! Keeping a session's jobs in step with the session, inside the same transaction
//! that changed it: materialising creates its card and reminders, a move re-times
//! them, a cancellation skips them and queues the one cancellation notice. Sessions
//! materialised together get their jobs in one write.

use chrono::{DateTime, Duration, Utc};
use sqlx::SqliteConnection;

use crate::domain::job::{cancellation_key, plan_card, plan_card_edit, plan_reminders, JobKind, PlannedJob};
use crate::domain::reminder::{parse_offsets, Offset};
use crate::domain::session::{SessionStatus, WantedSession};
use crate::store::groups::{self as group_store, Group};
use crate::store::{jobs, sessions, StoreError};

use super::AppError;

/// Brings the jobs of one session in line with it. `redraw` asks for its card, if
/// posted, to be redrawn (the session moved, was re-timed or cancelled).
pub(crate) async fn sync_session_jobs(
    conn: &mut SqliteConnection,
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
        let reason = "The session was cancelled.";
        jobs::skip_pending_for_session(&mut *conn, session_id, reason, now).await?;
        if session.starts_at > now && !session.group_archived {
            let notice = PlannedJob {
                kind: JobKind::Cancellation,
                dedupe_key: cancellation_key(session_id),
                target: None,
                payload: String::new(),
                due_at: now,
                expires_at: Some(session.starts_at),
            };
            jobs::upsert(&mut *conn, &community, Some(session_id), &notice, now).await?;
        }
    } else {
        let group = group_store::get(&mut *conn, session.group_id)
            .await?
            .ok_or_else(|| AppError::internal(&StoreError::Corrupt("session without group".into())))?;
        let offsets = parse_offsets(&group.reminder_offsets).map_err(|e| AppError::internal(&e))?;
        let planned = plan_scheduled(
            &group,
            &offsets,
            session_id,
            session.starts_at,
            session.ends_at,
            now,
        );
        for job in &planned {
            jobs::upsert(&mut *conn, &community, Some(session_id), job, now).await?;
        }
        for stale in jobs::pending_for_session(&mut *conn, session_id).await? {
            let still_wanted = planned.iter().any(|p| p.dedupe_key == stale.dedupe_key);
            if stale.kind == JobKind::Reminder && !still_wanted {
                jobs::skip(&mut *conn, stale.id, "The group's reminder times changed.", now).await?;
            }
        }
    }
    if redraw {
        redraw_card(conn, &community, session_id, session.ends_at, now).await?;
    }
    Ok(())
}

/// Queues the jobs of sessions just inserted for `group`, as (id, session): what
/// [`sync_session_jobs`] would do for each, in one write. A new session has no
/// pending jobs of its own yet (a removed one's were skipped with it), so there is
/// nothing stale to skip and no posted card to redraw.
pub(crate) async fn queue_new_session_jobs(
    conn: &mut SqliteConnection,
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
            plan_scheduled(group, &offsets, *id, session.starts_at, session.ends_at, now)
                .into_iter()
                .map(|job| (Some(*id), job))
        })
        .collect();
    jobs::upsert_many(conn, &group.community_id, &planned, now).await?;
    Ok(())
}

/// The jobs a scheduled session should have: its channel reminders and its card.
fn plan_scheduled(
    group: &Group,
    offsets: &[Offset],
    session_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<PlannedJob> {
    let mut planned = plan_reminders(session_id, starts_at, group.zone, offsets, now);
    let lead = Duration::minutes(group.announce_lead_minutes);
    planned.extend(plan_card(session_id, starts_at, ends_at, lead, now));
    planned
}

/// Asks for a posted card to be redrawn from current data. Changes within a couple of
/// seconds of each other become one edit.
pub(crate) async fn redraw_card(
    conn: &mut SqliteConnection,
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
