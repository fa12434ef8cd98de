//! `/group create|edit|list|info|archive`.

use poise::serenity_prelude as serenity;

use crate::app::groups::{GroupCreate, GroupEdit};
use crate::app::input;
use crate::app::input::{GroupKind, Privacy};
use crate::discord::{autocomplete, respond, Context, Error};

use super::channel_ref;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KindChoice {
    #[name = "meeting"]
    Meeting,
    #[name = "drop-in"]
    DropIn,
}

impl From<KindChoice> for GroupKind {
    fn from(choice: KindChoice) -> Self {
        match choice {
            KindChoice::Meeting => GroupKind::Meeting,
            KindChoice::DropIn => GroupKind::DropIn,
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

impl From<PrivacyChoice> for Privacy {
    fn from(choice: PrivacyChoice) -> Self {
        match choice {
            PrivacyChoice::Headcount => Privacy::Headcount,
            PrivacyChoice::Private => Privacy::Private,
            PrivacyChoice::Public => Privacy::Public,
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
    respond(ctx, |app, actor| async move {
        let input = GroupCreate {
            name,
            channel: channel_ref(channel),
            timezone: input::optional(timezone.as_deref(), input::zone)?,
            kind: kind.map(GroupKind::from),
            description,
            capacity,
            facilitators_needed,
            privacy: privacy.map(Privacy::from),
            announce: input::optional(announce.as_deref(), input::duration)?,
        };
        app.group_create(&actor, input).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    #[max_length = 64] name: Option<String>,
    #[channel_types("Text", "News")] channel: Option<serenity::ChannelId>,
    rota: Option<bool>,
    swap_approval: Option<super::rota::ApprovalChoice>,
    #[channel_types("Text", "News")] rota_channel: Option<serenity::ChannelId>,
    answers: Option<bool>,
    listed: Option<bool>,
    checkout: Option<bool>,
    debrief: Option<bool>,
    events: Option<bool>,
    #[autocomplete = "autocomplete::timezone"] timezone: Option<String>,
    kind: Option<KindChoice>,
    #[max_length = 300] description: Option<String>,
    capacity: Option<String>,
    #[min = 0]
    #[max = 20]
    facilitators_needed: Option<i64>,
    privacy: Option<PrivacyChoice>,
    announce: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let input = GroupEdit {
            group,
            name,
            channel: channel.map(channel_ref),
            timezone: input::optional(timezone.as_deref(), input::zone)?,
            kind: kind.map(GroupKind::from),
            description,
            capacity: input::optional(capacity.as_deref(), input::capacity_change)?,
            facilitators_needed,
            privacy: privacy.map(Privacy::from),
            announce: input::optional(announce.as_deref(), input::duration)?,
            rota: crate::app::rota::RotaChanges {
                auto_fill: rota,
                swap_approval: swap_approval.map(Into::into),
                rota_channel: rota_channel.map(channel_ref),
            },
            answers,
            listed,
            checkout,
            debrief,
            events,
        };
        app.group_edit(&actor, input).await
    })
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
