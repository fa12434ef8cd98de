//! Input parsing: the dates, times and lengths of time people type, and showing an
//! instant back as local time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use thiserror::Error;

use super::Tz;

/// Why a date or a date and time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WhenError {
    /// Not in the `YYYY-MM-DD HH:MM` form.
    #[error("I couldn't read \"{0}\" as a date and time. Please write it as YYYY-MM-DD HH:MM on the 24-hour clock, for example 2026-12-01 18:30.")]
    NotADateTime(String),
    /// In the right form, but no such day or time exists (`2026-02-30 18:30`, `25:00`).
    #[error("\"{0}\" isn't a real date and time. Please check the day, month and time, for example 2026-12-01 18:30.")]
    NoSuchDateTime(String),
    /// Not in the `YYYY-MM-DD` form.
    #[error("I couldn't read \"{0}\" as a date. Please write it as YYYY-MM-DD, for example 2026-12-01.")]
    NotADate(String),
    /// In the right form, but no such day exists (`2026-02-30`).
    #[error("\"{0}\" isn't a real date. Please check the day and month, for example 2026-12-01.")]
    NoSuchDate(String),
    /// A real date, but further ahead than anything hearth plans (`9999-12-31`).
    #[error("\"{0}\" is further ahead than hearth plans. Please pick a date before 2100; a series that goes on needs no until: at all.")]
    TooFarAhead(String),
}

/// Dates from this year on are refused: no group plans that far, and a typed
/// `9999-12-31` (meaning "never") would otherwise find no sessions and say so.
pub const LAST_YEAR_EXCLUSIVE: i32 = 2100;

const WHEN_FORMATS: [&str; 4] = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
];

/// Reads a local date and time as people type it for `when:`: `2026-12-01 18:30`,
/// `2026-12-01T18:30` or `2026-12-01 18:30:00`. The result has no zone: it is a wall
/// time in the group's zone, for [`resolve_local`].
pub fn parse_when(input: &str) -> Result<NaiveDateTime, WhenError> {
    let trimmed = input.trim();
    let mut impossible = false;
    for format in WHEN_FORMATS {
        match NaiveDateTime::parse_from_str(trimmed, format) {
            Ok(at) if at.year() >= LAST_YEAR_EXCLUSIVE => {
                return Err(WhenError::TooFarAhead(trimmed.to_owned()))
            }
            Ok(at) => return Ok(at),
            Err(err) => impossible |= err.kind() == chrono::format::ParseErrorKind::OutOfRange,
        }
    }
    if impossible {
        Err(WhenError::NoSuchDateTime(trimmed.to_owned()))
    } else {
        Err(WhenError::NotADateTime(trimmed.to_owned()))
    }
}

/// Reads a date typed as `2026-12-01`.
pub fn parse_date(input: &str) -> Result<NaiveDate, WhenError> {
    let trimmed = input.trim();
    let date = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map_err(|err| {
        if err.kind() == chrono::format::ParseErrorKind::OutOfRange {
            WhenError::NoSuchDate(trimmed.to_owned())
        } else {
            WhenError::NotADate(trimmed.to_owned())
        }
    })?;
    if date.year() >= LAST_YEAR_EXCLUSIVE {
        return Err(WhenError::TooFarAhead(trimmed.to_owned()));
    }
    Ok(date)
}

/// Why a length of time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    /// Not in a form like `90m` or `1h30m`.
    #[error(
        "I couldn't read \"{0}\" as a length of time. Please write it like 90m, 1h30m, 2h 15m, 3d or 1w."
    )]
    Unreadable(String),
    /// It adds up to nothing.
    #[error("A length of time needs to be more than zero, for example 90m or 1h30m.")]
    Zero,
    /// More than a year.
    #[error("\"{0}\" is longer than I can use. Please keep it to 366 days or less, for example 1w or 3d.")]
    TooLong(String),
}

/// The longest length of time hearth accepts, in minutes: 366 days, enough for a
/// yearly reminder and short enough that no arithmetic on it can overflow.
const MAX_DURATION_MINUTES: u64 = 366 * 24 * 60;

/// Reads a length of time: `90m`, `1h`, `1h30m`, `2h 15m`, `3d`, `1w`, or a bare
/// number of minutes (`90`). It must be more than zero and at most 366 days.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let trimmed = input.trim();
    let unreadable = || DurationError::Unreadable(trimmed.to_owned());
    let text = trimmed.to_lowercase();
    let minutes = if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        text.parse::<u64>()
            .map_err(|_| DurationError::TooLong(trimmed.to_owned()))?
    } else {
        sum_duration_parts(&text).ok_or_else(unreadable)?
    };
    if minutes == 0 {
        return Err(DurationError::Zero);
    }
    if minutes > MAX_DURATION_MINUTES {
        return Err(DurationError::TooLong(trimmed.to_owned()));
    }
    let minutes = i64::try_from(minutes).map_err(|_| DurationError::TooLong(trimmed.to_owned()))?;
    Ok(Duration::minutes(minutes))
}

