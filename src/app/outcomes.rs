//! What difference the group makes, and care for those who facilitate: the check-out
//! buttons on an ended card ("How are you leaving today?"), answered privately and
//! kept without the member's id, and a facilitator's debrief after a session (All
//! fine / Something to flag), whose flag reaches coordinators in the alerts channel
//! only. `/click` in the console; buttons and a modal on Discord.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use crate::chat::{Reply, Tone};
use crate::domain::job::{debrief_flag_key, JobKind, PlannedJob};
use crate::domain::outcome::{checkout_marker, checkout_window, CheckoutWindow, Debrief, Leaving};
use crate::domain::session::SessionStatus;
use crate::store::{self, communities, jobs, outcomes, rsvps};

use super::input::SessionId;
use super::rsvp::community_session;
use super::support::support_lines;
use super::{record_audit, Actor, App, AppError, AppResult};

/// A check-out or debrief button, as clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeButton {
    Checkout(Leaving),
    /// A debrief's All fine.
    Fine,
    /// A debrief's Something to flag (on Discord it opens the note's modal first).
    Flag,
}

/// What the id of a debrief note's modal starts with, before its session.
pub const NOTE_MODAL_PREFIX: &str = "debrief-note:";

impl OutcomeButton {
    /// The console's `button:` word, or a button id's action (`checkout-better`).
    pub fn parse(word: &str) -> Option<OutcomeButton> {
        let word = word.trim().to_ascii_lowercase();
        if let Some(answer) = word.strip_prefix("checkout-") {
            return answer.parse().ok().map(OutcomeButton::Checkout);
        }
        match word.strip_prefix("debrief-").unwrap_or(&word) {
            "fine" | "all-fine" => Some(OutcomeButton::Fine),
            "flag" => Some(OutcomeButton::Flag),
            other => other.parse().ok().map(OutcomeButton::Checkout),
        }
    }

    /// Reads a button id (`checkout-better:12`, `debrief-flag:12`) into the button and
    /// its session, or `None` when it is not one of these.
    pub fn parse_id(id: &str) -> Option<(OutcomeButton, String)> {
        let (button, session) = id.split_once(':')?;
        if !(button.starts_with("checkout-") || button.starts_with("debrief-")) {
            return None;
        }
        Some((OutcomeButton::parse(button)?, session.to_string()))
    }
}

/// The session of a debrief note's modal (`debrief-note:12`).
pub fn parse_note_modal(id: &str) -> Option<&str> {
    id.strip_prefix(NOTE_MODAL_PREFIX)
}

