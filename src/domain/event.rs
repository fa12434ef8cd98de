//! Sessions mirrored as Discord scheduled events: which sessions have one, what
//! each says, and what to change to get there.
//!
//! Each session is its own one-off EXTERNAL event (Discord's own recurring events
//! drift an hour at clock changes). A guild holds at most 100 events SCHEDULED or
//! ACTIVE, shared with the community's own, so hearth keeps at most `max_active` of
//! its own at once: those of the nearest sessions. A nearer session arriving when the
//! cap is full pushes the farthest one out; a session ending lets the next one in.
//! The decision is [`plan`]: a pure function of what is stored and `now`.

use chrono::{DateTime, Duration, Utc};

use super::job::{JobKind, PlannedJob};
use super::session::SessionStatus;
use super::text::truncate;
use super::time::Tz;

/// What Discord allows in an event's name, location and description.
pub const NAME_MAX: usize = 100;
pub const LOCATION_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 1000;

/// How many of hearth's events a guild has at once unless configured
/// (`events.max_active`).
pub const DEFAULT_MAX_ACTIVE: usize = 50;
/// The most `events.max_active` may be: Discord's 100 less room for the community's
/// own events.
pub const MAX_ACTIVE_LIMIT: usize = 90;

/// At most this many event requests in one run of a guild's sync job; the rest go in
/// the next run, so one guild's burst (a cap raised, 50 cards at once) is paced.
pub const MAX_OPS_PER_RUN: usize = 5;

/// What one session's event says: never who is coming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDetails {
    pub name: String,
    pub description: String,
    pub location: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The group's zone, for an adapter that shows local times (the console); Discord
    /// shows each member their own.
    pub zone: Tz,
}

impl EventDetails {
    /// A session's event within Discord's limits: the group's name, its place (or its
    /// channel when it has none), and a description with the note and how to answer.
    pub fn for_session(session: &EventSession) -> EventDetails {
        let location = session
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| match session.channel.strip_prefix('#') {
                // The console's channels have names; Discord's are ids, which an
                // event's location can't show.
                Some(name) => format!("On Discord, in #{name}"),
                None => "On Discord, in the group's channel".to_string(),
            });
        let mut description = String::new();
        if let Some(about) = session
            .group_description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            description.push_str(about.trim());
            description.push_str("\n\n");
        }
        if let Some(note) = session.note.as_deref().filter(|n| !n.trim().is_empty()) {
            description.push_str(note.trim());
            description.push_str("\n\n");
        }
        description.push_str(&format!(
            "Session #{}. Answer Going, Maybe or Can't make it on its card in the group's channel.",
            session.session_id
        ));
        EventDetails {
            name: truncate(session.group_name.trim(), NAME_MAX),
            description: truncate(&description, DESCRIPTION_MAX),
            location: truncate(&location, LOCATION_MAX),
            starts_at: session.starts_at,
            ends_at: session.ends_at.max(session.starts_at + Duration::minutes(1)),
            zone: session.zone,
        }
    }

    /// A stable summary of every field, stored with the event so a change is noticed.
    pub fn fingerprint(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.starts_at.timestamp(),
            self.ends_at.timestamp(),
            self.name,
            self.location,
            self.description
        )
    }
}

/// A session as the sync sees it, with the event it has on Discord, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSession {
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: SessionStatus,
    pub zone: Tz,
    pub group_name: String,
    pub group_description: Option<String>,
    /// The group's channel as stored: `#circle`, or a Discord channel id.
    pub channel: String,
    pub location: Option<String>,
    pub note: Option<String>,
    /// Its card is up (events go up with cards).
    pub card_posted: bool,
    /// The group's `events:` setting.
    pub events_on: bool,
    pub group_archived: bool,
}

/// One row the sync reads: a session that may want an event, or an event hearth made
/// whose session may be gone (`session` is `None` once it was deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub session_id: i64,
    pub session: Option<EventSession>,
    /// The Discord event id and the fingerprint of what it says.
    pub event: Option<(String, String)>,
}

/// A change to make on Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOp {
    Create {
        session_id: i64,
        details: EventDetails,
    },
    Update {
        session_id: i64,
        event_id: String,
        details: EventDetails,
    },
    Delete {
        session_id: i64,
        event_id: String,
    },
}

impl EventOp {
    pub fn session_id(&self) -> i64 {
        match self {
            EventOp::Create { session_id, .. }
            | EventOp::Update { session_id, .. }
            | EventOp::Delete { session_id, .. } => *session_id,
        }
    }
}

/// What one run does: its requests in order (removals first, so the count on Discord
/// never passes the cap), and whether more remain for the next run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventPlan {
    pub ops: Vec<EventOp>,
    pub more: bool,
}

/// Whether a session should have an event, the cap aside.
fn wanted(session: &EventSession, has_event: bool, now: DateTime<Utc>) -> bool {
    session.card_posted
        && session.events_on
        && !session.group_archived
        && session.status != SessionStatus::Cancelled
        && session.ends_at > now
        // Discord takes no event starting in the past; one made earlier stays to its end.
        && (session.starts_at > now || has_event)
}

