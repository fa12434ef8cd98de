//! Pure rules: no tokio, no sqlx, no serenity. Time is always a parameter.
//!
//! - [`time`]: time zones, the one DST policy, parsing what people type.
//! - [`recurrence`]: meeting series as RFC 5545 rules, expanded in local wall time.
//! - [`cron`]: check-in prompt schedules as 5-field crontab lines, in local wall time.
//! - [`group`]: what a group is allowed to be (names, kinds, privacy, capacity).
//! - [`session`]: materialising a series into sessions without losing existing rows.
//! - [`role`]: who may do what.
//! - [`rsvp`]: answers, capacity and the waitlist; a click decided whole.
//! - [`reminder`]: reminder offsets and when each reminder is due.
//! - [`prompt`]: check-in prompts, the shuffle bag that rotates a deck, the default deck.
//! - [`job`]: the outbox: job kinds and states, planned reminders, retry backoff.
//! - [`text`]: what text a person may store, and Discord's limits on where it shows.

pub mod cron;
pub mod group;
pub mod job;
pub mod prompt;
pub mod recurrence;
pub mod reminder;
pub mod role;
pub mod rsvp;
pub mod session;
pub mod text;
pub mod time;

#[cfg(test)]
mod dst_suite;
