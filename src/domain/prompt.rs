//! Check-in prompts: what a prompt is, how a deck rotates, and the community default
//! deck hearth ships.
//!
//! A deck rotates as a **shuffle bag**: each approved prompt is drawn once per cycle,
//! in random order; when the bag is empty a new cycle is shuffled, never starting with
//! the prompt that ended the last one (so nothing is asked twice in a row). A prompt
//! approved mid-cycle joins the current cycle at a random place; a retired one leaves
//! it. The bag and its random state are stored, so a restart changes nothing and a
//! seed replays exactly in tests.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::cron::CronSchedule;
use super::time::Tz;

/// Where a prompt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromptState {
    /// In the deck and drawn in rotation.
    Approved,
    /// Submitted by a member, waiting for a facilitator or coordinator.
    Pending,
    /// Out of the deck (retired, or a submission that was not taken).
    Retired,
}

impl PromptState {
    pub fn as_str(self) -> &'static str {
        match self {
            PromptState::Approved => "approved",
            PromptState::Pending => "pending",
            PromptState::Retired => "retired",
        }
    }
}

impl FromStr for PromptState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "approved" => Ok(PromptState::Approved),
            "pending" => Ok(PromptState::Pending),
            "retired" => Ok(PromptState::Retired),
            other => Err(format!("unknown prompt state {other:?}")),
        }
    }
}

impl fmt::Display for PromptState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deck's rotation, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bag {
    /// The rest of the current cycle, in the order it will be drawn.
    pub remaining: Vec<i64>,
    /// What this cycle has drawn so far (so a prompt already asked is not added back).
    pub drawn: Vec<i64>,
    /// The prompt drawn last, across cycles.
    pub last: Option<i64>,
    /// How many cycles have begun.
    pub cycle: u32,
    /// The random generator's state: a seed at first, then wherever it got to.
    pub rng: u64,
}

impl Bag {
    /// An empty bag whose shuffles follow from `seed`.
    pub fn seeded(seed: u64) -> Self {
        Bag {
            rng: seed,
            ..Bag::default()
        }
    }

    /// Draws the next prompt among `approved` (the deck's approved prompts now), or
    /// `None` when the deck is empty. Retired prompts leave the cycle, newly approved
    /// ones join it at a random place, and a new cycle begins when this one is done.
    pub fn draw(&mut self, approved: &[i64]) -> Option<i64> {
        let deck: HashSet<i64> = approved.iter().copied().collect();
        if deck.is_empty() {
            return None;
        }
        self.remaining.retain(|id| deck.contains(id));
        self.drawn.retain(|id| deck.contains(id));
        let known: HashSet<i64> = self.remaining.iter().chain(&self.drawn).copied().collect();
        let mut joining: Vec<i64> = approved
            .iter()
            .copied()
            .filter(|id| !known.contains(id))
            .collect();
        joining.sort_unstable();
        joining.dedup();
        for id in joining {
            let place = self.below(self.remaining.len() + 1);
            self.remaining.insert(place, id);
        }
        if self.remaining.is_empty() {
            self.new_cycle(approved);
        }
        let next = self.remaining.remove(0);
        self.drawn.push(next);
        self.last = Some(next);
        Some(next)
    }

    fn new_cycle(&mut self, approved: &[i64]) {
        let mut order: Vec<i64> = approved.to_vec();
        order.sort_unstable();
        order.dedup();
        // Fisher–Yates.
        for i in (1..order.len()).rev() {
            let j = self.below(i + 1);
            order.swap(i, j);
        }
        if order.len() > 1 && order.first() == self.last.as_ref() {
            let j = 1 + self.below(order.len() - 1);
            order.swap(0, j);
        }
        self.remaining = order;
        self.drawn.clear();
        self.cycle = self.cycle.saturating_add(1);
    }

    /// A number in `0..n` (n ≥ 1), from splitmix64: small, fast and reproducible.
    fn below(&mut self, n: usize) -> usize {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % (n.max(1) as u64)) as usize
    }
}

/// The thread a prompt post opens, named from the local date: `Check-in · Mon 7 Dec`.
pub fn thread_name(local_date: chrono::NaiveDate) -> String {
    format!("Check-in · {}", local_date.format("%a %-d %b"))
}

