//! RSVPs: who is coming, fairly, without pressure.
//!
//! Places go first-come: the order in which hearth accepts clicks (each in its own
//! write transaction, one at a time). Past capacity a "Going" joins the waitlist; when a
//! place frees, the first on the waitlist is promoted. "Maybe" and "Can't make it" never
//! count against anyone: no strikes, no no-show tallies.
//!
//! An answer is decided here whole, on a [`SessionAnswers`] the store loaded in one
//! read: [`decide_answer`] returns the member's new answer, who is promoted, the
//! renumbered waitlist, the card redraw and the DMs, as [`Changes`] the store writes in
//! one go. No database is needed to test a rule.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use super::job::{plan_card_edit, promotion_key, JobKind, PlannedJob};
use super::session::SessionStatus;

/// Why an RSVP was refused; `Display` is the sentence the member sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RsvpError(pub String);

/// A member's answer for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RsvpState {
    Going,
    Maybe,
    NotGoing,
    /// Wanted to go, but the session was full; holds a place in the queue.
    Waitlisted,
}

impl RsvpState {
    pub fn as_str(self) -> &'static str {
        match self {
            RsvpState::Going => "going",
            RsvpState::Maybe => "maybe",
            RsvpState::NotGoing => "not-going",
            RsvpState::Waitlisted => "waitlisted",
        }
    }

    /// How a member chooses it (a button or `state:`); waitlisted is never chosen.
    pub fn parse_choice(input: &str) -> Result<RsvpState, RsvpError> {
        match input
            .trim()
            .to_ascii_lowercase()
            .replace(['’', '\''], "")
            .as_str()
        {
            "going" | "yes" => Ok(RsvpState::Going),
            "maybe" => Ok(RsvpState::Maybe),
            "not-going" | "cant" | "cant-make-it" | "no" | "not going" => Ok(RsvpState::NotGoing),
            other => Err(RsvpError(format!(
                "\"{other}\" isn't an answer I know. Choose going, maybe or cant (can't make it)."
            ))),
        }
    }

    /// Whether this answer wants a place.
    pub fn wants_place(self) -> bool {
        matches!(self, RsvpState::Going | RsvpState::Waitlisted)
    }
}

impl FromStr for RsvpState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "going" => Ok(RsvpState::Going),
            "maybe" => Ok(RsvpState::Maybe),
            "not-going" => Ok(RsvpState::NotGoing),
            "waitlisted" => Ok(RsvpState::Waitlisted),
            other => Err(format!("unknown RSVP state {other:?}")),
        }
    }
}

impl fmt::Display for RsvpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a "Going" lands: a place if one is free, else the waitlist.
pub fn place_for(going_now: u32, capacity: Option<u32>) -> RsvpState {
    match capacity {
        Some(capacity) if going_now >= capacity => RsvpState::Waitlisted,
        _ => RsvpState::Going,
    }
}

/// How many waitlisted people can be promoted now.
pub fn free_places(going_now: u32, capacity: Option<u32>, waitlisted: u32) -> u32 {
    match capacity {
        Some(capacity) => capacity.saturating_sub(going_now).min(waitlisted),
        None => waitlisted,
    }
}

/// What the person is told after answering.
pub fn answer_sentence(state: RsvpState, waitlist_position: Option<u32>) -> String {
    match state {
        RsvpState::Going => "You're going.".to_string(),
        RsvpState::Maybe => "Marked as maybe — that's fine, come if you can.".to_string(),
        RsvpState::NotGoing => "Thanks for letting us know. You'll be welcome next time.".to_string(),
        RsvpState::Waitlisted => format!(
            "The session is full, so you're on the waitlist (number {}). If a place opens up, it's yours and I'll tell you.",
            waitlist_position.unwrap_or(1)
        ),
    }
}

