//! The simulator in CI: a fixed set of seeds, each a simulated stretch of whole
//! communities with Discord's faults and crashes, every invariant after every step;
//! a seed that replays exactly; and planted faults the invariants catch.
//!
//! A failing seed prints its shortest step log; `SIM_TRACE=1` prints every step and
//! hearth's logs, `SIM_KEEP=1` keeps the database, `SIM_NO_SHRINK=1` skips the shrink.

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

/// The seeds CI runs and how long each runs for (see the README's figures).
const CI_SEEDS: std::ops::RangeInclusive<u64> = 1..=6;
const CI_DAYS: u32 = 365;

#[test]
fn a_year_of_whole_communities_keeps_every_promise_on_each_ci_seed() {
    let started = std::time::Instant::now();
    let mut total = sim::Report::default();
    for seed in CI_SEEDS {
        let config = Config::new(seed, CI_DAYS);
        let report = sim::run_seed(&config);
        assert!(report.failure.is_none(), "{}", explain(&config, &report));
        total.steps += report.steps;
        total.crashes += report.crashes;
        total.delivered += report.delivered;
        total.faults.server_errors += report.faults.total();
    }
    eprintln!(
        "{} seeds x {CI_DAYS} days: {} steps, {} delivered, {} faults, {} crashes, {:?}",
        CI_SEEDS.count(),
        total.steps,
        total.delivered,
        total.faults.server_errors,
        total.crashes,
        started.elapsed()
    );
}

#[test]
fn the_same_seed_replays_bit_for_bit() {
    let config = Config::new(7, 45);
    let first = sim::run_seed(&config);
    let second = sim::run_seed(&config);
    assert!(first.failure.is_none(), "{}", explain(&config, &first));
    assert!(first.crashes > 0 && first.faults.total() > 0, "{first:?}");
    assert_eq!(
        (
            first.digest,
            first.steps,
            first.delivered,
            first.crashes,
            first.faults
        ),
        (
            second.digest,
            second.steps,
            second.delivered,
            second.crashes,
            second.faults
        )
    );
}

/// Runs seeds with a planted fault until an invariant breaks; returns its name.
fn first_broken(
    planted: Planted,
    seeds: std::ops::RangeInclusive<u64>,
    days: u32,
) -> Option<(u64, &'static str)> {
    seeds.into_iter().find_map(|seed| {
        let mut config = Config::new(seed, days);
        config.planted = planted;
        sim::run_seed(&config).failure.map(|f| (seed, f.violation.name))
    })
}

#[test]
fn posting_without_the_nonce_is_caught_as_a_message_delivered_twice() {
    let planted = Planted {
        drop_nonce: true,
        ..Planted::default()
    };
    let caught = first_broken(planted, 1..=3, 60);
    assert!(
        matches!(caught, Some((_, "delivered-once"))),
        "a dropped nonce should show as a duplicate: {caught:?}"
    );
}

#[test]
fn a_dispatcher_without_its_pacer_is_caught_breaking_discords_limits() {
    let planted = Planted {
        unpaced: true,
        ..Planted::default()
    };
    let caught = first_broken(planted, 1..=3, 60);
    assert!(
        matches!(caught, Some((_, "pacing"))),
        "bursts past 5 posts in 5 s should be caught: {caught:?}"
    );
}
