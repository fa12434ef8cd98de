//! The chat port over Discord's REST API: posts, edits, DMs and threads.
//!
//! These calls go out through hearth's own HTTP client (with serenity's routes and
//! builders) rather than serenity's `Http`, so hearth can read Discord's rate-limit
//! answers itself — serenity drops a 429's body when its limiter is off, which it must
//! be behind a shared rate-limit proxy. A 429 is handed back to the dispatcher with its
//! wait (never slept on here, so one channel's wait holds up no other), and the
//! `X-RateLimit-Remaining` / `X-RateLimit-Reset-After` headers of every answer say
//! when a channel's bucket is empty, so the dispatcher holds that channel back before
//! Discord has to refuse. Posts carry a nonce with `enforce_nonce`, so a repeated post
//! of the same job is dropped by Discord.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::http::{LightMethod, Request, Route};
use tokio::time::Instant;

use crate::chat::{
    dm_lane, events_lane, ChatFuture, ChatPort, DeliveryError, EventDetails, MessageRef, Reply,
};

use super::render;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Discord's JSON error codes hearth treats as lasting.
const UNKNOWN_CHANNEL: i64 = 10003;
const UNKNOWN_MESSAGE: i64 = 10008;
const CANNOT_DM: i64 = 50007;
const MISSING_ACCESS: i64 = 50001;
const MISSING_PERMISSIONS: i64 = 50013;
const MAX_SCHEDULED_EVENTS: i64 = 30038;
const UNKNOWN_SCHEDULED_EVENT: i64 = 10070;

/// Discord's EXTERNAL event type (somewhere outside Discord, with a location) and its
/// only privacy level (members of the server).
const EXTERNAL: u8 = 3;
const GUILD_ONLY: u8 = 2;

pub struct DiscordChat {
    client: reqwest::Client,
    token: String,
    /// Replaces `https://discord.com` when set (a rate-limit proxy, or tests).
    proxy: Option<String>,
    /// Lanes whose bucket Discord said is empty, and when it refills. A std mutex:
    /// held for a look-up or an insert, never across an await.
    empty_buckets: Mutex<HashMap<String, Instant>>,
}

/// What Discord's headers said about the bucket a request used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketState {
    pub remaining: u64,
    pub reset_after: Duration,
}

impl DiscordChat {
    pub fn new(token: &str, proxy: Option<String>) -> Result<Self, reqwest::Error> {
        Self::with_timeout(token, proxy, REQUEST_TIMEOUT)
    }

