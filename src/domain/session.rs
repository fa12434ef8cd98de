//! Sessions: the materialised occurrences of a series, and how to re-materialise
//! them without losing rows.
//!
//! A session is keyed by (series, the rule's local date). Re-materialising after an
//! edit compares what the rule wants with what is stored and changes only what
//! differs, so the sessions of unchanged dates keep their ids — and with them, in
//! later features, their RSVPs and rota shifts.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    Scheduled,
    /// Cancelled for this one date; the series goes on.
    Cancelled,
    /// Moved to another time for this one date; the series goes on.
    Moved,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Scheduled => "scheduled",
            SessionStatus::Cancelled => "cancelled",
            SessionStatus::Moved => "moved",
        }
    }

    /// Cancelled and moved sessions are exceptions a person made: a rule change
    /// must not silently undo them.
    pub fn is_exception(self) -> bool {
        self != SessionStatus::Scheduled
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SessionStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scheduled" => Ok(SessionStatus::Scheduled),
            "cancelled" => Ok(SessionStatus::Cancelled),
            "moved" => Ok(SessionStatus::Moved),
            other => Err(format!("unknown session status {other:?}")),
        }
    }
}

/// A stored session, as far as materialisation needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: i64,
    pub local_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: SessionStatus,
    /// Cancelled because its series ended before it: it comes back, answers and all,
    /// if the series is extended past it again.
    pub ended: bool,
}

/// A date the rule has: a session it wants, or (`past_end`) one it would have but for
/// the series' end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedSession {
    pub local_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// After the series' last date (`/meeting end`): not to be held, but its stored
    /// session is kept (ended), not removed.
    pub past_end: bool,
}

/// What to change in the store to bring a series' sessions in line with its rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaterialisePlan {
    pub insert: Vec<WantedSession>,
    /// Same date, new instants (the zone or the duration changed): keep the id.
    pub retime: Vec<(i64, WantedSession)>,
    /// Dates the rule no longer has.
    pub remove: Vec<i64>,
    /// Sessions after the series' new end: cancelled and marked ended, answers kept.
    pub end: Vec<i64>,
    /// Ended sessions the series reaches again: back to scheduled, at these instants.
    pub restore: Vec<(i64, WantedSession)>,
}

impl MaterialisePlan {
    pub fn is_empty(&self) -> bool {
        self.insert.is_empty()
            && self.retime.is_empty()
            && self.remove.is_empty()
            && self.end.is_empty()
            && self.restore.is_empty()
    }
}

