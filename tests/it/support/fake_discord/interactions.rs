//! Pushing INTERACTION_CREATE as a given user, and awaiting the bot's answer.
//!
//! Slash commands are checked against what the bot registered (names, subcommands, option
//! names and types, required options), so a test cannot push what Discord would never send.

use std::time::Duration;

use serde_json::{json, Value};

use super::{model, FakeChannel, FakeDiscord, FakeRole, FakeUser, InteractionRecord, State};

/// Who triggers an interaction, and where.
#[derive(Clone, Debug)]
pub struct Actor {
    user: FakeUser,
    /// `None` when they use the bot in a DM.
    guild_id: Option<u64>,
    roles: Vec<u64>,
    /// The member's computed permissions in the channel (`member.permissions`).
    permissions: u64,
    channel_id: Option<u64>,
}

impl Actor {
    /// A member of the default guild in `#general`, with plain member permissions.
    pub fn member(id: u64, name: &str) -> Self {
        Self {
            user: FakeUser::new(id, name),
            guild_id: Some(FakeDiscord::GUILD_ID),
            roles: Vec::new(),
            permissions: FakeDiscord::MEMBER_PERMISSIONS,
            channel_id: Some(FakeDiscord::GENERAL_CHANNEL_ID),
        }
    }

    /// A user talking to the bot in their DM channel.
    pub fn dm(id: u64, name: &str) -> Self {
        Self {
            user: FakeUser::new(id, name),
            guild_id: None,
            roles: Vec::new(),
            permissions: FakeDiscord::MEMBER_PERMISSIONS,
            channel_id: None,
        }
    }

    /// The member's role ids.
    pub fn roles(mut self, roles: &[u64]) -> Self {
        self.roles = roles.to_vec();
        self
    }

    /// The member's permissions, e.g. `FakeDiscord::MEMBER_PERMISSIONS | FakeDiscord::MANAGE_GUILD`.
    pub fn permissions(mut self, permissions: u64) -> Self {
        self.permissions = permissions;
        self
    }

    pub fn in_guild(mut self, guild_id: u64) -> Self {
        self.guild_id = Some(guild_id);
        self
    }

    pub fn in_channel(mut self, channel_id: u64) -> Self {
        self.channel_id = Some(channel_id);
        self
    }

    pub fn user_id(&self) -> u64 {
        self.user.id
    }
}

#[derive(Clone, Debug)]
enum OptionValue {
    String(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
    User(u64),
    Channel(u64),
    Role(u64),
}

impl OptionValue {
    fn kind(&self) -> u64 {
        match self {
            Self::String(_) => 3,
            Self::Integer(_) => 4,
            Self::Boolean(_) => 5,
            Self::User(_) => 6,
            Self::Channel(_) => 7,
            Self::Role(_) => 8,
            Self::Number(_) => 10,
        }
    }

    fn json(&self) -> Value {
        match self {
            Self::String(s) => json!(s),
            Self::Integer(i) => json!(i),
            Self::Number(n) => json!(n),
            Self::Boolean(b) => json!(b),
            Self::User(id) | Self::Channel(id) | Self::Role(id) => json!(id.to_string()),
        }
    }
}

/// A slash command invocation: `SlashCommand::new("group create").string("name", "Tuesday")`.
#[derive(Clone, Debug)]
pub struct SlashCommand {
    /// Command, then subcommand group and subcommand names.
    path: Vec<String>,
    options: Vec<(String, OptionValue)>,
    /// For autocomplete: the option being typed and what is typed so far.
    focused: Option<(String, String)>,
}

impl SlashCommand {
    /// `path` is the command as typed, without the slash: `"ping"`, `"group create"`,
    /// `"meeting series add"`.
    pub fn new(path: &str) -> Self {
        Self {
            path: path.split_whitespace().map(str::to_owned).collect(),
            options: Vec::new(),
            focused: None,
        }
    }

    fn with(mut self, name: &str, value: OptionValue) -> Self {
        self.options.push((name.to_owned(), value));
        self
    }

    pub fn string(self, name: &str, value: &str) -> Self {
        self.with(name, OptionValue::String(value.to_owned()))
    }

    pub fn integer(self, name: &str, value: i64) -> Self {
        self.with(name, OptionValue::Integer(value))
    }

    pub fn number(self, name: &str, value: f64) -> Self {
        self.with(name, OptionValue::Number(value))
    }

