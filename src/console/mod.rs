//! The console adapter: the same commands as Discord, typed as lines.
//!
//! Reads command lines from standard input — with line editing on a terminal, as a
//! script from a pipe — and prints every reply (and, as features add them, every
//! post the bot makes) with times in the group's local time and zone. With
//! `--clock`, time is simulated and moves only by `/clock`. Only this adapter
//! differs from Discord: the app, store and rules are the same.

pub mod chat;
pub mod commands;
pub mod parse;
pub mod render;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::io::AsyncBufReadExt;

use crate::app::{catalogue, Actor, App, AppError};
use crate::chat::{ChatPort, Reply};
use crate::clock::{Clock, ManualClock};
use crate::domain::role::Role;
use crate::domain::time::{parse_duration, parse_when, resolve_local, Tz};
use crate::engine::Engine;

use self::chat::{ConsoleChat, Sink};

use self::commands::Options;
use self::parse::{parse_line, CommandLine};

/// The console's community: one per database.
pub const COMMUNITY: &str = "console";

/// The result of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub output: String,
    /// The command was refused or failed (for `--strict`).
    pub failed: bool,
    pub quit: bool,
}

/// One console session: who is typing, the simulated clock if there is one, and the
/// dispatcher that prints the bot's posts.
pub struct Console {
    app: App,
    actor: Actor,
    /// The role each name (case-folded) last had here, so `/as user:NAME` without
    /// `role:` goes back to being who that person was.
    roles: HashMap<String, Role>,
    clock: Option<ManualClock>,
    dispatch: Dispatch,
    /// Where files that go with a reply (an export, a report) are written: next to
    /// the database.
    files_dir: PathBuf,
}

/// How the console's dispatcher runs.
enum Dispatch {
    /// Simulated time: stepped by the console as `/clock` passes due times; posts are
    /// collected and printed before the command's own reply.
    Stepped {
        engine: Box<Engine>,
        posts: Arc<Mutex<String>>,
    },
    /// Real time: the dispatcher's loop runs beside the prompt and prints as it posts.
    Background(tokio::task::JoinHandle<()>),
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Dispatch::Background(handle) = &self.dispatch {
            handle.abort();
        }
    }
}

/// The furthest one simulated step goes before the horizon is rolled forward again.
const SIMULATED_STEP: chrono::Duration = chrono::Duration::days(1);

impl Console {
    /// Starts as a coordinator called "you", so a new user can set things up at once.
    /// Must be called inside a tokio runtime (real time spawns the dispatcher).
    /// `engine` builds the dispatcher for the console's chat (see `startup`).
    pub fn new(app: App, clock: Option<ManualClock>, engine: impl Fn(Arc<dyn ChatPort>) -> Engine) -> Self {
        let actor = Actor {
            community_id: COMMUNITY.to_string(),
            user_id: "console:you".to_string(),
            name: "you".to_string(),
            role: Role::Coordinator,
        };
        let dispatch = if clock.is_some() {
            let posts = Arc::new(Mutex::new(String::new()));
            let chat = ConsoleChat::new(app.clock(), Sink::Buffer(posts.clone()));
            let engine = engine(Arc::new(chat));
            Dispatch::Stepped {
                engine: Box::new(engine),
                posts,
            }
        } else {
            let chat = ConsoleChat::new(app.clock(), Sink::Stdout);
            let engine = engine(Arc::new(chat));
            Dispatch::Background(tokio::spawn(async move {
                if let Err(error) = engine.run(std::future::pending()).await {
                    tracing::error!(error = %crate::report::cause_chain(&error), "the dispatcher stopped");
                }
            }))
        };
        let roles = HashMap::from([(actor.name.to_lowercase(), actor.role)]);
        Console {
            app,
            actor,
            roles,
            clock,
            dispatch,
            files_dir: PathBuf::from("."),
        }
    }

    /// Writes files that go with replies into `dir` (the database's folder).
    pub fn with_files_dir(mut self, dir: &Path) -> Self {
        self.files_dir = dir.to_path_buf();
        self
    }

