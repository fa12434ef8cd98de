//! The quarterly "what has this group meant to you?": an optional question, once a
//! quarter, to members who came to a session of the community in it and asked for DMs.
//! Three short questions answered yes / a little / no, and some words of their own if
//! they like. Kept unlinked from the member: a one-way marker (a keyed hash of the
//! quarter and the member) lets them answer once, and goes when the answers close.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// How long after the DM answers are taken.
pub const ANSWER_WINDOW: Duration = Duration::days(30);

/// The hour (UTC) on the first day of the next quarter the DMs go: a kind time of day
/// in most zones, not midnight.
pub const SEND_HOUR: u32 = 10;

/// The longest the words of one's own may be.
pub const WORDS_MAX: usize = 1_000;

/// A calendar quarter (UTC): `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u32,
}

impl Quarter {
    /// The quarter `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Quarter {
        Quarter {
            year: at.year(),
            number: at.month0() / 3 + 1,
        }
    }

    /// The quarter of a date.
    pub fn of_date(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            number: date.month0() / 3 + 1,
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.number - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The quarter after it.
    pub fn next(self) -> Quarter {
        if self.number >= 4 {
            Quarter {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    /// Its first instant (UTC).
    pub fn starts_at(self) -> DateTime<Utc> {
        self.first_day().and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// The first instant after it.
    pub fn ends_at(self) -> DateTime<Utc> {
        self.next().starts_at()
    }

    /// Its months in words: `January to March 2026`.
    pub fn months(self) -> String {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let first = ((self.number.clamp(1, 4) - 1) * 3) as usize;
        format!("{} to {} {}", NAMES[first], NAMES[first + 2], self.year)
    }

    /// When its question goes out: [`SEND_HOUR`] on the first day after it.
    pub fn send_at(self) -> DateTime<Utc> {
        self.ends_at() + Duration::hours(i64::from(SEND_HOUR))
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

impl FromStr for Quarter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let refused = || format!("\"{}\" isn't a quarter; please write it like 2026-Q4.", s.trim());
        let (year, number) = s.trim().split_once(['-', ' ']).ok_or_else(refused)?;
        let year: i32 = year.parse().map_err(|_| refused())?;
        let number: u32 = number
            .trim_start_matches(['Q', 'q'])
            .parse()
            .map_err(|_| refused())?;
        if !(1..=4).contains(&number) || !(2000..=9999).contains(&year) {
            return Err(refused());
        }
        Ok(Quarter { year, number })
    }
}

/// The quarter whose question is due next after `now`: the current one's (sent just
/// after it ends), or, between a quarter's end and its send hour, the one just ended.
pub fn next_round(now: DateTime<Utc>) -> Quarter {
    let current = Quarter::of(now);
    let previous = Quarter::of(current.starts_at() - Duration::seconds(1));
    if previous.send_at() > now {
        previous
    } else {
        current
    }
}

/// One of the three questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Question {
    Confident,
    InControl,
    Hopeful,
}

impl Question {
    pub const ALL: [Question; 3] = [Question::Confident, Question::InControl, Question::Hopeful];

    /// Its form field's id and the console's option name.
    pub fn key(self) -> &'static str {
        match self {
            Question::Confident => "confident",
            Question::InControl => "in_control",
            Question::Hopeful => "hopeful",
        }
    }

    /// The question as asked.
    pub fn asked(self) -> &'static str {
        match self {
            Question::Confident => "Do you feel more confident?",
            Question::InControl => "Do you feel more in control?",
            Question::Hopeful => "Do you feel more hopeful?",
        }
    }

    /// How a report names it.
    pub fn heading(self) -> &'static str {
        match self {
            Question::Confident => "more confident",
            Question::InControl => "more in control",
            Question::Hopeful => "more hopeful",
        }
    }
}

/// Yes, a little, or no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    Yes,
    ALittle,
    No,
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::Yes, Scale::ALittle, Scale::No];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Yes => "yes",
            Scale::ALittle => "a-little",
            Scale::No => "no",
        }
    }

    /// How a report shows it.
    pub fn label(self) -> &'static str {
        match self {
            Scale::Yes => "yes",
            Scale::ALittle => "a little",
            Scale::No => "no",
        }
    }
}

impl FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
            "yes" | "y" => Ok(Scale::Yes),
            "a-little" | "little" | "a-bit" | "bit" | "some" => Ok(Scale::ALittle),
            "no" | "n" | "not-really" => Ok(Scale::No),
            other => Err(format!(
                "\"{other}\" isn't one of the answers: yes, a little or no."
            )),
        }
    }
}

/// A member's answers, read from the form: each question answered or left blank,
/// and their words (at most [`WORDS_MAX`] characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub confident: Option<Scale>,
    pub in_control: Option<Scale>,
    pub hopeful: Option<Scale>,
    pub words: Option<String>,
}

