//! A fuzz harness for the console: random and mutated command lines through the real
//! console on fresh databases, reporting every panic, hang and non-zero exit.
//!
//! ```text
//! cargo build --release --bin hearth
//! cargo run --release --example fuzz_console -- --lines 20000 [--seed 7]
//! ```
//!
//! Lines are (a) commands from the command catalogue (`COMMANDS`) with plausible and
//! hostile values, and (b) byte-level mutations of those, which may not be UTF-8. They
//! run through `Console::handle_raw_line`, the same decoding the binary uses, each in
//! its own task (a panic is a `JoinError`) under a time limit (a hang). A smaller batch
//! goes through the release binary too, so the read loop and the exit status are
//! covered. The same `--seed` replays a run exactly; each failing line is printed
//! escaped so it can be pasted back into a script.

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::io::AsyncWriteExt;

use hearth::app::catalogue::COMMANDS;
use hearth::clock::{Clock, ManualClock};
use hearth::config::Settings;
use hearth::console::Console;
use hearth::startup::Application;

/// Longer than any honest line takes, even a 30-day `/clock advance` on a busy group.
const LINE_LIMIT: Duration = Duration::from_secs(10);
/// Lines per database: state builds up (groups, series, answers) but stays small
/// enough that a million lines do not slow down as the tables grow.
const SESSION_LINES: usize = 2_000;
/// Lines per run of the binary, and the binary's share of the lines asked for.
const BINARY_SCRIPT_LINES: usize = 500;
const BINARY_SHARE: usize = 100;
/// Where simulated time starts in every session.
const START: &str = "2026-03-01T09:00:00Z";

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("fuzz_console: {error}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    lines: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, Failure> {
    let mut args = Args {
        lines: 20_000,
        seed: 1,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--lines" => args.lines = value.parse()?,
            "--seed" => args.seed = value.parse()?,
            other => return Err(format!("unknown option {other}; use --lines N [--seed S]").into()),
        }
    }
    Ok(args)
}

/// Totals for the report.
#[derive(Default)]
struct Tally {
    lines: usize,
    ok: usize,
    refused: usize,
    panics: usize,
    hangs: usize,
    bad_exits: usize,
}

async fn run() -> Result<bool, Failure> {
    let args = parse_args()?;
    let started = Instant::now();
    let location = record_panic_locations();
    let mut tally = Tally::default();
    let mut rng = SplitMix(args.seed);
    let dir = tempfile::tempdir()?;

    let mut session = Session::start(dir.path(), 0).await?;
    let mut in_session = 0;
    for number in 1..=args.lines {
        if in_session == SESSION_LINES {
            session = session.restart(dir.path()).await?;
            in_session = 0;
        }
        in_session += 1;
        let line = generate(&mut rng, session.clock.now());
        // Kept to print if the line panics or hangs: the task owns its copy.
        let kept = line.clone();
        tally.lines += 1;
        let Some(console) = session.console.take() else {
            return Err("the console was lost".into());
        };
        let mut task = tokio::spawn(async move {
            let mut console = console;
            let outcome = console.handle_raw_line(&line).await;
            (console, outcome)
        });
        match tokio::time::timeout(LINE_LIMIT, &mut task).await {
            Ok(Ok((console, outcome))) => {
                session.console = Some(console);
                if outcome.failed {
                    tally.refused += 1;
                } else {
                    tally.ok += 1;
                }
            }
            Ok(Err(joined)) => {
                tally.panics += 1;
                let at = take_location(&location);
                println!(
                    "PANIC at line {number} (seed {}, line {in_session} of its session) at {at}: {joined}",
                    args.seed
                );
                println!("  line: {}", escaped(&kept));
                session = session.restart(dir.path()).await?;
                in_session = 0;
            }
            Err(_elapsed) => {
                task.abort();
                tally.hangs += 1;
                println!(
                    "HANG (over {}s) at line {number} (seed {}, line {in_session} of its session)",
                    LINE_LIMIT.as_secs(),
                    args.seed
                );
                println!("  line: {}", escaped(&kept));
                session = session.restart(dir.path()).await?;
                in_session = 0;
            }
        }
    }
    session.close().await;

    let binary_lines = (args.lines / BINARY_SHARE).max(BINARY_SCRIPT_LINES.min(args.lines));
    let binary = run_binary_batch(&mut rng, binary_lines, dir.path(), &mut tally).await?;

    let seconds = started.elapsed().as_secs_f64();
    println!(
        "lines run: {} through the library ({} ok, {} refused), {binary} through the binary",
        tally.lines, tally.ok, tally.refused
    );
    println!(
        "panics: {}  hangs: {}  non-zero exits: {}",
        tally.panics, tally.hangs, tally.bad_exits
    );
    println!(
        "seed {}  {seconds:.1} s  {:.0} lines/s",
        args.seed,
        (tally.lines + binary) as f64 / seconds
    );
    Ok(tally.panics == 0 && tally.hangs == 0 && tally.bad_exits == 0)
}

