//! Replies as Discord embeds. Times become Discord timestamps (`<t:UNIX:F>`), which
//! every member's client shows in their own time zone.

use poise::serenity_prelude as serenity;

use crate::chat::{Reply, Span, Text, TimeStyle, Tone};
use crate::domain::text;

const MAX_DESCRIPTION: usize = text::discord::EMBED_DESCRIPTION;
const MAX_TITLE: usize = text::discord::EMBED_TITLE;

pub fn embed(reply: &Reply) -> serenity::CreateEmbed {
    let mut description = reply.lines.iter().map(markdown).collect::<Vec<_>>().join("\n");
    if text::graphemes(&description) > MAX_DESCRIPTION {
        description = text::truncate(&description, MAX_DESCRIPTION);
    }
    let mut embed = serenity::CreateEmbed::new()
        .description(description)
        .colour(colour(reply.tone));
    if let Some(title) = &reply.title {
        embed = embed.title(text::truncate(title, MAX_TITLE));
    }
    embed
}

/// A reply's buttons in action rows of five (Discord's most to a row, and five rows
/// to a message): a card's answers fit one row, a review's pairs several.
pub fn components(reply: &Reply) -> Vec<serenity::CreateActionRow> {
    reply.buttons.chunks(5).take(5).map(row).collect()
}

fn row(buttons: &[crate::chat::Button]) -> serenity::CreateActionRow {
    let buttons = buttons
        .iter()
        .map(|b| {
            let style = if b.primary {
                serenity::ButtonStyle::Primary
            } else {
                serenity::ButtonStyle::Secondary
            };
            serenity::CreateButton::new(b.id.clone())
                .label(b.label.clone())
                .style(style)
        })
        .collect();
    serenity::CreateActionRow::Buttons(buttons)
}

fn colour(tone: Tone) -> serenity::Colour {
    match tone {
        Tone::Done => serenity::Colour::new(0x4c9a6a),
        Tone::Info => serenity::Colour::new(0x5b7fa6),
        Tone::Problem => serenity::Colour::new(0xc98a3c),
    }
}

/// One line in Discord markdown.
pub fn markdown(text: &Text) -> String {
    text.0
        .iter()
        .map(|span| match span {
            Span::Plain(s) => escape(s),
            Span::Strong(s) => format!("**{}**", escape(s)),
            Span::Time {
                at,
                style: TimeStyle::Full,
                ..
            } => format!("<t:{}:F>", at.timestamp()),
            Span::Time {
                at,
                style: TimeStyle::Relative,
                ..
            } => format!("<t:{}:R>", at.timestamp()),
            Span::Time {
                at,
                style: TimeStyle::ClockTime,
                ..
            } => format!("<t:{}:t>", at.timestamp()),
            Span::Channel(channel) if is_snowflake(channel) => format!("<#{channel}>"),
            Span::Channel(channel) => escape(channel),
            // A mention renders as the member's name; replies allow no pings.
            Span::User(user) if is_snowflake(user) => format!("<@{user}>"),
            Span::User(user) => escape(user),
        })
        .collect()
}

fn is_snowflake(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// Keeps names people typed from turning into formatting or mentions.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '_' | '~' | '`' | '|' | '\\' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out.replace('@', "@\u{200b}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn times_become_discord_timestamps_and_channel_ids_links() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 18, 30, 0).unwrap();
        let text = Text::new()
            .time(at, chrono_tz::Europe::London, TimeStyle::Full)
            .plain(" ")
            .time(at, chrono_tz::Europe::London, TimeStyle::Relative)
            .plain(" in ")
            .channel("123456");
        assert_eq!(
            markdown(&text),
            format!("<t:{0}:F> <t:{0}:R> in <#123456>", at.timestamp())
        );
    }

    #[test]
    fn typed_names_cannot_format_or_mention() {
        let text = Text::new().strong("*Circle* @everyone");
        assert_eq!(markdown(&text), "**\\*Circle\\* @\u{200b}everyone**");
    }
}
