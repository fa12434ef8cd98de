//! Alerts for coordinators, in one place: the community's alerts channel
//! (`/setup alerts_channel:`). Gap alerts, swap approvals, notes about a group's
//! prompts and a drop-in opening late all ask here, so sending them somewhere else is
//! a change to this file alone. A delivery that failed for good (a deleted channel, a
//! member's closed DMs) or a retention run that failed becomes one job for that
//! channel, keyed so each is raised once; with no alerts channel set, nothing is raised
//! and `/status` still lists the failures.

use chrono::{DateTime, Utc};

use crate::chat::{DeliveryError, Reply, Text, Tone};
use crate::domain::alert::Alert;
use crate::domain::event::EventProblem;
use crate::domain::job::{JobKind, PlannedJob};
use crate::store::jobs::{self, Job};
use crate::store::{communities, outcomes, sessions, Conn, StoreError};

use super::render::Rendered;

/// Why a coordinator alert was not sent: there is nowhere to send it.
pub const NO_ALERTS_CHANNEL: &str = "The community has no alerts channel (/setup alerts_channel:).";

/// The channel coordinators' alerts go to, if the community set one. Read alone, so an
/// alert about a failure does not depend on the rest of the community's row.
pub async fn channel(conn: &mut Conn, community_id: &str) -> Result<Option<String>, StoreError> {
    communities::alerts_channel(&mut *conn, community_id).await
}

/// `reply` posted for the community's coordinators, or set aside (and shown in
/// `/status`) when there is nowhere to post it.
pub async fn post(conn: &mut Conn, community_id: &str, reply: Reply) -> Result<Rendered, StoreError> {
    Ok(match channel(conn, community_id).await? {
        Some(channel) => Rendered::Post { channel, reply },
        None => Rendered::Skip(NO_ALERTS_CHANNEL.into()),
    })
}

/// Plans `alert` for the community's alerts channel, once per its key.
pub async fn raise(
    conn: &mut Conn,
    community_id: &str,
    alert: &Alert,
    about: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(channel) = channel(conn, community_id).await? else {
        return Ok(());
    };
    let job = PlannedJob {
        kind: JobKind::Alert,
        dedupe_key: alert.key(community_id, about),
        target: Some(channel),
        payload: alert.to_payload(),
        due_at: now,
        expires_at: None,
    };
    jobs::upsert(&mut *conn, community_id, None, &job, now).await
}

/// Jobs that go to the alerts channel themselves: their failures are not alerted there.
fn goes_to_alerts(kind: JobKind) -> bool {
    matches!(
        kind,
        JobKind::Alert
            | JobKind::PromptNote
            | JobKind::GapAlert
            | JobKind::SwapApproval
            | JobKind::DropinLateAlert
            | JobKind::DebriefFlag
            // Its refusals raise their own alert (see `super::events`).
            | JobKind::Events
    )
}

/// What a job was, in words for coordinators (never a member's name).
fn what(job: &Job) -> String {
    let thing = match job.kind {
        JobKind::Reminder | JobKind::DmReminder | JobKind::Notice => "a reminder",
        JobKind::Cancellation | JobKind::DmCancellation => "a cancellation notice",
        JobKind::Card | JobKind::CardEdit => "a session card",
        JobKind::Prompt => "a check-in prompt",
        JobKind::DutyNotice => "a duty notice",
        JobKind::OpenShift | JobKind::OpenShiftDm | JobKind::OpenShiftEdit => "an open shift",
        JobKind::DmDebrief => "a facilitator's debrief",
        _ => "a message",
    };
    match job.session_id {
        Some(id) => format!("{thing} for session #{id}"),
        None => thing.to_string(),
    }
}

/// After a lasting failure: the alert it calls for, if any.
pub async fn after_failure(
    conn: &mut Conn,
    job: &Job,
    rendered: &Rendered,
    error: &DeliveryError,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if goes_to_alerts(job.kind) {
        return Ok(());
    }
    match (error, rendered) {
        (DeliveryError::ChannelGone, Rendered::Post { channel, .. } | Rendered::Thread { channel, .. }) => {
            let alert = Alert::ChannelGone {
                channel: channel.clone(),
                what: what(job),
            };
            raise(conn, &job.community_id, &alert, channel, now).await
        }
        (DeliveryError::ChannelGone, Rendered::Edit { at, .. }) => {
            let alert = Alert::ChannelGone {
                channel: at.channel.clone(),
                what: what(job),
            };
            raise(conn, &job.community_id, &alert, &at.channel, now).await
        }
        (DeliveryError::CannotDm, Rendered::Dm { user, .. }) => {
            let alert = Alert::DmsClosed { what: what(job) };
            raise(conn, &job.community_id, &alert, user, now).await
        }
        _ => Ok(()),
    }
}

/// A facilitator's flag after a session, with its note, for coordinators only: read
/// from the debrief when it is sent, so a note removed by retention is never posted.
pub async fn render_flag(conn: &mut Conn, job: &Job) -> Result<Rendered, StoreError> {
    let Ok(debrief_id) = job.payload.parse::<i64>() else {
        return Ok(Rendered::Skip("The flag names no debrief.".into()));
    };
    let Some((session_id, note)) = outcomes::flag_note(&mut *conn, debrief_id).await? else {
        return Ok(Rendered::Skip("The flag's note is no longer kept.".into()));
    };
    let group = sessions::get(&mut *conn, session_id)
        .await?
        .map(|s| s.group_name)
        .unwrap_or_else(|| "a group".into());
    let reply = Reply::public(Tone::Problem, format!("A facilitator flagged something: {group}"))
        .line(format!(
            "After session #{session_id}, a facilitator asked a coordinator to look at this:"
        ))
        .line(Text::new().plain(note))
        .line("Please get in touch with the session's facilitators (/rota show) to talk it through.");
    post(conn, &job.community_id, reply).await
}

/// An alert job as a post in the alerts channel.
pub fn render(job: &Job) -> Rendered {
    let (Some(channel), Some(alert)) = (job.target.clone(), Alert::from_payload(&job.payload)) else {
        return Rendered::Skip("The alert names no channel, or can't be read.".into());
    };
    let reply = match alert {
        Alert::ChannelGone { channel: gone, what } => Reply::public(Tone::Problem, "hearth can't post in a channel")
            .line(
                Text::new()
                    .plain("The channel ")
                    .channel(gone)
                    .plain(" was deleted, or hearth can no longer see it."),
            )
            .line(format!(
                "So {what} didn't arrive. /group edit channel: gives the group a new channel."
            )),
        Alert::DmsClosed { what } => Reply::public(Tone::Problem, "A member's direct messages are closed")
            .line(format!(
                "hearth couldn't send {what} by DM; where it could, the channel got a notice without names instead."
            ))
            .line("Nothing needs doing unless they ask: they can open their DMs, or use /reminders dm off."),
        Alert::RetentionFailed { reference } => Reply::public(Tone::Problem, "The retention run failed")
            .line("Today's run of removing old attendance and audit entries failed, so nothing was removed.")
            .line(format!(
                "It will try again tomorrow. /status shows the latest run; reference {reference}."
            )),
        Alert::EventsRefused { problem } => {
            let problem = EventProblem::parse(&problem).unwrap_or(EventProblem::Refused);
            Reply::public(Tone::Problem, "Sessions can't go in the server's Events")
                .line(problem.explain())
                .line("hearth tries again with the next change; /status shows whether it is still refused.")
        }
    };
    Rendered::Post { channel, reply }
}