/// The community default deck: warm, plain, never clinical, each easy to pass on.
/// (text, content note)
pub const DEFAULT_DECK: &[(&str, Option<&str>)] = &[
    ("What's one small thing that went okay this week?", None),
    ("What's something you're looking forward to, however small?", None),
    ("What has helped you get through a hard day lately?", None),
    (
        "Is there a song, book or show that's been good company recently?",
        None,
    ),
    (
        "What's a kindness someone showed you — or you showed someone — this week?",
        None,
    ),
    ("Where is a place you feel calm, real or imagined?", None),
    (
        "What's one thing you'd like this group to know about how you're doing today?",
        None,
    ),
    ("What's a small comfort you've leaned on this week?", None),
    ("If today had a weather report, what would it say?", None),
    ("What's something you've learned about yourself recently?", None),
    ("Who or what made you smile lately?", None),
    (
        "What's one thing you did for yourself this week, big or small?",
        None,
    ),
    ("What would you like a little more of in the coming week?", None),
    (
        "Is there something you're proud of, even if it seems small?",
        None,
    ),
    ("What does a good enough day look like for you right now?", None),
    (
        "What's been on your mind that you'd like to say out loud here?",
        None,
    ),
    ("What's a routine or habit that's been helping you?", None),
    (
        "Is there something you're finding hard at the moment that you'd like to share?",
        Some("difficult feelings"),
    ),
    ("What's a memory that brings you some warmth?", None),
    ("How have you been sleeping and resting lately?", Some("sleep")),
    (
        "What's one thing you'd tell someone who's just joined this group?",
        None,
    ),
    ("What's a way you've been kind to yourself lately?", None),
    (
        "Is there someone you miss, and what would you like to remember about them?",
        Some("loss"),
    ),
    ("What's something that surprised you this week?", None),
    ("What helps you feel a bit more like yourself?", None),
    (
        "What has been heavy to carry lately, if you'd like to share?",
        Some("difficult feelings"),
    ),
    (
        "What's a small step you'd like to take before we next meet?",
        None,
    ),
    ("What's something in nature you noticed recently?", None),
    ("How has your body been feeling this week?", Some("health")),
    ("What's a word that sums up your week?", None),
    ("What's one thing that's been easier than you expected?", None),
    (
        "Is there a food, smell or sound that's been comforting lately?",
        Some("food"),
    ),
    (
        "What would you like from the group today: to talk, to listen, or just to be here?",
        None,
    ),
    (
        "How have things been with the people around you lately?",
        Some("relationships"),
    ),
];

/// When a group's prompts are posted.
#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    /// On a 5-field crontab schedule in the group's zone (boxed: the crate's schedule
    /// is large beside the other variant).
    Cron(Box<CronSchedule>),
    /// As each of the group's sessions starts.
    SessionStart,
}

/// How `at:session-start` is stored and typed.
pub const SESSION_START: &str = "session-start";

impl Timing {
    /// As stored: the crontab line, or `session-start`.
    pub fn as_stored(&self) -> String {
        match self {
            Timing::Cron(schedule) => schedule.as_str().to_owned(),
            Timing::SessionStart => SESSION_START.to_owned(),
        }
    }

    /// Reads what [`Timing::as_stored`] wrote.
    pub fn from_stored(text: &str) -> Result<Timing, super::cron::CronError> {
        if text == SESSION_START {
            Ok(Timing::SessionStart)
        } else {
            CronSchedule::parse(text).map(|c| Timing::Cron(Box::new(c)))
        }
    }

    /// How `/prompts list` describes it.
    pub fn describe(&self) -> String {
        match self {
            Timing::Cron(schedule) => format!(
                "on the schedule \"{}\" in the group's time zone",
                schedule.as_str()
            ),
            Timing::SessionStart => "as each session starts".to_owned(),
        }
    }
}

/// The start of every prompt job key of a group.
pub fn prompt_key_prefix(group_id: i64) -> String {
    format!("prompt:{group_id}:")
}

/// One tick of a group's schedule: one post, ever.
pub fn prompt_key(group_id: i64, tick: DateTime<Utc>) -> String {
    format!("{}{}", prompt_key_prefix(group_id), tick.timestamp())
}

/// A post asked for by `/prompts now`, told apart by the minute it was asked in: a
/// second press within the same minute is the same request, not a second post.
pub fn prompt_now_key(group_id: i64, at: DateTime<Utc>) -> String {
    format!("prompt-now:{group_id}:{}", at.timestamp().div_euclid(60))
}

/// The one alerts-channel note of an empty deck at a tick.
pub fn empty_deck_key(group_id: i64, tick: DateTime<Utc>) -> String {
    format!("prompt-empty:{group_id}:{}", tick.timestamp())
}

