//! Keeping within Discord's limits so it never has to answer 429: at most 5
//! messages per 5 seconds in a channel, and a global budget under 50 requests a
//! second. A burst (every 19:00 reminder at once) is spread out, not refused.
//!
//! The pacer never sleeps: the dispatcher asks [`Pacer::ready_at`] when a lane (a
//! channel, or one member's DMs) could next send, sends what can go now, and defers
//! the rest, so one busy channel never holds up another. Its memory of recent sends
//! is seeded at start from the job table's record of attempts, so a restart in the
//! middle of a burst carries on inside the same windows instead of starting afresh.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

/// The limits to keep.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_channel: usize,
    pub channel_window: Duration,
    pub global: usize,
    pub global_window: Duration,
}

impl Limits {
    /// Discord's published limits, with a margin: 5 per 5 s per channel (the window a
    /// quarter second longer than Discord's, so a send that arrives a little late at
    /// Discord can't tip it over), and 49 requests in any 1.02 s, evenly spaced
    /// (Discord allows 50 a second): 48 a second in a long burst, 96 % of the ceiling.
    pub const DISCORD: Limits = Limits {
        per_channel: 5,
        channel_window: Duration::from_millis(5_250),
        global: 49,
        global_window: Duration::from_millis(1_020),
    };

    /// The longest window: how far back a restart needs to remember.
    pub fn memory(&self) -> Duration {
        self.channel_window.max(self.global_window)
    }
}

/// One request sent in the past, for seeding a new pacer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastSend {
    pub lane: String,
    pub at: Instant,
    pub requests: usize,
}

/// Sliding-window budgets per lane and in all, on tokio's clock.
#[derive(Debug)]
pub struct Pacer {
    limits: Option<Limits>,
    lanes: HashMap<String, VecDeque<Instant>>,
    global: VecDeque<Instant>,
    /// Set by a 429 or exhausted-bucket answer: nothing goes to the lane before it.
    blocked: HashMap<String, Instant>,
    /// Set by a global 429: nothing goes anywhere before it.
    blocked_all: Option<Instant>,
    /// When the next request is due on an even stream through the global window (the
    /// "theoretical arrival time" of a cell-rate pacer). A request may go up to one
    /// gap early, so a late wake-up is made up by the next and the rate holds.
    next_slot: Option<Instant>,
}

impl Pacer {
    pub fn new(limits: Limits) -> Self {
        Pacer {
            limits: Some(limits),
            lanes: HashMap::new(),
            global: VecDeque::new(),
            blocked: HashMap::new(),
            blocked_all: None,
            next_slot: None,
        }
    }

    /// No limits: the console, which posts to a terminal.
    pub fn unlimited() -> Self {
        Pacer {
            limits: None,
            ..Pacer::new(Limits::DISCORD)
        }
    }

    /// How far back [`Pacer::seed`] needs sends, if this pacer limits at all.
    pub fn memory(&self) -> Option<Duration> {
        self.limits.map(|limits| limits.memory())
    }

    /// Counts sends made before this pacer existed (by an earlier process).
    pub fn seed(&mut self, past: impl IntoIterator<Item = PastSend>) {
        let mut past: Vec<PastSend> = past.into_iter().collect();
        past.sort_by_key(|send| send.at);
        for send in past {
            self.count(&send.lane, send.requests, send.at);
        }
    }

    /// The earliest moment `requests` more requests may go out on `lane`: `now` if
    /// they may go at once.
    pub fn ready_at(&mut self, lane: &str, requests: usize, now: Instant) -> Instant {
        let Some(limits) = self.limits else {
            return now;
        };
        let mut ready = now;
        if let Some(until) = self.blocked_all {
            ready = ready.max(until);
        }
        if let Some(until) = self.blocked.get(lane) {
            ready = ready.max(*until);
        }
        prune(&mut self.global, now, limits.global_window);
        // Requests are spread evenly through the window rather than sent in a burst at
        // its start: Discord counts a request when it arrives, which is this send plus a
        // network delay that varies, and an even stream leaves room for that variation
        // where a burst would not.
        if let Some(slot) = self.next_slot {
            ready = ready.max(slot.checked_sub(gap(&limits)).unwrap_or(slot));
        }
        let over = (self.global.len() + requests).saturating_sub(limits.global);
        if over > 0 {
            // The window has room once the `over` oldest sends have left it.
            if let Some(oldest) = self.global.get(over - 1) {
                ready = ready.max(*oldest + limits.global_window);
            }
        }
        if let Some(sent) = self.lanes.get_mut(lane) {
            prune(sent, now, limits.channel_window);
            if sent.len() >= limits.per_channel {
                if let Some(oldest) = sent.get(sent.len() - limits.per_channel) {
                    ready = ready.max(*oldest + limits.channel_window);
                }
            }
        }
        ready
    }

    /// Records `requests` requests going out on `lane` at `now`. Call only when
    /// [`Pacer::ready_at`] said `now`.
    pub fn take(&mut self, lane: &str, requests: usize, now: Instant) {
        if self.limits.is_none() {
            return;
        }
        self.count(lane, requests, now);
        if self.lanes.len() > 1_000 {
            let window = self.limits.map_or(Duration::ZERO, |l| l.channel_window);
            self.lanes
                .retain(|_, sent| sent.back().is_some_and(|t| now.duration_since(*t) < window));
            self.blocked.retain(|_, until| *until > now);
        }
    }

