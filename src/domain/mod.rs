//! Pure rules: no tokio, no sqlx, no serenity. Time is always a parameter.
//!
//! - [`time`]: one folder of small files: the one DST policy (`time::dst`), zone
//!   matching, input parsing, and the two kinds of schedule, [`recurrence`] (meeting
//!   series as RFC 5545 rules) and [`cron`] (check-in prompts as 5-field crontab
//!   lines), both expanded in local wall time.
//! - [`alert`]: notes for coordinators in the alerts channel, each once.
//! - [`dropin`]: drop-in opening windows, closed days, and whether one is open now.
//! - [`event`]: sessions mirrored as Discord scheduled events, nearest first, capped.
//! - [`group`]: what a group is allowed to be (names, kinds, privacy, capacity).
//! - [`session`]: materialising a series into sessions without losing existing rows.
//! - [`role`]: who may do what.
//! - [`rota`]: the facilitator rota: hard rules and the fair, deterministic fill.
//! - [`rsvp`]: answers, capacity and the waitlist; a click decided whole.
//! - [`reminder`]: reminder offsets and when each reminder is due.
//! - [`prompt`]: check-in prompts, the shuffle bag that rotates a deck, the default deck.
//! - [`job`]: the outbox: job kinds and states, planned reminders, retry backoff.
//! - [`privacy`]: the counts that outlive forgotten and purged details; retention limits.
//! - [`outcome`]: the check-out question and its window, one-way markers, debriefs.
//! - [`quarterly`]: the quarterly "what has this group meant to you?", unlinked.
//! - [`report`]: reports for funders: monthly figures, small-number suppression, CSV.
//! - [`text`]: what text a person may store, and Discord's limits on where it shows.
//! - [`shard`]: which Discord shards a process runs, and when it may start them.

pub mod alert;
pub mod calendar;
pub mod dropin;
pub mod event;
pub mod group;
pub mod job;
pub mod outcome;
pub mod privacy;
pub mod prompt;
pub mod quarterly;
pub mod reminder;
pub mod report;
pub mod role;
pub mod rota;
pub mod rsvp;
pub mod session;
pub mod shard;
pub mod text;
pub mod time;

/// Where the schedules have always been found.
pub use time::{cron, recurrence};

#[cfg(test)]
mod dst_suite;
