//! The Discord adapter: slash commands (poise over serenity), autocomplete, and the
//! chat port over Discord's REST API. It holds no business rules: each command maps
//! its options to an `app` call and renders the `Reply`. Only this module names
//! serenity or poise types.

mod autocomplete;
mod catalogue;
pub mod chat;
mod commands;
pub mod render;

use std::future::Future;

use poise::serenity_prelude as serenity;

use crate::app::health::Part;
use crate::app::{Actor, App, AppResult};
use crate::domain::quarterly;
use crate::domain::role::Role;
use crate::domain::shard::{ShardRange, Shards};

/// What every command handler can reach.
pub struct Data {
    pub app: App,
}

/// Failures talking to Discord itself; use-case errors never become this, they are
/// rendered as ephemeral replies.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// How to reach Discord and where to register commands.
#[derive(Debug, Clone)]
pub struct DiscordOptions {
    pub token: crate::config::Secret,
    /// Replaces `https://discord.com` for REST; serenity's limiter is then off and
    /// hearth honours 429s itself.
    pub api_proxy: Option<String>,
    /// Register commands in this guild only (instant); otherwise globally.
    pub dev_guild: Option<u64>,
    /// The shards this process runs; only the process running shard 0 registers
    /// the commands (they belong to the application, whichever shard sees a server).
    pub shards: Shards,
}

/// Why `hearth serve` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("Discord rejected the bot token. Check HEARTH__DISCORD__TOKEN (or DISCORD_TOKEN): copy it again from the Bot page of your Discord application.")]
    TokenRejected,
    #[error("could not connect to Discord: {0}")]
    Discord(Box<serenity::Error>),
}

/// The slash commands hearth registers.
pub fn command_list() -> Vec<poise::Command<Data, Error>> {
    let mut commands = vec![
        commands::setup::setup(),
        commands::group::group(),
        commands::meeting::meeting(),
        commands::schedule::schedule(),
        commands::reminders::reminders(),
        commands::status::status(),
        commands::support::support(),
        commands::rsvp::rsvp(),
        commands::rsvp::my(),
        commands::rsvp::attendance(),
        commands::rota::rota(),
        commands::prompts::prompts(),
        commands::privacy::privacy(),
        commands::privacy::audit(),
        commands::privacy::report(),
        commands::quarterly::quarterly(),
        commands::dropin::dropin(),
        commands::calendar::calendar(),
    ];
    catalogue::describe(&mut commands);
    commands
}

/// Builds the serenity client with the poise framework, ready to start.
pub async fn client(options: &DiscordOptions, app: App) -> Result<serenity::Client, ServeError> {
    let token = options.token.expose().trim().to_string();
    let http = match &options.api_proxy {
        // Behind a proxy serenity's limiter can't work (it ignores the proxy), and
        // the proxy owns the shared limits: hearth's own calls honour its 429s.
        Some(proxy) => serenity::HttpBuilder::new(&token)
            .proxy(proxy.clone())
            .ratelimiter_disabled(true)
            .build(),
        None => serenity::Http::new(&token),
    };
    let dev_guild = options.dev_guild;
    let registers = options.shards.registers_commands();
    let framework = poise::Framework::builder()
        .initialize_owners(false)
        .options(poise::FrameworkOptions {
            commands: command_list(),
            on_error: |error| Box::pin(on_error(error)),
            event_handler: |framework, event| Box::pin(on_event(framework, event)),
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let commands = &framework.options().commands;
                match dev_guild {
                    _ if !registers => {
                        tracing::info!("not registering the commands: the process running shard 0 does that");
                    }
                    Some(guild) => {
                        poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(guild))
                            .await?
                    }
                    None => poise::builtins::register_globally(ctx, commands).await?,
                }
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                app.health_flags().set(Part::Gateway, true);
                Ok(Data { app })
            })
        })
        .build();
    let client = serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::GUILDS)
        .framework(framework)
        .await
        .map_err(|e| ServeError::Discord(Box::new(e)))?;
    Ok(client)
}