/// A new secret for a community's check-out markers: 256 bits from the standard
/// library's randomly keyed hasher.
pub(crate) fn fresh_secret() -> String {
    (0u8..4)
        .map(|i| {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u8(i);
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

impl App {
    /// A click on a check-out or debrief button; `note` is a flag's note (the modal's
    /// text on Discord, `note:` in the console).
    pub async fn outcome_click(
        &self,
        actor: &Actor,
        session: SessionId,
        button: OutcomeButton,
        note: Option<&str>,
    ) -> AppResult {
        match button {
            OutcomeButton::Checkout(leaving) => self.check_out(actor, session.0, leaving).await,
            OutcomeButton::Fine => self.debrief(actor, session.0, None).await,
            OutcomeButton::Flag => match note {
                Some(note) => self.debrief(actor, session.0, Some(note)).await,
                None => Err(AppError::invalid(
                    "Something to flag needs a note: /click session:N button:flag note:\"what happened\".",
                )),
            },
        }
    }

    /// "How are you leaving today?": one answer per member who was there, kept without
    /// their id, while the check-out is open.
    async fn check_out(&self, actor: &Actor, session_id: i64, leaving: Leaving) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let session = community_session(&mut tx, actor, session_id).await?;
        if !session.checkout {
            return Err(AppError::invalid(format!(
                "{} doesn't ask how members are leaving.",
                session.group_name
            )));
        }
        if session.status == SessionStatus::Cancelled {
            return Err(AppError::invalid(format!(
                "Session #{session_id} didn't go ahead, so there's nothing to check out of."
            )));
        }
        match checkout_window(session.ends_at, now) {
            CheckoutWindow::NotYet => {
                return Err(AppError::invalid(format!(
                    "The check-out for session #{session_id} opens when it ends. Enjoy the session!"
                )))
            }
            CheckoutWindow::Closed => {
                return Err(AppError::invalid(format!(
                    "The check-out for session #{session_id} closed a day after it ended. Thank you all the same."
                )))
            }
            CheckoutWindow::Open => {}
        }
        let present = rsvps::get(&mut *tx, session_id, &actor.user_id)
            .await?
            .is_some_and(|r| r.attended);
        if !present {
            return Err(AppError::invalid(format!(
                "The check-out is for those who checked in or were marked present at session #{session_id}. \
                 If you were there, a facilitator can still mark you with /attendance mark."
            )));
        }
        let secret = outcomes::secret(&mut tx, &actor.community_id, &fresh_secret()).await?;
        let marker = checkout_marker(&secret, session_id, &actor.user_id);
        let counted = outcomes::check_out(&mut tx, session_id, &marker, leaving, now).await?;
        if !counted {
            return Ok(
                Reply::private(Tone::Info, "Thank you, already noted").line(format!(
                    "Your answer for session #{session_id} is already noted; it counts once."
                )),
            );
        }
        let mut reply = Reply::private(Tone::Done, format!("Thank you · {}", session.group_name))
            .line("Your answer is noted, without your name.");
        if leaving == Leaving::NotSoGood {
            reply = reply
                .line(
                    "Thank you for saying so. Some days are like that, and the group is here next time too.",
                )
                .line("If you'd like some support now, here is where to find it:")
                .lines(support_lines(&mut tx, &actor.community_id).await?);
        }
        self.commit(tx).await?;
        Ok(reply)
    }

    /// A facilitator's debrief: All fine, or a flag whose note goes to coordinators.
    async fn debrief(&self, actor: &Actor, session_id: i64, note: Option<&str>) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let session = community_session(&mut tx, actor, session_id).await?;
        let on_it = outcomes::facilitators(&mut *tx, session_id)
            .await?
            .contains(&actor.user_id);
        if !on_it {
            return Err(AppError::invalid(format!(
                "You weren't facilitating session #{session_id}, so there's no debrief to give for it."
            )));
        }
        if now < session.ends_at {
            return Err(AppError::invalid(format!(
                "The debrief for session #{session_id} opens when it ends."
            )));
        }
        let debrief = match note {
            None => Debrief::Fine,
            Some(note) => Debrief::flag(note).map_err(AppError::Invalid)?,
        };
        let earlier = outcomes::debrief(&mut *tx, session_id, &actor.user_id).await?;
        // A flag after "all fine" is still heard; anything else is already noted.
        if earlier.as_deref() == Some("flag") || (earlier.is_some() && debrief == Debrief::Fine) {
            return Ok(Reply::private(Tone::Info, "Thank you, already noted").line(format!(
                "Your debrief for session #{session_id} is noted. If there's more to say, a coordinator is glad to hear it."
            )));
        }
        let debrief_id =
            outcomes::record_debrief(&mut *tx, session_id, &actor.user_id, &debrief, now).await?;
        record_audit(
            &mut tx,
            actor,
            "debrief",
            format!("session:{session_id}"),
            Some(debrief.answer().to_string()),
            now,
        )
        .await?;
        let reply = match debrief {
            Debrief::Fine => {
                Reply::private(Tone::Done, "Thank you").line("Glad it went well. Thank you for facilitating.")
            }
            Debrief::Flag(_) => {
                outcomes::count_flag(&mut *tx, session_id).await?;
                let told = match communities::alerts_channel(&mut *tx, &actor.community_id).await? {
                    Some(channel) => {
                        let job = PlannedJob {
                            kind: JobKind::DebriefFlag,
                            dedupe_key: debrief_flag_key(debrief_id),
                            target: Some(channel),
                            payload: debrief_id.to_string(),
                            due_at: now,
                            expires_at: None,
                        };
                        jobs::upsert(&mut *tx, &actor.community_id, Some(session_id), &job, now).await?;
                        "Your note goes to the coordinators, in their alerts channel only."
                    }
                    None => {
                        "Your note is kept, but this community has no alerts channel yet, so please tell a \
                         coordinator directly too."
                    }
                };
                Reply::private(Tone::Done, "Thank you for flagging it")
                    .line(told)
                    .line("Thank you for facilitating. Looking after yourself matters too.")
            }
        };
        self.commit(tx).await?;
        Ok(reply)
    }
}
