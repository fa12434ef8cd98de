//! Reminder offsets and when each reminder is due.
//!
//! Offsets in whole days mean the same local wall time that many days before (a
//! Monday 18:30 meeting's `1d` reminder is Sunday 18:30 local, even across a DST
//! change); hours and minutes are elapsed time (`24h` is exactly 24 hours before).

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::time::{resolve_local, Tz};

/// Why offsets were refused; `Display` is the sentence the coordinator sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OffsetError(pub String);

/// How long before a session a reminder goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Offset {
    /// Same local wall time, this many days before.
    Days(u32),
    /// Exactly this many minutes before.
    Minutes(u32),
}

impl Offset {
    pub const MAX_COUNT: usize = 5;
    const MIN_MINUTES: u32 = 1;
    const MAX_MINUTES: u32 = 30 * 24 * 60;

    /// `1d`, `24h`, `1h30m`, `45m`: days alone, or hours and minutes.
    pub fn parse(input: &str) -> Result<Offset, OffsetError> {
        let text = input.trim().to_ascii_lowercase();
        let unreadable = || {
            OffsetError(format!(
                "\"{}\" isn't a reminder time I can read. Use days, hours or minutes before the \
                 session, like 1d, 24h, 1h30m or 15m.",
                input.trim()
            ))
        };
        if let Some(days) = text.strip_suffix('d') {
            let days: u32 = days.parse().map_err(|_| unreadable())?;
            let offset = Offset::Days(days);
            offset.check(input.trim())?;
            return Ok(offset);
        }
        let mut minutes: u32 = 0;
        let mut number = String::new();
        let mut saw_unit = false;
        for c in text.chars() {
            match c {
                '0'..='9' => number.push(c),
                'h' | 'm' if !number.is_empty() => {
                    let n: u32 = number.parse().map_err(|_| unreadable())?;
                    let factor = if c == 'h' { 60 } else { 1 };
                    minutes = n
                        .checked_mul(factor)
                        .and_then(|v| minutes.checked_add(v))
                        .ok_or_else(unreadable)?;
                    number.clear();
                    saw_unit = true;
                }
                _ => return Err(unreadable()),
            }
        }
        if !number.is_empty() || !saw_unit {
            return Err(unreadable());
        }
        let offset = Offset::Minutes(minutes);
        offset.check(input.trim())?;
        Ok(offset)
    }

    fn approximate_minutes(self) -> u64 {
        match self {
            Offset::Days(d) => u64::from(d) * 24 * 60,
            Offset::Minutes(m) => u64::from(m),
        }
    }

    /// Checks the range; the refusal shows the offset as it was `typed`.
    fn check(self, typed: &str) -> Result<(), OffsetError> {
        let minutes = self.approximate_minutes();
        if minutes < u64::from(Self::MIN_MINUTES) || minutes > u64::from(Self::MAX_MINUTES) {
            return Err(OffsetError(format!(
                "A reminder can go out from 1 minute to 30 days before a session; {typed} is outside that."
            )));
        }
        Ok(())
    }

    /// When this reminder is due for a session starting at `starts_at` in `zone`.
    pub fn due_at(self, starts_at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        match self {
            Offset::Days(days) => {
                let local = starts_at.with_timezone(&zone).naive_local() - Duration::days(i64::from(days));
                resolve_local(zone, local)
            }
            Offset::Minutes(minutes) => starts_at - Duration::minutes(i64::from(minutes)),
        }
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Offset::Days(d) => write!(f, "{d}d"),
            Offset::Minutes(m) if m > 0 && m % 60 == 0 => write!(f, "{}h", m / 60),
            Offset::Minutes(m) if m > 60 => write!(f, "{}h{}m", m / 60, m % 60),
            Offset::Minutes(m) => write!(f, "{m}m"),
        }
    }
}