/// Runs the bot until `shutdown` resolves (SIGINT/SIGTERM in `hearth serve`), then
/// closes the gateway connections cleanly. With a shard range, it first waits its
/// turn (see [`ShardRange::start_delay`]), then connects only its own shards.
pub async fn run(
    mut client: serenity::Client,
    shards: Shards,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let manager = client.shard_manager.clone();
    tokio::select! {
        result = start(&mut client, shards) => result.map_err(serve_error),
        () = shutdown => {
            tracing::info!("shutting down: closing the Discord connection");
            manager.shutdown_all().await;
            Ok(())
        }
    }
}

/// Connects this process's shards and runs until they stop.
async fn start(client: &mut serenity::Client, shards: Shards) -> Result<(), serenity::Error> {
    match shards {
        Shards::Auto => {
            tracing::info!("running every shard Discord recommends for this bot");
            client.start_autosharded().await
        }
        Shards::Range(range) => {
            let gateway = client.http.get_bot_gateway().await?;
            wait_turn(range, &gateway).await;
            // serenity 0.12 reads the range's end as the last shard, included.
            client
                .start_shard_range(range.first()..range.last(), range.total())
                .await
        }
    }
}

/// Logs which shards this process runs and sleeps until its turn to start them.
async fn wait_turn(range: ShardRange, gateway: &serenity::BotGateway) {
    let max_concurrency = gateway.session_start_limit.max_concurrency;
    let delay = range.start_delay(max_concurrency);
    tracing::info!(
        first = range.first(),
        last = range.last(),
        total = range.total(),
        max_concurrency,
        delay_secs = delay.as_secs(),
        "running shards {}-{} of {}, starting in {}s",
        range.first(),
        range.last(),
        range.total(),
        delay.as_secs()
    );
    if range.total() < gateway.shards {
        tracing::warn!(
            recommended = gateway.shards,
            total = range.total(),
            "Discord recommends {} shards for this bot and discord.shards has {} in all; \
             Discord may refuse too few, so raise the total in every process",
            gateway.shards,
            range.total()
        );
    }
    tokio::time::sleep(delay).await;
}

fn serve_error(error: serenity::Error) -> ServeError {
    match error {
        serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => ServeError::TokenRejected,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(ref response))
            if response.status_code.as_u16() == 401 =>
        {
            ServeError::TokenRejected
        }
        other => ServeError::Discord(Box::new(other)),
    }
}

/// Who is asking: the guild is the community; Manage Server (or Administrator) or
/// the configured coordinator role makes a coordinator.
async fn actor(ctx: Context<'_>) -> Result<Actor, crate::app::AppError> {
    let member = match &ctx {
        poise::Context::Application(app_ctx) => app_ctx.interaction.member.as_deref(),
        poise::Context::Prefix(_) => None,
    };
    actor_of(&ctx.data().app, ctx.guild_id(), member, ctx.author()).await
}

async fn actor_of(
    app: &App,
    guild: Option<serenity::GuildId>,
    member: Option<&serenity::Member>,
    user: &serenity::User,
) -> Result<Actor, crate::app::AppError> {
    let Some(guild) = guild else {
        return Err(crate::app::AppError::invalid(
            "Please use hearth's commands in your community's server.",
        ));
    };
    let community_id = guild.get().to_string();
    let manages = member
        .and_then(|m| m.permissions)
        .is_some_and(|p| p.manage_guild() || p.administrator());
    let coordinator_role = app
        .coordinator_role(&community_id)
        .await?
        .and_then(|r| r.parse::<u64>().ok());
    let has_role = match (member, coordinator_role) {
        (Some(member), Some(role)) => member.roles.iter().any(|r| r.get() == role),
        _ => false,
    };
    let name = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Ok(Actor {
        community_id,
        user_id: user.id.get().to_string(),
        name,
        role: if manages || has_role {
            Role::Coordinator
        } else {
            Role::Member
        },
    })
}