impl Answers {
    /// Reads the form; a blank question is fine, but the form can't be all blank.
    pub fn parse(
        confident: Option<&str>,
        in_control: Option<&str>,
        hopeful: Option<&str>,
        words: Option<&str>,
    ) -> Result<Answers, String> {
        let scale = |question: Question, typed: Option<&str>| -> Result<Option<Scale>, String> {
            match typed.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(typed) => typed
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("For \"{}\", please answer yes, a little or no.", question.asked())),
            }
        };
        let words = words.map(str::trim).filter(|w| !w.is_empty());
        if let Some(words) = words {
            let length = words.chars().count();
            if length > WORDS_MAX {
                return Err(format!(
                    "Your words are {length} characters; the box holds up to {WORDS_MAX}. Please shorten them \
                     and send again. Nothing was kept yet."
                ));
            }
        }
        let answers = Answers {
            confident: scale(Question::Confident, confident)?,
            in_control: scale(Question::InControl, in_control)?,
            hopeful: scale(Question::Hopeful, hopeful)?,
            words: words.map(str::to_string),
        };
        if answers.confident.is_none()
            && answers.in_control.is_none()
            && answers.hopeful.is_none()
            && answers.words.is_none()
        {
            return Err(
                "The form came back empty. Any one answer is welcome; there's no need to answer them all."
                    .into(),
            );
        }
        Ok(answers)
    }

    pub fn of(&self, question: Question) -> Option<Scale> {
        match question {
            Question::Confident => self.confident,
            Question::InControl => self.in_control,
            Question::Hopeful => self.hopeful,
        }
    }
}

/// A quarter's answers, counted: per question, yes / a little / no.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarterCounts {
    pub quarter: String,
    /// How many answered at all.
    pub answers: i64,
    /// For each of [`Question::ALL`], the counts of [`Scale::ALL`].
    pub counts: [[i64; 3]; 3],
}

/// The one-way marker that a member answered a community's quarter: a keyed hash, the
/// same for the same member and quarter, telling nobody without the secret whose it is.
pub fn marker(secret: &str, quarter: Quarter, user_id: &str) -> String {
    super::outcome::keyed_marker(secret, &["quarterly", &quarter.to_string(), user_id])
}

/// What the id of the quarterly DM's button starts with, before its quarter and
/// community (`quarterly-share:2026-Q4:123`).
pub const SHARE_PREFIX: &str = "quarterly-share:";

/// What the id of the quarterly form starts with, before the same.
pub const FORM_PREFIX: &str = "quarterly-form:";

/// The id of the quarterly DM's button.
pub fn share_button(community_id: &str, quarter: Quarter) -> String {
    format!("{SHARE_PREFIX}{quarter}:{community_id}")
}

/// Reads the rest of a share button's or form's id into its quarter and community.
pub fn parse_ids(rest: &str) -> Option<(Quarter, String)> {
    let (quarter, community) = rest.split_once(':')?;
    Some((quarter.parse().ok()?, community.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn quarters_are_named_bounded_and_sent_the_morning_after() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let q = Quarter::of(at);

        assert_eq!(q.to_string(), "2026-Q4");
        assert_eq!(q.months(), "October to December 2026");
        assert_eq!(q.starts_at(), Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap());
        assert_eq!(q.send_at(), Utc.with_ymd_and_hms(2027, 1, 1, 10, 0, 0).unwrap());
        assert_eq!("2026-q4".parse::<Quarter>(), Ok(q));
        assert!("2026-Q5".parse::<Quarter>().is_err());
    }

    #[test]
    fn the_next_round_is_the_quarter_just_ended_until_its_send_hour() {
        let early = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        let later = Utc.with_ymd_and_hms(2027, 1, 1, 10, 0, 0).unwrap();

        assert_eq!(next_round(early).to_string(), "2026-Q4");
        assert_eq!(next_round(later).to_string(), "2027-Q1");
    }

    #[test]
    fn answers_may_be_partly_blank_but_not_wrong_or_too_long() {
        let some = Answers::parse(Some("Yes"), None, Some("a little"), None).unwrap();
        assert_eq!(
            (some.confident, some.in_control, some.hopeful),
            (Some(Scale::Yes), None, Some(Scale::ALittle))
        );
        assert!(Answers::parse(Some("maybe"), None, None, None).is_err());
        assert!(Answers::parse(None, None, None, Some("  ")).is_err());
        assert!(Answers::parse(None, None, None, Some(&"a".repeat(1_000))).is_ok());
        let long = Answers::parse(None, None, None, Some(&"a".repeat(1_001))).unwrap_err();
        assert!(long.contains("1001 characters"), "{long}");
    }

    #[test]
    fn a_marker_is_one_way_and_differs_by_quarter_and_member() {
        let q = Quarter {
            year: 2026,
            number: 4,
        };
        let one = marker("s", q, "123");

        assert_eq!(one, marker("s", q, "123"));
        assert_ne!(one, marker("s", q.next(), "123"));
        assert_ne!(one, marker("s", q, "124"));
        assert!(!one.contains("123"));
    }
}
