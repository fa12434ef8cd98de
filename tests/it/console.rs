//! The console binary driven by scripts on a pipe, as a newcomer or a scenario
//! test would.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use chrono::Utc;

const QUICKSTART: &str = r#"/setup timezone:Europe/London
/group create name:"Tuesday Circle" channel:#circle
/meeting add group:"Tuesday Circle" when:"2026-03-10 18:30" repeat:fortnightly
/meeting list group:"Tuesday Circle" weeks:12
"#;

fn run_console(args: &[&str], script: impl AsRef<[u8]>) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("hearth.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("console")
        .arg("--db")
        .arg(&db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_ref())
        .expect("script written");
    child.wait_with_output().expect("hearth finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_quickstart_shows_1830_in_gmt_before_the_change_and_bst_after() {
    let output = run_console(&["--clock", "2026-03-01T09:00:00Z", "--strict"], QUICKSTART);

    let out = stdout(&output);
    assert!(
        output.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list = out.split("> /meeting list").nth(1).expect("the list ran");
    let sessions: Vec<&str> = list.lines().filter(|l| l.contains(" · ")).collect();
    assert_eq!(sessions.len(), 6, "{list}");
    assert!(sessions.iter().all(|l| l.contains("18:30")), "{list}");
    assert!(
        sessions[0].contains("10 Mar 2026 18:30 GMT") && sessions[1].contains("24 Mar 2026 18:30 GMT"),
        "{list}"
    );
    assert!(sessions[2..].iter().all(|l| l.contains("BST")), "{list}");
}

#[test]
fn the_quickstart_runs_in_real_time_too() {
    let output = run_console(&["--strict"], QUICKSTART);
    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("18:30"), "{out}");
}

#[test]
fn strict_mode_stops_at_the_first_failure_with_a_non_zero_exit() {
    let script = "/setup timezone:Europe/Londn\n/group list\n";

    let output = run_console(&["--strict"], script);

    let out = stdout(&output);
    assert!(!output.status.success());
    assert!(out.contains("Europe/London"), "{out}");
    assert!(
        !out.contains("> /group list"),
        "stopped before the second line: {out}"
    );
}

#[test]
fn without_strict_a_script_runs_to_the_end_and_exits_zero() {
    let output = run_console(&[], "/group create name:X\n/group list\n");
    let out = stdout(&output);
    assert!(output.status.success());
    assert!(out.contains("needs channel:"), "{out}");
    assert!(out.contains("There are no groups yet"), "{out}");
}

#[test]
fn unknown_options_and_commands_are_explained() {
    let output = run_console(&[], "/group list colour:blue\n/grop list\n");
    let out = stdout(&output);
    assert!(out.contains("/group list has no option colour:"), "{out}");
    assert!(out.contains("I don't know the command /grop list"), "{out}");
}

#[test]
fn as_switches_who_types_and_members_are_refused_coordinator_commands() {
    let script =
        "/setup timezone:Europe/London\n/as user:Sam role:member\n/group create name:Circle channel:#c\n";
    let output = run_console(&["--strict"], script);
    let out = stdout(&output);
    assert!(!output.status.success());
    assert!(out.contains("You are now Sam (member)"), "{out}");
    assert!(out.contains("Only a coordinator can create groups"), "{out}");
}

#[test]
fn the_simulated_clock_only_moves_with_clock_commands() {
    let script = "/clock advance by:3d\n/clock set when:\"2026-03-01 08:00\"\n";
    let output = run_console(&["--clock", "2026-03-01T09:00:00Z"], script);
    let out = stdout(&output);
    assert!(out.contains("The time is now Wed 4 Mar 2026 09:00 UTC"), "{out}");
    assert!(out.contains("only moves forward"), "{out}");
}

#[test]
fn the_clock_shows_the_communitys_zone_as_every_other_time_does() {
    let script = "/setup timezone:Europe/London\n/clock advance by:3d\n";
    let output = run_console(&["--strict", "--clock", "2026-03-01T09:00:00Z"], script);
    let out = stdout(&output);
    assert!(out.contains("The time is now Wed 4 Mar 2026 09:00 GMT"), "{out}");
    assert!(!out.contains("UTC"), "{out}");
}

#[test]
fn a_database_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("keep.db");
    let run = |script: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(["console", "--strict", "--db"])
            .arg(&db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_ref())
            .expect("write");
        child.wait_with_output().expect("finishes")
    };
    assert!(
        run("/setup timezone:Europe/London\n/group create name:Circle channel:#c\n")
            .status
            .success()
    );

    let second = run("/group list\n");

    assert!(
        stdout(&second).contains("Circle (meeting) in #c"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn the_readme_reminder_scenario_posts_each_reminder_once_at_its_time() {
    let script = r#"/setup timezone:Europe/London
/group create name:"Tuesday Circle" channel:#circle
/meeting add group:"Tuesday Circle" when:"2026-03-03 18:30" location:"Room 2"
/clock advance by:3d
/clock advance by:3d
"#;

    let output = run_console(&["--clock", "2026-03-01T09:00:00Z", "--strict"], script);

    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let posted = |title: &str| -> Vec<&str> {
        lines
            .windows(2)
            .filter(|pair| pair[0].starts_with("── post in #circle") && pair[1].starts_with(title))
            .map(|pair| pair[0])
            .collect()
    };
    assert_eq!(
        posted("Reminder: Tuesday Circle"),
        vec![
            "── post in #circle · Mon 2 Mar 2026 18:30 GMT ──",
            "── post in #circle · Tue 3 Mar 2026 17:30 GMT ──"
        ],
        "{out}"
    );
    assert_eq!(
        posted("Tuesday Circle"),
        vec!["── post in #circle · Sun 1 Mar 2026 09:00 GMT ──"],
        "the session's card, at once: it is less than a week away. {out}"
    );
    assert_eq!(out.matches("(in 1 day)").count(), 1, "{out}");
    assert_eq!(out.matches("(in 1 hour)").count(), 1, "{out}");
}

#[test]
fn reminder_offsets_are_checked_and_nothing_changes_on_a_bad_list() {
    let script = "/setup timezone:Europe/London\n/group create name:Circle channel:#c\n\
                  /reminders set group:Circle offsets:0m\n/reminders set group:Circle offsets:45d\n\
                  /reminders set group:Circle offsets:abc\n/reminders set group:Circle offsets:1h,1h\n\
                  /reminders set group:Circle offsets:1m,2m,3m,4m,5m,6m\n/reminders set group:Circle offsets:1d,1h\n";
    let output = run_console(&[], script);
    let out = stdout(&output);
    assert_eq!(out.matches("✗ ").count(), 5, "{out}");
    assert!(
        out.contains("Reminders for Circle: 1d,1h before each session"),
        "{out}"
    );
}

#[test]
fn a_database_that_cannot_be_opened_is_named_with_sqlites_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder").join("hearth.db");

    let output = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["console", "--db"])
        .arg(&missing)
        .stdin(Stdio::null())
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("the database {} could not be opened", missing.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("unable to open database file"),
        "SQLite's own words: {stderr}"
    );
}

