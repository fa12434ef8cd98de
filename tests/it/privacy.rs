//! Care and privacy (issue 13): the registry of member columns against the migrated
//! schema, export and forget round trips, retention, the audit trail, reports for
//! funders without names, and alerts for coordinators.

use chrono::{TimeZone, Utc};
use hearth::app::input::{self, SessionId};
use hearth::app::rota::Person;
use hearth::app::setup::SetupInput;
use hearth::chat::{Reply, Visibility};
use hearth::domain::role::Role;
use hearth::domain::rsvp::RsvpState;
use hearth::store::privacy::{self, looks_member_bearing, Scope, NOT_MEMBER, SYSTEM_TABLES, TABLES};
use serde_json::Value;

use crate::support::{actor, coordinator, spawn_app, text, TestApp};

fn session(id: i64) -> SessionId {
    input::session(&id.to_string()).unwrap()
}

fn person(name: &str) -> Person {
    Person {
        user_id: format!("user:{name}"),
        name: name.into(),
        member: true,
    }
}

fn date(s: &str) -> chrono::NaiveDate {
    input::date(s).unwrap()
}

/// The export's JSON file.
fn export_json(reply: &Reply) -> Value {
    assert_eq!(reply.files.len(), 1, "{}", text(reply));
    serde_json::from_slice(&reply.files[0].bytes).expect("the export is JSON")
}

