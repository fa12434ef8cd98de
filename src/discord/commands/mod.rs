//! One file per command group; each command maps its options to an `app` call.

pub mod calendar;
pub mod dropin;
pub mod group;
pub mod meeting;
pub mod privacy;
pub mod prompts;
pub mod quarterly;
pub mod reminders;
pub mod rota;
pub mod rsvp;
pub mod schedule;
pub mod setup;
pub mod status;
pub mod support;

use poise::serenity_prelude as serenity;

/// How a channel is stored: its id. (Options take the id alone, so poise need not
/// fetch the channel, which fails where hearth can't see it.)
pub(crate) fn channel_ref(channel: serenity::ChannelId) -> String {
    channel.get().to_string()
}
