//! Replies as terminal text: times in the group's local time with its zone.

use chrono::{DateTime, Utc};

use crate::chat::{Button, Reply, Span, Text, TimeStyle, Tone};
use crate::domain::time::format_local;

/// A reply as lines: a marked title (or first line), then indented lines.
pub fn render_reply(reply: &Reply, now: DateTime<Utc>) -> String {
    let mark = match reply.tone {
        Tone::Done => "✓ ",
        Tone::Info => "",
        Tone::Problem => "✗ ",
    };
    let mut out = String::new();
    let mut lines = reply.lines.iter();
    match &reply.title {
        Some(title) => out.push_str(&format!("{mark}{title}\n")),
        None => {
            if let Some(first) = lines.next() {
                out.push_str(&format!("{mark}{}\n", render_text(first, now)));
            }
        }
    }
    for line in lines {
        out.push_str(&format!("  {}\n", render_text(line, now)));
    }
    if !reply.buttons.is_empty() {
        out.push_str(&format!("  {}\n", render_buttons(&reply.buttons)));
    }
    out
}

/// `[Going] [Maybe] [Can't make it]  → /click session:12 button:going|maybe|cant`
fn render_buttons(buttons: &[Button]) -> String {
    let labels: Vec<String> = buttons.iter().map(|b| format!("[{}]", b.label)).collect();
    if let Some(user) = buttons
        .iter()
        .find_map(|b| crate::app::privacy::parse_forget_button(&b.id))
    {
        let name = user.strip_prefix("console:").unwrap_or(user);
        return format!("{}  → /click button:forget user:{name}", labels.join(" "));
    }
    if let Some((quarter, _)) = buttons.iter().find_map(|b| {
        b.id.strip_prefix(crate::domain::quarterly::SHARE_PREFIX)
            .and_then(crate::domain::quarterly::parse_ids)
    }) {
        return format!("{}  → /click quarter:{quarter} button:share", labels.join(" "));
    }
    if buttons.iter().any(|b| b.id.starts_with("prompt-")) {
        // A review: each prompt has its own pair.
        return format!("{}  → /click prompt:N button:approve|reject", labels.join(" "));
    }
    let mut words = Vec::new();
    let mut session = "";
    for button in buttons {
        if let Some((action, id)) = button.id.split_once(':') {
            words.push(
                action
                    .trim_start_matches("rsvp-")
                    .trim_start_matches("rota-")
                    .trim_start_matches("checkout-")
                    .trim_start_matches("debrief-"),
            );
            session = id;
        }
    }
    format!(
        "{}  → /click session:{session} button:{}",
        labels.join(" "),
        words.join("|")
    )
}

pub fn render_text(text: &Text, now: DateTime<Utc>) -> String {
    text.0
        .iter()
        .map(|span| match span {
            Span::Plain(s) | Span::Strong(s) | Span::Channel(s) => s.clone(),
            Span::User(user) => user.strip_prefix("console:").unwrap_or(user).to_string(),
            Span::Time {
                at,
                zone,
                style: TimeStyle::Full,
            } => format_local(*at, *zone),
            Span::Time {
                at,
                style: TimeStyle::Relative,
                ..
            } => relative(*at, now),
            Span::Time {
                at,
                zone,
                style: TimeStyle::ClockTime,
            } => at.with_timezone(zone).format("%H:%M %Z").to_string(),
        })
        .collect()
}

/// `in 3 days`, `in 2 hours`, `5 minutes ago`: the largest whole unit.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let magnitude = seconds.unsigned_abs();
    let (n, unit) = match magnitude {
        0..60 => return "now".to_string(),
        60..3600 => (magnitude / 60, "minute"),
        3600..86400 => (magnitude / 3600, "hour"),
        _ => (magnitude / 86400, "day"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if seconds > 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn relative_times_use_the_largest_whole_unit() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        assert_eq!(
            relative(now + Duration::days(3) + Duration::hours(2), now),
            "in 3 days"
        );
        assert_eq!(relative(now + Duration::hours(1), now), "in 1 hour");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 minutes ago");
    }

    #[test]
    fn a_time_shows_in_the_groups_zone() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 4, 7, 17, 30, 0).unwrap();
        let text = Text::new()
            .plain("at ")
            .time(at, chrono_tz::Europe::London, TimeStyle::Full);
        assert_eq!(render_text(&text, now), "at Tue 7 Apr 2026 18:30 BST");
    }
}
