//! Drop-ins: a group's opening windows per weekday, its closed days, and whether it is
//! open at an instant.
//!
//! A window is written in the group's local wall time (`thu 14:00-16:00`) and resolved
//! to instants by the one DST policy, [`resolve_local`], at each end separately: a
//! window is open from its local start to its local end, whatever the clocks did in
//! between. A window may cross midnight (`fri 22:00-02:00` ends on Saturday); it then
//! belongs to the day it opens on, and a closed day closes the windows that open on it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday};
use thiserror::Error;

use super::group::GroupKind;
use super::rsvp::RsvpState;
use super::time::{resolve_local, Tz};

/// Minutes in a day and a week, for comparing windows as wall-time intervals.
const DAY_MINUTES: i64 = 24 * 60;
const WEEK_MINUTES: i64 = 7 * DAY_MINUTES;

/// How far ahead the next opening is looked for: a year of closed days is the most
/// any group has asked for; beyond that "closed, no opening planned" is the truth.
const LOOK_AHEAD_DAYS: i64 = 400;

/// Why a set of opening hours was refused. Each `Display` is the sentence shown.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HoursError {
    /// `from:` or `to:` is not `HH:MM`.
    #[error("I couldn't read \"{0}\" as a time. Please write it as HH:MM on the 24-hour clock, for example 14:00.")]
    NotATime(String),
    /// `to:` is the same as `from:`.
    #[error("A window needs to: after from:; {0} to {0} is no time at all. For a window past midnight, write for example from:22:00 to:02:00.")]
    Empty(String),
    /// Two windows overlap.
    #[error("{new} overlaps {existing}, which is already in the hours. Please pick a time that doesn't overlap, or clear the hours first.")]
    Overlap {
        /// The window being added, written out.
        new: String,
        /// The window it overlaps, written out.
        existing: String,
    },
}

/// Reads a wall time typed as `14:00` (or `9:30`).
pub fn parse_time(input: &str) -> Result<NaiveTime, HoursError> {
    let trimmed = input.trim();
    NaiveTime::parse_from_str(trimmed, "%H:%M").map_err(|_| HoursError::NotATime(trimmed.to_owned()))
}

/// One opening window: a weekday and a local start and end. An end at or before the
/// start is on the next day (the window crosses midnight), so no window is longer
/// than 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The day it opens on.
    pub day: Weekday,
    /// Local opening time.
    pub from: NaiveTime,
    /// Local closing time; on the next day when not after `from`.
    pub to: NaiveTime,
}

impl Window {
    /// A window, refused when `to` equals `from`.
    pub fn new(day: Weekday, from: NaiveTime, to: NaiveTime) -> Result<Window, HoursError> {
        if from == to {
            return Err(HoursError::Empty(from.format("%H:%M").to_string()));
        }
        Ok(Window { day, from, to })
    }

    /// Whether it ends on the day after it opens; the reply says so.
    pub fn crosses_midnight(&self) -> bool {
        self.to < self.from
    }

    /// Its length in wall-clock minutes (DST may make the real length differ).
    pub fn wall_minutes(&self) -> i64 {
        let from = minutes_of(self.from);
        let to = minutes_of(self.to);
        if to > from {
            to - from
        } else {
            to + DAY_MINUTES - from
        }
    }

    /// Its wall-clock length, which is what a series stores as the session's duration.
    pub fn wall_length(&self) -> Duration {
        Duration::minutes(self.wall_minutes())
    }

    /// The window written out: `Thu 14:00–16:00`, or `Fri 22:00–02:00 (next day)`.
    pub fn describe(&self) -> String {
        let next_day = if self.crosses_midnight() {
            " (next day)"
        } else {
            ""
        };
        format!(
            "{} {}–{}{}",
            weekday_name(self.day),
            self.from.format("%H:%M"),
            self.to.format("%H:%M"),
            next_day
        )
    }

    /// Start and end in minutes since Monday 00:00, wall time; the end may pass the week.
    fn week_interval(&self) -> (i64, i64) {
        let start = i64::from(self.day.num_days_from_monday()) * DAY_MINUTES + minutes_of(self.from);
        (start, start + self.wall_minutes())
    }

