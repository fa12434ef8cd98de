//! A faulty Discord behind the chat port. It keeps every message it accepted, drops a
//! repeated nonce within Discord's window, enforces Discord's limits (and notes when
//! hearth's own pacing broke them), and, driven by the seed, answers with 5xx, 429s
//! with `retry_after`, timeouts (some after the message landed), a deleted channel
//! (10003) and closed DMs (50007), with a latency that varies. It can also stop the
//! process right after a post landed, before hearth could write it down.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use hearth::chat::{ChatFuture, ChatPort, DeliveryError, MessageRef, Reply};
use hearth::clock::{Clock, ManualClock};
use tokio::sync::Notify;

use super::rng::chance;
use super::Planted;

/// How long Discord remembers a nonce ("a few minutes").
pub const NONCE_WINDOW: Duration = Duration::minutes(5);
/// Discord's limits: messages per channel per 5 s, requests per bot per second.
const PER_CHANNEL: usize = 5;
const CHANNEL_WINDOW: Duration = Duration::seconds(5);
const GLOBAL: usize = 50;
const GLOBAL_WINDOW: Duration = Duration::seconds(1);
/// The name of the bot-wide bucket among the lanes' resets.
const GLOBAL_BUCKET: &str = "(global)";

/// The chance of each fault per request, in parts per thousand.
#[derive(Debug, Clone, Copy)]
pub struct FaultRates {
    pub server_error: u32,
    pub rate_limited: u32,
    pub timeout: u32,
}

impl Default for FaultRates {
    fn default() -> Self {
        FaultRates {
            server_error: 20,
            rate_limited: 15,
            timeout: 15,
        }
    }
}

/// Faults injected, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub server_errors: u64,
    pub rate_limited: u64,
    pub timeouts: u64,
    /// Timeouts after which the message was there all the same.
    pub landed_timeouts: u64,
    pub channel_gone: u64,
    pub dms_closed: u64,
    pub deduped: u64,
}

impl FaultCounts {
    pub fn total(&self) -> u64 {
        self.server_errors + self.rate_limited + self.timeouts + self.channel_gone + self.dms_closed
    }
}

/// What Discord was asked to show, for the invariants to read after each step.
#[derive(Debug, Clone)]
pub struct Shown {
    /// A channel, `dm:USER`, or a thread's name as `thread:NAME`.
    pub to: String,
    pub text: String,
    pub is_dm: bool,
    /// The nonce it was posted with (`hearth-{job id}`); for an edit, the nonce of the
    /// post it edits.
    pub nonce: Option<String>,
    /// Every moment it shows, with the zone it was given.
    pub times: Vec<(DateTime<Utc>, Tz)>,
}

#[derive(Default)]
struct State {
    requests: u64,
    next_id: u64,
    /// Accepted messages per job nonce (as hearth sent it), for "delivered once".
    per_nonce: BTreeMap<String, u32>,
    /// (lane, nonce as received) -> (message id, when), Discord's dedupe memory.
    seen: HashMap<(String, String), (u64, DateTime<Utc>)>,
    messages: BTreeMap<u64, String>,
    /// Each message's nonce as hearth first posted it: an edit is about what the post was.
    posted_with: HashMap<u64, String>,
    gone: BTreeSet<String>,
    closed_dms: BTreeSet<String>,
    lanes: HashMap<String, VecDeque<DateTime<Utc>>>,
    global: VecDeque<DateTime<Utc>>,
    /// When a bucket a 429 named resets: its `retry_after` says when, and from then
    /// the requests before count no more (as Discord's buckets do).
    resets: HashMap<String, DateTime<Utc>>,
    shown: Vec<Shown>,
    duplicates: Vec<String>,
    pacing: Vec<String>,
    faults: FaultCounts,
    /// Stop the process at this many more landed posts.
    crash_in: Option<u32>,
    crashed: bool,
    delivered: u64,
}