    /// The same with another request timeout.
    pub fn with_timeout(
        token: &str,
        proxy: Option<String>,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Self::with_client(token, proxy, client))
    }

    /// The same on an HTTP client of the caller's (tests on paused tokio time use one
    /// with no timers of its own: paused time jumps to the next timer whenever the
    /// runtime waits on the database, which would time calls out).
    pub fn with_client(token: &str, proxy: Option<String>, client: reqwest::Client) -> Self {
        let token = if token.starts_with("Bot ") {
            token.to_string()
        } else {
            format!("Bot {token}")
        };
        DiscordChat {
            client,
            token,
            proxy,
            empty_buckets: Mutex::new(HashMap::new()),
        }
    }

    fn buckets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // A poisoned map still holds valid instants: keep using it.
        self.empty_buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends a request and returns the JSON body of a success. `lane` is the lane the
    /// request's bucket belongs to, if the dispatcher paces it.
    async fn send(
        &self,
        request: Request<'_>,
        lane: Option<&str>,
    ) -> Result<serde_json::Value, DeliveryError> {
        let refuse =
            |e: &dyn std::fmt::Display| DeliveryError::Refused(format!("could not build the request: {e}"));
        let built = request
            .build(&self.client, &self.token, self.proxy.as_deref())
            .map_err(|e| refuse(&e))?
            .build()
            .map_err(|e| refuse(&e))?;
        let response = self
            .client
            .execute(built)
            .await
            .map_err(|e| DeliveryError::Transient {
                retry_after: None,
                detail: format!("no answer from Discord: {e}"),
            })?;
        let status = response.status();
        metrics::counter!("hearth_discord_requests_total", "status" => status.as_u16().to_string())
            .increment(1);
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| DeliveryError::Transient {
            retry_after: None,
            detail: format!("the answer broke off: {e}"),
        })?;
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        if let (Some(lane), Some(bucket)) = (lane, bucket_state(&headers)) {
            let mut buckets = self.buckets();
            if bucket.remaining == 0 {
                buckets.insert(lane.to_string(), Instant::now() + bucket.reset_after);
            } else {
                buckets.remove(lane);
            }
        }
        if status.is_success() {
            return Ok(json);
        }
        if status.as_u16() == 429 {
            let wait = retry_after(&headers, &json);
            let global = json.get("global").and_then(serde_json::Value::as_bool) == Some(true)
                || headers.get("x-ratelimit-global").is_some();
            tracing::warn!(?wait, global, "Discord asked hearth to slow down");
            metrics::counter!("hearth_discord_rate_limited_total").increment(1);
            return Err(DeliveryError::RateLimited {
                retry_after: wait,
                global,
            });
        }
        Err(classify(status.as_u16(), &json))
    }

    async fn open_dm(&self, user: &str) -> Result<String, DeliveryError> {
        let body = serde_json::to_vec(&serde_json::json!({ "recipient_id": user }))
            .map_err(|e| DeliveryError::Refused(e.to_string()))?;
        let json = self
            .send(
                Request::new(Route::UserMeDmChannels, LightMethod::Post).body(Some(body)),
                None,
            )
            .await?;
        id_of(&json)
    }

    async fn post_in(
        &self,
        channel: &str,
        lane: &str,
        message: &Reply,
        nonce: &str,
    ) -> Result<MessageRef, DeliveryError> {
        let channel_id = snowflake(channel)
            .map(serenity::ChannelId::new)
            .ok_or(DeliveryError::ChannelGone)?;
        let builder = serenity::CreateMessage::new()
            .embed(render::embed(message))
            .components(render::components(message))
            .allowed_mentions(serenity::CreateAllowedMentions::new())
            .nonce(serenity::Nonce::String(nonce.chars().take(25).collect()))
            .enforce_nonce(true);
        let body = serde_json::to_vec(&builder).map_err(|e| DeliveryError::Refused(e.to_string()))?;
        let json = self
            .send(
                Request::new(Route::ChannelMessages { channel_id }, LightMethod::Post).body(Some(body)),
                Some(lane),
            )
            .await?;
        Ok(MessageRef {
            channel: channel.to_string(),
            message: id_of(&json)?,
        })
    }
}

/// A session's event as Discord's JSON: EXTERNAL, no channel, its place as the
/// location, times in RFC 3339 (UTC).
pub fn event_body(event: &EventDetails) -> serde_json::Value {
    serde_json::json!({
        "name": event.name,
        "description": event.description,
        "entity_type": EXTERNAL,
        "channel_id": null,
        "entity_metadata": { "location": event.location },
        "scheduled_start_time": event.starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "scheduled_end_time": event.ends_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "privacy_level": GUILD_ONLY,
    })
}

fn guild_id(community: &str) -> Result<serenity::GuildId, DeliveryError> {
    snowflake(community)
        .map(serenity::GuildId::new)
        .ok_or_else(|| DeliveryError::Refused("not a Discord server id".into()))
}

fn event_id(id: &str) -> Result<serenity::ScheduledEventId, DeliveryError> {
    snowflake(id)
        .map(serenity::ScheduledEventId::new)
        .ok_or(DeliveryError::EventGone)
}

impl DiscordChat {
    async fn send_event(
        &self,
        community: &str,
        route: Route<'_>,
        method: LightMethod,
        event: Option<&EventDetails>,
    ) -> Result<serde_json::Value, DeliveryError> {
        let body = event
            .map(|event| serde_json::to_vec(&event_body(event)))
            .transpose()
            .map_err(|e| DeliveryError::Refused(e.to_string()))?;
        let lane = events_lane(community);
        self.send(Request::new(route, method).body(body), Some(&lane))
            .await
            .map_err(|error| match error {
                // A 404 here is the event (or the server), not a channel.
                DeliveryError::ChannelGone => DeliveryError::EventGone,
                other => other,
            })
    }
}

impl ChatPort for DiscordChat {
    fn has_events(&self) -> bool {
        true
    }

