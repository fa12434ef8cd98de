//! What difference the group makes, in members' own words, and care for those who
//! facilitate: the check-out question on an ended card, its window, the one-way marker
//! that lets a member count once without their answer being kept with their id, and a
//! facilitator's debrief after a session.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

/// How long after a session ends its check-out stays open.
pub const CHECKOUT_WINDOW: Duration = Duration::hours(24);

/// The longest a debrief note may be.
pub const NOTE_MAX: usize = 1_000;

/// "How are you leaving today?"
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leaving {
    Better,
    Same,
    NotSoGood,
}

impl Leaving {
    pub const ALL: [Leaving; 3] = [Leaving::Better, Leaving::Same, Leaving::NotSoGood];

    pub fn as_str(self) -> &'static str {
        match self {
            Leaving::Better => "better",
            Leaving::Same => "same",
            Leaving::NotSoGood => "not-so-good",
        }
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            Leaving::Better => "A bit better",
            Leaving::Same => "About the same",
            Leaving::NotSoGood => "Not so good",
        }
    }

    /// How a report's row names it.
    pub fn heading(self) -> &'static str {
        match self {
            Leaving::Better => "leaving a bit better",
            Leaving::Same => "leaving about the same",
            Leaving::NotSoGood => "leaving not so good",
        }
    }
}

impl FromStr for Leaving {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
            "better" | "a-bit-better" => Ok(Leaving::Better),
            "same" | "about-the-same" => Ok(Leaving::Same),
            "not-so-good" | "notsogood" => Ok(Leaving::NotSoGood),
            other => Err(format!(
                "\"{other}\" isn't one of the check-out answers: better, same or not-so-good."
            )),
        }
    }
}

impl fmt::Display for Leaving {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The action part of a check-out button's id (`checkout-better:12`).
pub fn checkout_button(leaving: Leaving) -> String {
    format!("checkout-{}", leaving.as_str())
}

/// Where a session's check-out stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutWindow {
    NotYet,
    Open,
    Closed,
}

pub fn checkout_window(ends_at: DateTime<Utc>, now: DateTime<Utc>) -> CheckoutWindow {
    if now < ends_at {
        CheckoutWindow::NotYet
    } else if now < ends_at + CHECKOUT_WINDOW {
        CheckoutWindow::Open
    } else {
        CheckoutWindow::Closed
    }
}

/// The one-way marker that a member answered a session's check-out: a keyed hash, so
/// the same member gives the same marker for that session, and without the
/// community's secret nobody can tell whose it is. It is kept apart from the answers.
pub fn checkout_marker(secret: &str, session_id: i64, user_id: &str) -> String {
    keyed_marker(secret, &[&session_id.to_string(), user_id])
}

/// A keyed one-way hash of `parts` (each after a zero byte) under a community's
/// secret, in hex: what every "already answered" marker is made of.
pub fn keyed_marker(secret: &str, parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    hash.update(secret.as_bytes());
    for part in parts {
        hash.update([0]);
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A facilitator's answer to "How did it go?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Debrief {
    Fine,
    Flag(String),
}

impl Debrief {
    pub fn answer(&self) -> &'static str {
        match self {
            Debrief::Fine => "fine",
            Debrief::Flag(_) => "flag",
        }
    }

    /// A flag with its note: something to say, at most [`NOTE_MAX`] characters.
    pub fn flag(note: &str) -> Result<Debrief, String> {
        let note = note.trim();
        if note.is_empty() {
            return Err(
                "Please say a few words about what to flag, so a coordinator knows what to look at.".into(),
            );
        }
        let length = note.chars().count();
        if length > NOTE_MAX {
            return Err(format!(
                "That note is {length} characters; a flag can be up to {NOTE_MAX}. Please shorten it, \
                 or say the rest to a coordinator directly."
            ));
        }
        Ok(Debrief::Flag(note.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_check_out_opens_at_the_end_and_closes_a_day_later() {
        let end = Utc.with_ymd_and_hms(2026, 3, 10, 20, 0, 0).unwrap();

        assert_eq!(
            checkout_window(end, end - Duration::minutes(1)),
            CheckoutWindow::NotYet
        );
        assert_eq!(checkout_window(end, end), CheckoutWindow::Open);
        assert_eq!(
            checkout_window(end, end + Duration::hours(24) - Duration::seconds(1)),
            CheckoutWindow::Open
        );
        assert_eq!(
            checkout_window(end, end + Duration::hours(24)),
            CheckoutWindow::Closed
        );
    }

    #[test]
    fn a_marker_is_the_same_for_one_member_and_session_and_differs_otherwise() {
        let one = checkout_marker("secret", 7, "123");

        assert_eq!(one, checkout_marker("secret", 7, "123"));
        assert_ne!(one, checkout_marker("secret", 8, "123"));
        assert_ne!(one, checkout_marker("secret", 7, "124"));
        assert_ne!(one, checkout_marker("other", 7, "123"));
        assert!(!one.contains("123"));
        assert_eq!(one.len(), 64);
    }

    #[test]
    fn answers_round_trip_and_unknown_words_are_refused() {
        for leaving in Leaving::ALL {
            assert_eq!(leaving.as_str().parse::<Leaving>(), Ok(leaving));
        }
        assert_eq!("not so good".parse::<Leaving>(), Ok(Leaving::NotSoGood));
        assert!("great".parse::<Leaving>().is_err());
    }

    #[test]
    fn a_flag_needs_words_and_at_most_a_thousand_characters() {
        assert!(Debrief::flag("  ").is_err());
        assert_eq!(
            Debrief::flag(&"a".repeat(1_000)),
            Ok(Debrief::Flag("a".repeat(1_000)))
        );
        let long = Debrief::flag(&"a".repeat(1_001)).unwrap_err();
        assert!(long.contains("1001 characters"), "{long}");
    }
}