    fn overlaps(&self, other: &Window) -> bool {
        let (a_start, a_end) = self.week_interval();
        let (b_start, b_end) = other.week_interval();
        [-WEEK_MINUTES, 0, WEEK_MINUTES]
            .iter()
            .any(|shift| a_start < b_end + shift && b_start + shift < a_end)
    }

    /// This window on the local date it opens, as instants by the one DST policy.
    pub fn on(&self, date: NaiveDate, zone: Tz) -> Opening {
        let end_date = if self.crosses_midnight() {
            date.succ_opt().unwrap_or(date)
        } else {
            date
        };
        let opens_at = resolve_local(zone, date.and_time(self.from));
        Opening {
            date,
            opens_at,
            closes_at: closing(zone, end_date.and_time(self.to), opens_at, self.wall_length()),
        }
    }
}

/// When a drop-in that opened at `opens_at` closes, given its closing wall time
/// `local_end` and its window's wall-clock `length`: that wall time, by the one DST
/// policy. Only if the clocks' gap swallows the whole window (`01:30–02:30` on the night
/// London goes forward, whose opening moves to 02:30 BST) would that not be after the
/// opening; it is then open for `length` from its opening, so it happens once rather
/// than not at all. The horizon ends a drop-in's sessions by this too, so its cards and
/// its status agree.
pub fn closing(
    zone: Tz,
    local_end: NaiveDateTime,
    opens_at: DateTime<Utc>,
    length: Duration,
) -> DateTime<Utc> {
    Some(resolve_local(zone, local_end))
        .filter(|end| *end > opens_at)
        .unwrap_or(opens_at + length)
}

/// A window on one date, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    /// The local date it opens on.
    pub date: NaiveDate,
    /// When it opens.
    pub opens_at: DateTime<Utc>,
    /// When it closes.
    pub closes_at: DateTime<Utc>,
}

fn minutes_of(time: NaiveTime) -> i64 {
    i64::from(time.hour()) * 60 + i64::from(time.minute())
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// A group's opening hours: windows that never overlap, in week order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hours {
    windows: Vec<Window>,
}

impl Hours {
    /// Hours from windows already stored (checked when they were added).
    pub fn from_stored(mut windows: Vec<Window>) -> Hours {
        windows.sort_by_key(|window| window.week_interval().0);
        Hours { windows }
    }

    /// The windows, Monday first.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// These hours with `added` too; refused, naming both, when any new window overlaps
    /// an existing one or another new one.
    pub fn with_added(&self, added: &[Window]) -> Result<Hours, HoursError> {
        let mut windows = self.windows.clone();
        for new in added {
            if let Some(existing) = windows.iter().find(|existing| existing.overlaps(new)) {
                return Err(HoursError::Overlap {
                    new: new.describe(),
                    existing: existing.describe(),
                });
            }
            windows.push(*new);
        }
        Ok(Hours::from_stored(windows))
    }

    /// Whether some window opens on this local date's weekday.
    pub fn opens_on(&self, date: NaiveDate) -> bool {
        self.windows.iter().any(|window| window.day == date.weekday())
    }

    /// Every opening that opens on a local date from `first` to `last` inclusive and is
    /// not on a closed day, in time order.
    pub fn openings(
        &self,
        zone: Tz,
        first: NaiveDate,
        last: NaiveDate,
        closed: &[ClosedDay],
    ) -> Vec<Opening> {
        let mut openings = Vec::new();
        let mut date = first;
        while date <= last {
            if !closed.iter().any(|day| day.date == date) {
                openings.extend(
                    self.windows
                        .iter()
                        .filter(|window| window.day == date.weekday())
                        .map(|window| window.on(date, zone)),
                );
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        openings.sort_by_key(|opening| opening.opens_at);
        openings
    }
}

/// One day the drop-in is closed (a bank holiday), with the reason members see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedDay {
    /// The local date.
    pub date: NaiveDate,
    /// Why, if given: "bank holiday".
    pub reason: Option<String>,
}

/// Whether a drop-in is open at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Open now, until `until`.
    Open {
        /// When the current window closes.
        until: DateTime<Utc>,
    },
    /// Closed today: today is a closed day.
    ClosedToday {
        /// The reason given, if any.
        reason: Option<String>,
        /// When it next opens, if ever.
        next_open: Option<DateTime<Utc>>,
    },
    /// Closed, opening next at `next_open` (none when it has no hours).
    Closed {
        /// When it next opens, if ever.
        next_open: Option<DateTime<Utc>>,
    },
}