    /// Writes a reply's files and says where each went, in the reply.
    fn save_files(&self, reply: &mut Reply) -> Result<(), AppError> {
        for file in std::mem::take(&mut reply.files) {
            let path = self.files_dir.join(&file.name);
            std::fs::write(&path, &file.bytes).map_err(|error| {
                AppError::invalid(format!(
                    "I couldn't write {} in {} ({error}). Check that folder can be written to.",
                    file.name,
                    self.files_dir.display()
                ))
            })?;
            reply.lines.push(format!("File: {}", path.display()).into());
        }
        Ok(())
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Runs one typed line and returns what to print. A line noted `# refused` is
    /// expected to fail: refused, it counts as done; done, it counts as a failure.
    pub async fn handle_line(&mut self, line: &str) -> Outcome {
        let mut outcome = self.run_line(line).await;
        if parse::expects_refusal(line) {
            if outcome.failed {
                outcome.failed = false;
            } else {
                outcome.failed = true;
                outcome.output.push_str(
                    "✗ This line is noted as refused, but it was done. Check the note or the command.\n",
                );
            }
        }
        outcome
    }

    async fn run_line(&mut self, line: &str) -> Outcome {
        let parsed = match parse_line(line) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => {
                return Outcome {
                    output: String::new(),
                    failed: false,
                    quit: false,
                }
            }
            Err(error) => return self.problem(error.to_string()),
        };
        let now = self.app.now();
        let result = match parsed
            .path
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["quit"] | ["exit"] => {
                return Outcome {
                    output: String::new(),
                    failed: false,
                    quit: true,
                }
            }
            ["help"] => Ok(help()),
            ["as"] => self.switch_user(&parsed),
            ["clock", rest @ ..] => self.clock_command(rest, &parsed).await,
            _ => match commands::find(&parsed.path) {
                Some(command) => match Options::check(command, &parsed) {
                    Ok(options) => commands::dispatch(&self.app, &self.actor, &options).await,
                    Err(error) => Err(error),
                },
                None => Err(AppError::invalid(format!(
                    "I don't know the command /{}. /help lists them all.",
                    parsed.path.join(" ")
                ))),
            },
        };
        // What the command queued that is due now (a cancellation notice) posts now.
        let dispatched = self.dispatch_due().await;
        let posts = self.take_posts();
        let result = result.and_then(|mut reply| self.save_files(&mut reply).map(|()| reply));
        let mut outcome = match result.and_then(|reply| dispatched.map(|()| reply)) {
            Ok(reply) => Outcome {
                output: render::render_reply(&reply, self.app.now().max(now)),
                failed: false,
                quit: false,
            },
            Err(error) => self.problem(error.to_string()),
        };
        outcome.output = posts + &outcome.output;
        outcome
    }

    /// In simulated time, delivers every job due at the current instant.
    async fn dispatch_due(&mut self) -> Result<(), AppError> {
        if let Dispatch::Stepped { engine, .. } = &mut self.dispatch {
            engine.run_until_idle().await?;
        }
        Ok(())
    }

    fn take_posts(&self) -> String {
        match &self.dispatch {
            Dispatch::Stepped { posts, .. } => {
                std::mem::take(&mut *posts.lock().unwrap_or_else(|p| p.into_inner()))
            }
            Dispatch::Background(_) => String::new(),
        }
    }

    /// Moves simulated time to `target`, stopping at each due job in order (and at
    /// least daily, to roll the horizon) so posts appear at their own times.
    async fn advance_to(&mut self, clock: &ManualClock, target: DateTime<Utc>) -> Result<(), AppError> {
        // A guard against a job that keeps coming due; a year of daily steps fits well inside.
        for _ in 0..100_000 {
            self.app.roll_horizon().await?;
            let now = clock.now();
            let next_job = match &self.dispatch {
                Dispatch::Stepped { engine, .. } => engine.next_due().await?,
                Dispatch::Background(_) => None,
            };
            let stop = next_job
                .filter(|at| *at > now)
                .unwrap_or(target)
                .min(now + SIMULATED_STEP)
                .min(target);
            clock.set(stop.max(now));
            self.dispatch_due().await?;
            if stop >= target {
                break;
            }
        }
        self.app.roll_horizon().await?;
        self.dispatch_due().await
    }

    fn problem(&self, message: String) -> Outcome {
        Outcome {
            output: render::render_reply(&Reply::problem(message), self.app.now()),
            failed: true,
            quit: false,
        }
    }

    fn switch_user(&mut self, line: &CommandLine) -> Result<Reply, AppError> {
        let options = Options::check(console_command("as")?, line)?;
        let name = options.required("user").trim().to_string();
        if name.is_empty() {
            return Err(AppError::invalid(
                "Who is typing? Give a name, like /as user:Sam role:member.",
            ));
        }
        let key = name.to_lowercase();
        let role = match options.choice("role") {
            Some(role) => role.parse::<Role>().map_err(AppError::Invalid)?,
            // The role this name last had here; someone new is a member.
            None => self.roles.get(&key).copied().unwrap_or(Role::Member),
        };
        self.roles.insert(key.clone(), role);
        self.actor = Actor {
            community_id: COMMUNITY.to_string(),
            user_id: format!("console:{key}"),
            name: name.clone(),
            role,
        };
        Ok(Reply::private(
            crate::chat::Tone::Done,
            format!("You are now {name} ({role})"),
        ))
    }

    async fn clock_command(&mut self, rest: &[&str], line: &CommandLine) -> Result<Reply, AppError> {
        let Some(clock) = self.clock.clone() else {
            return Err(AppError::invalid(
                "The clock is real time in this session. Start the console with --clock \
                 2026-03-01T09:00:00Z to rehearse in simulated time.",
            ));
        };
        let now = self.app.now();
        let new_now = match rest {
            ["set"] => {
                let when = Options::check(console_command("clock set")?, line)?.required("when");
                parse_instant(&when, self.community_zone().await?)?
            }
            ["advance"] => {
                let by =
                    parse_duration(&Options::check(console_command("clock advance")?, line)?.required("by"))?;
                now + by
            }
            [] | ["show"] => {
                Options::check(console_command("clock show")?, line)?;
                now
            }
            _ => {
                return Err(AppError::invalid(
                    "Use /clock set when:\"2026-03-01 09:00\" or /clock advance by:3d.",
                ))
            }
        };
        if new_now < now {
            return Err(AppError::invalid(
                "The simulated clock only moves forward; choose a later time, or restart the console.",
            ));
        }
        self.advance_to(&clock, new_now).await?;
        // In the community's zone, with its abbreviation (GMT, BST), as every other time
        // the console prints.
        let zone = self.community_zone().await?;
        Ok(Reply::private(
            crate::chat::Tone::Info,
            format!(
                "The time is now {}",
                crate::domain::time::format_local(new_now, zone)
            ),
        ))
    }

    async fn community_zone(&self) -> Result<Tz, AppError> {
        let community = crate::store::communities::get(self.app.pool(), COMMUNITY).await?;
        Ok(community.and_then(|c| c.timezone).unwrap_or(Tz::UTC))
    }
}

