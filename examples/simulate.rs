//! Long runs of the simulator (see `tests/sim/mod.rs`): many seeds, each a stretch of
//! whole communities with Discord's faults and crashes, every invariant after every
//! step. Exits non-zero on the first failure, printing its seed and the shortest
//! step log that reproduces it.
//!
//! ```text
//! cargo run --release --example simulate -- --seeds 1000 --first-seed 1 --days 365
//! ```

#[path = "../tests/sim/mod.rs"]
mod sim;

use std::process::ExitCode;
use std::time::Instant;

fn value(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(at) => args
            .get(at + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} takes a whole number")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let shrink_budget = match value(&args, "--shrink", 200) {
        Ok(budget) => budget as usize,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::from(2);
        }
    };
    let read = || -> Result<(u64, u64, u32, u32), String> {
        Ok((
            value(&args, "--seeds", 10)?,
            value(&args, "--first-seed", 1)?,
            u32::try_from(value(&args, "--days", 365)?).map_err(|e| e.to_string())?,
            u32::try_from(value(&args, "--communities", 3)?).map_err(|e| e.to_string())?,
        ))
    };
    let (seeds, first, days, communities) = match read() {
        Ok(read) => read,
        Err(problem) => {
            eprintln!("{problem}\nusage: simulate [--seeds N] [--first-seed S] [--days D] [--communities C] [--shrink RUNS] [--keep-going]");
            return ExitCode::from(2);
        }
    };
    // `--keep-going`: note a failing seed (its seed and failure, no shrink) and go on.
    let keep_going = args.iter().any(|a| a == "--keep-going");
    let mut failed_seeds = Vec::new();
    let started = Instant::now();
    let mut total = sim::Report::default();
    for seed in first..first + seeds {
        let mut config = sim::Config::new(seed, days);
        config.shape.communities = communities;
        let report = sim::run_seed(&config);
        sim::profile::print();
        total.steps += report.steps;
        total.actions += report.actions;
        total.engine_steps += report.engine_steps;
        total.delivered += report.delivered;
        total.crashes += report.crashes;
        total.forgets += report.forgets;
        total.refused += report.refused;
        total.faults.server_errors += report.faults.server_errors;
        total.faults.rate_limited += report.faults.rate_limited;
        total.faults.timeouts += report.faults.timeouts;
        total.faults.landed_timeouts += report.faults.landed_timeouts;
        total.faults.channel_gone += report.faults.channel_gone;
        total.faults.dms_closed += report.faults.dms_closed;
        total.faults.deduped += report.faults.deduped;
        if let Some(failure) = &report.failure {
            eprintln!("seed {seed} failed: {failure}");
            if keep_going {
                failed_seeds.push(seed);
                continue;
            }
            let steps = sim::workload::generate(seed, config.shape);
            let failing = &steps[..failure.at_step.min(steps.len())];
            let shortest = sim::shrink(&config, failing, failure.violation.name, shrink_budget);
            eprintln!(
                "shortest step log ({} steps), replay with --seeds 1 --first-seed {seed} --days {days}:",
                shortest.len()
            );
            for step in &shortest {
                eprintln!("  {step}");
            }
            return ExitCode::FAILURE;
        }
        eprintln!(
            "seed {seed} (a pool of {}): {} steps, {} delivered, {} faults, {} crashes, {} forgets, db {:016x}, {:?} so far",
            config.connections,
            report.steps,
            report.delivered,
            report.faults.total(),
            report.crashes,
            report.forgets,
            report.db_digest,
            started.elapsed()
        );
    }
    let f = total.faults;
    println!(
        "{seeds} seeds x {days} days ({communities} communities each): {} steps ({} workload, {} dispatcher), \
         {} messages delivered; faults injected: {} 5xx, {} 429, {} timeouts ({} after the post landed), \
         {} deleted channel, {} closed DMs, {} repeats dropped by nonce; {} crashes; {} members forgotten; \
         {} requests refused as members would be; {:.1?}",
        total.steps,
        total.actions,
        total.engine_steps,
        total.delivered,
        f.server_errors,
        f.rate_limited,
        f.timeouts,
        f.landed_timeouts,
        f.channel_gone,
        f.dms_closed,
        f.deduped,
        total.crashes,
        total.forgets,
        total.refused,
        started.elapsed()
    );
    if !failed_seeds.is_empty() {
        eprintln!("failed seeds: {failed_seeds:?}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
