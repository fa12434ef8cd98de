//! What text a person may store: one rule per kind of field, used by every command.
//!
//! Text is trimmed (inner runs of spaces kept as typed, except in one-line names),
//! refused if it holds a control character (escape, NUL, a tab or a line break typed
//! into a one-line field), and measured in grapheme clusters — what a reader counts
//! as one character, so a flag emoji is one, not four. Each limit fits the Discord
//! place the text is shown in, checked at compile time below.

use std::fmt;

use unicode_segmentation::UnicodeSegmentation;

/// Discord's own limits, where hearth's posts put people's text.
pub mod discord {
    /// An embed's title.
    pub const EMBED_TITLE: usize = 256;
    /// An embed's description.
    pub const EMBED_DESCRIPTION: usize = 4096;
    /// One embed field's value.
    pub const EMBED_FIELD: usize = 1024;
    /// A button's label.
    pub const BUTTON_LABEL: usize = 80;
    /// A message's content.
    pub const MESSAGE: usize = 2000;
    /// A slash command option's string value.
    pub const OPTION_VALUE: usize = 6000;
}

/// Why a piece of text was refused; `Display` is the sentence the person sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TextError(pub String);

/// The kinds of free text hearth stores, each with its limit and where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A group's name: the title of its cards, and how commands find it.
    GroupName,
    /// A sentence about a group, on its cards.
    Description,
    /// Where a meeting is: a room, an address, a link or a voice channel.
    Location,
    /// Why a session was cancelled, in the notice members see.
    Reason,
    /// The community's signposting text, shown by /support.
    SupportText,
    /// The names or mentions given to /attendance mark.
    People,
    /// A recurrence rule typed by hand.
    Rule,
    /// A check-in prompt: the question a post asks.
    Prompt,
    /// A check-in prompt's content note ("loss"), shown before it.
    ContentNote,
    /// A facilitator's note with a debrief flag, for coordinators only.
    DebriefNote,
    /// A member's own words with their quarterly answers, for coordinators only.
    QuarterlyWords,
}

impl Field {
    /// The most grapheme clusters this field may hold.
    pub const fn max(self) -> usize {
        match self {
            Field::GroupName => 64,
            Field::Description => 300,
            Field::Location => 200,
            Field::Reason => 300,
            Field::SupportText => 1500,
            Field::People => 1000,
            Field::Rule => 200,
            Field::Prompt => 300,
            Field::ContentNote => 80,
            Field::DebriefNote => 1000,
            Field::QuarterlyWords => 1000,
        }
    }

    /// The most code points the place Discord shows it can hold (Discord counts those,
    /// so a name of long emoji clusters is bounded by this too).
    pub const fn room(self) -> usize {
        match self {
            Field::GroupName => discord::EMBED_TITLE - 56,
            Field::Description | Field::Location | Field::Reason | Field::Rule => discord::EMBED_FIELD,
            Field::SupportText => discord::MESSAGE - 300,
            Field::People => discord::OPTION_VALUE,
            Field::Prompt => discord::EMBED_DESCRIPTION - 200,
            Field::ContentNote => discord::EMBED_FIELD,
            Field::DebriefNote | Field::QuarterlyWords => discord::EMBED_DESCRIPTION - 200,
        }
    }

    /// What the person would call it, in a sentence.
    pub const fn noun(self) -> &'static str {
        match self {
            Field::GroupName => "A group's name",
            Field::Description => "A description",
            Field::Location => "A location",
            Field::Reason => "A reason",
            Field::SupportText => "The support text",
            Field::People => "The list of people",
            Field::Rule => "A repeat rule",
            Field::Prompt => "A prompt",
            Field::ContentNote => "A content note",
            Field::DebriefNote => "A flag's note",
            Field::QuarterlyWords => "Your words",
        }
    }

    /// A one-line field has its runs of spaces folded into one.
    const fn folds_spaces(self) -> bool {
        matches!(self, Field::GroupName)
    }
}

// Each field's limit fits the room Discord gives where it is shown: names in embed
// titles (with a date beside them), descriptions, locations and reasons in embed
// fields, support text in a message with a default note around it.
const _: () = {
    let all = [
        Field::GroupName,
        Field::Description,
        Field::Location,
        Field::Reason,
        Field::SupportText,
        Field::People,
        Field::Rule,
        Field::Prompt,
        Field::ContentNote,
        Field::DebriefNote,
        Field::QuarterlyWords,
    ];
    let mut i = 0;
    while i < all.len() {
        assert!(all[i].max() <= all[i].room());
        i += 1;
    }
};

/// Text that passed its field's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clean(String);