#[test]
fn a_year_of_simulated_time_posts_every_reminder_and_dm_once_at_its_own_time() {
    use chrono::{Duration, NaiveDate, TimeZone};
    let script = r#"/setup timezone:Europe/London
/group create name:"Tuesday Circle" channel:#circle
/meeting add group:"Tuesday Circle" when:"2026-03-10 18:30" repeat:weekly
/as user:sam
/rsvp session:1 state:going every:yes
/reminders dm on
/as user:you role:coordinator
/clock advance by:366d
"#;

    let output = run_console(&["--clock", "2026-03-01T09:00:00Z", "--strict"], script);

    let printed = stdout(&output);
    assert!(output.status.success(), "{printed}");
    // Every Tuesday at 18:30 London time from 10 March, and each reminder 24 hours and
    // 1 hour before it, while the year lasts (until 09:00 UTC on 2 March 2027).
    let london = chrono_tz::Europe::London;
    let end = Utc.with_ymd_and_hms(2027, 3, 2, 9, 0, 0).unwrap();
    let mut expected = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    loop {
        let starts = london
            .from_local_datetime(&day.and_hms_opt(18, 30, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc);
        let due: Vec<_> = [Duration::hours(24), Duration::hours(1)]
            .into_iter()
            .map(|before| starts - before)
            .filter(|at| *at <= end)
            .collect();
        if due.is_empty() {
            break;
        }
        for at in due {
            expected.push(
                at.with_timezone(&london)
                    .format("%a %-d %b %Y %H:%M %Z")
                    .to_string(),
            );
        }
        day += Duration::days(7);
    }
    let headed = |head: &str| -> Vec<String> {
        let lines: Vec<&str> = printed.lines().collect();
        lines
            .windows(2)
            .filter(|pair| pair[0].starts_with(head) && pair[1].starts_with("Reminder: "))
            .map(|pair| {
                pair[0]
                    .trim_start_matches(head)
                    .trim_end_matches(" ──")
                    .to_string()
            })
            .collect()
    };
    assert_eq!(expected.len(), 103);
    assert_eq!(headed("── post in #circle · "), expected, "channel reminders");
    assert_eq!(headed("── DM to sam · "), expected, "Sam's DMs");
}

#[test]
fn a_line_that_is_not_utf8_is_skipped_and_the_lines_after_it_are_still_answered() {
    let mut script = b"/group list\n".to_vec();
    script.extend_from_slice(b"/group create name:caf\xe9 channel:#cafe\n");
    script.extend_from_slice(b"/setup timezone:Europe/Londn\n");

    let output = run_console(&[], &script);

    let out = stdout(&output);
    assert!(
        output.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.contains("That line isn't readable text"), "{out}");
    assert!(out.contains("> /setup timezone:Europe/Londn"), "{out}");
    assert!(out.contains("Europe/London"), "the last line was answered: {out}");
}

#[test]
fn with_strict_a_line_that_is_not_utf8_is_a_failure() {
    let script = b"/group list\n/group \xff\xfe list\n/group list\n";

    let output = run_console(&["--strict"], script);

    let out = stdout(&output);
    assert!(!output.status.success(), "{out}");
    assert!(out.contains("That line isn't readable text"), "{out}");
    assert_eq!(
        out.matches("> /group list").count(),
        1,
        "stopped at the bad line: {out}"
    );
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_session_quietly_with_status_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("console")
        .arg("--db")
        .arg(dir.path().join("hearth.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth starts");
    let mut input = child.stdin.take().expect("stdin");
    let mut transcript = BufReader::new(child.stdout.take().expect("stdout"));

    // Like `| head -1`: read one line of the answer, then close the pipe.
    input.write_all(b"/help\n").expect("first line written");
    let mut first = String::new();
    transcript.read_line(&mut first).expect("first line read");
    drop(transcript);
    for _ in 0..200 {
        // Once hearth has noticed and left, our own writes fail; that is the point.
        if input.write_all(b"/help\n").is_err() {
            break;
        }
    }
    drop(input);
    let output = child.wait_with_output().expect("hearth finishes");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(first, "> /help\n");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
}

#[test]
fn support_in_the_console_shows_where_urgent_help_is_and_help_lists_it() {
    let output = run_console(&["--strict"], "/help\n/as user:Sam role:member\n/support\n");

    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    let help = out.split("> /as").next().unwrap_or_default();
    assert!(help.contains("/support — "), "{help}");
    let support = out.split("> /support").nth(1).expect("support ran");
    assert!(support.contains("not a crisis service"), "{support}");
    assert!(support.contains("Samaritans: 116 123"), "{support}");
    assert!(support.contains("988 in the US"), "{support}");
}

#[test]
fn as_without_a_role_keeps_the_role_that_name_last_had_and_a_new_name_is_a_member() {
    let script = "/setup timezone:Europe/London\n\
                  /as user:Sam role:facilitator\n\
                  /as user:you\n\
                  /group create name:Circle channel:#c\n\
                  /as user:sam\n\
                  /as user:Kit\n";

    let output = run_console(&["--strict"], script);

    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("You are now you (coordinator)"), "{out}");
    assert!(out.contains("Created Circle"), "{out}");
    assert!(out.contains("You are now sam (facilitator)"), "{out}");
    assert!(out.contains("You are now Kit (member)"), "{out}");
}

#[test]
fn the_readmes_more_to_try_block_pastes_as_written_notes_and_all() {
    let readme = include_str!("../../README.md");
    let after = readme
        .split("More to try in that simulated session:")
        .nth(1)
        .expect("the README has the block");
    let block = after
        .split("```")
        .nth(1)
        .expect("a fenced block follows")
        .trim_start_matches('\n');
    assert!(
        block.contains("# refused"),
        "the block still has its notes: {block}"
    );

    let output = run_console(
        &["--clock", "2026-03-01T09:00:00Z"],
        format!("{QUICKSTART}{block}"),
    );

    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    assert!(!out.contains("I didn't understand"), "{out}");
    assert!(
        out.contains("Only a coordinator can"),
        "the member's group create is refused: {out}"
    );
    assert!(out.contains("> /clock advance by:3d"), "{out}");
}

#[test]
fn a_drop_in_nobody_opens_shows_opening_a_little_late_and_alerts_coordinators_once() {
    let script = r#"/setup timezone:Europe/London alerts_channel:#alerts
/group create name:"Open Door" channel:#door kind:drop-in
/dropin hours group:"Open Door" days:tue from:14:00 to:16:00
/clock set when:"2026-12-01 15:30"
/dropin status group:"Open Door"
"#;

    let output = run_console(&["--clock", "2026-12-01T09:00:00Z", "--strict"], script);

    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    let alerts: Vec<&str> = out
        .split("── post in #alerts · ")
        .skip(1)
        .filter(|post| post.contains("Opening a little late: Open Door"))
        .collect();
    assert_eq!(alerts.len(), 1, "{out}");
    assert!(alerts[0].starts_with("Tue 1 Dec 2026 14:10 GMT"), "{out}");
    assert!(
        out.contains(
            "── edit of post 2 in #door · Tue 1 Dec 2026 14:10 GMT ──\nOpen Door\n  Opening a little late"
        ),
        "{out}"
    );
    let status = out.split("> /dropin status").nth(1).expect("the status ran");
    assert!(status.contains("Opening a little late"), "{status}");
}

#[test]
fn a_closed_days_status_edit_is_printed_at_the_groups_local_midnight() {
    let script = r#"/setup timezone:Australia/Sydney
/group create name:"Open Door" channel:#door kind:drop-in
/dropin hours group:"Open Door" days:tue from:14:00 to:16:00
/dropin closed group:"Open Door" date:2026-12-08 reason:"public holiday"
/clock advance by:8d
"#;

    let output = run_console(&["--clock", "2026-12-01T09:00:00Z", "--strict"], script);

    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    // Midnight on Tuesday 8 December in Sydney (AEDT, +11) is 13:00 UTC the day before.
    assert!(
        out.contains("in #door · Tue 8 Dec 2026 00:00 AEDT ──\nOpen Door\n  Closed today: public holiday"),
        "{out}"
    );
    assert!(!out.contains("00 UTC ──"), "{out}");
}

#[test]
fn an_export_and_a_report_are_written_next_to_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("hearth.db");
    let script = "/setup timezone:Europe/London\n\
                  /group create name:\"Tuesday Circle\" channel:#circle\n\
                  /meeting add group:\"Tuesday Circle\" when:\"2026-03-03 18:30\"\n\
                  /as user:Sam role:member\n\
                  /rsvp session:1 state:going\n\
                  /privacy export\n\
                  /as user:you\n\
                  /report from:2026-03-01 to:2026-03-31\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["console", "--strict", "--clock", "2026-03-01T09:00:00Z", "--db"])
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("script written");
    let output = child.wait_with_output().expect("hearth finishes");
    let said = stdout(&output);
    assert!(output.status.success(), "{said}");

    let export = dir.path().join("hearth-data-2026-03-01.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).expect("the export is next to the database")).unwrap();
    assert_eq!(json["tables"]["rsvp"]["rows"][0]["user_id"], "console:sam");
    assert!(said.contains(&format!("File: {}", export.display())), "{said}");
    let csv = std::fs::read_to_string(dir.path().join("hearth-report-2026-03-01-to-2026-03-31.csv"))
        .expect("the report's CSV is next to the database");
    assert!(csv.starts_with("group,month,"), "{csv}");
    assert!(dir
        .path()
        .join("hearth-report-2026-03-01-to-2026-03-31.png")
        .exists());
    // Below the header (whose "left_same" is a column's name).
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(
        rows.iter().all(|r| !r.contains("Sam") && !r.contains("sam")),
        "{csv}"
    );
}
