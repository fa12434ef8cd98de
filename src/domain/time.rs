//! Time for hearth: the one daylight-saving policy, and reading and showing the times,
//! dates, durations and time zones that people type.
//!
//! Every instant hearth stores is UTC; every schedule is written in the local wall time
//! of its group's IANA zone. [`resolve_local`] is the only place a wall time becomes an
//! instant, so meetings, drop-ins, prompts and reminders all follow the same rule about
//! the hour that is skipped in spring and the hour that happens twice in autumn.
//! Nothing here reads the clock: `now`, where needed, is always a parameter.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use thiserror::Error;

pub use chrono_tz::Tz;

/// Turns a wall time in `zone` into the instant it names, by hearth's single DST policy.
///
/// - A wall time that happens once is that instant.
/// - A wall time that does not exist (the spring-forward gap) is read with the UTC
///   offset in force just before the gap, so it moves forward by the gap's length:
///   02:30 in Europe/Berlin on 2026-03-29 becomes 03:30 CEST, and in
///   Australia/Lord_Howe, whose gap is 30 minutes, 02:15 becomes 02:45. This is what
///   RFC 5545 asks for, so the ICS feed and the bot agree.
/// - A wall time that happens twice (the fall-back overlap) is its first instant, so
///   a session happens once, at the earlier of the two.
///
/// Total: it never panics, for any wall time chrono can represent.
pub fn resolve_local(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => first.with_timezone(&Utc).min(second.with_timezone(&Utc)),
        LocalResult::None => resolve_in_gap(zone, local),
    }
}

/// Reads a wall time that falls in a gap with the offset in force before the gap.
///
/// The offset is taken at the instant a day before the wall time read as if it were
/// UTC, as ECMAScript Temporal does. No zone changes offset twice within a day, and
/// no gap is longer than a day (Samoa's skipped 2011-12-30 is the longest), so that
/// instant is always on the near side of the transition. Checked against every
/// transition of every zone from 1900 to 2200 while this was written.
fn resolve_in_gap(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let as_utc = Utc.from_utc_datetime(&local);
    let Some(day_before) = local.checked_sub_signed(Duration::days(1)) else {
        // Only reachable at the very start of chrono's range, where no zone has gaps.
        return as_utc;
    };
    let offset_before = zone.offset_from_utc_datetime(&day_before).fix().local_minus_utc();
    local
        .checked_sub_signed(Duration::seconds(i64::from(offset_before)))
        .map_or(as_utc, |utc| Utc.from_utc_datetime(&utc))
}

/// Why a time zone name could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZoneError {
    /// Nothing was typed.
    #[error("Please give a time zone. Time zones are IANA names such as Europe/London or America/New_York.")]
    Empty,
    /// An abbreviation the zone database keeps as a fixed offset that never changes
    /// for summer time (`EST`, `MST`): almost always meant as a place whose clocks do.
    #[error(
        "{input} is a fixed offset that never changes for summer time, so a meeting there \
         would be an hour out for half the year. Please give the place's own zone instead, \
         such as {place} — it follows the clock changes for you."
    )]
    FixedAbbreviation { input: String, place: &'static str },
    /// The name is not an IANA zone; `suggestion` is the closest one, if any is close.
    #[error("{}", unknown_zone_message(.input, *.suggestion))]
    Unknown {
        /// What was typed, trimmed.
        input: String,
        /// A zone name close enough to be worth offering.
        suggestion: Option<&'static str>,
    },
}

fn unknown_zone_message(input: &str, suggestion: Option<&str>) -> String {
    let hint = suggestion
        .map(|zone| format!(" Did you mean {zone}?"))
        .unwrap_or_default();
    format!(
        "I don't know the time zone \"{input}\".{hint} Time zones are IANA names such as Europe/London or America/New_York."
    )
}

