//! The calendar feeds, read as a calendar app reads them (RFC 5545): each
//! `DTSTART;TZID=…` resolved through the feed's own VTIMEZONE blocks, a local time
//! that happens twice taken as its first instant and one in a gap with the offset
//! before it (§3.3.5), with nothing from hearth's code or chrono-tz. A feed is where
//! members see hearth's times outside Discord, and what it carries is what their
//! phones will show, twelve weeks ahead and across every clock change in between.
//!
//! - `calendar-times`: every event starts and ends, as read, at its session's stored
//!   start and end (which `dst` ties to the rule).
//! - `calendar-complete`: every session of the community's active groups from now to
//!   eight weeks ahead is in the feed once, and nothing else is.
//! - `calendar-status`: an event is `CANCELLED` exactly when its session is.
//! - `calendar-sequence`: an event whose time or status changed since the feed was
//!   last read has a higher `SEQUENCE` (or calendars keep the stale copy), and no
//!   `SEQUENCE` goes down.
//! - `calendar-no-names`: no member's or facilitator's name, and no mention, in a
//!   feed (whoever has the link can read it).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sqlx::SqliteConnection;

use super::invariants::Violation;

fn broken(name: &'static str, detail: impl Into<String>) -> Violation {
    Violation {
        name,
        detail: detail.into(),
    }
}

/// A zone as a feed's VTIMEZONE block defines it: its changes of offset.
#[derive(Debug, Default)]
struct FeedZone {
    /// (the change's instant, offset before, offset after), in order.
    changes: Vec<(DateTime<Utc>, i32, i32)>,
}

impl FeedZone {
    fn offset_at(&self, at: DateTime<Utc>) -> Option<i32> {
        let first = self.changes.first()?;
        Some(
            self.changes
                .iter()
                .rev()
                .find(|(from, _, _)| *from <= at)
                .map_or(first.1, |change| change.2),
        )
    }

    /// The instant a wall time names in this zone, by RFC 5545 §3.3.5.
    fn resolve(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let mut offsets: Vec<i32> = self.changes.iter().flat_map(|c| [c.1, c.2]).collect();
        offsets.sort_unstable();
        offsets.dedup();
        // Those instants whose offset is the one tried: more than one when the time
        // happens twice, and then the first is meant.
        let found = offsets
            .iter()
            .map(|offset| local.and_utc() - Duration::seconds(i64::from(*offset)))
            .filter(|at| {
                self.offset_at(*at)
                    .is_some_and(|o| local.and_utc() - Duration::seconds(i64::from(o)) == *at)
            })
            .min();
        if found.is_some() {
            return found;
        }
        // In a gap: read with the offset before it.
        self.changes.iter().find_map(|(at, before, after)| {
            let gap_from = at.naive_utc() + Duration::seconds(i64::from(*before));
            let gap_to = at.naive_utc() + Duration::seconds(i64::from(*after));
            (gap_from <= local && local < gap_to)
                .then(|| local.and_utc() - Duration::seconds(i64::from(*before)))
        })
    }
}

/// One event of a feed, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub session: i64,
    pub sequence: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
}

/// RFC 5545 content lines: a line that starts with a space continues the one before.
fn unfold(body: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in body.split("\r\n") {
        match (raw.strip_prefix(' '), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => lines.push(raw.to_string()),
        }
    }
    lines
}

fn offset(text: &str) -> Option<i32> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let number = |range: std::ops::Range<usize>| digits.get(range).and_then(|d| d.parse::<i32>().ok());
    let seconds = match digits.len() {
        4 => number(0..2)? * 3600 + number(2..4)? * 60,
        6 => number(0..2)? * 3600 + number(2..4)? * 60 + number(4..6)?,
        _ => return None,
    };
    Some(sign * seconds)
}

fn local_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").ok()
}

/// A `DTSTART`/`DTEND` property's instant: `;TZID=…:local` read through the feed's
/// zones, or `:…Z` in UTC.
fn instant(line: &str, zones: &BTreeMap<String, FeedZone>) -> Result<DateTime<Utc>, String> {
    let (params, value) = line
        .split_once(':')
        .ok_or_else(|| format!("no value in {line:?}"))?;
    if let Some(utc) = value.strip_suffix('Z') {
        return local_time(utc)
            .map(|at| at.and_utc())
            .ok_or_else(|| format!("unreadable time in {line:?}"));
    }
    let zone = params
        .split(';')
        .find_map(|p| p.strip_prefix("TZID="))
        .ok_or_else(|| format!("a floating time (no TZID, no Z) in {line:?}"))?;
    let zone = zones
        .get(zone)
        .ok_or_else(|| format!("{line:?} names a TZID with no VTIMEZONE block"))?;
    let local = local_time(value).ok_or_else(|| format!("unreadable time in {line:?}"))?;
    zone.resolve(local)
        .ok_or_else(|| format!("{line:?} is outside what its VTIMEZONE block covers"))
}

