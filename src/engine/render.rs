//! What a job posts, rendered when it is sent — from current data, so a moved
//! session's reminder shows the new time and a card shows the latest answers.
//! Channel posts show at most what the group's privacy allows: names only in a
//! `public` group, numbers in a `headcount` one, nothing in a `private` one — and
//! never an @mention.

use chrono::{DateTime, Utc};

use crate::chat::{Button, MessageRef, Reply, Text, TimeStyle, Tone};
use crate::domain::dropin::Answers;
use crate::domain::group::{GroupKind, Privacy};
use crate::domain::job::{reminder_key, JobKind, JobState};
use crate::domain::outcome::{checkout_button, checkout_window, CheckoutWindow, Leaving};
use crate::domain::reminder::Offset;
use crate::domain::rsvp::RsvpState;
use crate::domain::session::SessionStatus;
use crate::store::jobs::Job;
use crate::store::sessions::SessionDetail;
use crate::store::{jobs, rsvps, sessions, Conn, StoreError};

/// Where a job goes and what it says — or why it no longer should.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Post {
        channel: String,
        reply: Reply,
    },
    Edit {
        at: MessageRef,
        reply: Reply,
    },
    Dm {
        user: String,
        reply: Reply,
    },
    /// A post that opens a public thread on itself, named `name`.
    Thread {
        channel: String,
        reply: Reply,
        name: String,
    },
    /// A community's scheduled events to create, change or remove, in order; `more`
    /// when the run leaves some for the next (see [`super::events`]).
    Events {
        community: String,
        ops: Vec<crate::domain::event::EventOp>,
        more: bool,
    },
    Skip(String),
}

impl Rendered {
    /// Where Discord counts the request against its per-channel limit: the channel
    /// posted or edited in, or the member's DM channel. `None` for a skip, and for an
    /// event sync, which is paced in its own lane (the server's events route).
    pub fn lane(&self) -> Option<String> {
        match self {
            Rendered::Post { channel, .. } | Rendered::Thread { channel, .. } => Some(channel.clone()),
            Rendered::Edit { at, .. } => Some(at.channel.clone()),
            Rendered::Dm { user, .. } => Some(crate::chat::dm_lane(user)),
            Rendered::Events { .. } | Rendered::Skip(_) => None,
        }
    }
}