/// Reads an IANA time zone name such as `Europe/London`, ignoring case and
/// surrounding spaces (and treating spaces and underscores alike, so
/// `america/new york` works).
///
/// Anything else is an error that, where one is close, suggests a zone: a misspelling
/// (`Europe/Londn`) or a bare city (`london`) both suggest `Europe/London`.
pub fn parse_zone(input: &str) -> Result<Tz, ZoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ZoneError::Empty);
    }
    let place = match trimmed.to_ascii_uppercase().as_str() {
        "EST" => Some("America/New_York (or America/Toronto)"),
        "MST" => Some("America/Denver (or America/Phoenix, where the clocks stay put)"),
        _ => None,
    };
    if let Some(place) = place {
        return Err(ZoneError::FixedAbbreviation {
            input: trimmed.to_ascii_uppercase(),
            place,
        });
    }
    if let Some(zone) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(trimmed))
    {
        return Ok(*zone);
    }
    // A second, looser exact match: spaces for underscores, as people type city names.
    let loose = squash(trimmed);
    let mut loose_matches = chrono_tz::TZ_VARIANTS
        .iter()
        .filter(|zone| squash(zone.name()) == loose);
    if let (Some(zone), None) = (loose_matches.next(), loose_matches.next()) {
        return Ok(*zone);
    }
    Err(ZoneError::Unknown {
        input: trimmed.to_owned(),
        suggestion: closest_zone(trimmed),
    })
}

