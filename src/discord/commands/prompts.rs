//! `/prompts add|list|retire|use-default|schedule|pause|resume|now|submit|review`.
//! `/prompts submit` without `text:` opens a form (a Discord modal); a review's
//! Approve / Reject buttons are handled with the other buttons in `discord::on_event`.

use crate::app::input;
use crate::app::prompts::PromptSchedule;
use crate::discord::{autocomplete, respond, Context, Error};

#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "add",
        "list",
        "retire",
        "use_default",
        "schedule",
        "pause",
        "resume",
        "now",
        "submit",
        "review"
    ),
    subcommand_required
)]
pub async fn prompts(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    #[max_length = 300] text: String,
    #[max_length = 80] content_note: Option<String>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.prompts_add(&actor, &group, &text, content_note.as_deref())
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn list(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.prompts_list(&actor, &group).await },
    )
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn retire(ctx: Context<'_>, prompt: String) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.prompts_retire(&actor, input::prompt(&prompt)?).await
    })
    .await
}

#[poise::command(slash_command, guild_only, rename = "use-default")]
pub async fn use_default(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    #[rename = "use"] use_it: bool,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.prompts_use_default(&actor, &group, use_it).await
    })
    .await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum MomentChoice {
    #[name = "as each session starts"]
    SessionStart,
}

#[poise::command(slash_command, guild_only)]
pub async fn schedule(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    cron: Option<String>,
    at: Option<MomentChoice>,
    thread: Option<bool>,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        let at = at.map(|MomentChoice::SessionStart| "session-start");
        let timing = input::timing(cron.as_deref(), at)?;
        let thread = thread.unwrap_or(false);
        app.prompts_schedule(
            &actor,
            PromptSchedule {
                group,
                timing,
                thread,
            },
        )
        .await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn pause(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.prompts_pause(&actor, &group, true).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn resume(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.prompts_pause(&actor, &group, false).await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn now(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(
        ctx,
        |app, actor| async move { app.prompts_now(&actor, &group).await },
    )
    .await
}

/// The form `/prompts submit` opens when no `text:` is given.
#[derive(Debug, poise::Modal)]
#[name = "Suggest a check-in prompt"]
pub struct SubmitForm {
    #[name = "Your prompt"]
    #[placeholder = "What's one small thing that went okay this week?"]
    #[paragraph]
    #[max_length = 300]
    pub text: String,
    #[name = "Content note, if it needs one (optional)"]
    #[placeholder = "e.g. loss"]
    #[max_length = 80]
    pub content_note: Option<String>,
}

/// How long the form waits for the member.
const FORM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

#[poise::command(slash_command, guild_only)]
pub async fn submit(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
    #[max_length = 300] text: Option<String>,
    #[max_length = 80] content_note: Option<String>,
) -> Result<(), Error> {
    let (text, content_note) = match (text, ctx) {
        (Some(text), _) => (text, content_note),
        (None, poise::Context::Application(app_ctx)) => {
            let defaults = SubmitForm {
                text: String::new(),
                content_note,
            };
            match poise::execute_modal(app_ctx, Some(defaults), Some(FORM_TIMEOUT)).await? {
                Some(form) => (form.text, form.content_note),
                // Closed without sending: nothing to do.
                None => return Ok(()),
            }
        }
        (None, poise::Context::Prefix(_)) => (String::new(), content_note),
    };
    respond(ctx, |app, actor| async move {
        app.prompts_submit(&actor, &group, &text, content_note.as_deref())
            .await
    })
    .await
}

#[poise::command(slash_command, guild_only)]
pub async fn review(
    ctx: Context<'_>,
    #[autocomplete = "autocomplete::group"] group: String,
) -> Result<(), Error> {
    respond(ctx, |app, actor| async move {
        app.prompts_review(&actor, &group).await
    })
    .await
}
