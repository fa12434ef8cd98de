//! A drop-in's live status message, rendered from current data when each job is
//! sent: the one post, and each edit of it at an opening, a closing, a closed day's
//! midnight or a duty change. An edit shows the present, so doing one twice (after a
//! crash) shows nothing twice, and after downtime the unexpired one corrects it once.

use chrono::{DateTime, Duration, Utc};

use crate::app::dropin::status_text;
use crate::chat::{MessageRef, Reply, Tone};
use crate::domain::dropin::{self, Hours};
use crate::domain::job::{dropin_status_key, JobKind};
use crate::store::jobs::Job;
use crate::store::{dropin as dropin_store, groups, jobs, Conn, StoreError};

use super::render::Rendered;

pub async fn render(conn: &mut Conn, job: &Job, now: DateTime<Utc>) -> Result<Rendered, StoreError> {
    let Ok(group_id) = job.payload.parse::<i64>() else {
        return Ok(Rendered::Skip("The job names no group.".into()));
    };
    let Some(group) = groups::get(&mut *conn, group_id).await? else {
        return Ok(Rendered::Skip("The group no longer exists.".into()));
    };
    if group.archived {
        return Ok(Rendered::Skip("The group was archived.".into()));
    }
    let windows = dropin_store::windows(&mut *conn, group.id).await?;
    let hours = Hours::from_stored(windows.into_iter().map(|w| w.window).collect());
    let yesterday = now.with_timezone(&group.zone).date_naive() - Duration::days(1);
    let closed = dropin_store::closed_days(&mut *conn, group.id, yesterday).await?;
    let on_duty = dropin_store::on_duty(&mut *conn, group.id, now).await?.len();
    let status = dropin::status(&hours, &closed, group.zone, now);
    let reply = Reply::public(Tone::Info, group.name.clone()).line(status_text(&status, group.zone, on_duty));
    if job.kind == JobKind::DropinStatus {
        return Ok(Rendered::Post {
            channel: group.channel.clone(),
            reply,
        });
    }
    let posted = jobs::get_by_key(&mut *conn, &dropin_status_key(group.id)).await?;
    match posted.and_then(|p| p.delivered_channel.zip(p.delivered_message)) {
        Some((channel, message)) => Ok(Rendered::Edit {
            at: MessageRef { channel, message },
            reply,
        }),
        None => Ok(Rendered::Skip(
            "The status isn't posted yet; it will show the present when it is.".into(),
        )),
    }
}
