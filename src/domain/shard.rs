//! Which of the bot's Discord shards this process runs, and when it may start them.
//!
//! Discord splits a bot's servers over shards: a server's events go to shard
//! `(server_id >> 22) % total`. One process may run every shard (`auto`, the
//! default), or a slice of them (`"0-3/8"`: shards 0 to 3 of 8) so that several
//! processes share the bot. Plain values and rules only; the Discord adapter turns
//! them into gateway connections.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How Discord paces new gateway sessions: each bucket of shards may identify once
/// per this long (`session_start_limit.max_concurrency` buckets at a time).
pub const START_WINDOW: Duration = Duration::from_secs(5);

/// How the setting should be written, for every refusal.
const HOW_TO_WRITE: &str = "Write \"auto\" to let Discord choose, or FIRST-LAST/TOTAL for the shards \
this process runs, for example \"0-3/8\" (shards 0 to 3 of 8) or \"1-1/2\" (the second of two).";

/// The `discord.shards` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// One process runs as many shards as Discord recommends (one for a bot in fewer
    /// than 2,500 servers).
    Auto,
    /// This process runs a slice; other processes run the rest.
    Range(ShardRange),
}

impl Shards {
    /// Reads `"auto"` or `"FIRST-LAST/TOTAL"`; spaces around the parts are allowed.
    pub fn parse(text: &str) -> Result<Shards, ShardsError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(Shards::Auto);
        }
        let unreadable = || ShardsError(format!("I couldn't read {text:?} as shards. {HOW_TO_WRITE}"));
        let (range, total) = text.split_once('/').ok_or_else(unreadable)?;
        let (first, last) = range.split_once('-').ok_or_else(unreadable)?;
        let number = |part: &str| part.trim().parse::<u32>().map_err(|_| unreadable());
        ShardRange::new(number(first)?, number(last)?, number(total)?).map(Shards::Range)
    }

    /// Whether this process registers the slash commands. They belong to the
    /// application, not to a shard, so exactly one process does it: the one running
    /// shard 0 (with `auto`, the only process).
    pub fn registers_commands(&self) -> bool {
        match self {
            Shards::Auto => true,
            Shards::Range(range) => range.contains(0),
        }
    }
}

impl FromStr for Shards {
    type Err = ShardsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Shards::parse(text)
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shards::Auto => f.write_str("auto"),
            Shards::Range(range) => range.fmt(f),
        }
    }
}

/// Shards `first..=last` of `total`, with `first <= last < total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    first: u32,
    last: u32,
    total: u32,
}

impl ShardRange {
    pub fn new(first: u32, last: u32, total: u32) -> Result<ShardRange, ShardsError> {
        let written = format!("\"{first}-{last}/{total}\"");
        if total == 0 {
            return Err(ShardsError(format!(
                "{written} asks for 0 shards in all; a bot always has at least one. {HOW_TO_WRITE}"
            )));
        }
        if last < first {
            return Err(ShardsError(format!(
                "{written} ends before it starts: the last shard ({last}) can't be below the first ({first}). {HOW_TO_WRITE}"
            )));
        }
        if last >= total {
            return Err(ShardsError(format!(
                "{written} runs shard {last}, but {total} shards are numbered 0 to {}. {HOW_TO_WRITE}",
                total - 1
            )));
        }
        Ok(ShardRange { first, last, total })
    }

    /// The first shard this process runs.
    pub fn first(&self) -> u32 {
        self.first
    }

    /// The last shard this process runs (included).
    pub fn last(&self) -> u32 {
        self.last
    }

    /// How many shards the bot has across every process.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// How many shards this process runs.
    pub fn len(&self) -> u32 {
        self.last - self.first + 1
    }

    /// Never true: a range holds at least one shard.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn contains(&self, shard: u32) -> bool {
        (self.first..=self.last).contains(&shard)
    }

    /// How long this process waits before it starts its first shard, so that
    /// processes started together never identify two shards of one bucket in the same
    /// 5 s window.
    ///
    /// Discord's rule: shard `s` is in bucket `s % max_concurrency`, and a bucket may
    /// start one session per 5 s. Discord's own example (shard `s` starts in window
    /// `s / max_concurrency`) assumes every shard starts on its own; but a process
    /// starts its shards one per 5 s, in order (serenity 0.12's queue), so its shard
    /// `first + k` starts in window `wait + k`. Waiting `first - (max_concurrency - 1)`
    /// windows (at least 0) is enough for any split of the shards into ranges:
    /// shard `s` then starts in window `s - c` with `0 <= c < max_concurrency`, so two
    /// shards of one bucket (`s` and `s + n * max_concurrency`, `n >= 1`) are at least
    /// one window apart. With `max_concurrency` 1 (almost every bot) that is one shard
    /// per window across all processes, as if one process ran them all.
    pub fn start_delay(&self, max_concurrency: u64) -> Duration {
        let concurrency = u32::try_from(max_concurrency.max(1)).unwrap_or(u32::MAX);
        START_WINDOW * self.first.saturating_sub(concurrency - 1)
    }
}

impl fmt::Display for ShardRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}/{}", self.first, self.last, self.total)
    }
}

