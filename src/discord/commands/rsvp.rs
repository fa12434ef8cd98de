//! `/rsvp`, `/my sessions`, `/attendance show|mark` — the keyboard (and
//! screen-reader) route to what the card buttons do, and the facilitators' lists.

use crate::discord::{autocomplete, respond, Context, Error};

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum AnswerChoice {
    #[name = "going"]
    Going,
    #[name = "maybe"]
    Maybe,
    #[name = "can't make it"]
    Cant,
}

impl AnswerChoice {
    fn as_str(self) -> &'static str {
        match self {
            AnswerChoice::Going => "going",
            AnswerChoice::Maybe => "maybe",
            AnswerChoice::Cant => "cant",
        }
    }
}

/// Answer for a session: going, maybe, or can't make it
#[poise::command(slash_command, guild_only)]
pub async fn rsvp(
    ctx: Context<'_>,
    #[description = "The session"]
    #[autocomplete = "autocomplete::session"]
    session: String,
    #[description = "Your answer"] state: AnswerChoice,
    #[description = "Going to every session of this series (you can still change one)"] every: Option<bool>,
) -> Result<(), Error> {
    let every = every.unwrap_or(false);
    respond(ctx, |app, actor| async move {
        app.rsvp(&actor, &session, state.as_str(), every).await
    })
    .await
}

/// Your sessions
#[poise::command(slash_command, guild_only, subcommands("sessions"), subcommand_required)]
pub async fn my(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Your upcoming answers, with their times
#[poise::command(slash_command, guild_only)]
pub async fn sessions(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.my_sessions(&actor).await }).await
}

/// Attendance: who is coming, and who came
#[poise::command(slash_command, guild_only, subcommands("show", "mark"), subcommand_required)]
pub async fn attendance(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Who is coming to a session (only you see the list)
#[poise::command(slash_command, guild_only)]
pub async fn show(
    ctx: Context<'_>,
    #[description = "The session"]
    #[autocomplete = "autocomplete::session"]
    session: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.attendance_show(&actor, &session).await
    })
    .await
}

/// Mark who attended a session
#[poise::command(slash_command, guild_only)]
pub async fn mark(
    ctx: Context<'_>,
    #[description = "The session"]
    #[autocomplete = "autocomplete::session"]
    session: String,
    #[description = "Who attended: @mentions or names, separated by commas"] users: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.attendance_mark(&actor, &session, &users).await
    })
    .await
}
