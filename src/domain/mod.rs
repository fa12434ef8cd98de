//! Pure rules: no tokio, no sqlx, no serenity. Time is always a parameter.
//!
//! - [`time`]: time zones, the one DST policy, parsing what people type.
//! - [`recurrence`]: meeting series as RFC 5545 rules, expanded in local wall time.
//! - [`group`]: what a group is allowed to be (names, kinds, privacy, capacity).
//! - [`session`]: materialising a series into sessions without losing existing rows.
//! - [`role`]: who may do what.
//! - [`rota`]: the facilitator rota: hard rules and the fair, deterministic fill.
//! - [`rsvp`]: answers, capacity and the waitlist; a click decided whole.
//! - [`reminder`]: reminder offsets and when each reminder is due.
//! - [`job`]: the outbox: job kinds and states, planned reminders, retry backoff.
//! - [`text`]: what text a person may store, and Discord's limits on where it shows.

pub mod group;
pub mod job;
pub mod recurrence;
pub mod reminder;
pub mod role;
pub mod rota;
pub mod rsvp;
pub mod session;
pub mod text;
pub mod time;

#[cfg(test)]
mod dst_suite;
