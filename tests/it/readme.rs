//! The README (and every guide under `docs/`) is tested: each console block is run
//! through the hearth binary with `--strict` on a fresh database and a fixed clock, and
//! each block of shown output must still match what the console prints.
//!
//! How blocks are read:
//! - A fence with no language (or `console`) whose lines are commands (`/...`, with
//!   `#` notes) is an **input** block. One whose first line is `$ ... console ...`
//!   starts a fresh session with that line's `--clock` (or the fixed one); any other
//!   input block carries on the session before it, as a reader pasting into the same
//!   console would.
//! - A fence whose first line is `> /command` is **shown output**: for each `> line`,
//!   the lines under it must be what the console printed for that command in the
//!   session so far, in order; a line `...` stands for any number of lines. Without a
//!   closing `...`, the reply must end where the block does.
//! - A line noted `# refused` must be refused (the console's `--strict` checks that).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The clock a session uses unless its `$` line gives another.
const FIXED_CLOCK: &str = "2026-03-01T09:00:00Z";

#[derive(Debug)]
enum Block {
    /// Commands to type; `Some(clock)` starts a fresh session.
    Input {
        fresh: Option<String>,
        lines: Vec<String>,
        at: usize,
    },
    /// Output the console must show.
    Shown { lines: Vec<String>, at: usize },
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = doc.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(language) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let indent = line.len() - line.trim_start().len();
        let mut body = Vec::new();
        for (_, inner) in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                break;
            }
            body.push(inner.get(indent..).unwrap_or(inner.trim_start()).to_string());
        }
        if !(language.is_empty() || language == "console") {
            continue;
        }
        let at = number + 1;
        let first = body
            .iter()
            .find(|l| !l.trim().is_empty())
            .cloned()
            .unwrap_or_default();
        if first.starts_with("> /") {
            out.push(Block::Shown { lines: body, at });
            continue;
        }
        let (fresh, commands) = match first.strip_prefix("$ ") {
            Some(shell) if shell.contains(" console") => {
                let clock = shell
                    .split_whitespace()
                    .skip_while(|w| *w != "--clock")
                    .nth(1)
                    .unwrap_or(FIXED_CLOCK)
                    .to_string();
                let rest = body
                    .iter()
                    .skip_while(|l| !l.starts_with("$ "))
                    .skip(1)
                    .cloned()
                    .collect();
                (Some(clock), rest)
            }
            Some(_) => continue,
            None => (None, body),
        };
        let is_console = commands
            .iter()
            .all(|l: &String| l.trim().is_empty() || l.starts_with('/') || l.starts_with('#'))
            && commands.iter().any(|l| l.starts_with('/'));
        if is_console {
            out.push(Block::Input {
                fresh,
                lines: commands,
                at,
            });
        }
    }
    out
}

/// Runs a session's lines with `--strict` on a fresh database; its transcript.
fn run(clock: &str, script: &[String], doc: &str, at: usize) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["console", "--strict", "--clock", clock, "--db"])
        .arg(dir.path().join("doc.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth starts");
    let mut input = script.join("\n");
    input.push('\n');
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("script written");
    let output = child.wait_with_output().expect("hearth finishes");
    let transcript = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{doc}: the console block ending by line {at} has a line that was refused (or a \
         `# refused` line that was done):\n{transcript}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    transcript
}

/// The console's reply to each command, in order: (the echoed line, its output lines).
fn replies(transcript: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in transcript.lines() {
        match line.strip_prefix("> ") {
            Some(command) => out.push((strip_note(command), Vec::new())),
            None => {
                if let Some((_, lines)) = out.last_mut() {
                    lines.push(line.to_string());
                }
            }
        }
    }
    out
}

/// A command without its `# note`, spaces trimmed.
fn strip_note(command: &str) -> String {
    match command.find(" # ") {
        Some(cut) => command[..cut].trim().to_string(),
        None => command.trim().to_string(),
    }
}

/// Whether `shown` (with `...` for any lines) matches `actual` from its start.
fn matches(shown: &[String], actual: &[String]) -> Result<(), String> {
    let mut next = 0;
    let mut wildcard = false;
    for expected in shown {
        if expected.trim() == "..." {
            wildcard = true;
            continue;
        }
        let found = if wildcard {
            actual[next..]
                .iter()
                .position(|a| a == expected)
                .map(|p| next + p)
        } else {
            (actual.get(next) == Some(expected)).then_some(next)
        };
        match found {
            Some(at) => next = at + 1,
            None => {
                return Err(format!(
                    "expected {expected:?}, but the console printed {:?}",
                    actual.get(next).map(String::as_str).unwrap_or("nothing more")
                ))
            }
        }
        wildcard = false;
    }
    if !wildcard && next < actual.len() {
        return Err(format!("the console printed more: {:?}", &actual[next..]));
    }
    Ok(())
}