/// Adds up `<number><unit>` pieces, spaces allowed between and within them. Returns
/// `None` for anything it cannot read; saturates rather than overflowing, so a huge
/// number comes out as too long rather than as wrapped nonsense.
fn sum_duration_parts(text: &str) -> Option<u64> {
    let mut rest = text.trim_start();
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits_end == 0 {
            return None;
        }
        let number: u64 = rest[..digits_end].parse().unwrap_or(u64::MAX);
        rest = rest[digits_end..].trim_start();
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let minutes_per_unit = match &rest[..unit_end] {
            "m" | "min" | "mins" | "minute" | "minutes" => 1,
            "h" | "hr" | "hrs" | "hour" | "hours" => 60,
            "d" | "day" | "days" => 24 * 60,
            "w" | "wk" | "wks" | "week" | "weeks" => 7 * 24 * 60,
            _ => return None,
        };
        total = total.saturating_add(number.saturating_mul(minutes_per_unit));
        rest = rest[unit_end..].trim_start_matches([' ', ',']);
    }
    Some(total)
}

/// Shows an instant as a wall time in `zone` with the zone's abbreviation, for the
/// console and logs: `Tue 10 Mar 2026 18:30 GMT`. Zones without a letter abbreviation
/// show their offset as the tz database writes it (`+1030`).
pub fn format_local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .expect("test dates are valid")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.from_utc_datetime(&local(y, m, d, h, min))
    }

    #[test]
    fn when_accepts_the_three_written_forms() {
        let expected = local(2026, 12, 1, 18, 30);
        for input in ["2026-12-01 18:30", " 2026-12-01T18:30 ", "2026-12-01 18:30:00"] {
            assert_eq!(parse_when(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn an_unreadable_when_shows_the_form_with_an_example() {
        let err = parse_when("next tuesday").expect_err("not a date");
        assert!(err.to_string().contains("2026-12-01 18:30"));
        assert!(matches!(err, WhenError::NotADateTime(_)));
    }

    #[test]
    fn a_date_that_is_not_on_the_calendar_says_so() {
        assert!(matches!(
            parse_when("2026-02-30 18:30"),
            Err(WhenError::NoSuchDateTime(_))
        ));
        assert!(matches!(parse_date("2026-02-30"), Err(WhenError::NoSuchDate(_))));
    }

    #[test]
    fn dates_are_read_in_iso_form() {
        assert_eq!(
            parse_date(" 2026-12-01 "),
            NaiveDate::from_ymd_opt(2026, 12, 1).ok_or(WhenError::NotADate(String::new()))
        );
        assert!(matches!(parse_date("01/12/2026"), Err(WhenError::NotADate(_))));
    }

    #[test]
    fn durations_read_minutes_hours_days_and_weeks() {
        let cases = [
            ("90m", 90),
            ("1h", 60),
            ("1h30m", 90),
            ("2h 15m", 135),
            ("90", 90),
            ("3d", 3 * 24 * 60),
            ("1w", 7 * 24 * 60),
            (" 1 hour 30 minutes ", 90),
        ];
        for (input, minutes) in cases {
            assert_eq!(parse_duration(input), Ok(Duration::minutes(minutes)), "{input}");
        }
    }

    #[test]
    fn a_zero_or_unreadable_or_huge_duration_is_refused() {
        assert_eq!(parse_duration("0m"), Err(DurationError::Zero));
        assert_eq!(parse_duration("0"), Err(DurationError::Zero));
        assert!(matches!(
            parse_duration("soon"),
            Err(DurationError::Unreadable(_))
        ));
        assert!(matches!(parse_duration("h30"), Err(DurationError::Unreadable(_))));
        assert!(matches!(parse_duration(""), Err(DurationError::Unreadable(_))));
        assert!(matches!(parse_duration("367d"), Err(DurationError::TooLong(_))));
        assert!(matches!(
            parse_duration("99999999999999999999999m"),
            Err(DurationError::TooLong(_))
        ));
        assert_eq!(parse_duration("366d"), Ok(Duration::days(366)));
        assert!(parse_duration("soon")
            .expect_err("unreadable")
            .to_string()
            .contains("1h30m"));
    }

    #[test]
    fn local_times_show_the_zone_abbreviation() {
        let london = chrono_tz::Europe::London;
        assert_eq!(
            format_local(utc(2026, 3, 10, 18, 30), london),
            "Tue 10 Mar 2026 18:30 GMT"
        );
        assert_eq!(
            format_local(utc(2026, 4, 7, 17, 30), london),
            "Tue 7 Apr 2026 18:30 BST"
        );
        let lord_howe = chrono_tz::Australia::Lord_Howe;
        assert_eq!(
            format_local(utc(2026, 7, 1, 0, 0), lord_howe),
            "Wed 1 Jul 2026 10:30 +1030"
        );
    }
}