/// A group's reminder offsets: 1 to 5, no duplicates, latest first.
pub fn parse_offsets(input: &str) -> Result<Vec<Offset>, OffsetError> {
    if matches!(input.trim().to_ascii_lowercase().as_str(), NO_REMINDERS | "off") {
        return Ok(Vec::new());
    }
    let mut offsets = Vec::new();
    for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let offset = Offset::parse(part)?;
        if offsets.contains(&offset) {
            return Err(OffsetError(format!(
                "{offset} is listed twice; please give each reminder time once."
            )));
        }
        offsets.push(offset);
    }
    if offsets.is_empty() {
        return Err(OffsetError(
            "Give at least one reminder time, like offsets:24h,1h, or offsets:none for no reminders in \
             the channel."
                .into(),
        ));
    }
    if offsets.len() > Offset::MAX_COUNT {
        return Err(OffsetError(format!(
            "That's {} reminders; please choose at most {} so members aren't overwhelmed.",
            offsets.len(),
            Offset::MAX_COUNT
        )));
    }
    offsets.sort_by_key(|o| std::cmp::Reverse(o.approximate_minutes()));
    Ok(offsets)
}

/// The offsets as stored and shown: `24h,1h`.
/// How "no reminders at all" is typed and stored.
pub const NO_REMINDERS: &str = "none";

pub fn format_offsets(offsets: &[Offset]) -> String {
    if offsets.is_empty() {
        return NO_REMINDERS.to_string();
    }
    offsets
        .iter()
        .map(Offset::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_can_be_turned_off_and_read_back() {
        assert_eq!(parse_offsets("none"), Ok(Vec::new()));
        assert_eq!(parse_offsets(" Off "), Ok(Vec::new()));
        assert_eq!(format_offsets(&[]), "none");
        assert_eq!(parse_offsets(&format_offsets(&[])), Ok(Vec::new()));
        assert!(
            parse_offsets("").is_err(),
            "an empty list is a slip, not a choice"
        );
    }
    use chrono::TimeZone;

    #[test]
    fn offsets_parse_in_days_hours_and_minutes() {
        assert_eq!(
            parse_offsets("24h, 1h").unwrap(),
            vec![Offset::Minutes(1440), Offset::Minutes(60)]
        );
        assert_eq!(Offset::parse("1h30m").unwrap(), Offset::Minutes(90));
        assert_eq!(Offset::parse("2d").unwrap(), Offset::Days(2));
        assert_eq!(
            format_offsets(&parse_offsets("1h,1d,90m").unwrap()),
            "1d,1h30m,1h"
        );
    }

    #[test]
    fn a_zero_minute_offset_is_refused_in_the_unit_it_was_typed_in() {
        let said = Offset::parse("0m").unwrap_err().to_string();
        assert!(said.contains("0m is outside that"), "{said}");
        assert!(!said.contains("0h"), "{said}");
        let said = Offset::parse("0h").unwrap_err().to_string();
        assert!(said.contains("0h is outside that"), "{said}");
        let said = Offset::parse("45d").unwrap_err().to_string();
        assert!(said.contains("45d is outside that"), "{said}");
    }

    #[test]
    fn bad_offsets_are_refused_with_a_reason() {
        for bad in ["0m", "45d", "abc", "1h,1h", "1d,2d,3d,4d,5d,6d", "", "h", "10"] {
            assert!(parse_offsets(bad).is_err(), "{bad} should be refused");
        }
        assert!(parse_offsets("45d").unwrap_err().0.contains("30 days"));
        assert!(parse_offsets("1h,1h").unwrap_err().0.contains("twice"));
    }

    #[test]
    fn a_day_offset_keeps_local_wall_time_across_a_dst_change() {
        let london = chrono_tz::Europe::London;
        // Monday 30 March 2026 18:30 BST; the clocks changed on Sunday 29 March at 01:00 UTC.
        let start = london
            .with_ymd_and_hms(2026, 3, 30, 18, 30, 0)
            .unwrap()
            .with_timezone(&Utc);
        let one_day = Offset::Days(1).due_at(start, london);
        let twenty_four_hours = Offset::Minutes(1440).due_at(start, london);
        assert_eq!(
            one_day,
            london
                .with_ymd_and_hms(2026, 3, 29, 18, 30, 0)
                .unwrap()
                .with_timezone(&Utc)
        );
        assert_eq!(twenty_four_hours, start - Duration::hours(24));
        assert_eq!(one_day, twenty_four_hours, "the change was before Sunday evening");
        // Across the change itself: Sunday 29 March 18:30 BST, one day before is Saturday 18:30 GMT.
        let sunday = london
            .with_ymd_and_hms(2026, 3, 29, 18, 30, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Offset::Days(1).due_at(sunday, london),
            sunday - Duration::hours(23)
        );
    }
}
