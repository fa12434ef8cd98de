//! The chat port: what the app says, independent of where it is shown.
//!
//! A [`Reply`] is built by a use-case and rendered by an adapter: Discord turns
//! times into `<t:UNIX:F>` timestamps so every member reads their own zone; the
//! console prints the group's local time with its zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use crate::domain::event::EventDetails;

/// Who sees a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the person who asked (Discord's ephemeral message).
    Private,
    /// Everyone in the channel.
    Public,
}

/// The feeling of a reply, which adapters may show as a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Done,
    /// The input could not be used, or the person may not do this.
    Problem,
}

/// How a point in time is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    /// Weekday, date and time: `Tuesday, 10 March 2026 18:30`.
    Full,
    /// `in 3 days`, `2 hours ago`.
    Relative,
    /// The time of day alone, `16:00`: the end of a window whose start is shown in full.
    ClockTime,
}

/// One piece of a line of text.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Plain(String),
    Strong(String),
    /// A moment, with the zone of the group it belongs to.
    Time {
        at: DateTime<Utc>,
        zone: Tz,
        style: TimeStyle,
    },
    /// A channel as stored: `#circle`, or a Discord channel id.
    Channel(String),
    /// A member by id (`console:sam` in the console), shown as the platform names them
    /// and never as a ping.
    User(String),
}

/// A line of text made of spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text(pub Vec<Span>);

impl Text {
    pub fn new() -> Self {
        Text(Vec::new())
    }

    pub fn plain(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Plain(s.into()));
        self
    }

    pub fn strong(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Strong(s.into()));
        self
    }

    pub fn time(mut self, at: DateTime<Utc>, zone: Tz, style: TimeStyle) -> Self {
        self.0.push(Span::Time { at, zone, style });
        self
    }

    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.0.push(Span::Channel(channel.into()));
        self
    }

    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.0.push(Span::User(user_id.into()));
        self
    }

    /// This text followed by another.
    pub fn then(mut self, other: Text) -> Self {
        self.0.extend(other.0);
        self
    }

    /// The text with times in UTC and channels as stored: for logs and tests.
    pub fn to_plain_string(&self) -> String {
        self.0
            .iter()
            .map(|span| match span {
                Span::Plain(s) | Span::Strong(s) | Span::Channel(s) | Span::User(s) => s.clone(),
                Span::Time { at, .. } => at.format("%Y-%m-%d %H:%M UTC").to_string(),
            })
            .collect()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::new().plain(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::new().plain(s)
    }
}

/// A button under a post: a session card's Going / Maybe / Can't make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// What a click sends back, e.g. `rsvp:12:going`.
    pub id: String,
    pub label: String,
    /// The one a person most likely wants, shown more strongly.
    pub primary: bool,
}

/// A file that goes with a reply: a Discord attachment, a file written next to the
/// database in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name, e.g. `report-2026-01-to-2026-03.csv`: plain ASCII, no path.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a command answers, or what the bot posts.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub visibility: Visibility,
    pub tone: Tone,
    pub title: Option<String>,
    pub lines: Vec<Text>,
    pub buttons: Vec<Button>,
    /// Files that go with it (a privacy export, a report's CSV and chart).
    pub files: Vec<Attachment>,
    /// The zone of the group a post is about, for an adapter that prints it with a
    /// local time (the console) when no time in its lines says which zone.
    pub zone: Option<Tz>,
}

impl Reply {
    /// A post for everyone in a channel.
    pub fn public(tone: Tone, title: impl Into<String>) -> Self {
        Reply {
            visibility: Visibility::Public,
            tone,
            title: Some(title.into()),
            lines: Vec::new(),
            buttons: Vec::new(),
            files: Vec::new(),
            zone: None,
        }
    }

    /// A private reply: what most commands answer, so the channel stays calm.
    pub fn private(tone: Tone, title: impl Into<String>) -> Self {
        Reply {
            visibility: Visibility::Private,
            tone,
            title: Some(title.into()),
            lines: Vec::new(),
            buttons: Vec::new(),
            files: Vec::new(),
            zone: None,
        }
    }

    /// A private reply that says something went wrong and how to fix it.
    pub fn problem(message: impl Into<String>) -> Self {
        Reply {
            visibility: Visibility::Private,
            tone: Tone::Problem,
            title: None,
            lines: vec![Text::from(message.into())],
            buttons: Vec::new(),
            files: Vec::new(),
            zone: None,
        }
    }

    /// Says which group's zone the post belongs to (see [`Reply::zone`]).
    pub fn in_zone(mut self, zone: Tz) -> Self {
        self.zone = Some(zone);
        self
    }

    pub fn line(mut self, text: impl Into<Text>) -> Self {
        self.lines.push(text.into());
        self
    }

    pub fn file(mut self, name: impl Into<String>, bytes: Vec<u8>) -> Self {
        self.files.push(Attachment {
            name: name.into(),
            bytes,
        });
        self
    }

