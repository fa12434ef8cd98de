//! A fake Discord for end-to-end tests: REST under `/api/v10` and the gateway over plain
//! `ws://`, served by axum on `127.0.0.1:0`, so a real serenity `Client` and poise framework
//! can be driven without the network.
//!
//! It owns a small world (guilds, channels, roles, members, closed DMs), records every REST
//! call, and behaves like Discord where a bot depends on it: nonce dedupe with
//! `enforce_nonce`, `404 Unknown Channel` (10003), `403 Cannot send messages to this user`
//! (50007), `429` with `retry_after` on request or when Discord's limits are exceeded, and
//! Discord's length checks on messages and slash-command registration (`400`, 50035).
//!
//! The gateway honours IDENTIFY's `shard: [shard_id, num_shards]` as Discord does: a
//! guild's events (its GUILD_CREATE, its interactions, anything with its `guild_id`) go
//! only to the sessions of shard `(guild_id >> 22) % num_shards`, and DMs to shard 0.
//! A session that sends no `shard` is shard 0 of 1 and sees everything.
//!
//! Serenity must be pointed at it through its proxy setting, with its own rate limiter off
//! (the rate limiter ignores the proxy):
//!
//! ```text
//! let fake = FakeDiscord::start().await;
//! let http = HttpBuilder::new("any-token").proxy(fake.base_url()).ratelimiter_disabled(true).build();
//! let client = ClientBuilder::new_with_http(http, GatewayIntents::GUILDS).framework(framework).await?;
//! ```
//!
//! Ids are plain `u64` here and strings on the wire, as Discord sends them.
// Test support: not every test uses every helper.
#![allow(dead_code)]

mod events;
mod gateway;
mod interactions;
mod model;
mod rest;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

// Tokio's clock, so a test on paused time moves Discord's windows with hearth's.
use tokio::time::Instant;

use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

// Not every test crate names every re-exported type.
#[allow(unused_imports)]
pub use interactions::{Actor, Answer, SlashCommand};

/// A user the fake knows: a member, a DM partner, or the bot itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeUser {
    pub id: u64,
    pub name: String,
    pub bot: bool,
}

impl FakeUser {
    /// A human user.
    pub fn new(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            bot: false,
        }
    }
}

/// A channel the fake knows. Posting to any other id answers `404 Unknown Channel`.
#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub id: u64,
    /// `None` for DM channels.
    pub guild_id: Option<u64>,
    pub name: String,
    /// Discord's channel type: 0 text, 1 DM, 4 category, 11 public thread, 12 private thread.
    pub kind: u8,
    pub parent_id: Option<u64>,
    /// The other user of a DM channel.
    pub recipient: Option<u64>,
}

/// A role of a guild. The `@everyone` role has the guild's id.
#[derive(Clone, Debug)]
pub struct FakeRole {
    pub id: u64,
    pub guild_id: u64,
    pub name: String,
    /// Permission bits, e.g. `0x20` for MANAGE_GUILD.
    pub permissions: u64,
}

#[derive(Clone, Debug)]
struct FakeGuild {
    id: u64,
    name: String,
    owner_id: u64,
}

/// One REST call as the fake saw and answered it.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    /// The path after `/api/v10`, e.g. `/channels/200/messages`.
    pub path: String,
    pub query: Option<String>,
    /// The JSON body; `None` for an empty body, a JSON string describing it for a non-JSON one.
    pub body: Option<Value>,
    pub status: u16,
    /// What the fake answered (`Null` for 204).
    pub response: Value,
    /// False when no route matched (answered 404): something the fake does not know yet.
    pub known_route: bool,
    pub at: Instant,
    /// Files sent with it (a multipart body), in order.
    pub files: Vec<Upload>,
}

/// A file a request carried, as Discord receives attachments.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The form field: `files[0]`.
    pub field: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A message as stored: the JSON Discord would return, plus what dedupe needs.
#[derive(Clone, Debug)]
struct StoredMessage {
    json: Value,
    channel_id: u64,
    nonce: Option<String>,
    created: Instant,
    deleted: bool,
}

