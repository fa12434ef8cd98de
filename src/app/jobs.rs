//! Keeping a session's jobs in step with the session, inside the same transaction
//! that changed it: materialising creates its reminders, a move re-times them, a
//! cancellation skips them and queues the one cancellation notice.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use crate::domain::job::{cancellation_key, plan_reminders, JobKind, PlannedJob};
use crate::domain::reminder::parse_offsets;
use crate::domain::session::SessionStatus;
use crate::store::{groups as group_store, jobs, sessions};

use super::AppError;

/// Brings the jobs of one session in line with it.
pub(crate) async fn sync_session_jobs(
    conn: &mut SqliteConnection,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(session) = sessions::get(&mut *conn, session_id).await? else {
        jobs::skip_pending_for_session(
            &mut *conn,
            session_id,
            "The session no longer exists.",
            now,
        )
        .await?;
        return Ok(());
    };
    if session.status == SessionStatus::Cancelled {
        jobs::skip_pending_for_session(&mut *conn, session_id, "The session was cancelled.", now)
            .await?;
        if session.starts_at > now && !session.group_archived {
            let notice = PlannedJob {
                kind: JobKind::Cancellation,
                dedupe_key: cancellation_key(session_id),
                target: None,
                payload: String::new(),
                due_at: now,
                expires_at: Some(session.starts_at),
            };
            jobs::upsert(
                &mut *conn,
                &session.community_id,
                Some(session_id),
                &notice,
                now,
            )
            .await?;
        }
        return Ok(());
    }
    let group = group_store::get(&mut *conn, session.group_id)
        .await?
        .ok_or_else(|| {
            AppError::internal(&crate::store::StoreError::Corrupt(
                "session without group".into(),
            ))
        })?;
    let offsets = parse_offsets(&group.reminder_offsets).map_err(|e| AppError::internal(&e))?;
    let planned = plan_reminders(session_id, session.starts_at, group.zone, &offsets, now);
    for job in &planned {
        jobs::upsert(
            &mut *conn,
            &session.community_id,
            Some(session_id),
            job,
            now,
        )
        .await?;
    }
    for stale in jobs::pending_for_session(&mut *conn, session_id).await? {
        let still_wanted = planned.iter().any(|p| p.dedupe_key == stale.dedupe_key);
        if stale.kind == JobKind::Reminder && !still_wanted {
            jobs::skip(
                &mut *conn,
                stale.id,
                "The group's reminder times changed.",
                now,
            )
            .await?;
        }
    }
    Ok(())
}