impl Clean {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Clean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Applies `field`'s rule: `Ok(None)` for text that is empty once trimmed.
pub fn clean(field: Field, input: &str) -> Result<Option<Clean>, TextError> {
    let trimmed = input.trim();
    if let Some(bad) = trimmed
        .chars()
        .find(|c| c.is_control() || is_invisible_override(*c))
    {
        return Err(TextError(format!(
            "{} can't contain {}; please type it again as plain text.",
            field.noun(),
            describe_control(bad)
        )));
    }
    let text = if field.folds_spaces() {
        trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        trimmed.to_string()
    };
    if text.is_empty() {
        return Ok(None);
    }
    let length = graphemes(&text);
    if length > field.max() {
        return Err(TextError(format!(
            "{} can be at most {} characters, and this one is {length}; please shorten it.",
            field.noun(),
            field.max()
        )));
    }
    if text.chars().count() > field.room() {
        return Err(TextError(format!(
            "{} is too long to show on Discord (its characters are built from many parts); \
             please shorten it.",
            field.noun()
        )));
    }
    Ok(Some(Clean(text)))
}

/// Like [`clean`], for a field that must not be empty; `example` shows how to fill it.
pub fn clean_required(field: Field, input: &str, example: &str) -> Result<Clean, TextError> {
    clean(field, input)?
        .ok_or_else(|| TextError(format!("{} is needed, for example {example}.", field.noun())))
}

/// How many characters a reader sees.
pub fn graphemes(text: &str) -> usize {
    text.graphemes(true).count()
}

/// Cuts `text` to at most `max` code points (what Discord counts), ending with `…`
/// when cut, and never inside a grapheme cluster.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for cluster in text.graphemes(true) {
        let size = cluster.chars().count();
        if used + size + 1 > max {
            break;
        }
        out.push_str(cluster);
        used += size;
    }
    out.push('…');
    out
}

/// Right-to-left and embedding overrides, which can make a name read as another.
fn is_invisible_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn describe_control(c: char) -> String {
    match c {
        '\n' | '\r' => "a line break".into(),
        '\t' => "a tab".into(),
        '\u{1b}' => "an escape character".into(),
        '\0' => "a NUL character".into(),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => "a text-direction override".into(),
        other => format!("an invisible control character (U+{:04X})", other as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_empty_text_is_none() {
        assert_eq!(
            clean(Field::Location, "  Room 2  ").unwrap().unwrap().as_str(),
            "Room 2"
        );
        assert_eq!(clean(Field::Location, "   ").unwrap(), None);
    }

    #[test]
    fn control_characters_are_refused_by_name() {
        let esc = clean(Field::Location, "Room\u{1b}[31m 2").unwrap_err().0;
        assert!(esc.contains("an escape character"), "{esc}");
        let nul = clean(Field::Reason, "ill\0").unwrap_err().0;
        assert!(nul.contains("NUL"), "{nul}");
        let rtl = clean(Field::GroupName, "Circle\u{202E}elcric").unwrap_err().0;
        assert!(rtl.contains("direction"), "{rtl}");
        assert!(clean(Field::Description, "line\nbreak").is_err());
    }

    #[test]
    fn limits_count_what_a_reader_sees_so_a_flag_is_one_character() {
        let flags = "🇬🇧".repeat(64);
        assert_eq!(graphemes(&flags), 64);
        assert!(clean(Field::GroupName, &flags).is_ok());
        let too_long = "🇬🇧".repeat(65);
        let error = clean(Field::GroupName, &too_long).unwrap_err().0;
        assert!(error.contains("at most 64") && error.contains("is 65"), "{error}");
        let location = "x".repeat(10_000);
        assert!(clean(Field::Location, &location).is_err());
        // 64 clusters of many code points each would overflow an embed title.
        let zalgo = "a\u{301}\u{302}\u{303}\u{304}".repeat(60);
        assert_eq!(graphemes(&zalgo), 60);
        assert!(clean(Field::GroupName, &zalgo)
            .unwrap_err()
            .0
            .contains("too long to show"));
    }

    #[test]
    fn a_name_folds_runs_of_spaces_and_a_location_keeps_them() {
        assert_eq!(
            clean(Field::GroupName, "Tuesday   Circle")
                .unwrap()
                .unwrap()
                .as_str(),
            "Tuesday Circle"
        );
        assert_eq!(
            clean(Field::Location, "Flat 2,  Main St")
                .unwrap()
                .unwrap()
                .as_str(),
            "Flat 2,  Main St"
        );
    }

    #[test]
    fn truncating_never_splits_a_cluster() {
        let family = "👨‍👩‍👧"; // five code points, one cluster
        let text = family.repeat(5);
        let cut = truncate(&text, 12);
        assert_eq!(cut, format!("{family}{family}…"));
        assert!(cut.chars().count() <= 12);
        assert_eq!(truncate("short", 80), "short");
    }
}
