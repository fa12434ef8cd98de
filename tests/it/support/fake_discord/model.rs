//! The JSON shapes Discord sends, with the fields serenity 0.12.5 insists on.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::{FakeChannel, FakeGuild, FakeRole, FakeUser, State};

pub(super) fn user(user: &FakeUser) -> Value {
    json!({
        "id": user.id.to_string(),
        "username": user.name,
        "global_name": user.name,
        "discriminator": "0",
        "avatar": null,
        "bot": user.bot,
        "public_flags": 0,
    })
}

pub(super) fn current_user(user: &FakeUser) -> Value {
    let mut json = self::user(user);
    json["verified"] = json!(true);
    json["mfa_enabled"] = json!(false);
    json["flags"] = json!(0);
    json
}

pub(super) fn role(role: &FakeRole) -> Value {
    json!({
        "id": role.id.to_string(),
        "name": role.name,
        "color": 0,
        // serenity 0.12.5 requires `colors`.
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": if role.id == role.guild_id { 0 } else { 1 },
        "permissions": role.permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

pub(super) fn channel(channel: &FakeChannel) -> Value {
    if channel.kind == 1 {
        return json!({
            "id": channel.id.to_string(),
            "type": 1,
            "last_message_id": null,
            "recipients": [{"id": channel.recipient.unwrap_or_default().to_string(), "username": channel.name, "discriminator": "0", "avatar": null}],
        });
    }
    let mut json = json!({
        "id": channel.id.to_string(),
        "type": channel.kind,
        "guild_id": channel.guild_id.map(|g| g.to_string()),
        "name": channel.name,
        "position": 0,
        "permission_overwrites": [],
        "parent_id": channel.parent_id.map(|p| p.to_string()),
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    });
    if matches!(channel.kind, 10..=12) {
        json["owner_id"] = json!(super::FakeDiscord::BOT_USER_ID.to_string());
        json["member_count"] = json!(1);
        json["message_count"] = json!(0);
        json["thread_metadata"] = json!({
            "archived": false,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_rfc3339(),
            "locked": false,
        });
    }
    json
}

/// A guild member; `with_user` false gives the partial member of `resolved.members`.
pub(super) fn member(state: &State, guild_id: u64, user_id: u64, roles: &[u64], with_user: bool) -> Value {
    let mut json = json!({
        "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "nick": null,
        "avatar": null,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if with_user {
        json["user"] = user(&state.user(user_id));
        json["guild_id"] = json!(guild_id.to_string());
    }
    json
}

/// The full guild of GUILD_CREATE (also the answer to `GET /guilds/{id}`).
pub(super) fn guild(state: &State, guild: &FakeGuild) -> Value {
    let channels: Vec<Value> = state
        .channels
        .values()
        .filter(|c| c.guild_id == Some(guild.id) && !matches!(c.kind, 10..=12))
        .map(channel)
        .collect();
    let threads: Vec<Value> = state
        .channels
        .values()
        .filter(|c| c.guild_id == Some(guild.id) && matches!(c.kind, 10..=12))
        .map(channel)
        .collect();
    let roles: Vec<Value> = state
        .roles
        .values()
        .filter(|r| r.guild_id == guild.id)
        .map(role)
        .collect();
    let members: Vec<Value> = state
        .members
        .iter()
        .filter(|((g, _), _)| *g == guild.id)
        .map(|((g, u), roles)| member(state, *g, *u, roles, true))
        .collect();
    let mut json = json!({
        "id": guild.id.to_string(),
        "name": guild.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": guild.owner_id.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
    });
    // Two literals: one would pass `json!`'s recursion limit.
    let rest = json!({
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": members.len(),
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    });
    if let (Some(json), Value::Object(rest)) = (json.as_object_mut(), rest) {
        json.extend(rest);
    }
    json
}

/// A message posted by the bot. `body` is what the bot sent (content, embeds, ...).
pub(super) fn message(state: &State, id: u64, channel: &FakeChannel, body: &Value, kind: u8) -> Value {
    let mut json = json!({
        "id": id.to_string(),
        "channel_id": channel.id.to_string(),
        "author": user(&state.bot),
        "content": "",
        "timestamp": now_rfc3339(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": kind,
        "flags": 0,
    });
    if let Some(guild_id) = channel.guild_id {
        json["guild_id"] = json!(guild_id.to_string());
    }
    apply_edit(&mut json, body);
    json["edited_timestamp"] = Value::Null;
    if let Some(nonce) = body.get("nonce") {
        json["nonce"] = nonce.clone();
    }
    json
}

/// Applies the fields of a create/edit body to a stored message.
pub(super) fn apply_edit(message: &mut Value, body: &Value) {
    for field in ["content", "components", "attachments", "flags", "tts"] {
        if let Some(value) = body.get(field) {
            message[field] = if value.is_null() {
                default_of(field)
            } else {
                value.clone()
            };
        }
    }
    if let Some(embeds) = body.get("embeds") {
        let mut embeds = embeds.as_array().cloned().unwrap_or_default();
        for embed in &mut embeds {
            if embed.get("type").is_none() {
                embed["type"] = json!("rich");
            }
        }
        message["embeds"] = Value::Array(embeds);
    }
    message["edited_timestamp"] = json!(now_rfc3339());
}

fn default_of(field: &str) -> Value {
    match field {
        "content" => json!(""),
        "flags" => json!(0),
        "tts" => json!(false),
        _ => json!([]),
    }
}

/// Discord's checks on a message body (content, embeds); `None` when it would be accepted.
/// `creating` also refuses an empty message (error 50006), which edits may be.
pub(super) fn message_errors(body: &Value, creating: bool) -> Option<(u16, Value)> {
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    let embeds = body
        .get("embeds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has = |field: &str| {
        body.get(field)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    if creating
        && content.is_empty()
        && embeds.is_empty()
        && !has("components")
        && !has("sticker_ids")
        && !has("attachments")
    {
        return Some((
            400,
            json!({"message": "Cannot send an empty message", "code": 50006}),
        ));
    }
    let mut errors = FormErrors::default();
    if content.chars().count() > 2000 {
        errors.add(
            &["content"],
            "BASE_TYPE_MAX_LENGTH",
            "Must be 2000 or fewer in length.",
        );
    }
    if embeds.len() > 10 {
        errors.add(
            &["embeds"],
            "BASE_TYPE_MAX_LENGTH",
            "Must be 10 or fewer in length.",
        );
    }
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let i = i.to_string();
        let mut check = |path: &[&str], value: Option<&Value>, max: usize| {
            let len = value.and_then(Value::as_str).map_or(0, |s| s.chars().count());
            total += len;
            if len > max {
                let mut full = vec!["embeds", i.as_str()];
                full.extend_from_slice(path);
                errors.add(
                    &full,
                    "BASE_TYPE_MAX_LENGTH",
                    &format!("Must be {max} or fewer in length."),
                );
            }
        };
        check(&["title"], embed.get("title"), 256);
        check(&["description"], embed.get("description"), 4096);
        check(&["footer", "text"], embed.pointer("/footer/text"), 2048);
        check(&["author", "name"], embed.pointer("/author/name"), 256);
        let fields = embed
            .get("fields")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (f, field) in fields.iter().enumerate() {
            let f = f.to_string();
            check(&["fields", &f, "name"], field.get("name"), 256);
            check(&["fields", &f, "value"], field.get("value"), 1024);
        }
        if fields.len() > 25 {
            errors.add(
                &["embeds", &i, "fields"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            );
        }
    }
    if total > 6000 {
        errors.add(
            &["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        );
    }
    errors.into_response()
}

/// Discord's `50035 Invalid Form Body`, errors nested by path, as serenity parses them.
#[derive(Default)]
pub(super) struct FormErrors {
    errors: Value,
}

impl FormErrors {
    pub(super) fn add(&mut self, path: &[&str], code: &str, message: &str) {
        let mut node = &mut self.errors;
        for key in path {
            if !node.is_object() {
                *node = json!({});
            }
            node = node
                .as_object_mut()
                .expect("just made an object")
                .entry(*key)
                .or_insert(json!({}));
        }
        if node.get("_errors").is_none() {
            node["_errors"] = json!([]);
        }
        let list = node["_errors"].as_array_mut().expect("_errors is an array");
        list.push(json!({"code": code, "message": message}));
    }

    pub(super) fn into_response(self) -> Option<(u16, Value)> {
        if self.errors.is_null() {
            return None;
        }
        Some((
            400,
            json!({"message": "Invalid Form Body", "code": 50035, "errors": self.errors}),
        ))
    }
}

/// Now as RFC 3339 with microseconds, as Discord writes timestamps.
pub(super) fn now_rfc3339() -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    )
}
