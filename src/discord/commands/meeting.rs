//! `/meeting add|list|cancel|move|end`.

use crate::app::input;
use crate::app::input::Repeat;
use crate::app::meetings::MeetingAdd;
use crate::discord::{autocomplete, respond, Context, Error};

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum RepeatChoice {
    #[name = "once"]
    Once,
    #[name = "weekly"]
    Weekly,
    #[name = "fortnightly"]
    Fortnightly,
    #[name = "monthly-weekday"]
    MonthlyWeekday,
    #[name = "monthly-last-weekday"]
    MonthlyLastWeekday,
    #[name = "monthly-date"]
    MonthlyDate,
}

impl From<RepeatChoice> for Repeat {
    fn from(choice: RepeatChoice) -> Self {
        match choice {
            RepeatChoice::Once => Repeat::Once,
            RepeatChoice::Weekly => Repeat::Weekly,
            RepeatChoice::Fortnightly => Repeat::Fortnightly,
            RepeatChoice::MonthlyWeekday => Repeat::MonthlyWeekday,
            RepeatChoice::MonthlyLastWeekday => Repeat::MonthlyLastWeekday,
            RepeatChoice::MonthlyDate => Repeat::MonthlyDate,
        }
    }
}

#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "list", "cancel", "move_", "end"),
    subcommand_required
)]
pub async fn meeting(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn add(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    when: String,
    repeat: Option<RepeatChoice>,
    days: Option<String>,
    #[min = 1]
    #[max = 52]
    every: Option<i64>,
    duration: Option<String>,
    until: Option<String>,
    #[min = 1]
    #[max = 1000]
    count: Option<i64>,
    #[max_length = 200] location: Option<String>,
    #[max_length = 200] rrule: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let input = MeetingAdd {
            group,
            when: input::when(&when)?,
            repeat: repeat.map(Repeat::from),
            days: input::optional(days.as_deref(), input::weekdays)?,
            every,
            duration: input::optional(duration.as_deref(), input::duration)?,
            until: input::optional(until.as_deref(), input::date)?,
            count,
            location,
            rrule,
        };
        app.meeting_add(&actor, input).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn list(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: Option<String>,
    #[min = 1]
    #[max = 52]
    weeks: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.meeting_list(&actor, group.as_deref(), weeks).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn cancel(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
    #[max_length = 300] reason: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.meeting_cancel(&actor, input::session(&session)?, reason)
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only, rename = "move")]
pub async fn move_(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
    when: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.meeting_move(&actor, input::session(&session)?, input::when(&when)?)
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn end(ctx: Context<'_>, #[min = 1] series: i64, after: Option<String>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let after = input::optional(after.as_deref(), input::date)?;
        app.meeting_end(&actor, input::series_number(series)?, after)
            .await
    })
    .await
}
