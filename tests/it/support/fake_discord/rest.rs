//! The REST side: one fallback handler that records every call, applies forced and enforced
//! rate limits, then routes by method and path segments under `/api/v10`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{model, Call, FakeChannel, Shared, State, StoredMessage, Upload};

/// Discord keeps a nonce for "a few minutes"; the fake keeps it five.
const NONCE_WINDOW: Duration = Duration::from_secs(300);
const LOADING: u64 = 128;
const EPHEMERAL: u64 = 64;

/// What a route answers.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
    known_route: bool,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            headers: Vec::new(),
            known_route: true,
        }
    }

    fn no_content() -> Self {
        Self {
            status: 204,
            body: Value::Null,
            headers: Vec::new(),
            known_route: true,
        }
    }

    fn error(status: u16, message: &str, code: u32) -> Self {
        Self::ok(json!({"message": message, "code": code})).with_status(status)
    }

    fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    fn from_pair((status, body): (u16, Value)) -> Self {
        Self::ok(body).with_status(status)
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).expect("fake Discord: bad status");
        let mut response = if self.body.is_null() {
            status.into_response()
        } else {
            (status, axum::Json(self.body)).into_response()
        };
        for (name, value) in self.headers {
            let value = HeaderValue::from_str(&value).expect("fake Discord: bad header value");
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
        response
    }
}

/// Every request lands here.
pub(super) async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let half_trip = *shared.round_trip.lock().expect("round trip lock poisoned") / 2;
    if !half_trip.is_zero() {
        tokio::time::sleep(half_trip).await;
    }
    let boundary = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("multipart/form-data"))
        .and_then(|v| v.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned());
    let (body, files) = match boundary {
        Some(boundary) => multipart(&body, &boundary),
        None => (parse_body(&body), Vec::new()),
    };
    let path = uri
        .path()
        .strip_prefix("/api/v10")
        .unwrap_or(uri.path())
        .to_owned();
    let reply = {
        let mut state = shared.lock();
        let reply = if uri.path().starts_with("/api/v10/") {
            answer(
                &mut state,
                &shared.base_url,
                method.as_str(),
                &path,
                body.as_ref(),
            )
        } else {
            unknown_route()
        };
        state.calls.push(Call {
            method: method.to_string(),
            path,
            query: uri.query().map(str::to_owned),
            body,
            status: reply.status,
            response: reply.body.clone(),
            known_route: reply.known_route,
            at: Instant::now(),
            files,
        });
        reply
    };
    shared.notify();
    if !half_trip.is_zero() {
        tokio::time::sleep(half_trip).await;
    }
    reply.into_response()
}

fn parse_body(bytes: &Bytes) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    Some(serde_json::from_slice(bytes).unwrap_or_else(|_| {
        json!(format!(
            "<non-JSON body, {} bytes: {}>",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        ))
    }))
}

/// A multipart body as Discord takes files: the message in `payload_json`, each file in
/// `files[N]`. Each attachment the message lists gets its file's size and a URL, as
/// Discord's answer would show.
fn multipart(bytes: &Bytes, boundary: &str) -> (Option<Value>, Vec<Upload>) {
    let delimiter = format!("--{boundary}");
    let text = bytes.as_ref();
    let mut payload: Option<Value> = None;
    let mut files = Vec::new();
    let mut rest = text;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(head_end) = find(rest, b"\r\n\r\n") else {
            break;
        };
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        let content_start = head_end + 4;
        let content_end =
            find(&rest[content_start..], delimiter.as_bytes()).map_or(rest.len(), |i| content_start + i);
        let mut content = &rest[content_start..content_end];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let field = |key: &str| {
            head.split([';', '\r', '\n'])
                .map(str::trim)
                .find_map(|part| part.strip_prefix(&format!("{key}=")))
                .map(|v| v.trim_matches('"').to_owned())
        };
        match (field("name"), field("filename")) {
            (Some(name), None) if name == "payload_json" => payload = serde_json::from_slice(content).ok(),
            (Some(name), Some(filename)) => files.push(Upload {
                field: name,
                filename,
                bytes: content.to_vec(),
            }),
            _ => {}
        }
        rest = &rest[content_end..];
    }
    if let Some(payload) = payload.as_mut() {
        let target = if payload.get("data").is_some() {
            &mut payload["data"]
        } else {
            payload
        };
        if let Some(attachments) = target.get_mut("attachments").and_then(Value::as_array_mut) {
            for (i, attachment) in attachments.iter_mut().enumerate() {
                if let Some(file) = files.get(i) {
                    attachment["size"] = json!(file.bytes.len());
                    attachment["url"] = json!(format!("https://cdn.fake/attachments/{i}/{}", file.filename));
                }
            }
        }
    }
    (payload, files)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn unknown_route() -> Reply {
    Reply {
        known_route: false,
        ..Reply::error(404, "404: Not Found", 0)
    }
}