    pub fn boolean(self, name: &str, value: bool) -> Self {
        self.with(name, OptionValue::Boolean(value))
    }

    /// A user option; the fake adds the user (and member) to `data.resolved`.
    pub fn user(self, name: &str, user_id: u64) -> Self {
        self.with(name, OptionValue::User(user_id))
    }

    /// A channel option; the fake adds the channel to `data.resolved`.
    pub fn channel(self, name: &str, channel_id: u64) -> Self {
        self.with(name, OptionValue::Channel(channel_id))
    }

    /// A role option; the fake adds the role to `data.resolved`.
    pub fn role(self, name: &str, role_id: u64) -> Self {
        self.with(name, OptionValue::Role(role_id))
    }

    /// For [`FakeDiscord::push_autocomplete`]: the option being typed and its text so far
    /// (sent as a JSON string whatever the option's type, as Discord does).
    pub fn focused(mut self, name: &str, partial: &str) -> Self {
        self.focused = Some((name.to_owned(), partial.to_owned()));
        self
    }

    fn label(&self) -> String {
        format!("/{}", self.path.join(" "))
    }
}

/// The bot's answer to one interaction.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The callback type: 4 message, 5 deferred message, 6 deferred update, 7 update,
    /// 8 autocomplete result, 9 modal.
    pub kind: u64,
    /// The message content ("" when none). For a deferred reply, the first follow-up's.
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    /// Whether only the invoking user sees it (flags & 64).
    pub ephemeral: bool,
    /// Autocomplete choices (`{"name", "value"}`).
    pub choices: Vec<Value>,
    /// The message the answer is (the reply, or the updated message of a component).
    pub message_id: Option<u64>,
    pub interaction_id: u64,
    pub token: String,
    /// The callback body as the bot sent it.
    pub raw: Value,
}

impl Answer {
    /// All embed text (titles, descriptions, field names and values, footers), joined, for
    /// `contains` assertions.
    pub fn embed_text(&self) -> String {
        let mut text = Vec::new();
        for embed in &self.embeds {
            for pointer in ["/title", "/description", "/footer/text", "/author/name"] {
                text.extend(embed.pointer(pointer).and_then(Value::as_str).map(str::to_owned));
            }
            for field in embed
                .get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for key in ["name", "value"] {
                    text.extend(field.get(key).and_then(Value::as_str).map(str::to_owned));
                }
            }
        }
        text.join("\n")
    }

    /// The `custom_id`s of the answer's buttons and menus.
    pub fn custom_ids(&self) -> Vec<String> {
        let rows = self
            .components
            .iter()
            .filter_map(|row| row.get("components"))
            .filter_map(Value::as_array);
        rows.flatten()
            .filter_map(|c| c.get("custom_id"))
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }
}

impl FakeDiscord {
    /// Pushes a slash command and waits for the bot's answer (for a deferred reply, until
    /// its first follow-up or edit). Waits first for the bot to connect and register the
    /// command; panics with what the fake saw if any of that takes longer than the timeout.
    pub async fn push_command(&self, actor: &Actor, command: SlashCommand) -> Answer {
        let label = command.label();
        self.push(&label, actor, move |state, channel_id| {
            let data = command_data(state, &command, actor.guild_id, false)?;
            Ok((2, data, None, channel_id))
        })
        .await
    }

    /// Pushes an autocomplete request (the option named by [`SlashCommand::focused`]) and
    /// waits for the choices.
    pub async fn push_autocomplete(&self, actor: &Actor, command: SlashCommand) -> Answer {
        assert!(
            command.focused.is_some(),
            "push_autocomplete needs SlashCommand::focused(..)"
        );
        let label = format!("autocomplete of {}", command.label());
        self.push(&label, actor, move |state, channel_id| {
            let data = command_data(state, &command, actor.guild_id, true)?;
            Ok((4, data, None, channel_id))
        })
        .await
    }

    /// Clicks a button with this `custom_id` on a message the bot sent.
    pub async fn push_button(&self, actor: &Actor, message_id: u64, custom_id: &str) -> Answer {
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.push_component(actor, message_id, data).await
    }

    /// Picks `values` in a string select menu with this `custom_id` on a message the bot sent.
    pub async fn push_select(
        &self,
        actor: &Actor,
        message_id: u64,
        custom_id: &str,
        values: &[&str],
    ) -> Answer {
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        self.push_component(actor, message_id, data).await
    }