/// What the RSVP rules need to know about a session itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub id: i64,
    pub group_name: String,
    pub group_archived: bool,
    pub status: SessionStatus,
    /// Why it was cancelled, if it was.
    pub note: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Places; `None` is no limit.
    pub capacity: Option<u32>,
}

/// Refuses answers for a session that no longer takes them (archived or cancelled);
/// the sentence says why.
pub fn taking_answers(session: &SessionFacts) -> Result<(), RsvpError> {
    if session.group_archived {
        return Err(RsvpError(format!(
            "\"{}\" has been archived, so it isn't taking answers.",
            session.group_name
        )));
    }
    if session.status == SessionStatus::Cancelled {
        let reason = session
            .note
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Err(RsvpError(format!(
            "Session #{} is cancelled{reason}, so it isn't taking answers.",
            session.id
        )));
    }
    Ok(())
}

/// One member's stored answer for a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub user_id: String,
    pub display_name: String,
    pub state: RsvpState,
    /// The order places are given in: first come, first served. Kept while the member
    /// holds a place or a queue number, and through a later maybe or can't.
    pub seq: i64,
    /// 1-based, while waitlisted.
    pub waitlist_position: Option<u32>,
    /// Whether the member asked for DMs: a promotion is told by DM only then. A
    /// preference, not part of the stored answer.
    pub wants_dms: bool,
}

impl Answer {
    /// Whether the stored row would differ (the DM preference is not stored with it).
    fn same_row(&self, other: &Answer) -> bool {
        self.user_id == other.user_id
            && self.display_name == other.display_name
            && self.state == other.state
            && self.seq == other.seq
            && self.waitlist_position == other.waitlist_position
    }
}

/// Who is answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member<'a> {
    pub user_id: &'a str,
    /// The name they answer under (shown to facilitators, and on public cards).
    pub name: &'a str,
    pub wants_dms: bool,
}

/// A session's answers, as much of them as a decision can change: the aggregate an
/// answer is decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAnswers {
    pub session: SessionFacts,
    /// Whether its card is up in the channel: then every change redraws it.
    pub card_posted: bool,
    /// Places taken.
    pub going: u32,
    /// The highest place order given so far (0: none yet).
    pub last_seq: i64,
    /// The whole waitlist, and the answers of the members being decided for. Other
    /// answers only count (in `going`): no decision changes them.
    pub answers: Vec<Answer>,
}

impl SessionAnswers {
    pub fn answer(&self, user_id: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.user_id == user_id)
    }

    /// Takes in changes already decided, so the next decision (another regular of
    /// the series, say) is made on the session as it now stands.
    pub fn apply(&mut self, changes: &Changes) {
        for new in &changes.answers {
            let was_going = match self.answers.iter_mut().find(|a| a.user_id == new.user_id) {
                Some(old) => {
                    let was_going = old.state == RsvpState::Going;
                    *old = new.clone();
                    was_going
                }
                None => {
                    self.answers.push(new.clone());
                    false
                }
            };
            let is_going = new.state == RsvpState::Going;
            if was_going && !is_going {
                self.going = self.going.saturating_sub(1);
            } else if is_going && !was_going {
                self.going += 1;
            }
            self.last_seq = self.last_seq.max(new.seq);
        }
    }
}

/// Settings the answer rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsvpRules {
    /// Answers close this long before the session starts (zero: at its start).
    pub close_before: Duration,
}

/// The whole outcome of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The member's answer after it: `Waitlisted` when a "going" found no place.
    pub state: RsvpState,
    pub waitlist_position: Option<u32>,
    /// What the member is told.
    pub told: String,
    /// What to write; empty when the answer changes nothing.
    pub changes: Changes,
}