/// An instant typed as RFC 3339 (`2026-03-01T09:00:00Z`) or as local time in `zone`.
fn parse_instant(typed: &str, zone: Tz) -> Result<DateTime<Utc>, AppError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(typed.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    Ok(resolve_local(zone, parse_when(typed)?))
}

/// Every command in the catalogue with its usage and summary.
fn help() -> Reply {
    let mut reply = Reply::private(crate::chat::Tone::Info, "Commands");
    for command in catalogue::COMMANDS {
        reply = reply.line(format!("{} — {}", command.usage(), command.summary));
    }
    reply
}

/// A console-only command's catalogue entry.
fn console_command(path: &str) -> Result<&'static catalogue::Command, AppError> {
    catalogue::find(path).ok_or_else(|| AppError::invalid(format!("/{path} isn't in the catalogue.")))
}

/// What a line of raw input says: its text without the line ending, or `None` when its
/// bytes aren't UTF-8. Scripts come from files and pipes, so a stray byte from another
/// encoding must cost one line, not the rest of the session.
pub fn line_text(raw: &[u8]) -> Option<&str> {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    std::str::from_utf8(raw).ok()
}

impl Console {
    /// Runs one line of raw input: as `handle_line` when it is text, otherwise a
    /// problem (a failure for `--strict`) that names the reason and skips the line.
    pub async fn handle_raw_line(&mut self, raw: &[u8]) -> Outcome {
        match line_text(raw) {
            Some(line) => self.handle_line(line).await,
            None => self.problem(
                "That line isn't readable text (it has bytes that aren't UTF-8), so I skipped it.".into(),
            ),
        }
    }
}