/// Why a `discord.shards` value was refused; `Display` says how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShardsError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: u32, last: u32, total: u32) -> ShardRange {
        ShardRange::new(first, last, total).unwrap()
    }

    #[test]
    fn auto_and_a_range_are_read() {
        assert_eq!(Shards::parse("auto"), Ok(Shards::Auto));
        assert_eq!(Shards::parse(" AUTO "), Ok(Shards::Auto));
        assert_eq!(Shards::parse("0-3/8"), Ok(Shards::Range(range(0, 3, 8))));
        assert_eq!(Shards::parse(" 1 - 1 / 2 "), Ok(Shards::Range(range(1, 1, 2))));
        assert_eq!("4-7/8".parse::<Shards>(), Ok(Shards::Range(range(4, 7, 8))));
    }

    #[test]
    fn a_range_prints_as_it_is_written() {
        assert_eq!(range(4, 7, 8).to_string(), "4-7/8");
        assert_eq!(Shards::Auto.to_string(), "auto");
    }

    #[test]
    fn junk_is_refused_with_how_to_write_it() {
        for junk in [
            "",
            "all",
            "3",
            "0-3",
            "0/8",
            "a-b/c",
            "-1-2/4",
            "0-3/8/2",
            "0-1-2/4",
            "0-99999999999/8",
        ] {
            let error = Shards::parse(junk).unwrap_err().to_string();
            assert!(error.contains("\"0-3/8\""), "{junk:?}: {error}");
            assert!(error.contains("auto"), "{junk:?}: {error}");
        }
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        let error = Shards::parse("3-1/8").unwrap_err().to_string();
        assert!(error.contains("ends before it starts"), "{error}");
    }

    #[test]
    fn a_range_past_the_total_is_refused() {
        let error = Shards::parse("0-8/8").unwrap_err().to_string();
        assert!(error.contains("numbered 0 to 7"), "{error}");
        assert!(Shards::parse("2-2/2").is_err());
        assert!(Shards::parse("7-7/8").is_ok());
    }

    #[test]
    fn zero_shards_in_all_is_refused() {
        let error = Shards::parse("0-0/0").unwrap_err().to_string();
        assert!(error.contains("at least one"), "{error}");
    }

    #[test]
    fn only_the_process_running_shard_zero_registers_commands() {
        assert!(Shards::Auto.registers_commands());
        assert!(Shards::parse("0-0/2").unwrap().registers_commands());
        assert!(Shards::parse("0-3/8").unwrap().registers_commands());
        assert!(!Shards::parse("1-1/2").unwrap().registers_commands());
        assert!(!Shards::parse("4-7/8").unwrap().registers_commands());
    }

    #[test]
    fn a_range_knows_its_shards() {
        let four = range(4, 7, 8);
        assert_eq!(four.len(), 4);
        assert!(four.contains(4) && four.contains(7));
        assert!(!four.contains(3) && !four.contains(8));
    }

    #[test]
    fn with_one_bucket_each_process_waits_one_window_per_earlier_shard() {
        assert_eq!(range(0, 3, 8).start_delay(1), Duration::ZERO);
        assert_eq!(range(4, 7, 8).start_delay(1), Duration::from_secs(20));
        assert_eq!(range(1, 1, 2).start_delay(1), Duration::from_secs(5));
        // Discord never says 0, but if it did it would mean one bucket.
        assert_eq!(range(1, 1, 2).start_delay(0), Duration::from_secs(5));
    }

    #[test]
    fn with_many_buckets_the_first_processes_start_at_once() {
        assert_eq!(range(0, 0, 32).start_delay(16), Duration::ZERO);
        assert_eq!(range(15, 15, 32).start_delay(16), Duration::ZERO);
        assert_eq!(range(16, 16, 32).start_delay(16), Duration::from_secs(5));
        assert_eq!(range(1, 1, 2).start_delay(2), Duration::ZERO);
    }

    /// The window each shard identifies in when every process starts at once and
    /// starts its own shards one window apart.
    fn windows(ranges: &[ShardRange], max_concurrency: u64) -> Vec<(u32, u64)> {
        let mut starts = Vec::new();
        for range in ranges {
            let wait = range.start_delay(max_concurrency).as_secs() / START_WINDOW.as_secs();
            for (k, shard) in (range.first()..=range.last()).enumerate() {
                starts.push((shard, wait + k as u64));
            }
        }
        starts
    }

    #[test]
    fn no_two_shards_of_a_bucket_start_in_one_window_whatever_the_split() {
        for max_concurrency in [1_u64, 2, 4, 16] {
            for total in 1..=24_u32 {
                for size in 1..=total {
                    // Equal slices, the last one shorter, and one big slice then singles.
                    let equal: Vec<ShardRange> = (0..total)
                        .step_by(size as usize)
                        .map(|first| range(first, (first + size - 1).min(total - 1), total))
                        .collect();
                    let mut uneven = vec![range(0, size - 1, total)];
                    uneven.extend((size..total).map(|s| range(s, s, total)));
                    for split in [equal, uneven] {
                        let starts = windows(&split, max_concurrency);
                        for (i, (a, wa)) in starts.iter().enumerate() {
                            for (b, wb) in &starts[i + 1..] {
                                let same_bucket =
                                    u64::from(*a) % max_concurrency == u64::from(*b) % max_concurrency;
                                assert!(
                                    !(same_bucket && wa == wb),
                                    "shards {a} and {b} start together ({split:?}, max_concurrency {max_concurrency})"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
