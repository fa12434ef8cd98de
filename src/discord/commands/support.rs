//! `/support`.

use crate::discord::{respond, Context, Error};

#[poise::command(slash_command, guild_only)]
pub async fn support(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.support(&actor).await }).await
}
