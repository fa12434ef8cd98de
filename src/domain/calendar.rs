//! Calendar feeds (RFC 5545, with RFC 7986's refresh hint): each session its own
//! VEVENT in its group's local time (TZID, with a VTIMEZONE block made from the
//! zone's rules over the feed's span), a UID that never changes, a SEQUENCE that
//! rises with every change of time or status, and cancelled sessions kept as
//! `STATUS:CANCELLED` so subscribed calendars remove them instead of keeping a
//! stale copy. A feed is public to whoever has its link, so it names no attendee.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::session::SessionStatus;
use super::time::transitions::{format_offset, observances};

/// How long a cancelled or past session stays in a feed.
pub const KEEP_PAST_DAYS: i64 = 30;
/// How often calendars are asked to refetch (Google decides for itself).
pub const REFRESH_HOURS: i64 = 1;

/// A session as a calendar shows it: no answers, no names.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSession {
    pub id: i64,
    pub local_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: SessionStatus,
    /// A cancellation reason or a move note, as the coordinator wrote it.
    pub note: Option<String>,
    pub sequence: u32,
    pub group_name: String,
    pub group_description: Option<String>,
    pub zone: Tz,
    pub location: Option<String>,
}

/// A feed ready to serve: its text and an entity tag that changes when, and only
/// when, something in it other than its stamp does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ics {
    pub body: String,
    pub etag: String,
}

/// The span a feed made at `now` covers, up to `horizon_end`.
pub fn span(now: DateTime<Utc>, horizon_end: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - Duration::days(KEEP_PAST_DAYS), horizon_end)
}

/// Writes the feed called `name` for `community` with `sessions` (those in
/// [`span`]), stamped `now`.
pub fn render(name: &str, community: &str, sessions: &[FeedSession], now: DateTime<Utc>) -> Ics {
    let mut out = Writer::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//hearth//calendar feed//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", escape(name)));
    out.line(&format!("NAME:{}", escape(name)));
    out.line(&format!("REFRESH-INTERVAL;VALUE=DURATION:PT{REFRESH_HOURS}H"));
    out.line(&format!("X-PUBLISHED-TTL:PT{REFRESH_HOURS}H"));

    // Each zone's block covers its sessions, with a day's margin either side.
    let mut zones: BTreeMap<&str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for session in sessions {
        let entry =
            zones
                .entry(session.zone.name())
                .or_insert((session.zone, session.starts_at, session.ends_at));
        entry.1 = entry.1.min(session.starts_at);
        entry.2 = entry.2.max(session.ends_at);
    }
    for (zone, first, last) in zones.values() {
        vtimezone(
            &mut out,
            *zone,
            *first - Duration::days(1),
            *last + Duration::days(1),
        );
    }
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for session in sessions {
        vevent(&mut out, community, session, &stamp);
    }
    out.line("END:VCALENDAR");
    Ics {
        etag: format!("\"{:016x}\"", out.hash),
        body: out.text,
    }
}

fn vtimezone(out: &mut Writer, zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{}", zone.name()));
    for observance in observances(zone, from, to) {
        let kind = if observance.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        out.line(&format!("BEGIN:{kind}"));
        // DTSTART is the wall time just before the change, in the offset before it.
        let local = observance.from + Duration::seconds(i64::from(observance.offset_before));
        out.line(&format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
        out.line(&format!(
            "TZOFFSETFROM:{}",
            format_offset(observance.offset_before)
        ));
        out.line(&format!("TZOFFSETTO:{}", format_offset(observance.offset_after)));
        out.line(&format!("TZNAME:{}", escape(&observance.name)));
        out.line(&format!("END:{kind}"));
    }
    out.line("END:VTIMEZONE");
}

fn vevent(out: &mut Writer, community: &str, session: &FeedSession, stamp: &str) {
    let cancelled = session.status == SessionStatus::Cancelled;
    out.line("BEGIN:VEVENT");
    out.line(&format!(
        "UID:session-{}.{}@hearth",
        session.id,
        uid_safe(community)
    ));
    out.stamp(&format!("DTSTAMP:{stamp}"));
    out.line(&format!("SEQUENCE:{}", session.sequence));
    out.line(&moment("DTSTART", session.zone, session.starts_at));
    out.line(&moment("DTEND", session.zone, session.ends_at));
    out.line(&format!("SUMMARY:{}", escape(&session.group_name)));
    out.line(&format!(
        "STATUS:{}",
        if cancelled { "CANCELLED" } else { "CONFIRMED" }
    ));
    if let Some(location) = session.location.as_deref().filter(|l| !l.trim().is_empty()) {
        out.line(&format!("LOCATION:{}", escape(location)));
    }
    let mut description = Vec::new();
    if let Some(text) = session
        .group_description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        description.push(text.trim().to_string());
    }
    match (
        session.status,
        session.note.as_deref().filter(|n| !n.trim().is_empty()),
    ) {
        (SessionStatus::Cancelled, Some(note)) => description.push(format!("Cancelled: {}", note.trim())),
        (SessionStatus::Cancelled, None) => description.push("This session is cancelled.".into()),
        (SessionStatus::Moved, Some(note)) => description.push(format!("Moved: {}", note.trim())),
        _ => {}
    }
    description.push(format!(
        "Session #{} — answer on Discord with /rsvp session:{}",
        session.id, session.id
    ));
    out.line(&format!("DESCRIPTION:{}", escape(&description.join("\n"))));
    out.line("TRANSP:OPAQUE");
    out.line("END:VEVENT");
}