    /// Submits a modal: `fields` are (text input `custom_id`, value). A poise modal's
    /// `custom_id` is in the modal answer's `raw["data"]["custom_id"]`.
    pub async fn push_modal_submit(&self, actor: &Actor, custom_id: &str, fields: &[(&str, &str)]) -> Answer {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
            .collect();
        let data = json!({"custom_id": custom_id, "components": rows});
        let label = format!("modal submit `{custom_id}`");
        self.push(&label, actor, move |_, channel_id| {
            Ok((5, data.clone(), None, channel_id))
        })
        .await
    }

    /// The live messages made for an interaction: its reply, then its follow-ups.
    pub fn interaction_messages(&self, answer: &Answer) -> Vec<Value> {
        let state = self.shared.lock();
        let Some(record) = state.interactions.get(&answer.token) else {
            return Vec::new();
        };
        let ids = record
            .original_id
            .into_iter()
            .chain(record.followup_ids.iter().copied());
        let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
        let live = state
            .messages
            .iter()
            .filter(|m| !m.deleted && ids.iter().any(|id| m.json["id"] == id.as_str()));
        live.map(|m| m.json.clone()).collect()
    }

    /// A live message by id.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        let id = message_id.to_string();
        let state = self.shared.lock();
        state
            .messages
            .iter()
            .find(|m| !m.deleted && m.json["id"] == id.as_str())
            .map(|m| m.json.clone())
    }

    async fn push_component(&self, actor: &Actor, message_id: u64, data: Value) -> Answer {
        let label = format!("click on `{}`", data["custom_id"].as_str().unwrap_or_default());
        self.push(&label, actor, move |state, _| {
            let id = message_id.to_string();
            let message = state
                .messages
                .iter()
                .find(|m| !m.deleted && m.json["id"] == id.as_str());
            let message = message.ok_or_else(|| format!("no live message {message_id} to click on"))?;
            let mut data = data.clone();
            data["message"] = message.json.clone();
            Ok((3, data, Some(message_id), message.channel_id))
        })
        .await
    }

    /// Builds (retrying until it can), dispatches, and awaits one interaction.
    /// `build` returns (interaction type, data, clicked message, channel).
    async fn push(
        &self,
        label: &str,
        actor: &Actor,
        build: impl Fn(&State, u64) -> Result<(u8, Value, Option<u64>, u64), String>,
    ) -> Answer {
        let timeout = *self
            .shared
            .answer_timeout
            .lock()
            .expect("answer timeout lock poisoned");
        let token = self
            .wait_or_panic(timeout, &format!("could not push {label}"), |state| {
                if state.connected_sessions() == 0 {
                    return Err("no bot is connected to the gateway".to_owned());
                }
                if !state.connected_owner(actor.guild_id) {
                    return Err(format!(
                        "no connected gateway session runs the shard of guild {:?}",
                        actor.guild_id
                    ));
                }
                let channel_id = match (actor.guild_id, actor.channel_id) {
                    (None, _) => dm_channel(state, actor.user.id).id,
                    (Some(_), channel) => channel.unwrap_or(FakeDiscord::GENERAL_CHANNEL_ID),
                };
                let (kind, mut data, clicked, channel_id) = build(state, channel_id)?;
                let id = state.next_id();
                let token = format!("fake-token-{id}");
                let message = data.as_object_mut().and_then(|d| d.remove("message"));
                let mut payload = envelope(state, actor, kind, data, channel_id, id, &token);
                if let Some(message) = message {
                    payload["message"] = message;
                }
                state.interactions.insert(
                    token.clone(),
                    InteractionRecord {
                        id,
                        kind,
                        channel_id,
                        guild_id: actor.guild_id,
                        label: label.to_owned(),
                        callback: None,
                        original_id: clicked,
                        followup_ids: Vec::new(),
                        completed: false,
                        delivered_to: Vec::new(),
                    },
                );
                let delivered = state.dispatch("INTERACTION_CREATE", payload);
                if let Some(record) = state.interactions.get_mut(&token) {
                    record.delivered_to = delivered;
                }
                Ok(token)
            })
            .await;
        self.shared.notify();
        self.wait_or_panic(timeout, &format!("the bot did not answer {label}"), |state| {
            answer_of(state, &token).ok_or_else(|| "no (complete) answer yet".to_owned())
        })
        .await
    }

    /// Retries `attempt` after every change until it succeeds; panics after `timeout` with
    /// the last reason and the REST calls seen.
    async fn wait_or_panic<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut attempt: impl FnMut(&mut State) -> Result<T, String>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.changed.subscribe();
        loop {
            changes.borrow_and_update();
            let reason = match attempt(&mut self.shared.lock()) {
                Ok(value) => return value,
                Err(reason) => reason,
            };
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                panic!(
                    "fake Discord: {what} within {timeout:?}: {reason}\nREST calls seen:\n  {}",
                    self.call_summary().join("\n  ")
                );
            }
        }
    }
}

