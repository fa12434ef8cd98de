//! The chat port for the console: every post the bot makes, printed as a block with
//! its channel, the local time and the text.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::chat::{ChatFuture, ChatPort, EventDetails, MessageRef, Reply, Span};
use crate::clock::Clock;
use crate::domain::time::{format_local, Tz};

use super::render::render_reply;

/// Where printed posts go.
#[derive(Clone)]
pub enum Sink {
    /// Collected, to print in order with the command that caused them.
    Buffer(Arc<Mutex<String>>),
    /// Straight to standard output (real time, posts arrive between commands).
    Stdout,
}

pub struct ConsoleChat {
    clock: Arc<dyn Clock>,
    sink: Sink,
    next_id: AtomicU64,
    next_event: AtomicU64,
    /// The zone of each event it showed, so its removal is shown in local time too.
    event_zones: Mutex<std::collections::HashMap<String, Tz>>,
}

impl ConsoleChat {
    pub fn new(clock: Arc<dyn Clock>, sink: Sink) -> Self {
        ConsoleChat {
            clock,
            sink,
            next_id: AtomicU64::new(1),
            next_event: AtomicU64::new(1),
            event_zones: Mutex::default(),
        }
    }

    fn print(&self, heading: &str, message: &Reply) -> MessageRef {
        let now = self.clock.now();
        // The group's zone: said by the post, or travelling with the times in it.
        let zone = message
            .zone
            .or_else(|| {
                message
                    .lines
                    .iter()
                    .flat_map(|line| line.0.iter())
                    .find_map(|span| match span {
                        Span::Time { zone, .. } => Some(*zone),
                        _ => None,
                    })
            })
            .unwrap_or(Tz::UTC);
        let block = format!(
            "── {heading} · {} ──\n{}",
            format_local(now, zone),
            render_reply(message, now)
        );
        self.emit(&block);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        MessageRef {
            channel: heading.to_string(),
            message: id.to_string(),
        }
    }

    /// Prints a scheduled event as the server's Events tab would show it.
    fn print_event(&self, id: &str, heading: &str, event: &EventDetails) {
        let now = self.clock.now();
        self.event_zones
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string(), event.zone);
        self.emit(&format!(
            "── {heading} · {} ──\n  {}\n  {} to {}\n  {}\n",
            format_local(now, event.zone),
            event.name,
            format_local(event.starts_at, event.zone),
            format_local(event.ends_at, event.zone),
            event.location,
        ));
    }

    /// Prints a block where posts go.
    fn emit(&self, block: &str) {
        match &self.sink {
            Sink::Buffer(buffer) => buffer.lock().unwrap_or_else(|p| p.into_inner()).push_str(block),
            Sink::Stdout => {
                // `print!` would panic once the reader has closed the pipe; the post is
                // already stored, so a transcript nobody reads is only worth a log line.
                let mut out = std::io::stdout();
                if let Err(error) = out.write_all(block.as_bytes()).and_then(|()| out.flush()) {
                    tracing::debug!(%error, "a post could not be printed");
                }
            }
        }
    }
}

fn display_user(user: &str) -> &str {
    user.strip_prefix("console:").unwrap_or(user)
}

impl ChatPort for ConsoleChat {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Reply,
        _nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            let mut posted = self.print(&format!("post in {channel}"), message);
            posted.channel = channel.to_string();
            Ok(posted)
        })
    }

    fn edit<'a>(&'a self, at: &'a MessageRef, message: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            self.print(&format!("edit of post {} in {}", at.message, at.channel), message);
            Ok(())
        })
    }

    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, _nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move { Ok(self.print(&format!("DM to {}", display_user(user)), message)) })
    }

    fn has_events(&self) -> bool {
        true
    }

    fn create_event<'a>(&'a self, _community: &'a str, event: &'a EventDetails) -> ChatFuture<'a, String> {
        Box::pin(async move {
            let id = format!("event-{}", self.next_event.fetch_add(1, Ordering::Relaxed));
            self.print_event(
                &id,
                &format!("scheduled event {id} added to the server's Events"),
                event,
            );
            Ok(id)
        })
    }

    fn update_event<'a>(
        &'a self,
        _community: &'a str,
        event_id: &'a str,
        event: &'a EventDetails,
    ) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            self.print_event(event_id, &format!("scheduled event {event_id} changed"), event);
            Ok(())
        })
    }

    fn delete_event<'a>(&'a self, _community: &'a str, event_id: &'a str) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            let zone = self
                .event_zones
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(event_id)
                .unwrap_or(Tz::UTC);
            self.emit(&format!(
                "── scheduled event {event_id} removed from the server's Events · {} ──\n",
                format_local(self.clock.now(), zone)
            ));
            Ok(())
        })
    }

    fn create_thread<'a>(&'a self, at: &'a MessageRef, name: &'a str) -> ChatFuture<'a, String> {
        Box::pin(async move {
            self.emit(&format!(
                "  ↳ thread \"{name}\" opened on it (public, archived after a day)\n"
            ));
            Ok(format!("{} › {name}", at.channel))
        })
    }
}