/// How many rows of each table an export holds, for the tables that hold any.
fn held(export: &Value) -> Vec<(String, usize)> {
    let tables = export["tables"].as_object().expect("tables");
    tables
        .iter()
        .map(|(name, table)| (name.clone(), table["rows"].as_array().map_or(0, Vec::len)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The file of a reply with this extension.
fn file<'a>(reply: &'a Reply, extension: &str) -> &'a [u8] {
    &reply
        .files
        .iter()
        .find(|f| f.name.ends_with(extension))
        .unwrap_or_else(|| panic!("no .{extension} file in {:?}", reply.files))
        .bytes
}

/// A report's CSV as text.
fn csv_of(reply: &Reply) -> String {
    String::from_utf8(file(reply, "csv").to_vec()).expect("the CSV is UTF-8")
}

// ----- the schema test -----

#[tokio::test]
async fn every_column_that_can_hold_a_member_is_covered_by_export_and_forget() {
    let t = spawn_app(crate::support::march_first()).await;
    let mut conn = t.pool.acquire().await.unwrap();

    let schema = privacy::schema(&mut conn).await.unwrap();

    let mut problems = Vec::new();
    for (table, columns) in &schema {
        if SYSTEM_TABLES.contains(&table.as_str()) {
            continue;
        }
        let Some(entry) = TABLES.iter().find(|e| e.name == table) else {
            problems.push(format!(
                "table {table} is not in store::privacy::TABLES: add its line, naming its member columns"
            ));
            continue;
        };
        for column in columns {
            let registered = entry.columns.iter().any(|(c, _)| c == column);
            let excused = NOT_MEMBER.iter().any(|(t, c, _)| t == table && c == column);
            if looks_member_bearing(table, column) && !registered && !excused {
                problems.push(format!(
                    "{table}.{column} may hold a member's id or name but is not registered for export and forget"
                ));
            }
        }
        for (column, _) in entry.columns {
            if !columns.iter().any(|c| c == column) {
                problems.push(format!("{table}.{column} is registered but not in the schema"));
            }
        }
        if !entry.columns.is_empty() {
            let scope = match entry.scope {
                Scope::Community => "community_id",
                Scope::Group => "group_id",
                Scope::Series => "series_id",
                Scope::Session => "session_id",
            };
            if !columns.iter().any(|c| c == scope) {
                problems.push(format!("{table} is scoped by {scope}, which it does not have"));
            }
        }
    }
    for entry in TABLES {
        if !schema.iter().any(|(name, _)| name == entry.name) {
            problems.push(format!(
                "{} is registered but no migration creates it",
                entry.name
            ));
        }
    }
    for (table, column, _) in NOT_MEMBER {
        let exists = schema
            .iter()
            .any(|(name, columns)| name == table && columns.iter().any(|c| c == column));
        if !exists || !looks_member_bearing(table, column) {
            problems.push(format!(
                "{table}.{column} is excused but is not a member-looking column"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_member_heuristic_finds_the_columns_a_new_table_would_add() {
    // The drop-in branch's duty table: each of these must be registered before it lands.
    for column in ["user_id", "display_name", "created_by", "taken_by"] {
        assert!(looks_member_bearing("dropin_duty", column), "{column}");
    }
    assert!(!looks_member_bearing("dropin_duty", "from_at"));
    assert!(!looks_member_bearing("meeting_group", "name"));
}

// ----- a community to forget people in -----

/// A community in London with `setup`, the group Circle (one facilitator a session)
/// with Ash in its pool, and `count` weekly sessions from Tuesday 3 March 2026 18:30,
/// each filled with Ash as it is added.
async fn circle_with_ash(setup: SetupInput, count: i64) -> TestApp {
    let t = spawn_app(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()).await;
    let cora = coordinator();
    t.app
        .setup(
            &cora,
            SetupInput {
                timezone: Some(input::zone("Europe/London").unwrap()),
                ..setup
            },
        )
        .await
        .unwrap();
    t.app
        .group_create(
            &cora,
            hearth::app::groups::GroupCreate {
                name: "Circle".into(),
                channel: "#circle".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .rota_facilitator_add(&cora, "Circle", person("Ash"), false, None)
        .await
        .unwrap();
    t.app
        .meeting_add(
            &cora,
            hearth::app::meetings::MeetingAdd {
                group: "Circle".into(),
                when: input::when("2026-03-03 18:30").unwrap(),
                repeat: Some(input::repeat("weekly").unwrap()),
                count: Some(count),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t
}

/// A Tuesday group needing one facilitator with Ash in its pool (so each session is
/// filled as it is added), eight weekly sessions from 3 March 2026 18:30 London, and
/// the alerts channel #alerts. Sam answers going to every session and asks for DMs;
/// Kit to the first two; both attend the first, Sam the second too.
async fn community() -> TestApp {
    let t = circle_with_ash(
        SetupInput {
            alerts_channel: Some("#alerts".into()),
            ..Default::default()
        },
        8,
    )
    .await;
    let cora = coordinator();
    let sam = actor("Sam", Role::Member);
    let kit = actor("Kit", Role::Member);
    t.app.reminders_dm(&sam, true).await.unwrap();
    t.app
        .rsvp(&sam, session(1), RsvpState::Going, true)
        .await
        .unwrap();
    t.app
        .rsvp(&kit, session(1), RsvpState::Going, false)
        .await
        .unwrap();
    t.app
        .rsvp(&kit, session(2), RsvpState::Going, false)
        .await
        .unwrap();
    t.app
        .prompts_submit(&sam, "Circle", "What made you smile this week?", None)
        .await
        .unwrap();
    let ash = actor("Ash", Role::Member);
    t.app
        .rota_away(&ash, date("2026-04-01"), date("2026-04-03"), None)
        .await
        .unwrap();
    t.app.rota_me(&ash, false).await.unwrap();
    // Sessions 1 and 2 happen; a coordinator marks who came.
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 11, 9, 0, 0).unwrap());
    t.app.roll_horizon().await.unwrap();
    t.app
        .attendance_mark(&cora, session(1), "Sam, Kit")
        .await
        .unwrap();
    t.app.attendance_mark(&cora, session(2), "Sam").await.unwrap();
    t.app.rota_swap(&ash, session(4)).await.unwrap();
    t
}

async fn spring_report(t: &TestApp) -> Reply {
    t.app
        .report(&coordinator(), date("2026-03-01"), date("2026-04-30"), None)
        .await
        .unwrap()
}

#[tokio::test]
async fn after_forget_an_export_is_empty_and_the_report_reads_the_same() {
    let t = community().await;
    let cora = coordinator();
    let sam = actor("Sam", Role::Member);
    let before = spring_report(&t).await;
    let sam_before = export_json(&t.app.privacy_export(&sam, None).await.unwrap());
    let ash_before = export_json(&t.app.privacy_export(&cora, Some(person("Ash"))).await.unwrap());
    assert!(
        held(&sam_before).contains(&("rsvp".into(), 8)),
        "{:?}",
        held(&sam_before)
    );
    for table in ["series_rsvp", "member_prefs", "prompt", "audit"] {
        assert!(
            held(&sam_before).iter().any(|(t, _)| t == table),
            "{table}: {:?}",
            held(&sam_before)
        );
    }
    for table in [
        "rota_facilitator",
        "rota_away",
        "rota_assignment",
        "rota_offer",
        "member_prefs",
        "audit",
    ] {
        assert!(
            held(&ash_before).iter().any(|(t, _)| t == table),
            "{table}: {:?}",
            held(&ash_before)
        );
    }

    let asked = t.app.privacy_forget(&sam, None).await.unwrap();
    assert_eq!(asked.buttons.len(), 1, "a Confirm button");
    t.app.privacy_forget_confirmed(&sam, "user:Sam").await.unwrap();
    let forgot_ash = t.app.privacy_forget_confirmed(&cora, "user:Ash").await.unwrap();
    // The audit trail keeps one stable pseudonym for Ash and no id of theirs.
    let trail_actions: Vec<(String, String)> = sqlx::query_as("SELECT actor, action FROM audit")
        .fetch_all(&t.pool)
        .await
        .unwrap();
    let trail: Vec<(String, String)> = sqlx::query_as("SELECT actor, target FROM audit")
        .fetch_all(&t.pool)
        .await
        .unwrap();
    assert!(trail
        .iter()
        .all(|(a, t)| !a.contains("user:Ash") && !t.contains("user:Ash")));
    let actor_of = |action: &str| -> Vec<String> {
        let rows: Vec<String> = trail_actions
            .iter()
            .filter(|(_, a)| a == action)
            .map(|(who, _)| who.clone())
            .collect();
        rows
    };
    let ash_alias = actor_of("rota.away");
    assert_eq!(ash_alias.len(), 1);
    assert!(ash_alias[0].starts_with("forgotten-"), "{ash_alias:?}");
    assert_eq!(
        actor_of("rota.swap.offer"),
        ash_alias,
        "one pseudonym in each of Ash's entries"
    );
    assert_ne!(actor_of("privacy.forget")[0], ash_alias[0], "Sam has another");

    let sam_after = export_json(&t.app.privacy_export(&sam, None).await.unwrap());
    let ash_after = export_json(&t.app.privacy_export(&cora, Some(person("Ash"))).await.unwrap());
    assert_eq!(held(&sam_after), Vec::<(String, usize)>::new());
    assert_eq!(held(&ash_after), Vec::<(String, usize)>::new());
    let after = spring_report(&t).await;
    assert_eq!(text(&after), text(&before));
    assert_eq!(file(&after, "csv"), file(&before, "csv"));
    // Ash's shifts still to come (sessions 3 to 8) are open, and the rota's gap alerts
    // follow; the past ones stay counted under a pseudonym.
    assert!(
        text(&forgot_ash).contains("6 shifts still to come are open again"),
        "{}",
        text(&forgot_ash)
    );
    let gap_alerts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE kind = 'gap-alert' AND state = 'pending'")
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert!(gap_alerts > 0, "the gaps are alerted");
    let held_by: Vec<String> = sqlx::query_scalar("SELECT user_id FROM rota_assignment ORDER BY session_id")
        .fetch_all(&t.pool)
        .await
        .unwrap();
    assert_eq!(held_by.len(), 2, "{held_by:?}");
    assert!(held_by.iter().all(|u| u.starts_with("forgotten-")), "{held_by:?}");
}

#[tokio::test]
async fn forgetting_without_pressing_confirm_changes_nothing() {
    let t = community().await;
    let sam = actor("Sam", Role::Member);
    let rows_before = t.count("rsvp").await;

    let asked = t.app.privacy_forget(&sam, None).await.unwrap();

    assert!(
        text(&asked).contains("Nothing has changed yet"),
        "{}",
        text(&asked)
    );
    assert_eq!(asked.visibility, Visibility::Private);
    assert_eq!(t.count("rsvp").await, rows_before);
}

#[tokio::test]
async fn a_member_asking_for_another_members_export_or_forget_is_refused_kindly() {
    let t = community().await;
    let kit = actor("Kit", Role::Member);
    let audit_before = t.count("audit").await;

    let export = t
        .app
        .privacy_export(&kit, Some(person("Sam")))
        .await
        .unwrap_err()
        .to_string();
    let forget = t
        .app
        .privacy_forget_confirmed(&kit, "user:Sam")
        .await
        .unwrap_err()
        .to_string();

    assert!(
        export.contains("Only a coordinator can export another member's data"),
        "{export}"
    );
    assert!(forget.contains("coordinator"), "{forget}");
    assert_eq!(t.count("audit").await, audit_before, "nothing recorded");
    assert!(t.count("rsvp").await > 0);
}

#[tokio::test]
async fn a_coordinators_export_for_a_member_is_audited_and_private() {
    let t = community().await;

    let reply = t
        .app
        .privacy_export(&coordinator(), Some(person("Kit")))
        .await
        .unwrap();

    assert_eq!(reply.visibility, Visibility::Private);
    let (actor, target): (String, String) =
        sqlx::query_as("SELECT actor, target FROM audit WHERE action = 'privacy.export'")
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!((actor.as_str(), target.as_str()), ("user:Cora", "user:user:Kit"));
}

// ----- retention -----

#[tokio::test]
async fn retention_of_zero_or_over_ten_years_is_refused_and_nothing_changes() {
    let t = community().await;
    for days in [0, 3651] {
        let refused = t
            .app
            .setup(
                &coordinator(),
                SetupInput {
                    retention_days: Some(days),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(refused.contains("from 1 to 3650"), "{refused}");
    }
    let refused = t
        .app
        .setup(
            &coordinator(),
            SetupInput {
                audit_retention_days: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("audit trail"), "{refused}");
    let kept: (i64, i64) = sqlx::query_as("SELECT retention_days, audit_retention_days FROM community")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(kept, (365, 730));
}

// ----- reports -----

/// A weekly group with sessions on 3, 10, 17, 24 and 31 March and 7 April 2026; the
/// 17th is cancelled; Ash is taken off the 31st. Attendance, by walk-in names:
/// 3 Mar Alder, Birch, Cedar; 10 Mar Alder, Birch; 24 Mar Alder, Damson; 31 Mar nobody;
/// 7 Apr Birch, Elder.
async fn report_fixture(small_counts_hidden: bool) -> TestApp {
    let t = circle_with_ash(
        SetupInput {
            small_counts_hidden: Some(small_counts_hidden),
            ..Default::default()
        },
        6,
    )
    .await;
    let cora = coordinator();
    t.app.meeting_cancel(&cora, session(3), None).await.unwrap();
    t.app
        .rota_unassign(&cora, session(5), person("Ash"))
        .await
        .unwrap();
    t.clock.set(Utc.with_ymd_and_hms(2026, 4, 8, 9, 0, 0).unwrap());
    for (id, who) in [
        (1, "Alder, Birch, Cedar"),
        (2, "Alder, Birch"),
        (4, "Alder, Damson"),
        (6, "Birch, Elder"),
    ] {
        t.app.attendance_mark(&cora, session(id), who).await.unwrap();
    }
    t
}

const NAMES: &[&str] = &["Alder", "Birch", "Cedar", "Damson", "Elder", "Ash", "walk-in"];

#[tokio::test]
async fn a_report_gives_the_hand_counted_figures_and_names_nobody() {
    let t = report_fixture(false).await;

    let reply = spring_report(&t).await;

    // March: held 3, 10, 24, 31 (17 cancelled); attendance 3 + 2 + 2 + 0 = 7; people
    // Alder, Birch, Cedar, Damson, each there for the first time; average 7 / 4 = 1.75;
    // Ash held 3 of the 4 shifts. April: held 7; Birch (back) and Elder (new).
    let csv = csv_of(&reply);
    assert_eq!(
        csv,
        format!(
            "{}\r\nCircle,2026-03,4,1,7,4,1.8,4,0,3,4,0,0,0,-,-,-,0,,,,,,,,,,\r\nCircle,2026-04,1,0,2,2,2.0,1,1,1,1,0,0,0,-,-,-,0,,,,,,,,,,\r\n",
            hearth::domain::report::CSV_HEADER
        )
    );
    let png = file(&reply, "png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let png_text = String::from_utf8_lossy(png);
    assert!(
        png_text.contains("2026-03") && png_text.contains("Monthly attendance"),
        "the chart's words are in it"
    );
    let said = text(&reply);
    for name in NAMES {
        assert!(!csv.contains(name), "{name} in the CSV");
        assert!(!png_text.contains(name), "{name} in the chart");
        assert!(!said.contains(name), "{name} in the reply: {said}");
    }
}

#[tokio::test]
async fn a_report_shows_counts_below_five_as_fewer_than_5_by_default() {
    let t = report_fixture(true).await;

    let reply = spring_report(&t).await;

    let csv = csv_of(&reply);
    assert!(
        csv.contains("Circle,2026-03,4,1,7,fewer than 5,1.8,fewer than 5,0,3,4"),
        "{csv}"
    );
    assert!(text(&reply).contains("fewer than 5"), "{}", text(&reply));
}

#[tokio::test]
async fn a_report_backwards_or_over_three_years_is_refused_and_members_cannot_ask() {
    let t = report_fixture(true).await;
    let cora = coordinator();

    let backwards = t
        .app
        .report(&cora, date("2026-04-01"), date("2026-03-01"), None)
        .await
        .unwrap_err()
        .to_string();
    let too_long = t
        .app
        .report(&cora, date("2026-01-01"), date("2029-06-01"), None)
        .await
        .unwrap_err()
        .to_string();
    let member = t
        .app
        .report(
            &actor("Mo", Role::Member),
            date("2026-03-01"),
            date("2026-03-31"),
            None,
        )
        .await
        .unwrap_err()
        .to_string();

    assert!(backwards.contains("is before from:"), "{backwards}");
    assert!(too_long.contains("at most 3 years"), "{too_long}");
    assert!(member.contains("Only a coordinator"), "{member}");
}

#[tokio::test]
async fn forgetting_an_attendee_leaves_the_report_as_it_was() {
    let t = report_fixture(false).await;
    let before = spring_report(&t).await;

    t.app
        .privacy_forget_confirmed(&coordinator(), "walk-in:birch")
        .await
        .unwrap();

    let after = spring_report(&t).await;
    assert_eq!(file(&after, "csv"), file(&before, "csv"));
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rsvp WHERE user_id = 'walk-in:birch'")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

// ----- the audit trail -----

#[tokio::test]
async fn the_audit_trail_is_for_coordinators_newest_first_a_page_at_a_time() {
    let t = community().await;
    let cora = coordinator();

    let refused = t
        .app
        .audit(&actor("Kit", Role::Member), None, None, None)
        .await
        .unwrap_err()
        .to_string();
    let first = t.app.audit(&cora, None, Some(30), None).await.unwrap();
    let of_group = t.app.audit(&cora, Some("Circle"), None, None).await.unwrap();

    assert!(refused.contains("Only a coordinator"), "{refused}");
    assert_eq!(first.visibility, Visibility::Private);
    let said = text(&first);
    assert!(said.contains("attendance.mark"), "{said}");
    assert!(
        said.find("attendance.mark") < said.find("setup"),
        "newest first: {said}"
    );
    assert!(text(&of_group).contains("group.create"), "{}", text(&of_group));
    assert!(
        !text(&of_group).contains("setup · community"),
        "{}",
        text(&of_group)
    );
    // Times are timestamps, so Discord shows each reader their own zone.
    assert!(first.lines.iter().any(|line| line
        .0
        .iter()
        .any(|span| matches!(span, hearth::chat::Span::Time { .. }))));
}

#[tokio::test]
async fn a_long_audit_trail_comes_in_pages() {
    let t = community().await;
    let cora = coordinator();
    for _ in 0..20 {
        t.app.setup(&cora, SetupInput::default()).await.unwrap();
    }

    let first = text(&t.app.audit(&cora, None, None, None).await.unwrap());
    let second = text(&t.app.audit(&cora, None, None, Some(2)).await.unwrap());

    assert!(first.contains("Page 1 of"), "{first}");
    assert!(first.contains("/audit page:2"), "{first}");
    assert!(second.contains("Page 2 of"), "{second}");
}

// ----- retention on paused time, and alerts -----

/// Moves paused tokio time (which the app's clock follows) on to `at`, stopping at
/// each job's due time, and lets the dispatcher run what fell due at each stop.
async fn step_to(
    clock: &std::sync::Arc<dyn hearth::clock::Clock>,
    engine: &mut hearth::engine::Engine,
    at: chrono::DateTime<Utc>,
) {
    engine.run_until_idle().await.expect("the dispatcher runs");
    while clock.now() < at {
        let now = clock.now();
        let next = engine
            .next_due()
            .await
            .unwrap()
            .filter(|due| *due > now)
            .unwrap_or(at);
        let step = next.min(at) - now;
        tokio::time::advance(step.to_std().expect("a step ahead")).await;
        engine.run_until_idle().await.expect("the dispatcher runs");
    }
}

#[tokio::test]
async fn the_retention_run_on_day_366_purges_what_is_366_days_old_and_nothing_younger() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = crate::support::spawn_app_on_tokio_time(
        dir.path(),
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
    )
    .await;
    let cora = coordinator();
    app.setup(
        &cora,
        SetupInput {
            timezone: Some(input::zone("Europe/London").unwrap()),
            audit_retention_days: Some(366),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.group_create(
        &cora,
        hearth::app::groups::GroupCreate {
            name: "Circle".into(),
            channel: "#circle".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for when in ["2026-03-02 18:30", "2026-03-03 18:30"] {
        app.meeting_add(
            &cora,
            hearth::app::meetings::MeetingAdd {
                group: "Circle".into(),
                when: input::when(when).unwrap(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let (chat, _deliveries) = crate::support::recording_chat::RecordingChat::new(clock.clone());
    let engine = hearth::engine::Engine::new(app.pool().clone(), chat, clock.clone(), app.jobs_changed());
    let mut engine = engine;
    step_to(
        &clock,
        &mut engine,
        Utc.with_ymd_and_hms(2026, 3, 3, 20, 0, 0).unwrap(),
    )
    .await;
    app.attendance_mark(&cora, session(1), "Alder, Birch")
        .await
        .unwrap();
    app.attendance_mark(&cora, session(2), "Cedar").await.unwrap();
    let report = || app.report(&cora, date("2026-03-01"), date("2026-03-31"), None);
    let before = report().await.unwrap();
    let answers = || async {
        let rows: Vec<i64> = sqlx::query_scalar("SELECT session_id FROM rsvp ORDER BY session_id")
            .fetch_all(app.pool())
            .await
            .unwrap();
        rows
    };

    // Day 366 of the first session (2 March 18:30 GMT): the run at 03:00 on 3 March 2027.
    step_to(
        &clock,
        &mut engine,
        Utc.with_ymd_and_hms(2027, 3, 3, 2, 59, 0).unwrap(),
    )
    .await;
    assert_eq!(answers().await, [1, 1, 2], "nothing is purged a day early");
    step_to(
        &clock,
        &mut engine,
        Utc.with_ymd_and_hms(2027, 3, 3, 4, 0, 0).unwrap(),
    )
    .await;

    assert_eq!(
        answers().await,
        [2],
        "the session 366 days old is purged, the younger one is not"
    );
    let status = text(&app.status(&cora).await.unwrap());
    assert!(
        status.contains("removed 2 answers, 0 shifts, 0 old messages and 4 audit entries"),
        "{status}"
    );
    step_to(
        &clock,
        &mut engine,
        Utc.with_ymd_and_hms(2027, 3, 4, 4, 0, 0).unwrap(),
    )
    .await;
    assert_eq!(answers().await, Vec::<i64>::new(), "the next day, the next one");
    let after = report().await.unwrap();
    assert_eq!(
        file(&after, "csv"),
        file(&before, "csv"),
        "the counts per session stay"
    );
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM retention_run WHERE error IS NULL")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(runs, 368, "once a day, from 1 March 2026 to 4 March 2027");
}

/// A group in `#circle` with a meeting tomorrow, the alerts channel `#alerts`, and an
/// engine on a hand-moved clock posting through a recording chat.
async fn alerting() -> (
    TestApp,
    hearth::engine::Engine,
    std::sync::Arc<crate::support::recording_chat::RecordingChat>,
    tokio::sync::mpsc::UnboundedReceiver<crate::support::recording_chat::Delivery>,
) {
    let t = spawn_app(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()).await;
    crate::support::group_with_meeting(
        &t.app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-02 18:30",
        "weekly",
    )
    .await;
    t.app
        .setup(
            &coordinator(),
            SetupInput {
                alerts_channel: Some("#alerts".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (chat, deliveries) =
        crate::support::recording_chat::RecordingChat::new(std::sync::Arc::new(t.clock.clone()));
    let engine = hearth::engine::Engine::new(
        t.pool.clone(),
        chat.clone(),
        std::sync::Arc::new(t.clock.clone()),
        t.app.jobs_changed(),
    );
    (t, engine, chat, deliveries)
}

fn posts_to(
    deliveries: &mut tokio::sync::mpsc::UnboundedReceiver<crate::support::recording_chat::Delivery>,
    to: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(delivery) = deliveries.try_recv() {
        if delivery.to == to {
            out.push(delivery.text);
        }
    }
    out
}

#[tokio::test]
async fn a_deleted_channel_is_alerted_to_coordinators_once() {
    let (t, mut engine, chat, mut deliveries) = alerting().await;
    chat.gone_channels.lock().unwrap().insert("#circle".into());

    engine.run_until_idle().await.unwrap();
    t.clock.advance(chrono::Duration::hours(24));
    engine.run_until_idle().await.unwrap();

    let alerts = posts_to(&mut deliveries, "#alerts");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].contains("#circle was deleted, or hearth can no longer see it"),
        "{}",
        alerts[0]
    );
}

#[tokio::test]
async fn closed_dms_are_alerted_once_and_name_nobody() {
    let (t, mut engine, chat, mut deliveries) = alerting().await;
    let sam = actor("Sam", Role::Member);
    t.app.reminders_dm(&sam, true).await.unwrap();
    t.app
        .rsvp(&sam, session(1), RsvpState::Going, false)
        .await
        .unwrap();
    chat.closed_dms.lock().unwrap().insert("user:Sam".into());

    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap());
    engine.run_until_idle().await.unwrap();

    let alerts = posts_to(&mut deliveries, "#alerts");
    assert_eq!(
        alerts.len(),
        1,
        "one alert for the member, not one per reminder: {alerts:?}"
    );
    assert!(alerts[0].contains("direct messages are closed"), "{}", alerts[0]);
    assert!(!alerts[0].contains("Sam"), "{}", alerts[0]);
}

#[tokio::test]
async fn a_failed_retention_run_removes_nothing_and_alerts_coordinators() {
    let (t, mut engine, _chat, mut deliveries) = alerting().await;
    // A stored value the run can't read makes it fail part way.
    sqlx::query("UPDATE community SET timezone = 'Not/AZone'")
        .execute(&t.pool)
        .await
        .unwrap();
    let rows = t.count("rsvp").await;

    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0).unwrap());
    engine.run_until_idle().await.unwrap();

    let alerts = posts_to(&mut deliveries, "#alerts");
    assert!(
        alerts.iter().any(|a| a.contains("The retention run failed")),
        "{alerts:?}"
    );
    assert_eq!(t.count("rsvp").await, rows);
    let (error, next): (Option<String>, i64) = sqlx::query_as(
        "SELECT (SELECT error FROM retention_run), (SELECT COUNT(*) FROM job WHERE dedupe_key = 'retention:guild-1:2026-03-03')",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert!(error.is_some(), "the failure is recorded for /status");
    assert_eq!(next, 1, "it tries again tomorrow");
}

#[tokio::test]
async fn a_forgotten_facilitators_name_leaves_the_notes_kept_for_others() {
    let t = spawn_app(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()).await;
    let cora = coordinator();
    t.with_group("Circle", "Europe/London").await;
    t.app
        .rota_facilitator_add(&cora, "Circle", person("Ash"), false, None)
        .await
        .unwrap();
    t.app
        .meeting_add(
            &cora,
            hearth::app::meetings::MeetingAdd {
                group: "Circle".into(),
                when: input::when("2026-03-03 18:30").unwrap(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .rota_facilitator_add(&cora, "Circle", person("Bo"), false, None)
        .await
        .unwrap();
    t.app
        .rota_swap(&actor("Ash", Role::Member), session(1))
        .await
        .unwrap();
    t.app
        .rota_take(&actor("Bo", Role::Member), session(1))
        .await
        .unwrap();
    let notes = || async {
        let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM job WHERE kind = 'rota-note'")
            .fetch_all(&t.pool)
            .await
            .unwrap();
        payloads.join("\n")
    };
    assert!(
        notes().await.contains("Bo has taken your shift"),
        "{}",
        notes().await
    );

    t.app.privacy_forget_confirmed(&cora, "user:Bo").await.unwrap();

    let kept = notes().await;
    assert!(!kept.contains("Bo"), "{kept}");
    assert!(kept.contains("A facilitator has taken your shift"), "{kept}");
}

#[tokio::test]
async fn a_drop_in_volunteers_duty_is_in_their_export_and_goes_when_they_are_forgotten() {
    let t = spawn_app(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()).await;
    let cora = coordinator();
    t.app
        .setup(
            &cora,
            SetupInput {
                timezone: Some(input::zone("Europe/London").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .group_create(
            &cora,
            hearth::app::groups::GroupCreate {
                name: "Open Door".into(),
                channel: "#door".into(),
                kind: Some(hearth::domain::group::GroupKind::DropIn),
                // Nobody is put on its rota: Kit is on duty by /dropin here alone.
                facilitators_needed: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .rota_facilitator_add(&cora, "Open Door", person("Kit"), false, None)
        .await
        .unwrap();
    let hours = hearth::app::dropin::DropinHours {
        group: "Open Door".into(),
        days: vec![chrono::Weekday::Tue],
        from: chrono::NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
        to: chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
    };
    t.app.dropin_hours(&cora, hours).await.unwrap();
    t.clock.set(Utc.with_ymd_and_hms(2026, 12, 1, 14, 30, 0).unwrap());
    let kit = actor("Kit", Role::Member);
    t.app.dropin_here(&kit, "Open Door").await.unwrap();

    let before = export_json(&t.app.privacy_export(&kit, None).await.unwrap());
    t.clock.set(Utc.with_ymd_and_hms(2026, 12, 1, 14, 40, 0).unwrap());
    t.app.privacy_forget_confirmed(&kit, "user:Kit").await.unwrap();
    let after = export_json(&t.app.privacy_export(&kit, None).await.unwrap());

    assert!(
        held(&before).contains(&("dropin_duty".into(), 1)),
        "{:?}",
        held(&before)
    );
    assert_eq!(held(&after), Vec::<(String, usize)>::new());
    let status = text(&t.app.dropin_status(&cora, "Open Door").await.unwrap());
    assert!(!status.contains("Kit"), "{status}");
    let redraws: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM job WHERE kind = 'dropin-status-edit' AND state = 'pending' AND due_at = $1",
    )
    .bind(t.app.now().timestamp())
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(redraws, 1, "the posted status is redrawn without them now");
}

#[tokio::test]
async fn a_job_number_freed_by_forget_is_never_given_to_another_job() {
    // The number is the job's nonce: a new job under an old number could be dropped by
    // Discord as a repeat of the old one (found by the simulator, seed 5075).
    let t = circle_with_ash(SetupInput::default(), 8).await;
    let sam = actor("Sam", Role::Member);
    // The newest job is a reminder DM already sent to Sam.
    sqlx::query(
        "INSERT INTO job (community_id, kind, dedupe_key, session_id, target, due_at, state,
                          created_at, updated_at)
         VALUES ($1, 'dm-reminder', 'dm:1:24h:user:Sam', 1, 'user:Sam', 0, 'sent', 0, 0)",
    )
    .bind(&sam.community_id)
    .execute(&t.pool)
    .await
    .unwrap();
    let jobs = || async {
        sqlx::query_as::<_, (i64, String)>("SELECT id, dedupe_key FROM job ORDER BY id")
            .fetch_all(&t.pool)
            .await
            .unwrap()
    };
    let before = jobs().await;
    let (highest, newest) = before.last().cloned().unwrap();
    assert_eq!(newest, "dm:1:24h:user:Sam");

    t.app.privacy_forget_confirmed(&sam, "user:Sam").await.unwrap();
    assert!(
        jobs().await.iter().all(|(id, _)| *id != highest),
        "the DM went with Sam"
    );
    t.app
        .meeting_cancel(&coordinator(), session(3), None)
        .await
        .unwrap();

    let new: Vec<(i64, String)> = jobs()
        .await
        .into_iter()
        .filter(|job| !before.contains(job))
        .collect();
    assert!(!new.is_empty(), "the cancellation planned its notice");
    assert!(
        new.iter().all(|(id, _)| *id > highest),
        "every job made after the forget has a number never used before {highest}: {new:?}"
    );
}