pub struct FaultyDiscord {
    seed: u64,
    clock: ManualClock,
    rates: FaultRates,
    /// The planted fault: the nonce never reaches Discord.
    drop_nonce: bool,
    /// The planted fault: every moment is shown an hour late.
    skew_times: bool,
    state: Mutex<State>,
    crash: Arc<Notify>,
}

/// Why a request failed before it reached the store.
enum Answer {
    Deliver,
    Fail(DeliveryError),
    /// Delivered, then the answer was lost.
    LandThenTimeout,
}

impl FaultyDiscord {
    pub fn new(seed: u64, clock: ManualClock, rates: FaultRates, planted: Planted) -> Arc<Self> {
        Arc::new(FaultyDiscord {
            seed,
            clock,
            rates,
            drop_nonce: planted.drop_nonce,
            skew_times: planted.skew_times,
            state: Mutex::default(),
            crash: Arc::new(Notify::new()),
        })
    }

    /// Every moment a message shows (its title has none).
    fn times_of(&self, message: &Reply) -> Vec<(DateTime<Utc>, Tz)> {
        let skew = if self.skew_times {
            Duration::hours(1)
        } else {
            Duration::zero()
        };
        message
            .lines
            .iter()
            .flat_map(|line| line.0.iter())
            .filter_map(|span| match span {
                hearth::chat::Span::Time { at, zone, .. } => Some((*at + skew, *zone)),
                _ => None,
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Woken when the process is to stop (see [`FaultyDiscord::arm_crash`]).
    pub fn crash_signal(&self) -> Arc<Notify> {
        self.crash.clone()
    }

    /// Stops the process right after the `n`th next post lands.
    pub fn arm_crash(&self, n: u32) {
        self.lock().crash_in = Some(n.max(1));
    }

    /// Whether a crash fired since the last call (and forgets it).
    pub fn take_crashed(&self) -> bool {
        std::mem::take(&mut self.lock().crashed)
    }

    pub fn set_channel_gone(&self, channel: &str, gone: bool) {
        let mut state = self.lock();
        if gone {
            state.gone.insert(channel.to_string());
        } else {
            state.gone.remove(channel);
        }
    }

    pub fn set_dms_closed(&self, user: &str, closed: bool) {
        let mut state = self.lock();
        if closed {
            state.closed_dms.insert(user.to_string());
        } else {
            state.closed_dms.remove(user);
        }
    }

    /// What was shown since the last call.
    pub fn take_shown(&self) -> Vec<Shown> {
        std::mem::take(&mut self.lock().shown)
    }

    /// Jobs whose message Discord now holds twice, and breaches of Discord's limits.
    pub fn take_breaches(&self) -> (Vec<String>, Vec<String>) {
        let mut state = self.lock();
        (
            std::mem::take(&mut state.duplicates),
            std::mem::take(&mut state.pacing),
        )
    }

    pub fn faults(&self) -> FaultCounts {
        self.lock().faults
    }

    pub fn delivered(&self) -> u64 {
        self.lock().delivered
    }

    /// A digest of everything Discord holds, for replay checks.
    pub fn digest(&self) -> u64 {
        let state = self.lock();
        if let Some(path) = std::env::var_os("SIM_DUMP") {
            let all: Vec<String> = state
                .messages
                .iter()
                .map(|(id, text)| format!("{id} {text}"))
                .collect();
            static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let run = RUN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let path = format!("{}.{}.{run}", path.to_string_lossy(), self.seed);
            std::fs::write(path, all.join("\n")).ok();
        }
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for (id, text) in &state.messages {
            h = super::rng::mix(h ^ *id);
            for b in text.bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        h
    }

    /// Counts a request against Discord's limits, notes a breach, and decides its fate.
    fn admit(&self, state: &mut State, lane: &str, requests: usize) -> Answer {
        let now = self.clock.now();
        state.requests += 1;
        let index = state.requests;
        for key in [lane, GLOBAL_BUCKET] {
            if let Some(reset) = state.resets.get(key).copied().filter(|r| now >= *r) {
                state.resets.remove(key);
                let window = if key == GLOBAL_BUCKET {
                    &mut state.global
                } else {
                    state.lanes.entry(key.to_string()).or_default()
                };
                window.retain(|at| *at >= reset);
            }
        }
        let window = state.lanes.entry(lane.to_string()).or_default();
        while window.front().is_some_and(|at| *at + CHANNEL_WINDOW <= now) {
            window.pop_front();
        }
        let lane_full = window.len() >= PER_CHANNEL;
        window.push_back(now);
        while state.global.front().is_some_and(|at| *at + GLOBAL_WINDOW <= now) {
            state.global.pop_front();
        }
        let global_full = state.global.len() + requests > GLOBAL;
        for _ in 0..requests {
            state.global.push_back(now);
        }
        if lane_full || global_full {
            state.pacing.push(format!(
                "at {now} hearth sent a request to {lane} beyond Discord's limit ({})",
                if lane_full {
                    "5 per 5 s in a channel"
                } else {
                    "50 per second"
                }
            ));
            return Answer::Fail(DeliveryError::RateLimited {
                retry_after: StdDuration::from_secs(1),
                global: global_full,
            });
        }
        let roll = chance(self.seed, 0xD15C, index) * 1000.0;
        let rates = self.rates;
        let server_error = f64::from(rates.server_error);
        let rate_limited = server_error + f64::from(rates.rate_limited);
        let timeout = rate_limited + f64::from(rates.timeout);
        if roll < server_error {
            state.faults.server_errors += 1;
            return Answer::Fail(DeliveryError::Transient {
                retry_after: None,
                detail: "Discord answered 503".into(),
            });
        }
        if roll < rate_limited {
            state.faults.rate_limited += 1;
            let wait_ms = 200 + (chance(self.seed, 0x429, index) * 4000.0) as u64;
            let global = chance(self.seed, 0x6106, index) < 0.1;
            let reset = now + Duration::milliseconds(wait_ms as i64);
            let bucket = if global { GLOBAL_BUCKET } else { lane };
            state.resets.insert(bucket.to_string(), reset);
            return Answer::Fail(DeliveryError::RateLimited {
                retry_after: StdDuration::from_millis(wait_ms),
                global,
            });
        }
        if roll < timeout {
            state.faults.timeouts += 1;
            if chance(self.seed, 0x7140, index) < 0.5 {
                state.faults.landed_timeouts += 1;
                return Answer::LandThenTimeout;
            }
            return Answer::Fail(timeout_error());
        }
        Answer::Deliver
    }

    /// Stores a message unless its nonce was seen in the window; returns its id and
    /// whether the process should stop now.
    fn land(&self, state: &mut State, lane: &str, nonce: &str, shown: Shown) -> (u64, bool) {
        let now = self.clock.now();
        // The planted fault: as if hearth posted without `enforce_nonce`.
        let sent_nonce = if self.drop_nonce {
            format!("none-{}", state.requests)
        } else {
            nonce.to_string()
        };
        let key = (lane.to_string(), sent_nonce);
        if let Some((id, at)) = state.seen.get(&key) {
            if now - *at <= NONCE_WINDOW {
                state.faults.deduped += 1;
                return (*id, false);
            }
        }
        state.next_id += 1;
        let id = state.next_id;
        state.seen.insert(key, (id, now));
        state.posted_with.insert(id, nonce.to_string());
        state
            .messages
            .insert(id, format!("{} <- {}", shown.to, shown.text));
        state.shown.push(shown);
        state.delivered += 1;
        let count = state.per_nonce.entry(nonce.to_string()).or_default();
        *count += 1;
        if *count > 1 {
            state.duplicates.push(format!(
                "the job with nonce {nonce} is shown {count} times in {lane}"
            ));
        }
        let crash = match state.crash_in.as_mut() {
            Some(n) if *n <= 1 => {
                state.crash_in = None;
                state.crashed = true;
                true
            }
            Some(n) => {
                *n -= 1;
                false
            }
            None => false,
        };
        (id, crash)
    }

    async fn send(
        &self,
        lane: &str,
        nonce: &str,
        shown: Shown,
        requests: usize,
    ) -> Result<u64, DeliveryError> {
        let (result, crash) = {
            let mut state = self.lock();
            match self.admit(&mut state, lane, requests) {
                Answer::Fail(error) => (Err(error), false),
                Answer::Deliver => {
                    let (id, crash) = self.land(&mut state, lane, nonce, shown);
                    (Ok(id), crash)
                }
                Answer::LandThenTimeout => {
                    let (_, crash) = self.land(&mut state, lane, nonce, shown);
                    (Err(timeout_error()), crash)
                }
            }
        };
        if crash {
            // The process dies here: the post is out, hearth never hears back.
            self.crash.notify_one();
            std::future::pending::<()>().await;
        }
        result
    }
}

fn timeout_error() -> DeliveryError {
    DeliveryError::Transient {
        retry_after: None,
        detail: "no answer from Discord within 10 s".into(),
    }
}

impl ChatPort for FaultyDiscord {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            if self.lock().gone.contains(channel) {
                let mut state = self.lock();
                state.faults.channel_gone += 1;
                // Discord's 10003, Unknown Channel.
                return Err(DeliveryError::ChannelGone);
            }
            let shown = Shown {
                to: channel.to_string(),
                text: message.to_plain_string(),
                is_dm: false,
                nonce: Some(nonce.to_string()),
                times: self.times_of(message),
            };
            let id = self.send(channel, nonce, shown, 1).await?;
            Ok(MessageRef {
                channel: channel.to_string(),
                message: id.to_string(),
            })
        })
    }

    fn edit<'a>(&'a self, at: &'a MessageRef, message: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            let mut state = self.lock();
            if state.gone.contains(&at.channel) {
                state.faults.channel_gone += 1;
                return Err(DeliveryError::ChannelGone);
            }
            match self.admit(&mut state, &at.channel, 1) {
                Answer::Fail(error) => Err(error),
                Answer::Deliver | Answer::LandThenTimeout => {
                    let Ok(id) = at.message.parse::<u64>() else {
                        return Err(DeliveryError::Refused("Unknown Message (10008)".into()));
                    };
                    if !state.messages.contains_key(&id) {
                        return Err(DeliveryError::ChannelGone);
                    }
                    let text = message.to_plain_string();
                    state.messages.insert(id, format!("{} <- {}", at.channel, text));
                    let nonce = state.posted_with.get(&id).cloned();
                    state.shown.push(Shown {
                        to: at.channel.clone(),
                        text,
                        is_dm: false,
                        nonce,
                        times: self.times_of(message),
                    });
                    Ok(())
                }
            }
        })
    }

    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            let lane = hearth::chat::dm_lane(user);
            if self.lock().closed_dms.contains(user) {
                let mut state = self.lock();
                state.faults.dms_closed += 1;
                // Discord's 50007, Cannot send messages to this user.
                return Err(DeliveryError::CannotDm);
            }
            let shown = Shown {
                to: lane.clone(),
                text: message.to_plain_string(),
                is_dm: true,
                nonce: Some(nonce.to_string()),
                times: self.times_of(message),
            };
            let id = self.send(&lane, nonce, shown, 2).await?;
            Ok(MessageRef {
                channel: lane,
                message: id.to_string(),
            })
        })
    }

    fn create_thread<'a>(&'a self, at: &'a MessageRef, name: &'a str) -> ChatFuture<'a, String> {
        Box::pin(async move {
            let mut state = self.lock();
            // Opening a thread is a route of its own: it counts against the bot's
            // requests, not the channel's five messages.
            if let Answer::Fail(error) = self.admit(&mut state, &format!("threads:{}", at.channel), 1) {
                return Err(error);
            }
            state.shown.push(Shown {
                to: format!("thread:{name}"),
                text: name.to_string(),
                is_dm: false,
                nonce: None,
                times: Vec::new(),
            });
            Ok(format!("{}-thread-{}", at.channel, at.message))
        })
    }
}
