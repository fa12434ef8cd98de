//! The simulator in CI: a fixed set of seeds, each a simulated stretch of whole
//! communities with Discord's faults and crashes, every invariant after every step;
//! a seed that replays exactly; and planted faults the invariants catch.
//!
//! A failing seed prints its shortest step log; `SIM_TRACE=1` prints every step and
//! hearth's logs, `SIM_KEEP=1` keeps its database (`SIM_KEEP=all` every run's),
//! `SIM_NO_SHRINK=1` skips the shrink.

#[path = "sim/mod.rs"]
mod sim;

use sim::{Config, Planted};

/// A failure as a reader needs it: the seed, the invariant, the shortest step log.
fn explain(config: &Config, report: &sim::Report) -> String {
    let Some(failure) = &report.failure else {
        return String::new();
    };
    let steps = sim::workload::generate(config.seed, config.shape);
    let budget = if std::env::var_os("SIM_NO_SHRINK").is_some() {
        0
    } else {
        30
    };
    let failing = &steps[..failure.at_step.min(steps.len())];
    let shortest = sim::shrink(config, failing, failure.violation.name, budget);
    let log: Vec<String> = shortest.iter().map(ToString::to_string).collect();
    format!(
        "seed {} failed: {failure}\nshortest step log ({} steps):\n{}",
        config.seed,
        log.len(),
        log.join("\n")
    )
}

/// The seeds CI runs: seeds 1 to `CI_SEEDS`, each `CI_DAYS` days of three communities
/// (see the README's figures for how many simulated community-years that is and how
/// long it takes), in tests of `PER_TEST` seeds each, so the harness's threads (one a
/// CPU) share them out evenly and each run keeps to its own CPU (`sim::pin`).
const CI_DAYS: u32 = 30;
const CI_SEEDS: u64 = 205;
const PER_TEST: u64 = 5;

fn ci_seeds(seeds: std::ops::RangeInclusive<u64>) {
    assert!(
        *seeds.end() <= CI_SEEDS && seeds.clone().count() as u64 == PER_TEST,
        "CI's seeds are 1 to {CI_SEEDS}, {PER_TEST} a test: {seeds:?}"
    );
    let started = std::time::Instant::now();
    for seed in seeds {
        let config = Config::new(seed, CI_DAYS);
        let report = sim::run_seed(&config);
        assert!(report.failure.is_none(), "{}", explain(&config, &report));
        eprintln!(
            "seed {seed}: {} steps, {} delivered, {} faults, {} crashes, {:?} so far",
            report.steps,
            report.delivered,
            report.faults.total(),
            report.crashes,
            started.elapsed()
        );
    }
}

/// One test of CI's seeds.
macro_rules! ci_test {
    ($name:ident, $seeds:expr) => {
        #[test]
        fn $name() {
            ci_seeds($seeds);
        }
    };
}

ci_test!(every_promise_is_kept_on_ci_seeds_1_to_5, 1..=5);
ci_test!(every_promise_is_kept_on_ci_seeds_6_to_10, 6..=10);
ci_test!(every_promise_is_kept_on_ci_seeds_11_to_15, 11..=15);
ci_test!(every_promise_is_kept_on_ci_seeds_16_to_20, 16..=20);
ci_test!(every_promise_is_kept_on_ci_seeds_21_to_25, 21..=25);
ci_test!(every_promise_is_kept_on_ci_seeds_26_to_30, 26..=30);
ci_test!(every_promise_is_kept_on_ci_seeds_31_to_35, 31..=35);
ci_test!(every_promise_is_kept_on_ci_seeds_36_to_40, 36..=40);
ci_test!(every_promise_is_kept_on_ci_seeds_41_to_45, 41..=45);
ci_test!(every_promise_is_kept_on_ci_seeds_46_to_50, 46..=50);
ci_test!(every_promise_is_kept_on_ci_seeds_51_to_55, 51..=55);
ci_test!(every_promise_is_kept_on_ci_seeds_56_to_60, 56..=60);
ci_test!(every_promise_is_kept_on_ci_seeds_61_to_65, 61..=65);
ci_test!(every_promise_is_kept_on_ci_seeds_66_to_70, 66..=70);
ci_test!(every_promise_is_kept_on_ci_seeds_71_to_75, 71..=75);
ci_test!(every_promise_is_kept_on_ci_seeds_76_to_80, 76..=80);
ci_test!(every_promise_is_kept_on_ci_seeds_81_to_85, 81..=85);
ci_test!(every_promise_is_kept_on_ci_seeds_86_to_90, 86..=90);
ci_test!(every_promise_is_kept_on_ci_seeds_91_to_95, 91..=95);
ci_test!(every_promise_is_kept_on_ci_seeds_96_to_100, 96..=100);
ci_test!(every_promise_is_kept_on_ci_seeds_101_to_105, 101..=105);
ci_test!(every_promise_is_kept_on_ci_seeds_106_to_110, 106..=110);
ci_test!(every_promise_is_kept_on_ci_seeds_111_to_115, 111..=115);
ci_test!(every_promise_is_kept_on_ci_seeds_116_to_120, 116..=120);
ci_test!(every_promise_is_kept_on_ci_seeds_121_to_125, 121..=125);
ci_test!(every_promise_is_kept_on_ci_seeds_126_to_130, 126..=130);
ci_test!(every_promise_is_kept_on_ci_seeds_131_to_135, 131..=135);
ci_test!(every_promise_is_kept_on_ci_seeds_136_to_140, 136..=140);
ci_test!(every_promise_is_kept_on_ci_seeds_141_to_145, 141..=145);
ci_test!(every_promise_is_kept_on_ci_seeds_146_to_150, 146..=150);
ci_test!(every_promise_is_kept_on_ci_seeds_151_to_155, 151..=155);
ci_test!(every_promise_is_kept_on_ci_seeds_156_to_160, 156..=160);
ci_test!(every_promise_is_kept_on_ci_seeds_161_to_165, 161..=165);
ci_test!(every_promise_is_kept_on_ci_seeds_166_to_170, 166..=170);
ci_test!(every_promise_is_kept_on_ci_seeds_171_to_175, 171..=175);
ci_test!(every_promise_is_kept_on_ci_seeds_176_to_180, 176..=180);
ci_test!(every_promise_is_kept_on_ci_seeds_181_to_185, 181..=185);
ci_test!(every_promise_is_kept_on_ci_seeds_186_to_190, 186..=190);
ci_test!(every_promise_is_kept_on_ci_seeds_191_to_195, 191..=195);
ci_test!(every_promise_is_kept_on_ci_seeds_196_to_200, 196..=200);
ci_test!(every_promise_is_kept_on_ci_seeds_201_to_205, 201..=205);