/// The private note to a member whose submission was approved.
pub fn approved_dm_key(prompt_id: i64) -> String {
    format!("dm-prompt-approved:{prompt_id}")
}

/// What a prompt job carries: its group, the prompt once drawn, and whether it was
/// asked for by hand (`/prompts now`, which plans no next tick).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptPayload {
    pub group_id: i64,
    pub prompt_id: Option<i64>,
    pub by_hand: bool,
}

impl fmt::Display for PromptPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group:{}", self.group_id)?;
        if let Some(prompt) = self.prompt_id {
            write!(f, " prompt:{prompt}")?;
        }
        if self.by_hand {
            f.write_str(" now")?;
        }
        Ok(())
    }
}

impl FromStr for PromptPayload {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut payload = PromptPayload {
            group_id: 0,
            prompt_id: None,
            by_hand: false,
        };
        let mut has_group = false;
        for part in s.split_whitespace() {
            match part.split_once(':') {
                Some(("group", id)) => {
                    payload.group_id = id.parse().map_err(|_| format!("group {id:?}"))?;
                    has_group = true;
                }
                Some(("prompt", id)) => {
                    payload.prompt_id = Some(id.parse().map_err(|_| format!("prompt {id:?}"))?)
                }
                None if part == "now" => payload.by_hand = true,
                _ => return Err(format!("unknown part {part:?}")),
            }
        }
        if has_group {
            Ok(payload)
        } else {
            Err(format!("no group in {s:?}"))
        }
    }
}

/// The job for one tick of a group's schedule, posted to `channel`.
pub fn plan_tick(group_id: i64, channel: &str, tick: DateTime<Utc>) -> super::job::PlannedJob {
    super::job::PlannedJob {
        kind: super::job::JobKind::Prompt,
        dedupe_key: prompt_key(group_id, tick),
        target: Some(channel.to_owned()),
        payload: PromptPayload {
            group_id,
            prompt_id: None,
            by_hand: false,
        }
        .to_string(),
        due_at: tick,
        // Not expired by the clock: after downtime the dispatcher decides whether the
        // latest missed tick is still worth posting (see [`catch_up`]).
        expires_at: None,
    }
}

/// Where a group's shuffles start: fixed per group, so tests replay.
pub fn seed_for(group_id: i64) -> u64 {
    (group_id as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x6865_6172_7468
}

/// How long a missed tick stays worth posting after downtime.
pub const MISSED_TICK_LIMIT: chrono::Duration = chrono::Duration::hours(2);

/// What a prompt job due at `due` should do at `now`, after any downtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickDecision {
    /// Post once, for this tick (the latest one missed, if several were).
    Post { tick: DateTime<Utc> },
    /// Don't post: the reason, for `/status`.
    Skip(String),
}

/// After downtime, missed ticks post **at most once** (for the latest of them), and
/// not at all when even the latest is more than [`MISSED_TICK_LIMIT`] old.
pub fn catch_up(schedule: &CronSchedule, zone: Tz, due: DateTime<Utc>, now: DateTime<Utc>) -> TickDecision {
    if now <= due {
        return TickDecision::Post { tick: due };
    }
    let latest = schedule
        .last_between(zone, due, now)
        .map_or(due, |later| later.max(due));
    if now - latest > MISSED_TICK_LIMIT {
        return TickDecision::Skip(format!(
            "Missed while hearth was offline: the latest check-in time ({}) was more than 2 hours ago, \
             so it wasn't posted late.",
            super::time::format_local(latest, zone)
        ));
    }
    TickDecision::Post { tick: latest }
}

