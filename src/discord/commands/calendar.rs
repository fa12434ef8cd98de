//! `/calendar link [group:]`, `/calendar reset [group:]` and `/calendar page [reset:]`.

use crate::discord::{autocomplete, respond, Context, Error};

#[poise::command(
    slash_command,
    guild_only,
    subcommands("link", "reset", "page"),
    subcommand_required
)]
pub async fn calendar(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn link(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.calendar_link(&actor, group.as_deref()).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn reset(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.calendar_reset(&actor, group.as_deref()).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn page(ctx: Context<'_>, reset: Option<bool>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.calendar_page(&actor, reset.unwrap_or(false)).await
    })
    .await
}