pub async fn render(conn: &mut Conn, job: &Job, now: DateTime<Utc>) -> Result<Rendered, StoreError> {
    match job.kind {
        JobKind::Prompt => return super::prompts::render_prompt(conn, job, now).await,
        JobKind::PromptNote | JobKind::DmPromptApproved => return Ok(super::prompts::render_note(job)),
        JobKind::Alert => return Ok(super::alerts::render(job)),
        JobKind::DebriefFlag => return super::alerts::render_flag(conn, job).await,
        JobKind::Debriefs => return Ok(Rendered::Skip("A debrief fan-out posts nothing.".into())),
        JobKind::Retention => return Ok(Rendered::Skip("A retention run posts nothing.".into())),
        JobKind::Events => {
            return Ok(Rendered::Skip(
                "An event sync is planned by the dispatcher.".into(),
            ))
        }
        JobKind::Quarterly => return Ok(Rendered::Skip("A quarterly round posts nothing.".into())),
        JobKind::DmQuarterly => return Ok(super::quarterly::render_dm(job)),
        JobKind::DropinStatus | JobKind::DropinStatusEdit | JobKind::DropinLateAlert => {
            return super::dropin::render(conn, job, now).await
        }
        _ => {}
    }
    let Some(session_id) = job.session_id else {
        return Ok(Rendered::Skip("The job names no session.".into()));
    };
    let Some(session) = sessions::get(&mut *conn, session_id).await? else {
        return Ok(Rendered::Skip("The session no longer exists.".into()));
    };
    let cancelled = session.status == SessionStatus::Cancelled;
    // Archiving a group ends its sessions: their notices and card redraws still go.
    let says_it_is_off = matches!(
        job.kind,
        JobKind::Cancellation
            | JobKind::DmCancellation
            | JobKind::CardEdit
            | JobKind::GapAlertEdit
            | JobKind::OpenShiftEdit
    );
    // A session under way or just ended keeps its card: redrawn, it loses its buttons.
    let card_of_a_held_session = job.kind == JobKind::CardEdit && session.starts_at <= now;
    if session.group_archived && !(cancelled && says_it_is_off) && !card_of_a_held_session {
        return Ok(Rendered::Skip("The group was archived.".into()));
    }
    if !cancelled && matches!(job.kind, JobKind::Cancellation | JobKind::DmCancellation) {
        return Ok(Rendered::Skip("The session is going ahead after all.".into()));
    }
    match job.kind {
        JobKind::Cancellation => Ok(Rendered::Post {
            channel: session.channel.clone(),
            reply: cancellation(&session),
        }),
        JobKind::DmCancellation => match &job.target {
            Some(user) => Ok(Rendered::Dm {
                user: user.clone(),
                reply: cancellation(&session),
            }),
            None => Ok(Rendered::Skip("The job names no member.".into())),
        },
        JobKind::CardEdit => match sessions::card(&mut *conn, session_id).await? {
            Some((channel, message)) => {
                let reply = card(conn, &session, now).await?;
                Ok(Rendered::Edit {
                    at: MessageRef { channel, message },
                    reply,
                })
            }
            None => Ok(Rendered::Skip(
                "The card isn't posted yet; it will show the latest when it is.".into(),
            )),
        },
        // A cancelled session's open shifts and gap alerts say so, and lose their Take.
        JobKind::GapAlertEdit | JobKind::OpenShiftEdit => super::rota::render(conn, job, &session, now).await,
        JobKind::Prompt
        | JobKind::PromptNote
        | JobKind::DmPromptApproved
        | JobKind::Alert
        | JobKind::Retention
        | JobKind::DebriefFlag
        | JobKind::Debriefs
        | JobKind::Events
        | JobKind::Quarterly
        | JobKind::DmQuarterly
        | JobKind::DropinStatus
        | JobKind::DropinStatusEdit
        | JobKind::DropinLateAlert => Ok(Rendered::Skip("These jobs are rendered above.".into())),
        _ if cancelled => Ok(Rendered::Skip("The session was cancelled.".into())),
        JobKind::DutyNotice
        | JobKind::OpenShift
        | JobKind::OpenShiftDm
        | JobKind::GapAlert
        | JobKind::GapAlertDm
        | JobKind::RotaNote
        | JobKind::SwapApproval => super::rota::render(conn, job, &session, now).await,
        JobKind::DmDebrief => match &job.target {
            Some(user) => Ok(Rendered::Dm {
                user: user.clone(),
                reply: debrief_question(&session),
            }),
            None => Ok(Rendered::Skip("The job names no facilitator.".into())),
        },
        JobKind::Card => Ok(Rendered::Post {
            channel: session.channel.clone(),
            reply: card(conn, &session, now).await?,
        }),
        JobKind::Reminder => {
            let reply = channel_reminder(&session);
            Ok(Rendered::Post {
                channel: session.channel.clone(),
                reply,
            })
        }
        JobKind::Notice => {
            let covered = match Offset::parse(&job.payload) {
                Ok(offset) => jobs::get_by_key(&mut *conn, &reminder_key(session_id, offset)).await?,
                Err(_) => None,
            };
            if covered.is_some_and(|reminder| reminder.state == JobState::Sent) {
                return Ok(Rendered::Skip(
                    "The channel reminder had already gone out.".into(),
                ));
            }
            let reply = channel_reminder(&session);
            Ok(Rendered::Post {
                channel: session.channel.clone(),
                reply,
            })
        }
        JobKind::DmReminder | JobKind::DmPromotion => {
            let Some(user) = job.target.clone() else {
                return Ok(Rendered::Skip("The job names no member.".into()));
            };
            let going = rsvps::get(&mut *conn, session_id, &user)
                .await?
                .is_some_and(|r| r.state == RsvpState::Going);
            if !going {
                return Ok(Rendered::Skip("The member is no longer going.".into()));
            }
            let reply = if job.kind == JobKind::DmPromotion {
                promotion(&session)
            } else {
                personal_reminder(&session)
            };
            Ok(Rendered::Dm { user, reply })
        }
    }
}

