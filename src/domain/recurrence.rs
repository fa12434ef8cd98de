//! Meeting series: how a group's sessions repeat, as an RFC 5545 RRULE, and which
//! sessions a series has in a window of time.
//!
//! A [`Recurrence`] is the first session's wall time in the group's zone plus a
//! normalised RRULE body. It is expanded in naive local wall time (the rrule crate runs
//! in UTC with the wall time written as if it were UTC), so the rule itself never sees
//! daylight saving: a weekly 18:30 meeting is at 18:30 every week. Only afterwards is
//! each wall time turned into an instant, by [`super::time::resolve_local`], the one DST
//! policy. The rule string is what the store keeps and what the ICS feed publishes.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use thiserror::Error;

use super::time::{resolve_local, Tz};

/// How a meeting repeats, as offered by `/meeting add repeat:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Repeat {
    /// A single session.
    #[default]
    Once,
    /// Every week (or every N weeks) on one or more days.
    Weekly,
    /// Every other week on one or more days.
    Fortnightly,
    /// On the Nth weekday of each month, N and the weekday taken from the start date.
    MonthlyWeekday,
    /// On the last given weekday of each month.
    MonthlyLastWeekday,
    /// On the same day number of each month.
    MonthlyDate,
}

impl Repeat {
    /// Every choice, in the order the command offers them.
    pub const ALL: [Repeat; 6] = [
        Repeat::Once,
        Repeat::Weekly,
        Repeat::Fortnightly,
        Repeat::MonthlyWeekday,
        Repeat::MonthlyLastWeekday,
        Repeat::MonthlyDate,
    ];

    /// The word people type for this choice, e.g. `monthly-weekday`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Repeat::Once => "once",
            Repeat::Weekly => "weekly",
            Repeat::Fortnightly => "fortnightly",
            Repeat::MonthlyWeekday => "monthly-weekday",
            Repeat::MonthlyLastWeekday => "monthly-last-weekday",
            Repeat::MonthlyDate => "monthly-date",
        }
    }
}

impl fmt::Display for Repeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Repeat {
    type Err = RecurrenceError;

    /// Case-insensitive; spaces and underscores count as hyphens (`Monthly weekday`).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let wanted = input.trim().to_lowercase().replace(['_', ' '], "-");
        Repeat::ALL
            .into_iter()
            .find(|repeat| repeat.as_str() == wanted)
            .ok_or_else(|| RecurrenceError::UnknownRepeat(input.trim().to_owned()))
    }
}

/// When a series stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum End {
    /// It goes on until someone ends it.
    #[default]
    Never,
    /// The last session is on or before this local date.
    Until(NaiveDate),
    /// It has this many sessions, the first included.
    Count(u32),
}

/// What someone asked for in `/meeting add`, before it is checked.
///
/// Either the friendly fields (`repeat`, `days`, `every_weeks`) or a raw `rrule`, not
/// both; `end` works with either.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecurrenceSpec {
    /// The kind of repeat.
    pub repeat: Repeat,
    /// The weekdays, for weekly and fortnightly series; the start date's weekday if
    /// not given.
    pub days: Option<Vec<Weekday>>,
    /// For weekly series: every this many weeks (1 to 52).
    pub every_weeks: Option<u32>,
    /// When the series stops.
    pub end: End,
    /// A raw RFC 5545 RRULE for anything the friendly fields cannot say, with or
    /// without a leading `RRULE:`.
    pub rrule: Option<String>,
}

/// The most sessions one series may have; more is almost certainly a typo, and a
/// cap keeps every expansion small.
const MAX_COUNT: u32 = 1000;

/// Why a series could not be set up. `Display` is the sentence shown to the person
/// who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecurrenceError {
    /// `repeat:` is not one of the choices.
    #[error("I don't know the repeat \"{0}\". Please choose one of: once, weekly, fortnightly, monthly-weekday, monthly-last-weekday, monthly-date.")]
    UnknownRepeat(String),
    /// A word in `days:` is not a day of the week.
    #[error(
        "I don't recognise \"{0}\" as a day of the week. Please write days like mon,thu or Monday Thursday."
    )]
    UnknownWeekday(String),
    /// `days:` was given but empty.
    #[error("Please name at least one day of the week, for example mon,thu.")]
    NoWeekdays,
    /// `every_weeks` outside 1..=52.
    #[error("every:{0} won't work: every: is a number of weeks from 1 to 52, like every:3.")]
    EveryWeeksOutOfRange(u32),
    /// `every_weeks` with something other than weekly.
    #[error("every: only goes with repeat:weekly (fortnightly is already every 2 weeks), so please leave it out for repeat:{0}, or choose repeat:weekly.")]
    EveryWeeksNotWeekly(Repeat),
    /// `days` with something other than weekly or fortnightly.
    #[error("days: only goes with repeat:weekly or repeat:fortnightly; repeat:{0} takes its day from the date in when:. Please leave days: out.")]
    DaysNotWeekly(Repeat),
    /// The start date is not on one of the chosen days.
    #[error("{date} is a {weekday}, which isn't one of the days you chose ({days}). Please start on one of those days, or add {weekday} to the days.")]
    StartNotOnDays {
        /// The start date, written out.
        date: String,
        /// Its weekday.
        weekday: String,
        /// The chosen days.
        days: String,
    },
    /// monthly-last-weekday, but the start is not the last such weekday of its month.
    #[error("{date} is the {ordinal} {weekday} of {month}, not the last one. To meet on the last {weekday} of each month, start on {last}; to meet on the {ordinal} {weekday}, choose repeat:monthly-weekday.")]
    NotLastWeekday {
        /// The start date, written out.
        date: String,
        /// e.g. `4th`.
        ordinal: String,
        /// e.g. `Tuesday`.
        weekday: String,
        /// e.g. `December 2026`.
        month: String,
        /// The last such weekday of that month, written out.
        last: String,
    },
    /// A one-off session with an end date or count.
    #[error("A one-off session doesn't need an end date or a count. Please leave them out, or choose a repeat such as weekly.")]
    OnceWithEnd,
    /// The end date is before the first session.
    #[error("The end date {until} is before the first session on {start}. Please choose an end date on or after {start}.")]
    UntilBeforeStart {
        /// The end, written out.
        until: String,
        /// The first session's date, written out.
        start: String,
    },
    /// `count:0`.
    #[error("The count must be at least 1: it is how many sessions the series has.")]
    ZeroCount,
    /// A count above [`MAX_COUNT`].
    #[error("A series can have at most 1000 sessions, and {0} is more than that. Please choose a smaller count, or an end date instead.")]
    CountTooLarge(u32),
    /// Both a raw rrule and the friendly fields.
    #[error("Please describe the repeat one way only: either with rrule:, or with repeat:, days: and every:, not both.")]
    RawRuleWithRepeat,
    /// A raw rrule that already ends, plus an end date or count.
    #[error("Your rrule already says when it ends (UNTIL or COUNT). Please give the end in one place only: in the rrule, or with until:/count:.")]
    RawRuleHasEnd,
    /// The rrule sets the time of day, which comes from the start.
    #[error(
        "The time of day comes from when:, so please leave BYHOUR, BYMINUTE and BYSECOND out of the rrule."
    )]
    TimeInRule,
    /// The rrule repeats more often than daily.
    #[error("Sessions can repeat at most once a day, so FREQ needs to be DAILY, WEEKLY, MONTHLY or YEARLY.")]
    TooFrequent,
    /// The rrule cannot be read or is not valid.
    #[error("That rrule isn't one I can read: {0}. An example: rrule:FREQ=MONTHLY;BYDAY=1MO")]
    BadRule(String),
    /// The rule's first session is not the start date.
    #[error("The rule doesn't have a session on {start}; its first one would be {first}. Please set when: to a date the rule includes.")]
    RuleMissesStart {
        /// The start, written out.
        start: String,
        /// The rule's first session, written out.
        first: String,
    },
    /// The rule has no sessions at all.
    #[error("That rule never has a session on or after {0}. Please check it; an example: rrule:FREQ=MONTHLY;BYDAY=1MO")]
    RuleNeverHappens(String),
}

