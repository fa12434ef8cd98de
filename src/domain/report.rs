//! Reports for funders: per group and month, sessions held and cancelled, attendance,
//! distinct attendees, first-time and returning attendees, and facilitator shifts
//! covered. Built from counts only: no name or id reaches a report. Counts of people
//! from 1 to 4 are shown as "fewer than 5" unless a community turns that off, as
//! health statistics do, so nobody can be picked out of a small group.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Months, NaiveDate, Utc};

use super::privacy::month_key;
use super::quarterly::QuarterCounts;
use super::time::Tz;

/// One session in a report's span, with what is kept of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSession {
    pub id: i64,
    pub group_id: i64,
    pub group_name: String,
    pub zone: Tz,
    pub starts_at: DateTime<Utc>,
    pub cancelled: bool,
    /// Facilitators it needed.
    pub needed: u32,
    /// Facilitators who held a place (in the details, and counted before they went).
    pub shifts_held: u32,
    /// Attendances and first-time attendances kept as counts after their details went.
    pub kept_attended: i64,
    pub kept_first_time: i64,
    /// Its check-out answers, counted: a bit better, about the same, not so good.
    pub left: [i64; 3],
    /// How many of its facilitators flagged something in their debrief.
    pub flags: i64,
}

/// One attendance still in the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    pub session_id: i64,
    pub user_id: String,
    pub first_time: bool,
}

/// One line of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub group: String,
    /// `YYYY-MM` in the group's zone.
    pub month: String,
    pub held: i64,
    pub cancelled: i64,
    pub attendance: i64,
    pub distinct: i64,
    pub first_time: i64,
    pub returning: i64,
    pub shifts_covered: i64,
    pub shifts_needed: i64,
    /// Check-out answers: a bit better, about the same, not so good.
    pub left: [i64; 3],
    /// Sessions after which a facilitator flagged something (never what).
    pub sessions_flagged: i64,
}

impl ReportRow {
    /// Average attendance per session held, to one decimal place.
    pub fn average(&self) -> Option<f64> {
        (self.held > 0).then(|| (self.attendance as f64 / self.held as f64 * 10.0).round() / 10.0)
    }
}

/// The span asked for, checked: `to` not before `from`, and at most 3 years.
pub fn check_span(from: NaiveDate, to: NaiveDate) -> Result<(), String> {
    if to < from {
        return Err(format!(
            "to: ({to}) is before from: ({from}). Please give the first day as from: and the last as to:."
        ));
    }
    let limit = from.checked_add_months(Months::new(36)).unwrap_or(NaiveDate::MAX);
    if to > limit {
        return Err(format!(
            "A report covers at most 3 years; {from} to {to} is longer. Please ask for up to {limit}."
        ));
    }
    Ok(())
}