fn when_line(session: &SessionDetail) -> Text {
    if session.kind == GroupKind::DropIn {
        // A drop-in is a window to come in any time during, not a start to be on time for.
        return Text::new()
            .plain("Drop in any time ")
            .time(session.starts_at, session.zone, TimeStyle::Full)
            .plain("–")
            .time(session.ends_at, session.zone, TimeStyle::ClockTime)
            .plain(" · ")
            .time(session.starts_at, session.zone, TimeStyle::Relative);
    }
    let minutes = (session.ends_at - session.starts_at).num_minutes();
    Text::new()
        .time(session.starts_at, session.zone, TimeStyle::Full)
        .plain(" (")
        .time(session.starts_at, session.zone, TimeStyle::Relative)
        .plain(format!(") · {minutes} min"))
}

/// A session's card: when, where, who (as the group's privacy allows), and the
/// buttons that fit the moment — answers before it starts, "I'm here" during it.
pub async fn card(conn: &mut Conn, session: &SessionDetail, now: DateTime<Utc>) -> Result<Reply, StoreError> {
    let (privacy, capacity) = (session.privacy, session.capacity);
    let mut reply = Reply::public(Tone::Info, session.group_name.clone()).line(when_line(session));
    if let Some(location) = &session.location {
        reply = reply.line(format!("Where: {location}"));
    }
    match session.status {
        SessionStatus::Cancelled => {
            let reason = session
                .note
                .as_deref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default();
            let off = if session.ended {
                "This session won't happen."
            } else {
                "This session is cancelled."
            };
            return Ok(reply
                .line(format!("{off}{reason}"))
                .line(format!("Session #{}", session.id)));
        }
        SessionStatus::Moved => {
            reply = reply.line(format!(
                "{} — the time above is the new one.",
                session.note.as_deref().unwrap_or("Moved")
            ));
        }
        SessionStatus::Scheduled => {}
    }
    let answers = Answers::of(session.kind, session.dropin_answers);
    let counts = rsvps::counts(&mut *conn, session.id).await?;
    match (answers, privacy) {
        // No answers to count: a drop-in asks nobody to say they're coming.
        (Answers::None, _) => {}
        (Answers::MightCome, Privacy::Headcount | Privacy::Public) => {
            reply = reply.line(format!("{} might come", counts.maybe));
        }
        (_, Privacy::Private) => {
            reply = reply.line("Replies are private: only facilitators see who is coming.")
        }
        (Answers::Meeting, Privacy::Headcount | Privacy::Public) => {
            let mut numbers = format!("{} going", counts.going);
            if counts.waitlisted > 0 {
                numbers.push_str(&format!(" · {} on the waitlist", counts.waitlisted));
            }
            if let Some(capacity) = capacity {
                numbers.push_str(&format!(
                    " · {} of {capacity} places left",
                    capacity.saturating_sub(counts.going)
                ));
            }
            reply = reply.line(numbers);
        }
    }
    if privacy == Privacy::Public && answers == Answers::Meeting {
        let names: Vec<String> = rsvps::list(&mut *conn, session.id)
            .await?
            .into_iter()
            .filter(|r| r.state == RsvpState::Going)
            .map(|r| r.display_name)
            .collect();
        if !names.is_empty() {
            reply = reply.line(format!("Going: {}", names.join(", ")));
        }
    }
    // Facilitators' names are the only names a headcount group's card carries, and
    // only when every one of them chose to be named.
    if let Some(line) = super::rota::facilitating_line(conn, session.id).await? {
        reply = reply.line(line);
    }
    // After it ends, a gentle question for those who were there, open for a day.
    let checking_out = session.checkout
        && !session.group_archived
        && checkout_window(session.ends_at, now) == CheckoutWindow::Open;
    if checking_out {
        reply = reply.line(
            "If you were here: how are you leaving today? Only you see your answer, and it's kept without your name.",
        );
    }
    reply = reply.line(format!("Session #{}", session.id));
    let id = session.id;
    let button = |action: &str, label: &str, primary: bool| Button {
        id: format!("{action}:{id}"),
        label: label.into(),
        primary,
    };
    if session.group_archived {
        // A closed group's card takes no more clicks.
    } else if now < session.starts_at {
        reply.buttons = match answers {
            Answers::Meeting => vec![
                button("rsvp-going", "Going", true),
                button("rsvp-maybe", "Maybe", false),
                button("rsvp-cant", "Can't make it", false),
            ],
            Answers::MightCome => vec![button("rsvp-maybe", "I might come", true)],
            Answers::None => Vec::new(),
        };
    } else if now < session.ends_at {
        reply.buttons = vec![button("here", "I'm here", true)];
    } else if checking_out {
        reply.buttons = Leaving::ALL
            .iter()
            .map(|leaving| button(&checkout_button(*leaving), leaving.label(), false))
            .collect();
    }
    Ok(reply)
}