/// Lower-case with underscores and spaces removed, so `New_York`, `new york` and
/// `NewYork` compare equal.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '_' && *c != ' ')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The part of a zone name after the last `/`: usually the city.
fn city(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The regions of the modern, canonical zone names. Legacy aliases (`GB`, `US/Eastern`,
/// `EST5EDT`) are still accepted, but when two names are equally good we offer the
/// canonical one.
const CANONICAL_REGIONS: [&str; 9] = [
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

fn is_canonical(name: &str) -> bool {
    CANONICAL_REGIONS.iter().any(|region| name.starts_with(region)) || name == "UTC"
}

/// How alike two squashed names must be for a suggestion to be worth making.
/// 0.75 lets one slip in a six-letter city through (`Londn`) but not a different city.
const SUGGESTION_THRESHOLD: f64 = 0.75;

/// Longer than any zone name by a wide margin; past this, nothing is close, and
/// comparing would only cost time.
const LONGEST_WORTH_COMPARING: usize = 64;

/// How alike two strings are, from 0 to 1: one minus the edit distance (counting a
/// swap of neighbours as one edit, the commonest typo) over the longer length.
fn similarity(a: &str, b: &str) -> f64 {
    let (len_a, len_b) = (a.chars().count(), b.chars().count());
    let longer = len_a.max(len_b);
    if longer == 0 {
        return 1.0;
    }
    // Zone names are short, so these counts convert to f64 exactly.
    let best_possible = 1.0 - len_a.abs_diff(len_b) as f64 / longer as f64;
    if best_possible < SUGGESTION_THRESHOLD {
        // The lengths alone rule it out; skip the costly comparison.
        return best_possible;
    }
    1.0 - strsim::osa_distance(a, b) as f64 / longer as f64
}

fn closest_zone(input: &str) -> Option<&'static str> {
    if input.len() > LONGEST_WORTH_COMPARING {
        return None;
    }
    let typed_full = squash(input);
    let typed_city = squash(city(input));
    let mut best: Option<(f64, bool, usize, &'static str)> = None;
    for zone in chrono_tz::TZ_VARIANTS.iter() {
        let name = zone.name();
        let full = similarity(&typed_full, &squash(name));
        let by_city = similarity(&typed_city, &squash(city(name)));
        let score = full.max(by_city);
        if score < SUGGESTION_THRESHOLD {
            continue;
        }
        let candidate = (score, is_canonical(name), name.len(), name);
        let better = match best {
            None => true,
            Some((best_score, best_canonical, best_len, _)) => {
                score > best_score
                    || (score == best_score
                        && (candidate.1, std::cmp::Reverse(candidate.2))
                            > (best_canonical, std::cmp::Reverse(best_len)))
            }
        };
        if better {
            best = Some(candidate);
        }
    }
    best.map(|(_, _, _, name)| name)
}

/// Zones offered when nothing has been typed yet: the places hearth's communities
/// most often meet in, west to east.
const COMMON_ZONES: [&str; 20] = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Stockholm",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
];

/// Zone names for autocomplete, best first, at most `limit` of them.
///
/// Case-insensitive, with spaces and underscores treated alike. First come names that
/// start with what was typed (`Europe/Lo` offers `Europe/London`), then names whose
/// city starts with it (`lon`), then names that contain it anywhere. Within each
/// group canonical names come before legacy aliases, then shorter before longer, so
/// the most likely completion is on top. Empty input offers common zones.
pub fn suggest_zones(partial: &str, limit: usize) -> Vec<&'static str> {
    let typed = squash(partial.trim());
    if typed.is_empty() {
        return COMMON_ZONES.iter().copied().take(limit).collect();
    }
    let mut ranked: Vec<(u8, bool, usize, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .filter_map(|zone| {
            let name = zone.name();
            let full = squash(name);
            let tier = if full.starts_with(&typed) {
                0
            } else if squash(city(name)).starts_with(&typed) {
                1
            } else if full.contains(&typed) {
                2
            } else {
                return None;
            };
            Some((tier, !is_canonical(name), name.len(), name))
        })
        .collect();
    ranked.sort_unstable();
    ranked
        .into_iter()
        .map(|(_, _, _, name)| name)
        .take(limit)
        .collect()
}

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
/// When a wall time falls in the hour the clocks skip, what to tell the person: the
/// time doesn't happen that day, and when the session is instead (the policy above).
/// `None` for a wall time that exists.
pub fn gap_note(zone: Tz, local: NaiveDateTime) -> Option<String> {
    if !matches!(zone.from_local_datetime(&local), LocalResult::None) {
        return None;
    }
    let resolved = resolve_local(zone, local).with_timezone(&zone);
    Some(format!(
        "{} doesn't happen on {} in {}: the clocks go forward then, so that session is at {}.",
        local.format("%H:%M"),
        local.format("%a %-d %b %Y"),
        zone.name(),
        resolved.format("%H:%M %Z")
    ))
}

pub fn format_local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wall_time_in_the_skipped_hour_is_explained_and_others_are_not() {
        let london = chrono_tz::Europe::London;
        let skipped = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        let note = gap_note(london, skipped).expect("01:30 is skipped on 29 March");
        assert_eq!(
            note,
            "01:30 doesn't happen on Sun 29 Mar 2026 in Europe/London: the clocks go forward then, so that session is at 02:30 BST."
        );
        assert_eq!(gap_note(london, skipped + chrono::Duration::hours(17)), None);
    }

    #[test]
    fn a_fixed_abbreviation_like_est_is_refused_with_the_place_to_use() {
        let refused = parse_zone("est").unwrap_err().to_string();
        assert!(refused.contains("never changes for summer time"), "{refused}");
        assert!(refused.contains("America/New_York"), "{refused}");
        assert!(parse_zone("America/New_York").is_ok());
        assert!(parse_zone("UTC").is_ok(), "UTC is meant as it is");
    }
    use chrono::NaiveDate;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .expect("test dates are valid")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.from_utc_datetime(&local(y, m, d, h, min))
    }

    #[test]
    fn an_ordinary_wall_time_is_that_instant() {
        let at = resolve_local(chrono_tz::Europe::London, local(2026, 3, 10, 18, 30));
        assert_eq!(at, utc(2026, 3, 10, 18, 30));
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
        let at = resolve_local(chrono_tz::Europe::Berlin, local(2026, 3, 29, 2, 30));
        assert_eq!(at, utc(2026, 3, 29, 1, 30));
        assert_eq!(
            format_local(at, chrono_tz::Europe::Berlin),
            "Sun 29 Mar 2026 03:30 CEST"
        );
    }

    #[test]
    fn a_time_in_lord_howes_half_hour_gap_moves_by_half_an_hour() {
        let zone = chrono_tz::Australia::Lord_Howe;
        let at = resolve_local(zone, local(2026, 10, 4, 2, 15));
        let wall = at.with_timezone(&zone).naive_local();
        assert_eq!(wall, local(2026, 10, 4, 2, 45));
    }

    #[test]
    fn a_time_that_happens_twice_is_its_first_instant() {
        let at = resolve_local(chrono_tz::Europe::Berlin, local(2026, 10, 25, 2, 30));
        assert_eq!(at, utc(2026, 10, 25, 0, 30));
    }

    #[test]
    fn resolving_never_panics_at_the_edges_of_the_range() {
        for zone in [
            chrono_tz::Pacific::Apia,
            chrono_tz::Europe::London,
            chrono_tz::UTC,
        ] {
            let _ = resolve_local(zone, NaiveDateTime::MIN);
            let _ = resolve_local(zone, NaiveDateTime::MAX);
        }
    }

    #[test]
    fn samoas_skipped_day_moves_forward_a_whole_day() {
        // Samoa jumped from UTC-10 to UTC+14 at the end of 2011-12-29: the 30th never happened.
        let zone = chrono_tz::Pacific::Apia;
        let at = resolve_local(zone, local(2011, 12, 30, 10, 0));
        assert_eq!(at.with_timezone(&zone).naive_local(), local(2011, 12, 31, 10, 0));
    }

    #[test]
    fn zone_names_are_matched_ignoring_case_and_spaces() {
        assert_eq!(parse_zone(" europe/london "), Ok(chrono_tz::Europe::London));
        assert_eq!(parse_zone("America/New York"), Ok(chrono_tz::America::New_York));
        assert_eq!(parse_zone("utc"), Ok(chrono_tz::UTC));
    }

    #[test]
    fn a_misspelt_zone_suggests_the_right_one() {
        let err = parse_zone("Europe/Londn").expect_err("misspelt");
        assert_eq!(
            err.to_string(),
            "I don't know the time zone \"Europe/Londn\". Did you mean Europe/London? \
             Time zones are IANA names such as Europe/London or America/New_York."
        );
    }

    #[test]
    fn a_bare_city_suggests_its_zone() {
        for input in ["london", "London", "Londn"] {
            let err = parse_zone(input).expect_err("a city is not a zone");
            assert!(
                matches!(
                    err,
                    ZoneError::Unknown {
                        suggestion: Some("Europe/London"),
                        ..
                    }
                ),
                "{input}: {err:?}"
            );
        }
        let err = parse_zone("new york").expect_err("a city is not a zone");
        assert!(matches!(
            err,
            ZoneError::Unknown {
                suggestion: Some("America/New_York"),
                ..
            }
        ));
    }

    #[test]
    fn a_zone_with_nothing_close_gets_no_suggestion() {
        let err = parse_zone("Narnia/Cair_Paravel").expect_err("fictional");
        assert_eq!(
            err.to_string(),
            "I don't know the time zone \"Narnia/Cair_Paravel\". \
             Time zones are IANA names such as Europe/London or America/New_York."
        );
    }

    #[test]
    fn an_empty_zone_asks_for_one() {
        assert_eq!(parse_zone("  "), Err(ZoneError::Empty));
    }

    #[test]
    fn autocomplete_puts_the_likely_zone_first() {
        assert_eq!(suggest_zones("Europe/Lo", 5).first(), Some(&"Europe/London"));
        assert_eq!(suggest_zones("lon", 5).first(), Some(&"Europe/London"));
        assert_eq!(suggest_zones("new y", 5).first(), Some(&"America/New_York"));
        assert_eq!(
            suggest_zones("america/new_", 5).first(),
            Some(&"America/New_York")
        );
    }

    #[test]
    fn autocomplete_offers_prefixes_then_cities_then_substrings() {
        let found = suggest_zones("syd", 25);
        assert_eq!(found.first(), Some(&"Australia/Sydney"));
        let found = suggest_zones("york", 25);
        assert!(found.contains(&"America/New_York"));
    }

    #[test]
    fn autocomplete_with_nothing_typed_offers_common_zones() {
        let found = suggest_zones("", 3);
        assert_eq!(found, vec!["Europe/London", "Europe/Dublin", "Europe/Lisbon"]);
        assert!(suggest_zones("", 0).is_empty());
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

    proptest::proptest! {
        // Each case scans every zone three times; 64 keeps the debug suite quick.
        #![proptest_config(proptest::test_runner::Config::with_cases(64))]

        #[test]
        fn no_typed_input_makes_the_parsers_panic(text in "\\PC{0,40}", digits in "[0-9hmdw :T-]{0,20}") {
            for input in [&text, &digits] {
                let _ = parse_zone(input);
                let _ = suggest_zones(input, 25);
                let _ = parse_when(input);
                let _ = parse_date(input);
                if let Ok(length) = parse_duration(input) {
                    proptest::prop_assert!(length > Duration::zero() && length <= Duration::days(366));
                }
            }
        }
    }
}
