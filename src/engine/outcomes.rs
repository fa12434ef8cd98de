//! At a session's end, its debrief fan-out: each facilitator on it then gets their own
//! "How did it go?" DM, a job each so each arrives exactly once. It posts nothing, and
//! runs whole in one transaction of its own, like the retention run.

use chrono::{DateTime, Utc};

use crate::domain::job::{debrief_dm_key, JobKind, PlannedJob, DEBRIEF_EXPIRY};
use crate::domain::session::SessionStatus;
use crate::store::jobs::{self, Job};
use crate::store::{self, outcomes, sessions, Conn, StoreError};

/// Plans the debrief DMs of a due fan-out job and marks it done (or skipped, when the
/// session did not go ahead or its group turned debriefs off).
pub async fn fan_out_debriefs(conn: &mut Conn, job: &Job, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut tx = store::begin_write_on(conn).await?;
    let session = match job.session_id {
        Some(id) => sessions::get(&mut *tx, id).await?,
        None => None,
    };
    let Some(session) = session else {
        jobs::skip(&mut *tx, job.id, "The session no longer exists.", now).await?;
        tx.commit().await?;
        return Ok(());
    };
    if session.status == SessionStatus::Cancelled || session.group_archived {
        jobs::skip(&mut *tx, job.id, "The session didn't go ahead.", now).await?;
        tx.commit().await?;
        return Ok(());
    }
    if !outcomes::settings(&mut *tx, session.group_id).await?.debrief {
        jobs::skip(&mut *tx, job.id, "The group turned debriefs off.", now).await?;
        tx.commit().await?;
        return Ok(());
    }
    for user in outcomes::facilitators(&mut *tx, session.id).await? {
        let dm = PlannedJob {
            kind: JobKind::DmDebrief,
            dedupe_key: debrief_dm_key(session.id, &user),
            target: Some(user),
            payload: String::new(),
            due_at: now,
            expires_at: Some(session.ends_at + DEBRIEF_EXPIRY),
        };
        jobs::upsert(&mut *tx, &job.community_id, Some(session.id), &dm, now).await?;
    }
    jobs::mark_sent(&mut *tx, job.id, "debriefs", "", now).await?;
    tx.commit().await?;
    Ok(())
}