/// `DURATION:PT1H30M` and the like (hours, minutes, seconds; weeks and days are
/// nominal, which a session's length never is).
fn duration(value: &str) -> Option<Duration> {
    let mut rest = value.strip_prefix("PT")?;
    let mut total = Duration::zero();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let n: i64 = rest[..digits].parse().ok()?;
        total += match rest[digits..].chars().next()? {
            'H' => Duration::hours(n),
            'M' => Duration::minutes(n),
            'S' => Duration::seconds(n),
            _ => return None,
        };
        rest = &rest[digits + 1..];
    }
    Some(total)
}

/// Reads a feed's events. A feed hearth would not be able to show correctly (no
/// VTIMEZONE for a TZID, an unreadable line) is an error.
pub fn read(body: &str) -> Result<Vec<Event>, String> {
    let lines = unfold(body);
    // First the zones (RFC 5545 has them anywhere in the calendar).
    let mut zones: BTreeMap<String, FeedZone> = BTreeMap::new();
    let mut zone: Option<(String, FeedZone)> = None;
    let mut part: (Option<NaiveDateTime>, Option<i32>, Option<i32>) = (None, None, None);
    for line in &lines {
        match line.as_str() {
            "BEGIN:VTIMEZONE" => zone = Some((String::new(), FeedZone::default())),
            "END:VTIMEZONE" => {
                if let Some((id, mut read)) = zone.take() {
                    read.changes.sort_by_key(|c| c.0);
                    zones.insert(id, read);
                }
            }
            "BEGIN:STANDARD" | "BEGIN:DAYLIGHT" => part = (None, None, None),
            "END:STANDARD" | "END:DAYLIGHT" => {
                let (Some(start), Some(from), Some(to)) = part else {
                    return Err(format!(
                        "an observance without DTSTART and both offsets: {part:?}"
                    ));
                };
                if let Some((_, read)) = zone.as_mut() {
                    // Its DTSTART is a wall time in the offset before the change.
                    read.changes
                        .push((start.and_utc() - Duration::seconds(i64::from(from)), from, to));
                }
            }
            _ if zone.is_some() => {
                if let Some(id) = line.strip_prefix("TZID:") {
                    if let Some((name, _)) = zone.as_mut() {
                        *name = id.to_string();
                    }
                } else if let Some(value) = line.strip_prefix("DTSTART:") {
                    part.0 = Some(local_time(value).ok_or_else(|| format!("unreadable {line:?}"))?);
                } else if let Some(value) = line.strip_prefix("TZOFFSETFROM:") {
                    part.1 = Some(offset(value).ok_or_else(|| format!("unreadable {line:?}"))?);
                } else if let Some(value) = line.strip_prefix("TZOFFSETTO:") {
                    part.2 = Some(offset(value).ok_or_else(|| format!("unreadable {line:?}"))?);
                } else if line.starts_with("RRULE") || line.starts_with("RDATE") {
                    return Err(format!(
                        "an observance rule this reader does not follow: {line:?}"
                    ));
                }
            }
            _ => {}
        }
    }
    let mut events = Vec::new();
    let mut event: Option<Vec<&str>> = None;
    for line in &lines {
        match line.as_str() {
            "BEGIN:VEVENT" => event = Some(Vec::new()),
            "END:VEVENT" => {
                if let Some(props) = event.take() {
                    events.push(read_event(&props, &zones)?);
                }
            }
            _ => {
                if let Some(props) = event.as_mut() {
                    props.push(line);
                }
            }
        }
    }
    Ok(events)
}