/// What the fake knows about one pushed interaction, keyed by its token.
#[derive(Clone, Debug)]
struct InteractionRecord {
    id: u64,
    /// 2 command, 3 component, 4 autocomplete, 5 modal submit.
    kind: u8,
    channel_id: u64,
    guild_id: Option<u64>,
    label: String,
    /// The body of the first `POST /interactions/{id}/{token}/callback`.
    callback: Option<Value>,
    /// The message `@original` names: the reply, or the clicked message for components.
    original_id: Option<u64>,
    followup_ids: Vec<u64>,
    /// Set by the first follow-up or `@original` edit after a deferred callback.
    completed: bool,
    /// The gateway sessions INTERACTION_CREATE went to.
    delivered_to: Vec<String>,
}

/// A gateway session: identified once, possibly resumed on a later connection.
struct Session {
    seq: u64,
    /// The live connection, if any.
    tx: Option<mpsc::UnboundedSender<gateway::Outgoing>>,
    /// `[shard_id, num_shards]` from its IDENTIFY (`[0, 1]` when it sent none).
    shard: [u64; 2],
}

impl Session {
    /// Whether Discord sends this session the events of `guild` (`None`: a DM).
    fn owns(&self, guild: Option<u64>) -> bool {
        let [shard_id, num_shards] = self.shard;
        match guild {
            Some(guild) => (guild >> 22) % num_shards == shard_id,
            None => shard_id == 0,
        }
    }
}

/// One IDENTIFY as the gateway accepted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identified {
    pub session_id: String,
    /// `[shard_id, num_shards]`.
    pub shard: [u64; 2],
    pub at: Instant,
}

/// A forced `429`, set by [`FakeDiscord::rate_limit_next`] or [`FakeDiscord::rate_limit_route`].
#[derive(Clone, Debug)]
struct ForcedLimit {
    method: Option<String>,
    path_prefix: Option<String>,
    remaining: u32,
    retry_after: f64,
}

/// Everything behind the lock. Handlers never await while holding it.
struct State {
    bot: FakeUser,
    application_id: u64,
    guilds: BTreeMap<u64, FakeGuild>,
    channels: BTreeMap<u64, FakeChannel>,
    roles: BTreeMap<u64, FakeRole>,
    users: HashMap<u64, FakeUser>,
    /// (guild, user) -> role ids.
    members: BTreeMap<(u64, u64), Vec<u64>>,
    closed_dms: HashSet<u64>,
    calls: Vec<Call>,
    messages: Vec<StoredMessage>,
    interactions: HashMap<String, InteractionRecord>,
    /// `None` for global commands, else the guild id.
    commands: BTreeMap<Option<u64>, Vec<Value>>,
    forced: Vec<ForcedLimit>,
    enforce_limits: bool,
    recent_requests: VecDeque<Instant>,
    recent_posts: HashMap<u64, VecDeque<Instant>>,
    rate_limited: usize,
    sessions: HashMap<String, Session>,
    /// Every IDENTIFY, in order, kept after its session ends.
    identified: Vec<Identified>,
    identifies: usize,
    /// What `GET /gateway/bot` recommends: `shards`, and `max_concurrency`.
    gateway_shards: u64,
    max_concurrency: u64,
    resumes: usize,
    next_id: u64,
    /// Guild scheduled events by id.
    events: BTreeMap<u64, events::FakeEvent>,
    /// Guilds where the bot lacks Create Events / Manage Events.
    events_denied: HashSet<u64>,
    /// The most events SCHEDULED or ACTIVE a guild held at once.
    events_high_water: HashMap<u64, usize>,
}

impl State {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn user(&self, id: u64) -> FakeUser {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| FakeUser::new(id, &format!("user{id}")))
    }

    /// Sends a dispatch (op 0) to every connected session whose shard owns the event's
    /// guild, each with its next `s`; returns the sessions it went to.
    fn dispatch(&mut self, event: &str, data: Value) -> Vec<String> {
        let guild = guild_of(event, &data);
        let mut delivered = Vec::new();
        for (id, session) in &mut self.sessions {
            if !session.owns(guild) {
                continue;
            }
            if let Some(tx) = &session.tx {
                session.seq += 1;
                let frame = serde_json::json!({"op": 0, "s": session.seq, "t": event, "d": data});
                if tx.send(gateway::Outgoing::Text(frame.to_string())).is_err() {
                    session.tx = None;
                } else {
                    delivered.push(id.clone());
                }
            }
        }
        delivered
    }

    fn connected_sessions(&self) -> usize {
        self.sessions.values().filter(|s| s.tx.is_some()).count()
    }

    /// Whether a connected session would receive the events of `guild`.
    fn connected_owner(&self, guild: Option<u64>) -> bool {
        self.sessions.values().any(|s| s.tx.is_some() && s.owns(guild))
    }

    /// The shard a session identified as, if it ever did.
    fn shard_of_session(&self, session_id: &str) -> Option<[u64; 2]> {
        self.identified
            .iter()
            .find(|i| i.session_id == session_id)
            .map(|i| i.shard)
    }
}

