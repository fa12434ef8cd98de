//! `/dropin hours|closed|list|status|here|leave`: drop-in hours, closed days, status and duty.

use crate::app::input;
use crate::discord::{autocomplete, respond, Context, Error};

#[poise::command(
    slash_command,
    guild_only,
    subcommands("hours", "closed", "list", "status", "here", "leave"),
    subcommand_required
)]
pub async fn dropin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn hours(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    days: Option<String>,
    from: Option<String>,
    to: Option<String>,
    clear: Option<bool>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let days = days.as_deref().map(input::weekdays).transpose()?;
        let from = from.as_deref().map(input::wall_time).transpose()?;
        let to = to.as_deref().map(input::wall_time).transpose()?;
        app.dropin_hours_command(&actor, group, days, from, to, clear.unwrap_or(false))
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn closed(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    date: String,
    #[max_length = 300] reason: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let date = input::date(&date)?;
        app.dropin_closed(&actor, &group, date, reason).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.dropin_list(&actor).await }).await
}

#[poise::command(slash_command, guild_only)]
pub async fn status(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.dropin_status(&actor, &group).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn here(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.dropin_here(&actor, &group).await },
    )
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn leave(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.dropin_leave(&actor, &group).await },
    )
    .await
}