/// The report's lines, by group name then month: sessions whose local date (in their
/// group's zone) is from `from` to `to`, and that had started by `now` (a session still
/// ahead was neither held nor cancelled yet, unless it was cancelled).
/// `kept_attendees` is (group id, month) -> attendees counted before their details went.
pub fn build(
    sessions: &[ReportSession],
    attendance: &[Attendance],
    kept_attendees: &BTreeMap<(i64, String), i64>,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<ReportRow> {
    #[derive(Default)]
    struct Month {
        group: String,
        held: i64,
        cancelled: i64,
        attendance: i64,
        first_time: i64,
        people: BTreeSet<String>,
        shifts_covered: i64,
        shifts_needed: i64,
        left: [i64; 3],
        sessions_flagged: i64,
    }
    let mut months: BTreeMap<(String, i64, String), Month> = BTreeMap::new();
    let mut month_of_session: BTreeMap<i64, (String, i64, String)> = BTreeMap::new();
    for session in sessions {
        let local = session.starts_at.with_timezone(&session.zone).date_naive();
        if local < from || local > to {
            continue;
        }
        let held = !session.cancelled && session.starts_at <= now;
        if !held && !session.cancelled {
            continue;
        }
        let key = (
            session.group_name.clone(),
            session.group_id,
            month_key(session.starts_at, session.zone),
        );
        let month = months.entry(key.clone()).or_default();
        month.group = session.group_name.clone();
        if session.cancelled {
            month.cancelled += 1;
            continue;
        }
        month.held += 1;
        month.attendance += session.kept_attended;
        month.first_time += session.kept_first_time;
        month.shifts_needed += i64::from(session.needed);
        month.shifts_covered += i64::from(session.shifts_held.min(session.needed));
        for (total, answers) in month.left.iter_mut().zip(session.left) {
            *total += answers;
        }
        month.sessions_flagged += i64::from(session.flags > 0);
        month_of_session.insert(session.id, key);
    }
    for row in attendance {
        let Some(key) = month_of_session.get(&row.session_id) else {
            continue;
        };
        if let Some(month) = months.get_mut(key) {
            month.attendance += 1;
            if row.first_time {
                month.first_time += 1;
            }
            month.people.insert(row.user_id.clone());
        }
    }
    months
        .into_iter()
        .map(|((_, group_id, month_key), month)| {
            let kept = kept_attendees
                .get(&(group_id, month_key.clone()))
                .copied()
                .unwrap_or(0);
            let distinct = month.people.len() as i64 + kept;
            ReportRow {
                group: month.group,
                month: month_key,
                held: month.held,
                cancelled: month.cancelled,
                attendance: month.attendance,
                distinct,
                first_time: month.first_time,
                returning: (distinct - month.first_time).max(0),
                shifts_covered: month.shifts_covered,
                shifts_needed: month.shifts_needed,
                left: month.left,
                sessions_flagged: month.sessions_flagged,
            }
        })
        .collect()
}

/// What a report shows for a count of people.
pub const FEWER_THAN_5: &str = "fewer than 5";

/// A count of people as shown: 1 to 4 become "fewer than 5" when `suppress`.
pub fn shown(count: i64, suppress: bool) -> String {
    if suppress && (1..5).contains(&count) {
        FEWER_THAN_5.to_string()
    } else {
        count.to_string()
    }
}

/// The average as shown: hidden with the attendance it comes from.
pub fn shown_average(row: &ReportRow, suppress: bool) -> String {
    match row.average() {
        _ if suppress && (1..5).contains(&row.attendance) => FEWER_THAN_5.to_string(),
        Some(average) => format!("{average:.1}"),
        None => "-".to_string(),
    }
}

/// The shares of a row's check-out answers (whole percentages), as shown: `-` with no
/// answers, and hidden (`-`) when any of its counts is hidden, so a small count can't
/// be worked back from the shares and the counts shown.
pub fn shown_shares(left: [i64; 3], suppress: bool) -> [String; 3] {
    let total: i64 = left.iter().sum();
    if total == 0 || (suppress && left.iter().any(|n| (1..5).contains(n))) {
        return ["-".to_string(), "-".to_string(), "-".to_string()];
    }
    left.map(|n| format!("{}%", (n * 100 + total / 2) / total))
}

/// The CSV's header line.
pub const CSV_HEADER: &str = "group,month,sessions_held,sessions_cancelled,total_attendance,\
distinct_attendees,average_per_session,first_time,returning,shifts_covered,shifts_needed,\
left_better,left_same,left_not_so_good,left_better_share,left_same_share,left_not_so_good_share,\
sessions_flagged,quarterly_answers,more_confident_yes,more_confident_a_little,more_confident_no,\
more_in_control_yes,more_in_control_a_little,more_in_control_no,more_hopeful_yes,more_hopeful_a_little,\
more_hopeful_no";

/// What a quarterly line of the CSV has in its group column: the quarterly answers
/// are the community's, not one group's.
pub const WHOLE_COMMUNITY: &str = "whole community";

/// How many columns the quarterly counts take at the end of a CSV line.
const QUARTERLY_COLUMNS: usize = 10;

/// A quarter's number who answered, as shown: hidden (`-`) when any of its counts is,
/// so a small count can't be worked back from the total and the counts shown.
pub fn shown_answers(quarter: &QuarterCounts, suppress: bool) -> String {
    let any_hidden = quarter
        .counts
        .iter()
        .flatten()
        .any(|n| suppress && (1..5).contains(n));
    if any_hidden {
        "-".to_string()
    } else {
        shown(quarter.answers, suppress)
    }
}

/// A quarter's counts as the CSV's last columns: answers, then yes / a little / no
/// for more confident, more in control and more hopeful.
fn quarterly_fields(quarter: &QuarterCounts, suppress: bool) -> Vec<String> {
    std::iter::once(shown_answers(quarter, suppress))
        .chain(quarter.counts.iter().flatten().map(|n| shown(*n, suppress)))
        .collect()
}

/// The report as CSV (RFC 4180 quoting), one line per group and month, then one per
/// quarter of the quarterly answers (the whole community's), each leaving the other's
/// columns empty.
pub fn csv(rows: &[ReportRow], quarters: &[QuarterCounts], suppress: bool) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for row in rows {
        let fields = [
            quote(&row.group),
            row.month.clone(),
            row.held.to_string(),
            row.cancelled.to_string(),
            shown(row.attendance, suppress),
            shown(row.distinct, suppress),
            shown_average(row, suppress),
            shown(row.first_time, suppress),
            shown(row.returning, suppress),
            row.shifts_covered.to_string(),
            row.shifts_needed.to_string(),
        ];
        let shares = shown_shares(row.left, suppress);
        let fields = fields
            .into_iter()
            .chain(row.left.iter().map(|n| shown(*n, suppress)))
            .chain(shares)
            .chain([row.sessions_flagged.to_string()])
            .chain(std::iter::repeat_n(String::new(), QUARTERLY_COLUMNS))
            .collect::<Vec<_>>();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    // group, month, then the monthly columns left empty.
    let monthly_columns = CSV_HEADER.split(',').count() - QUARTERLY_COLUMNS - 2;
    for quarter in quarters {
        let fields = [WHOLE_COMMUNITY.to_string(), quarter.quarter.clone()]
            .into_iter()
            .chain(std::iter::repeat_n(String::new(), monthly_columns))
            .chain(quarterly_fields(quarter, suppress))
            .collect::<Vec<_>>();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is kept from
/// being read as a formula by a spreadsheet.
fn quote(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_span_backwards_or_over_three_years_is_refused() {
        assert!(check_span(date("2026-03-01"), date("2026-02-01")).is_err());
        assert!(check_span(date("2026-01-01"), date("2029-01-02")).is_err());
        assert!(check_span(date("2026-01-01"), date("2029-01-01")).is_ok());
    }

    #[test]
    fn small_counts_are_shown_as_fewer_than_5_but_zero_and_five_are_shown() {
        assert_eq!(shown(0, true), "0");
        assert_eq!(shown(4, true), FEWER_THAN_5);
        assert_eq!(shown(5, true), "5");
        assert_eq!(shown(3, false), "3");
    }

    #[test]
    fn shares_are_whole_percentages_hidden_with_any_small_count() {
        assert_eq!(shown_shares([6, 3, 1], false), ["60%", "30%", "10%"]);
        assert_eq!(shown_shares([6, 3, 1], true), ["-", "-", "-"]);
        assert_eq!(shown_shares([5, 5, 0], true), ["50%", "50%", "0%"]);
        assert_eq!(shown_shares([0, 0, 0], false), ["-", "-", "-"]);
    }

    #[test]
    fn quarterly_lines_follow_the_monthly_ones_with_small_counts_hidden() {
        let quarter = QuarterCounts {
            quarter: "2026-Q1".into(),
            answers: 7,
            counts: [[5, 2, 0], [7, 0, 0], [0, 0, 6]],
        };

        let shown_csv = csv(&[], std::slice::from_ref(&quarter), false);
        let hidden_csv = csv(&[], &[quarter], true);

        let blanks = ",".repeat(16);
        assert_eq!(
            shown_csv,
            format!("{CSV_HEADER}\r\nwhole community,2026-Q1,{blanks}7,5,2,0,7,0,0,0,0,6\r\n")
        );
        assert!(
            hidden_csv.ends_with(&format!(",{blanks}-,5,fewer than 5,0,7,0,0,0,0,6\r\n")),
            "{hidden_csv}"
        );
        assert_eq!(
            shown_csv
                .lines()
                .map(|l| l.split(',').count())
                .collect::<Vec<_>>(),
            [28, 28]
        );
    }

    #[test]
    fn a_group_name_is_quoted_and_never_read_as_a_formula() {
        assert_eq!(quote("Circle, Tuesdays"), "\"Circle, Tuesdays\"");
        assert_eq!(quote("=SUM(A1)"), "'=SUM(A1)");
    }

    #[test]
    fn kept_counts_add_to_what_the_details_show() {
        let at = Utc.with_ymd_and_hms(2026, 3, 3, 18, 0, 0).unwrap();
        let session = ReportSession {
            id: 1,
            group_id: 7,
            group_name: "Circle".into(),
            zone: chrono_tz::Europe::London,
            starts_at: at,
            cancelled: false,
            needed: 2,
            shifts_held: 1,
            kept_attended: 2,
            kept_first_time: 1,
            left: [0; 3],
            flags: 0,
        };
        let attendance = [Attendance {
            session_id: 1,
            user_id: "ash".into(),
            first_time: false,
        }];
        let kept = BTreeMap::from([((7, "2026-03".to_string()), 2)]);

        let rows = build(
            &[session],
            &attendance,
            &kept,
            date("2026-03-01"),
            date("2026-03-31"),
            at,
        );

        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(
            (
                row.held,
                row.attendance,
                row.distinct,
                row.first_time,
                row.returning
            ),
            (1, 3, 3, 1, 2)
        );
        assert_eq!((row.shifts_covered, row.shifts_needed), (1, 2));
    }
}
