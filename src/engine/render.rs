//! What a job posts, rendered when it is sent — from current data, so a moved
//! session's reminder shows the new time. Channel posts show at most a headcount,
//! never names, and never @mention anyone.

use sqlx::SqliteConnection;

use crate::chat::{Reply, Text, TimeStyle, Tone, Visibility};
use crate::domain::group::Privacy;
use crate::domain::job::{reminder_key, JobKind, JobState};
use crate::domain::reminder::Offset;
use crate::domain::session::SessionStatus;
use crate::store::jobs::Job;
use crate::store::sessions::SessionDetail;
use crate::store::{groups, jobs, members, sessions, StoreError};

/// Where a job goes and what it says — or why it no longer should.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Post { channel: String, reply: Reply },
    Dm { user: String, reply: Reply },
    Skip(String),
}

pub async fn render(conn: &mut SqliteConnection, job: &Job) -> Result<Rendered, StoreError> {
    let Some(session_id) = job.session_id else {
        return Ok(Rendered::Skip("The job names no session.".into()));
    };
    let Some(session) = sessions::get(&mut *conn, session_id).await? else {
        return Ok(Rendered::Skip("The session no longer exists.".into()));
    };
    if session.group_archived {
        return Ok(Rendered::Skip("The group was archived.".into()));
    }
    match job.kind {
        JobKind::Cancellation => Ok(Rendered::Post {
            channel: session.channel.clone(),
            reply: cancellation(&session),
        }),
        _ if session.status == SessionStatus::Cancelled => {
            Ok(Rendered::Skip("The session was cancelled.".into()))
        }
        JobKind::Reminder => {
            let reply = channel_reminder(conn, &session).await?;
            Ok(Rendered::Post {
                channel: session.channel.clone(),
                reply,
            })
        }
        JobKind::Notice => {
            let covered = match Offset::parse(&job.payload) {
                Ok(offset) => {
                    jobs::get_by_key(&mut *conn, &reminder_key(session_id, offset)).await?
                }
                Err(_) => None,
            };
            if covered.is_some_and(|reminder| reminder.state == JobState::Sent) {
                return Ok(Rendered::Skip(
                    "The channel reminder had already gone out.".into(),
                ));
            }
            let reply = channel_reminder(conn, &session).await?;
            Ok(Rendered::Post {
                channel: session.channel.clone(),
                reply,
            })
        }
        JobKind::DmReminder => {
            let Some(user) = job.target.clone() else {
                return Ok(Rendered::Skip("The job names no member.".into()));
            };
            let state = members::rsvp_state(&mut *conn, session_id, &user).await?;
            if state.as_deref() != Some("going") {
                return Ok(Rendered::Skip("The member is no longer going.".into()));
            }
            Ok(Rendered::Dm {
                user,
                reply: personal_reminder(&session),
            })
        }
    }
}

fn when_line(session: &SessionDetail) -> Text {
    let minutes = (session.ends_at - session.starts_at).num_minutes();
    Text::new()
        .time(session.starts_at, session.zone, TimeStyle::Full)
        .plain(" (")
        .time(session.starts_at, session.zone, TimeStyle::Relative)
        .plain(format!(") · {minutes} min"))
}

async fn channel_reminder(
    conn: &mut SqliteConnection,
    session: &SessionDetail,
) -> Result<Reply, StoreError> {
    let privacy = groups::get(&mut *conn, session.group_id)
        .await?
        .map_or(Privacy::Private, |g| g.privacy);
    let mut reply = Reply {
        visibility: Visibility::Public,
        tone: Tone::Info,
        title: Some(format!("Reminder: {}", session.group_name)),
        lines: vec![when_line(session)],
    };
    if let Some(location) = &session.location {
        reply = reply.line(format!("Where: {location}"));
    }
    if privacy != Privacy::Private {
        let going = members::going_count(&mut *conn, session.id).await?;
        if going > 0 {
            reply = reply.line(format!("{going} going"));
        }
    }
    Ok(reply.line(format!("Session #{}", session.id)))
}

fn personal_reminder(session: &SessionDetail) -> Reply {
    let mut reply = Reply {
        visibility: Visibility::Private,
        tone: Tone::Info,
        title: Some(format!("Reminder: {}", session.group_name)),
        lines: vec![Text::new()
            .plain("You said you're going. ")
            .then(when_line(session))],
    };
    if let Some(location) = &session.location {
        reply = reply.line(format!("Where: {location}"));
    }
    reply.line("If you can't make it now, that's fine. /reminders dm off stops these messages.")
}

fn cancellation(session: &SessionDetail) -> Reply {
    let mut reply = Reply {
        visibility: Visibility::Public,
        tone: Tone::Info,
        title: Some(format!("{}: session cancelled", session.group_name)),
        lines: vec![Text::new()
            .plain("The session on ")
            .time(session.starts_at, session.zone, TimeStyle::Full)
            .plain(" is cancelled. The group carries on as usual after that.")],
    };
    if let Some(reason) = &session.note {
        reply = reply.line(format!("Reason: {reason}"));
    }
    reply
}
