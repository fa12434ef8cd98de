//! A community's quarterly round: at the quarter's end, "what has this group meant to
//! you?" is planned as a DM to each member who came to a session in the quarter and
//! asked for DMs, a job each so each arrives exactly once; the round's closing time is
//! recorded, and the next quarter's round planned. It posts nothing, and runs whole in
//! one transaction of its own, like the retention run.

use chrono::{DateTime, Utc};

use crate::domain::job::{plan_quarterly, quarterly_dm_key, JobKind, PlannedJob, QUARTERLY_DM_EXPIRY};
use crate::domain::quarterly::{share_button, Quarter, ANSWER_WINDOW};
use crate::store::jobs::{self, Job};
use crate::store::{self, communities, quarterly, Conn, StoreError};

/// Runs a due round: plans its DMs (unless the community turned the question off),
/// plans the next round, marks the job done.
pub async fn run(conn: &mut Conn, job: &Job, now: DateTime<Utc>) -> Result<(), StoreError> {
    let community_id = job.community_id.as_str();
    let mut tx = store::begin_write_on(conn).await?;
    let on = communities::get(&mut *tx, community_id)
        .await?
        .is_some_and(|c| c.quarterly);
    let quarter: Option<Quarter> = job.payload.parse().ok();
    let Some(quarter) = quarter.filter(|_| on) else {
        let reason = if on {
            "The round names no quarter."
        } else {
            "The community turned the quarterly question off."
        };
        jobs::skip(&mut *tx, job.id, reason, now).await?;
        tx.commit().await?;
        return Ok(());
    };
    let name = quarter.to_string();
    let members =
        quarterly::attendees_wanting_dms(&mut *tx, community_id, quarter.starts_at(), quarter.ends_at())
            .await?;
    quarterly::record_round(&mut *tx, community_id, &name, now, now + ANSWER_WINDOW).await?;
    for user in members {
        let dm = PlannedJob {
            kind: JobKind::DmQuarterly,
            dedupe_key: quarterly_dm_key(community_id, &name, &user),
            target: Some(user),
            payload: name.clone(),
            due_at: now,
            expires_at: Some(now + QUARTERLY_DM_EXPIRY),
        };
        jobs::upsert(&mut *tx, community_id, None, &dm, now).await?;
    }
    jobs::upsert(
        &mut *tx,
        community_id,
        None,
        &plan_quarterly(community_id, now),
        now,
    )
    .await?;
    jobs::mark_sent(&mut *tx, job.id, "quarterly", "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// A member's quarterly DM: the question, and the button that opens its form.
pub fn render_dm(job: &Job) -> crate::engine::render::Rendered {
    use crate::chat::{Button, Reply, Tone};
    use crate::engine::render::Rendered;
    let (Some(user), Ok(quarter)) = (&job.target, job.payload.parse::<Quarter>()) else {
        return Rendered::Skip("The job names no member or quarter.".into());
    };
    let mut reply = Reply::private(Tone::Info, "What has the group meant to you?")
        .line(format!(
            "Thank you for coming along from {}. If you'd like to, three short questions \
             (yes, a little or no) and a box for your own words help the group show what difference it makes.",
            quarter.months()
        ))
        .line(
            "It's optional, and it's kept without your name: nobody, coordinators included, can tell \
             which answers are yours. Your own words are seen by coordinators only, and never posted.",
        )
        .line(format!(
            "Answers are welcome for {} days.",
            ANSWER_WINDOW.num_days()
        ));
    reply.buttons = vec![Button {
        id: share_button(&job.community_id, quarter),
        label: "Share how it's been".into(),
        primary: true,
    }];
    Rendered::Dm {
        user: user.clone(),
        reply,
    }
}