fn check_shown(shown: &[String], transcript: &str, doc: &str, at: usize) {
    let replies = replies(transcript);
    let mut from = 0;
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for line in shown {
        match line.strip_prefix("> ") {
            Some(command) => groups.push((strip_note(command), Vec::new())),
            None => {
                if let Some((_, lines)) = groups.last_mut() {
                    lines.push(line.clone());
                }
            }
        }
    }
    for (command, expected) in groups {
        let Some(found) = replies[from..].iter().position(|(typed, _)| *typed == command) else {
            panic!(
                "{doc} line {at}: the shown output has `> {command}`, which the session before it never runs"
            );
        };
        let (_, actual) = &replies[from + found];
        if let Err(problem) = matches(&expected, actual) {
            panic!(
                "{doc} line {at}: the output shown for `{command}` no longer matches: {problem}\n\
                 The console printed:\n{}",
                actual.join("\n")
            );
        }
        from += found + 1;
    }
}

fn docs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![root.join("README.md")];
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        let mut guides: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        guides.sort();
        docs.extend(guides);
    }
    docs
}

/// Checks one document; returns how many input and shown blocks it had.
fn check_doc(path: &Path) -> (usize, usize) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = std::fs::read_to_string(path).expect("the doc is readable");
    let mut clock = FIXED_CLOCK.to_string();
    let mut session: Vec<String> = Vec::new();
    let mut last_at = 0;
    let (mut inputs, mut shown) = (0, 0);
    for block in blocks(&text) {
        match block {
            Block::Input { fresh, lines, at } => {
                inputs += 1;
                if let Some(new_clock) = fresh {
                    if !session.is_empty() {
                        run(&clock, &session, &name, last_at);
                    }
                    clock = new_clock;
                    session.clear();
                }
                session.extend(lines);
                last_at = at;
            }
            Block::Shown { lines, at } => {
                shown += 1;
                let transcript = run(&clock, &session, &name, at);
                check_shown(&lines, &transcript, &name, at);
            }
        }
    }
    if !session.is_empty() {
        run(&clock, &session, &name, last_at);
    }
    (inputs, shown)
}

#[test]
fn every_console_block_in_the_docs_runs_strictly_and_its_shown_output_still_matches() {
    let mut total = (0, 0);
    for doc in docs() {
        let (inputs, shown) = check_doc(&doc);
        total.0 += inputs;
        total.1 += shown;
    }
    // The README's quickstart, more-to-try and reminder blocks at least.
    assert!(
        total.0 >= 3 && total.1 >= 2,
        "found {total:?} blocks: is the parser still finding them?"
    );
}

#[test]
fn shown_output_with_a_changed_line_is_caught_and_dots_stand_for_any_lines() {
    let actual: Vec<String> = ["✓ Created Circle", "  Channel: #circle", "  Kind: meeting"]
        .map(String::from)
        .to_vec();
    let same: Vec<String> = actual.clone();
    assert!(matches(&same, &actual).is_ok());
    let dotted: Vec<String> = ["✓ Created Circle", "..."].map(String::from).to_vec();
    assert!(matches(&dotted, &actual).is_ok());
    let skipping: Vec<String> = ["✓ Created Circle", "...", "  Kind: meeting"]
        .map(String::from)
        .to_vec();
    assert!(matches(&skipping, &actual).is_ok());
    let changed: Vec<String> = ["✓ Created Circle", "  Channel: #other", "..."]
        .map(String::from)
        .to_vec();
    assert!(matches(&changed, &actual).is_err());
    let short: Vec<String> = ["✓ Created Circle"].map(String::from).to_vec();
    assert!(
        matches(&short, &actual).is_err(),
        "an unclosed block must match to its end"
    );
}

#[test]
fn blocks_are_told_apart_and_a_dollar_line_starts_a_fresh_session() {
    let doc = "text\n```\n/setup timezone:Europe/London\n```\n\n```sh\ncargo test\n```\n\
               ```\n$ hearth console --clock 2026-05-01T10:00:00Z --db x.db\n/group list\n```\n\
               ```\n> /group list\n...\n```\n```\nsrc/\n  main.rs\n```\n";
    let found = blocks(doc);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(matches!(&found[0], Block::Input { fresh: None, lines, .. } if lines.len() == 1));
    assert!(
        matches!(&found[1], Block::Input { fresh: Some(clock), lines, .. } if clock == "2026-05-01T10:00:00Z" && lines == &["/group list".to_string()])
    );
    assert!(matches!(&found[2], Block::Shown { .. }));
}