/// Reads the days for a weekly series: `mon,thu`, `Monday Thursday`, `tue`, `tu`,
/// `mon+wed`, `Monday and Thursday`. The result is de-duplicated and in week order,
/// Monday first.
pub fn parse_weekdays(input: &str) -> Result<Vec<Weekday>, RecurrenceError> {
    let mut days = Vec::new();
    for token in input
        .split([',', ' ', '+', '&', ';', '/'])
        .map(str::trim)
        .filter(|token| !token.is_empty())
    {
        let word = token.to_lowercase();
        if word == "and" {
            continue;
        }
        let day =
            weekday_from_word(&word).ok_or_else(|| RecurrenceError::UnknownWeekday(token.to_owned()))?;
        days.push(day);
    }
    if days.is_empty() {
        return Err(RecurrenceError::NoWeekdays);
    }
    days.sort_by_key(Weekday::num_days_from_monday);
    days.dedup();
    Ok(days)
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Any two-or-more-letter start of a day's name (`tu`, `tues`, `thurs`), a plural
/// (`mondays`), or `weds`. Two letters are enough to tell every day apart.
fn weekday_from_word(word: &str) -> Option<Weekday> {
    if word == "weds" {
        return Some(Weekday::Wed);
    }
    let singular = word.strip_suffix('s').filter(|w| w.ends_with("day"));
    let word = singular.unwrap_or(word);
    if word.len() < 2 {
        return None;
    }
    WEEK.into_iter()
        .find(|day| weekday_name(*day).to_lowercase().starts_with(word))
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// The two-letter code RFC 5545 uses in BYDAY.
fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn weekday_from_code(code: &str) -> Option<Weekday> {
    WEEK.into_iter().find(|day| weekday_code(*day) == code)
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`, `31st`.
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `Monday`, `Monday and Thursday`, `Monday, Wednesday and Friday`.
fn join_days(days: &[Weekday]) -> String {
    let names: Vec<&str> = days.iter().map(|day| weekday_name(*day)).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn show_date(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

fn show_date_time(at: NaiveDateTime) -> String {
    at.format("%a %-d %b %Y %H:%M").to_string()
}

/// The rule parts hearth keeps, in the order it writes them. Every stored rule is
/// written in this order, upper case, with defaults left out, so equal rules are
/// equal strings.
const PART_ORDER: [&str; 11] = [
    "FREQ",
    "INTERVAL",
    "BYMONTH",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "WKST",
    "UNTIL",
    "COUNT",
];

/// A rule body split into `NAME=VALUE` parts, normalised and in [`PART_ORDER`].
///
/// hearth writes rule strings itself rather than with the rrule crate's `Display`,
/// which prints `1MO` as `MO` (in a monthly rule, every Monday rather than the first)
/// and drops negative BYMONTHDAY values once validated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleParts(Vec<(&'static str, String)>);

impl RuleParts {
    /// Reads a rule body as typed or stored: optional `RRULE:`, any case, any order.
    fn parse(input: &str) -> Result<RuleParts, RecurrenceError> {
        let trimmed = input.trim();
        let body = match (trimmed.get(..6), trimmed.get(6..)) {
            (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case("RRULE:") => rest,
            _ => trimmed,
        };
        if body.contains([':', '\n', '\r']) {
            return Err(RecurrenceError::BadRule(
                "please give only the rule itself, such as FREQ=WEEKLY;BYDAY=TU, without DTSTART or other lines".to_owned(),
            ));
        }
        let mut parts: Vec<(&'static str, String)> = Vec::new();
        for piece in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = piece.split_once('=') else {
                return Err(RecurrenceError::BadRule(format!(
                    "\"{piece}\" needs to be written as NAME=VALUE"
                )));
            };
            let name = name.trim().to_uppercase();
            let name = if name == "BYWEEKDAY" {
                "BYDAY".to_owned()
            } else {
                name
            };
            if matches!(name.as_str(), "BYHOUR" | "BYMINUTE" | "BYSECOND") {
                return Err(RecurrenceError::TimeInRule);
            }
            let Some(key) = PART_ORDER.into_iter().find(|known| *known == name) else {
                return Err(RecurrenceError::BadRule(format!(
                    "{name} isn't a rule part I know"
                )));
            };
            if parts.iter().any(|(seen, _)| *seen == key) {
                return Err(RecurrenceError::BadRule(format!("{key} appears more than once")));
            }
            let value: String = value
                .split(',')
                .map(|item| {
                    let item: String = item.chars().filter(|c| !c.is_whitespace()).collect();
                    item.trim_start_matches('+').to_uppercase()
                })
                .collect::<Vec<_>>()
                .join(",");
            let value = if key == "UNTIL" {
                until_in_wall_time(value)
            } else {
                value
            };
            let is_default = matches!((key, value.as_str()), ("INTERVAL", "1") | ("WKST", "MO"));
            if !is_default {
                parts.push((key, value));
            }
        }
        parts.sort_by_key(|(key, _)| PART_ORDER.iter().position(|known| known == key));
        let parts = RuleParts(parts);
        match parts.get("FREQ") {
            None => {
                return Err(RecurrenceError::BadRule(
                    "it needs a FREQ, such as FREQ=WEEKLY".to_owned(),
                ))
            }
            Some("HOURLY" | "MINUTELY" | "SECONDLY") => return Err(RecurrenceError::TooFrequent),
            Some(_) => {}
        }
        if parts.get("UNTIL").is_some() && parts.get("COUNT").is_some() {
            return Err(RecurrenceError::BadRule(
                "it can end with UNTIL or with COUNT, but not both".to_owned(),
            ));
        }
        Ok(parts)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(known, _)| *known == key)
            .map(|(_, value)| value.as_str())
    }

    fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(key, _)| *key)
    }

    fn push(&mut self, key: &'static str, value: String) {
        self.0.push((key, value));
        self.0
            .sort_by_key(|(key, _)| PART_ORDER.iter().position(|known| known == key));
    }

    fn body(&self) -> String {
        self.0
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Writes UNTIL in hearth's expansion frame, local wall time marked `Z`.
///
/// A date alone means the end of that day; a floating date-time gets its `Z`. Left
/// floating, the rrule crate would read it in the server's own time zone, which
/// would make the result depend on where hearth happens to run.
fn until_in_wall_time(value: String) -> String {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match value.split_once('T') {
        None if value.len() == 8 && digits(&value) => format!("{value}T235959Z"),
        Some((date, time)) if date.len() == 8 && digits(date) && time.len() == 6 && digits(time) => {
            format!("{value}Z")
        }
        _ => value,
    }
}

/// A BYDAY item: `TU`, `2TU`, `-1TU`.
fn parse_byday_item(item: &str) -> Option<(Option<i32>, Weekday)> {
    let split = item.len().checked_sub(2)?;
    let day = weekday_from_code(item.get(split..)?)?;
    let number = item.get(..split)?;
    if number.is_empty() {
        Some((None, day))
    } else {
        number.parse().ok().map(|n| (Some(n), day))
    }
}

fn end_part(end: End, start: NaiveDateTime) -> Result<Option<(&'static str, String)>, RecurrenceError> {
    match end {
        End::Never => Ok(None),
        End::Until(date) if date < start.date() => Err(RecurrenceError::UntilBeforeStart {
            until: show_date(date),
            start: show_date(start.date()),
        }),
        End::Until(date) => Ok(Some(("UNTIL", format!("{}T235959Z", date.format("%Y%m%d"))))),
        End::Count(0) => Err(RecurrenceError::ZeroCount),
        End::Count(n) if n > MAX_COUNT => Err(RecurrenceError::CountTooLarge(n)),
        End::Count(n) => Ok(Some(("COUNT", n.to_string()))),
    }
}

/// The rule body for the friendly choices, without its end.
fn friendly_body(start: NaiveDateTime, spec: &RecurrenceSpec) -> Result<String, RecurrenceError> {
    let date = start.date();
    let weekday = date.weekday();
    if spec.days.is_some() && !matches!(spec.repeat, Repeat::Weekly | Repeat::Fortnightly) {
        return Err(RecurrenceError::DaysNotWeekly(spec.repeat));
    }
    if spec.every_weeks.is_some() && spec.repeat != Repeat::Weekly {
        return Err(RecurrenceError::EveryWeeksNotWeekly(spec.repeat));
    }
    let body = match spec.repeat {
        Repeat::Once => {
            if spec.end != End::Never {
                return Err(RecurrenceError::OnceWithEnd);
            }
            "FREQ=DAILY;COUNT=1".to_owned()
        }
        Repeat::Weekly | Repeat::Fortnightly => {
            let interval = match (spec.repeat, spec.every_weeks) {
                (Repeat::Fortnightly, _) => 2,
                (_, None) => 1,
                (_, Some(n @ 1..=52)) => n,
                (_, Some(n)) => return Err(RecurrenceError::EveryWeeksOutOfRange(n)),
            };
            let mut days = spec.days.clone().unwrap_or_else(|| vec![weekday]);
            days.sort_by_key(Weekday::num_days_from_monday);
            days.dedup();
            if days.is_empty() {
                return Err(RecurrenceError::NoWeekdays);
            }
            if !days.contains(&weekday) {
                return Err(RecurrenceError::StartNotOnDays {
                    date: show_date(date),
                    weekday: weekday_name(weekday).to_owned(),
                    days: join_days(&days),
                });
            }
            let codes: Vec<&str> = days.iter().map(|day| weekday_code(*day)).collect();
            format!("FREQ=WEEKLY;INTERVAL={interval};BYDAY={}", codes.join(","))
        }
        Repeat::MonthlyWeekday => {
            let nth = (date.day() - 1) / 7 + 1;
            format!("FREQ=MONTHLY;BYDAY={nth}{}", weekday_code(weekday))
        }
        Repeat::MonthlyLastWeekday => {
            let last = last_weekday_of_month(date);
            if last != date {
                return Err(RecurrenceError::NotLastWeekday {
                    date: show_date(date),
                    ordinal: ordinal((date.day() - 1) / 7 + 1),
                    weekday: weekday_name(weekday).to_owned(),
                    month: date.format("%B %Y").to_string(),
                    last: show_date(last),
                });
            }
            format!("FREQ=MONTHLY;BYDAY=-1{}", weekday_code(weekday))
        }
        Repeat::MonthlyDate => format!("FREQ=MONTHLY;BYMONTHDAY={}", date.day()),
    };
    Ok(body)
}

/// The last day in `date`'s month that has `date`'s weekday.
fn last_weekday_of_month(date: NaiveDate) -> NaiveDate {
    let mut last = date;
    while let Some(next) = last.checked_add_signed(Duration::days(7)) {
        if next.month() != date.month() {
            break;
        }
        last = next;
    }
    last
}

/// The rrule crate reads a 0 in these parts as no value at all (BYMONTHDAY=0 became
/// the 1st), so a typed rule with one is refused, saying what the numbers mean. Only
/// typed rules: one stored before this check keeps working as it did.
fn refuse_zero_positions(parts: &RuleParts) -> Result<(), RecurrenceError> {
    for key in ["BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"] {
        let zero = parts
            .get(key)
            .is_some_and(|value| value.split(',').any(|item| item.trim_start_matches('-') == "0"));
        if zero {
            return Err(RecurrenceError::BadRule(format!(
                "{key} can't be 0: its numbers count from 1 at the start, or from -1 back from the end (-1 is the last)"
            )));
        }
    }
    Ok(())
}

/// Says in plain words what is wrong with a rule the rrule crate refused, and how to
/// put it right: a fragment that follows "That rrule isn't one I can read: ". The
/// crate's own messages (`not allowed outside the range: -4..=5`) are for programmers.
fn rrule_detail(err: &rrule::RRuleError) -> String {
    use rrule::{Frequency, ParseError as P, ValidationError as V};
    let period = |freq: &Frequency| match freq {
        Frequency::Yearly => "year",
        Frequency::Monthly => "month",
        Frequency::Weekly => "week",
        _ => "period",
    };
    let time_of_day =
        || "the time of day comes from when:, so please leave BYHOUR, BYMINUTE and BYSECOND out".to_owned();
    match err {
        rrule::RRuleError::ValidationError(inner) => match inner {
            V::InvalidFieldValueRangeWithFreq {
                field,
                value,
                freq,
                start_idx,
                end_idx,
            } if field == "BYDAY" => format!(
                "in BYDAY, {value} before a day can't be used: the number says which one in the {}, from 1 to {end_idx} (1MO is the first Monday), or from -1 to {start_idx} counting back from the end (-1FR is the last Friday)",
                period(freq)
            ),
            V::InvalidFieldValueRange {
                field,
                value,
                start_idx,
                end_idx,
            }
            | V::InvalidFieldValueRangeWithFreq {
                field,
                value,
                start_idx,
                end_idx,
                ..
            } => format!("{field}={value} is out of range: it can be from {start_idx} to {end_idx}"),
            V::InvalidFieldValue { field, value } => {
                format!("{field} can't be {value}; please choose another value")
 }
            V::BySetPosWithoutByRule => "BYSETPOS picks among the days another part gives, so it needs a                 BYDAY or BYMONTHDAY as well, like FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1"
                .to_owned(),
            V::InvalidByRuleAndFrequency { by_rule, freq } => format!(
                "{by_rule} can't be used with FREQ={}; please leave it out or choose another FREQ",
                freq.to_string().to_uppercase()
 ),
            V::UntilBeforeStart { .. } => "its UNTIL is before the first session; please give an UNTIL                 after when:"
                .to_owned(),
            V::TooBigInterval(interval) => {
                format!("INTERVAL={interval} is more than a series can repeat by; please give a smaller INTERVAL")
            }
            V::StartYearOutOfRange(year) => {
                format!("a series can't start in {year}; please give a when: before 2100")
            }
            V::UnableToGenerateTimeset => time_of_day(),
            _ => "its UNTIL can't be read; please write it as a date, like UNTIL=20261231".to_owned(),
        },
        rrule::RRuleError::ParserError(inner) => match inner {
            P::InvalidFrequency(value) => {
                format!("FREQ={value} isn't a frequency; please use DAILY, WEEKLY, MONTHLY or YEARLY")
            }
            P::InvalidWeekday(value) => format!(
                "\"{value}\" isn't a day; days are MO, TU, WE, TH, FR, SA and SU, with a number before for which one in the month (1MO is the first Monday, -1FR the last Friday)"
            ),
            P::InvalidWeekdayStart(value) => {
                format!("WKST={value} isn't a day; please use MO, TU, WE, TH, FR, SA or SU")
            }
            P::InvalidInterval(value) => {
                format!("INTERVAL={value} needs to be a whole number, like INTERVAL=2 for every other one")
            }
            P::InvalidCount(value) => {
                format!("COUNT={value} needs to be a whole number of sessions, like COUNT=10")
            }
            P::InvalidByMonthDay(value) => format!(
                "BYMONTHDAY={value} needs days of the month from 1 to 31, or -1 to -31 counting back from the end (-1 is the last day), like BYMONTHDAY=15"
            ),
            P::InvalidByMonth(value) => {
                format!("BYMONTH={value} needs month numbers from 1 to 12, like BYMONTH=1,7")
            }
            P::InvalidByWeekNo(value) => {
                format!("BYWEEKNO={value} needs week numbers from 1 to 53, or -1 to -53 from the end")
            }
            P::InvalidByYearDay(value) => {
                format!("BYYEARDAY={value} needs days of the year from 1 to 366, or -1 to -366 from the end")
            }
            P::InvalidBySetPos(value) => {
                format!("BYSETPOS={value} needs whole numbers, like BYSETPOS=1 for the first or -1 for the last")
            }
            P::InvalidByHour(_) | P::InvalidByMinute(_) | P::InvalidBySecond(_) => time_of_day(),
            P::InvalidDateTime { value, property } => format!(
                "{property}={value} isn't a date I can read; please write it like 20261231"
            ),
            P::InvalidDateTimeFormat(value) => {
                format!("{value} isn't a date I can read; please write it like 20261231")
            }
            P::DuplicateProperty(name) => format!("{name} appears more than once"),
            _ => "please write it as NAME=VALUE parts separated by ;, like FREQ=WEEKLY;BYDAY=TU".to_owned(),
        },
        rrule::RRuleError::IterError(_) => {
            "its sessions can't be worked out; please check it, or use repeat: and days: instead".to_owned()
        }
    }
}

/// A checked meeting series: the first session's local wall time and the RRULE.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurrence {
    /// The first session, as a wall time in the group's zone.
    start: NaiveDateTime,
    /// The normalised rule body, as stored and published.
    rule: String,
    /// The same rule split into parts, for describing it without re-parsing.
    parts: RuleParts,
    /// The rule as the rrule crate validated it against `start`, kept so expanding
    /// never has to handle a parse error.
    validated: rrule::RRule,
}

/// One session of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The date of the rule's wall time: the key a session is stored under, even
    /// when the spring-forward gap moved its start to a later time.
    pub local_date: NaiveDate,
    /// The rule's wall time for this session (before any DST adjustment).
    pub local_start: NaiveDateTime,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
}

impl Recurrence {
    /// Checks what someone asked for and builds the series.
    ///
    /// The start must be the series' first session: a raw rrule that would not have
    /// a session on the start date is refused with the date it would start on.
    pub fn build(start: NaiveDateTime, spec: &RecurrenceSpec) -> Result<Recurrence, RecurrenceError> {
        let mut parts = match &spec.rrule {
            Some(raw) => {
                if spec.repeat != Repeat::Once || spec.days.is_some() || spec.every_weeks.is_some() {
                    return Err(RecurrenceError::RawRuleWithRepeat);
                }
                let parts = RuleParts::parse(raw)?;
                refuse_zero_positions(&parts)?;
                let ends = parts.get("UNTIL").is_some() || parts.get("COUNT").is_some();
                if ends && spec.end != End::Never {
                    return Err(RecurrenceError::RawRuleHasEnd);
                }
                parts
            }
            None => RuleParts::parse(&friendly_body(start, spec)?)?,
        };
        if let Some((key, value)) = end_part(spec.end, start)? {
            parts.push(key, value);
        }
        let recurrence = Recurrence::from_parts(start, parts)?;
        match recurrence.local_iter().next() {
            Some(first) if first == start => Ok(recurrence),
            Some(first) => Err(RecurrenceError::RuleMissesStart {
                start: show_date_time(start),
                first: show_date_time(first),
            }),
            None => Err(RecurrenceError::RuleNeverHappens(show_date(start.date()))),
        }
    }

    /// Rebuilds a series from what the store keeps, checking the rule again.
    pub fn from_stored(start: NaiveDateTime, rule: &str) -> Result<Recurrence, RecurrenceError> {
        Recurrence::from_parts(start, RuleParts::parse(rule)?)
    }

    fn from_parts(start: NaiveDateTime, parts: RuleParts) -> Result<Recurrence, RecurrenceError> {
        if let Some(count) = parts.get("COUNT").and_then(|c| c.parse::<u32>().ok()) {
            if count == 0 {
                return Err(RecurrenceError::ZeroCount);
            }
            if count > MAX_COUNT {
                return Err(RecurrenceError::CountTooLarge(count));
            }
        }
        if parts.get("INTERVAL").and_then(|i| i.parse::<u32>().ok()) == Some(0) {
            return Err(RecurrenceError::BadRule(
                "INTERVAL needs to be at least 1".to_owned(),
            ));
        }
        let rule = parts.body();
        let unvalidated: rrule::RRule<rrule::Unvalidated> = rule
            .parse()
            .map_err(|err| RecurrenceError::BadRule(rrule_detail(&err)))?;
        if let Some(until) = unvalidated.get_until() {
            if until.naive_utc() < start {
                return Err(RecurrenceError::UntilBeforeStart {
                    until: show_date_time(until.naive_utc()),
                    start: show_date_time(start),
                });
            }
        }
        let validated = unvalidated
            .validate(wall_time_as_utc(start))
            .map_err(|err| RecurrenceError::BadRule(rrule_detail(&err)))?;
        Ok(Recurrence {
            start,
            rule,
            parts,
            validated,
        })
    }

    /// The first session's wall time in the group's zone.
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }

    /// The normalised RRULE body (no `RRULE:`, no DTSTART), e.g.
    /// `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU`.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The series in plain words: `every other Tuesday`, `on the last Friday of each
    /// month until 1 Jul 2027`, `every Monday and Thursday, 10 times`.
    pub fn describe(&self) -> String {
        match self.describe_pattern() {
            Some(pattern) => format!("{pattern}{}", self.describe_end()),
            None => format!("by the rule {}", self.rule),
        }
    }

    /// The repeat in words, without its end, if it is one hearth can put in words.
    fn describe_pattern(&self) -> Option<String> {
        let parts = &self.parts;
        let only = |allowed: &[&str]| {
            parts
                .keys()
                .all(|key| allowed.contains(&key) || key == "UNTIL" || key == "COUNT")
        };
        let interval: u32 = match parts.get("INTERVAL") {
            None => 1,
            Some(value) => value.parse().ok()?,
        };
        let by_day: Option<Vec<(Option<i32>, Weekday)>> = parts
            .get("BYDAY")
            .map(|value| value.split(',').map(parse_byday_item).collect())
            .unwrap_or(Some(Vec::new()));
        let by_day = by_day?;
        let start_weekday = self.start.weekday();
        match parts.get("FREQ")? {
            "DAILY" if parts.get("COUNT") == Some("1") && only(&["FREQ"]) => {
                Some(format!("once on {}", show_date(self.start.date())))
            }
            "DAILY" if only(&["FREQ", "INTERVAL"]) => Some(match interval {
                1 => "every day".to_owned(),
                n => format!("every {n} days"),
            }),
            "WEEKLY" if only(&["FREQ", "INTERVAL", "BYDAY"]) => {
                let mut days = Vec::new();
                for (nth, day) in by_day {
                    if nth.is_some() {
                        return None;
                    }
                    days.push(day);
                }
                if days.is_empty() {
                    days.push(start_weekday);
                }
                let list = join_days(&days);
                Some(match (interval, days.len()) {
                    (1, _) => format!("every {list}"),
                    (2, 1) => format!("every other {list}"),
                    (2, _) => format!("every other week on {list}"),
                    (n, _) => format!("every {n} weeks on {list}"),
                })
            }
            "MONTHLY" if interval == 1 && only(&["FREQ", "BYDAY"]) => match by_day.as_slice() {
                [(Some(-1), day)] => Some(format!("on the last {} of each month", weekday_name(*day))),
                [(Some(n @ 1..=5), day)] => Some(format!(
                    "on the {} {} of each month",
                    ordinal(n.unsigned_abs()),
                    weekday_name(*day)
                )),
                [] => Some(format!("on day {} of each month", self.start.day())),
                _ => None,
            },
            "MONTHLY" if interval == 1 && only(&["FREQ", "BYMONTHDAY"]) => {
                match parts.get("BYMONTHDAY")?.parse::<i32>().ok()? {
                    -1 => Some("on the last day of each month".to_owned()),
                    day @ 1..=31 => Some(format!("on day {day} of each month")),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn describe_end(&self) -> String {
        if let Some(count) = self.parts.get("COUNT") {
            if count == "1" && self.parts.get("FREQ") == Some("DAILY") {
                return String::new();
            }
            return format!(", {count} times");
        }
        self.parts
            .get("UNTIL")
            .and_then(|until| until.get(..8))
            .and_then(|date| NaiveDate::parse_from_str(date, "%Y%m%d").ok())
            .map(|date| format!(" until {}", date.format("%-d %b %Y")))
            .unwrap_or_default()
    }

    /// Things worth telling the person who set the series up: months it will skip.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.parts.get("FREQ") != Some("MONTHLY") {
            return notes;
        }
        for day in self
            .parts
            .get("BYMONTHDAY")
            .into_iter()
            .flat_map(|value| value.split(','))
            .filter_map(|item| item.parse::<u32>().ok())
            .filter(|day| *day >= 29)
        {
            notes.push(format!(
                "Months without a {} are skipped (RFC 5545). For the last day of every month use rrule:FREQ=MONTHLY;BYMONTHDAY=-1.",
                ordinal(day)
            ));
        }
        for (_, day) in self
            .parts
            .get("BYDAY")
            .into_iter()
            .flat_map(|value| value.split(','))
            .filter_map(parse_byday_item)
            .filter(|(nth, _)| *nth == Some(5))
        {
            let name = weekday_name(day);
            notes.push(format!(
                "Months without a 5th {name} are skipped. For the last {name} of every month use repeat:monthly-last-weekday."
            ));
        }
        notes
    }

    /// The series' wall times, in order, from the start up to and including
    /// `until_local`, at most `max` of them.
    pub fn local_occurrences(&self, until_local: NaiveDateTime, max: usize) -> Vec<NaiveDateTime> {
        self.local_iter()
            .take_while(|at| *at <= until_local)
            .take(max)
            .collect()
    }

    /// Expands the rule in naive wall time: DTSTART is the wall time written as if it
    /// were UTC, so the rrule crate never applies an offset, and its results are wall
    /// times again. The crate's loop limit is on, so a rule that matches nothing
    /// (BYMONTHDAY=31;BYMONTH=2) ends instead of spinning.
    fn local_iter(&self) -> impl Iterator<Item = NaiveDateTime> {
        let set = rrule::RRuleSet::new(wall_time_as_utc(self.start))
            .rrule(self.validated.clone())
            .limit();
        (&set).into_iter().map(|at| at.naive_utc())
    }

    /// The sessions that start in `[from, to)`, in order, at most `max` of them, each
    /// wall time turned into an instant by [`resolve_local`].
    ///
    /// Start times are strictly increasing. Only a gap of a day or more (Samoa,
    /// 2011-12-30) can move one session onto or past the next; the later is then
    /// dropped rather than shown twice.
    pub fn occurrences(
        &self,
        zone: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        max: usize,
    ) -> Vec<Occurrence> {
        let mut found = Vec::new();
        if max == 0 || from >= to {
            return found;
        }
        // A wall time is at most 14 hours ahead of UTC (Pacific/Kiritimati), so no
        // wall time later than this can start before `to`.
        let horizon = to
            .naive_utc()
            .checked_add_signed(Duration::days(1))
            .unwrap_or(NaiveDateTime::MAX);
        let mut previous: Option<DateTime<Utc>> = None;
        for local_start in self.local_iter() {
            if local_start > horizon {
                break;
            }
            let starts_at = resolve_local(zone, local_start);
            if previous.is_some_and(|before| starts_at <= before) {
                continue;
            }
            previous = Some(starts_at);
            if from <= starts_at && starts_at < to {
                found.push(Occurrence {
                    local_date: local_start.date(),
                    local_start,
                    starts_at,
                });
                if found.len() >= max {
                    break;
                }
            }
        }
        found
    }
}

/// The expansion frame: a wall time written as if it were UTC.
fn wall_time_as_utc(local: NaiveDateTime) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .expect("test dates are valid")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    fn spec(repeat: Repeat) -> RecurrenceSpec {
        RecurrenceSpec {
            repeat,
            ..RecurrenceSpec::default()
        }
    }

    fn build(start: NaiveDateTime, spec: &RecurrenceSpec) -> Recurrence {
        Recurrence::build(start, spec).expect("the spec is valid")
    }

    #[test]
    fn repeat_choices_read_in_any_case_and_round_trip() {
        for repeat in Repeat::ALL {
            assert_eq!(repeat.as_str().parse::<Repeat>(), Ok(repeat));
            assert_eq!(repeat.as_str().to_uppercase().parse::<Repeat>(), Ok(repeat));
        }
        assert_eq!("Monthly weekday".parse::<Repeat>(), Ok(Repeat::MonthlyWeekday));
    }

    #[test]
    fn an_unknown_repeat_lists_the_choices() {
        let err = "daily".parse::<Repeat>().expect_err("not a choice");
        assert_eq!(
            err.to_string(),
            "I don't know the repeat \"daily\". Please choose one of: once, weekly, fortnightly, \
             monthly-weekday, monthly-last-weekday, monthly-date."
        );
    }

    #[test]
    fn weekdays_read_in_many_forms_and_come_back_in_week_order() {
        let mon_thu = vec![Weekday::Mon, Weekday::Thu];
        for input in [
            "mon,thu",
            "Monday Thursday",
            "thu+mon",
            "th, MO",
            "Mondays and Thursdays",
            "mon,thu,mon",
        ] {
            assert_eq!(parse_weekdays(input), Ok(mon_thu.clone()), "{input}");
        }
        assert_eq!(parse_weekdays("tu"), Ok(vec![Weekday::Tue]));
        assert_eq!(parse_weekdays("tues"), Ok(vec![Weekday::Tue]));
        assert_eq!(parse_weekdays("weds"), Ok(vec![Weekday::Wed]));
    }

    #[test]
    fn an_unknown_or_missing_weekday_is_refused() {
        assert_eq!(
            parse_weekdays("mon,funday"),
            Err(RecurrenceError::UnknownWeekday("funday".into()))
        );
        assert_eq!(
            parse_weekdays("t"),
            Err(RecurrenceError::UnknownWeekday("t".into()))
        );
        assert_eq!(parse_weekdays(" , "), Err(RecurrenceError::NoWeekdays));
    }

    #[test]
    fn a_one_off_session_happens_once() {
        let series = build(at(2026, 3, 10, 18, 30), &spec(Repeat::Once));
        assert_eq!(series.rule(), "FREQ=DAILY;COUNT=1");
        assert_eq!(series.describe(), "once on Tue 10 Mar 2026");
        assert_eq!(
            series.local_occurrences(at(2030, 1, 1, 0, 0), 10),
            vec![at(2026, 3, 10, 18, 30)]
        );
    }

    #[test]
    fn a_weekly_series_takes_its_day_from_the_start() {
        let series = build(at(2026, 3, 10, 18, 30), &spec(Repeat::Weekly));
        assert_eq!(series.rule(), "FREQ=WEEKLY;BYDAY=TU");
        assert_eq!(series.describe(), "every Tuesday");
        assert_eq!(
            series.local_occurrences(at(2026, 3, 24, 18, 30), 10),
            vec![
                at(2026, 3, 10, 18, 30),
                at(2026, 3, 17, 18, 30),
                at(2026, 3, 24, 18, 30)
            ]
        );
    }

    #[test]
    fn a_fortnightly_series_is_every_other_week() {
        let series = build(at(2026, 3, 10, 18, 30), &spec(Repeat::Fortnightly));
        assert_eq!(series.rule(), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU");
        assert_eq!(series.describe(), "every other Tuesday");
    }

    #[test]
    fn a_series_every_few_weeks_on_several_days_reads_naturally() {
        let series = build(
            at(2026, 3, 9, 18, 30),
            &RecurrenceSpec {
                repeat: Repeat::Weekly,
                days: Some(vec![Weekday::Thu, Weekday::Mon]),
                every_weeks: Some(3),
                ..RecurrenceSpec::default()
            },
        );
        assert_eq!(series.rule(), "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH");
        assert_eq!(series.describe(), "every 3 weeks on Monday and Thursday");
        assert_eq!(
            series.local_occurrences(at(2026, 4, 1, 0, 0), 10),
            vec![
                at(2026, 3, 9, 18, 30),
                at(2026, 3, 12, 18, 30),
                at(2026, 3, 30, 18, 30)
            ]
        );
    }

    #[test]
    fn the_start_must_be_on_one_of_the_chosen_days() {
        let err = Recurrence::build(
            at(2026, 3, 10, 18, 30),
            &RecurrenceSpec {
                repeat: Repeat::Weekly,
                days: Some(vec![Weekday::Mon]),
                ..RecurrenceSpec::default()
            },
        )
        .expect_err("Tuesday is not Monday");
        assert_eq!(
            err.to_string(),
            "Tue 10 Mar 2026 is a Tuesday, which isn't one of the days you chose (Monday). \
             Please start on one of those days, or add Tuesday to the days."
        );
    }

    #[test]
    fn days_and_week_gaps_only_go_with_weekly_kinds() {
        let with_days = RecurrenceSpec {
            repeat: Repeat::MonthlyDate,
            days: Some(vec![Weekday::Tue]),
            ..RecurrenceSpec::default()
        };
        assert_eq!(
            Recurrence::build(at(2026, 3, 10, 18, 30), &with_days),
            Err(RecurrenceError::DaysNotWeekly(Repeat::MonthlyDate))
        );
        let fortnightly_every = RecurrenceSpec {
            repeat: Repeat::Fortnightly,
            every_weeks: Some(3),
            ..RecurrenceSpec::default()
        };
        assert_eq!(
            Recurrence::build(at(2026, 3, 10, 18, 30), &fortnightly_every),
            Err(RecurrenceError::EveryWeeksNotWeekly(Repeat::Fortnightly))
        );
        for weeks in [0, 53] {
            let spec = RecurrenceSpec {
                repeat: Repeat::Weekly,
                every_weeks: Some(weeks),
                ..RecurrenceSpec::default()
            };
            assert_eq!(
                Recurrence::build(at(2026, 3, 10, 18, 30), &spec),
                Err(RecurrenceError::EveryWeeksOutOfRange(weeks))
            );
        }
    }

    #[test]
    fn monthly_weekday_takes_the_ordinal_from_the_start_date() {
        let series = build(at(2026, 12, 8, 18, 30), &spec(Repeat::MonthlyWeekday));
        assert_eq!(series.rule(), "FREQ=MONTHLY;BYDAY=2TU");
        assert_eq!(series.describe(), "on the 2nd Tuesday of each month");
        assert!(series.notes().is_empty());
        assert_eq!(
            series.local_occurrences(at(2027, 2, 28, 0, 0), 10),
            vec![
                at(2026, 12, 8, 18, 30),
                at(2027, 1, 12, 18, 30),
                at(2027, 2, 9, 18, 30)
            ]
        );
    }

    #[test]
    fn a_first_weekday_keeps_its_ordinal_in_the_rule() {
        // The rrule crate would print 1TU as TU, which in a monthly rule means every Tuesday.
        let series = build(at(2026, 12, 1, 18, 30), &spec(Repeat::MonthlyWeekday));
        assert_eq!(series.rule(), "FREQ=MONTHLY;BYDAY=1TU");
        assert_eq!(series.local_occurrences(at(2027, 1, 31, 0, 0), 10).len(), 2);
    }

    #[test]
    fn a_fifth_weekday_warns_that_some_months_are_skipped() {
        let series = build(at(2026, 12, 29, 18, 30), &spec(Repeat::MonthlyWeekday));
        assert_eq!(series.rule(), "FREQ=MONTHLY;BYDAY=5TU");
        assert_eq!(
            series.notes(),
            vec!["Months without a 5th Tuesday are skipped. For the last Tuesday of every month use repeat:monthly-last-weekday."]
        );
        // The next month with five Tuesdays after December 2026 is March 2027.
        assert_eq!(
            series.local_occurrences(at(2027, 4, 1, 0, 0), 10),
            vec![at(2026, 12, 29, 18, 30), at(2027, 3, 30, 18, 30)]
        );
    }

    #[test]
    fn monthly_last_weekday_needs_the_last_such_day_as_its_start() {
        let series = build(at(2026, 12, 29, 18, 30), &spec(Repeat::MonthlyLastWeekday));
        assert_eq!(series.rule(), "FREQ=MONTHLY;BYDAY=-1TU");
        assert_eq!(series.describe(), "on the last Tuesday of each month");
        let err = Recurrence::build(at(2026, 12, 22, 18, 30), &spec(Repeat::MonthlyLastWeekday))
            .expect_err("not the last");
        assert_eq!(
            err.to_string(),
            "Tue 22 Dec 2026 is the 4th Tuesday of December 2026, not the last one. To meet on the last \
             Tuesday of each month, start on Tue 29 Dec 2026; to meet on the 4th Tuesday, choose repeat:monthly-weekday."
        );
    }

    #[test]
    fn monthly_date_on_the_31st_warns_and_skips_short_months() {
        let series = build(at(2026, 1, 31, 18, 30), &spec(Repeat::MonthlyDate));
        assert_eq!(series.rule(), "FREQ=MONTHLY;BYMONTHDAY=31");
        assert_eq!(series.describe(), "on day 31 of each month");
        assert_eq!(
            series.notes(),
            vec!["Months without a 31st are skipped (RFC 5545). For the last day of every month use rrule:FREQ=MONTHLY;BYMONTHDAY=-1."]
        );
        assert_eq!(
            series.local_occurrences(at(2026, 4, 30, 23, 0), 10),
            vec![at(2026, 1, 31, 18, 30), at(2026, 3, 31, 18, 30)]
        );
    }

    #[test]
    fn an_end_date_ends_the_series_on_that_local_day() {
        let series = build(
            at(2026, 3, 10, 18, 30),
            &RecurrenceSpec {
                repeat: Repeat::Weekly,
                end: End::Until(date(2026, 3, 24)),
                ..RecurrenceSpec::default()
            },
        );
        assert_eq!(series.rule(), "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260324T235959Z");
        assert_eq!(series.describe(), "every Tuesday until 24 Mar 2026");
        assert_eq!(series.local_occurrences(at(2030, 1, 1, 0, 0), 100).len(), 3);
    }

    #[test]
    fn a_count_ends_the_series_after_that_many_sessions() {
        let series = build(
            at(2026, 3, 10, 18, 30),
            &RecurrenceSpec {
                repeat: Repeat::Fortnightly,
                end: End::Count(10),
                ..RecurrenceSpec::default()
            },
        );
        assert_eq!(series.describe(), "every other Tuesday, 10 times");
        assert_eq!(series.local_occurrences(at(2030, 1, 1, 0, 0), 100).len(), 10);
    }

    #[test]
    fn bad_ends_are_refused_with_the_reason() {
        let start = at(2026, 3, 10, 18, 30);
        let with_end = |end| RecurrenceSpec {
            repeat: Repeat::Weekly,
            end,
            ..RecurrenceSpec::default()
        };
        assert_eq!(
            Recurrence::build(start, &with_end(End::Count(0))),
            Err(RecurrenceError::ZeroCount)
        );
        assert!(RecurrenceError::ZeroCount
            .to_string()
            .contains("count must be at least 1"));
        assert_eq!(
            Recurrence::build(start, &with_end(End::Count(1001))),
            Err(RecurrenceError::CountTooLarge(1001))
        );
        assert!(Recurrence::build(start, &with_end(End::Count(1000))).is_ok());
        assert!(matches!(
            Recurrence::build(start, &with_end(End::Until(date(2026, 3, 9)))),
            Err(RecurrenceError::UntilBeforeStart { .. })
        ));
        let once = RecurrenceSpec {
            end: End::Count(3),
            ..RecurrenceSpec::default()
        };
        assert_eq!(Recurrence::build(start, &once), Err(RecurrenceError::OnceWithEnd));
    }

    #[test]
    fn a_raw_rule_is_normalised() {
        let raw = |rule: &str| RecurrenceSpec {
            rrule: Some(rule.to_owned()),
            ..RecurrenceSpec::default()
        };
        let series = build(at(2026, 12, 7, 18, 30), &raw("RRULE:freq=monthly;byday=1MO,+3MO"));
        assert_eq!(series.rule(), "FREQ=MONTHLY;BYDAY=1MO,3MO");
        assert_eq!(series.describe(), "by the rule FREQ=MONTHLY;BYDAY=1MO,3MO");
        assert_eq!(
            series.local_occurrences(at(2027, 1, 31, 0, 0), 10),
            vec![
                at(2026, 12, 7, 18, 30),
                at(2026, 12, 21, 18, 30),
                at(2027, 1, 4, 18, 30),
                at(2027, 1, 18, 18, 30)
            ]
        );
        let series = build(
            at(2026, 3, 31, 18, 30),
            &raw("FREQ=MONTHLY;BYMONTHDAY=-1;INTERVAL=1"),
        );
        assert_eq!(series.rule(), "FREQ=MONTHLY;BYMONTHDAY=-1");
        assert_eq!(series.describe(), "on the last day of each month");
        assert_eq!(series.local_occurrences(at(2026, 5, 31, 23, 0), 10).len(), 3);
    }

    #[test]
    fn a_raw_rule_can_take_an_end_unless_it_has_one() {
        let start = at(2026, 3, 10, 18, 30);
        let series = build(
            start,
            &RecurrenceSpec {
                rrule: Some("FREQ=WEEKLY".into()),
                end: End::Count(4),
                ..RecurrenceSpec::default()
            },
        );
        assert_eq!(series.rule(), "FREQ=WEEKLY;COUNT=4");
        assert_eq!(series.describe(), "every Tuesday, 4 times");
        let both = RecurrenceSpec {
            rrule: Some("FREQ=WEEKLY;COUNT=3".into()),
            end: End::Count(4),
            ..RecurrenceSpec::default()
        };
        assert_eq!(
            Recurrence::build(start, &both),
            Err(RecurrenceError::RawRuleHasEnd)
        );
        let mixed = RecurrenceSpec {
            rrule: Some("FREQ=WEEKLY".into()),
            repeat: Repeat::Weekly,
            ..RecurrenceSpec::default()
        };
        assert_eq!(
            Recurrence::build(start, &mixed),
            Err(RecurrenceError::RawRuleWithRepeat)
        );
    }

    #[test]
    fn a_raw_until_date_means_the_end_of_that_local_day() {
        let start = at(2026, 3, 10, 18, 30);
        let spec = RecurrenceSpec {
            rrule: Some("FREQ=WEEKLY;UNTIL=20260324".into()),
            ..RecurrenceSpec::default()
        };
        let series = build(start, &spec);
        assert_eq!(series.rule(), "FREQ=WEEKLY;UNTIL=20260324T235959Z");
        assert_eq!(series.local_occurrences(at(2030, 1, 1, 0, 0), 100).len(), 3);
    }

    #[test]
    fn an_unreadable_raw_rule_says_so_with_an_example() {
        let start = at(2026, 3, 10, 18, 30);
        let raw = |rule: &str| RecurrenceSpec {
            rrule: Some(rule.to_owned()),
            ..RecurrenceSpec::default()
        };
        let err = Recurrence::build(start, &raw("FREQ=SOMETIMES")).expect_err("bad freq");
        assert!(
            err.to_string().starts_with("That rrule isn't one I can read: "),
            "{err}"
        );
        assert!(
            err.to_string()
                .ends_with(". An example: rrule:FREQ=MONTHLY;BYDAY=1MO"),
            "{err}"
        );
        assert!(matches!(
            Recurrence::build(start, &raw("BYDAY=MO")),
            Err(RecurrenceError::BadRule(_))
        ));
        assert!(matches!(
            Recurrence::build(start, &raw("FREQ=WEEKLY;FREQ=DAILY")),
            Err(RecurrenceError::BadRule(_))
        ));
        assert!(matches!(
            Recurrence::build(start, &raw("FREQ=WEEKLY;COLOUR=BLUE")),
            Err(RecurrenceError::BadRule(_))
        ));
        assert!(matches!(
            Recurrence::build(start, &raw("DTSTART:20260310T183000Z\nRRULE:FREQ=WEEKLY")),
            Err(RecurrenceError::BadRule(_))
        ));
        assert_eq!(
            Recurrence::build(start, &raw("FREQ=DAILY;BYHOUR=9,18")),
            Err(RecurrenceError::TimeInRule)
        );
        assert_eq!(
            Recurrence::build(start, &raw("FREQ=HOURLY")),
            Err(RecurrenceError::TooFrequent)
        );
    }

    #[test]
    fn a_raw_rule_must_include_the_start() {
        let spec = RecurrenceSpec {
            rrule: Some("FREQ=MONTHLY;BYDAY=1MO".into()),
            ..RecurrenceSpec::default()
        };
        let err = Recurrence::build(at(2026, 12, 1, 18, 30), &spec).expect_err("a Tuesday");
        assert_eq!(
            err.to_string(),
            "The rule doesn't have a session on Tue 1 Dec 2026 18:30; its first one would be Mon 7 Dec 2026 18:30. \
             Please set when: to a date the rule includes."
        );
        let never = RecurrenceSpec {
            rrule: Some("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30".into()),
            ..RecurrenceSpec::default()
        };
        assert!(matches!(
            Recurrence::build(at(2026, 1, 1, 18, 30), &never),
            Err(RecurrenceError::RuleNeverHappens(_))
        ));
    }

    #[test]
    fn a_stored_series_comes_back_equal() {
        let series = build(at(2026, 12, 8, 18, 30), &spec(Repeat::MonthlyWeekday));
        let again = Recurrence::from_stored(series.start(), series.rule()).expect("stored rules are valid");
        assert_eq!(again, series);
        assert!(matches!(
            Recurrence::from_stored(series.start(), "FREQ=NEVER"),
            Err(RecurrenceError::BadRule(_))
        ));
    }

    #[test]
    fn a_rule_the_rrule_crate_refuses_is_explained_in_plain_words_with_the_fix() {
        let refused = |rule: &str, start: NaiveDateTime| {
            let spec = RecurrenceSpec {
                rrule: Some(rule.into()),
                ..RecurrenceSpec::default()
            };
            Recurrence::build(start, &spec).expect_err(rule).to_string()
        };
        let tuesday = at(2026, 12, 1, 18, 30);
        let cases = [
            (
                "FREQ=MONTHLY;BYDAY=99TU",
                "the number says which one in the month, from 1 to 5",
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=40",
                "BYMONTHDAY=40 needs days of the month from 1 to 31",
            ),
            (
                "FREQ=FORTNIGHTLY",
                "FREQ=FORTNIGHTLY isn't a frequency; please use DAILY, WEEKLY",
            ),
            ("FREQ=WEEKLY;BYDAY=TUE", "\"TUE\" isn't a day; days are MO, TU"),
            (
                "FREQ=WEEKLY;INTERVAL=two",
                "INTERVAL=TWO needs to be a whole number",
            ),
            ("FREQ=DAILY;BYWEEKNO=1", "BYWEEKNO can't be used with FREQ=DAILY"),
            (
                "FREQ=MONTHLY;BYMONTHDAY=0",
                "BYMONTHDAY can't be 0: its numbers count from 1",
            ),
            ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS can't be 0"),
        ];
        for (rule, expected) in cases {
            let said = refused(rule, tuesday);
            assert!(said.contains(expected), "{rule}: {said}");
            for jargon in ["..=", "`", "not allowed outside"] {
                assert!(!said.contains(jargon), "{rule}: {said}");
            }
        }
    }

    #[test]
    fn expansion_stops_at_max() {
        let series = build(at(2026, 3, 10, 18, 30), &spec(Repeat::Weekly));
        assert_eq!(series.local_occurrences(at(2100, 1, 1, 0, 0), 5).len(), 5);
        assert!(series.local_occurrences(at(2100, 1, 1, 0, 0), 0).is_empty());
        let london = chrono_tz::Europe::London;
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid");
        let to = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).single().expect("valid");
        assert_eq!(series.occurrences(london, from, to, 7).len(), 7);
    }

    #[test]
    fn occurrences_keep_to_the_window() {
        let series = build(at(2026, 3, 10, 18, 30), &spec(Repeat::Weekly));
        let london = chrono_tz::Europe::London;
        // From exactly the second session's start, to exactly the fourth's: [2nd, 4th).
        let from = Utc
            .with_ymd_and_hms(2026, 3, 17, 18, 30, 0)
            .single()
            .expect("valid");
        let to = Utc
            .with_ymd_and_hms(2026, 3, 31, 17, 30, 0)
            .single()
            .expect("valid");
        let found = series.occurrences(london, from, to, 100);
        let dates: Vec<NaiveDate> = found.iter().map(|o| o.local_date).collect();
        assert_eq!(dates, vec![date(2026, 3, 17), date(2026, 3, 24)]);
    }

    proptest::proptest! {
        #[test]
        fn no_typed_input_makes_the_parsers_panic(
            text in "\\PC{0,40}",
            rule in "(RRULE:)?(FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY|HOURLY|x)|BYDAY=[-+0-9]{0,3}(MO|TU|SU|XX)|BYMONTHDAY=-?[0-9]{1,2}|INTERVAL=[0-9]{1,6}|COUNT=[0-9]{1,11}|UNTIL=[0-9T]{0,16}Z?|BYSETPOS=-?[0-9]|BYMONTH=[0-9]{1,2}|WKST=SU|\\PC{0,5})(;(FREQ=(DAILY|WEEKLY|MONTHLY)|BYDAY=[-+0-9]{0,3}(MO|TU|SU)|BYMONTHDAY=-?[0-9]{1,2}|INTERVAL=[0-9]{1,3}|COUNT=[0-9]{1,4}|UNTIL=[0-9T]{0,16}Z?|BYSETPOS=-?[0-9]|BYMONTH=[0-9]{1,2}|\\PC{0,5})){0,4}",
            day in 0i64..3000,
            hour in 0u32..24,
        ) {
            let _ = text.parse::<Repeat>();
            let _ = parse_weekdays(&text);
            let start = date(2024, 1, 1).and_hms_opt(hour, 0, 0).expect("valid") + Duration::days(day);
            for raw in [&text, &rule] {
                let spec = RecurrenceSpec { rrule: Some(raw.clone()), ..RecurrenceSpec::default() };
                if let Ok(series) = Recurrence::build(start, &spec) {
                    let _ = series.describe();
                    let _ = series.notes();
                    let again = Recurrence::from_stored(series.start(), series.rule());
                    proptest::prop_assert_eq!(again.as_ref(), Ok(&series));
                    let found = series.local_occurrences(start + Duration::days(800), 50);
                    proptest::prop_assert_eq!(found.first(), Some(&start));
                    proptest::prop_assert!(found.windows(2).all(|pair| pair[0] < pair[1]));
                }
                let _ = Recurrence::from_stored(start, raw);
            }
        }
    }
}
