//! Autocomplete for group names, session numbers and IANA time zones.

use poise::serenity_prelude as serenity;

use super::Context;
use crate::app::lookup::MAX_CHOICES;

fn community(ctx: &Context<'_>) -> Option<String> {
    ctx.guild_id().map(|g| g.get().to_string())
}

pub async fn group(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let names = match community(&ctx) {
        Some(id) => ctx
            .data()
            .app
            .group_choices(&id, partial)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(
        names
            .into_iter()
            .map(serenity::AutocompleteChoice::from)
            .collect(),
    )
}

pub async fn session(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = match community(&ctx) {
        Some(id) => ctx
            .data()
            .app
            .session_choices(&id, partial)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(
        choices
            .into_iter()
            .map(|c| serenity::AutocompleteChoice::new(c.label, c.id.to_string()))
            .collect(),
    )
}

pub async fn timezone(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    serenity::CreateAutocompleteResponse::new().set_choices(
        crate::domain::time::suggest_zones(partial, MAX_CHOICES)
            .into_iter()
            .map(serenity::AutocompleteChoice::from)
            .collect(),
    )
}
