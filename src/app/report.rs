//! `/report from: to: [group:]`: for coordinators, what funders ask for — per group and
//! month, sessions held and cancelled, attendance, distinct attendees, first-time and
//! returning attendees, facilitator shifts covered — as a reply, a CSV file and a PNG
//! chart of monthly attendance. Counts only: no name or id is read out of the store's
//! report loading, and small counts are hidden unless the community turned that off.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use crate::chat::{Reply, Text, Tone};
use crate::domain::outcome::Leaving;
use crate::domain::quarterly::{Quarter, QuarterCounts, Question, Scale};
use crate::domain::report::{self, check_span, shown, shown_average, shown_shares, ReportRow};
use crate::domain::role::Action;
use crate::domain::time::resolve_local;
use crate::store::{communities, quarterly, reports, StoreError};

use super::chart::{self, Bar};
use super::{authorize, find_optional_group, Actor, App, AppError, AppResult};

impl App {
    pub async fn report(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        group: Option<&str>,
    ) -> AppResult {
        authorize(actor, Action::Organise, "see reports")?;
        check_span(from, to).map_err(AppError::Invalid)?;
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
        let group = find_optional_group(&mut conn, &actor.community_id, group).await?;
        let suppress = communities::get(&mut *conn, &actor.community_id)
            .await?
            .is_none_or(|c| c.suppress_small_counts);
        // Wide enough in UTC for every zone; the domain keeps each group's local dates.
        let start =
            resolve_local(chrono_tz::UTC, from.and_hms_opt(0, 0, 0).unwrap_or_default()) - Duration::days(1);
        let end =
            resolve_local(chrono_tz::UTC, to.and_hms_opt(0, 0, 0).unwrap_or_default()) + Duration::days(2);
        let loaded = reports::load(
            &mut conn,
            &actor.community_id,
            group.as_ref().map(|g| g.id),
            start,
            end,
        )
        .await?;
        // The quarterly answers are the whole community's, so a report of every group
        // shows the quarters it touches; a one-group report says where to find them.
        let (first, last) = (
            Quarter::of_date(from).to_string(),
            Quarter::of_date(to).to_string(),
        );
        let quarters = quarterly::counts(&mut *conn, &actor.community_id, &first, &last).await?;
        drop(conn);
        let (quarters, quarters_elsewhere) = if group.is_some() {
            (Vec::new(), !quarters.is_empty())
        } else {
            (quarters, false)
        };
        let rows = report::build(
            &loaded.sessions,
            &loaded.attendance,
            &loaded.kept_attendees,
            from,
            to,
            now,
        );

        let scope = group
            .as_ref()
            .map_or("every group".to_string(), |g| g.name.clone());
        let mut reply = Reply::private(Tone::Info, format!("Report: {from} to {to}, {scope}"));
        if rows.is_empty() {
            reply = reply.line("No sessions were held or cancelled in this span.");
        }
        for row in &rows {
            reply = reply.line(line(row, suppress));
        }
        for quarter in &quarters {
            reply = reply.line(quarter_line(quarter, suppress));
        }
        if quarters_elsewhere {
            reply = reply.line(
                "The quarterly \"what has this group meant to you?\" answers are the whole community's: \
                 /report without group: shows them.",
            );
        }
        if suppress {
            reply = reply.line(
                "Counts of people from 1 to 4 show as \"fewer than 5\", so no one can be picked out \
                 (/setup small_counts:no shows them).",
            );
        }
        let bars = monthly(&rows);
        let key = if bars.iter().any(|b| b.better > 0) {
            chart::BETTER_KEY
        } else {
            ""
        };
        let title = format!("Monthly attendance, {scope}{key}");
        let png = chart::png(&title, &bars, &chart_quarters(&quarters), suppress)
            .map_err(|e| AppError::internal(&e))?;
        let stem = format!("hearth-report-{from}-to-{to}");
        Ok(reply
            .line("No names are ever in a report. The CSV and chart are attached.")
            .file(
                format!("{stem}.csv"),
                report::csv(&rows, &quarters, suppress).into_bytes(),
            )
            .file(format!("{stem}.png"), png))
    }
}

fn line(row: &ReportRow, suppress: bool) -> Text {
    let mut text = Text::new()
        .strong(format!("{} · {}: ", row.group, row.month))
        .plain(format!(
            "{} held, {} cancelled · attendance {} (average {}) · {} people: {} first-time, {} returning · \
         shifts covered {} of {}",
            row.held,
            row.cancelled,
            shown(row.attendance, suppress),
            shown_average(row, suppress),
            shown(row.distinct, suppress),
            shown(row.first_time, suppress),
            shown(row.returning, suppress),
            row.shifts_covered,
            row.shifts_needed,
        ));
    if row.left.iter().any(|n| *n > 0) {
        let shares = shown_shares(row.left, suppress);
        let parts: Vec<String> = Leaving::ALL
            .iter()
            .zip(row.left)
            .zip(shares)
            .map(|((leaving, n), share)| format!("{} {} ({share})", leaving.heading(), shown(n, suppress)))
            .collect();
        text = text.plain(format!(" · check-outs: {}", parts.join(", ")));
    }
    if row.sessions_flagged > 0 {
        text = text.plain(format!(
            " · sessions a facilitator flagged: {}",
            row.sessions_flagged
        ));
    }
    text
}

/// A quarter's answers: per question, yes / a little / no, as counts.
fn quarter_line(quarter: &QuarterCounts, suppress: bool) -> Text {
    let parts: Vec<String> = Question::ALL
        .iter()
        .zip(quarter.counts)
        .map(|(question, counts)| {
            let answers: Vec<String> = Scale::ALL
                .iter()
                .zip(counts)
                .map(|(scale, n)| format!("{} {}", scale.label(), shown(n, suppress)))
                .collect();
            format!("{}: {}", question.heading(), answers.join(", "))
        })
        .collect();
    Text::new()
        .strong(format!("Whole community · {}: ", quarter.quarter))
        .plain(format!(
            "what the group has meant, {} · {}",
            match report::shown_answers(quarter, suppress).as_str() {
                "-" => "how many answered is hidden with the small counts".to_string(),
                n => format!("{n} answered"),
            },
            parts.join(" · ")
        ))
}

/// The chart's quarterly series: how many said yes to each question, per quarter.
fn chart_quarters(quarters: &[QuarterCounts]) -> Vec<chart::QuarterBar> {
    quarters
        .iter()
        .map(|q| chart::QuarterBar {
            quarter: q.quarter.clone(),
            yes: [q.counts[0][0], q.counts[1][0], q.counts[2][0]],
        })
        .collect()
}

/// Attendance and check-outs leaving a bit better, per month across the report's groups.
fn monthly(rows: &[ReportRow]) -> Vec<Bar> {
    let mut months: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for row in rows {
        let month = months.entry(row.month.as_str()).or_default();
        month.0 += row.attendance;
        month.1 += row.left[0];
    }
    months
        .into_iter()
        .map(|(month, (attendance, better))| Bar {
            month: month.to_string(),
            attendance,
            better,
        })
        .collect()
}