/// Button clicks on session cards and DMs, and a debrief note's form: each answers
/// privately, at once (Something to flag first opens the form).
async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let app = &framework.user_data.app;
    let health = app.health_flags();
    match event {
        serenity::FullEvent::Ready { .. } | serenity::FullEvent::Resume { .. } => {
            health.set(Part::Gateway, true);
        }
        serenity::FullEvent::ShardStageUpdate { event } => {
            health.set(Part::Gateway, event.new == serenity::ConnectionStage::Connected);
        }
        _ => {}
    }
    let (result, respond_to) = match event {
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } => {
            metrics::counter!("hearth_clicks_total").increment(1);
            let outcome = crate::app::outcomes::OutcomeButton::parse_id(&click.data.custom_id);
            // A button that opens a form: the quarterly DM's (if this member may still
            // answer) and a debrief's "Something to flag".
            let form = if let Some(rest) = click.data.custom_id.strip_prefix(quarterly::SHARE_PREFIX) {
                match quarterly::parse_ids(rest) {
                    Some((quarter, community_id)) => {
                        let actor = dm_actor(community_id, &click.user);
                        app.quarterly_may_answer(&actor, quarter)
                            .await
                            .map(|()| Some(quarterly_form(rest)))
                    }
                    None => Err(crate::app::AppError::invalid(
                        "That button is from an older message; thank you for wanting to answer.",
                    )),
                }
            } else if let Some((crate::app::outcomes::OutcomeButton::Flag, session)) = &outcome {
                Ok(Some(note_form(session)))
            } else {
                Ok(None)
            };
            match form {
                Ok(Some(modal)) => {
                    click
                        .create_response(
                            framework.serenity_context,
                            serenity::CreateInteractionResponse::Modal(modal),
                        )
                        .await?;
                    return Ok(());
                }
                Ok(None) => (on_click(app, click, outcome).await, Responder::Click(click)),
                Err(error) => (Err(error), Responder::Click(click)),
            }
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } => {
            if let Some(rest) = submit.data.custom_id.strip_prefix(quarterly::FORM_PREFIX) {
                (on_quarterly(app, submit, rest).await, Responder::Modal(submit))
            } else {
                let Some(session) = crate::app::outcomes::parse_note_modal(&submit.data.custom_id) else {
                    return Ok(());
                };
                (on_note(app, submit, session).await, Responder::Modal(submit))
            }
        }
        _ => return Ok(()),
    };
    let reply = result.unwrap_or_else(|error| crate::chat::Reply::problem(error.to_string()));
    let message = serenity::CreateInteractionResponseMessage::new()
        .embed(render::embed(&reply))
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    let response = serenity::CreateInteractionResponse::Message(message);
    match respond_to {
        Responder::Click(click) => {
            click
                .create_response(framework.serenity_context, response)
                .await?
        }
        Responder::Modal(submit) => {
            submit
                .create_response(framework.serenity_context, response)
                .await?
        }
    }
    Ok(())
}