/// The sessions that get an event: the nearest `max_active` of those wanted.
pub fn selected(mirrors: &[Mirror], max_active: usize, now: DateTime<Utc>) -> Vec<i64> {
    let mut wanted: Vec<&EventSession> = mirrors
        .iter()
        .filter_map(|m| m.session.as_ref().filter(|s| wanted(s, m.event.is_some(), now)))
        .collect();
    wanted.sort_by_key(|s| (s.starts_at, s.session_id));
    wanted
        .into_iter()
        .take(max_active)
        .map(|s| s.session_id)
        .collect()
}

/// What to change so the nearest `max_active` wanted sessions have events that say
/// what they should, and no other session has one. At most `max_ops` requests.
pub fn plan(mirrors: &[Mirror], max_active: usize, max_ops: usize, now: DateTime<Utc>) -> EventPlan {
    let keep = selected(mirrors, max_active, now);
    let mut removals = Vec::new();
    let mut updates = Vec::new();
    let mut creates = Vec::new();
    let mut by_start: Vec<&Mirror> = mirrors.iter().collect();
    by_start.sort_by_key(|m| (m.session.as_ref().map(|s| s.starts_at), m.session_id));
    for mirror in by_start {
        let kept = keep.contains(&mirror.session_id);
        match (&mirror.event, mirror.session.as_ref().filter(|_| kept)) {
            (Some((event_id, _)), None) => removals.push(EventOp::Delete {
                session_id: mirror.session_id,
                event_id: event_id.clone(),
            }),
            (Some((event_id, fingerprint)), Some(session)) => {
                let details = EventDetails::for_session(session);
                if details.fingerprint() != *fingerprint {
                    updates.push(EventOp::Update {
                        session_id: mirror.session_id,
                        event_id: event_id.clone(),
                        details,
                    });
                }
            }
            (None, Some(session)) => creates.push(EventOp::Create {
                session_id: mirror.session_id,
                details: EventDetails::for_session(session),
            }),
            (None, None) => {}
        }
    }
    // Farthest removed first: if a run is cut short, the nearest keep theirs longest.
    removals.reverse();
    let mut ops: Vec<EventOp> = removals.into_iter().chain(updates).chain(creates).collect();
    let more = ops.len() > max_ops;
    ops.truncate(max_ops);
    EventPlan { ops, more }
}

/// The key of a community's one event sync job.
pub fn sync_key(community_id: &str) -> String {
    format!("events:{community_id}")
}

/// The (re-armable) sync of a community's events, due now: the event goes up with
/// its card. Bursts need no waiting: a run armed again while pending stays one run,
/// and a run with nothing to change makes no request.
pub fn plan_sync(community_id: &str, now: DateTime<Utc>) -> PlannedJob {
    PlannedJob {
        kind: JobKind::Events,
        dedupe_key: sync_key(community_id),
        target: None,
        payload: String::new(),
        due_at: now,
        expires_at: None,
    }
}

/// Why Discord would not take hearth's events, kept for `/status` and said once in
/// the alerts channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventProblem {
    /// hearth lacks Discord's Create Events / Manage Events permission (50013).
    Permission,
    /// The server already holds 100 scheduled events (30038).
    Limit,
    /// Refused for another lasting reason.
    Refused,
}

