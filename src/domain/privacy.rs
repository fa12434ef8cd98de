//! What outlives a member's details: when answers are forgotten or purged, the counts
//! they made are kept, so attendance figures for funders stay right without anyone's
//! id. And the rules for how long things are kept.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::time::Tz;

/// One answer row, as the tallies need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub session_id: i64,
    pub group_id: i64,
    pub zone: Tz,
    pub starts_at: DateTime<Utc>,
    pub user_id: String,
    pub attended: bool,
    /// Their first attendance at this group as far as hearth's records go.
    pub first_time: bool,
}

/// What removing some answers adds to the kept counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    /// session id -> (attendances, first-time attendances).
    pub sessions: BTreeMap<i64, (i64, i64)>,
    /// (group id, `YYYY-MM`) -> distinct attendees whose every attendance that month
    /// is removed (so no longer counted from the details).
    pub months: BTreeMap<(i64, String), i64>,
    /// (group id, member) whose remaining answers must say they have been before.
    pub seen_before: BTreeSet<(i64, String)>,
}

/// The month a moment falls in, in a group's zone: `2026-03`.
pub fn month_key(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m").to_string()
}

/// The counts `removed` made, given the answers that stay (`remaining`: at least those
/// of the same members and groups). A member still counted from a remaining answer
/// in a month is not counted again for it.
pub fn tally_removal(removed: &[AnswerRow], remaining: &[AnswerRow]) -> Tallies {
    let mut tallies = Tallies::default();
    let still_counted: BTreeSet<(i64, String, &str)> = remaining
        .iter()
        .filter(|r| r.attended)
        .map(|r| (r.group_id, month_key(r.starts_at, r.zone), r.user_id.as_str()))
        .collect();
    let mut gone: BTreeSet<(i64, String, &str)> = BTreeSet::new();
    for row in removed.iter().filter(|r| r.attended) {
        let entry = tallies.sessions.entry(row.session_id).or_default();
        entry.0 += 1;
        if row.first_time {
            entry.1 += 1;
        }
        let key = (
            row.group_id,
            month_key(row.starts_at, row.zone),
            row.user_id.as_str(),
        );
        if !still_counted.contains(&key) {
            gone.insert(key);
        }
        if remaining
            .iter()
            .any(|r| r.group_id == row.group_id && r.user_id == row.user_id)
        {
            tallies.seen_before.insert((row.group_id, row.user_id.clone()));
        }
    }
    for (group, month, _) in gone {
        *tallies.months.entry((group, month)).or_default() += 1;
    }
    tallies
}

/// The longest retention a community may set: ten years.
pub const MAX_RETENTION_DAYS: i64 = 3650;

/// A retention period as typed, checked: 1 to 3650 days.
pub fn check_retention(what: &str, days: i64) -> Result<i64, String> {
    if (1..=MAX_RETENTION_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(format!(
            "{what} is how many days to keep it: a whole number from 1 to {MAX_RETENTION_DAYS} (ten years). \
             {days} can't be used."
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(session_id: i64, day: u32, user: &str, first_time: bool) -> AnswerRow {
        AnswerRow {
            session_id,
            group_id: 1,
            zone: chrono_tz::Europe::London,
            starts_at: Utc.with_ymd_and_hms(2026, 3, day, 18, 0, 0).unwrap(),
            user_id: user.into(),
            attended: true,
            first_time,
        }
    }

    #[test]
    fn a_member_still_counted_that_month_is_not_counted_twice() {
        let removed = [row(1, 2, "ash", true), row(1, 2, "bo", true)];
        let remaining = [row(2, 9, "ash", false)];

        let tallies = tally_removal(&removed, &remaining);

        assert_eq!(tallies.sessions[&1], (2, 2));
        assert_eq!(
            tallies.months[&(1, "2026-03".to_string())],
            1,
            "only bo left the details"
        );
        assert!(tallies.seen_before.contains(&(1, "ash".to_string())));
        assert!(!tallies.seen_before.contains(&(1, "bo".to_string())));
    }

    #[test]
    fn answers_without_attendance_add_nothing() {
        let mut answer = row(1, 2, "ash", false);
        answer.attended = false;
        assert_eq!(tally_removal(&[answer], &[]), Tallies::default());
    }

    #[test]
    fn retention_is_refused_at_zero_and_past_ten_years() {
        assert!(check_retention("retention_days", 0).is_err());
        assert!(check_retention("retention_days", 3651).is_err());
        assert_eq!(check_retention("retention_days", 365), Ok(365));
    }
}