/// A `DTSTART` or `DTEND` line: the wall time in the session's zone, unless that
/// wall time names another instant. RFC 5545 (§3.3.5) reads a wall time that happens
/// twice as its first instant, so a session that ends (or starts) in the hour after
/// the clocks went back, at the second 01:30, is written in UTC instead: as a wall
/// time every calendar would show it an hour early.
fn moment(property: &str, zone: Tz, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone).naive_local();
    let named = zone
        .from_local_datetime(&local)
        .earliest()
        .map(|first| first.with_timezone(&Utc));
    if named == Some(at) {
        format!(
            "{property};TZID={}:{}",
            zone.name(),
            local.format("%Y%m%dT%H%M%S")
        )
    } else {
        format!("{property}:{}", at.format("%Y%m%dT%H%M%SZ"))
    }
}

/// A community id in a UID: letters, digits, `-` and `.` only.
fn uid_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// RFC 5545 §3.3.11 TEXT escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Content lines, CRLF-ended and folded at 75 octets (§3.1), with a running hash of
/// everything but the stamps for the entity tag (FNV-1a: stable across builds, so a
/// restart does not make every calendar refetch).
struct Writer {
    text: String,
    hash: u64,
}

impl Default for Writer {
    fn default() -> Self {
        Writer {
            text: String::new(),
            hash: 0xcbf2_9ce4_8422_2325,
        }
    }
}

impl Writer {
    fn line(&mut self, line: &str) {
        for byte in line.bytes().chain([b'\n']) {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.stamp(line);
    }

    /// A line left out of the hash.
    fn stamp(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                self.text.push_str("\r\n ");
                width = 1;
            }
            self.text.push(c);
            width += c.len_utf8();
        }
        self.text.push_str("\r\n");
    }
}

/// The feed's entity tag matches one a client sent in `If-None-Match` (a list, or `*`).
pub fn etag_matches(etag: &str, if_none_match: &str) -> bool {
    if_none_match
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: i64, start: &str, status: SessionStatus, sequence: u32) -> FeedSession {
        let starts_at = DateTime::parse_from_rfc3339(start).unwrap().with_timezone(&Utc);
        FeedSession {
            id,
            local_date: starts_at.date_naive(),
            starts_at,
            ends_at: starts_at + Duration::minutes(90),
            status,
            note: None,
            sequence,
            group_name: "Tuesday Circle, Leeds; upstairs".into(),
            group_description: Some("A peer-support group.".into()),
            zone: chrono_tz::Europe::London,
            location: Some("The Old Library, Room 2".into()),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-20T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn an_end_in_the_hour_the_clocks_repeat_is_written_in_utc() {
        // 00:30 BST for two hours ends at the second 01:30 (GMT), after the change.
        let mut late = session(8, "2026-10-24T23:30:00Z", SessionStatus::Scheduled, 0);
        late.ends_at = late.starts_at + Duration::minutes(120);
        // 00:30 BST for one hour ends at the first 01:30 (BST), which its wall time names.
        let mut early = session(9, "2026-10-24T23:30:00Z", SessionStatus::Scheduled, 0);
        early.ends_at = early.starts_at + Duration::minutes(60);
        let body = render("Circle", "123", &[late, early], now()).body;
        assert!(
            body.contains("DTSTART;TZID=Europe/London:20261025T003000\r\n"),
            "{body}"
        );
        assert!(body.contains("DTEND:20261025T013000Z\r\n"), "{body}");
        assert!(
            body.contains("DTEND;TZID=Europe/London:20261025T013000\r\n"),
            "{body}"
        );
    }

    #[test]
    fn a_feed_has_local_times_a_vtimezone_and_escaped_text() {
        let ics = render(
            "Circle",
            "123",
            &[session(7, "2026-04-02T17:30:00Z", SessionStatus::Scheduled, 0)],
            now(),
        );
        let body = ics.body;
        assert!(
            body.contains("DTSTART;TZID=Europe/London:20260402T183000\r\n"),
            "{body}"
        );
        assert!(
            body.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"),
            "{body}"
        );
        assert!(
            body.contains("SUMMARY:Tuesday Circle\\, Leeds\\; upstairs\r\n"),
            "{body}"
        );
        assert!(body.contains("UID:session-7.123@hearth\r\n"), "{body}");
        assert!(
            body.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"),
            "{body}"
        );
        assert!(body.lines().all(|l| l.len() <= 76), "{body}");
    }

    #[test]
    fn the_etag_ignores_the_stamp_but_not_a_change() {
        let sessions = [session(7, "2026-04-02T17:30:00Z", SessionStatus::Scheduled, 0)];
        let first = render("Circle", "1", &sessions, now());
        let later = render("Circle", "1", &sessions, now() + Duration::hours(3));
        assert_ne!(first.body, later.body);
        assert_eq!(first.etag, later.etag);
        let moved = [session(7, "2026-04-02T18:30:00Z", SessionStatus::Moved, 1)];
        assert_ne!(render("Circle", "1", &moved, now()).etag, first.etag);
        assert!(etag_matches(&first.etag, &format!("W/{}, \"x\"", first.etag)));
        assert!(!etag_matches(&first.etag, "\"other\""));
    }

    #[test]
    fn long_lines_fold_within_75_octets_without_splitting_a_character() {
        let mut long = session(1, "2026-04-02T17:30:00Z", SessionStatus::Cancelled, 2);
        long.note = Some("é".repeat(100));
        let body = render("Circle", "1", &[long], now()).body;
        for line in body.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert!(body.contains("STATUS:CANCELLED"));
    }
}