/// Said under every prompt, so passing is always easy.
pub const PASS_LINE: &str = "You're welcome to answer, to just read along, or to pass — all are fine.";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_deck_is_at_least_thirty_plain_prompts_some_with_content_notes() {
        assert!(DEFAULT_DECK.len() >= 30);
        assert!(DEFAULT_DECK.iter().any(|(_, note)| note.is_some()));
        for (text, note) in DEFAULT_DECK {
            assert!(super::super::text::clean(super::super::text::Field::Prompt, text).is_ok());
            assert!(!text.contains('@'), "no mentions: {text}");
            if let Some(note) = note {
                assert!(super::super::text::clean(super::super::text::Field::ContentNote, note).is_ok());
            }
        }
        let unique: HashSet<&str> = DEFAULT_DECK.iter().map(|(text, _)| *text).collect();
        assert_eq!(unique.len(), DEFAULT_DECK.len());
    }

    #[test]
    fn a_seed_replays_the_same_order() {
        let deck: Vec<i64> = (1..=8).collect();
        let draws = |seed| {
            let mut bag = Bag::seeded(seed);
            (0..20).filter_map(|_| bag.draw(&deck)).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
    }

    #[test]
    fn an_empty_deck_draws_nothing() {
        assert_eq!(Bag::seeded(1).draw(&[]), None);
    }

    #[test]
    fn payloads_round_trip() {
        for payload in [
            PromptPayload {
                group_id: 3,
                prompt_id: None,
                by_hand: false,
            },
            PromptPayload {
                group_id: 3,
                prompt_id: Some(9),
                by_hand: true,
            },
        ] {
            assert_eq!(payload.to_string().parse::<PromptPayload>(), Ok(payload));
        }
        assert!("".parse::<PromptPayload>().is_err());
    }

    #[test]
    fn the_thread_is_named_from_the_local_date() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("valid");
        assert_eq!(thread_name(date), "Check-in · Mon 7 Dec");
    }

    #[test]
    fn five_missed_hourly_ticks_post_once_for_the_latest() {
        let schedule = CronSchedule::parse("0 * * * *").expect("valid");
        let due = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 7, 10, 0, 0)
            .single()
            .expect("valid");
        let now = due + chrono::Duration::minutes(4 * 60 + 30);
        assert_eq!(
            catch_up(&schedule, chrono_tz::UTC, due, now),
            TickDecision::Post {
                tick: due + chrono::Duration::hours(4)
            }
        );
    }

    #[test]
    fn a_missed_tick_over_two_hours_old_is_skipped_with_the_reason() {
        let schedule = CronSchedule::parse("0 19 * * MON").expect("valid");
        let due = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 7, 19, 0, 0)
            .single()
            .expect("valid");
        let decision = catch_up(&schedule, chrono_tz::UTC, due, due + chrono::Duration::hours(3));
        assert!(matches!(decision, TickDecision::Skip(reason) if reason.contains("more than 2 hours ago")));
    }

    #[derive(Debug, Clone)]
    enum Change {
        Add,
        Retire(usize),
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn over_ten_cycles_each_prompt_comes_once_per_cycle_and_never_twice_in_a_row(
            seed in any::<u64>(),
            size in 2usize..12,
            changes in proptest::collection::vec(
                (0usize..40, prop_oneof![Just(Change::Add), (0usize..20).prop_map(Change::Retire)]),
                0..8,
            ),
        ) {
            let mut deck: Vec<i64> = (1..=size as i64).collect();
            let mut next_id = size as i64 + 1;
            let mut bag = Bag::seeded(seed);
            let mut previous: Option<i64> = None;
            // What each cycle drew, and which prompts were in the deck for all of it.
            let mut cycle_draws: Vec<i64> = Vec::new();
            let mut present_throughout: HashSet<i64> = deck.iter().copied().collect();
            let mut cycle = 0;
            let mut step = 0usize;
            while cycle < 10 {
                for (at, change) in &changes {
                    if *at == step % 40 && step < 40 {
                        match change {
                            Change::Add => {
                                deck.push(next_id);
                                next_id += 1;
                            }
                            Change::Retire(i) if deck.len() > 2 => {
                                let gone = deck.remove(i % deck.len());
                                present_throughout.remove(&gone);
                            }
                            Change::Retire(_) => {}
                        }
                    }
                }
                let before = bag.cycle;
                let drawn = bag.draw(&deck).ok_or_else(|| TestCaseError::fail("deck is not empty"))?;
                if bag.cycle != before {
                    if before > 0 {
                        // A cycle ended: everyone there all along came exactly once.
                        for id in &present_throughout {
                            prop_assert_eq!(cycle_draws.iter().filter(|d| *d == id).count(), 1, "prompt {} in cycle {}", id, cycle);
                        }
                        cycle += 1;
                    }
                    cycle_draws.clear();
                    present_throughout = deck.iter().copied().collect();
                }
                prop_assert!(deck.contains(&drawn), "a retired prompt was drawn");
                prop_assert!(!cycle_draws.contains(&drawn), "prompt {} twice in one cycle", drawn);
                prop_assert_ne!(Some(drawn), previous, "the same prompt twice in a row");
                cycle_draws.push(drawn);
                previous = Some(drawn);
                step += 1;
            }
        }
    }
}