/// "How did it go?", by DM to a facilitator after a session.
fn debrief_question(session: &SessionDetail) -> Reply {
    let id = session.id;
    let mut reply = Reply::private(Tone::Info, format!("How did it go? {}", session.group_name))
        .line(
            Text::new()
                .plain("Thank you for facilitating the session of ")
                .time(session.starts_at, session.zone, TimeStyle::Full)
                .plain("."),
        )
        .line("If anything is on your mind, Something to flag sends a note to the coordinators only.")
        .line(format!("Session #{id}"));
    reply.buttons = vec![
        Button {
            id: format!("debrief-fine:{id}"),
            label: "All fine".into(),
            primary: true,
        },
        Button {
            id: format!("debrief-flag:{id}"),
            label: "Something to flag".into(),
            primary: false,
        },
    ];
    reply
}

fn channel_reminder(session: &SessionDetail) -> Reply {
    let privacy = session.privacy;
    let mut reply =
        Reply::public(Tone::Info, format!("Reminder: {}", session.group_name)).line(when_line(session));
    if let Some(location) = &session.location {
        reply = reply.line(format!("Where: {location}"));
    }
    if privacy != Privacy::Private {
        let going = session.going;
        if going > 0 {
            reply = reply.line(format!("{going} going"));
        }
    }
    reply.line(format!("Session #{}", session.id))
}

fn personal_reminder(session: &SessionDetail) -> Reply {
    let mut reply = Reply::private(Tone::Info, format!("Reminder: {}", session.group_name)).line(
        Text::new()
            .plain("You said you're going. ")
            .then(when_line(session)),
    );
    if let Some(location) = &session.location {
        reply = reply.line(format!("Where: {location}"));
    }
    reply.line("If you can't make it now, that's fine. /reminders dm off stops these messages.")
}

fn promotion(session: &SessionDetail) -> Reply {
    Reply::private(Tone::Done, format!("A place opened up: {}", session.group_name))
        .line(Text::new().plain("You're going now. ").then(when_line(session)))
        .line("If you can't make it after all, press Can't make it on the card so someone else can go.")
}

fn cancellation(session: &SessionDetail) -> Reply {
    let (title, after) = if session.group_archived {
        ("session won't happen", " won't happen: the group has closed.")
    } else if session.ended {
        (
            "session won't happen",
            " won't happen: there are no more sessions of this series after it.",
        )
    } else {
        (
            "session cancelled",
            " is cancelled. The group carries on as usual after that.",
        )
    };
    let mut reply = Reply::public(Tone::Info, format!("{}: {title}", session.group_name)).line(
        Text::new()
            .plain("The session on ")
            .time(session.starts_at, session.zone, TimeStyle::Full)
            .plain(after),
    );
    // An archived group's sessions say why in the line above.
    if let Some(reason) = session.note.as_ref().filter(|_| !session.group_archived) {
        reply = reply.line(format!("Reason: {reason}"));
    }
    reply
}
