//! What the rota's jobs say, rendered when sent from current data: a duty notice to a
//! facilitator who no longer holds the shift, an open shift already taken, or a gap
//! that has closed is not sent. Public posts name no one but facilitators who chose
//! to be named, and never @mention anyone.

use chrono::{DateTime, Duration, Utc};

use crate::chat::{Button, MessageRef, Reply, Text, TimeStyle, Tone};
use crate::domain::job::{JobKind, REDRAW_PREFIX};
use crate::domain::rota::{month_of, AssignmentState};
use crate::domain::session::SessionStatus;
use crate::store::jobs::Job;
use crate::store::rota::{self as rota_store, OfferState};
use crate::store::sessions::SessionDetail;
use crate::store::{groups, jobs, Conn, StoreError};

use super::render::Rendered;

/// The key of the job whose post a redraw edits. Read from the redraw's own key, not
/// its payload: re-arming a redraw while it is being sent uses the payload as a flag.
fn posted_key(job: &Job) -> &str {
    job.dedupe_key.strip_prefix(REDRAW_PREFIX).unwrap_or(&job.payload)
}

/// The buttons' ids: what a click sends back.
pub fn take_button(session_id: i64) -> Button {
    Button {
        id: format!("rota-take:{session_id}"),
        label: "Take shift".into(),
        primary: true,
    }
}

fn when(session: &SessionDetail) -> Text {
    Text::new()
        .time(session.starts_at, session.zone, TimeStyle::Full)
        .plain(" (")
        .time(session.starts_at, session.zone, TimeStyle::Relative)
        .plain(")")
}

/// "Facilitating: Ash, Bo", or "2 facilitators" when one of them chose not to be
/// named; `None` when nobody holds a place.
pub async fn facilitating_line(conn: &mut Conn, session_id: i64) -> Result<Option<String>, StoreError> {
    let holders = rota_store::holders(&mut *conn, session_id).await?;
    if holders.is_empty() {
        return Ok(None);
    }
    if holders.iter().all(|h| h.show_name) {
        let names: Vec<&str> = holders.iter().map(|h| h.name.as_str()).collect();
        return Ok(Some(format!("Facilitating: {}", names.join(", "))));
    }
    let n = holders.len();
    Ok(Some(format!("{n} facilitator{}", if n == 1 { "" } else { "s" })))
}

/// Whether a pool member could still take a place on the session as a DM goes out:
/// in the pool, not away then, under their monthly cap.
async fn could_take(
    conn: &mut Conn,
    session: &SessionDetail,
    user: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(member) = rota_store::pool_member(&mut *conn, session.group_id, user).await? else {
        return Ok(false);
    };
    let away = rota_store::away_for_group(&mut *conn, &session.community_id, session.group_id, now).await?;
    if away
        .iter()
        .any(|a| a.user_id == user && a.overlaps(session.starts_at, session.ends_at))
    {
        return Ok(false);
    }
    if let Some(cap) = member.monthly_cap {
        let month = month_of(session.starts_at, session.zone);
        let span = Duration::days(32);
        let held = rota_store::held_between(
            &mut *conn,
            session.group_id,
            session.starts_at - span,
            session.starts_at + span,
        )
        .await?
        .into_iter()
        .filter(|(u, at)| u == user && month_of(*at, session.zone) == month)
        .count();
        if held >= cap as usize {
            return Ok(false);
        }
    }
    Ok(true)
}

/// (places held, places needed) of a session.
async fn staffing(conn: &mut Conn, session: &SessionDetail) -> Result<(u32, u32), StoreError> {
    let needed = groups::get(&mut *conn, session.group_id)
        .await?
        .map_or(0, |g| g.facilitators_needed);
    let held = rota_store::holders(&mut *conn, session.id).await?.len() as u32;
    Ok((held, needed))
}

fn gap_reply(session: &SessionDetail, held: u32, needed: u32) -> Reply {
    let mut reply = Reply::public(Tone::Info, format!("Facilitator needed: {}", session.group_name))
        .line(when(session))
        .line(format!(
            "{held} of {needed} facilitators so far. Can you help? The first to press Take shift has it."
        ))
        .line(format!("Session #{}", session.id));
    reply.buttons = vec![take_button(session.id)];
    reply
}

