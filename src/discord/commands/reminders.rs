//! `/reminders set` and `/reminders dm on|off`.

use crate::discord::{autocomplete, respond, Context, Error};

/// Reminders: when they go out, and whether you get them by DM
#[poise::command(slash_command, guild_only, subcommands("set", "dm"), subcommand_required)]
pub async fn reminders(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// When a group's reminders go out, e.g. 24h,1h (whole days keep the local time)
#[poise::command(slash_command, guild_only)]
pub async fn set(
    ctx: Context<'_>,
    #[description = "The group"]
    #[autocomplete = "autocomplete::group"]
    group: String,
    #[description = "Up to 5 times before each session, e.g. 1d,1h or 24h,30m"] offsets: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.reminders_set(&actor, &group, &offsets).await
    })
    .await
}

/// Reminders by direct message for sessions you're going to
#[poise::command(slash_command, guild_only, subcommands("on", "off"), subcommand_required)]
pub async fn dm(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Get a direct message before sessions you're going to
#[poise::command(slash_command, guild_only)]
pub async fn on(ctx: Context<'_>) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.reminders_dm(&actor, "on").await },
    )
    .await
}

/// Stop direct-message reminders
#[poise::command(slash_command, guild_only)]
pub async fn off(ctx: Context<'_>) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.reminders_dm(&actor, "off").await },
    )
    .await
}