/// Whether the reader of standard output is still there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Listening,
    /// The pipe was closed (`hearth console | head -1`): nobody reads what comes next.
    Left,
}

/// Writes and flushes `text`. `print!` panics when the pipe is closed; a reader that
/// left is the normal end of `| head`, so it is reported rather than raised.
fn write_out(out: &mut impl Write, text: &str) -> Result<Reader, std::io::Error> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(Reader::Listening),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(Reader::Left),
        Err(error) => Err(error),
    }
}

/// Reads lines until the end of input, `/quit`, or the reader of standard output
/// leaving. Returns whether every command succeeded (with `strict`, it stops at the
/// first failure).
pub async fn run(mut console: Console, strict: bool) -> Result<bool, std::io::Error> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        return run_interactive(console, strict).await;
    }
    let mut input = tokio::io::BufReader::new(tokio::io::stdin());
    let mut out = std::io::stdout();
    let mut raw = Vec::new();
    let mut all_ok = true;
    loop {
        raw.clear();
        if input.read_until(b'\n', &mut raw).await? == 0 {
            break;
        }
        let outcome = console.handle_raw_line(&raw).await;
        // The echo shows which line a reply answers; an unreadable line is echoed with
        // its bad bytes replaced, so the reader can find it in the script.
        let typed = String::from_utf8_lossy(line_text(&raw).map_or(&raw[..], str::as_bytes));
        let typed = typed.trim();
        let mut transcript = String::new();
        if !typed.is_empty() && !typed.starts_with('#') {
            transcript = format!("> {typed}\n");
        }
        transcript.push_str(&outcome.output);
        all_ok &= !outcome.failed;
        if write_out(&mut out, &transcript)? == Reader::Left {
            break;
        }
        if outcome.quit || (strict && outcome.failed) {
            break;
        }
    }
    Ok(all_ok)
}

async fn run_interactive(mut console: Console, strict: bool) -> Result<bool, std::io::Error> {
    let mut out = std::io::stdout();
    let banner =
        "hearth console — you are a coordinator called \"you\". Type /help for commands, /quit to leave.\n";
    if write_out(&mut out, banner)? == Reader::Left {
        return Ok(true);
    }
    let mut editor = rustyline::DefaultEditor::new().map_err(std::io::Error::other)?;
    let mut all_ok = true;
    loop {
        let (returned, read) = tokio::task::spawn_blocking(move || {
            let read = editor.readline("hearth> ");
            (editor, read)
        })
        .await
        .map_err(std::io::Error::other)?;
        editor = returned;
        let line = match read {
            Ok(line) => line,
            Err(rustyline::error::ReadlineError::Interrupted | rustyline::error::ReadlineError::Eof) => break,
            Err(error) => return Err(std::io::Error::other(error)),
        };
        // History is a convenience: failing to record it must not stop the session.
        if editor.add_history_entry(line.as_str()).is_err() {
            tracing::debug!("could not add a history entry");
        }
        let outcome = console.handle_line(&line).await;
        all_ok &= !outcome.failed;
        if write_out(&mut out, &outcome.output)? == Reader::Left {
            break;
        }
        if outcome.quit || (strict && outcome.failed) {
            break;
        }
    }
    Ok(all_ok)
}