/// One console on its own database.
struct Session {
    application: Application,
    console: Option<Console>,
    clock: ManualClock,
    index: usize,
}

impl Session {
    /// Builds the console exactly as `hearth console --clock` does (src/cli.rs).
    async fn start(dir: &Path, index: usize) -> Result<Session, Failure> {
        let settings = Settings::load(None)?;
        let start: DateTime<Utc> = DateTime::parse_from_rfc3339(START)?.with_timezone(&Utc);
        let clock = ManualClock::new(start);
        let db = dir.join(format!("fuzz-{index}.db"));
        let application = Application::build(&settings, &db, Arc::new(clock.clone())).await?;
        let console = Console::new(application.app().clone(), Some(clock.clone()), |chat| {
            application.console_engine(chat)
        })
        .with_files_dir(dir);
        Ok(Session {
            application,
            console: Some(console),
            clock,
            index,
        })
    }

    async fn restart(self, dir: &Path) -> Result<Session, Failure> {
        let next = self.index + 1;
        let old = dir.join(format!("fuzz-{}.db", self.index));
        self.close().await;
        // Old databases are only disk space; a file that will not go is not a finding.
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", old.display()));
            if path.exists() {
                std::fs::remove_file(&path)?;
            }
        }
        Session::start(dir, next).await
    }

    async fn close(self) {
        drop(self.console);
        self.application.close().await;
    }
}

/// Runs `lines` generated lines through the release binary, a script at a time, and
/// counts runs that panicked, hung or exited non-zero. Returns how many lines ran.
async fn run_binary_batch(
    rng: &mut SplitMix,
    lines: usize,
    dir: &Path,
    tally: &mut Tally,
) -> Result<usize, Failure> {
    let Some(binary) = hearth_binary() else {
        println!("(no target/release/hearth next to this example: build it with `cargo build --release --bin hearth`; binary batch skipped)");
        return Ok(0);
    };
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339(START)?.with_timezone(&Utc);
    let mut ran = 0;
    let mut run = 0;
    while ran < lines {
        let count = BINARY_SCRIPT_LINES.min(lines - ran);
        let mut script = Vec::new();
        for _ in 0..count {
            // The binary's clock is not visible from here; lines near the start suffice.
            let mut line = generate(rng, start);
            // `/quit` would end the script early; everything else goes in.
            if matches!(line_text_lower(&line).as_str(), "/quit" | "/exit") {
                line = b"/help".to_vec();
            }
            script.extend_from_slice(&line);
            script.push(b'\n');
        }
        run += 1;
        let db = dir.join(format!("binary-{run}.db"));
        let mut child = tokio::process::Command::new(&binary)
            .arg("console")
            .arg("--db")
            .arg(&db)
            .arg("--clock")
            .arg(START)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let feed = tokio::spawn(async move { stdin.write_all(&script).await });
        let limit = LINE_LIMIT * u32::try_from(count.min(60)).unwrap_or(60);
        match tokio::time::timeout(limit, child.wait_with_output()).await {
            Ok(output) => {
                let output = output?;
                let stderr = String::from_utf8_lossy(&output.stderr);
                if !output.status.success() || stderr.contains("panicked") {
                    tally.bad_exits += 1;
                    println!(
                        "BINARY run {run} ({count} lines) ended {:?}: {}",
                        output.status,
                        stderr.trim()
                    );
                }
            }
            Err(_elapsed) => {
                tally.hangs += 1;
                println!(
                    "BINARY run {run} ({count} lines) still running after {}s",
                    limit.as_secs()
                );
            }
        }
        if let Ok(Err(error)) = feed.await {
            // A binary that stopped reading early has already been reported above.
            if error.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(error.into());
            }
        }
        ran += count;
    }
    Ok(ran)
}

