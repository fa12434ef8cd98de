//! A zone's changes of UTC offset over a span of time, read from chrono-tz's tables,
//! so that a calendar feed can carry the VTIMEZONE block RFC 5545 §3.6.5 requires
//! for each TZID it uses (chrono-tz has the rules; no crate writes the block).

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// The offset in force over a stretch of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    /// When it begins (for the first, the start of the span asked for).
    pub from: DateTime<Utc>,
    /// Seconds east of UTC before `from`.
    pub offset_before: i32,
    /// Seconds east of UTC from `from` on.
    pub offset_after: i32,
    /// Its abbreviation where the zone has one (`BST`), else the offset (`+0100`).
    pub name: String,
    /// Summer time (`DAYLIGHT`) rather than standard time.
    pub daylight: bool,
}

fn offset_seconds(zone: Tz, at: DateTime<Utc>) -> i32 {
    zone.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

fn observance_at(zone: Tz, at: DateTime<Utc>, offset_before: i32) -> Observance {
    let offset = zone.offset_from_utc_datetime(&at.naive_utc());
    let offset_after = offset.fix().local_minus_utc();
    let name = offset
        .abbreviation()
        .filter(|name| name.chars().any(char::is_alphabetic))
        .map(str::to_string)
        .unwrap_or_else(|| format_offset(offset_after));
    Observance {
        from: at,
        offset_before,
        offset_after,
        name,
        daylight: !offset.dst_offset().is_zero(),
    }
}

/// The observance in force at `from`, then one for each change of offset up to `to`.
/// Changes are found by stepping a day at a time and narrowing each to the second,
/// so two changes less than a day apart would be seen as one (no zone has them).
pub fn observances(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Observance> {
    let first_offset = offset_seconds(zone, from);
    let mut out = vec![observance_at(zone, from, first_offset)];
    let step = Duration::days(1);
    let mut at = from;
    let mut offset = first_offset;
    while at < to {
        let next = at + step;
        let next_offset = offset_seconds(zone, next);
        if next_offset != offset {
            // The change is in (at, next]: narrow to the first whole second with the new offset.
            let (mut before, mut after) = (at.timestamp(), next.timestamp());
            while after - before > 1 {
                let middle = before + (after - before) / 2;
                let middle_at = DateTime::from_timestamp(middle, 0).unwrap_or(next);
                if offset_seconds(zone, middle_at) == offset {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            let after = DateTime::from_timestamp(after, 0).unwrap_or(next);
            out.push(observance_at(zone, after, offset));
            offset = next_offset;
        }
        at = next;
    }
    out
}

/// `+0100`, `-0330`: RFC 5545's UTC-OFFSET form.
pub fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (hours, minutes, secs) = (abs / 3600, abs % 3600 / 60, abs % 60);
    if secs == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{secs:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn london_in_2026_changes_at_one_in_the_morning_utc_on_both_sundays() {
        let found = observances(
            chrono_tz::Europe::London,
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            (found[0].offset_after, found[0].daylight, found[0].name.as_str()),
            (0, false, "GMT")
        );
        assert_eq!(found[1].from, utc("2026-03-29T01:00:00Z"));
        assert_eq!((found[1].offset_before, found[1].offset_after), (0, 3600));
        assert_eq!((found[1].daylight, found[1].name.as_str()), (true, "BST"));
        assert_eq!(found[2].from, utc("2026-10-25T01:00:00Z"));
        assert_eq!((found[2].offset_before, found[2].offset_after), (3600, 0));
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let found = observances(
            chrono_tz::Asia::Kolkata,
            utc("2026-01-01T00:00:00Z"),
            utc("2026-12-01T00:00:00Z"),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].offset_after, 19800);
        assert_eq!(format_offset(found[0].offset_after), "+0530");
    }

    #[test]
    fn sydney_falls_back_in_april_and_springs_forward_in_october() {
        let found = observances(
            chrono_tz::Australia::Sydney,
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        );
        assert_eq!(found.len(), 3);
        assert!(found[0].daylight);
        assert_eq!(found[1].from, utc("2026-04-04T16:00:00Z"));
        assert_eq!(found[1].offset_after, 36000);
        assert_eq!(found[2].from, utc("2026-10-03T16:00:00Z"));
        assert_eq!(format_offset(-12600), "-0330");
    }
}