/// Every seed from 1 to `CI_SEEDS` has its test, once.
#[test]
fn every_ci_seed_has_its_test() {
    let source = include_str!("sim.rs");
    let mut covered = Vec::new();
    for line in source.lines().filter(|l| l.starts_with("ci_test!(")) {
        let range = line
            .rsplit(", ")
            .next()
            .unwrap_or_default()
            .trim_end_matches(");");
        let (from, to) = range.split_once("..=").unwrap_or_default();
        let (from, to): (u64, u64) = (from.parse().unwrap_or(0), to.parse().unwrap_or(0));
        covered.extend(from..=to);
    }
    covered.sort_unstable();
    assert_eq!(covered, (1..=CI_SEEDS).collect::<Vec<_>>());
}

#[test]
fn the_same_seed_replays_bit_for_bit() {
    // Seed 5 forgets two facilitators of the same groups, whose pseudonyms hearth
    // draws at random: the database's digest must not depend on them.
    let config = Config::new(5, 30);
    let first = sim::run_seed(&config);
    let second = sim::run_seed(&config);
    assert!(first.failure.is_none(), "{}", explain(&config, &first));
    // Crashes, faults and forgets (whose pseudonyms are drawn at random) all replay.
    assert!(
        first.crashes > 0 && first.faults.total() > 0 && first.forgets > 0,
        "{first:?}"
    );
    assert_eq!(
        (
            first.digest,
            first.db_digest,
            first.steps,
            first.delivered,
            first.crashes,
            first.forgets,
            first.faults
        ),
        (
            second.digest,
            second.db_digest,
            second.steps,
            second.delivered,
            second.crashes,
            second.forgets,
            second.faults
        )
    );
}

/// Runs seeds with a planted fault until an invariant breaks, and asserts it is
/// `name` that broke (and so caught the fault) within those seeds.
fn assert_caught(planted: Planted, seeds: std::ops::RangeInclusive<u64>, days: u32, name: &str, why: &str) {
    let caught = seeds.into_iter().find_map(|seed| {
        let mut config = Config::new(seed, days);
        config.planted = planted;
        sim::run_seed(&config).failure.map(|f| (seed, f.violation.name))
    });
    assert!(
        caught.is_some_and(|(_, broken)| broken == name),
        "{why}: expected `{name}` to break, got {caught:?}"
    );
}

#[test]
fn posting_without_the_nonce_is_caught_as_a_message_delivered_twice() {
    let planted = Planted {
        drop_nonce: true,
        ..Planted::default()
    };
    assert_caught(
        planted,
        1..=3,
        60,
        "delivered-once",
        "a dropped nonce should show as a duplicate",
    );
}

#[test]
fn a_time_shown_an_hour_late_is_caught_as_a_shown_time_off_its_rule() {
    let planted = Planted {
        skew_times: true,
        ..Planted::default()
    };
    assert_caught(
        planted,
        1..=3,
        7,
        "shown-times",
        "a reminder an hour off its session should be caught",
    );
}

#[test]
fn a_dispatcher_without_its_pacer_is_caught_breaking_discords_limits() {
    let planted = Planted {
        unpaced: true,
        ..Planted::default()
    };
    assert_caught(
        planted,
        1..=3,
        60,
        "pacing",
        "bursts past 5 posts in 5 s should be caught",
    );
}
