//! Free-form schedules for check-in prompts: standard 5-field crontab lines
//! (`0 19 * * MON`), evaluated in the local wall time of a group's zone.
//!
//! The `cron` crate does the evaluation, but not as it comes: evaluated directly in a
//! chrono-tz zone it skips a 02:30 tick on the spring-forward day and fires twice on
//! the fall-back day, and it wants 6 fields with Sunday = 1. So a [`CronSchedule`]
//! reads the 5-field form itself (saying which field is wrong and giving an example),
//! hands the crate an explicit 6-field translation, runs it in *naive* local time (the
//! crate is given the wall time written as if it were UTC, as the RRULE expansion
//! does), and turns each wall time into an instant with [`resolve_local`], the one DST
//! policy: a tick in the gap moves forward by the gap, a tick in the overlap happens
//! once, at its first instant.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use thiserror::Error;

use super::{resolve_local, Tz};

/// An example every error sentence can end on.
const EXAMPLE: &str = "0 19 * * MON (19:00 every Monday)";

/// Why a schedule can't be used. Each `Display` is the sentence the person sees.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CronError {
    #[error("Please give a schedule in crontab form: minute hour day-of-month month day-of-week, for example {EXAMPLE}.")]
    Empty,
    /// 6 or 7 fields (seconds, years), as Quartz and the `cron` crate write them.
    #[error(
        "\"{input}\" has {count} fields, but hearth's schedules are standard 5-field crontab lines: \
         minute hour day-of-month month day-of-week, with no seconds or year, for example {EXAMPLE}."
    )]
    WrongFieldCount { input: String, count: usize },
    /// Quartz-only symbols (`?`, `L`, `W`, `#`).
    #[error(
        "\"{symbol}\" is Quartz syntax, which hearth doesn't use: schedules are standard 5-field crontab \
         lines (minute hour day-of-month month day-of-week), for example {EXAMPLE}."
    )]
    Quartz { symbol: String },
    /// One field could not be read.
    #[error("The {field} field (\"{text}\") {problem}. For example {EXAMPLE}.")]
    Field {
        field: &'static str,
        text: String,
        problem: String,
    },
    /// The minute field names more than one minute: more than one post an hour.
    #[error(
        "\"{input}\" would post more than once an hour. Check-in prompts are a gentle rhythm, \
         so hearth posts at most once an hour: give a single minute, for example {EXAMPLE}."
    )]
    TooOften { input: String },
    /// Both a day of the month and days of the week: crontab then means either,
    /// which surprises nearly everyone, so hearth asks for one.
    #[error(
        "\"{input}\" limits both the day of the month and the day of the week. Please choose one \
         and leave the other as *, for example 0 19 1 * * (the 1st of each month) or {EXAMPLE}."
    )]
    BothDays { input: String },
    /// A date that never comes (`0 9 30 2 *`).
    #[error("\"{input}\" never happens: no month in it has that day. For example {EXAMPLE}.")]
    Never { input: String },
    /// A macro hearth doesn't run (`@reboot`) or doesn't know.
    #[error("I don't know the schedule \"{input}\". hearth knows @hourly, @daily, @weekly, @monthly and @yearly, or 5-field crontab lines such as {EXAMPLE}.")]
    UnknownMacro { input: String },
}

/// One of the five fields: its name in sentences, its range, and its names.
struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The first value `names[0]` stands for.
    names_from: u32,
}

const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    names_from: 0,
};
const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    names_from: 0,
};
const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    names_from: 1,
};
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
    names_from: 1,
};
/// Sunday is 0 or 7, as in every crontab.
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    names_from: 0,
};

/// The set of values a field allows, and whether it was `*` (unrestricted).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldSet {
    values: BTreeSet<u32>,
    any: bool,
}

fn field_error(spec: &FieldSpec, text: &str, problem: impl Into<String>) -> CronError {
    CronError::Field {
        field: spec.name,
        text: text.to_owned(),
        problem: problem.into(),
    }
}

fn range_problem(spec: &FieldSpec) -> String {
    let names = if spec.names.is_empty() {
        String::new()
    } else {
        format!(" or names such as {}", spec.names[1.min(spec.names.len() - 1)])
    };
    format!("goes from {} to {}{names}", spec.min, spec.max)
}

