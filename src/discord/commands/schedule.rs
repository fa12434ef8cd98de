//! `/schedule`.

use crate::discord::{respond, Context, Error};

#[poise::command(slash_command, guild_only)]
pub async fn schedule(
    ctx: Context<'_>,
    #[min = 1]
    #[max = 366]
    days: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.schedule(&actor, days).await }).await
}
