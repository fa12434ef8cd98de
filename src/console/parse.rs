//! Reading a typed command line: `/group create name:"Tuesday Circle" channel:#circle`.
//!
//! The words before the first `option:` are the command; each option is `name:value`,
//! where a value with spaces is quoted (`"..."`, with `\"` for a quote inside).

/// A command line taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The command's words, lower-cased, without the leading slash: `["group", "create"]`.
    pub path: Vec<String>,
    /// Options in the order typed; names lower-cased.
    pub options: Vec<(String, String)>,
}

/// Why a line could not be read; `Display` says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Splits a line into words, honouring quotes; a quote may start mid-word (`name:"A B"`).
fn words(line: &str) -> Result<Vec<String>, ParseError> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\\') => match chars.next() {
                            Some(escaped) => current.push(escaped),
                            None => break,
                        },
                        Some('"') => break,
                        Some(other) => current.push(other),
                        None => {
                            return Err(ParseError(
                                "A quote was opened but not closed. Put a \" at the end of the value.".into(),
                            ))
                        }
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// Parses one line. Returns `None` for a blank line or a `#` comment. A `#` standing
/// alone after a command starts a comment to the end of the line, as in a shell
/// script, so examples with notes beside them paste as they are (`#circle` inside
/// `channel:#circle` is a value, not a comment).
pub fn parse_line(line: &str) -> Result<Option<CommandLine>, ParseError> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with("# ") || trimmed == "#" {
        return Ok(None);
    }
    let mut path = Vec::new();
    let mut options: Vec<(String, String)> = Vec::new();
    for word in words(trimmed)? {
        if word == "#" {
            break;
        }
        match option_split(&word) {
            Some((name, value)) => {
                let name = name.to_ascii_lowercase();
                if options.iter().any(|(n, _)| *n == name) {
                    return Err(ParseError(format!(
                        "The option {name}: is given twice; please give it once."
                    )));
                }
                options.push((name, value.to_string()));
            }
            None if options.is_empty() => path.push(word.trim_start_matches('/').to_ascii_lowercase()),
            None => {
                return Err(ParseError(format!(
                    "I didn't understand \"{word}\". Options are written name:value, with quotes \
                     around a value that has spaces: name:\"Tuesday Circle\"."
                )))
            }
        }
    }
    if path.is_empty() {
        return Err(ParseError(
            "Start with a command, like /group list. /help lists them all.".into(),
        ));
    }
    Ok(Some(CommandLine { path, options }))
}

/// Whether a line's note says it is expected to be refused (`... # refused: why`), as
/// examples that show a refusal do. Scripts run with `--strict` go on past such a line
/// when it is refused, and stop when it is not.
pub fn expects_refusal(line: &str) -> bool {
    let Ok(words) = words(line.trim()) else {
        return false;
    };
    let mut after_note = words.iter().skip_while(|w| w.as_str() != "#").skip(1);
    after_note
        .next()
        .is_some_and(|w| w.trim_end_matches(':').eq_ignore_ascii_case("refused"))
}

/// `name:value` where name is a plain word (so `https://...` or `18:30` alone is not one).
fn option_split(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once(':')?;
    let is_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    is_name.then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> CommandLine {
        parse_line(line).unwrap().unwrap()
    }

    #[test]
    fn a_command_with_quoted_and_plain_options_is_taken_apart() {
        let line = parse(r#"/group create name:"Tuesday Circle" channel:#circle"#);
        assert_eq!(line.path, vec!["group", "create"]);
        assert_eq!(
            line.options,
            vec![
                ("name".into(), "Tuesday Circle".into()),
                ("channel".into(), "#circle".into())
            ]
        );
    }

    #[test]
    fn a_quoted_value_keeps_its_colons_and_escaped_quotes() {
        let line = parse(r#"/meeting add group:"A \"B\"" when:"2026-03-10 18:30" location:https://x.test/a"#);
        assert_eq!(line.options[0].1, "A \"B\"");
        assert_eq!(line.options[1].1, "2026-03-10 18:30");
        assert_eq!(line.options[2].1, "https://x.test/a");
    }

    #[test]
    fn blank_lines_and_comments_are_skipped() {
        assert_eq!(parse_line("   ").unwrap(), None);
        assert_eq!(parse_line("# a note").unwrap(), None);
    }

    #[test]
    fn a_note_after_a_command_is_a_comment_and_a_channel_is_not() {
        let line = parse("/clock advance by:3d                              # only with --clock");
        assert_eq!(line.path, vec!["clock", "advance"]);
        assert_eq!(line.options, vec![("by".into(), "3d".into())]);
        let line = parse(r#"/group create name:"Another" channel:#x          # refused: only coordinators"#);
        assert_eq!(line.options[1], ("channel".into(), "#x".into()));
        assert_eq!(line.options.len(), 2);
    }

    #[test]
    fn a_note_starting_refused_marks_a_line_expected_to_fail() {
        assert!(expects_refusal(
            r#"/group create name:"A" channel:#x   # refused: only coordinators"#
        ));
        assert!(expects_refusal("/status # Refused"));
        assert!(!expects_refusal("/clock advance by:3d   # only with --clock"));
        assert!(!expects_refusal(
            r##"/meeting cancel session:2 reason:"# refused""##
        ));
        assert!(!expects_refusal("/status"));
    }

    #[test]
    fn an_unclosed_quote_or_a_stray_word_is_explained() {
        assert!(parse_line(r#"/group create name:"Tuesday"#)
            .unwrap_err()
            .0
            .contains("not closed"));
        assert!(parse_line("/group create name:A Circle")
            .unwrap_err()
            .0
            .contains("quotes"));
        assert!(parse_line("/group list group:a group:b")
            .unwrap_err()
            .0
            .contains("twice"));
    }
}
