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

/// Groups: create, edit, list, info, archive
#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "edit", "list", "info", "archive"),
    subcommand_required
)]
pub async fn group(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Start a group
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn create(
    ctx: Context<'_>,
    #[description = "The group's name, e.g. Tuesday Circle"] name: String,
    #[description = "Where its cards and reminders are posted"]
    #[channel_types("Text", "News")]
    channel: serenity::ChannelId,
    #[description = "Its time zone (default: the community's)"]
    #[autocomplete = "autocomplete::timezone"]
    timezone: Option<String>,
    #[description = "Scheduled meetings or a drop-in"] kind: Option<KindChoice>,
    #[description = "A sentence about the group"] description: Option<String>,
    #[description = "Places per session (leave out for no limit)"] capacity: Option<i64>,
    #[description = "Facilitators each session needs (default 1)"] facilitators_needed: Option<i64>,
    #[description = "Who sees who is coming (default headcount)"] privacy: Option<PrivacyChoice>,
    #[description = "How long before each session its card goes up, e.g. 7d (default) or 2d"]
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

/// Change a group's settings
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "The group"]
    #[autocomplete = "autocomplete::group"]
    group: String,
    #[description = "A new name"] name: Option<String>,
    #[description = "A new channel"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::ChannelId>,
    #[description = "A new time zone (sessions keep their local times)"]
    #[autocomplete = "autocomplete::timezone"]
    timezone: Option<String>,
    #[description = "Scheduled meetings or a drop-in"] kind: Option<KindChoice>,
    #[description = "A sentence about the group"] description: Option<String>,
    #[description = "Places per session, or none for no limit"] capacity: Option<String>,
    #[description = "Facilitators each session needs"] facilitators_needed: Option<i64>,
    #[description = "Who sees who is coming"] privacy: Option<PrivacyChoice>,
    #[description = "How long before each session its card goes up, e.g. 7d or 2d"] announce: Option<String>,
) -> Result<(), Error> {
    let channel = channel.map(channel_ref);
    respond(ctx, |app, actor| async move {
        let input = GroupEdit {
            group,
            name,
            channel,
            timezone,
            kind: kind.map(|k| k.as_str().to_string()),
            description,
            capacity: capacity.map(|c| c.parse()).transpose()?,
            facilitators_needed,
            privacy: privacy.map(|p| p.as_str().to_string()),
            announce,
        };
        app.group_edit(&actor, input).await
    })
    .await
}

/// Every group in this community
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.group_list(&actor).await }).await
}

/// One group's settings, series and next session
#[poise::command(slash_command, guild_only)]
pub async fn info(
    ctx: Context<'_>,
    #[description = "The group"]
    #[autocomplete = "autocomplete::group"]
    group: String,
) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.group_info(&actor, &group).await },
    )
    .await
}

/// Retire a group, keeping its history
#[poise::command(slash_command, guild_only)]
pub async fn archive(
    ctx: Context<'_>,
    #[description = "The group"]
    #[autocomplete = "autocomplete::group"]
    group: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.group_archive(&actor, &group).await
    })
    .await
}