fn parse_value(spec: &FieldSpec, text: &str, whole: &str) -> Result<u32, CronError> {
    if let Ok(number) = text.parse::<u32>() {
        if number < spec.min || number > spec.max {
            return Err(field_error(
                spec,
                whole,
                format!("has {number}, but it {}", range_problem(spec)),
            ));
        }
        return Ok(number);
    }
    let upper = text.to_ascii_uppercase();
    if let Some(index) = spec.names.iter().position(|name| *name == upper) {
        return Ok(spec.names_from + index as u32);
    }
    Err(field_error(
        spec,
        whole,
        format!(
            "can't be read: \"{text}\" isn't a number that {}",
            range_problem(spec)
        ),
    ))
}

fn parse_field(spec: &FieldSpec, text: &str) -> Result<FieldSet, CronError> {
    let mut values = BTreeSet::new();
    let mut any = false;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(field_error(spec, text, "has an empty item between commas"));
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.parse().ok().filter(|step| *step > 0).ok_or_else(|| {
                    field_error(
                        spec,
                        text,
                        format!("has a step \"/{step}\" that isn't a whole number above 0"),
                    )
                })?;
                (range, Some(step))
            }
            None => (item, None),
        };
        let (low, high) = if range == "*" {
            if step.is_none() && text.split(',').count() == 1 {
                any = true;
            }
            (spec.min, spec.max)
        } else if let Some((low, high)) = range.split_once('-') {
            let (low, high) = (parse_value(spec, low, text)?, parse_value(spec, high, text)?);
            if low > high {
                return Err(field_error(
                    spec,
                    text,
                    format!("has a range from {low} down to {high}; please write ranges low to high"),
                ));
            }
            (low, high)
        } else {
            let low = parse_value(spec, range, text)?;
            // `5/15` means 5, 20, 35, 50: from the value to the end, as Vixie cron reads it.
            (low, if step.is_some() { spec.max } else { low })
        };
        let mut value = low;
        while value <= high {
            values.insert(value);
            // A huge step (`5/4294967295`) ends the walk instead of overflowing.
            let Some(next) = value.checked_add(step.unwrap_or(1)) else {
                break;
            };
            value = next;
        }
    }
    Ok(FieldSet { values, any })
}

/// A check-in prompt schedule: a 5-field crontab line, at most hourly, in local time.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    /// As typed, trimmed (what `/prompts list` shows and the store keeps).
    source: String,
    /// The crate's schedule, from the explicit 6-field translation.
    schedule: cron::Schedule,
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// The latest a tick in a gap can be moved by the one policy: real gaps are an hour or
/// half an hour; three covers any offset change a zone has made since 1970 but Samoa's
/// skipped day (2011), which no schedule here reaches.
const MAX_GAP: Duration = Duration::hours(3);

impl CronSchedule {
    /// Reads a 5-field crontab line or a macro (`@daily`, `@weekly`, `@hourly`,
    /// `@monthly`, `@yearly`). Refuses 6-field and Quartz syntax, anything more often
    /// than hourly, a line limiting both kinds of day, and dates that never come.
    pub fn parse(input: &str) -> Result<Self, CronError> {
        let source = input.trim();
        if source.is_empty() {
            return Err(CronError::Empty);
        }
        let expanded = match source.to_ascii_lowercase().as_str() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            other if other.starts_with('@') => {
                return Err(CronError::UnknownMacro {
                    input: source.to_owned(),
                })
            }
            _ => source,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if let Some(symbol) = fields.iter().find_map(|field| quartz_symbol(field)) {
            return Err(CronError::Quartz { symbol });
        }
        if fields.len() != 5 {
            return Err(CronError::WrongFieldCount {
                input: source.to_owned(),
                count: fields.len(),
            });
        }
        let minute = parse_field(&MINUTE, fields[0])?;
        let hour = parse_field(&HOUR, fields[1])?;
        let day = parse_field(&DAY_OF_MONTH, fields[2])?;
        let month = parse_field(&MONTH, fields[3])?;
        let mut weekday = parse_field(&DAY_OF_WEEK, fields[4])?;
        if weekday.values.remove(&7) {
            weekday.values.insert(0);
        }
        if minute.values.len() != 1 {
            return Err(CronError::TooOften {
                input: source.to_owned(),
            });
        }
        if !day.any && !weekday.any {
            return Err(CronError::BothDays {
                input: source.to_owned(),
            });
        }
        let possible = month.values.iter().any(|m| {
            let longest = if *m == 2 { 29 } else { days_in_month(2028, *m) };
            day.values.iter().any(|d| *d <= longest)
        });
        if !possible {
            return Err(CronError::Never {
                input: source.to_owned(),
            });
        }
        let translated = translate(&minute, &hour, &day, &month, &weekday);
        let schedule = cron::Schedule::from_str(&translated).map_err(|_| CronError::Field {
            field: "whole",
            text: source.to_owned(),
            problem: "couldn't be read".into(),
        })?;
        Ok(CronSchedule {
            source: source.to_owned(),
            schedule,
        })
    }