/// `target/release/hearth`, beside `target/release/examples/fuzz_console`.
fn hearth_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let binary = exe.parent()?.parent()?.join("hearth");
    binary.exists().then_some(binary)
}

fn line_text_lower(line: &[u8]) -> String {
    String::from_utf8_lossy(line).trim().to_lowercase()
}

/// A line as a Rust byte-string literal body, to paste into a script or a test.
fn escaped(line: &[u8]) -> String {
    format!("b\"{}\"", line.escape_ascii())
}

/// Where the last panic happened, filled in by the panic hook.
fn record_panic_locations() -> Arc<Mutex<Option<String>>> {
    let location = Arc::new(Mutex::new(None));
    let hook_location = location.clone();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Some(at) = info.location() {
            *hook_location.lock().unwrap_or_else(|p| p.into_inner()) = Some(at.to_string());
        }
        default_hook(info);
    }));
    location
}

fn take_location(location: &Mutex<Option<String>>) -> String {
    location
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .unwrap_or_else(|| "an unknown place".into())
}

/// SplitMix64: tiny, fast, and the same sequence for the same seed everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0); the slight bias of `%` does not matter here.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that stress any option: empty, huge, control characters, emoji, quotes.
fn hostile(rng: &mut SplitMix) -> String {
    match rng.below(16) {
        0 => String::new(),
        1 => "x".repeat(10_000),
        2 => "\u{1b}[31mred\u{1b}[0m".into(),
        3 => "nul\0byte".into(),
        4 => "🙂🏳️‍🌈👩‍👩‍👧".into(),
        5 => "\"unbalanced".into(),
        6 => "# not a comment".into(),
        7 => "-1".into(),
        8 => "99999999999999999999999".into(),
        9 => "-9223372036854775808".into(),
        10 => "9999-12-31 23:59".into(),
        11 => "EST".into(),
        12 => "\u{202e}reversed".into(),
        13 => "tab\there\rcr".into(),
        14 => "a:b:c".into(),
        _ => "\\".into(),
    }
}

/// A value that fits the option's name most of the time, and a hostile one otherwise.
fn value_for(rng: &mut SplitMix, option: &str) -> String {
    if rng.chance(20) {
        return hostile(rng);
    }
    let choices: &[&str] = match option {
        "group" | "name" => &["Circle", "Tuesday Circle", "circle", "Night Owls", "1", "Nobody"],
        "channel" | "alerts_channel" => &["#circle", "#c", "circle", "#", "<#123>"],
        "timezone" => &[
            "Europe/London",
            "America/New_York",
            "UTC",
            "EST",
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "Mars/Olympus",
            "+05:30",
        ],
        "when" | "until" | "after" => &[
            "2026-03-10 18:30",
            "2026-03-29 01:30",
            "2026-10-25 01:30",
            "2026-02-30 10:00",
            "18:30",
            "tomorrow 18:30",
            "9999-12-31 23:59",
            "0001-01-01 00:00",
            "2026-03-01T09:00:00Z",
            "1970-01-01",
        ],
        "session" | "series" => &["1", "2", "3", "0", "-1", "#1", "1.5", "18446744073709551616"],
        "capacity" | "facilitators_needed" | "weeks" | "days" | "count" | "every" | "retention_days" => &[
            "0",
            "1",
            "2",
            "12",
            "52",
            "-1",
            "1000000",
            "9223372036854775807",
            "1e3",
        ],
        "repeat" => &[
            "weekly",
            "fortnightly",
            "monthly",
            "daily",
            "never",
            "yearly",
            "hourly",
        ],
        "duration" => &["90m", "1h30m", "2h", "0m", "-5m", "1000000h", "1d"],
        "offsets" => &["24h,1h", "1h", "0m", "-1h", "400d", "24h,24h", "1h,,2h"],
        "state" | "button" => &["going", "maybe", "cant", "here", "GOING", "yes"],
        "users" => &["Sam, Kit", "you", "Sam", ",,,", "@everyone"],
        "kind" => &["open", "closed", "peer", "speaker"],
        "privacy" => &["headcount", "names", "public", "private", "facilitators"],
        "announce" => &["yes", "no", "on", "off"],
        "rrule" => &[
            "FREQ=WEEKLY;BYDAY=TU",
            "FREQ=DAILY;COUNT=3",
            "FREQ=MINUTELY",
            "FREQ=SECONDLY;COUNT=100000",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "RRULE:FREQ=WEEKLY",
            "garbage",
        ],
        "role" | "coordinator_role" => &["member", "facilitator", "coordinator", "admin"],
        "user" => &["Sam", "Kit", "you", "SAM"],
        "reason" | "description" | "location" | "support_text" => &["Snow", "Room 2", "Call 111"],
        _ => &["yes", "1", "x"],
    };
    rng.pick(choices).to_string()
}

