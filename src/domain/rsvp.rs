//! RSVPs: who is coming, fairly, without pressure.
//!
//! Places go first-come: the order in which hearth accepts clicks (each in its own
//! write transaction, one at a time). Past capacity a "Going" joins the waitlist; when a
//! place frees, the first on the waitlist is promoted. "Maybe" and "Can't make it" never
//! count against anyone: no strikes, no no-show tallies.

use std::fmt;
use std::str::FromStr;

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
}