    fn create_event<'a>(&'a self, community: &'a str, event: &'a EventDetails) -> ChatFuture<'a, String> {
        Box::pin(async move {
            let guild_id = guild_id(community)?;
            let json = self
                .send_event(
                    community,
                    Route::GuildScheduledEvents { guild_id },
                    LightMethod::Post,
                    Some(event),
                )
                .await
                .map_err(|error| match error {
                    // No event to be gone yet: the server itself is unknown to hearth.
                    DeliveryError::EventGone => {
                        DeliveryError::Refused("Discord doesn't know this server".into())
                    }
                    other => other,
                })?;
            id_of(&json)
        })
    }

    fn update_event<'a>(
        &'a self,
        community: &'a str,
        event_id: &'a str,
        event: &'a EventDetails,
    ) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            let route = Route::GuildScheduledEvent {
                guild_id: guild_id(community)?,
                event_id: self::event_id(event_id)?,
            };
            self.send_event(community, route, LightMethod::Patch, Some(event))
                .await
                .map(|_| ())
        })
    }

    fn delete_event<'a>(&'a self, community: &'a str, event_id: &'a str) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            let route = Route::GuildScheduledEvent {
                guild_id: guild_id(community)?,
                event_id: self::event_id(event_id)?,
            };
            self.send_event(community, route, LightMethod::Delete, None)
                .await
                .map(|_| ())
        })
    }

    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        Box::pin(self.post_in(channel, channel, message, nonce))
    }

    fn edit<'a>(&'a self, at: &'a MessageRef, message: &'a Reply) -> ChatFuture<'a, ()> {
        Box::pin(async move {
            let channel_id = snowflake(&at.channel)
                .map(serenity::ChannelId::new)
                .ok_or(DeliveryError::ChannelGone)?;
            let message_id = snowflake(&at.message)
                .map(serenity::MessageId::new)
                .ok_or_else(|| DeliveryError::Refused("not a Discord message id".into()))?;
            let builder = serenity::EditMessage::new()
                .embed(render::embed(message))
                .components(render::components(message));
            let body = serde_json::to_vec(&builder).map_err(|e| DeliveryError::Refused(e.to_string()))?;
            self.send(
                Request::new(
                    Route::ChannelMessage {
                        channel_id,
                        message_id,
                    },
                    LightMethod::Patch,
                )
                .body(Some(body)),
                Some(&at.channel),
            )
            .await?;
            Ok(())
        })
    }

    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            let channel = self.open_dm(user).await?;
            self.post_in(&channel, &dm_lane(user), message, nonce)
                .await
                .map_err(|e| match e {
                    DeliveryError::ChannelGone => DeliveryError::CannotDm,
                    other => other,
                })
        })
    }

    fn create_thread<'a>(&'a self, at: &'a MessageRef, name: &'a str) -> ChatFuture<'a, String> {
        Box::pin(async move {
            let channel_id = snowflake(&at.channel)
                .map(serenity::ChannelId::new)
                .ok_or(DeliveryError::ChannelGone)?;
            let message_id = snowflake(&at.message)
                .map(serenity::MessageId::new)
                .ok_or_else(|| DeliveryError::Refused("not a Discord message id".into()))?;
            let body = serde_json::to_vec(
                // Public (a thread on a message always is), archived after a day quiet.
                &serde_json::json!({
                    "name": name.chars().take(100).collect::<String>(),
                    "auto_archive_duration": 1440,
                }),
            )
            .map_err(|e| DeliveryError::Refused(e.to_string()))?;
            let json = self
                .send(
                    Request::new(
                        Route::ChannelMessageThreads {
                            channel_id,
                            message_id,
                        },
                        LightMethod::Post,
                    )
                    .body(Some(body)),
                    None,
                )
                .await?;
            id_of(&json)
        })
    }

    fn limited_until(&self, lane: &str) -> Option<Instant> {
        let mut buckets = self.buckets();
        let until = *buckets.get(lane)?;
        if until <= Instant::now() {
            buckets.remove(lane);
            return None;
        }
        Some(until)
    }
}

