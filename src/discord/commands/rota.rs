//! `/rota facilitator add|remove`, `show`, `mine`, `away`, `back`, `fill`, `assign`,
//! `unassign`, `swap`, `take`, `confirm`, `decline`, `settings`, `me` — each maps its
//! options to the typed `app` call. Who is a facilitator or lead of a group is the
//! app's decision, from the stored pool; this adapter only says who is a coordinator
//! and whether a named user is a member of the server.

use poise::serenity_prelude as serenity;

use crate::app::input;
use crate::app::input::SwapApproval;
use crate::app::rota::{Person, RotaSettingsInput};
use crate::discord::{autocomplete, respond, Context, Error};

use super::channel_ref;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ApprovalChoice {
    #[name = "none: the first to take a shift has it"]
    None,
    #[name = "coordinator: a coordinator approves each take"]
    Coordinator,
}

impl From<ApprovalChoice> for SwapApproval {
    fn from(choice: ApprovalChoice) -> Self {
        match choice {
            ApprovalChoice::None => SwapApproval::None,
            ApprovalChoice::Coordinator => SwapApproval::Coordinator,
        }
    }
}

/// A user option as a person: named as the server shows them, and a member only if
/// Discord resolved them as one of this server's members.
pub(crate) fn person(ctx: Context<'_>, user: &serenity::User) -> Person {
    let member = match &ctx {
        poise::Context::Application(app) => app.interaction.data.resolved.members.get(&user.id),
        poise::Context::Prefix(_) => None,
    };
    let name = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Person {
        user_id: user.id.get().to_string(),
        name,
        member: member.is_some(),
    }
}

fn weeks(weeks: Option<i64>) -> Option<u32> {
    weeks.and_then(|w| u32::try_from(w).ok())
}

#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "facilitator",
        "show",
        "mine",
        "away",
        "back",
        "fill",
        "assign",
        "unassign",
        "swap",
        "take",
        "confirm",
        "decline",
        "settings",
        "me"
    ),
    subcommand_required
)]
pub async fn rota(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(
    slash_command,
    guild_only,
    subcommands("facilitator_add", "facilitator_remove"),
    subcommand_required
)]
pub async fn facilitator(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only, rename = "add")]
pub async fn facilitator_add(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    user: serenity::User,
    lead: Option<bool>,
    #[min = 1]
    #[max = 31]
    monthly_cap: Option<i64>,
) -> Result<(), Error> {
    let person = person(ctx, &user);
    respond(ctx, |app, actor| async move {
        app.rota_facilitator_add(&actor, &group, person, lead.unwrap_or(false), monthly_cap)
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only, rename = "remove")]
pub async fn facilitator_remove(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    user: serenity::User,
) -> Result<(), Error> {
    let person = person(ctx, &user);
    respond(ctx, |app, actor| async move {
        app.rota_facilitator_remove(&actor, &group, person).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn show(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    #[min = 1]
    #[max = 12]
    weeks: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.rota_show(&actor, &group, self::weeks(weeks)).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn mine(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.rota_mine(&actor).await }).await
}

#[poise::command(slash_command, guild_only)]
pub async fn away(
    ctx: Context<'_>,
    from: String,
    to: String,
    #[autocomplete = "autocomplete::group"] group: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let (from, to) = (input::date(&from)?, input::date(&to)?);
        app.rota_away(&actor, from, to, group.as_deref()).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn back(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.rota_back(&actor).await }).await
}

#[poise::command(slash_command, guild_only)]
pub async fn fill(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    #[min = 1]
    #[max = 12]
    weeks: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.rota_fill(&actor, &group, self::weeks(weeks)).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn assign(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
    user: serenity::User,
    force: Option<bool>,
) -> Result<(), Error> {
    let person = person(ctx, &user);
    respond(ctx, |app, actor| async move {
        app.rota_assign(&actor, input::session(&session)?, person, force.unwrap_or(false))
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn unassign(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
    user: serenity::User,
) -> Result<(), Error> {
    let person = person(ctx, &user);
    respond(ctx, |app, actor| async move {
        app.rota_unassign(&actor, input::session(&session)?, person).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn swap(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.rota_swap(&actor, input::session(&session)?).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn take(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.rota_take(&actor, input::session(&session)?).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn confirm(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.rota_confirm(&actor, input::session(&session)?).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn decline(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.rota_decline(&actor, input::session(&session)?).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn settings(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    auto: Option<bool>,
    swap_approval: Option<ApprovalChoice>,
    #[channel_types("Text", "News")] rota_channel: Option<serenity::ChannelId>,
) -> Result<(), Error> {
    let input = RotaSettingsInput {
        group,
        auto_fill: auto,
        swap_approval: swap_approval.map(Into::into),
        rota_channel: rota_channel.map(|c| Some(channel_ref(c))),
    };
    respond(
        ctx,
        |app, actor| async move { app.rota_settings(&actor, input).await },
    )
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn me(ctx: Context<'_>, show_name: bool) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.rota_me(&actor, show_name).await },
    )
    .await
}