/// State shared by the server tasks and the test.
struct Shared {
    state: Mutex<State>,
    /// Bumped after every change, so waiters re-check their condition.
    changed: watch::Sender<u64>,
    base_url: String,
    /// How long `push_*` waits for the bot's answer.
    answer_timeout: Mutex<Duration>,
    /// How far away Discord is: every REST call is answered this long after it was
    /// made, half on the way in (when limits are counted) and half on the way back.
    round_trip: Mutex<Duration>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake Discord state lock poisoned")
    }

    fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

/// The fake Discord server. Dropping it stops accepting connections.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeDiscord {
    /// The bot's user id (and the application id: Discord makes them equal for new apps).
    pub const BOT_USER_ID: u64 = 1_000;
    pub const APPLICATION_ID: u64 = 1_000;
    /// The guild every fake starts with, with `#general` and `@everyone`.
    pub const GUILD_ID: u64 = 100;
    pub const GENERAL_CHANNEL_ID: u64 = 200;
    pub const EVERYONE_ROLE_ID: u64 = Self::GUILD_ID;
    /// The guild's owner (not the bot).
    pub const OWNER_ID: u64 = 900;
    /// What a plain member may do: view, send, read history, use application commands.
    pub const MEMBER_PERMISSIONS: u64 = 0x400 | 0x800 | 0x1_0000 | 0x8000_0000;
    /// MANAGE_GUILD ("Manage Server").
    pub const MANAGE_GUILD: u64 = 0x20;

    /// Binds `127.0.0.1:0` and serves; the world has one guild with `#general`.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Discord: cannot bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake Discord: no local address");
        let bot = FakeUser {
            id: Self::BOT_USER_ID,
            name: "hearth-bot".to_owned(),
            bot: true,
        };
        let mut state = State {
            bot: bot.clone(),
            application_id: Self::APPLICATION_ID,
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            roles: BTreeMap::new(),
            users: HashMap::from([(bot.id, bot.clone())]),
            members: BTreeMap::new(),
            closed_dms: HashSet::new(),
            calls: Vec::new(),
            messages: Vec::new(),
            interactions: HashMap::new(),
            commands: BTreeMap::new(),
            forced: Vec::new(),
            enforce_limits: false,
            recent_requests: VecDeque::new(),
            recent_posts: HashMap::new(),
            rate_limited: 0,
            sessions: HashMap::new(),
            identified: Vec::new(),
            identifies: 0,
            gateway_shards: 1,
            max_concurrency: 1,
            resumes: 0,
            next_id: 1_000_000,
            events: BTreeMap::new(),
            events_denied: HashSet::new(),
            events_high_water: HashMap::new(),
        };
        add_guild_to(&mut state, Self::GUILD_ID, "Hearth Test Guild");
        state.channels.insert(
            Self::GENERAL_CHANNEL_ID,
            FakeChannel {
                id: Self::GENERAL_CHANNEL_ID,
                guild_id: Some(Self::GUILD_ID),
                name: "general".to_owned(),
                kind: 0,
                parent_id: None,
                recipient: None,
            },
        );
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            changed: watch::channel(0).0,
            base_url: format!("http://{addr}"),
            answer_timeout: Mutex::new(Duration::from_secs(5)),
            round_trip: Mutex::new(Duration::ZERO),
        });
        let app = axum::Router::new()
            .route("/ws", axum::routing::get(gateway::upgrade))
            .fallback(rest::handle)
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake Discord server failed");
        });
        Self { shared, addr, server }
    }

    /// A guild's scheduled events (as Discord would list them), by id.
    pub fn scheduled_events(&self, guild_id: u64) -> Vec<Value> {
        self.shared
            .lock()
            .events
            .values()
            .filter(|e| e.guild_id == guild_id)
            .map(|e| e.body.clone())
            .collect()
    }

    /// Takes away (or gives back) the bot's permission to manage a guild's events.
    pub fn deny_events(&self, guild_id: u64, denied: bool) {
        let mut state = self.shared.lock();
        if denied {
            state.events_denied.insert(guild_id);
        } else {
            state.events_denied.remove(&guild_id);
        }
    }

    /// The most events a guild held SCHEDULED or ACTIVE at once.
    pub fn events_high_water(&self, guild_id: u64) -> usize {
        self.shared
            .lock()
            .events_high_water
            .get(&guild_id)
            .copied()
            .unwrap_or(0)
    }

    /// Adds `n` events of the server's own (not hearth's), SCHEDULED.
    pub fn add_foreign_events(&self, guild_id: u64, n: usize) {
        let mut state = self.shared.lock();
        for _ in 0..n {
            let id = state.next_id();
            let body = serde_json::json!({
                "id": id.to_string(), "guild_id": guild_id.to_string(), "name": "Server quiz night",
                "entity_type": 3, "status": 1, "privacy_level": 2,
                "entity_metadata": {"location": "The pub"},
                "scheduled_start_time": "2026-06-01T19:00:00+00:00",
                "scheduled_end_time": "2026-06-01T21:00:00+00:00",
            });
            state.events.insert(id, events::FakeEvent { id, guild_id, body });
        }
    }

    /// `http://127.0.0.1:PORT`: give it to `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `ws://127.0.0.1:PORT/ws`, what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    // ----- the world -----

    /// Adds a guild with its `@everyone` role (id = guild id, member permissions).
    /// Guilds are sent as GUILD_CREATE on IDENTIFY, so add them before the bot connects.
    pub fn add_guild(&self, id: u64, name: &str) {
        add_guild_to(&mut self.shared.lock(), id, name);
    }

    /// Adds a text channel to a guild (and tells connected sessions with CHANNEL_CREATE).
    pub fn add_channel(&self, guild_id: u64, id: u64, name: &str) {
        let channel = FakeChannel {
            id,
            guild_id: Some(guild_id),
            name: name.to_owned(),
            kind: 0,
            parent_id: None,
            recipient: None,
        };
        let mut state = self.shared.lock();
        state.dispatch("CHANNEL_CREATE", model::channel(&channel));
        state.channels.insert(id, channel);
    }

    /// Forgets a channel, as if deleted: later posts to it answer 404 Unknown Channel.
    pub fn remove_channel(&self, id: u64) {
        let mut state = self.shared.lock();
        if let Some(channel) = state.channels.remove(&id) {
            state.dispatch("CHANNEL_DELETE", model::channel(&channel));
        }
    }

    /// Adds a role to a guild.
    pub fn add_role(&self, guild_id: u64, id: u64, name: &str, permissions: u64) {
        let role = FakeRole {
            id,
            guild_id,
            name: name.to_owned(),
            permissions,
        };
        let mut state = self.shared.lock();
        state.dispatch(
            "GUILD_ROLE_CREATE",
            serde_json::json!({"guild_id": guild_id.to_string(), "role": model::role(&role)}),
        );
        state.roles.insert(id, role);
    }

    /// Adds a member (a user with roles) to a guild.
    pub fn add_member(&self, guild_id: u64, user_id: u64, name: &str, roles: &[u64]) {
        let mut state = self.shared.lock();
        state.users.insert(user_id, FakeUser::new(user_id, name));
        state.members.insert((guild_id, user_id), roles.to_vec());
    }

    /// The user has DMs closed: creating the DM channel works, posting into it answers
    /// `403 Cannot send messages to this user` (50007), as Discord does.
    pub fn close_dms(&self, user_id: u64) {
        self.shared.lock().closed_dms.insert(user_id);
    }

    /// A channel as the fake knows it (threads and DM channels the bot created included).
    pub fn channel(&self, id: u64) -> Option<FakeChannel> {
        self.shared.lock().channels.get(&id).cloned()
    }

    /// The DM channel the bot opened with this user, if any.
    pub fn dm_channel_of(&self, user_id: u64) -> Option<u64> {
        let state = self.shared.lock();
        let found = state
            .channels
            .values()
            .find(|c| c.kind == 1 && c.recipient == Some(user_id));
        found.map(|c| c.id)
    }

    // ----- rate limits -----

    /// The next `n` requests, whatever their route, answer 429 with this `retry_after` (seconds).
    pub fn rate_limit_next(&self, n: u32, retry_after: f64) {
        self.shared.lock().forced.push(ForcedLimit {
            method: None,
            path_prefix: None,
            remaining: n,
            retry_after,
        });
    }

    /// The next `n` requests with this method whose path (after `/api/v10`) starts with
    /// `path_prefix` answer 429 with this `retry_after` (seconds).
    pub fn rate_limit_route(&self, method: &str, path_prefix: &str, n: u32, retry_after: f64) {
        self.shared.lock().forced.push(ForcedLimit {
            method: Some(method.to_ascii_uppercase()),
            path_prefix: Some(path_prefix.to_owned()),
            remaining: n,
            retry_after,
        });
    }

    /// Enforces Discord's limits: 5 messages per 5 s per channel, 50 requests per second
    /// overall (interaction callbacks and webhooks exempt, as on Discord). Excess answers 429.
    pub fn enforce_rate_limits(&self, on: bool) {
        self.shared.lock().enforce_limits = on;
    }

    /// Every later REST call takes `round_trip` to answer, as from a host 50–250 ms
    /// from Discord: limits are counted as the request arrives, halfway.
    pub fn set_round_trip(&self, round_trip: Duration) {
        *self.shared.round_trip.lock().expect("round trip lock poisoned") = round_trip;
    }

    /// How many 429s the fake has answered, forced or enforced.
    pub fn rate_limited_count(&self) -> usize {
        self.shared.lock().rate_limited
    }

    // ----- what happened -----

    /// Every REST call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Posts that created a message (not ones dropped as a repeated nonce), per channel.
    pub fn message_count(&self) -> usize {
        self.shared.lock().messages.iter().filter(|m| !m.deleted).count()
    }

    /// The calls with this method (any if empty) whose path starts with `path_prefix`.
    pub fn calls_matching(&self, method: &str, path_prefix: &str) -> Vec<Call> {
        let state = self.shared.lock();
        let matching = state.calls.iter().filter(|c| {
            (method.is_empty() || c.method.eq_ignore_ascii_case(method)) && c.path.starts_with(path_prefix)
        });
        matching.cloned().collect()
    }

    /// Calls no route matched: what the bot asked that the fake does not know.
    pub fn unknown_calls(&self) -> Vec<Call> {
        let state = self.shared.lock();
        state.calls.iter().filter(|c| !c.known_route).cloned().collect()
    }

    /// The live messages of a channel, oldest first, with edits applied and deletions gone.
    /// Interaction replies are included; ephemeral ones carry `flags & 64`.
    pub fn messages_in(&self, channel_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        let live = state
            .messages
            .iter()
            .filter(|m| m.channel_id == channel_id && !m.deleted);
        live.map(|m| m.json.clone()).collect()
    }

    /// The live messages the bot sent into its DM channel with this user.
    pub fn dms_to(&self, user_id: u64) -> Vec<Value> {
        match self.dm_channel_of(user_id) {
            Some(channel) => self.messages_in(channel),
            None => Vec::new(),
        }
    }

    /// The commands registered for a guild (`Some(id)`) or globally (`None`), as echoed.
    pub fn registered_commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        let state = self.shared.lock();
        state.commands.get(&guild_id).cloned().unwrap_or_default()
    }

    /// How many IDENTIFYs the gateway has seen (one per bot start).
    pub fn identify_count(&self) -> usize {
        self.shared.lock().identifies
    }

    /// Every IDENTIFY the gateway accepted, in order, with the shard it named.
    pub fn identified(&self) -> Vec<Identified> {
        self.shared.lock().identified.clone()
    }

    /// The shards (`[shard_id, num_shards]`) of the sessions an interaction was
    /// delivered to.
    pub fn delivered_to(&self, answer: &Answer) -> Vec<[u64; 2]> {
        let state = self.shared.lock();
        let Some(record) = state.interactions.get(&answer.token) else {
            return Vec::new();
        };
        let shards = record
            .delivered_to
            .iter()
            .filter_map(|session| state.shard_of_session(session));
        shards.collect()
    }

    /// How many times the bot called back for an interaction (Discord accepts one).
    pub fn callbacks_for(&self, answer: &Answer) -> usize {
        let prefix = format!("/interactions/{}/", answer.interaction_id);
        self.calls_matching("POST", &prefix)
            .iter()
            .filter(|c| c.path.ends_with("/callback"))
            .count()
    }

    /// What `GET /gateway/bot` answers: the recommended shard count, and how many
    /// shards may identify at once (`session_start_limit.max_concurrency`).
    pub fn set_gateway_bot(&self, shards: u64, max_concurrency: u64) {
        let mut state = self.shared.lock();
        state.gateway_shards = shards;
        state.max_concurrency = max_concurrency;
    }

    /// How many RESUMEs the gateway has seen.
    pub fn resume_count(&self) -> usize {
        self.shared.lock().resumes
    }

    /// How many gateway connections are identified (or resumed) and open.
    pub fn connected_sessions(&self) -> usize {
        self.shared.lock().connected_sessions()
    }

    /// Waits until `predicate` holds (checked after every change), or `timeout`.
    /// Returns whether it held.
    pub async fn wait_for(&self, predicate: impl Fn(&FakeDiscord) -> bool, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.changed.subscribe();
        loop {
            changes.borrow_and_update();
            if predicate(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return predicate(self);
            }
        }
    }

    /// Waits until `predicate` holds, with no deadline: for tests on paused tokio time,
    /// where any deadline would be jumped to while the runtime waits on SQLite.
    pub async fn wait_until(&self, predicate: impl Fn(&FakeDiscord) -> bool) {
        let mut changes = self.shared.changed.subscribe();
        loop {
            changes.borrow_and_update();
            if predicate(self) {
                return;
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    /// Waits until a gateway session is identified and open; panics after `timeout`.
    pub async fn wait_until_connected(&self, timeout: Duration) {
        let connected = self.wait_for(|f| f.connected_sessions() > 0, timeout).await;
        assert!(
            connected,
            "fake Discord: no bot identified on the gateway within {timeout:?}; REST calls: {:?}",
            self.call_summary()
        );
    }

    /// `METHOD /path -> status` for every call, for failure messages.
    pub fn call_summary(&self) -> Vec<String> {
        let state = self.shared.lock();
        state
            .calls
            .iter()
            .map(|c| format!("{} {} -> {}", c.method, c.path, c.status))
            .collect()
    }

    // ----- gateway -----

    /// Sends a dispatch event (op 0) to every connected session of the shard that owns
    /// its guild (every session, when none sent a shard).
    pub fn dispatch(&self, event: &str, data: Value) {
        self.shared.lock().dispatch(event, data);
    }

    /// Asks every connected session to reconnect (op 7); serenity then resumes.
    pub fn request_reconnect(&self) {
        let state = self.shared.lock();
        for session in state.sessions.values() {
            if let Some(tx) = &session.tx {
                // A closed connection needs no reconnect request.
                let _gone = tx.send(gateway::Outgoing::Text(r#"{"op":7,"d":null}"#.to_owned()));
            }
        }
    }

    /// How long `push_*` waits for the bot's answer before panicking (default 5 s).
    pub fn set_answer_timeout(&self, timeout: Duration) {
        *self
            .shared
            .answer_timeout
            .lock()
            .expect("answer timeout lock poisoned") = timeout;
    }
}

/// The guild an event belongs to, which picks the shard it goes to: its `guild_id`, or
/// for the guild's own events (GUILD_CREATE, GUILD_UPDATE, ...) its `id`.
fn guild_of(event: &str, data: &Value) -> Option<u64> {
    let id = |value: &Value| value.as_str().and_then(|s| s.parse::<u64>().ok());
    match data.get("guild_id").and_then(id) {
        Some(guild) => Some(guild),
        None if event.starts_with("GUILD_") => data.get("id").and_then(id),
        None => None,
    }
}

fn add_guild_to(state: &mut State, id: u64, name: &str) {
    state.guilds.insert(
        id,
        FakeGuild {
            id,
            name: name.to_owned(),
            owner_id: FakeDiscord::OWNER_ID,
        },
    );
    state.roles.insert(
        id,
        FakeRole {
            id,
            guild_id: id,
            name: "@everyone".to_owned(),
            permissions: FakeDiscord::MEMBER_PERMISSIONS,
        },
    );
    let bot = state.bot.id;
    state.members.insert((id, bot), Vec::new());
}