/// The bucket an answer's `X-RateLimit-Remaining` and `X-RateLimit-Reset-After`
/// headers describe, if it has them.
pub fn bucket_state(headers: &reqwest::header::HeaderMap) -> Option<BucketState> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let remaining = header("x-ratelimit-remaining")?.parse::<u64>().ok()?;
    let reset_after = header("x-ratelimit-reset-after")?.parse::<f64>().ok()?;
    Some(BucketState {
        remaining,
        reset_after: Duration::from_secs_f64(reset_after.clamp(0.0, 3600.0)),
    })
}

fn snowflake(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok().filter(|id| *id != 0)
}

fn id_of(json: &serde_json::Value) -> Result<String, DeliveryError> {
    json.get("id")
        .and_then(|id| id.as_str())
        .map(String::from)
        .ok_or_else(|| DeliveryError::Refused("Discord's answer had no id".into()))
}

/// How long a 429 asks to wait: the JSON `retry_after` (seconds, fractional), else
/// the `Retry-After` or `X-RateLimit-Reset-After` header, else one second.
pub fn retry_after(headers: &reqwest::header::HeaderMap, body: &serde_json::Value) -> Duration {
    let from_header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    let seconds = body
        .get("retry_after")
        .and_then(serde_json::Value::as_f64)
        .or_else(|| from_header("retry-after"))
        .or_else(|| from_header("x-ratelimit-reset-after"))
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds.clamp(0.0, 3600.0))
}

/// Sorts a failed answer into what the dispatcher does next.
pub fn classify(status: u16, body: &serde_json::Value) -> DeliveryError {
    let code = body.get("code").and_then(serde_json::Value::as_i64).unwrap_or(-1);
    let message = body
        .get("message")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_string();
    match (status, code) {
        (_, CANNOT_DM) => DeliveryError::CannotDm,
        (_, MISSING_PERMISSIONS) => DeliveryError::MissingPermission(message),
        (_, MAX_SCHEDULED_EVENTS) => DeliveryError::TooManyEvents,
        (_, UNKNOWN_SCHEDULED_EVENT) => DeliveryError::EventGone,
        (_, UNKNOWN_CHANNEL) | (_, MISSING_ACCESS) | (404, _) => DeliveryError::ChannelGone,
        (_, UNKNOWN_MESSAGE) => DeliveryError::Refused("the message was deleted".into()),
        (500..=599, _) | (408, _) => DeliveryError::Transient {
            retry_after: None,
            detail: format!("Discord answered {status}"),
        },
        _ => DeliveryError::Refused(format!("Discord answered {status} {code}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lasting_failures_are_told_apart_from_passing_ones() {
        let body = |code: i64| serde_json::json!({ "code": code, "message": "x" });
        assert_eq!(classify(403, &body(50007)), DeliveryError::CannotDm);
        assert_eq!(classify(404, &body(10003)), DeliveryError::ChannelGone);
        assert!(matches!(
            classify(502, &serde_json::Value::Null),
            DeliveryError::Transient { .. }
        ));
        assert!(matches!(classify(400, &body(50035)), DeliveryError::Refused(_)));
        assert!(matches!(
            classify(403, &body(50013)),
            DeliveryError::MissingPermission(_)
        ));
        assert_eq!(classify(400, &body(30038)), DeliveryError::TooManyEvents);
        assert_eq!(classify(404, &body(10070)), DeliveryError::EventGone);
    }

    #[test]
    fn an_empty_bucket_is_read_from_the_headers() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(bucket_state(&headers), None);
        headers.insert(
            "x-ratelimit-remaining",
            reqwest::header::HeaderValue::from_static("0"),
        );
        headers.insert(
            "x-ratelimit-reset-after",
            reqwest::header::HeaderValue::from_static("4.250"),
        );
        assert_eq!(
            bucket_state(&headers),
            Some(BucketState {
                remaining: 0,
                reset_after: Duration::from_millis(4_250)
            })
        );
    }

    #[test]
    fn a_429_wait_comes_from_the_body_then_the_headers() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(
            retry_after(&headers, &serde_json::json!({ "retry_after": 0.25 })),
            Duration::from_millis(250)
        );
        headers.insert("retry-after", reqwest::header::HeaderValue::from_static("2"));
        assert_eq!(
            retry_after(&headers, &serde_json::Value::Null),
            Duration::from_secs(2)
        );
    }
}