/// Renders a rota job about `session` (already checked to exist and be active).
pub async fn render(
    conn: &mut Conn,
    job: &Job,
    session: &SessionDetail,
    now: DateTime<Utc>,
) -> Result<Rendered, StoreError> {
    if now >= session.starts_at && !matches!(job.kind, JobKind::GapAlertEdit | JobKind::OpenShiftEdit) {
        return Ok(Rendered::Skip("The session has started.".into()));
    }
    if session.status == SessionStatus::Cancelled {
        // Only redraws reach here for a cancelled session: of an open shift or gap alert.
        let posted = jobs::get_by_key(&mut *conn, posted_key(job)).await?;
        let Some((channel, message)) = posted.and_then(|p| p.delivered_channel.zip(p.delivered_message))
        else {
            return Ok(Rendered::Skip("It was never posted.".into()));
        };
        let reply = Reply::public(Tone::Info, format!("No longer needed: {}", session.group_name))
            .line(when(session))
            .line("This session is cancelled, so this shift is no longer needed.")
            .line(format!("Session #{}", session.id));
        return Ok(Rendered::Edit {
            at: MessageRef { channel, message },
            reply,
        });
    }
    match job.kind {
        JobKind::DutyNotice => {
            let Some(user) = job.target.clone() else {
                return Ok(Rendered::Skip("The job names no facilitator.".into()));
            };
            let mine = rota_store::assignments(&mut *conn, session.id)
                .await?
                .into_iter()
                .find(|a| a.user_id == user && a.state.holds());
            let Some(mine) = mine else {
                return Ok(Rendered::Skip("They no longer hold this shift.".into()));
            };
            let mut reply = Reply::private(Tone::Info, format!("Your shift: {}", session.group_name)).line(
                Text::new()
                    .plain("You're facilitating ")
                    .then(when(session))
                    .plain("."),
            );
            if let Some(line) = facilitating_line(conn, session.id).await? {
                reply = reply.line(line);
            }
            let id = session.id;
            if mine.state == AssignmentState::Confirmed {
                reply = reply.line("You've confirmed: thank you. If that changes, press Can't do it.");
                reply.buttons = vec![decline_button(id)];
            } else {
                reply = reply.line(
                    "Can you still do it? Confirm, or press Can't do it and the shift goes to the pool.",
                );
                reply.buttons = vec![
                    Button {
                        id: format!("rota-confirm:{id}"),
                        label: "Confirm".into(),
                        primary: true,
                    },
                    decline_button(id),
                ];
            }
            Ok(Rendered::Dm { user, reply })
        }
        JobKind::OpenShift | JobKind::OpenShiftDm => {
            let offer_id = job
                .payload
                .split(':')
                .next()
                .and_then(|id| id.parse::<i64>().ok());
            let offer = match offer_id {
                Some(id) => rota_store::offer(&mut *conn, id).await?,
                None => None,
            };
            if offer.is_none_or(|o| o.state != OfferState::Open) {
                return Ok(Rendered::Skip("The shift was taken or withdrawn.".into()));
            }
            let reminder = job.payload.contains(":3d") || job.payload.contains(":1d");
            let title = if reminder {
                format!("Still open: a shift at {}", session.group_name)
            } else {
                format!("Open shift: {}", session.group_name)
            };
            let mut reply = Reply::public(Tone::Info, title)
                .line(when(session))
                .line("A facilitator can't make this one. Can you take it? The first to press Take shift has it.")
                .line(format!("Session #{}", session.id));
            reply.buttons = vec![take_button(session.id)];
            match (job.kind, job.target.clone()) {
                (JobKind::OpenShift, Some(channel)) => Ok(Rendered::Post { channel, reply }),
                (JobKind::OpenShiftDm, Some(user)) => {
                    let holds = rota_store::holders(&mut *conn, session.id)
                        .await?
                        .iter()
                        .any(|h| h.user_id == user);
                    if holds {
                        return Ok(Rendered::Skip("They already hold a place on it.".into()));
                    }
                    if !could_take(conn, session, &user, now).await? {
                        return Ok(Rendered::Skip(
                            "They are away then, or at their monthly cap.".into(),
                        ));
                    }
                    reply.visibility = crate::chat::Visibility::Private;
                    Ok(Rendered::Dm { user, reply })
                }
                _ => Ok(Rendered::Skip("The job names nowhere to send it.".into())),
            }
        }
        JobKind::GapAlert => {
            let (held, needed) = staffing(conn, session).await?;
            if held >= needed {
                return Ok(Rendered::Skip(
                    "The session has the facilitators it needs.".into(),
                ));
            }
            let reply = gap_reply(session, held, needed);
            match job.target.clone() {
                Some(channel) => Ok(Rendered::Post { channel, reply }),
                None => super::alerts::post(conn, &session.community_id, reply).await,
            }
        }
        JobKind::GapAlertDm => {
            let Some(user) = job.target.clone() else {
                return Ok(Rendered::Skip("The job names no one.".into()));
            };
            let (held, needed) = staffing(conn, session).await?;
            if held >= needed {
                return Ok(Rendered::Skip(
                    "The session has the facilitators it needs.".into(),
                ));
            }
            let on_it = rota_store::assignments(&mut *conn, session.id)
                .await?
                .iter()
                .any(|a| a.user_id == user);
            if on_it {
                return Ok(Rendered::Skip(
                    "They are on it already, or said they can't.".into(),
                ));
            }
            if !could_take(conn, session, &user, now).await? {
                return Ok(Rendered::Skip(
                    "They are away then, or at their monthly cap.".into(),
                ));
            }
            let mut reply = gap_reply(session, held, needed);
            reply.visibility = crate::chat::Visibility::Private;
            Ok(Rendered::Dm { user, reply })
        }
        JobKind::GapAlertEdit => {
            let alert = jobs::get_by_key(&mut *conn, posted_key(job)).await?;
            let Some((channel, message)) = alert.and_then(|a| a.delivered_channel.zip(a.delivered_message))
            else {
                return Ok(Rendered::Skip("The gap alert was never posted.".into()));
            };
            let (held, needed) = staffing(conn, session).await?;
            let reply = if held >= needed && now < session.starts_at {
                Reply::public(Tone::Done, format!("Gap closed: {}", session.group_name))
                    .line(when(session))
                    .line("This session has the facilitators it needs now. Thank you.")
                    .line(format!("Session #{}", session.id))
            } else if now >= session.starts_at {
                Reply::public(Tone::Info, format!("Facilitator needed: {}", session.group_name))
                    .line(when(session))
                    .line("This session has started.")
                    .line(format!("Session #{}", session.id))
            } else {
                gap_reply(session, held, needed)
            };
            Ok(Rendered::Edit {
                at: MessageRef { channel, message },
                reply,
            })
        }
        JobKind::OpenShiftEdit => {
            let posted = jobs::get_by_key(&mut *conn, posted_key(job)).await?;
            let Some((channel, message)) = posted.and_then(|p| p.delivered_channel.zip(p.delivered_message))
            else {
                return Ok(Rendered::Skip("The open shift was never posted.".into()));
            };
            let reply = Reply::public(Tone::Done, format!("Shift taken: {}", session.group_name))
                .line(when(session))
                .line("Someone has taken this shift. Thank you.")
                .line(format!("Session #{}", session.id));
            Ok(Rendered::Edit {
                at: MessageRef { channel, message },
                reply,
            })
        }
        JobKind::RotaNote => {
            let Some(user) = job.target.clone() else {
                return Ok(Rendered::Skip("The job names no one.".into()));
            };
            let reply = Reply::private(Tone::Info, format!("Rota: {}", session.group_name))
                .line(when(session))
                .line(job.payload.clone());
            Ok(Rendered::Dm { user, reply })
        }
        JobKind::SwapApproval => {
            let offer_id = job.payload.parse::<i64>().ok();
            let offer = match offer_id {
                Some(id) => rota_store::offer(&mut *conn, id).await?,
                None => None,
            };
            if offer.is_none_or(|o| o.state != OfferState::AwaitingApproval) {
                return Ok(Rendered::Skip("The take is no longer waiting.".into()));
            }
            let mut reply = Reply::public(
                Tone::Info,
                format!("Swap waiting for approval: {}", session.group_name),
            )
            .line(when(session))
            .line("A facilitator has offered to take this shift. A coordinator can approve it here.")
            .line(format!("Session #{}", session.id));
            reply.buttons = vec![Button {
                id: format!("rota-approve:{}", session.id),
                label: "Approve".into(),
                primary: true,
            }];
            super::alerts::post(conn, &session.community_id, reply).await
        }
        other => Ok(Rendered::Skip(format!("{other} is not a rota job."))),
    }
}

fn decline_button(session_id: i64) -> Button {
    Button {
        id: format!("rota-decline:{session_id}"),
        label: "Can't do it".into(),
        primary: false,
    }
}
