//! The chat port over Discord's REST API: posts, edits, DMs and threads.
//!
//! These calls go out through hearth's own HTTP client (with serenity's routes and
//! builders) rather than serenity's `Http`, so hearth can read a 429's `retry_after`
//! and wait exactly that long — serenity drops that body when its limiter is off,
//! which it must be behind a shared rate-limit proxy. Posts carry a nonce with
//! `enforce_nonce`, so a repeated post of the same job is dropped by Discord.

use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::http::{LightMethod, Request, Route};

use crate::chat::{ChatFuture, ChatPort, DeliveryError, MessageRef, Reply};

use super::render;

/// How often one call waits out a 429 before giving the job back to the dispatcher.
const MAX_RATE_LIMIT_WAITS: u32 = 3;
/// A wait longer than this is handed back as a transient failure instead of slept.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Discord's JSON error codes hearth treats as lasting.
const UNKNOWN_CHANNEL: i64 = 10003;
const UNKNOWN_MESSAGE: i64 = 10008;
const CANNOT_DM: i64 = 50007;
const MISSING_ACCESS: i64 = 50001;

pub struct DiscordChat {
    client: reqwest::Client,
    token: String,
    /// Replaces `https://discord.com` when set (a rate-limit proxy, or tests).
    proxy: Option<String>,
}

impl DiscordChat {
    pub fn new(token: &str, proxy: Option<String>) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build()?;
        let token = if token.starts_with("Bot ") {
            token.to_string()
        } else {
            format!("Bot {token}")
        };
        Ok(DiscordChat { client, token, proxy })
    }

    /// Sends a request, waiting out 429s, and returns the JSON body of a success.
    async fn send(&self, request: Request<'_>) -> Result<serde_json::Value, DeliveryError> {
        let mut waits = 0;
        loop {
            let refuse = |e: &dyn std::fmt::Display| {
                DeliveryError::Refused(format!("could not build the request: {e}"))
            };
            let built = request
                .clone()
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
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(|e| DeliveryError::Transient {
                retry_after: None,
                detail: format!("the answer broke off: {e}"),
            })?;
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
            if status.is_success() {
                return Ok(json);
            }
            if status.as_u16() == 429 {
                let wait = retry_after(&headers, &json);
                if waits < MAX_RATE_LIMIT_WAITS && wait <= MAX_INLINE_WAIT {
                    waits += 1;
                    tracing::warn!(?wait, "Discord asked hearth to slow down; waiting");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(DeliveryError::Transient {
                    retry_after: Some(wait),
                    detail: "rate limited".into(),
                });
            }
            return Err(classify(status.as_u16(), &json));
        }
    }

    async fn open_dm(&self, user: &str) -> Result<String, DeliveryError> {
        let body = serde_json::to_vec(&serde_json::json!({ "recipient_id": user }))
            .map_err(|e| DeliveryError::Refused(e.to_string()))?;
        let json = self
            .send(Request::new(Route::UserMeDmChannels, LightMethod::Post).body(Some(body)))
            .await?;
        id_of(&json)
    }

    async fn post_in(
        &self,
        channel: &str,
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
            .send(Request::new(Route::ChannelMessages { channel_id }, LightMethod::Post).body(Some(body)))
            .await?;
        Ok(MessageRef {
            channel: channel.to_string(),
            message: id_of(&json)?,
        })
    }
}

impl ChatPort for DiscordChat {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Reply,
        nonce: &'a str,
    ) -> ChatFuture<'a, MessageRef> {
        Box::pin(self.post_in(channel, message, nonce))
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
            )
            .await?;
            Ok(())
        })
    }

    fn dm<'a>(&'a self, user: &'a str, message: &'a Reply, nonce: &'a str) -> ChatFuture<'a, MessageRef> {
        Box::pin(async move {
            let channel = self.open_dm(user).await?;
            self.post_in(&channel, message, nonce).await.map_err(|e| match e {
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
                &serde_json::json!({ "name": name.chars().take(100).collect::<String>() }),
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
                )
                .await?;
            id_of(&json)
        })
    }
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
