//! `/privacy export`, `/privacy forget`, `/audit` and `/report`. Who may act for
//! another member, and what a report may show, is the app's decision.

use poise::serenity_prelude as serenity;

use crate::app::input;
use crate::discord::{autocomplete, respond, Context, Error};

use super::rota::person;

#[poise::command(
    slash_command,
    guild_only,
    subcommands("export", "forget"),
    subcommand_required
)]
pub async fn privacy(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn export(ctx: Context<'_>, user: Option<serenity::User>) -> Result<(), Error> {
    let person = user.as_ref().map(|u| person(ctx, u));
    respond(ctx, |app, actor| async move {
        app.privacy_export(&actor, person).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn forget(ctx: Context<'_>, user: Option<serenity::User>) -> Result<(), Error> {
    let person = user.as_ref().map(|u| person(ctx, u));
    respond(ctx, |app, actor| async move {
        app.privacy_forget(&actor, person).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn audit(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: Option<String>,
    #[min = 1]
    #[max = 3650]
    days: Option<i64>,
    #[min = 1]
    #[max = 10000]
    page: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.audit(&actor, group.as_deref(), days, page).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn report(
    ctx: Context<'_>,
    from: String,
    to: String,
    #[autocomplete = "autocomplete::group"] group: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let (from, to) = (input::date(&from)?, input::date(&to)?);
        app.report(&actor, from, to, group.as_deref()).await
    })
    .await
}
