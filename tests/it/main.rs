//! hearth's integration tests: the app's use-cases on a real (in-memory) SQLite
//! store, and the console binary driven by scripts.

mod support;

mod console;
mod engine;
mod engine_discord;
mod groups;
mod meetings;
