//! `/group create|edit|list|info|archive`.

use poise::serenity_prelude as serenity;

use crate::app::groups::{GroupCreate, GroupEdit};
use crate::discord::{autocomplete, respond, Context, Error};

use super::channel_ref;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KindChoice {
    #[name = "meeting"]
    Meeting,
    #[name = "drop-in"]
    DropIn,
}

impl KindChoice {
    fn as_str(self) -> &'static str {
        match self {
            KindChoice::Meeting => "meeting",
            KindChoice::DropIn => "drop-in",
        }
    }
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PrivacyChoice {
    #[name = "headcount: numbers, never names"]
    Headcount,
    #[name = "private: nobody sees who or how many"]
    Private,
    #[name = "public: members see names"]
    Public,
}

impl PrivacyChoice {
    fn as_str(self) -> &'static str {
        match self {
            PrivacyChoice::Headcount => "headcount",
            PrivacyChoice::Private => "private",
            PrivacyChoice::Public => "public",
        }
    }
}

#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "edit", "list", "info", "archive"),
    subcommand_required
)]
pub async fn group(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn create(
    ctx: Context<'_>,
    #[max_length = 64] name: String,
    #[channel_types("Text", "News")] channel: serenity::ChannelId,
    #[autocomplete = "autocomplete::timezone"] timezone: Option<String>,
    kind: Option<KindChoice>,
    #[max_length = 300] description: Option<String>,
    #[min = 1]
    #[max = 10_000]
    capacity: Option<i64>,
    #[min = 0]
    #[max = 20]
    facilitators_needed: Option<i64>,
    privacy: Option<PrivacyChoice>,
    announce: Option<String>,
) -> Result<(), Error> {
    let input = GroupCreate {
        name,
        channel: channel_ref(channel),
        timezone,
        kind: kind.map(|k| k.as_str().to_string()),
        description,
        capacity,
        facilitators_needed,
        privacy: privacy.map(|p| p.as_str().to_string()),
        announce,
    };
    respond(
        ctx,
        |app, actor| async move { app.group_create(&actor, input).await },
    )
    .await
}

#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    #[max_length = 64] name: Option<String>,
    #[channel_types("Text", "News")] channel: Option<serenity::ChannelId>,
    #[autocomplete = "autocomplete::timezone"] timezone: Option<String>,
    kind: Option<KindChoice>,
    #[max_length = 300] description: Option<String>,
    #[min = 1]
    #[max = 10_000]
    capacity: Option<i64>,
    #[min = 0]
    #[max = 20]
    facilitators_needed: Option<i64>,
    privacy: Option<PrivacyChoice>,
    announce: Option<String>,
) -> Result<(), Error> {
    let input = GroupEdit {
        group,
        name,
        channel: channel.map(channel_ref),
        timezone,
        kind: kind.map(|k| k.as_str().to_string()),
        description,
        capacity,
        facilitators_needed,
        privacy: privacy.map(|p| p.as_str().to_string()),
        announce,
    };
    respond(
        ctx,
        |app, actor| async move { app.group_edit(&actor, input).await },
    )
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.group_list(&actor).await }).await
}

#[poise::command(slash_command, guild_only)]
pub async fn info(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.group_info(&actor, &group).await },
    )
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn archive(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.group_archive(&actor, &group).await
    })
    .await
}
