//! The daylight-saving test suite: series in northern, southern, half-hour and no-DST
//! zones keep their wall time across both 2026 transitions, times in a gap move forward
//! by the gap, times in an overlap happen once at their first instant, and property
//! tests check the same over random zones, dates, times and series.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::recurrence::{End, Occurrence, Recurrence, RecurrenceSpec, Repeat};
use super::time::resolve_local;

use chrono_tz::America::New_York;
use chrono_tz::Asia::Kolkata;
use chrono_tz::Australia::{Lord_Howe, Sydney};
use chrono_tz::Europe::{Berlin, London};

fn wall(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, min, 0))
        .expect("test dates are valid")
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&wall(y, m, d, h, min))
}

/// The zone's UTC offset at an instant, in seconds east of UTC.
fn offset_secs(zone: Tz, at: DateTime<Utc>) -> i64 {
    i64::from(
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

fn series(start: NaiveDateTime, repeat: Repeat) -> Recurrence {
    Recurrence::build(
        start,
        &RecurrenceSpec {
            repeat,
            ..RecurrenceSpec::default()
        },
    )
    .expect("the series is valid")
}

fn raw(start: NaiveDateTime, rule: &str) -> Recurrence {
    Recurrence::build(
        start,
        &RecurrenceSpec {
            rrule: Some(rule.to_owned()),
            ..RecurrenceSpec::default()
        },
    )
    .expect("the rule is valid")
}

fn all_of_2026(series: &Recurrence, zone: Tz) -> Vec<Occurrence> {
    // A day either side, so every zone's whole local year is inside the window.
    let found = series.occurrences(zone, utc(2025, 12, 31, 0, 0), utc(2027, 1, 2, 0, 0), 1000);
    found
        .into_iter()
        .filter(|o| chrono::Datelike::year(&o.local_date) == 2026)
        .collect()
}

fn on_date(found: &[Occurrence], date: NaiveDate) -> Vec<Occurrence> {
    found.iter().copied().filter(|o| o.local_date == date).collect()
}

/// Each zone, and how much its offset in July differs from its offset in January:
/// an hour ahead in the north, an hour behind in Sydney, half an hour behind on Lord
/// Howe Island, and no change in India.
const ZONES: [(Tz, i64); 6] = [
    (London, 3600),
    (Berlin, 3600),
    (New_York, 3600),
    (Sydney, -3600),
    (Kolkata, 0),
    (Lord_Howe, -1800),
];

#[test]
fn every_kind_of_series_keeps_its_wall_time_across_both_transitions_in_every_zone() {
    // Tuesdays at 18:30: every week, every other week, the 2nd and the last of the month.
    let cases = [
        (series(wall(2026, 1, 6, 18, 30), Repeat::Weekly), 52),
        (series(wall(2026, 1, 6, 18, 30), Repeat::Fortnightly), 26),
        (series(wall(2026, 1, 13, 18, 30), Repeat::MonthlyWeekday), 12),
        (series(wall(2026, 1, 27, 18, 30), Repeat::MonthlyLastWeekday), 12),
    ];
    for (zone, july_minus_january) in ZONES {
        for (series, expected) in &cases {
            let found = all_of_2026(series, zone);
            assert_eq!(found.len(), *expected, "{zone} {}", series.rule());
            for occurrence in &found {
                let shown = occurrence.starts_at.with_timezone(&zone).naive_local();
                assert_eq!(shown, occurrence.local_start, "{zone} {}", series.rule());
                assert_eq!(shown.time(), wall(2026, 1, 1, 18, 30).time());
                assert_eq!(occurrence.local_date, shown.date());
            }
            let january = offset_secs(zone, found[0].starts_at);
            let july = found
                .iter()
                .find(|o| o.local_date.format("%m").to_string() == "07")
                .map(|o| offset_secs(zone, o.starts_at))
                .expect("every series meets in July");
            let december = offset_secs(zone, found[found.len() - 1].starts_at);
            assert_eq!(july - january, july_minus_january, "{zone} {}", series.rule());
            assert_eq!(december, january, "{zone} {}", series.rule());
            assert!(found.windows(2).all(|pair| pair[0].starts_at < pair[1].starts_at));
        }
    }
}

#[test]
fn a_london_fortnightly_meeting_is_at_half_six_in_gmt_and_in_bst() {
    let found = all_of_2026(&series(wall(2026, 3, 10, 18, 30), Repeat::Fortnightly), London);
    let starts: Vec<DateTime<Utc>> = found.iter().map(|o| o.starts_at).take(4).collect();
    assert_eq!(
        starts,
        vec![
            utc(2026, 3, 10, 18, 30),
            utc(2026, 3, 24, 18, 30),
            utc(2026, 4, 7, 17, 30),
            utc(2026, 4, 21, 17, 30)
        ]
    );
    let autumn = |date| on_date(&found, date)[0].starts_at;
    assert_eq!(
        autumn(NaiveDate::from_ymd_opt(2026, 10, 20).expect("valid")),
        utc(2026, 10, 20, 17, 30)
    );
    assert_eq!(
        autumn(NaiveDate::from_ymd_opt(2026, 11, 3).expect("valid")),
        utc(2026, 11, 3, 18, 30)
    );
}

/// A daily session at `hour:minute` from 1 January 2026, expanded over 2026 in `zone`:
/// one session every day, strictly increasing.
fn daily_2026(zone: Tz, (hour, minute): (u32, u32)) -> Vec<Occurrence> {
    let found = all_of_2026(&raw(wall(2026, 1, 1, hour, minute), "FREQ=DAILY"), zone);
    assert_eq!(
        found.len(),
        365,
        "{zone}: one session every day, none lost or doubled"
    );
    assert!(
        found.windows(2).all(|pair| pair[0].starts_at < pair[1].starts_at),
        "{zone}"
    );
    found
}

/// The daily session on `date`, whose wall time falls in the spring gap, starts at
/// `expected`: later by exactly the gap, and still stored under its own date and time.
fn check_gap(zone: Tz, time: (u32, u32), date: NaiveDate, expected: DateTime<Utc>) {
    let found = daily_2026(zone, time);
    let on_the_day = on_date(&found, date);
    assert_eq!(on_the_day.len(), 1, "{zone}");
    let session = on_the_day[0];
    assert!(
        matches!(zone.from_local_datetime(&session.local_start), LocalResult::None),
        "{zone}: the test's time should be in the gap"
    );
    assert_eq!(session.starts_at, expected, "{zone}");
    assert_eq!(
        session.local_start,
        date.and_hms_opt(time.0, time.1, 0).expect("valid")
    );
    let before_gap = offset_secs(zone, expected - Duration::hours(3));
    let after_gap = offset_secs(zone, expected);
    assert_ne!(before_gap, after_gap, "{zone}: the offset changes");
    let moved = session.starts_at.with_timezone(&zone).naive_local() - session.local_start;
    assert_eq!(
        moved.num_seconds(),
        after_gap - before_gap,
        "{zone}: moved by the gap"
    );
}

/// The daily session on `date`, whose wall time happens twice, happens once, at
/// `expected`, the first of the two.
fn check_overlap(zone: Tz, time: (u32, u32), date: NaiveDate, expected: DateTime<Utc>) {
    let found = daily_2026(zone, time);
    let on_the_day = on_date(&found, date);
    assert_eq!(on_the_day.len(), 1, "{zone}");
    let LocalResult::Ambiguous(first, second) = zone.from_local_datetime(&on_the_day[0].local_start) else {
        panic!("{zone}: the test's time should happen twice");
    };
    let (first, second) = (first.with_timezone(&Utc), second.with_timezone(&Utc));
    assert_eq!(first.min(second), expected, "{zone}");
    assert_eq!(on_the_day[0].starts_at, expected, "{zone}");
    let later = first.max(second);
    assert!(
        found.iter().all(|o| o.starts_at != later),
        "{zone}: not again at the second instant"
    );
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
}

#[test]
fn a_daily_half_two_in_berlin_moves_to_half_three_in_spring_and_happens_once_in_autumn() {
    check_gap(Berlin, (2, 30), day(2026, 3, 29), utc(2026, 3, 29, 1, 30));
    check_overlap(Berlin, (2, 30), day(2026, 10, 25), utc(2026, 10, 25, 0, 30));
    assert_eq!(
        super::time::format_local(utc(2026, 3, 29, 1, 30), Berlin),
        "Sun 29 Mar 2026 03:30 CEST"
    );
    assert_eq!(
        super::time::format_local(utc(2026, 10, 25, 0, 30), Berlin),
        "Sun 25 Oct 2026 02:30 CEST"
    );
}

#[test]
fn lord_howes_half_hour_gap_moves_a_session_by_half_an_hour() {
    // Gap: 2026-10-04 02:00 +10:30 -> 02:30 +11. Overlap: 2026-04-05 01:30-02:00 twice.
    check_gap(Lord_Howe, (2, 15), day(2026, 10, 4), utc(2026, 10, 3, 15, 45));
    check_overlap(Lord_Howe, (1, 45), day(2026, 4, 5), utc(2026, 4, 4, 14, 45));
    assert_eq!(
        super::time::format_local(utc(2026, 10, 3, 15, 45), Lord_Howe),
        "Sun 4 Oct 2026 02:45 +11"
    );
}

#[test]
fn new_york_sydney_and_london_follow_the_same_policy_in_both_hemispheres() {
    check_gap(New_York, (2, 30), day(2026, 3, 8), utc(2026, 3, 8, 7, 30));
    check_overlap(New_York, (1, 30), day(2026, 11, 1), utc(2026, 11, 1, 5, 30));
    check_gap(Sydney, (2, 30), day(2026, 10, 4), utc(2026, 10, 3, 16, 30));
    check_overlap(Sydney, (2, 30), day(2026, 4, 5), utc(2026, 4, 4, 15, 30));
    check_gap(London, (1, 30), day(2026, 3, 29), utc(2026, 3, 29, 1, 30));
    check_overlap(London, (1, 30), day(2026, 10, 25), utc(2026, 10, 25, 0, 30));
}

#[test]
fn a_last_sunday_series_at_half_two_in_berlin_lands_on_both_transition_days() {
    let last_sunday = series(wall(2026, 1, 25, 2, 30), Repeat::MonthlyLastWeekday);
    let found = all_of_2026(&last_sunday, Berlin);
    assert_eq!(found.len(), 12);
    let march = on_date(&found, NaiveDate::from_ymd_opt(2026, 3, 29).expect("valid"));
    assert_eq!(march[0].starts_at, utc(2026, 3, 29, 1, 30));
    let october = on_date(&found, NaiveDate::from_ymd_opt(2026, 10, 25).expect("valid"));
    assert_eq!(october[0].starts_at, utc(2026, 10, 25, 0, 30));
}

#[test]
fn india_never_changes_its_offset() {
    let daily = raw(wall(2026, 1, 1, 2, 30), "FREQ=DAILY");
    let found = all_of_2026(&daily, Kolkata);
    assert_eq!(found.len(), 365);
    assert!(found
        .iter()
        .all(|o| offset_secs(Kolkata, o.starts_at) == 5 * 3600 + 1800));
    assert!(found
        .iter()
        .all(|o| o.starts_at.with_timezone(&Kolkata).naive_local() == o.local_start));
}

/// Zones for the property tests: the suite's six, plus DST at midnight (Havana,
/// Santiago), 45-minute offsets (Chatham), Newfoundland's half hour, Ramadan
/// suspensions (Casablanca) and the southern Pacific.
const PROPERTY_ZONES: [Tz; 13] = [
    London,
    Berlin,
    New_York,
    Sydney,
    Kolkata,
    Lord_Howe,
    chrono_tz::America::Havana,
    chrono_tz::America::Santiago,
    chrono_tz::Pacific::Chatham,
    chrono_tz::America::St_Johns,
    chrono_tz::Africa::Casablanca,
    chrono_tz::Pacific::Auckland,
    chrono_tz::UTC,
];

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A random series: kind 0-3 are the spec's kinds, 4 is monthly-date, 5 a raw daily
/// rule (which meets every transition).
fn random_series(
    date: NaiveDate,
    (hour, minute): (u32, u32),
    kind: usize,
    extra_days: &[usize],
    every_weeks: Option<u32>,
    count: Option<u32>,
) -> Recurrence {
    let mut date = date;
    let end = count.map_or(End::Never, End::Count);
    let mut spec = RecurrenceSpec {
        end,
        ..RecurrenceSpec::default()
    };
    match kind {
        0 | 1 => {
            spec.repeat = if kind == 0 {
                Repeat::Weekly
            } else {
                Repeat::Fortnightly
            };
            let mut days: Vec<Weekday> = extra_days.iter().map(|i| WEEK[*i]).collect();
            days.push(chrono::Datelike::weekday(&date));
            spec.days = Some(days);
            spec.every_weeks = if kind == 0 { every_weeks } else { None };
        }
        2 => spec.repeat = Repeat::MonthlyWeekday,
        3 => {
            spec.repeat = Repeat::MonthlyLastWeekday;
            while let Some(next) = date.checked_add_signed(Duration::days(7)) {
                if chrono::Datelike::month(&next) != chrono::Datelike::month(&date) {
                    break;
                }
                date = next;
            }
        }
        4 => spec.repeat = Repeat::MonthlyDate,
        _ => spec.rrule = Some("FREQ=DAILY".to_owned()),
    }
    let start = date
        .and_hms_opt(hour, minute, 0)
        .expect("hour and minute are in range");
    Recurrence::build(start, &spec).expect("the random series is valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resolved_sessions_are_increasing_and_at_the_rules_time_or_moved_by_the_gap(
        zone_index in 0..PROPERTY_ZONES.len(),
        day in 0i64..(4 * 365),
        hour in prop_oneof![0u32..24, 0u32..4],
        minute in prop_oneof![0u32..60, Just(0u32), Just(30u32)],
        kind in 0usize..6,
        extra_days in proptest::collection::vec(0usize..7, 0..3),
        every_weeks in proptest::option::of(1u32..5),
        count in proptest::option::of(1u32..80),
    ) {
        let zone = PROPERTY_ZONES[zone_index];
        let date = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid") + Duration::days(day);
        let series = random_series(date, (hour, minute), kind, &extra_days, every_weeks, count);
        let from = resolve_local(zone, series.start()) - Duration::days(1);
        let to = from + Duration::days(3 * 366);
        let found = series.occurrences(zone, from, to, 5000);

        prop_assert!(!found.is_empty());
        prop_assert_eq!(found[0].local_start, series.start());
        // Nothing is lost: every wall time the rule makes up to the last one found is there.
        let last = found[found.len() - 1].local_start;
        let locals: Vec<NaiveDateTime> = found.iter().map(|o| o.local_start).collect();
        prop_assert_eq!(locals, series.local_occurrences(last, 5000));

        for pair in found.windows(2) {
            prop_assert!(pair[0].starts_at < pair[1].starts_at, "not increasing: {:?}", pair);
            prop_assert!(pair[0].local_date < pair[1].local_date, "two on one date: {:?}", pair);
        }
        for occurrence in &found {
            let local = occurrence.local_start;
            let at = occurrence.starts_at;
            prop_assert_eq!(occurrence.local_date, local.date());
            prop_assert_eq!(local.time(), series.start().time());
            match zone.from_local_datetime(&local) {
                LocalResult::Single(only) => prop_assert_eq!(at, only.with_timezone(&Utc)),
                LocalResult::Ambiguous(first, second) => {
                    let earliest = first.with_timezone(&Utc).min(second.with_timezone(&Utc));
                    prop_assert_eq!(at, earliest);
                }
                LocalResult::None => {
                    let shown = at.with_timezone(&zone).naive_local();
                    let moved = shown - local;
                    let offset_after = offset_secs(zone, at);
                    let offset_before = offset_secs(zone, at - moved - Duration::seconds(1));
                    prop_assert!(moved > Duration::zero() && moved <= Duration::hours(2), "moved {}", moved);
                    prop_assert_eq!(moved.num_seconds(), offset_after - offset_before);
                    prop_assert_eq!(at.naive_utc(), local - Duration::seconds(offset_before));
                }
            }
        }
    }

    #[test]
    fn resolving_is_total_and_never_moves_a_time_backwards(
        zone_index in 0..chrono_tz::TZ_VARIANTS.len(),
        year in 1900i32..2200,
        ordinal in 1u32..=365,
        seconds in 0u32..86_400,
    ) {
        let zone = chrono_tz::TZ_VARIANTS[zone_index];
        let local = NaiveDate::from_yo_opt(year, ordinal)
            .and_then(|date| date.and_hms_opt(seconds / 3600, seconds / 60 % 60, seconds % 60))
            .expect("in range");
        let at = resolve_local(zone, local);
        let shown = at.with_timezone(&zone).naive_local();
        prop_assert!(shown >= local, "{} {} -> {}", zone, local, shown);
        prop_assert!(shown - local <= Duration::days(1), "{} {} -> {}", zone, local, shown);
        if let LocalResult::Single(only) = zone.from_local_datetime(&local) {
            prop_assert_eq!(at, only.with_timezone(&Utc));
        }
    }
}
