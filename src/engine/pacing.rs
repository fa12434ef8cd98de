//! Keeping within Discord's limits so it never has to answer 429: at most 5
//! messages per 5 seconds in a channel, and a global budget under 50 requests a
//! second. A burst (every 19:00 reminder at once) is spread out, not refused.

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
    /// Discord's published limits, with a margin: 5 per 5 s per channel (windows a
    /// little longer than Discord's, so clock skew can't tip us over), 40 requests a
    /// second in all (Discord allows 50).
    pub const DISCORD: Limits = Limits {
        per_channel: 5,
        channel_window: Duration::from_millis(5_250),
        global: 40,
        global_window: Duration::from_millis(1_050),
    };
}

/// Sliding-window budgets per channel and in all, on tokio's clock.
#[derive(Debug)]
pub struct Pacer {
    limits: Option<Limits>,
    channels: HashMap<String, VecDeque<Instant>>,
    global: VecDeque<Instant>,
}

impl Pacer {
    pub fn new(limits: Limits) -> Self {
        Pacer {
            limits: Some(limits),
            channels: HashMap::new(),
            global: VecDeque::new(),
        }
    }

    /// No limits: the console, which posts to a terminal.
    pub fn unlimited() -> Self {
        Pacer {
            limits: None,
            channels: HashMap::new(),
            global: VecDeque::new(),
        }
    }

    /// Waits until `requests` more requests may go out, `channel` (if any) taking one
    /// message, then counts them.
    pub async fn wait_turn(&mut self, channel: Option<&str>, requests: usize) {
        let Some(limits) = self.limits else { return };
        loop {
            let now = Instant::now();
            prune(&mut self.global, now, limits.global_window);
            let mut ready_at = now;
            if self.global.len() + requests > limits.global {
                let index = (self.global.len() + requests).saturating_sub(limits.global + 1);
                if let Some(oldest) = self.global.get(index.min(self.global.len().saturating_sub(1))) {
                    ready_at = ready_at.max(*oldest + limits.global_window);
                }
            }
            if let Some(channel) = channel {
                let sent = self.channels.entry(channel.to_string()).or_default();
                prune(sent, now, limits.channel_window);
                if sent.len() >= limits.per_channel {
                    if let Some(oldest) = sent.front() {
                        ready_at = ready_at.max(*oldest + limits.channel_window);
                    }
                }
            }
            if ready_at <= now {
                for _ in 0..requests {
                    self.global.push_back(now);
                }
                if let Some(channel) = channel {
                    self.channels
                        .entry(channel.to_string())
                        .or_default()
                        .push_back(now);
                }
                if self.channels.len() > 1_000 {
                    self.channels.retain(|_, sent| {
                        sent.back()
                            .is_some_and(|t| now.duration_since(*t) < limits.channel_window)
                    });
                }
                return;
            }
            tokio::time::sleep_until(ready_at).await;
        }
    }
}

fn prune(sent: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while sent.front().is_some_and(|t| now.duration_since(*t) >= window) {
        sent.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_sixth_post_in_a_channel_waits_for_the_window() {
        let mut pacer = Pacer::new(Limits::DISCORD);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait_turn(Some("c1"), 1).await;
        }
        assert_eq!(Instant::now(), start, "five go at once");
        pacer.wait_turn(Some("c2"), 1).await;
        assert_eq!(Instant::now(), start, "another channel is not held up");
        pacer.wait_turn(Some("c1"), 1).await;
        assert_eq!(Instant::now() - start, Limits::DISCORD.channel_window);
    }

    #[tokio::test(start_paused = true)]
    async fn the_global_budget_spreads_a_burst_over_seconds() {
        let mut pacer = Pacer::new(Limits::DISCORD);
        let start = Instant::now();
        for i in 0..200 {
            pacer.wait_turn(Some(&format!("c{i}")), 1).await;
        }
        let elapsed = Instant::now() - start;
        // 200 requests at 40 per 1.05 s need four more windows after the first.
        assert_eq!(elapsed, Limits::DISCORD.global_window * 4);
    }
}
