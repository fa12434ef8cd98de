//! Guild scheduled events, as Discord keeps them: `GET/POST /guilds/{id}/scheduled-events`
//! and `PATCH/DELETE /guilds/{id}/scheduled-events/{event}`, with Discord's checks of an
//! EXTERNAL event (entity_type 3: no channel, a location of 1–100 characters, an end
//! time; a name of 1–100, a description up to 1,000, privacy level 2), its limit of 100
//! events SCHEDULED or ACTIVE per guild (30038), and a permission a test can take away
//! (50013).

use serde_json::{json, Value};

use super::model::FormErrors;
use super::State;

/// Discord's limit of events SCHEDULED (1) or ACTIVE (2) in one guild.
pub const MAX_UNCOMPLETED: usize = 100;

const EXTERNAL: u64 = 3;
const SCHEDULED: u64 = 1;
const ACTIVE: u64 = 2;
const CANCELED: u64 = 4;

/// One stored event.
#[derive(Debug, Clone)]
pub struct FakeEvent {
    pub id: u64,
    pub guild_id: u64,
    pub body: Value,
}

impl FakeEvent {
    pub fn status(&self) -> u64 {
        self.body["status"].as_u64().unwrap_or(SCHEDULED)
    }

    fn uncompleted(&self) -> bool {
        matches!(self.status(), SCHEDULED | ACTIVE)
    }
}

/// What a route answers: a status and a body (`Null` for 204).
pub(super) type Answer = (u16, Value);

fn error(status: u16, message: &str, code: u32) -> Answer {
    (status, json!({"message": message, "code": code}))
}

fn missing_permissions() -> Answer {
    error(403, "Missing Permissions", 50013)
}

fn unknown_event() -> Answer {
    error(404, "Unknown Guild Scheduled Event", 10070)
}

/// How many of a guild's events are SCHEDULED or ACTIVE.
pub(super) fn uncompleted(state: &State, guild_id: u64) -> usize {
    state
        .events
        .values()
        .filter(|e| e.guild_id == guild_id && e.uncompleted())
        .count()
}

pub(super) fn route(state: &mut State, method: &str, guild_id: u64, rest: &[&str], body: &Value) -> Answer {
    if !state.guilds.contains_key(&guild_id) {
        return error(404, "Unknown Guild", 10004);
    }
    let denied = state.events_denied.contains(&guild_id);
    match (method, rest) {
        ("GET", []) => (
            200,
            json!(state
                .events
                .values()
                .filter(|e| e.guild_id == guild_id)
                .map(|e| e.body.clone())
                .collect::<Vec<_>>()),
        ),
        ("POST", []) if denied => missing_permissions(),
        ("POST", []) => create(state, guild_id, body),
        (_, [event]) => {
            let event_id = event.parse::<u64>().unwrap_or(0);
            let Some(stored) = state
                .events
                .get(&event_id)
                .filter(|e| e.guild_id == guild_id)
                .cloned()
            else {
                return unknown_event();
            };
            match method {
                "GET" => (200, stored.body),
                "PATCH" | "DELETE" if denied => missing_permissions(),
                "PATCH" => update(state, stored, body),
                "DELETE" => {
                    state.events.remove(&event_id);
                    (204, Value::Null)
                }
                _ => error(405, "405: Method Not Allowed", 0),
            }
        }
        _ => error(404, "404: Not Found", 0),
    }
}

fn create(state: &mut State, guild_id: u64, body: &Value) -> Answer {
    if let Some(invalid) = validate(body) {
        return invalid;
    }
    if uncompleted(state, guild_id) >= MAX_UNCOMPLETED {
        return error(
            400,
            "Maximum number of uncompleted guild scheduled events reached (100)",
            30038,
        );
    }
    let id = state.next_id();
    let mut stored = body.clone();
    stored["id"] = json!(id.to_string());
    stored["guild_id"] = json!(guild_id.to_string());
    stored["status"] = json!(SCHEDULED);
    stored["creator_id"] = json!(state.bot.id.to_string());
    state.events.insert(
        id,
        FakeEvent {
            id,
            guild_id,
            body: stored.clone(),
        },
    );
    let now = uncompleted(state, guild_id);
    let high = state.events_high_water.entry(guild_id).or_default();
    *high = (*high).max(now);
    (200, stored)
}

fn update(state: &mut State, stored: FakeEvent, patch: &Value) -> Answer {
    let Some(fields) = patch.as_object() else {
        return error(400, "400: Bad Request", 0);
    };
    let mut merged = stored.body.clone();
    for (key, value) in fields {
        merged[key.as_str()] = value.clone();
    }
    if let Some(invalid) = validate(&merged) {
        return invalid;
    }
    let from = stored.status();
    let to = merged["status"].as_u64().unwrap_or(from);
    let allowed = from == to
        || matches!(
            (from, to),
            (SCHEDULED, ACTIVE) | (SCHEDULED, CANCELED) | (ACTIVE, 3)
        );
    if !allowed {
        return error(400, "Invalid status transition", 180_000);
    }
    if let Some(event) = state.events.get_mut(&stored.id) {
        event.body = merged.clone();
    }
    (200, merged)
}

fn text_len(value: &Value) -> Option<usize> {
    value.as_str().map(|s| s.chars().count())
}

/// Discord's checks of an event's body; `None` when it passes.
fn validate(body: &Value) -> Option<Answer> {
    let mut errors = FormErrors::default();
    match text_len(&body["name"]) {
        Some(1..=100) => {}
        Some(_) => errors.add(
            &["name"],
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ),
        None => errors.add(&["name"], "BASE_TYPE_REQUIRED", "This field is required"),
    }
    if text_len(&body["description"]).is_some_and(|n| n > 1000) {
        errors.add(
            &["description"],
            "BASE_TYPE_MAX_LENGTH",
            "Must be 1000 or fewer in length.",
        );
    }
    if body["privacy_level"].as_u64() != Some(2) {
        errors.add(
            &["privacy_level"],
            "BASE_TYPE_CHOICES",
            "Value must be one of {2}.",
        );
    }
    let start = body["scheduled_start_time"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    let end = body["scheduled_end_time"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    if start.is_none() {
        errors.add(
            &["scheduled_start_time"],
            "DATE_TIME_TYPE_PARSE",
            "Could not parse the date and time.",
        );
    }
    match body["entity_type"].as_u64() {
        Some(EXTERNAL) => {
            if !body["channel_id"].is_null() {
                errors.add(
                    &["channel_id"],
                    "GUILD_SCHEDULED_EVENT_CHANNEL_MUST_BE_NULL",
                    "An EXTERNAL event has no channel.",
                );
            }
            match text_len(&body["entity_metadata"]["location"]) {
                Some(1..=100) => {}
                _ => errors.add(
                    &["entity_metadata", "location"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                ),
            }
            match (start, end) {
                (_, None) => errors.add(
                    &["scheduled_end_time"],
                    "GUILD_SCHEDULED_EVENT_END_TIME_REQUIRED",
                    "An EXTERNAL event needs an end time.",
                ),
                (Some(start), Some(end)) if end <= start => errors.add(
                    &["scheduled_end_time"],
                    "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                    "The end time must be after the start time.",
                ),
                _ => {}
            }
        }
        Some(1 | 2) => errors.add(
            &["entity_type"],
            "GUILD_SCHEDULED_EVENT_CHANNEL_REQUIRED",
            "This fake only takes EXTERNAL events from hearth.",
        ),
        _ => errors.add(
            &["entity_type"],
            "BASE_TYPE_CHOICES",
            "Value must be one of {1, 2, 3}.",
        ),
    }
    errors.into_response()
}