fn read_event(props: &[&str], zones: &BTreeMap<String, FeedZone>) -> Result<Event, String> {
    let find = |name: &str| {
        props.iter().copied().find(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(':') || rest.starts_with(';'))
        })
    };
    let uid = find("UID").ok_or("an event without a UID")?;
    let session = uid
        .strip_prefix("UID:session-")
        .and_then(|rest| rest.split('.').next())
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| format!("a UID that names no session: {uid:?}"))?;
    let starts_at = instant(find("DTSTART").ok_or("an event without DTSTART")?, zones)?;
    let ends_at = match (find("DTEND"), find("DURATION")) {
        (Some(end), None) => instant(end, zones)?,
        (None, Some(length)) => {
            let value = length.split_once(':').map_or("", |(_, v)| v);
            starts_at + duration(value).ok_or_else(|| format!("unreadable {length:?}"))?
        }
        _ => {
            return Err(format!(
                "session {session}'s event has not one of DTEND and DURATION"
            ))
        }
    };
    let sequence = find("SEQUENCE")
        .and_then(|line| line.split_once(':'))
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0);
    let cancelled = find("STATUS").is_some_and(|line| line.ends_with(":CANCELLED"));
    Ok(Event {
        session,
        sequence,
        starts_at,
        ends_at,
        cancelled,
    })
}

/// What a session's event was when a feed was last read.
#[derive(Debug, Clone)]
struct Seen {
    sequence: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    cancelled: bool,
}

/// The calendar checks' memory: each session's event as last read.
#[derive(Debug, Default)]
pub struct Feeds {
    seen: BTreeMap<i64, Seen>,
    /// Per community, its count of feed-changing writes when its feed was last read.
    read_at: BTreeMap<String, i64>,
}

/// Counts, per community, the writes that change what its feed shows: a session
/// added, removed, re-timed, cancelled or restored (its sequence), a group's zone
/// changed or the group archived. Triggers on hearth's file, in the same transaction
/// as the write (so a crash undoes both), into the checks' own counts
/// ([`super::invariants::watch_changes`], which must be on the file first), each
/// community's as `feed:` and its id. Every other step leaves the feeds as they were
/// (time passing only slides their window), so a feed whose count has not moved is
/// not read again.
pub async fn watch_feeds(db: &mut SqliteConnection) {
    let count = |community: &str| {
        format!(
            "INSERT INTO sim_touch (what, n) VALUES ('{FEED}' || ({community}), 1) \
             ON CONFLICT (what) DO UPDATE SET n = n + 1;"
        )
    };
    let community_of_series = |row: &str| {
        count(&format!(
            "SELECT g.community_id FROM series r JOIN meeting_group g ON g.id = r.group_id \
             WHERE r.id = {row}.series_id"
        ))
    };
    for statement in [
        format!(
            "CREATE TRIGGER sim_feed_session_added AFTER INSERT ON session BEGIN {} END",
            community_of_series("NEW")
        ),
        format!(
            "CREATE TRIGGER sim_feed_session_changed AFTER UPDATE OF starts_at, ends_at, status, sequence \
             ON session WHEN OLD.starts_at IS NOT NEW.starts_at OR OLD.ends_at IS NOT NEW.ends_at \
             OR OLD.status IS NOT NEW.status OR OLD.sequence IS NOT NEW.sequence BEGIN {} END",
            community_of_series("NEW")
        ),
        format!(
            "CREATE TRIGGER sim_feed_session_removed AFTER DELETE ON session BEGIN {} END",
            community_of_series("OLD")
        ),
        format!(
            "CREATE TRIGGER sim_feed_group_changed AFTER UPDATE OF timezone, archived_at ON meeting_group \
             WHEN OLD.timezone IS NOT NEW.timezone OR OLD.archived_at IS NOT NEW.archived_at BEGIN {} END",
            count("NEW.community_id")
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *db)
            .await
            .expect("the calendar checks' triggers");
    }
}

/// The prefix of a community's count of feed-changing writes in `sim_touch`.
pub const FEED: &str = "feed:";

/// (session, start, end, status, whether its group is archived)
type SessionRow = (i64, i64, i64, String, bool);

/// Properties whose values are dates, numbers or keywords: no name can be in them.
const TYPED: &[&str] = &[
    "BEGIN",
    "END",
    "VERSION",
    "CALSCALE",
    "METHOD",
    "REFRESH-INTERVAL",
    "X-PUBLISHED-TTL",
    "DTSTAMP",
    "SEQUENCE",
    "DTSTART",
    "DTEND",
    "DURATION",
    "STATUS",
    "TRANSP",
    "TZOFFSETFROM",
    "TZOFFSETTO",
];

