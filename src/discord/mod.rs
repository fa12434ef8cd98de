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
use crate::domain::role::Role;

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
                match dev_guild {
                    Some(guild) => {
                        poise::builtins::register_in_guild(
                            ctx,
                            &framework.options().commands,
                            serenity::GuildId::new(guild),
                        )
                        .await?
                    }
                    None => poise::builtins::register_globally(ctx, &framework.options().commands).await?,
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
/// closes the gateway connections cleanly.
pub async fn run(mut client: serenity::Client, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
    let shards = client.shard_manager.clone();
    tokio::select! {
        result = client.start() => result.map_err(|error| match error {
            serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => ServeError::TokenRejected,
            serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(ref response))
                if response.status_code.as_u16() == 401 => ServeError::TokenRejected,
            other => ServeError::Discord(Box::new(other)),
        }),
        () = shutdown => {
            tracing::info!("shutting down: closing the Discord connection");
            shards.shutdown_all().await;
            Ok(())
        }
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

/// Button clicks on session cards: each answers privately, at once.
async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let health = framework.user_data.app.health_flags();
    match event {
        serenity::FullEvent::Ready { .. } | serenity::FullEvent::Resume { .. } => {
            health.set(Part::Gateway, true);
        }
        serenity::FullEvent::ShardStageUpdate { event } => {
            health.set(Part::Gateway, event.new == serenity::ConnectionStage::Connected);
        }
        _ => {}
    }
    let serenity::FullEvent::InteractionCreate {
        interaction: serenity::Interaction::Component(click),
    } = event
    else {
        return Ok(());
    };
    let app = &framework.user_data.app;
    metrics::counter!("hearth_clicks_total").increment(1);
    let review = crate::app::prompts::Review::parse_button(&click.data.custom_id);
    let rota = crate::app::rota::RotaButton::parse_id(&click.data.custom_id);
    let forget = crate::app::privacy::parse_forget_button(&click.data.custom_id);
    let result = if let Some(user) = forget {
        match actor_of(app, click.guild_id, click.member.as_ref(), &click.user).await {
            Ok(actor) => app.privacy_forget_confirmed(&actor, user).await,
            Err(error) => Err(error),
        }
    } else if let Some((review, prompt)) = review {
        match actor_of(app, click.guild_id, click.member.as_ref(), &click.user).await {
            Ok(actor) => app.prompts_review_click(&actor, prompt, review).await,
            Err(error) => Err(error),
        }
    } else if let Some((button, session)) = rota {
        rota_click(app, click, button, &session).await
    } else {
        match crate::app::rsvp::Click::parse_id(&click.data.custom_id) {
            Ok((button, session)) => {
                match actor_of(app, click.guild_id, click.member.as_ref(), &click.user).await {
                    Ok(actor) => app.click(&actor, session, button).await,
                    Err(error) => Err(error),
                }
            }
            Err(error) => Err(error),
        }
    };
    let reply = result.unwrap_or_else(|error| crate::chat::Reply::problem(error.to_string()));
    let message = serenity::CreateInteractionResponseMessage::new()
        .embed(render::embed(&reply))
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    click
        .create_response(
            framework.serenity_context,
            serenity::CreateInteractionResponse::Message(message),
        )
        .await?;
    Ok(())
}

/// A rota button: in the server (Take shift on a post) as the member who clicked;
/// in a DM (a duty notice's Confirm / Can't do it, an open shift) as a member of the
/// session's community, which the app finds from the session.
async fn rota_click(
    app: &App,
    click: &serenity::ComponentInteraction,
    button: crate::app::rota::RotaButton,
    session: &str,
) -> AppResult {
    let session_id = crate::app::input::session(session).map_err(|_| {
        crate::app::AppError::invalid("That button is from an older message; please use /rota instead.")
    })?;
    let actor = match click.guild_id {
        Some(_) => actor_of(app, click.guild_id, click.member.as_ref(), &click.user).await?,
        None => {
            let community_id = app.community_of_session(session_id).await?;
            Actor {
                community_id,
                user_id: click.user.id.get().to_string(),
                name: click
                    .user
                    .global_name
                    .clone()
                    .unwrap_or_else(|| click.user.name.clone()),
                role: Role::Member,
            }
        }
    };
    app.rota_click(&actor, session_id, button).await
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