fn answer(state: &mut State, base_url: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    if let Some(limited) = forced_limit(state, method, path) {
        return limited;
    }
    if let Some(limited) = enforced_limit(state, method, path) {
        return limited;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let empty = Value::Null;
    let body = body.unwrap_or(&empty);
    let mut reply = route(state, base_url, method, &segments, body);
    if state.enforce_limits && method == "POST" && reply.is_success() {
        if let ["channels", channel, "messages"] = segments.as_slice() {
            // Counted as it arrived (this handler runs on arrival); say what is left.
            let channel = id(channel);
            let now = Instant::now();
            let recent = state.recent_posts.entry(channel).or_default();
            recent.push_back(now);
            let reset_after = recent.front().map_or(Duration::ZERO, |oldest| {
                Duration::from_secs(5).saturating_sub(now - *oldest)
            });
            reply.headers.push(("x-ratelimit-limit", "5".to_owned()));
            reply
                .headers
                .push(("x-ratelimit-remaining", (5 - recent.len().min(5)).to_string()));
            reply.headers.push((
                "x-ratelimit-reset-after",
                format!("{:.3}", reset_after.as_secs_f64()),
            ));
            reply
                .headers
                .push(("x-ratelimit-bucket", format!("channel-messages-{channel}")));
        }
    }
    reply
}

fn forced_limit(state: &mut State, method: &str, path: &str) -> Option<Reply> {
    let hit = state.forced.iter_mut().find(|f| {
        f.remaining > 0
            && f.method.as_deref().is_none_or(|m| m == method)
            && f.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
    })?;
    hit.remaining -= 1;
    let retry_after = hit.retry_after;
    state.forced.retain(|f| f.remaining > 0);
    Some(too_many(state, retry_after, "user", 5, "forced"))
}

fn enforced_limit(state: &mut State, method: &str, path: &str) -> Option<Reply> {
    if !state.enforce_limits {
        return None;
    }
    let now = Instant::now();
    let exempt = path.starts_with("/interactions/") || path.starts_with("/webhooks/");
    if !exempt {
        while state
            .recent_requests
            .front()
            .is_some_and(|t| now - *t >= Duration::from_secs(1))
        {
            state.recent_requests.pop_front();
        }
        if state.recent_requests.len() >= 50 {
            let oldest = state.recent_requests[0];
            let retry_after = (Duration::from_secs(1) - (now - oldest)).as_secs_f64();
            return Some(too_many(state, retry_after, "global", 50, "global"));
        }
        state.recent_requests.push_back(now);
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let (true, ["channels", channel, "messages"]) = (method == "POST", segments.as_slice()) {
        let recent = state.recent_posts.entry(id(channel)).or_default();
        while recent.front().is_some_and(|t| now - *t >= Duration::from_secs(5)) {
            recent.pop_front();
        }
        if recent.len() >= 5 {
            let retry_after = (Duration::from_secs(5) - (now - recent[0])).as_secs_f64();
            let bucket = format!("channel-messages-{channel}");
            return Some(too_many(state, retry_after, "user", 5, &bucket));
        }
    }
    None
}

/// A 429 as Discord sends it: no `code` in the body, `retry_after` in seconds (float).
fn too_many(state: &mut State, retry_after: f64, scope: &str, limit: u32, bucket: &str) -> Reply {
    state.rate_limited += 1;
    let global = scope == "global";
    let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
        + retry_after;
    let mut reply = Reply::ok(json!({
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": global,
    }))
    .with_status(429);
    reply.headers = vec![
        ("retry-after", format!("{}", retry_after.ceil() as u64)),
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", "0".to_owned()),
        ("x-ratelimit-reset", format!("{reset:.3}")),
        ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
        ("x-ratelimit-bucket", bucket.to_owned()),
        ("x-ratelimit-scope", scope.to_owned()),
    ];
    if global {
        reply.headers.push(("x-ratelimit-global", "true".to_owned()));
    }
    reply
}

fn id(segment: &str) -> u64 {
    segment.parse().unwrap_or(0)
}

fn route(state: &mut State, base_url: &str, method: &str, segments: &[&str], body: &Value) -> Reply {
    match (method, segments) {
        ("GET", ["gateway"]) => Reply::ok(json!({"url": gateway_url(base_url)})),
        ("GET", ["gateway", "bot"]) => Reply::ok(json!({
            "url": gateway_url(base_url),
            "shards": state.gateway_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000_usize.saturating_sub(state.identifies),
                "reset_after": 86_400_000,
                "max_concurrency": state.max_concurrency,
            },
        })),
        ("GET", ["users", "@me"]) => Reply::ok(model::current_user(&state.bot)),
        ("PUT", ["applications", _, "commands"]) => put_commands(state, None, body),
        ("PUT", ["applications", _, "guilds", guild, "commands"]) => {
            put_commands(state, Some(id(guild)), body)
        }
        ("GET", ["applications", _, "commands"]) => registered(state, None),
        ("GET", ["applications", _, "guilds", guild, "commands"]) => registered(state, Some(id(guild))),
        ("POST", ["interactions", interaction, token, "callback"]) => {
            callback(state, id(interaction), token, body)
        }
        ("POST", ["webhooks", _, token]) => follow_up(state, token, body),
        (_, ["webhooks", _, token, "messages", message]) => {
            webhook_message(state, method, token, message, body)
        }
        ("POST", ["channels", channel, "messages"]) => create_message(state, id(channel), body),
        (_, ["channels", channel, "messages", message]) => {
            channel_message(state, method, id(channel), id(message), body)
        }
        ("GET", ["channels", channel]) => match state.channels.get(&id(channel)) {
            Some(channel) => Reply::ok(model::channel(channel)),
            None => unknown_channel(),
        },
        ("POST", ["users", "@me", "channels"]) => open_dm(state, body),
        ("POST", ["channels", channel, "threads"]) => create_thread(state, id(channel), None, body),
        ("POST", ["channels", channel, "messages", message, "threads"]) => {
            create_thread(state, id(channel), Some(id(message)), body)
        }
        (_, ["guilds", guild, "scheduled-events", rest @ ..]) => {
            Reply::from_pair(super::events::route(state, method, id(guild), rest, body))
        }
        ("GET", ["guilds", guild, rest @ ..]) => guild_route(state, id(guild), rest),
        _ => unknown_route(),
    }
}

fn gateway_url(base_url: &str) -> String {
    format!("{}/ws", base_url.replacen("http://", "ws://", 1))
}

fn unknown_channel() -> Reply {
    Reply::error(404, "Unknown Channel", 10003)
}

fn unknown_message() -> Reply {
    Reply::error(404, "Unknown Message", 10008)
}

fn guild_route(state: &State, guild_id: u64, rest: &[&str]) -> Reply {
    let Some(guild) = state.guilds.get(&guild_id) else {
        return Reply::error(404, "Unknown Guild", 10004);
    };
    match rest {
        [] => Reply::ok(model::guild(state, guild)),
        ["channels"] => Reply::ok(json!(state
            .channels
            .values()
            .filter(|c| c.guild_id == Some(guild_id) && !matches!(c.kind, 10..=12))
            .map(model::channel)
            .collect::<Vec<_>>())),
        ["roles"] => Reply::ok(json!(state
            .roles
            .values()
            .filter(|r| r.guild_id == guild_id)
            .map(model::role)
            .collect::<Vec<_>>())),
        ["members", user] => match state.members.get(&(guild_id, id(user))) {
            Some(roles) => Reply::ok(model::member(state, guild_id, id(user), roles, true)),
            None => Reply::error(404, "Unknown Member", 10007),
        },
        _ => unknown_route(),
    }
}

// ----- application commands -----

fn registered(state: &State, guild_id: Option<u64>) -> Reply {
    Reply::ok(json!(state.commands.get(&guild_id).cloned().unwrap_or_default()))
}

fn put_commands(state: &mut State, guild_id: Option<u64>, body: &Value) -> Reply {
    let Some(commands) = body.as_array() else {
        return Reply::error(400, "Invalid Form Body", 50035);
    };
    if let Some(errors) = validate_commands(commands) {
        return Reply::from_pair(errors);
    }
    let previous = state.commands.get(&guild_id).cloned().unwrap_or_default();
    let mut echoed = Vec::new();
    for command in commands {
        let mut command = command.clone();
        let name = command["name"].clone();
        let id = match previous.iter().find(|p| p["name"] == name) {
            Some(p) => p["id"].clone(),
            None => json!(state.next_id().to_string()),
        };
        command["id"] = id;
        command["application_id"] = json!(state.application_id.to_string());
        command["version"] = json!(state.next_id().to_string());
        if command.get("type").is_none() {
            command["type"] = json!(1);
        }
        if command.get("description").is_none() {
            command["description"] = json!("");
        }
        if command.get("options").is_none() {
            command["options"] = json!([]);
        }
        if command.get("default_member_permissions").is_none() {
            command["default_member_permissions"] = Value::Null;
        }
        command["nsfw"] = json!(command["nsfw"].as_bool().unwrap_or(false));
        if let Some(guild_id) = guild_id {
            command["guild_id"] = json!(guild_id.to_string());
        }
        echoed.push(command);
    }
    state.commands.insert(guild_id, echoed.clone());
    Reply::ok(Value::Array(echoed))
}

/// Discord's registration checks: the ones a bot's own definitions can trip.
fn validate_commands(commands: &[Value]) -> Option<(u16, Value)> {
    let mut errors = model::FormErrors::default();
    if commands.len() > 100 {
        errors.add(&[], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
    }
    for (i, command) in commands.iter().enumerate() {
        let i = i.to_string();
        let chat_input = command.get("type").and_then(Value::as_u64).unwrap_or(1) == 1;
        validate_named(&mut errors, &[i.as_str()], command, chat_input);
    }
    errors.into_response()
}

fn validate_named(errors: &mut model::FormErrors, path: &[&str], item: &Value, chat_input: bool) {
    fn at<'a>(path: &[&'a str], field: &'a str) -> Vec<&'a str> {
        let mut p = path.to_vec();
        p.push(field);
        p
    }
    let name = item.get("name").and_then(Value::as_str).unwrap_or("");
    let name_ok = (1..=32).contains(&name.chars().count())
        && name.chars().all(|c| c == '-' || c == '_' || c.is_alphanumeric())
        && name.to_lowercase() == name;
    if chat_input && !name_ok {
        errors.add(
            &at(path, "name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            &format!("Command name is invalid: {name:?}"),
        );
    }
    let description = item.get("description").and_then(Value::as_str).unwrap_or("");
    if chat_input && !(1..=100).contains(&description.chars().count()) {
        errors.add(
            &at(path, "description"),
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        );
    }
    let options = item
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if options.len() > 25 {
        errors.add(
            &at(path, "options"),
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        );
    }
    let mut seen_optional = false;
    for (o, option) in options.iter().enumerate() {
        let o = o.to_string();
        let mut option_path = at(path, "options");
        option_path.push(o.as_str());
        validate_named(errors, &option_path, option, chat_input);
        let kind = option.get("type").and_then(Value::as_u64).unwrap_or(0);
        if kind > 2 {
            let required = option.get("required").and_then(Value::as_bool).unwrap_or(false);
            if required && seen_optional {
                errors.add(
                    &option_path,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                );
            }
            seen_optional |= !required;
        }
        let choices = option
            .get("choices")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if choices > 25 {
            let mut p = option_path.clone();
            p.push("choices");
            errors.add(&p, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        }
        if choices > 0
            && option
                .get("autocomplete")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        {
            errors.add(
                &option_path,
                "APPLICATION_COMMAND_OPTION_CHOICES_AND_AUTOCOMPLETE",
                "Autocomplete cannot be set with choices",
            );
        }
    }
}

// ----- interactions -----

fn callback(state: &mut State, interaction_id: u64, token: &str, body: &Value) -> Reply {
    let Some(record) = state
        .interactions
        .get(token)
        .cloned()
        .filter(|r| r.id == interaction_id)
    else {
        return Reply::error(404, "Unknown interaction", 10062);
    };
    if record.callback.is_some() {
        return Reply::error(400, "Interaction has already been acknowledged.", 40060);
    }
    let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(json!({}));
    let allowed = match record.kind {
        4 => kind == 8,
        3 => matches!(kind, 4..=7 | 9),
        5 => matches!(kind, 4..=7),
        _ => matches!(kind, 4 | 5 | 9),
    };
    if !allowed {
        return Reply::error(
            400,
            "Interaction response type is not valid for this interaction",
            50035,
        );
    }
    let mut original_id = record.original_id;
    match kind {
        4 => {
            if let Some(error) = model::message_errors(&data, true) {
                return Reply::from_pair(error);
            }
            original_id = Some(store_message(state, record.channel_id, &data, 20, None));
        }
        5 => {
            let flags = LOADING | (data.get("flags").and_then(Value::as_u64).unwrap_or(0) & EPHEMERAL);
            original_id = Some(store_message(
                state,
                record.channel_id,
                &json!({"flags": flags}),
                20,
                None,
            ));
        }
        7 => {
            if let Some(message) = original_id.and_then(|id| stored_mut(state, id)) {
                model::apply_edit(&mut message.json, &data);
            }
        }
        8 => {
            let choices = data.get("choices").and_then(Value::as_array).map_or(0, Vec::len);
            if choices > 25 {
                let mut errors = model::FormErrors::default();
                errors.add(
                    &["data", "choices"],
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 25 or fewer in length.",
                );
                return Reply::from_pair(errors.into_response().expect("an error was added"));
            }
        }
        _ => {}
    }
    let record = state.interactions.get_mut(token).expect("record looked up above");
    record.callback = Some(body.clone());
    record.original_id = original_id;
    Reply::no_content()
}

fn follow_up(state: &mut State, token: &str, body: &Value) -> Reply {
    let Some(record) = state.interactions.get(token).cloned() else {
        return Reply::error(404, "Unknown Webhook", 10015);
    };
    if record.callback.is_none() {
        return Reply::error(404, "Unknown Webhook", 10015);
    }
    if let Some(error) = model::message_errors(body, true) {
        return Reply::from_pair(error);
    }
    let replaces_thinking = callback_type(&record) == Some(5) && !record.completed;
    let id = match (replaces_thinking, record.original_id) {
        // After a deferred reply the first follow-up replaces the "thinking..." message.
        (true, Some(original)) => {
            let message = stored_mut(state, original).expect("deferred original is stored");
            let ephemeral = message.json["flags"].as_u64().unwrap_or(0) & EPHEMERAL;
            model::apply_edit(&mut message.json, body);
            message.json["flags"] = json!(ephemeral);
            message.json["edited_timestamp"] = Value::Null;
            original
        }
        _ => {
            let id = store_message(state, record.channel_id, body, 0, None);
            let record = state.interactions.get_mut(token).expect("record looked up above");
            record.followup_ids.push(id);
            id
        }
    };
    state
        .interactions
        .get_mut(token)
        .expect("record looked up above")
        .completed = true;
    Reply::ok(stored(state, id).expect("just stored").json.clone())
}

fn webhook_message(state: &mut State, method: &str, token: &str, message: &str, body: &Value) -> Reply {
    let Some(record) = state.interactions.get(token).cloned() else {
        return Reply::error(404, "Unknown Webhook", 10015);
    };
    let message_id = if message == "@original" {
        record.original_id
    } else {
        Some(id(message))
    };
    let Some(message_id) = message_id
        .filter(|m| Some(*m) == record.original_id || record.followup_ids.contains(m))
        .filter(|m| stored(state, *m).is_some())
    else {
        return unknown_message();
    };
    match method {
        "GET" => Reply::ok(stored(state, message_id).expect("checked above").json.clone()),
        "PATCH" => {
            if let Some(error) = model::message_errors(body, false) {
                return Reply::from_pair(error);
            }
            let message = stored_mut(state, message_id).expect("checked above");
            model::apply_edit(&mut message.json, body);
            let flags = message.json["flags"].as_u64().unwrap_or(0);
            message.json["flags"] = json!(flags & !LOADING);
            let json = message.json.clone();
            state
                .interactions
                .get_mut(token)
                .expect("record looked up above")
                .completed = true;
            Reply::ok(json)
        }
        "DELETE" => {
            stored_mut(state, message_id).expect("checked above").deleted = true;
            Reply::no_content()
        }
        _ => unknown_route(),
    }
}

fn callback_type(record: &super::InteractionRecord) -> Option<u64> {
    record
        .callback
        .as_ref()
        .and_then(|c| c.get("type"))
        .and_then(Value::as_u64)
}

// ----- channels and messages -----

fn create_message(state: &mut State, channel_id: u64, body: &Value) -> Reply {
    let Some(channel) = state.channels.get(&channel_id).cloned() else {
        return unknown_channel();
    };
    if channel.kind == 1 && channel.recipient.is_some_and(|r| state.closed_dms.contains(&r)) {
        return Reply::error(403, "Cannot send messages to this user", 50007);
    }
    if let Some(error) = model::message_errors(body, true) {
        return Reply::from_pair(error);
    }
    let nonce = body.get("nonce").and_then(|n| match n {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    if nonce.as_ref().is_some_and(|n| n.chars().count() > 25) {
        let mut errors = model::FormErrors::default();
        errors.add(
            &["nonce"],
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        );
        return Reply::from_pair(errors.into_response().expect("an error was added"));
    }
    let enforce = body
        .get("enforce_nonce")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let (true, Some(nonce)) = (enforce, &nonce) {
        let earlier = state.messages.iter().find(|m| {
            m.channel_id == channel_id
                && m.nonce.as_ref() == Some(nonce)
                && m.created.elapsed() < NONCE_WINDOW
        });
        if let Some(earlier) = earlier {
            return Reply::ok(earlier.json.clone());
        }
    }
    let id = store_message(state, channel.id, body, 0, nonce);
    Reply::ok(stored(state, id).expect("just stored").json.clone())
}

fn channel_message(state: &mut State, method: &str, channel_id: u64, message_id: u64, body: &Value) -> Reply {
    if !state.channels.contains_key(&channel_id) {
        return unknown_channel();
    }
    let Some(message) = stored_mut(state, message_id).filter(|m| m.channel_id == channel_id) else {
        return unknown_message();
    };
    match method {
        "GET" => Reply::ok(message.json.clone()),
        "PATCH" => {
            if let Some(error) = model::message_errors(body, false) {
                return Reply::from_pair(error);
            }
            model::apply_edit(&mut message.json, body);
            Reply::ok(message.json.clone())
        }
        "DELETE" => {
            message.deleted = true;
            Reply::no_content()
        }
        _ => unknown_route(),
    }
}

fn open_dm(state: &mut State, body: &Value) -> Reply {
    let recipient = match body.get("recipient_id") {
        Some(Value::String(s)) => id(s),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    };
    if recipient == 0 {
        let mut errors = model::FormErrors::default();
        errors.add(&["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required");
        return Reply::from_pair(errors.into_response().expect("an error was added"));
    }
    let channel = super::interactions::dm_channel(state, recipient);
    Reply::ok(model::channel(&channel))
}

fn create_thread(state: &mut State, parent_id: u64, message_id: Option<u64>, body: &Value) -> Reply {
    let Some(parent) = state.channels.get(&parent_id).cloned() else {
        return unknown_channel();
    };
    if parent.guild_id.is_none() || matches!(parent.kind, 10..=12) {
        return Reply::error(400, "Cannot execute action on this channel type", 50024);
    }
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    if !(1..=100).contains(&name.chars().count()) {
        let mut errors = model::FormErrors::default();
        errors.add(
            &["name"],
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        );
        return Reply::from_pair(errors.into_response().expect("an error was added"));
    }
    let (id, kind) = match message_id {
        Some(message_id) => {
            if stored(state, message_id).is_none_or(|m| m.channel_id != parent_id) {
                return unknown_message();
            }
            if state.channels.contains_key(&message_id) {
                return Reply::error(400, "A thread has already been created for this message", 160004);
            }
            (message_id, 11)
        }
        None => (
            state.next_id(),
            body.get("type").and_then(Value::as_u64).unwrap_or(12) as u8,
        ),
    };
    let thread = FakeChannel {
        id,
        guild_id: parent.guild_id,
        name: name.to_owned(),
        kind,
        parent_id: Some(parent_id),
        recipient: None,
    };
    state.channels.insert(id, thread.clone());
    let mut json = model::channel(&thread);
    let mut event = json.clone();
    event["newly_created"] = json!(true);
    state.dispatch("THREAD_CREATE", event);
    json["newly_created"] = json!(true);
    Reply::ok(json)
}

/// Stores a bot message in a channel (a stub channel if the fake does not know it) and
/// returns its id.
pub(super) fn store_message(
    state: &mut State,
    channel_id: u64,
    body: &Value,
    kind: u8,
    nonce: Option<String>,
) -> u64 {
    let id = state.next_id();
    let channel = state.channels.get(&channel_id).cloned().unwrap_or(FakeChannel {
        id: channel_id,
        guild_id: None,
        name: format!("channel-{channel_id}"),
        kind: 0,
        parent_id: None,
        recipient: None,
    });
    let mut json = model::message(state, id, &channel, body, kind);
    if kind == 20 {
        json["webhook_id"] = json!(state.application_id.to_string());
        json["application_id"] = json!(state.application_id.to_string());
    }
    state.messages.push(StoredMessage {
        json,
        channel_id,
        nonce,
        created: Instant::now(),
        deleted: false,
    });
    id
}

fn stored(state: &State, id: u64) -> Option<&StoredMessage> {
    let id = id.to_string();
    state
        .messages
        .iter()
        .find(|m| !m.deleted && m.json["id"] == id.as_str())
}

pub(super) fn stored_mut(state: &mut State, id: u64) -> Option<&mut StoredMessage> {
    let id = id.to_string();
    state
        .messages
        .iter_mut()
        .find(|m| !m.deleted && m.json["id"] == id.as_str())
}