/// Compares the rule's sessions over the horizon with the stored ones.
///
/// Only sessions that have not started by `now` are touched: the past is history.
/// Exceptions (cancelled, moved) are left as they are while their date is still in
/// the rule; a date the rule no longer has is removed whatever its status. A date
/// past the series' end is not inserted, and its stored session is ended rather
/// than removed, so that extending the series again brings it back with its answers.
pub fn plan_materialisation(
    stored: &[StoredSession],
    wanted: &[WantedSession],
    now: DateTime<Utc>,
) -> MaterialisePlan {
    let by_date: BTreeMap<NaiveDate, &StoredSession> = stored.iter().map(|s| (s.local_date, s)).collect();
    let wanted_dates: HashSet<NaiveDate> = wanted.iter().map(|w| w.local_date).collect();
    let mut plan = MaterialisePlan::default();

    for want in wanted.iter().filter(|w| w.starts_at >= now) {
        match by_date.get(&want.local_date) {
            None if want.past_end => {}
            None => plan.insert.push(want.clone()),
            Some(existing) if existing.starts_at < now => {}
            Some(existing) if want.past_end => {
                // One a person cancelled stays as they left it.
                if existing.status != SessionStatus::Cancelled {
                    plan.end.push(existing.id);
                }
            }
            Some(existing) if existing.ended => plan.restore.push((existing.id, want.clone())),
            Some(existing) if existing.status.is_exception() => {}
            Some(existing) => {
                if existing.starts_at != want.starts_at || existing.ends_at != want.ends_at {
                    plan.retime.push((existing.id, want.clone()));
                }
            }
        }
    }
    for existing in stored.iter().filter(|s| s.starts_at >= now) {
        if !wanted_dates.contains(&existing.local_date) {
            plan.remove.push(existing.id);
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
    }

    fn wanted(day: u32, hour: u32) -> WantedSession {
        WantedSession {
            local_date: date(day),
            starts_at: at(day, hour),
            ends_at: at(day, hour) + Duration::minutes(90),
            past_end: false,
        }
    }

    fn stored(id: i64, day: u32, hour: u32, status: SessionStatus) -> StoredSession {
        StoredSession {
            id,
            local_date: date(day),
            starts_at: at(day, hour),
            ends_at: at(day, hour) + Duration::minutes(90),
            status,
            ended: false,
        }
    }

    #[test]
    fn a_new_series_inserts_every_future_session() {
        let plan = plan_materialisation(&[], &[wanted(1, 18), wanted(8, 18)], at(1, 0));
        assert_eq!(plan.insert.len(), 2);
        assert!(plan.retime.is_empty() && plan.remove.is_empty());
    }

    #[test]
    fn unchanged_dates_keep_their_rows_and_ids() {
        let stored = [
            stored(7, 1, 18, SessionStatus::Scheduled),
            stored(8, 8, 18, SessionStatus::Scheduled),
        ];
        let plan = plan_materialisation(&stored, &[wanted(1, 18), wanted(8, 18)], at(1, 0));
        assert!(plan.is_empty(), "{plan:?}");
    }

    #[test]
    fn a_retimed_date_keeps_its_id() {
        let stored = [stored(7, 8, 18, SessionStatus::Scheduled)];
        let plan = plan_materialisation(&stored, &[wanted(8, 17)], at(1, 0));
        assert_eq!(plan.retime, vec![(7, wanted(8, 17))]);
    }

    #[test]
    fn a_date_the_rule_dropped_is_removed_but_the_past_is_kept() {
        let stored = [
            stored(6, 1, 18, SessionStatus::Scheduled),
            stored(7, 8, 18, SessionStatus::Scheduled),
        ];
        let plan = plan_materialisation(&stored, &[], at(5, 0));
        assert_eq!(plan.remove, vec![7]);
    }

    #[test]
    fn a_cancelled_session_is_not_undone_by_a_rule_change() {
        let stored = [stored(7, 8, 18, SessionStatus::Cancelled)];
        let plan = plan_materialisation(&stored, &[wanted(8, 17)], at(1, 0));
        assert!(plan.is_empty(), "{plan:?}");
    }

    #[test]
    fn a_session_past_the_series_end_is_ended_not_removed_and_comes_back_when_extended() {
        let past_end = WantedSession {
            past_end: true,
            ..wanted(8, 18)
        };
        let plan = plan_materialisation(
            &[stored(7, 8, 18, SessionStatus::Scheduled)],
            &[past_end],
            at(1, 0),
        );
        assert_eq!(
            (plan.end.clone(), plan.remove.clone()),
            (vec![7], vec![]),
            "{plan:?}"
        );

        let ended = StoredSession {
            ended: true,
            ..stored(7, 8, 18, SessionStatus::Cancelled)
        };
        let plan = plan_materialisation(&[ended], &[wanted(8, 18)], at(1, 0));
        assert_eq!(plan.restore, vec![(7, wanted(8, 18))]);
        assert!(plan.insert.is_empty(), "{plan:?}");
    }

    #[test]
    fn a_session_a_person_cancelled_stays_cancelled_through_an_end_and_an_extension() {
        let past_end = WantedSession {
            past_end: true,
            ..wanted(8, 18)
        };
        let cancelled = [stored(7, 8, 18, SessionStatus::Cancelled)];
        assert!(plan_materialisation(&cancelled, &[past_end], at(1, 0)).is_empty());
        assert!(plan_materialisation(&cancelled, &[wanted(8, 18)], at(1, 0)).is_empty());
    }
}
