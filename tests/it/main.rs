//! hearth's integration tests: the app's use-cases on a real (in-memory) SQLite
//! store, the console binary driven by scripts, and hearth on Discord against a
//! fake Discord on loopback.

mod support;

mod console;
mod discord;
mod discord_dropin;
mod discord_events;
mod discord_outcomes;
mod discord_privacy;
mod discord_quarterly;
mod discord_rota;
mod discord_rsvp;
mod dropin;
mod engine;
mod engine_discord;
mod groups;
mod meetings;
mod outcomes;
mod privacy;
mod prompts;
mod quarterly;
mod readme;
mod rota;
mod rsvp;
mod schema;
mod series_end;
mod signposting;
mod startup;
mod web;
mod web_browser;