    /// The schedule as typed.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first tick strictly after `after`, in `zone`'s local time resolved by the one
    /// DST policy; `None` if it never fires again (only past the crate's last year).
    ///
    /// Wall times are walked in naive local time from a little before `after` (a tick
    /// in a gap just before it is moved to after it), and the earliest resolved instant
    /// after `after` wins: a tick moved out of a gap can land after the wall time that
    /// follows it, so the first wall time is not always the first instant.
    pub fn next_after(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local_after = after.with_timezone(&zone).naive_local();
        let from = Utc.from_utc_datetime(&(local_after - MAX_GAP));
        let mut best: Option<DateTime<Utc>> = None;
        let mut stop_at: Option<NaiveDateTime> = None;
        for wall in self.schedule.after(&from).map(|at| at.naive_utc()) {
            if stop_at.is_some_and(|stop| wall > stop) {
                break;
            }
            let at = resolve_local(zone, wall);
            if at > after && best.is_none_or(|best| at < best) {
                best = Some(at);
                stop_at.get_or_insert(wall + MAX_GAP);
            }
        }
        best
    }

    /// The latest tick at or before `at` that is after `since`, if any: after downtime,
    /// the one missed tick worth posting.
    pub fn last_between(&self, zone: Tz, since: DateTime<Utc>, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut latest = None;
        let mut cursor = since;
        // Walk forward; a long outage of an hourly schedule is still only a few
        // thousand steps, and the caller bounds `since`.
        while let Some(next) = self.next_after(zone, cursor) {
            if next > at {
                break;
            }
            latest = Some(next);
            cursor = next;
        }
        latest
    }
}

fn quartz_symbol(field: &str) -> Option<String> {
    if field.contains('?') || field.contains('#') {
        return Some(if field.contains('?') { "?" } else { "#" }.to_owned());
    }
    let upper = field.to_ascii_uppercase();
    // L and W alone or after a number (`L`, `5L`, `15W`, `LW`); names like JUL or WED
    // are not Quartz.
    let bare = upper.trim_start_matches(|c: char| c.is_ascii_digit());
    matches!(bare, "L" | "W" | "LW").then(|| field.to_owned())
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|date| date.pred_opt())
        .map_or(31, |date| date.day())
}