/// `name:value`, quoted when the value needs it, and sometimes deliberately not.
fn option_text(rng: &mut SplitMix, name: &str, value: &str) -> String {
    let plain = !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c == '"');
    if plain && rng.chance(80) {
        format!("{name}:{value}")
    } else if rng.chance(90) {
        format!("{name}:\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        format!("{name}:{value}")
    }
}

/// A line from the console's command table, or one of its own commands.
fn command_line(rng: &mut SplitMix, now: DateTime<Utc>) -> String {
    match rng.below(40) {
        0 => {
            return format!(
                "/clock advance by:{}{}",
                1 + rng.below(30),
                rng.pick(&["m", "h", "d"])
            )
        }
        1 => {
            // Up to 30 days ahead, or back a little (refused: time only moves forward).
            let minutes = rng.below(30 * 24 * 60) as i64 - 60;
            let at = now + chrono::Duration::minutes(minutes);
            return format!(
                "/clock set when:{}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
        }
        2 => {
            let role = rng.pick(&["member", "facilitator", "coordinator", "admin", ""]);
            let user = value_for(rng, "user");
            return format!("/as {} role:{role}", option_text(rng, "user", &user));
        }
        3 => {
            return rng
                .pick(&["/help", "/clock", "/clock show", "", "   ", "# a comment", "/"])
                .to_string()
        }
        _ => {}
    }
    let command = rng.pick(COMMANDS);
    if command.path == "quit" {
        return "/help".to_string();
    }
    let mut line = format!("/{}", command.path);
    for option in command.options {
        if rng.chance(if option.required { 95 } else { 30 }) {
            let value = value_for(rng, option.name);
            line.push(' ');
            line.push_str(&option_text(rng, option.name, &value));
        }
    }
    if rng.chance(3) {
        line.push_str(" colour:blue");
    }
    if rng.chance(3) {
        line.push_str(" # trailing comment");
    }
    line
}

/// Byte-level damage: flips, deletions, insertions, duplication, truncation.
fn mutate(rng: &mut SplitMix, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let at = if bytes.is_empty() {
            0
        } else {
            rng.below(bytes.len())
        };
        match rng.below(7) {
            0 if !bytes.is_empty() => bytes[at] ^= 1 << rng.below(8),
            1 if !bytes.is_empty() => {
                bytes.remove(at);
            }
            2 => bytes.insert(at, rng.next() as u8),
            3 => bytes.insert(at, *rng.pick(b"\":\\# \x00\x1b\xff\xc3\xe2")),
            4 if !bytes.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(at..at, chunk);
            }
            5 => bytes.truncate(at),
            _ if bytes.len() > 1 => {
                let other = rng.below(bytes.len());
                bytes.swap(at, other);
            }
            _ => bytes.push(b'/'),
        }
    }
    // One line stays one line: a newline inside would split it in the binary's script.
    bytes.retain(|b| *b != b'\n');
    bytes
}

/// The next line of a run.
fn generate(rng: &mut SplitMix, now: DateTime<Utc>) -> Vec<u8> {
    let line = command_line(rng, now);
    // The clock lines are kept whole: a mutated `by:3d` can become `by:333d`, a
    // legitimately long walk through simulated time rather than a hang.
    if !line.starts_with("/clock") && rng.chance(35) {
        mutate(rng, line.into_bytes())
    } else {
        line.into_bytes()
    }
}