/// How long after an opening, with nobody on the rota and nobody on duty, the status
/// says it is opening a little late and coordinators hear of it.
pub fn late_after() -> Duration {
    Duration::minutes(10)
}

/// The opening under way at `now`, if the drop-in is open.
pub fn current_opening(hours: &Hours, closed: &[ClosedDay], zone: Tz, now: DateTime<Utc>) -> Option<Opening> {
    let today = now.with_timezone(&zone).date_naive();
    // A window that crossed midnight yesterday may still be open.
    let first = today.pred_opt().unwrap_or(today);
    hours
        .openings(zone, first, today, closed)
        .into_iter()
        .find(|opening| opening.opens_at <= now && now < opening.closes_at)
}

/// Whether the opening under way is running late: [`late_after`] or more since it
/// opened and nobody staffing it (`staffed`: someone on its rota or on duty).
pub fn running_late(opening: &Opening, staffed: bool, now: DateTime<Utc>) -> bool {
    !staffed && opening.opens_at + late_after() <= now && now < opening.closes_at
}

/// Whether the drop-in is open at `now`: open from each window's local start (inclusive)
/// to its local end (exclusive); otherwise closed today when today (local) is a closed
/// day, else closed until the next opening.
pub fn status(hours: &Hours, closed: &[ClosedDay], zone: Tz, now: DateTime<Utc>) -> Status {
    if let Some(open) = current_opening(hours, closed, zone, now) {
        return Status::Open {
            until: open.closes_at,
        };
    }
    let today = now.with_timezone(&zone).date_naive();
    let last = today + Duration::days(LOOK_AHEAD_DAYS);
    let openings = hours.openings(zone, today, last, closed);
    let next_open = openings
        .iter()
        .find(|opening| opening.opens_at > now)
        .map(|opening| opening.opens_at);
    match closed.iter().find(|day| day.date == today) {
        Some(day) => Status::ClosedToday {
            reason: day.reason.clone(),
            next_open,
        },
        None => Status::Closed { next_open },
    }
}