/// The bot's DM channel with a user, opened if need be.
pub(super) fn dm_channel(state: &mut State, user_id: u64) -> FakeChannel {
    if let Some(channel) = state
        .channels
        .values()
        .find(|c| c.kind == 1 && c.recipient == Some(user_id))
    {
        return channel.clone();
    }
    let channel = FakeChannel {
        id: state.next_id(),
        guild_id: None,
        name: state.user(user_id).name,
        kind: 1,
        parent_id: None,
        recipient: Some(user_id),
    };
    state.channels.insert(channel.id, channel.clone());
    channel
}

/// The answer to an interaction, once the bot has given it.
fn answer_of(state: &State, token: &str) -> Option<Answer> {
    let record = state.interactions.get(token)?;
    let callback = record.callback.clone()?;
    let kind = callback.get("type").and_then(Value::as_u64).unwrap_or(0);
    if kind == 5 && !record.completed {
        return None;
    }
    let data = match kind {
        4..=7 => {
            let id = record.original_id.map(|id| id.to_string()).unwrap_or_default();
            let message = state.messages.iter().find(|m| m.json["id"] == id.as_str());
            message.map(|m| m.json.clone()).unwrap_or(Value::Null)
        }
        _ => callback.get("data").cloned().unwrap_or(Value::Null),
    };
    let list = |field: &str| {
        data.get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    Some(Answer {
        kind,
        content: data
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        embeds: list("embeds"),
        components: list("components"),
        ephemeral: data.get("flags").and_then(Value::as_u64).unwrap_or(0) & 64 != 0,
        choices: list("choices"),
        message_id: record.original_id,
        interaction_id: record.id,
        token: token.to_owned(),
        raw: callback,
    })
}

/// What every interaction carries, around its `data`.
fn envelope(
    state: &State,
    actor: &Actor,
    kind: u8,
    data: Value,
    channel_id: u64,
    id: u64,
    token: &str,
) -> Value {
    let channel = state.channels.get(&channel_id);
    let partial_channel = json!({
        "id": channel_id.to_string(),
        "type": channel.map_or(0, |c| c.kind),
        "name": channel.map(|c| c.name.clone()),
    });
    // What the bot may do in the channel: view, send, embed, history, threads, commands.
    let app_permissions: u64 = 0x400 | 0x800 | 0x4000 | 0x1_0000 | 0x8000_0000 | (1 << 35) | (1 << 38);
    let mut payload = json!({
        "id": id.to_string(),
        "application_id": state.application_id.to_string(),
        "type": kind,
        "data": data,
        "channel_id": channel_id.to_string(),
        "channel": partial_channel,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 26_214_400,
        "app_permissions": app_permissions.to_string(),
    });
    match actor.guild_id {
        Some(guild_id) => {
            let mut member = model::member(state, guild_id, actor.user.id, &actor.roles, false);
            member["user"] = model::user(&actor.user);
            member["permissions"] = json!(actor.permissions.to_string());
            payload["guild_id"] = json!(guild_id.to_string());
            payload["guild_locale"] = json!("en-US");
            payload["member"] = member;
            payload["context"] = json!(0);
            payload["authorizing_integration_owners"] = json!({"0": guild_id.to_string()});
        }
        None => {
            payload["user"] = model::user(&actor.user);
            payload["context"] = json!(1);
            payload["authorizing_integration_owners"] = json!({"1": actor.user.id.to_string()});
        }
    }
    payload
}

/// `data` of a slash command or autocomplete, checked against the registered command.
fn command_data(
    state: &State,
    command: &SlashCommand,
    guild_id: Option<u64>,
    autocomplete: bool,
) -> Result<Value, String> {
    let top = command.path.first().ok_or("empty command path")?;
    let registered = guild_id
        .and_then(|g| state.commands.get(&Some(g)))
        .into_iter()
        .chain(state.commands.get(&None))
        .flatten()
        .find(|c| c["name"] == top.as_str() && c["type"] == 1)
        .ok_or_else(|| {
            let known: Vec<&Value> = state.commands.values().flatten().map(|c| &c["name"]).collect();
            format!("/{top} is not registered (yet); registered: {known:?}")
        })?;
    // Walk down to the subcommand, remembering each level's type.
    let mut definition = registered;
    let mut levels = Vec::new();
    for name in &command.path[1..] {
        let options = definition["options"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let sub = options
            .iter()
            .find(|o| o["name"] == name.as_str() && matches!(o["type"].as_u64(), Some(1 | 2)))
            .ok_or_else(|| format!("{} has no subcommand {name:?}", command.label()))?;
        levels.push((name.clone(), sub["type"].as_u64().unwrap_or(1)));
        definition = sub;
    }
    let declared = definition["options"].as_array().cloned().unwrap_or_default();
    if declared.iter().any(|o| matches!(o["type"].as_u64(), Some(1 | 2))) {
        return Err(format!("{} needs a subcommand", command.label()));
    }
    let find = |name: &str| {
        declared.iter().find(|o| o["name"] == name).ok_or_else(|| {
            let names: Vec<&str> = declared.iter().filter_map(|o| o["name"].as_str()).collect();
            format!("{} has no option {name:?} (it has {names:?})", command.label())
        })
    };
    let mut options = Vec::new();
    let mut resolved = json!({});
    for (name, value) in &command.options {
        let declared_kind = find(name)?["type"].as_u64().unwrap_or(0);
        if declared_kind != value.kind() {
            return Err(format!(
                "option {name:?} of {} has type {declared_kind}, not {}",
                command.label(),
                value.kind()
            ));
        }
        options.push(json!({"name": name, "type": value.kind(), "value": value.json()}));
        resolve(state, guild_id, value, &mut resolved);
    }
    if let Some((name, partial)) = &command.focused {
        let declared_kind = find(name)?["type"].as_u64().unwrap_or(3);
        options.push(json!({"name": name, "type": declared_kind, "value": partial, "focused": true}));
    }
    if !autocomplete {
        for option in &declared {
            let name = option["name"].as_str().unwrap_or_default();
            if option["required"] == true && !command.options.iter().any(|(n, _)| n == name) {
                return Err(format!("{} needs its required option {name:?}", command.label()));
            }
        }
    }
    for (name, kind) in levels.into_iter().rev() {
        options = vec![json!({"name": name, "type": kind, "options": options})];
    }
    let mut data = json!({
        "id": registered["id"],
        "name": top,
        "type": 1,
        "options": options,
    });
    if resolved.as_object().is_some_and(|r| !r.is_empty()) {
        data["resolved"] = resolved;
    }
    if let Some(guild_id) = registered.get("guild_id") {
        data["guild_id"] = guild_id.clone();
    }
    Ok(data)
}

/// Adds a user, channel or role option's object to `data.resolved`, as serenity needs.
fn resolve(state: &State, guild_id: Option<u64>, value: &OptionValue, resolved: &mut Value) {
    match *value {
        OptionValue::User(id) => {
            resolved["users"][id.to_string()] = model::user(&state.user(id));
            if let Some(roles) = guild_id.and_then(|g| state.members.get(&(g, id))) {
                let mut member = model::member(state, guild_id.unwrap_or_default(), id, roles, false);
                member["permissions"] = json!(FakeDiscord::MEMBER_PERMISSIONS.to_string());
                resolved["members"][id.to_string()] = member;
            }
        }
        OptionValue::Channel(id) => {
            let channel = state.channels.get(&id);
            let mut json = json!({
                "id": id.to_string(),
                "name": channel.map_or_else(|| format!("channel-{id}"), |c| c.name.clone()),
                "type": channel.map_or(0, |c| c.kind),
                "permissions": FakeDiscord::MEMBER_PERMISSIONS.to_string(),
                "parent_id": channel.and_then(|c| c.parent_id).map(|p| p.to_string()),
            });
            if let Some(thread) = channel.filter(|c| matches!(c.kind, 10..=12)) {
                json["thread_metadata"] = model::channel(thread)["thread_metadata"].clone();
            }
            resolved["channels"][id.to_string()] = json;
        }
        OptionValue::Role(id) => {
            let role = state.roles.get(&id).cloned().unwrap_or(FakeRole {
                id,
                guild_id: guild_id.unwrap_or_default(),
                name: format!("role{id}"),
                permissions: 0,
            });
            resolved["roles"][id.to_string()] = model::role(&role);
        }
        _ => {}
    }
}