/// The crate's 6-field form, every field spelt out: seconds 0, explicit value lists,
/// and weekdays by name (the crate counts Sunday as 1, crontab as 0 or 7).
fn translate(
    minute: &FieldSet,
    hour: &FieldSet,
    day: &FieldSet,
    month: &FieldSet,
    weekday: &FieldSet,
) -> String {
    let list = |set: &FieldSet| {
        if set.any {
            "*".to_owned()
        } else {
            set.values
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let weekdays = if weekday.any {
        "*".to_owned()
    } else {
        weekday
            .values
            .iter()
            .filter_map(|d| DAY_OF_WEEK.names.get(*d as usize).copied())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "0 {} {} {} {} {weekdays}",
        list(minute),
        list(hour),
        list(day),
        list(month)
    )
}

impl FromStr for CronSchedule {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CronSchedule::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Timelike, Weekday};
    use proptest::prelude::*;

    fn wall(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .expect("test dates are valid")
    }

    fn local_ticks(
        schedule: &CronSchedule,
        zone: Tz,
        from: NaiveDateTime,
        count: usize,
    ) -> Vec<NaiveDateTime> {
        let mut at = resolve_local(zone, from) - Duration::seconds(1);
        let mut out = Vec::new();
        for _ in 0..count {
            let Some(next) = schedule.next_after(zone, at) else {
                break;
            };
            out.push(next.with_timezone(&zone).naive_local());
            at = next;
        }
        out
    }

    #[test]
    fn a_weekly_evening_stays_at_19_00_local_across_the_clock_change() {
        let schedule = CronSchedule::parse("0 19 * * MON").expect("valid");
        let ticks = local_ticks(&schedule, chrono_tz::Europe::London, wall(2026, 3, 20, 0, 0), 3);
        assert_eq!(
            ticks,
            vec![
                wall(2026, 3, 23, 19, 0),
                wall(2026, 3, 30, 19, 0),
                wall(2026, 4, 6, 19, 0)
            ]
        );
    }

    #[test]
    fn a_tick_in_the_spring_gap_moves_forward_by_the_gap_and_is_not_lost() {
        let schedule = CronSchedule::parse("30 2 * * *").expect("valid");
        let ticks = local_ticks(&schedule, chrono_tz::Europe::Berlin, wall(2026, 3, 28, 12, 0), 2);
        assert_eq!(ticks, vec![wall(2026, 3, 29, 3, 30), wall(2026, 3, 30, 2, 30)]);
    }

    #[test]
    fn a_tick_in_the_autumn_overlap_fires_once_at_its_first_instant() {
        let schedule = CronSchedule::parse("30 2 * * *").expect("valid");
        let zone = chrono_tz::Europe::Berlin;
        let from = resolve_local(zone, wall(2026, 10, 24, 12, 0));
        let first = schedule.next_after(zone, from).expect("fires");
        assert_eq!(first, Utc.from_utc_datetime(&wall(2026, 10, 25, 0, 30)));
        let second = schedule.next_after(zone, first).expect("fires");
        assert_eq!(
            second.with_timezone(&zone).naive_local(),
            wall(2026, 10, 26, 2, 30)
        );
    }

    #[test]
    fn sunday_is_zero_or_seven_and_names_ranges_and_steps_are_read() {
        let zone = chrono_tz::UTC;
        let from = wall(2026, 12, 1, 0, 0); // a Tuesday
        for line in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN", "0 9 * * sun"] {
            let schedule = CronSchedule::parse(line).expect(line);
            let ticks = local_ticks(&schedule, zone, from, 1);
            assert_eq!(ticks, vec![wall(2026, 12, 6, 9, 0)], "{line}");
        }
        let weekdays = CronSchedule::parse("0 9 * * MON-FRI").expect("valid");
        let days: Vec<Weekday> = local_ticks(&weekdays, zone, from, 5)
            .iter()
            .map(|at| at.weekday())
            .collect();
        assert_eq!(
            days,
            vec![
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Mon
            ]
        );
        let stepped = CronSchedule::parse("15 */6 * * *").expect("valid");
        let hours: Vec<u32> = local_ticks(&stepped, zone, from, 4)
            .iter()
            .map(|at| at.hour())
            .collect();
        assert_eq!(hours, vec![0, 6, 12, 18]);
    }

    #[test]
    fn huge_numbers_and_steps_are_read_without_overflow() {
        assert!(CronSchedule::parse("5/4294967295 9 * * *").is_ok());
        assert!(CronSchedule::parse("0 9 * * 1-5/4294967295").is_ok());
        assert!(matches!(
            CronSchedule::parse("99999999999 9 * * *"),
            Err(CronError::Field { field: "minute", .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn no_typed_schedule_makes_the_reader_panic(line in "[0-9A-Za-z*/,@?#\\- ]{0,30}") {
            let _ = CronSchedule::parse(&line);
        }
    }

    #[test]
    fn macros_are_read() {
        let zone = chrono_tz::UTC;
        let from = wall(2026, 12, 1, 0, 30);
        let daily = CronSchedule::parse("@daily").expect("valid");
        assert_eq!(local_ticks(&daily, zone, from, 1), vec![wall(2026, 12, 2, 0, 0)]);
        let weekly = CronSchedule::parse("@weekly").expect("valid");
        assert_eq!(local_ticks(&weekly, zone, from, 1), vec![wall(2026, 12, 6, 0, 0)]);
        let hourly = CronSchedule::parse("@hourly").expect("valid");
        assert_eq!(local_ticks(&hourly, zone, from, 1), vec![wall(2026, 12, 1, 1, 0)]);
    }

    #[test]
    fn six_fields_and_quartz_are_refused_saying_it_is_five_fields() {
        let six = CronSchedule::parse("0 0 19 * * MON")
            .expect_err("6 fields")
            .to_string();
        assert!(six.contains("6 fields") && six.contains("5-field"), "{six}");
        let quartz = CronSchedule::parse("0 19 ? * MON")
            .expect_err("quartz")
            .to_string();
        assert!(
            quartz.contains("Quartz") && quartz.contains("5-field"),
            "{quartz}"
        );
        let last = CronSchedule::parse("0 19 L * *").expect_err("quartz").to_string();
        assert!(last.contains("Quartz"), "{last}");
    }

    #[test]
    fn a_bad_field_is_named_with_an_example() {
        let err = CronSchedule::parse("0 25 * * MON")
            .expect_err("hour 25")
            .to_string();
        assert_eq!(
            err,
            "The hour field (\"25\") has 25, but it goes from 0 to 23. For example 0 19 * * MON (19:00 every Monday)."
        );
        let err = CronSchedule::parse("0 19 * * MOON")
            .expect_err("bad day")
            .to_string();
        assert!(err.starts_with("The day-of-week field (\"MOON\")"), "{err}");
        let err = CronSchedule::parse("0 19 * 13 *")
            .expect_err("month 13")
            .to_string();
        assert!(err.starts_with("The month field"), "{err}");
    }

    #[test]
    fn more_often_than_hourly_is_refused_with_the_reason() {
        for line in ["* * * * *", "*/30 * * * *", "0,30 9 * * *", "0-5 9 * * *"] {
            let err = CronSchedule::parse(line).expect_err(line);
            assert!(matches!(err, CronError::TooOften { .. }), "{line}");
            assert!(err.to_string().contains("at most once an hour"), "{err}");
        }
    }

    #[test]
    fn both_kinds_of_day_and_impossible_dates_are_refused() {
        assert!(matches!(
            CronSchedule::parse("0 9 1 * MON"),
            Err(CronError::BothDays { .. })
        ));
        assert!(matches!(
            CronSchedule::parse("0 9 30 2 *"),
            Err(CronError::Never { .. })
        ));
        assert!(CronSchedule::parse("0 9 29 2 *").is_ok(), "leap days come");
        assert!(matches!(
            CronSchedule::parse("@reboot"),
            Err(CronError::UnknownMacro { .. })
        ));
    }

    // ---- the property test: the planner against a brute-force minute walk ----

    const ZONES: [Tz; 20] = [
        chrono_tz::Europe::London,
        chrono_tz::Europe::Berlin,
        chrono_tz::Europe::Dublin,
        chrono_tz::America::New_York,
        chrono_tz::America::Los_Angeles,
        chrono_tz::America::Sao_Paulo,
        chrono_tz::America::Santiago,
        chrono_tz::America::Havana,
        chrono_tz::America::St_Johns,
        chrono_tz::America::Phoenix,
        chrono_tz::Australia::Sydney,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Australia::Adelaide,
        chrono_tz::Australia::Brisbane,
        chrono_tz::Pacific::Auckland,
        chrono_tz::Pacific::Chatham,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Asia::Tokyo,
        chrono_tz::Africa::Johannesburg,
        chrono_tz::UTC,
    ];

    /// Random field sets, independent of the parser: the expectation is built from
    /// these, the schedule from their text.
    #[derive(Debug, Clone)]
    struct Fields {
        minute: u32,
        hours: Option<BTreeSet<u32>>,
        days: Option<BTreeSet<u32>>,
        months: Option<BTreeSet<u32>>,
        weekdays: Option<BTreeSet<u32>>,
    }

    fn subset(range: std::ops::RangeInclusive<u32>, max_len: usize) -> impl Strategy<Value = BTreeSet<u32>> {
        proptest::collection::btree_set(range, 1..=max_len)
    }

    fn fields() -> impl Strategy<Value = Fields> {
        (
            0u32..60,
            proptest::option::weighted(0.8, subset(0..=23, 4)),
            proptest::option::weighted(0.2, subset(1..=31, 3)),
            proptest::option::weighted(0.3, subset(1..=12, 4)),
            proptest::option::weighted(0.6, subset(0..=6, 3)),
            // Hours a clock change touches are the point of the test: bias towards them.
            proptest::bool::weighted(0.5),
        )
            .prop_map(|(minute, hours, days, months, weekdays, night)| {
                let hours = hours.map(|set| {
                    if night {
                        set.into_iter().map(|h| h % 4).collect()
                    } else {
                        set
                    }
                });
                // Only one kind of day may be limited.
                let days = if weekdays.is_some() { None } else { days };
                Fields {
                    minute,
                    hours,
                    days,
                    months,
                    weekdays,
                }
            })
    }

    /// The fields as a crontab line, in the many ways people write them.
    fn text(fields: &Fields, style: u8) -> String {
        fn join(set: &Option<BTreeSet<u32>>, name: impl Fn(u32) -> String) -> String {
            match set {
                None => "*".into(),
                Some(values) => values.iter().map(|v| name(*v)).collect::<Vec<_>>().join(","),
            }
        }
        let days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        let months = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        let weekday = |d: u32| match style % 3 {
            0 => d.to_string(),
            1 => days[d as usize].to_string(),
            _ => {
                if d == 0 {
                    "7".into()
                } else {
                    d.to_string()
                }
            }
        };
        let month = |m: u32| {
            if style.is_multiple_of(2) {
                m.to_string()
            } else {
                months[(m - 1) as usize].to_lowercase()
            }
        };
        format!(
            "{} {} {} {} {}",
            fields.minute,
            join(&fields.hours, |h| h.to_string()),
            join(&fields.days, |d| d.to_string()),
            join(&fields.months, month),
            join(&fields.weekdays, weekday),
        )
    }

    fn matches(fields: &Fields, wall: NaiveDateTime) -> bool {
        let has = |set: &Option<BTreeSet<u32>>, v: u32| set.as_ref().is_none_or(|s| s.contains(&v));
        wall.minute() == fields.minute
            && has(&fields.hours, wall.hour())
            && has(&fields.days, wall.day())
            && has(&fields.months, wall.month())
            && has(&fields.weekdays, wall.weekday().num_days_from_sunday())
    }

    proptest! {
        // Each case walks a million local minutes; 24 keeps the debug suite to seconds.
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn every_planned_tick_equals_a_brute_force_walk_of_every_local_minute(
            fields in fields(),
            zone_index in 0usize..ZONES.len(),
            style in 0u8..6,
        ) {
            let zone = ZONES[zone_index];
            let line = text(&fields, style);
            let schedule = match CronSchedule::parse(&line) {
                Ok(schedule) => schedule,
                // Dates that never come (31 in a 30-day month only) are refused by design.
                Err(CronError::Never { .. }) => return Ok(()),
                Err(other) => return Err(TestCaseError::fail(format!("{line}: {other}"))),
            };
            let start = resolve_local(zone, wall(2026, 1, 1, 0, 0));
            let end = resolve_local(zone, wall(2028, 1, 1, 0, 0));

            // Every local minute of every day, by plain counting (building a date per
            // minute would make the walk the slowest part of the suite).
            let mut expected = BTreeSet::new();
            let mut day = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date");
            while day < NaiveDate::from_ymd_opt(2028, 1, 2).expect("valid date") {
                for hour in 0..24 {
                    for minute in 0..60 {
                        let Some(local) = day.and_hms_opt(hour, minute, 0) else { continue };
                        if minute == fields.minute && matches(&fields, local) {
                            let at = resolve_local(zone, local);
                            if at >= start && at < end {
                                expected.insert(at);
                            }
                        }
                    }
                }
                day = day.succ_opt().expect("valid date");
            }

            let mut planned = Vec::new();
            let mut cursor = start - Duration::seconds(1);
            while let Some(next) = schedule.next_after(zone, cursor) {
                if next >= end {
                    break;
                }
                planned.push(next);
                cursor = next;
            }
            let expected: Vec<_> = expected.into_iter().collect();
            prop_assert_eq!(planned, expected, "{} in {}", line, zone.name());
        }
    }
}