    pub fn lines(mut self, texts: impl IntoIterator<Item = Text>) -> Self {
        self.lines.extend(texts);
        self
    }

    /// Title and lines as plain text: for logs and tests.
    pub fn to_plain_string(&self) -> String {
        let mut out = self.title.clone().map(|t| format!("{t}\n")).unwrap_or_default();
        for line in &self.lines {
            out.push_str(&line.to_plain_string());
            out.push('\n');
        }
        out
    }
}

/// Where a posted message lives, so it can be edited or threaded later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub channel: String,
    pub message: String,
}

/// Why a post did not arrive. The dispatcher retries `Transient` and `RateLimited`
/// and falls back or records the others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later: a timeout, a 5xx.
    #[error("temporary failure ({detail})")]
    Transient {
        retry_after: Option<std::time::Duration>,
        detail: String,
    },
    /// The platform asked to wait (Discord's 429): not the job's fault, so it is not
    /// counted as a failed try. `global` when the wait holds for every channel.
    #[error("asked to wait {retry_after:?} by the platform's rate limit")]
    RateLimited {
        retry_after: std::time::Duration,
        global: bool,
    },
    /// The channel was deleted, or hearth can no longer see it.
    #[error("the channel is gone or hidden from hearth")]
    ChannelGone,
    /// The member does not accept direct messages from hearth.
    #[error("the member does not accept direct messages")]
    CannotDm,
    /// hearth lacks a permission it needs (Discord's 50013): Create Events, say.
    #[error("missing permission: {0}")]
    MissingPermission(String),
    /// The server holds as many scheduled events as the platform allows (Discord's
    /// 30038: 100 scheduled or active).
    #[error("the server holds as many scheduled events as it may")]
    TooManyEvents,
    /// The scheduled event is no longer there (deleted by someone in the server).
    #[error("the scheduled event is gone")]
    EventGone,
    /// Refused for another lasting reason (invalid content, say).
    #[error("refused: {0}")]
    Refused(String),
}

/// A boxed future, so the port can be used as `Arc<dyn ChatPort>`.
pub type ChatFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, DeliveryError>> + Send + 'a>>;

/// What the app and the engine need from a chat platform. Adapters implement it:
/// Discord for real, the console by printing.
pub trait ChatPort: Send + Sync + 'static {
    /// Posts to a channel. `nonce` (at most 25 characters) makes a repeated post of the
    /// same job a no-op on platforms that support it.
    fn post<'a>(&'a self, channel: &'a str, message: &'a Reply, nonce: &'a str)
        -> ChatFuture<'a, MessageRef>;

    /// Replaces the content of an earlier post.
    fn edit<'a>(&'a self, at: &'a MessageRef, message: &'a Reply) -> ChatFuture<'a, ()>;

    /// Sends a direct message to a member.
    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef>;

    /// Opens a thread on a post and returns the thread's channel.
    fn create_thread<'a>(&'a self, at: &'a MessageRef, name: &'a str) -> ChatFuture<'a, String>;

    /// Whether the platform shows scheduled events (Discord's Events tab), and so
    /// whether the three calls below do anything. The engine skips event syncs on a
    /// platform without them.
    fn has_events(&self) -> bool {
        false
    }

    /// Creates a one-off scheduled event in a community (a Discord guild) for a
    /// session, somewhere outside the platform, and returns its id.
    fn create_event<'a>(&'a self, _community: &'a str, _event: &'a EventDetails) -> ChatFuture<'a, String> {
        Box::pin(async { Err(no_events()) })
    }

    /// Changes what a scheduled event says (its times after a move, its details).
    fn update_event<'a>(
        &'a self,
        _community: &'a str,
        _event_id: &'a str,
        _event: &'a EventDetails,
    ) -> ChatFuture<'a, ()> {
        Box::pin(async { Err(no_events()) })
    }

    /// Removes a scheduled event (its session was cancelled, ended, or gave its place
    /// to a nearer one).
    fn delete_event<'a>(&'a self, _community: &'a str, _event_id: &'a str) -> ChatFuture<'a, ()> {
        Box::pin(async { Err(no_events()) })
    }

    /// Until when the platform said a lane (a channel id, or [`dm_lane`] of a member)
    /// has no room, from the rate-limit headers of its latest answers. `None` when it
    /// has room, or the platform says nothing of its limits.
    fn limited_until(&self, _lane: &str) -> Option<tokio::time::Instant> {
        None
    }
}

/// What a platform without scheduled events answers (see [`ChatPort::has_events`]).
fn no_events() -> DeliveryError {
    DeliveryError::Refused("this platform has no scheduled events".into())
}

/// The lane of a community's scheduled events: one sync at a time, paced.
pub fn events_lane(community: &str) -> String {
    format!("events:{community}")
}

/// The lane of a member's direct messages: DMs to one member go one at a time and
/// are paced together, as posts to one channel are.
pub fn dm_lane(user: &str) -> String {
    format!("dm:{user}")
}
