//! A chat port that records every delivery with the time it happened, for engine
//! tests that need no HTTP. Users listed in `closed_dms` refuse DMs; channels in
//! `gone_channels` are deleted.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hearth::chat::{ChatFuture, ChatPort, DeliveryError, MessageRef, Reply};
use hearth::clock::Clock;
use tokio::sync::mpsc;

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// `#channel` for a post, `dm:USER` for a direct message.
    pub to: String,
    pub text: String,
    pub at: DateTime<Utc>,
    pub nonce: String,
    /// A session card (it carries buttons).
    pub is_card: bool,
}

pub struct RecordingChat {
    clock: Arc<dyn Clock>,
    sent: mpsc::UnboundedSender<Delivery>,
    pub closed_dms: Mutex<HashSet<String>>,
    pub gone_channels: Mutex<HashSet<String>>,
    /// Every edit, in order: kept apart from posts, which tests read as they come.
    pub edits: Mutex<Vec<Delivery>>,
    /// Told of each edit, so a test on paused time can wait for one without a timer.
    pub edited: tokio::sync::Notify,
}

impl RecordingChat {
    pub fn new(clock: Arc<dyn Clock>) -> (Arc<Self>, mpsc::UnboundedReceiver<Delivery>) {
        let (sent, received) = mpsc::unbounded_channel();
        let chat = RecordingChat {
            clock,
            sent,
            closed_dms: Mutex::default(),
            gone_channels: Mutex::default(),
            edits: Mutex::default(),
            edited: tokio::sync::Notify::new(),
        };
        (Arc::new(chat), received)
    }

    fn record(&self, to: String, message: &Reply, nonce: &str) -> MessageRef {
        let delivery = Delivery {
            to: to.clone(),
            text: message.to_plain_string(),
            at: self.clock.now(),
            nonce: nonce.to_string(),
            is_card: !message.buttons.is_empty(),
        };
        self.sent.send(delivery).expect("the test is listening");
        MessageRef {
            channel: to,
            message: nonce.to_string(),
        }
    }
}

impl ChatPort for RecordingChat {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            if self.gone_channels.lock().unwrap().contains(channel) {
                return Err(DeliveryError::ChannelGone);
            }
            Ok(self.record(channel.to_string(), message, nonce))
        })
    }

    fn edit<'a>(&'a self, at: &'a MessageRef, message: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            self.edits.lock().unwrap().push(Delivery {
                to: at.channel.clone(),
                text: message.to_plain_string(),
                at: self.clock.now(),
                nonce: at.message.clone(),
                is_card: !message.buttons.is_empty(),
            });
            self.edited.notify_one();
            Ok(())
        })
    }

    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            if self.closed_dms.lock().unwrap().contains(user) {
                return Err(DeliveryError::CannotDm);
            }
            Ok(self.record(format!("dm:{user}"), message, nonce))
        })
    }

    fn create_thread<'a>(&'a self, at: &'a MessageRef, _name: &'a str) -> ChatFuture<'a, String> {
        Box::pin(async move { Ok(at.channel.clone()) })
    }
}
