//! `/reminders set` and `/reminders dm on|off`.

use crate::app::input;
use crate::discord::{autocomplete, respond, Context, Error};

#[poise::command(slash_command, guild_only, subcommands("set", "dm"), subcommand_required)]
pub async fn reminders(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn set(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    offsets: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.reminders_set(&actor, &group, &input::offsets(&offsets)?)
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only, subcommands("on", "off"), subcommand_required)]
pub async fn dm(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn on(ctx: Context<'_>) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.reminders_dm(&actor, true).await },
    )
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn off(ctx: Context<'_>) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.reminders_dm(&actor, false).await },
    )
    .await
}
