//! `/rsvp`, `/my sessions`, `/attendance show|mark` — the keyboard (and
//! screen-reader) route to what the card buttons do, and the facilitators' lists.

use crate::app::input;
use crate::app::input::RsvpState;
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

impl From<AnswerChoice> for RsvpState {
    fn from(choice: AnswerChoice) -> Self {
        match choice {
            AnswerChoice::Going => RsvpState::Going,
            AnswerChoice::Maybe => RsvpState::Maybe,
            AnswerChoice::Cant => RsvpState::NotGoing,
        }
    }
}

#[poise::command(slash_command, guild_only)]
pub async fn rsvp(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
    state: AnswerChoice,
    every: Option<bool>,
) -> Result<(), Error> {
    let every = every.unwrap_or(false);
    respond(ctx, |app, actor| async move {
        app.rsvp(&actor, input::session(&session)?, state.into(), every)
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only, subcommands("sessions"), subcommand_required)]
pub async fn my(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn sessions(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, |app, actor| async move { app.my_sessions(&actor).await }).await
}

#[poise::command(slash_command, guild_only, subcommands("show", "mark"), subcommand_required)]
pub async fn attendance(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn show(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.attendance_show(&actor, input::session(&session)?).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn mark(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::session"] session: String,
    #[max_length = 1000] users: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.attendance_mark(&actor, input::session(&session)?, &users)
            .await
    })
    .await
}
