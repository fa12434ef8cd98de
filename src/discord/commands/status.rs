//! `/status`.

use crate::discord::{respond, Context, Error};

/// For coordinators: failed deliveries and what hearth will post next
#[poise::command(slash_command, guild_only)]
pub async fn status(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.status(&actor).await }).await
}
