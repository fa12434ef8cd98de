//! hearth: a chat bot for peer-support communities.
//!
//! Adapters (`console`, `discord`, `web`) call the use-cases in `app`, which apply the pure
//! rules of `domain` and keep their state through `store`. See DESIGN.md.

pub mod app;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod discord;
pub mod domain;
pub mod engine;
pub mod report;
pub mod startup;
pub mod store;
pub mod web;