/// What an answer goes back to.
enum Responder<'a> {
    Click(&'a serenity::ComponentInteraction),
    Modal(&'a serenity::ModalInteraction),
}

async fn on_click(
    app: &App,
    click: &serenity::ComponentInteraction,
    outcome: Option<(crate::app::outcomes::OutcomeButton, String)>,
) -> AppResult {
    let review = crate::app::prompts::Review::parse_button(&click.data.custom_id);
    let rota = crate::app::rota::RotaButton::parse_id(&click.data.custom_id);
    let forget = crate::app::privacy::parse_forget_button(&click.data.custom_id);
    if let Some(user) = forget {
        let actor = actor_of(app, click.guild_id, click.member.as_ref(), &click.user).await?;
        app.privacy_forget_confirmed(&actor, user).await
    } else if let Some((review, prompt)) = review {
        let actor = actor_of(app, click.guild_id, click.member.as_ref(), &click.user).await?;
        app.prompts_review_click(&actor, prompt, review).await
    } else if let Some((button, session)) = rota {
        let (actor, session_id) =
            clicker(app, click.guild_id, click.member.as_ref(), &click.user, &session).await?;
        app.rota_click(&actor, session_id, button).await
    } else if let Some((button, session)) = outcome {
        let (actor, session_id) =
            clicker(app, click.guild_id, click.member.as_ref(), &click.user, &session).await?;
        app.outcome_click(&actor, session_id, button, None).await
    } else {
        let (button, session) = crate::app::rsvp::Click::parse_id(&click.data.custom_id)?;
        let actor = actor_of(app, click.guild_id, click.member.as_ref(), &click.user).await?;
        app.click(&actor, session, button).await
    }
}

/// The form Something to flag opens: one note, for coordinators only.
fn note_form(session: &str) -> serenity::CreateModal {
    let note = serenity::CreateInputText::new(
        serenity::InputTextStyle::Paragraph,
        "What would you like a coordinator to know?",
        "note",
    )
    .max_length(crate::domain::outcome::NOTE_MAX as u16)
    .required(true);
    serenity::CreateModal::new(
        format!("{}{session}", crate::app::outcomes::NOTE_MODAL_PREFIX),
        "Something to flag",
    )
    .components(vec![serenity::CreateActionRow::InputText(note)])
}

/// The member who pressed a button in a DM, as a member of the community the message
/// came from.
fn dm_actor(community_id: String, user: &serenity::User) -> Actor {
    Actor {
        community_id,
        user_id: user.id.get().to_string(),
        name: user.global_name.clone().unwrap_or_else(|| user.name.clone()),
        role: Role::Member,
    }
}

/// The quarterly form: three short questions and a box for one's own words. (A modal
/// holds text inputs only, so each question is answered in a word.)
fn quarterly_form(ids: &str) -> serenity::CreateModal {
    let mut rows: Vec<serenity::CreateActionRow> = quarterly::Question::ALL
        .iter()
        .map(|question| {
            let input = serenity::CreateInputText::new(
                serenity::InputTextStyle::Short,
                question.asked(),
                question.key(),
            )
            .placeholder("yes, a little or no")
            .max_length(12)
            .required(false);
            serenity::CreateActionRow::InputText(input)
        })
        .collect();
    let words = serenity::CreateInputText::new(
        serenity::InputTextStyle::Paragraph,
        "Anything in your own words? (optional)",
        "words",
    )
    .placeholder("Only coordinators see this, without your name.")
    .max_length(quarterly::WORDS_MAX as u16)
    .required(false);
    rows.push(serenity::CreateActionRow::InputText(words));
    serenity::CreateModal::new(
        format!("{}{ids}", quarterly::FORM_PREFIX),
        "What has the group meant to you?",
    )
    .components(rows)
}

/// The quarterly form, sent: the answers, kept without the member's id.
async fn on_quarterly(app: &App, submit: &serenity::ModalInteraction, ids: &str) -> AppResult {
    let Some((quarter, community_id)) = quarterly::parse_ids(ids) else {
        return Err(crate::app::AppError::invalid(
            "That form is from an older message; thank you for wanting to answer.",
        ));
    };
    let field = |key: &str| {
        submit
            .data
            .components
            .iter()
            .flat_map(|row| row.components.iter())
            .find_map(|component| match component {
                serenity::ActionRowComponent::InputText(input) if input.custom_id == key => {
                    input.value.clone().filter(|v| !v.trim().is_empty())
                }
                _ => None,
            })
    };
    let form = crate::app::quarterly::QuarterlyForm {
        confident: field("confident"),
        in_control: field("in_control"),
        hopeful: field("hopeful"),
        words: field("words"),
    };
    let actor = dm_actor(community_id, &submit.user);
    app.quarterly_answer(&actor, quarter, &form).await
}

/// A debrief note's form, sent: the flag with its note.
async fn on_note(app: &App, submit: &serenity::ModalInteraction, session: &str) -> AppResult {
    let note = submit
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|component| match component {
            serenity::ActionRowComponent::InputText(input) if input.custom_id == "note" => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default();
    let (actor, session_id) = clicker(
        app,
        submit.guild_id,
        submit.member.as_ref(),
        &submit.user,
        session,
    )
    .await?;
    app.outcome_click(
        &actor,
        session_id,
        crate::app::outcomes::OutcomeButton::Flag,
        Some(&note),
    )
    .await
}

/// Who pressed a button about a session: in the server (Take shift on a post) as the
/// member who clicked; in a DM (a duty notice's Confirm, a debrief) as a member of the
/// session's community, which the app finds from the session.
async fn clicker(
    app: &App,
    guild: Option<serenity::GuildId>,
    member: Option<&serenity::Member>,
    user: &serenity::User,
    session: &str,
) -> Result<(Actor, crate::app::input::SessionId), crate::app::AppError> {
    let session_id = crate::app::input::session(session).map_err(|_| {
        crate::app::AppError::invalid("That button is from an older message; please use /rota instead.")
    })?;
    let actor = match guild {
        Some(_) => actor_of(app, guild, member, user).await?,
        None => {
            let community_id = app.community_of_session(session_id).await?;
            Actor {
                community_id,
                user_id: user.id.get().to_string(),
                name: user.global_name.clone().unwrap_or_else(|| user.name.clone()),
                role: Role::Member,
            }
        }
    };
    Ok((actor, session_id))
}

/// Runs a use-case as the person asking and answers with its reply; a refusal or an
/// error is an ephemeral message that says how to go on.
async fn respond<F, Fut>(ctx: Context<'_>, use_case: F) -> Result<(), Error>
where
    F: FnOnce(App, Actor) -> Fut,
    Fut: Future<Output = AppResult>,
{
    let result = match actor(ctx).await {
        Ok(actor) => use_case(ctx.data().app.clone(), actor).await,
        Err(error) => Err(error),
    };
    let reply = result.unwrap_or_else(|error| crate::chat::Reply::problem(error.to_string()));
    let ephemeral = reply.visibility == crate::chat::Visibility::Private;
    let mut message = poise::CreateReply::default()
        .embed(render::embed(&reply))
        .components(render::components(&reply))
        .ephemeral(ephemeral)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    for file in &reply.files {
        message = message.attachment(serenity::CreateAttachment::bytes(
            file.bytes.clone(),
            file.name.clone(),
        ));
    }
    ctx.send(message).await?;
    Ok(())
}

async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    let (ctx, message) = match &error {
        poise::FrameworkError::Command { ctx, error, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, %error, "a command could not answer");
            (
                *ctx,
                "Sorry, something went wrong talking to Discord. Please try again in a moment.".to_string(),
            )
        }
        poise::FrameworkError::ArgumentParse {
            ctx, input, error, ..
        } => (
            *ctx,
            format!(
                "I couldn't read {}: {error}. Please check the option and try again.",
                input
                    .as_deref()
                    .map(|i| format!("\"{i}\""))
                    .unwrap_or_else(|| "an option".into())
            ),
        ),
        poise::FrameworkError::GuildOnly { ctx, .. } => (
            *ctx,
            "Please use hearth's commands in your community's server.".to_string(),
        ),
        _ => {
            if let Err(e) = poise::builtins::on_error(error).await {
                tracing::error!(%e, "could not report an error to Discord");
            }
            return;
        }
    };
    let reply = crate::chat::Reply::problem(message);
    let sent = ctx
        .send(
            poise::CreateReply::default()
                .embed(render::embed(&reply))
                .ephemeral(true),
        )
        .await;
    if let Err(e) = sent {
        tracing::error!(%e, "could not report an error to Discord");
    }
}