/// The first of `names` that is a word of `line` (a run of letters and digits that
/// starts with a capital and holds a digit, as every name does), in one pass.
fn named_in<'a>(line: &str, names: &'a BTreeSet<String>) -> Option<&'a String> {
    let bytes = line.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let mut end = start;
        let mut digit = false;
        while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
            digit |= bytes[end].is_ascii_digit();
            end += 1;
        }
        if digit && bytes[start].is_ascii_uppercase() {
            if let Some(name) = names.get(&line[start..end]) {
                return Some(name);
            }
        }
        start = end + 1;
    }
    None
}

/// How far ahead every session must be in the feed (the horizon is twelve weeks;
/// the feed may end a little sooner or later than the last stored session).
const COMPLETE_AHEAD: Duration = Duration::weeks(8);

impl Feeds {
    /// The communities whose feeds may show something new since they were last
    /// read, each with its count of feed-changing writes (see [`watch_feeds`]).
    /// `counts` are each community's, as read from `sim_touch`.
    pub fn changed(&self, counts: &[(String, i64)]) -> Vec<(String, i64)> {
        counts
            .iter()
            .filter(|(community, n)| self.read_at.get(community) != Some(n))
            .cloned()
            .collect()
    }

    /// The feed of `community` has been read with its count of changes at `n`.
    pub fn read_from(&mut self, community: String, n: i64) {
        self.read_at.insert(community, n);
    }

    /// Checks one community's feed, `body`, read at `now`; `names` are the names of
    /// everyone in the simulation (each one word of letters and digits).
    pub async fn check(
        &mut self,
        db: &mut SqliteConnection,
        community: &str,
        body: &str,
        names: &BTreeSet<String>,
        now: DateTime<Utc>,
    ) -> Result<(), Violation> {
        let lines = unfold(body);
        // Word by word, in every property but those whose values are dates, numbers
        // or keywords: one pass, however many names there are. Each name is a word
        // with a capital and a digit.
        let named = lines
            .iter()
            .filter(|line| {
                let property = line.split([':', ';']).next().unwrap_or_default();
                !TYPED.contains(&property)
            })
            .find_map(|line| named_in(line, names));
        if let Some(name) = named {
            return Err(broken(
                "calendar-no-names",
                format!("{community}'s calendar feed names {name}"),
            ));
        }
        if lines
            .iter()
            .any(|line| line.contains("<@") || line.contains("@everyone") || line.contains("@here"))
        {
            return Err(broken(
                "calendar-no-names",
                format!("{community}'s calendar feed holds a mention"),
            ));
        }
        let events = read(body).map_err(|e| broken("calendar-times", format!("{community}'s feed: {e}")))?;
        let rows: Vec<SessionRow> = sqlx::query_as(
            "SELECT s.id, s.starts_at, s.ends_at, s.status, g.archived_at IS NOT NULL FROM session s \
             JOIN series r ON r.id = s.series_id JOIN meeting_group g ON g.id = r.group_id \
             WHERE g.community_id = $1 AND s.starts_at > $2",
        )
        .bind(community)
        // The feed keeps a month back (by end; sessions are shorter than a day).
        .bind((now - Duration::days(32)).timestamp())
        .fetch_all(&mut *db)
        .await
        .expect("a community's sessions");
        let stored: BTreeMap<i64, &SessionRow> = rows.iter().map(|row| (row.0, row)).collect();
        let mut shown: BTreeMap<i64, &Event> = BTreeMap::new();
        for event in &events {
            if shown.insert(event.session, event).is_some() {
                return Err(broken(
                    "calendar-complete",
                    format!("{community}'s feed has session {} twice", event.session),
                ));
            }
            let Some((_, starts, ends, status, archived)) = stored.get(&event.session).copied() else {
                return Err(broken(
                    "calendar-complete",
                    format!(
                        "{community}'s feed has session {}, which is not one of its own from a month ago on",
                        event.session
                    ),
                ));
            };
            if *archived {
                return Err(broken(
                    "calendar-complete",
                    format!(
                        "{community}'s feed has session {} of an archived group",
                        event.session
                    ),
                ));
            }
            let (starts, ends) = (at(*starts), at(*ends));
            if (event.starts_at, event.ends_at) != (starts, ends) {
                return Err(broken(
                    "calendar-times",
                    format!(
                        "{community}'s feed shows session {} from {} to {}, read as a calendar app reads \
                         it; it is stored from {starts} to {ends}",
                        event.session, event.starts_at, event.ends_at
                    ),
                ));
            }
            if event.cancelled != (status == "cancelled") {
                return Err(broken(
                    "calendar-status",
                    format!(
                        "{community}'s feed shows session {} {}, but it is {status}",
                        event.session,
                        if event.cancelled {
                            "cancelled"
                        } else {
                            "going ahead"
                        }
                    ),
                ));
            }
            if let Some(seen) = self.seen.get(&event.session) {
                let changed = (seen.starts_at, seen.ends_at, seen.cancelled)
                    != (event.starts_at, event.ends_at, event.cancelled);
                if event.sequence < seen.sequence || (changed && event.sequence <= seen.sequence) {
                    return Err(broken(
                        "calendar-sequence",
                        format!(
                            "session {}'s event went from {} to {} ({}) with SEQUENCE {} then {}",
                            event.session,
                            seen.starts_at,
                            event.starts_at,
                            if event.cancelled {
                                "cancelled"
                            } else {
                                "not cancelled"
                            },
                            seen.sequence,
                            event.sequence
                        ),
                    ));
                }
            }
            self.seen.insert(
                event.session,
                Seen {
                    sequence: event.sequence,
                    starts_at: event.starts_at,
                    ends_at: event.ends_at,
                    cancelled: event.cancelled,
                },
            );
        }
        let ahead = now + COMPLETE_AHEAD;
        if let Some((id, ..)) = rows.iter().find(|(id, starts, _, _, archived)| {
            !archived && at(*starts) >= now && at(*starts) < ahead && !shown.contains_key(id)
        }) {
            return Err(broken(
                "calendar-complete",
                format!("{community}'s feed leaves out session {id}, which starts within eight weeks"),
            ));
        }
        Ok(())
    }
}

fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// London's autumn change as a feed writes it: 02:00 BST becomes 01:00 GMT.
    fn london() -> FeedZone {
        let change = "2026-10-25T01:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let spring = "2026-03-29T01:00:00Z".parse::<DateTime<Utc>>().unwrap();
        FeedZone {
            changes: vec![(spring, 0, 3600), (change, 3600, 0)],
        }
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_time_that_happens_twice_is_its_first_instant() {
        assert_eq!(
            london().resolve(local("2026-10-25 01:30")).unwrap().to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
    }

    #[test]
    fn a_time_in_the_gap_is_read_with_the_offset_before_it() {
        assert_eq!(
            london().resolve(local("2026-03-29 01:30")).unwrap().to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        assert_eq!(
            london().resolve(local("2026-07-01 19:00")).unwrap().to_rfc3339(),
            "2026-07-01T18:00:00+00:00"
        );
    }

    /// A session that ends in the hour London's clocks repeat, after they went back:
    /// its end is the second 01:30, which a `TZID` wall time cannot name.
    #[test]
    fn a_feed_names_an_end_after_the_clocks_go_back_as_it_is() {
        use hearth::domain::calendar::{render, FeedSession};
        use hearth::domain::session::SessionStatus;
        let starts_at = "2026-10-24T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let session = FeedSession {
            id: 7,
            local_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 25).unwrap(),
            starts_at,
            ends_at: starts_at + Duration::minutes(120),
            status: SessionStatus::Scheduled,
            note: None,
            sequence: 0,
            group_name: "Circle 1".into(),
            group_description: None,
            zone: chrono_tz::Europe::London,
            location: None,
        };
        let ics = render("Circle 1", "sim-c0", &[session], starts_at - Duration::days(3));
        let events = read(&ics.body).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].starts_at, starts_at);
        assert_eq!(
            events[0].ends_at,
            starts_at + Duration::minutes(120),
            "{}",
            ics.body
        );
    }

    #[test]
    fn a_name_is_found_as_a_word() {
        let names: BTreeSet<String> = ["Ashc0m1q".to_string()].into();
        assert!(named_in("DESCRIPTION:with Ashc0m1q\\, tonight", &names).is_some());
        assert!(named_in("SUMMARY:Ashc0m1q", &names).is_some());
        assert!(named_in("SUMMARY:Ashc0m12q Circle 1", &names).is_none());
    }

    #[test]
    fn durations_and_offsets_read() {
        assert_eq!(duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(duration("PT45M"), Some(Duration::minutes(45)));
        assert_eq!(duration("P1D"), None);
        assert_eq!(offset("+1030"), Some(37800));
        assert_eq!(offset("-0330"), Some(-12600));
    }
}