/// The openings that open on a local date from `after`'s (less a day, for a window
/// past midnight) to `until`'s: a superset of those with an instant in `(after, until]`.
fn openings_around(
    hours: &Hours,
    closed: &[ClosedDay],
    zone: Tz,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<Opening> {
    let first = after
        .with_timezone(&zone)
        .date_naive()
        .pred_opt()
        .unwrap_or(NaiveDate::MIN);
    let last = until.with_timezone(&zone).date_naive();
    hours.openings(zone, first, last, closed)
}

/// The instant an opening may turn out to be running late: [`late_after`] past it,
/// unless the window is shorter than that.
fn late_check(opening: &Opening) -> Option<DateTime<Utc>> {
    let at = opening.opens_at + late_after();
    (at < opening.closes_at).then_some(at)
}

/// The openings whose late check ([`late_after`] past opening) falls in
/// `(after, until]`, with that instant: when to see whether anyone came.
pub fn late_checks(
    hours: &Hours,
    closed: &[ClosedDay],
    zone: Tz,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(Opening, DateTime<Utc>)> {
    openings_around(hours, closed, zone, after, until)
        .into_iter()
        .filter_map(|opening| late_check(&opening).map(|at| (opening, at)))
        .filter(|(_, at)| *at > after && *at <= until)
        .collect()
}

/// The instants in `(after, until]` at which the status may change: each opening,
/// its late check and its closing, and each local midnight that starts or ends a
/// closed day. The live status message is edited at exactly these.
pub fn boundaries(
    hours: &Hours,
    closed: &[ClosedDay],
    zone: Tz,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut instants: Vec<DateTime<Utc>> = openings_around(hours, closed, zone, after, until)
        .iter()
        .flat_map(|opening| {
            [
                Some(opening.opens_at),
                late_check(opening),
                Some(opening.closes_at),
            ]
        })
        .flatten()
        .collect();
    for day in closed {
        instants.push(resolve_local(zone, day.date.and_time(NaiveTime::MIN)));
        if let Some(next) = day.date.succ_opt() {
            instants.push(resolve_local(zone, next.and_time(NaiveTime::MIN)));
        }
    }
    instants.retain(|at| *at > after && *at <= until);
    instants.sort();
    instants.dedup();
    instants
}

/// What a session's card lets a member answer before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// A meeting: Going, Maybe, Can't make it.
    Meeting,
    /// A drop-in with `answers:yes`: one answer, "I might come" (stored as maybe).
    MightCome,
    /// A drop-in with `answers:no` (the default): no answers; just drop in.
    None,
}

impl Answers {
    /// The answers a group's cards offer: by its kind and, for a drop-in, its setting.
    pub fn of(kind: GroupKind, dropin_answers: bool) -> Answers {
        match (kind, dropin_answers) {
            (GroupKind::Meeting, _) => Answers::Meeting,
            (GroupKind::DropIn, true) => Answers::MightCome,
            (GroupKind::DropIn, false) => Answers::None,
        }
    }

    /// Whether a member may give `state` (taking "I might come" back is "can't").
    /// `Err` is the sentence that says what they can do instead.
    pub fn allows(self, state: RsvpState) -> Result<(), String> {
        match (self, state) {
            (Answers::Meeting, _) | (Answers::MightCome, RsvpState::Maybe | RsvpState::NotGoing) => Ok(()),
            (Answers::MightCome, _) => Err(
                "This is a drop-in, so there are no places to book: you can say you might come (maybe), or just drop in."
                    .into(),
            ),
            (Answers::None, _) => Err(
                "This is a drop-in: there's no need to say you're coming. Just drop in any time it's open.".into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("test times are valid")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.from_utc_datetime(&date(y, m, d).and_time(time(h, min)))
    }

    /// A window in a test: the day, and from and to as (hour, minute).
    type Spec = (Weekday, (u32, u32), (u32, u32));

    fn hours(windows: &[Spec]) -> Hours {
        let windows: Vec<Window> = windows
            .iter()
            .map(|(day, from, to)| Window::new(*day, time(from.0, from.1), time(to.0, to.1)).expect("valid"))
            .collect();
        Hours::default().with_added(&windows).expect("no overlaps")
    }

    /// Checks the status is open exactly over [opens, closes) and that the edits fall
    /// exactly at those two instants.
    fn assert_open_exactly(hours: &Hours, zone: Tz, opens: DateTime<Utc>, closes: DateTime<Utc>) {
        let second = Duration::seconds(1);
        assert!(
            matches!(status(hours, &[], zone, opens - second), Status::Closed { next_open: Some(at) } if at == opens)
        );
        assert_eq!(status(hours, &[], zone, opens), Status::Open { until: closes });
        assert_eq!(
            status(hours, &[], zone, closes - second),
            Status::Open { until: closes }
        );
        assert!(matches!(status(hours, &[], zone, closes), Status::Closed { .. }));
        let edits = boundaries(
            hours,
            &[],
            zone,
            opens - Duration::hours(6),
            closes + Duration::hours(6),
        );
        assert_eq!(edits, vec![opens, opens + late_after(), closes]);
    }

    #[test]
    fn a_window_is_open_from_its_local_start_to_its_local_end_across_both_2026_london_changes() {
        let london = chrono_tz::Europe::London;
        let sunday = hours(&[(Weekday::Sun, (10, 0), (12, 0))]);
        // The Sunday before spring forward: GMT.
        assert_open_exactly(&sunday, london, utc(2026, 3, 22, 10, 0), utc(2026, 3, 22, 12, 0));
        // 29 March, the clocks went forward at 01:00: BST.
        assert_open_exactly(&sunday, london, utc(2026, 3, 29, 9, 0), utc(2026, 3, 29, 11, 0));
        // 25 October, back at 02:00: GMT again.
        assert_open_exactly(
            &sunday,
            london,
            utc(2026, 10, 25, 10, 0),
            utc(2026, 10, 25, 12, 0),
        );
        assert_open_exactly(&sunday, london, utc(2026, 10, 18, 9, 0), utc(2026, 10, 18, 11, 0));
    }

    #[test]
    fn a_window_spanning_the_london_changes_opens_and_closes_by_the_one_dst_policy() {
        let london = chrono_tz::Europe::London;
        // 00:30-03:00 on 29 March: 00:30 GMT to 03:00 BST, an hour and a half of real time.
        let night = hours(&[(Weekday::Sun, (0, 30), (3, 0))]);
        assert_open_exactly(&night, london, utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 2, 0));
        // 01:30 on 29 March doesn't exist: it opens at 02:30 BST (01:30 UTC), as meetings do.
        let in_gap = hours(&[(Weekday::Sun, (1, 30), (4, 0))]);
        assert_open_exactly(&in_gap, london, utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 3, 0));
        // 01:30 on 25 October happens twice: it opens at the first (00:30 UTC).
        let in_overlap = hours(&[(Weekday::Sun, (1, 30), (3, 0))]);
        assert_open_exactly(
            &in_overlap,
            london,
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 25, 3, 0),
        );
        // 01:30-02:30 on 29 March falls in the gap: it would open at 02:30 BST and close
        // at 02:30 BST, so it is open its hour from its opening instead of not at all.
        let swallowed = hours(&[(Weekday::Sun, (1, 30), (2, 30))]);
        assert_open_exactly(
            &swallowed,
            london,
            utc(2026, 3, 29, 1, 30),
            utc(2026, 3, 29, 2, 30),
        );
    }

    #[test]
    fn a_window_is_open_exactly_its_local_hours_across_a_sydney_change() {
        let sydney = chrono_tz::Australia::Sydney;
        let sunday = hours(&[(Weekday::Sun, (14, 0), (16, 0))]);
        // 5 April 2026 Sydney leaves daylight time (AEDT +11 -> AEST +10).
        assert_open_exactly(&sunday, sydney, utc(2026, 3, 29, 3, 0), utc(2026, 3, 29, 5, 0));
        assert_open_exactly(&sunday, sydney, utc(2026, 4, 5, 4, 0), utc(2026, 4, 5, 6, 0));
        // 4 October 2026 it goes forward again (+10 -> +11).
        assert_open_exactly(&sunday, sydney, utc(2026, 10, 4, 3, 0), utc(2026, 10, 4, 5, 0));
    }

    #[test]
    fn a_window_past_midnight_belongs_to_the_day_it_opens_and_is_open_into_the_next() {
        let london = chrono_tz::Europe::London;
        let late = hours(&[(Weekday::Fri, (22, 0), (2, 0))]);
        let window = late.windows()[0];
        assert!(window.crosses_midnight());
        assert_eq!(window.describe(), "Fri 22:00–02:00 (next day)");
        // Friday 4 December 2026, GMT.
        assert_open_exactly(&late, london, utc(2026, 12, 4, 22, 0), utc(2026, 12, 5, 2, 0));
    }

    #[test]
    fn overlapping_windows_are_refused_naming_both() {
        let thursday = hours(&[(Weekday::Thu, (14, 0), (16, 0))]);
        let clash = Window::new(Weekday::Thu, time(15, 0), time(17, 0)).expect("valid");
        assert_eq!(
            thursday.with_added(&[clash]).unwrap_err().to_string(),
            "Thu 15:00–17:00 overlaps Thu 14:00–16:00, which is already in the hours. Please pick a time that doesn't overlap, or clear the hours first."
        );
        // Back to back is fine.
        let after = Window::new(Weekday::Thu, time(16, 0), time(18, 0)).expect("valid");
        assert!(thursday.with_added(&[after]).is_ok());
        // A Sunday-night window past midnight overlaps Monday morning.
        let sunday_night = hours(&[(Weekday::Sun, (22, 0), (3, 0))]);
        let monday = Window::new(Weekday::Mon, time(2, 0), time(4, 0)).expect("valid");
        assert!(sunday_night.with_added(&[monday]).is_err());
    }

    #[test]
    fn an_empty_window_and_an_unreadable_time_are_refused_with_a_sentence() {
        assert!(Window::new(Weekday::Mon, time(14, 0), time(14, 0))
            .unwrap_err()
            .to_string()
            .starts_with("A window needs to: after from:"));
        assert_eq!(parse_time("2pm").unwrap_err(), HoursError::NotATime("2pm".into()));
        assert_eq!(parse_time(" 9:30 "), Ok(time(9, 30)));
    }

    #[test]
    fn a_closed_day_says_closed_today_with_its_reason_and_points_to_the_next_opening() {
        let london = chrono_tz::Europe::London;
        let monday_thursday = hours(&[(Weekday::Mon, (14, 0), (16, 0)), (Weekday::Thu, (14, 0), (16, 0))]);
        let bank_holiday = ClosedDay {
            date: date(2026, 12, 28),
            reason: Some("bank holiday".into()),
        };
        let closed = [bank_holiday];
        assert_eq!(
            status(&monday_thursday, &closed, london, utc(2026, 12, 28, 15, 0)),
            Status::ClosedToday {
                reason: Some("bank holiday".into()),
                next_open: Some(utc(2026, 12, 31, 14, 0)),
            }
        );
        // The status changes at the closed day's midnights, and no opening that day.
        let edits = boundaries(
            &monday_thursday,
            &closed,
            london,
            utc(2026, 12, 27, 12, 0),
            utc(2026, 12, 29, 12, 0),
        );
        assert_eq!(edits, vec![utc(2026, 12, 28, 0, 0), utc(2026, 12, 29, 0, 0)]);
    }

    #[test]
    fn an_opening_nobody_staffs_is_running_late_from_ten_minutes_in_until_it_closes() {
        let london = chrono_tz::Europe::London;
        let thursday = hours(&[(Weekday::Thu, (14, 0), (16, 0))]);
        let opens = utc(2026, 12, 3, 14, 0);
        let opening = current_opening(&thursday, &[], london, opens).expect("open");
        let minute = Duration::minutes(1);
        assert!(!running_late(&opening, false, opens + Duration::minutes(9)));
        assert!(running_late(&opening, false, opens + Duration::minutes(10)));
        assert!(running_late(&opening, false, utc(2026, 12, 3, 16, 0) - minute));
        assert!(!running_late(&opening, false, utc(2026, 12, 3, 16, 0)));
        assert!(!running_late(&opening, true, opens + Duration::minutes(30)));
        // One check per opening, ten minutes in.
        let checks = late_checks(&thursday, &[], london, opens - minute, utc(2026, 12, 10, 23, 0));
        let at: Vec<DateTime<Utc>> = checks.iter().map(|(_, at)| *at).collect();
        assert_eq!(at, vec![utc(2026, 12, 3, 14, 10), utc(2026, 12, 10, 14, 10)]);
        // A window shorter than ten minutes is never late.
        let short = hours(&[(Weekday::Thu, (14, 0), (14, 5))]);
        assert!(late_checks(&short, &[], london, opens - minute, opens + Duration::hours(1)).is_empty());
    }

    #[test]
    fn a_drop_in_offers_i_might_come_only_with_answers_yes_and_no_answers_by_default() {
        assert_eq!(Answers::of(GroupKind::Meeting, true), Answers::Meeting);
        assert_eq!(Answers::of(GroupKind::DropIn, false), Answers::None);
        let might = Answers::of(GroupKind::DropIn, true);
        assert_eq!(might, Answers::MightCome);
        assert!(might.allows(RsvpState::Maybe).is_ok());
        assert!(might.allows(RsvpState::NotGoing).is_ok());
        assert!(might
            .allows(RsvpState::Going)
            .unwrap_err()
            .contains("you might come"));
        assert!(Answers::None
            .allows(RsvpState::Maybe)
            .unwrap_err()
            .contains("Just drop in"));
        assert!(Answers::Meeting.allows(RsvpState::Going).is_ok());
    }

    #[test]
    fn hours_with_no_windows_are_closed_with_no_next_opening() {
        let at = utc(2026, 12, 1, 12, 0);
        assert_eq!(
            status(&Hours::default(), &[], chrono_tz::UTC, at),
            Status::Closed { next_open: None }
        );
    }
}
