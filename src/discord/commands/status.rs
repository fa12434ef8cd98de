//! `/status`.

use crate::discord::{respond, Context, Error};

#[poise::command(slash_command, guild_only)]
pub async fn status(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.status(&actor).await }).await
}