/// What a decision changes, for the store to write in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The new value of every answer that changed: the member's, those promoted,
    /// those whose waitlist number moved.
    pub answers: Vec<Answer>,
    /// Members given a place from the waitlist, in queue order.
    pub promoted: Vec<String>,
    /// "A place opened up" DMs, for those promoted who asked for DMs.
    pub promotion_dms: Vec<PlannedJob>,
    /// The (re-armable) redraw of the card, when it is up and an answer changed.
    pub card_edit: Option<PlannedJob>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty() && self.promotion_dms.is_empty() && self.card_edit.is_none()
    }

    /// Adds changes decided after these: a later value of an answer replaces an
    /// earlier one.
    pub fn merge(&mut self, later: Changes) {
        for new in later.answers {
            match self.answers.iter_mut().find(|a| a.user_id == new.user_id) {
                Some(old) => *old = new,
                None => self.answers.push(new),
            }
        }
        self.promoted.extend(later.promoted);
        for dm in later.promotion_dms {
            if !self.promotion_dms.iter().any(|d| d.dedupe_key == dm.dedupe_key) {
                self.promotion_dms.push(dm);
            }
        }
        if later.card_edit.is_some() {
            self.card_edit = later.card_edit;
        }
    }
}

/// A member's answer to an open session (a card button, `/rsvp`): refused when the
/// session is archived, cancelled or has closed for answers, else [`settle_answer`].
pub fn decide_answer(
    answers: &SessionAnswers,
    member: Member<'_>,
    wanted: RsvpState,
    now: DateTime<Utc>,
    rules: RsvpRules,
) -> Result<Decision, RsvpError> {
    let session = &answers.session;
    taking_answers(session)?;
    if now >= session.starts_at - rules.close_before {
        return Err(RsvpError(format!(
            "Answers for session #{} closed when it started. If you're there, press I'm here on its card.",
            session.id
        )));
    }
    Ok(settle_answer(answers, member, wanted, now))
}

/// Records an answer, however the session stands (a regular's standing "going" for
/// each session of the series, as places allow). A "going" from someone who already
/// holds a place or a queue number keeps it; a new one takes the next place order, and
/// a place if one is free, else the end of the waitlist. "Maybe" and "can't" keep the
/// member's place order and free their place, if they held one.
pub fn settle_answer(
    answers: &SessionAnswers,
    member: Member<'_>,
    wanted: RsvpState,
    now: DateTime<Utc>,
) -> Decision {
    let held = answers.answer(member.user_id);
    let mine = match held {
        Some(held) if wanted.wants_place() && held.state.wants_place() => held.clone(),
        _ => {
            let (state, seq) = if wanted.wants_place() {
                (
                    place_for(answers.going, answers.session.capacity),
                    answers.last_seq + 1,
                )
            } else {
                (wanted, held.map_or(0, |h| h.seq))
            };
            Answer {
                user_id: member.user_id.to_string(),
                display_name: member.name.to_string(),
                state,
                seq,
                waitlist_position: None,
                wants_dms: member.wants_dms,
            }
        }
    };
    let (changes, mine) = settle(answers, Some(mine), now);
    let (state, waitlist_position) = mine.map_or((wanted, None), |m| (m.state, m.waitlist_position));
    Decision {
        state,
        waitlist_position,
        told: answer_sentence(state, waitlist_position),
        changes,
    }
}

/// Gives free places to the front of the waitlist and renumbers the rest (after the
/// group's capacity grew, say).
pub fn fill_places(answers: &SessionAnswers, now: DateTime<Utc>) -> Changes {
    settle(answers, None, now).0
}

