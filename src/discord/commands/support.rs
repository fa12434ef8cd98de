//! `/support`.

use crate::discord::{respond, Context, Error};

/// Where to find support and urgent help (only you see the answer)
#[poise::command(slash_command, guild_only)]
pub async fn support(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.support(&actor).await }).await
}
