//! `/meeting add|list|cancel|move|end`.

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

impl RepeatChoice {
    fn as_str(self) -> &'static str {
        match self {
            RepeatChoice::Once => "once",
            RepeatChoice::Weekly => "weekly",
            RepeatChoice::Fortnightly => "fortnightly",
            RepeatChoice::MonthlyWeekday => "monthly-weekday",
            RepeatChoice::MonthlyLastWeekday => "monthly-last-weekday",
            RepeatChoice::MonthlyDate => "monthly-date",
        }
    }
}

/// Meetings: add, list, cancel, move, end
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "list", "cancel", "move_", "end"),
    subcommand_required
)]
pub async fn meeting(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Add a meeting or a repeating series
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "The group"]
    #[autocomplete = "autocomplete::group"]
    group: String,
    #[description = "First session, local time: 2026-12-01 18:30"] when: String,
    #[description = "How it repeats (default once)"] repeat: Option<RepeatChoice>,
    #[description = "Weekdays for weekly series, e.g. mon,thu"] days: Option<String>,
    #[description = "Every N weeks (weekly series)"] every: Option<i64>,
    #[description = "Length, e.g. 90m or 1h30m (default 90m)"] duration: Option<String>,
    #[description = "Last date, e.g. 2027-07-01"] until: Option<String>,
    #[description = "Number of sessions"] count: Option<i64>,
    #[description = "Voice channel, link or address"] location: Option<String>,
    #[description = "Any RFC 5545 rule, e.g. FREQ=MONTHLY;BYDAY=1MO,3MO"] rrule: Option<String>,
) -> Result<(), Error> {
    let input = MeetingAdd {
        group,
        when,
        repeat: repeat.map(|r| r.as_str().to_string()),
        days,
        every,
        duration,
        until,
        count,
        location,
        rrule,
    };
    respond(
        ctx,
        |app, actor| async move { app.meeting_add(&actor, input).await },
    )
    .await
}

/// Upcoming sessions with their numbers
#[poise::command(slash_command, guild_only)]
pub async fn list(
    ctx: Context<'_>,
    #[description = "Only this group"]
    #[autocomplete = "autocomplete::group"]
    group: Option<String>,
    #[description = "How many weeks ahead (default 4)"] weeks: Option<i64>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.meeting_list(&actor, group.as_deref(), weeks).await
    })
    .await
}

/// Cancel one session (the series goes on)
#[poise::command(slash_command, guild_only)]
pub async fn cancel(
    ctx: Context<'_>,
    #[description = "The session"]
    #[autocomplete = "autocomplete::session"]
    session: String,
    #[description = "Shown to members"] reason: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.meeting_cancel(&actor, &session, reason).await
    })
    .await
}

/// Move one session to another time
#[poise::command(slash_command, guild_only, rename = "move")]
pub async fn move_(
    ctx: Context<'_>,
    #[description = "The session"]
    #[autocomplete = "autocomplete::session"]
    session: String,
    #[description = "New time, local: 2026-12-01 18:30"] when: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.meeting_move(&actor, &session, &when).await
    })
    .await
}

/// End a series
#[poise::command(slash_command, guild_only)]
pub async fn end(
    ctx: Context<'_>,
    #[description = "The series number (see /group info)"] series: String,
    #[description = "Its last date (default today)"] after: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.meeting_end(&actor, &series, after.as_deref()).await
    })
    .await
}
