//! `/setup`.

use poise::serenity_prelude as serenity;

use crate::app::input;
use crate::app::setup::SetupInput;
use crate::discord::{autocomplete, respond, Context, Error};

use super::channel_ref;

// One parameter per slash-command option: poise reads the options from the signature.
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
pub async fn setup(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::timezone"] timezone: Option<String>,
    coordinator_role: Option<serenity::RoleId>,
    #[channel_types("Text", "News")] alerts_channel: Option<serenity::ChannelId>,
    #[max_length = 1500] support_text: Option<String>,
    #[min = 1]
    #[max = 3650]
    retention_days: Option<i64>,
    #[min = 1]
    #[max = 3650]
    audit_retention_days: Option<i64>,
    small_counts: Option<bool>,
    quarterly: Option<bool>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let input = SetupInput {
            timezone: input::optional(timezone.as_deref(), input::zone)?,
            coordinator_role: coordinator_role.map(|r| r.get().to_string()),
            alerts_channel: alerts_channel.map(channel_ref),
            support_text,
            retention_days,
            audit_retention_days,
            small_counts_hidden: small_counts,
            quarterly,
        };
        app.setup(&actor, input).await
    })
    .await
}
