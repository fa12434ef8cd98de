//! Reading what a person typed into the typed values the use-cases take. Both
//! adapters call these, so a date, a duration or a session number is read one way
//! and refused with one sentence, whichever way it was typed.

use std::fmt;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::domain::reminder::parse_offsets;
use crate::domain::time;

/// The domain's values that the use-cases take, so adapters name them through `app`.
pub use crate::domain::group::{CapacityChange, GroupKind, Privacy};
pub use crate::domain::recurrence::Repeat;
pub use crate::domain::reminder::Offset;
pub use crate::domain::rota::SwapApproval;
pub use crate::domain::rsvp::RsvpState;
pub use crate::domain::time::Tz;

use super::AppError;

/// A session, by the number cards and lists show (`#12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub i64);

/// A series, by the number `/group info` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesId(pub i64);

/// A check-in prompt, by the number `/prompts list` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PromptId(pub i64);

/// `4` (or `#4`).
pub fn prompt(typed: &str) -> Result<PromptId, AppError> {
    number(typed, "prompt", "4").map(PromptId)
}

/// When prompts are posted: a 5-field crontab line (`0 19 * * MON`).
pub fn cron(typed: &str) -> Result<crate::domain::prompt::Timing, AppError> {
    crate::domain::cron::CronSchedule::parse(typed)
        .map(|c| crate::domain::prompt::Timing::Cron(Box::new(c)))
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// `at:session-start` (the one moment `at:` takes).
pub fn at(typed: &str) -> Result<crate::domain::prompt::Timing, AppError> {
    match typed.trim().to_ascii_lowercase().as_str() {
        "session-start" | "session start" => Ok(crate::domain::prompt::Timing::SessionStart),
        other => Err(AppError::invalid(format!(
            "at: takes session-start (posted as each session starts), not \"{other}\". For a time of day, use cron:, like cron:\"0 19 * * MON\"."
        ))),
    }
}

/// `cron:` or `at:`, exactly one of them.
pub fn timing(
    cron_typed: Option<&str>,
    at_typed: Option<&str>,
) -> Result<crate::domain::prompt::Timing, AppError> {
    match (cron_typed, at_typed) {
        (Some(line), None) => cron(line),
        (None, Some(at_typed)) => at(at_typed),
        _ => Err(AppError::invalid(
            "Give either cron: (a time, like cron:\"0 19 * * MON\" for 19:00 every Monday) or at:session-start, not both.",
        )),
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for SeriesId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `#12` or `12`.
pub fn session(typed: &str) -> Result<SessionId, AppError> {
    number(typed, "session", "12").map(SessionId)
}

/// `3` (or `#3`).
pub fn series(typed: &str) -> Result<SeriesId, AppError> {
    number(typed, "series", "3").map(SeriesId)
}

/// A series number given as a whole number (Discord's integer option).
pub fn series_number(number: i64) -> Result<SeriesId, AppError> {
    if number < 1 {
        return Err(AppError::invalid(
            "A series number is 1 or more; /group info shows each series with its number.",
        ));
    }
    Ok(SeriesId(number))
}

fn number(typed: &str, what: &str, example: &str) -> Result<i64, AppError> {
    typed
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            AppError::invalid(format!(
                "\"{}\" isn't a {what} number. Use the number shown in lists, like {what}:{example}.",
                typed.trim()
            ))
        })
}

/// A local wall time: `2026-12-01 18:30`.
pub fn when(typed: &str) -> Result<NaiveDateTime, AppError> {
    Ok(time::parse_when(typed)?)
}

/// A wall time: `14:00`.
pub fn wall_time(typed: &str) -> Result<chrono::NaiveTime, AppError> {
    Ok(crate::domain::dropin::parse_time(typed)?)
}

/// A date: `2027-07-01`.
pub fn date(typed: &str) -> Result<NaiveDate, AppError> {
    Ok(time::parse_date(typed)?)
}

/// A length of time: `90m`, `1h30m`, `7d`.
pub fn duration(typed: &str) -> Result<Duration, AppError> {
    Ok(time::parse_duration(typed)?)
}

/// A time zone by its place name: `Europe/London`.
pub fn zone(typed: &str) -> Result<Tz, AppError> {
    Ok(time::parse_zone(typed)?)
}

/// going, maybe or cant (can't make it).
pub fn answer(typed: &str) -> Result<RsvpState, AppError> {
    RsvpState::parse_choice(typed).map_err(|e| AppError::Invalid(e.0))
}

/// meeting or drop-in.
pub fn kind(typed: &str) -> Result<GroupKind, AppError> {
    Ok(typed.parse()?)
}

/// headcount, private or public.
pub fn privacy(typed: &str) -> Result<Privacy, AppError> {
    Ok(typed.parse()?)
}

/// once, weekly, fortnightly, monthly-weekday, monthly-last-weekday, monthly-date.
pub fn repeat(typed: &str) -> Result<Repeat, AppError> {
    Ok(typed.parse()?)
}

/// Reminder offsets: `24h,1h`; `none` is no reminders (an empty list).
pub fn offsets(typed: &str) -> Result<Vec<Offset>, AppError> {
    Ok(parse_offsets(typed)?)
}

/// Weekdays: `mon,thu`.
pub fn weekdays(typed: &str) -> Result<Vec<chrono::Weekday>, AppError> {
    Ok(crate::domain::recurrence::parse_weekdays(typed)?)
}

/// A capacity change: a number of places, or `none` (also "no limit") for no limit.
pub fn capacity_change(typed: &str) -> Result<CapacityChange, AppError> {
    Ok(typed.parse()?)
}

/// none or coordinator: whether a rota take waits for a coordinator.
pub fn swap_approval(typed: &str) -> Result<SwapApproval, AppError> {
    typed.parse().map_err(AppError::Invalid)
}

/// An optional value read by `read`.
pub fn optional<T>(
    typed: Option<&str>,
    read: impl FnOnce(&str) -> Result<T, AppError>,
) -> Result<Option<T>, AppError> {
    typed.map(read).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_number_is_read_with_or_without_its_hash_and_nonsense_is_explained() {
        assert_eq!(session("#12").unwrap(), SessionId(12));
        assert_eq!(session(" 7 ").unwrap(), SessionId(7));
        let error = session("twelve").unwrap_err().to_string();
        assert!(error.contains("session:12"), "{error}");
        assert!(session("0").is_err());
        assert!(series_number(0).is_err());
    }

    #[test]
    fn choices_take_friendly_spellings() {
        assert_eq!(answer("can't").unwrap(), RsvpState::NotGoing);
        assert_eq!(kind("drop in").unwrap(), GroupKind::DropIn);
        assert!(privacy("secret").unwrap_err().to_string().contains("headcount"));
        assert!(offsets("none").unwrap().is_empty());
    }
}
