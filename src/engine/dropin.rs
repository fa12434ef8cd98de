//! A drop-in's live status message, rendered from current data when each job is
//! sent: the one post, and each edit of it at an opening, a closing, a closed day's
//! midnight or a duty change. An edit shows the present, so doing one twice (after a
//! crash) shows nothing twice, and after downtime the unexpired one corrects it once.
//! Also the coordinators' alert when an opening is running late, sent only if, when it
//! is due, nobody is on the rota or on duty.

use chrono::{DateTime, Utc};

use crate::app::dropin::{status_now, status_text, StatusNow};
use crate::chat::{MessageRef, Reply, Text, TimeStyle, Tone};
use crate::domain::job::{dropin_status_key, JobKind};
use crate::store::groups::Group;
use crate::store::jobs::Job;
use crate::store::{groups, jobs, Conn, StoreError};

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
    let status = status_now(conn, &group, now).await?;
    if job.kind == JobKind::DropinLateAlert {
        return match late_alert(&group, &status) {
            Some(reply) => super::alerts::post(conn, &group.community_id, reply).await,
            None => Ok(Rendered::Skip(
                "Someone is on the rota or on duty, or the drop-in isn't open.".into(),
            )),
        };
    }
    let reply = Reply::public(Tone::Info, group.name.clone())
        .in_zone(group.zone)
        .line(status_text(&status, group.zone));
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

/// What coordinators hear when a drop-in opening is running late; `None` when it
/// isn't (someone came, or it closed).
fn late_alert(group: &Group, status: &StatusNow) -> Option<Reply> {
    let opening = status.opening.filter(|_| status.late)?;
    Some(
        Reply::public(Tone::Info, format!("Opening a little late: {}", group.name))
            .in_zone(group.zone)
            .line(
                Text::new()
                    .plain("It opened ")
                    .time(opening.opens_at, group.zone, TimeStyle::Full)
                    .plain(" (")
                    .time(opening.opens_at, group.zone, TimeStyle::Relative)
                    .plain(") with nobody on the rota and nobody checked in yet."),
            )
            .line(
                "Could someone go along, or let members know? A facilitator starts duty with /dropin here; \
                 the status says it is opening a little late until then.",
            ),
    )
}
