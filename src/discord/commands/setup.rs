//! `/setup`.

use poise::serenity_prelude as serenity;

use crate::app::setup::SetupInput;
use crate::discord::{autocomplete, respond, Context, Error};

use super::channel_ref;

/// Set your community's defaults: time zone, coordinator role, alerts channel, support text
#[poise::command(slash_command, guild_only)]
pub async fn setup(
    ctx: Context<'_>,
    #[description = "Default time zone for new groups, e.g. Europe/London"]
    #[autocomplete = "autocomplete::timezone"]
    timezone: Option<String>,
    #[description = "Members with this role can organise, as well as those with Manage Server"]
    coordinator_role: Option<serenity::RoleId>,
    #[description = "Where hearth tells coordinators about problems"]
    #[channel_types("Text", "News")]
    alerts_channel: Option<serenity::ChannelId>,
    #[description = "Signposting shown by /support: crisis lines, local services"] support_text: Option<
        String,
    >,
    #[description = "Days attendance is kept (1 to 3650)"] retention_days: Option<i64>,
) -> Result<(), Error> {
    let input = SetupInput {
        timezone,
        coordinator_role: coordinator_role.map(|r| r.get().to_string()),
        alerts_channel: alerts_channel.map(channel_ref),
        support_text,
        retention_days,
    };
    respond(ctx, |app, actor| async move { app.setup(&actor, input).await }).await
}
