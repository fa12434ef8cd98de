//! The daily retention run of a community: attendance and answers to sessions older
//! than its `retention_days`, who held their shifts, members' old DMs in the outbox,
//! and audit entries older than `audit_retention_days` are removed — the counts they
//! made kept (see [`crate::store::retention`]). The purge, the record of the run, the
//! next day's run and the job's own mark are one transaction, so a run happens once.

use chrono::{DateTime, Duration, Utc};

use crate::domain::alert::Alert;
use crate::domain::job::plan_retention;
use crate::report::cause_chain;
use crate::store::jobs::{self, Job};
use crate::store::retention::{self, Removal, Run};
use crate::store::{self, communities, outcomes, quarterly, Conn, StoreError};

/// What a run removes, at `now`, in the caller's transaction.
pub async fn purge(conn: &mut Conn, community_id: &str, now: DateTime<Utc>) -> Result<Run, StoreError> {
    let community = communities::get(&mut *conn, community_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("community {community_id:?} is gone")))?;
    let cutoff = now - Duration::days(community.retention_days);
    let answers = retention::remove_answers(conn, community_id, Removal::Before(cutoff)).await?;
    let shifts = retention::remove_old_shifts(conn, community_id, cutoff).await?;
    let messages = retention::remove_old_member_messages(conn, community_id, cutoff).await?;
    let audit_cutoff = now - Duration::days(community.audit_retention_days);
    let audit = retention::remove_old_audit(conn, community_id, audit_cutoff).await?;
    // Debriefs (a flag's note among them) go with the attendance of their time; the
    // markers of closed check-outs go at once, having done their work.
    let debriefs = retention::remove_old_debriefs(conn, community_id, cutoff).await?;
    outcomes::remove_closed_markers(conn, now).await?;
    // Members' own words from the quarterly question go like other text; the answers'
    // counts stay, and the markers go once the round has closed.
    let words = quarterly::remove_old_words(conn, community_id, cutoff).await?;
    quarterly::remove_closed_markers(conn, now).await?;
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Run {
        ran_at: now,
        answers: count(answers),
        shifts: count(shifts),
        messages: count(messages + debriefs + words),
        audit: count(audit),
        error: None,
    })
}

/// Runs a due retention job: purges, records the run, plans tomorrow's, marks the job
/// done. A failed purge removes nothing; it is recorded, alerted, and tried tomorrow.
pub async fn run(conn: &mut Conn, job: &Job, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let community_id = job.community_id.as_str();
    let next = plan_retention(community_id, now);
    let mut tx = store::begin_write_on(conn).await?;
    match purge(&mut tx, community_id, now).await {
        Ok(run) => {
            retention::record_run(&mut tx, community_id, &run).await?;
            jobs::upsert(&mut *tx, community_id, None, &next, now).await?;
            jobs::mark_sent(&mut *tx, job.id, "retention", "", now).await?;
            tx.commit().await?;
            tracing::info!(
                community = community_id,
                answers = run.answers,
                audit = run.audit,
                "retention run done"
            );
            Ok(true)
        }
        Err(error) => {
            tx.rollback().await?;
            let reference = format!("retention-{}", now.format("%Y%m%d"));
            tracing::error!(community = community_id, %reference, error = %cause_chain(&error), "the retention run failed");
            let mut tx = store::begin_write_on(conn).await?;
            let run = Run {
                ran_at: now,
                answers: 0,
                shifts: 0,
                messages: 0,
                audit: 0,
                error: Some(error.to_string()),
            };
            retention::record_run(&mut tx, community_id, &run).await?;
            let alert = Alert::RetentionFailed {
                reference: reference.clone(),
            };
            super::alerts::raise(&mut tx, community_id, &alert, &now.date_naive().to_string(), now).await?;
            jobs::upsert(&mut *tx, community_id, None, &next, now).await?;
            jobs::mark_failed(
                &mut *tx,
                job.id,
                &format!("The retention run failed ({reference})."),
                false,
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(false)
        }
    }
}