/// The session after `mine` (a member's new answer, if any) replaces what they held:
/// free places go to the first in line, in place order; the queue is numbered 1, 2, …
/// Returns what changed, and `mine` as it ends up (it may be promoted too).
fn settle(answers: &SessionAnswers, mine: Option<Answer>, now: DateTime<Utc>) -> (Changes, Option<Answer>) {
    let session = &answers.session;
    let me = mine.as_ref().map(|m| m.user_id.as_str());
    let held = me.and_then(|id| answers.answer(id));
    let mut going = answers.going;
    if held.is_some_and(|h| h.state == RsvpState::Going) {
        going = going.saturating_sub(1);
    }
    if mine.as_ref().is_some_and(|m| m.state == RsvpState::Going) {
        going += 1;
    }

    let mut queue: Vec<&Answer> = answers
        .answers
        .iter()
        .filter(|a| a.state == RsvpState::Waitlisted && Some(a.user_id.as_str()) != me)
        .collect();
    if let Some(mine) = mine.as_ref().filter(|m| m.state == RsvpState::Waitlisted) {
        queue.push(mine);
    }
    queue.sort_by(|a, b| (a.seq, &a.user_id).cmp(&(b.seq, &b.user_id)));
    let waiting = u32::try_from(queue.len()).unwrap_or(u32::MAX);
    let free = usize::try_from(free_places(going, session.capacity, waiting)).unwrap_or(usize::MAX);

    let mut changes = Changes::default();
    let mut mine_now = mine.clone();
    for (i, queued) in queue.iter().enumerate() {
        let (state, position) = if i < free {
            (RsvpState::Going, None)
        } else {
            (
                RsvpState::Waitlisted,
                Some(u32::try_from(i - free + 1).unwrap_or(u32::MAX)),
            )
        };
        if i < free {
            changes.promoted.push(queued.user_id.clone());
            if queued.wants_dms {
                changes.promotion_dms.push(PlannedJob {
                    kind: JobKind::DmPromotion,
                    dedupe_key: promotion_key(session.id, &queued.user_id, queued.seq),
                    target: Some(queued.user_id.clone()),
                    payload: String::new(),
                    due_at: now,
                    expires_at: Some(session.starts_at),
                });
            }
        }
        if Some(queued.user_id.as_str()) == me {
            if let Some(mine) = mine_now.as_mut() {
                mine.state = state;
                mine.waitlist_position = position;
            }
        } else if queued.state != state || queued.waitlist_position != position {
            changes.answers.push(Answer {
                state,
                waitlist_position: position,
                ..(*queued).clone()
            });
        }
    }
    if let Some(mine) = &mine_now {
        if !held.is_some_and(|h| h.same_row(mine)) {
            changes.answers.insert(0, mine.clone());
        }
    }
    if answers.card_posted && !changes.answers.is_empty() {
        changes.card_edit = Some(plan_card_edit(session.id, session.ends_at, now));
    }
    (changes, mine_now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn going_past_capacity_joins_the_waitlist() {
        assert_eq!(place_for(9, Some(10)), RsvpState::Going);
        assert_eq!(place_for(10, Some(10)), RsvpState::Waitlisted);
        assert_eq!(place_for(500, None), RsvpState::Going);
    }

    #[test]
    fn freed_places_promote_no_more_than_are_waiting() {
        assert_eq!(free_places(7, Some(10), 5), 3);
        assert_eq!(free_places(7, Some(10), 1), 1);
        assert_eq!(free_places(10, Some(10), 4), 0);
        assert_eq!(free_places(3, None, 4), 4, "a capacity removed frees every place");
    }

    #[test]
    fn choices_read_kindly_and_waitlisted_is_never_chosen() {
        assert_eq!(RsvpState::parse_choice("Can't"), Ok(RsvpState::NotGoing));
        assert_eq!(RsvpState::parse_choice("going"), Ok(RsvpState::Going));
        assert!(RsvpState::parse_choice("waitlisted").is_err());
    }

    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 3, hour, 0, 0).unwrap()
    }

    fn now() -> DateTime<Utc> {
        at(9)
    }

    const RULES: RsvpRules = RsvpRules {
        close_before: Duration::zero(),
    };

    /// Session #7 at 18:00, with `capacity` places, its card up, and no answers yet.
    fn session(capacity: Option<u32>) -> SessionAnswers {
        SessionAnswers {
            session: SessionFacts {
                id: 7,
                group_name: "Circle".into(),
                group_archived: false,
                status: SessionStatus::Scheduled,
                note: None,
                starts_at: at(18),
                ends_at: at(19),
                capacity,
            },
            card_posted: true,
            going: 0,
            last_seq: 0,
            answers: Vec::new(),
        }
    }

    fn member(user: &str) -> Member<'_> {
        Member {
            user_id: user,
            name: user,
            wants_dms: false,
        }
    }

    /// Answers `wanted` for `user` and takes the decision in, as the store would.
    fn answer(session: &mut SessionAnswers, who: Member<'_>, wanted: RsvpState) -> Decision {
        let decision = decide_answer(session, who, wanted, now(), RULES).unwrap();
        session.apply(&decision.changes);
        decision
    }

    /// `capacity` members take every place, then `queued` say going, in that order.
    fn full_session(capacity: u32, queued: &[&str]) -> SessionAnswers {
        let mut s = session(Some(capacity));
        for i in 0..capacity {
            answer(&mut s, member(&format!("placed{i}")), RsvpState::Going);
        }
        for user in queued {
            answer(&mut s, member(user), RsvpState::Going);
        }
        s
    }

    fn state_of(session: &SessionAnswers, user: &str) -> (RsvpState, Option<u32>) {
        let a = session.answer(user).unwrap();
        (a.state, a.waitlist_position)
    }

    #[test]
    fn a_going_past_capacity_joins_the_end_of_the_waitlist() {
        let mut s = full_session(2, &["ana"]);

        let ben = answer(&mut s, member("ben"), RsvpState::Going);

        assert_eq!(
            (ben.state, ben.waitlist_position),
            (RsvpState::Waitlisted, Some(2))
        );
        assert!(ben.told.contains("waitlist (number 2)"), "{}", ben.told);
        assert_eq!(ben.changes.answers.len(), 1, "nobody else's number moves");
        assert!(ben.changes.promoted.is_empty());
        assert_eq!(s.going, 2, "never oversubscribed");
        assert_eq!(state_of(&s, "ana"), (RsvpState::Waitlisted, Some(1)));
    }

    #[test]
    fn without_a_capacity_everyone_who_says_going_has_a_place() {
        let mut s = session(None);
        for i in 0..50 {
            let d = answer(&mut s, member(&format!("m{i}")), RsvpState::Going);
            assert_eq!(d.state, RsvpState::Going);
        }
        assert_eq!(s.going, 50);
    }

    #[test]
    fn a_freed_place_goes_to_the_first_in_line_and_the_queue_moves_up() {
        let mut s = full_session(2, &["ana", "ben", "cy"]);

        let leaving = answer(&mut s, member("placed0"), RsvpState::NotGoing);

        assert_eq!(leaving.state, RsvpState::NotGoing);
        assert!(leaving.told.contains("Thanks for letting us know"));
        assert_eq!(leaving.changes.promoted, ["ana"]);
        assert_eq!(state_of(&s, "ana"), (RsvpState::Going, None));
        assert_eq!(state_of(&s, "ben"), (RsvpState::Waitlisted, Some(1)));
        assert_eq!(state_of(&s, "cy"), (RsvpState::Waitlisted, Some(2)));
        assert_eq!(s.going, 2);
        let written: Vec<&str> = leaving
            .changes
            .answers
            .iter()
            .map(|a| a.user_id.as_str())
            .collect();
        assert_eq!(
            written,
            ["placed0", "ana", "ben", "cy"],
            "the member's answer first"
        );
    }

    #[test]
    fn going_to_maybe_frees_a_place_too() {
        let mut s = full_session(1, &["ana"]);

        let maybe = answer(&mut s, member("placed0"), RsvpState::Maybe);

        assert_eq!(maybe.changes.promoted, ["ana"]);
        assert_eq!(state_of(&s, "placed0"), (RsvpState::Maybe, None));
    }

    #[test]
    fn maybe_and_cant_never_take_or_block_a_place() {
        let mut s = session(Some(1));
        answer(&mut s, member("ana"), RsvpState::Maybe);
        answer(&mut s, member("ben"), RsvpState::NotGoing);
        let maybe_to_cant = answer(&mut s, member("ana"), RsvpState::NotGoing);

        let cy = answer(&mut s, member("cy"), RsvpState::Going);

        assert_eq!(s.going, 1);
        assert_eq!(cy.state, RsvpState::Going);
        assert!(maybe_to_cant.changes.promoted.is_empty());
        assert_eq!(
            s.answer("ana").unwrap().seq,
            0,
            "a maybe never held a place order"
        );
    }

    #[test]
    fn promotions_are_told_by_dm_only_to_those_who_asked() {
        let mut s = full_session(2, &[]);
        answer(
            &mut s,
            Member {
                wants_dms: true,
                ..member("ana")
            },
            RsvpState::Going,
        );
        answer(&mut s, member("ben"), RsvpState::Going);

        let two_leave = {
            let mut both = answer(&mut s, member("placed0"), RsvpState::NotGoing).changes;
            both.merge(answer(&mut s, member("placed1"), RsvpState::NotGoing).changes);
            both
        };

        assert_eq!(two_leave.promoted, ["ana", "ben"]);
        let seq = s.answer("ana").unwrap().seq;
        assert_eq!(
            two_leave.promotion_dms,
            [PlannedJob {
                kind: JobKind::DmPromotion,
                dedupe_key: promotion_key(7, "ana", seq),
                target: Some("ana".into()),
                payload: String::new(),
                due_at: now(),
                expires_at: Some(at(18)),
            }]
        );
    }

    #[test]
    fn leaving_the_waitlist_moves_those_behind_up_and_no_one_ahead() {
        let mut s = full_session(1, &["ana", "ben", "cy"]);

        let d = answer(&mut s, member("ben"), RsvpState::NotGoing);

        assert!(d.changes.promoted.is_empty());
        assert_eq!(state_of(&s, "ana"), (RsvpState::Waitlisted, Some(1)));
        assert_eq!(state_of(&s, "ben"), (RsvpState::NotGoing, None));
        assert_eq!(state_of(&s, "cy"), (RsvpState::Waitlisted, Some(2)));
        let written: Vec<&str> = d.changes.answers.iter().map(|a| a.user_id.as_str()).collect();
        assert_eq!(written, ["ben", "cy"]);
    }

    #[test]
    fn an_unchanged_answer_changes_nothing_and_a_queue_number_is_kept() {
        let mut s = full_session(1, &["ana", "ben"]);
        answer(&mut s, member("cy"), RsvpState::Maybe);

        for (who, wanted) in [
            ("placed0", RsvpState::Going),
            ("ben", RsvpState::Going),
            ("cy", RsvpState::Maybe),
        ] {
            let again = answer(&mut s, member(who), wanted);
            assert!(again.changes.is_empty(), "{who}: {:?}", again.changes);
        }
        let ben = answer(&mut s, member("ben"), RsvpState::Going);
        assert_eq!(
            (ben.state, ben.waitlist_position),
            (RsvpState::Waitlisted, Some(2))
        );
        assert!(ben.told.contains("number 2"));
    }

    #[test]
    fn coming_back_after_cant_goes_to_the_back_of_the_line() {
        let mut s = full_session(1, &["ana", "ben"]);
        answer(&mut s, member("ana"), RsvpState::NotGoing);

        let back = answer(&mut s, member("ana"), RsvpState::Going);

        assert_eq!(
            (back.state, back.waitlist_position),
            (RsvpState::Waitlisted, Some(2))
        );
        assert_eq!(state_of(&s, "ben"), (RsvpState::Waitlisted, Some(1)));
    }

    #[test]
    fn a_cant_keeps_the_place_order_it_had() {
        let mut s = session(Some(5));
        answer(&mut s, member("ana"), RsvpState::Going);
        let seq = s.answer("ana").unwrap().seq;

        answer(&mut s, member("ana"), RsvpState::NotGoing);

        assert_eq!(s.answer("ana").unwrap().seq, seq);
        assert_eq!(s.going, 0);
    }

    #[test]
    fn the_card_is_redrawn_only_when_it_is_up_and_something_changed() {
        let mut s = session(Some(3));
        let first = answer(&mut s, member("ana"), RsvpState::Going);
        let again = answer(&mut s, member("ana"), RsvpState::Going);
        s.card_posted = false;
        let unposted = answer(&mut s, member("ben"), RsvpState::Going);

        assert_eq!(first.changes.card_edit, Some(plan_card_edit(7, at(19), now())));
        assert_eq!(again.changes.card_edit, None);
        assert_eq!(
            unposted.changes.card_edit, None,
            "posted later, it shows the latest"
        );
    }

    #[test]
    fn a_new_name_is_written_with_the_answer() {
        let mut s = session(None);
        answer(&mut s, member("ana"), RsvpState::Maybe);

        let renamed = answer(
            &mut s,
            Member {
                name: "Ana B",
                ..member("ana")
            },
            RsvpState::Maybe,
        );

        assert_eq!(renamed.changes.answers.len(), 1);
        assert_eq!(s.answer("ana").unwrap().display_name, "Ana B");
    }

    #[test]
    fn answers_are_refused_when_archived_cancelled_or_closed() {
        let mut archived = session(None);
        archived.session.group_archived = true;
        let mut cancelled = session(None);
        cancelled.session.status = SessionStatus::Cancelled;
        cancelled.session.note = Some("Holiday".into());
        let open = session(None);
        let late = RsvpRules {
            close_before: Duration::hours(9),
        };

        let refused = |s: &SessionAnswers, when, rules| {
            decide_answer(s, member("ana"), RsvpState::Going, when, rules)
                .unwrap_err()
                .to_string()
        };

        assert!(refused(&archived, now(), RULES).contains("\"Circle\" has been archived"));
        assert!(refused(&cancelled, now(), RULES).contains("#7 is cancelled (Holiday)"));
        assert!(refused(&open, at(18), RULES).contains("closed when it started"));
        assert!(
            refused(&open, now(), late).contains("closed"),
            "closes early by the rule"
        );
        assert!(decide_answer(&open, member("ana"), RsvpState::Maybe, now(), RULES).is_ok());
    }

    #[test]
    fn more_places_let_the_first_in_line_in_order() {
        let mut s = full_session(1, &["ana", "ben", "cy"]);
        s.session.capacity = Some(3);

        let filled = fill_places(&s, now());
        s.apply(&filled);

        assert_eq!(filled.promoted, ["ana", "ben"]);
        assert_eq!(state_of(&s, "cy"), (RsvpState::Waitlisted, Some(1)));
        assert_eq!(s.going, 3);
        assert_eq!(filled.card_edit, Some(plan_card_edit(7, at(19), now())));
        assert!(fill_places(&s, now()).is_empty(), "nothing more to do");
    }

    #[test]
    fn regulars_decided_one_after_another_take_places_in_their_order() {
        let mut s = session(Some(2));
        s.card_posted = false;
        let mut all = Changes::default();

        for user in ["ana", "ben", "cy"] {
            let d = settle_answer(&s, member(user), RsvpState::Going, now());
            s.apply(&d.changes);
            all.merge(d.changes);
        }

        let states: Vec<(&str, RsvpState, i64)> = all
            .answers
            .iter()
            .map(|a| (a.user_id.as_str(), a.state, a.seq))
            .collect();
        assert_eq!(
            states,
            [
                ("ana", RsvpState::Going, 1),
                ("ben", RsvpState::Going, 2),
                ("cy", RsvpState::Waitlisted, 3)
            ]
        );
    }
}
