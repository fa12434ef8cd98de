//! `/quarterly words`: members' own words from the quarterly question, shown to the
//! coordinator who asks, ephemerally, a page at a time.

use crate::app::AppError;
use crate::discord::{respond, Context, Error};

#[poise::command(slash_command, guild_only, subcommands("words"), subcommand_required)]
pub async fn quarterly(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn words(
    ctx: Context<'_>,
    quarter: Option<String>,
    #[min = 1]
    #[max = 1000]
    page: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let quarter = match quarter {
            Some(q) => Some(q.parse().map_err(AppError::Invalid)?),
            None => None,
        };
        app.quarterly_words(&actor, quarter, page).await
    })
    .await
}