impl EventProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            EventProblem::Permission => "permission",
            EventProblem::Limit => "limit",
            EventProblem::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<EventProblem> {
        [
            EventProblem::Permission,
            EventProblem::Limit,
            EventProblem::Refused,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    /// What coordinators read, in `/status` and the alert.
    pub fn explain(self) -> &'static str {
        match self {
            EventProblem::Permission => {
                "hearth can't add sessions to the server's Events: it needs the Create Events and Manage \
                 Events permissions (Server Settings › Roles). Cards and reminders go on as usual."
            }
            EventProblem::Limit => {
                "The server already holds 100 scheduled events, Discord's most, so hearth can't add its \
                 sessions there. Ending some of the server's own events makes room; cards and reminders go \
                 on as usual."
            }
            EventProblem::Refused => {
                "Discord refused one of hearth's session events. Cards and reminders go on as usual."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
    }

    fn session(id: i64, hours_ahead: i64) -> EventSession {
        let starts_at = now() + Duration::hours(hours_ahead);
        EventSession {
            session_id: id,
            starts_at,
            ends_at: starts_at + Duration::minutes(90),
            status: SessionStatus::Scheduled,
            zone: chrono_tz::Europe::London,
            group_name: "Tuesday Circle".into(),
            group_description: None,
            channel: "#circle".into(),
            location: None,
            note: None,
            card_posted: true,
            events_on: true,
            group_archived: false,
        }
    }

    fn fresh(id: i64, hours_ahead: i64) -> Mirror {
        Mirror {
            session_id: id,
            session: Some(session(id, hours_ahead)),
            event: None,
        }
    }

    fn mirrored(id: i64, hours_ahead: i64) -> Mirror {
        let s = session(id, hours_ahead);
        let fingerprint = EventDetails::for_session(&s).fingerprint();
        Mirror {
            session_id: id,
            session: Some(s),
            event: Some((format!("ev{id}"), fingerprint)),
        }
    }

    #[test]
    fn the_nearest_sessions_get_events_up_to_the_cap() {
        let mirrors: Vec<Mirror> = (1..=10).map(|id| fresh(id, 100 - id)).collect();

        let keep = selected(&mirrors, 3, now());

        assert_eq!(keep, vec![10, 9, 8]);
    }

    #[test]
    fn a_nearer_session_at_a_full_cap_pushes_out_the_farthest_before_it_is_created() {
        let mirrors = vec![mirrored(1, 10), mirrored(2, 20), mirrored(3, 30), fresh(4, 5)];

        let plan = plan(&mirrors, 3, 5, now());

        assert_eq!(
            plan.ops
                .iter()
                .map(|op| (op_name(op), op.session_id()))
                .collect::<Vec<_>>(),
            vec![("delete", 3), ("create", 4)]
        );
        assert!(!plan.more);
    }

    #[test]
    fn an_ended_session_lets_the_next_one_in() {
        let mirrors = vec![mirrored(1, -2), mirrored(2, 20), fresh(3, 30), fresh(4, 40)];

        let plan = plan(&mirrors, 2, 5, now());

        assert_eq!(
            plan.ops
                .iter()
                .map(|op| (op_name(op), op.session_id()))
                .collect::<Vec<_>>(),
            vec![("delete", 1), ("create", 3)]
        );
    }

    #[test]
    fn a_moved_session_is_updated_and_an_unchanged_one_left_alone() {
        let mut moved = mirrored(1, 10);
        if let Some(s) = moved.session.as_mut() {
            s.starts_at += Duration::hours(1);
            s.ends_at += Duration::hours(1);
        }
        let plan = plan(&[moved, mirrored(2, 20)], 50, 5, now());

        assert_eq!(plan.ops.len(), 1);
        let EventOp::Update {
            event_id, details, ..
        } = &plan.ops[0]
        else {
            panic!("expected an update, got {:?}", plan.ops);
        };
        assert_eq!(event_id, "ev1");
        assert_eq!(details.starts_at, now() + Duration::hours(11));
    }

    #[test]
    fn cancelled_archived_switched_off_and_deleted_sessions_lose_their_events() {
        let mut cancelled = mirrored(1, 10);
        let mut archived = mirrored(2, 10);
        let mut off = mirrored(3, 10);
        if let Some(s) = cancelled.session.as_mut() {
            s.status = SessionStatus::Cancelled;
        }
        if let Some(s) = archived.session.as_mut() {
            s.group_archived = true;
        }
        if let Some(s) = off.session.as_mut() {
            s.events_on = false;
        }
        let gone = Mirror {
            session_id: 4,
            session: None,
            event: Some(("ev4".into(), String::new())),
        };

        let plan = plan(&[cancelled, archived, off, gone], 50, 10, now());

        assert_eq!(plan.ops.len(), 4);
        assert!(plan.ops.iter().all(|op| op_name(op) == "delete"));
    }

    #[test]
    fn a_session_without_its_card_or_already_started_gets_no_new_event() {
        let mut no_card = fresh(1, 10);
        if let Some(s) = no_card.session.as_mut() {
            s.card_posted = false;
        }
        let started = fresh(2, -1);

        assert!(plan(&[no_card, started], 50, 5, now()).ops.is_empty());
        // One made before it started stays until it ends.
        assert!(plan(&[mirrored(3, -1)], 50, 5, now()).ops.is_empty());
    }

    #[test]
    fn a_run_makes_at_most_its_share_of_requests_and_says_more_remain() {
        let mirrors: Vec<Mirror> = (1..=12).map(|id| fresh(id, id)).collect();

        let plan = plan(&mirrors, 50, 5, now());

        assert_eq!(plan.ops.len(), 5);
        assert!(plan.more);
        assert_eq!(plan.ops[0].session_id(), 1, "nearest first");
    }

    #[test]
    fn details_fit_discords_limits_and_name_no_one() {
        let mut s = session(7, 10);
        s.group_name = "g".repeat(150);
        s.location = Some("l".repeat(150));
        s.group_description = Some("d".repeat(1500));

        let details = EventDetails::for_session(&s);

        assert!(details.name.chars().count() <= NAME_MAX);
        assert!(details.location.chars().count() <= LOCATION_MAX);
        assert!(details.description.chars().count() <= DESCRIPTION_MAX);
        assert_eq!(
            EventDetails::for_session(&session(7, 10)).location,
            "On Discord, in #circle"
        );
    }

    fn op_name(op: &EventOp) -> &'static str {
        match op {
            EventOp::Create { .. } => "create",
            EventOp::Update { .. } => "update",
            EventOp::Delete { .. } => "delete",
        }
    }
}
