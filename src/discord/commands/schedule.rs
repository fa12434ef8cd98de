//! `/schedule`.

use crate::discord::{respond, Context, Error};

/// What's on across every group in the coming days
#[poise::command(slash_command, guild_only)]
pub async fn schedule(
    ctx: Context<'_>,
    #[description = "How many days ahead (default 14)"] days: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.schedule(&actor, days).await }).await
}