    /// Discord said to wait: nothing more goes to `lane` (or, when `lane` is `None`,
    /// anywhere) before `until`.
    pub fn block(&mut self, lane: Option<&str>, until: Instant) {
        if self.limits.is_none() {
            return;
        }
        match lane {
            Some(lane) => {
                let entry = self.blocked.entry(lane.to_string()).or_insert(until);
                *entry = (*entry).max(until);
            }
            None => self.blocked_all = Some(self.blocked_all.map_or(until, |t| t.max(until))),
        }
    }

    fn count(&mut self, lane: &str, requests: usize, at: Instant) {
        for _ in 0..requests {
            insert_sorted(&mut self.global, at);
        }
        insert_sorted(self.lanes.entry(lane.to_string()).or_default(), at);
        if let Some(limits) = self.limits {
            let from = self.next_slot.map_or(at, |slot| slot.max(at));
            self.next_slot = Some(from + gap(&limits) * requests as u32);
        }
    }
}

/// The even spacing of requests through the global window.
fn gap(limits: &Limits) -> Duration {
    limits.global_window / limits.global.max(1) as u32
}

/// Keeps the window in time order even when seeded sends arrive out of order.
fn insert_sorted(sent: &mut VecDeque<Instant>, at: Instant) {
    let index = sent.partition_point(|t| *t <= at);
    sent.insert(index, at);
}

fn prune(sent: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while sent.front().is_some_and(|t| now.duration_since(*t) >= window) {
        sent.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(pacer: &mut Pacer, lane: &str, now: Instant) -> Instant {
        let ready = pacer.ready_at(lane, 1, now);
        if ready <= now {
            pacer.take(lane, 1, now);
        }
        ready
    }

    /// Sends on `lane` as soon as the pacer allows, moving `now` there.
    fn send_when_ready(pacer: &mut Pacer, lane: &str, now: &mut Instant) {
        *now = pacer.ready_at(lane, 1, *now);
        pacer.take(lane, 1, *now);
    }

    #[tokio::test(start_paused = true)]
    async fn a_sixth_post_in_a_channel_waits_for_the_window_and_others_go_on() {
        let mut pacer = Pacer::new(Limits::DISCORD);
        let start = Instant::now();
        let mut now = start;
        for _ in 0..5 {
            send_when_ready(&mut pacer, "c1", &mut now);
        }
        assert!(
            now - start < Duration::from_millis(100),
            "five go at once, evenly spaced"
        );
        assert!(
            pacer.ready_at("c2", 1, now) - now <= gap(&Limits::DISCORD),
            "c2 is not held up"
        );
        assert_eq!(
            pacer.ready_at("c1", 1, now),
            start + Limits::DISCORD.channel_window,
            "the sixth waits until the first leaves the window"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_an_even_stream_inside_the_global_budget() {
        let mut pacer = Pacer::new(Limits::DISCORD);
        let start = Instant::now();
        let mut now = start;
        let mut sent = Vec::new();
        for i in 0..200 {
            send_when_ready(&mut pacer, &format!("c{i}"), &mut now);
            sent.push(now);
        }
        let window = Limits::DISCORD.global_window;
        for (i, at) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|t| **t - *at < window).count();
            assert!(
                in_window <= 49,
                "{in_window} requests within {window:?} from request {i}"
            );
            let together = sent.iter().filter(|t| *t == at).count();
            assert!(
                together <= 2,
                "at most two at one instant, {together} at request {i}"
            );
        }
        // 48 a second: 200 in a little over four seconds.
        let elapsed = now - start;
        assert!(
            elapsed > Duration::from_millis(4_000) && elapsed < Duration::from_millis(4_300),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_seeded_pacer_remembers_what_an_earlier_process_sent() {
        let mut pacer = Pacer::new(Limits::DISCORD);
        let now = Instant::now();
        tokio::time::advance(Duration::from_secs(10)).await;
        let later = Instant::now();
        let past = (0..5).map(|i| PastSend {
            lane: "c1".into(),
            at: later - Duration::from_millis(1_000 - i * 100),
            requests: 1,
        });
        pacer.seed(past);
        let ready = pacer.ready_at("c1", 1, later);
        assert_eq!(
            ready,
            later - Duration::from_millis(1_000) + Limits::DISCORD.channel_window
        );
        assert_eq!(pacer.ready_at("c2", 1, later), later);
        assert!(now < later);
    }

    #[tokio::test(start_paused = true)]
    async fn a_block_holds_its_lane_or_everything() {
        let mut pacer = Pacer::new(Limits::DISCORD);
        let now = Instant::now();
        let until = now + Duration::from_millis(700);
        pacer.block(Some("c1"), until);
        assert_eq!(pacer.ready_at("c1", 1, now), until);
        assert_eq!(pacer.ready_at("c2", 1, now), now);
        pacer.block(None, until);
        assert_eq!(pacer.ready_at("c2", 1, now), until);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unlimited_pacer_never_defers() {
        let mut pacer = Pacer::unlimited();
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(send(&mut pacer, "c1", now), now);
        }
        assert_eq!(pacer.memory(), None);
    }
}
