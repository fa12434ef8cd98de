//! The one daylight-saving policy: how a wall time in a zone becomes an instant.
//!
//! Every schedule hearth keeps (meetings, drop-ins, prompts, reminders) is written in
//! the local wall time of its group's zone; [`resolve_local`] is the only place a wall
//! time becomes an instant, so all of them follow the same rule about the hour that is
//! skipped in spring and the hour that happens twice in autumn.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};

use super::Tz;

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

#[cfg(test)]
mod tests {
    use super::super::format_local;
    use super::*;
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
}
