//! The quarterly "what has this group meant to you?" (issue 17) through the app: off
//! until a community turns it on; at the quarter's end a DM to each member who came
//! and asked for DMs; answers kept without the member's id, once per member, within
//! the window; words for coordinators only, under retention; counts in /report.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hearth::app::input::SessionId;
use hearth::app::quarterly::QuarterlyForm;
use hearth::app::rsvp::Click;
use hearth::app::{Actor, App};
use hearth::clock::Clock;
use hearth::domain::quarterly::Quarter;
use hearth::domain::role::Role;
use hearth::engine::Engine;
use hearth::store::privacy::{looks_member_bearing, TABLES};

use crate::rota::weekly_group;
use crate::support::recording_chat::{Delivery, RecordingChat};
use crate::support::{actor, coordinator, spawn_app, text, TestApp};

/// Sunday 2026-03-01 09:00 UTC; the weekly meeting is on Tuesdays at 18:30 London.
fn sunday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

const Q1: Quarter = Quarter {
    year: 2026,
    number: 1,
};

fn someone(name: &str) -> Actor {
    actor(name, Role::Member)
}

async fn quarterly_on(app: &App, on: bool) {
    app.setup(
        &coordinator(),
        hearth::app::setup::SetupInput {
            quarterly: Some(on),
            ..Default::default()
        },
    )
    .await
    .expect("quarterly setting");
}

/// The circle; `came` check in at its first session; `dms` ask for DMs. The clock is
/// left just after that session.
async fn circle(came: &[&str], dms: &[&str], on: bool) -> TestApp {
    let t = spawn_app(sunday()).await;
    weekly_group(&t.app, 1, &["Ash"]).await;
    quarterly_on(&t.app, on).await;
    for name in dms {
        t.app.reminders_dm(&someone(name), true).await.expect("dm on");
    }
    let (id, starts): (i64, i64) =
        sqlx::query_as("SELECT id, starts_at FROM session ORDER BY starts_at LIMIT 1")
            .fetch_one(&t.pool)
            .await
            .expect("a session");
    t.clock
        .set(Utc.timestamp_opt(starts, 0).unwrap() + Duration::minutes(5));
    for name in came {
        t.app
            .click(&someone(name), SessionId(id), Click::Here)
            .await
            .expect("check in");
    }
    t
}

/// Runs the engine at `at` (and a moment later, for the DMs the round plans).
async fn run_at(t: &TestApp, at: DateTime<Utc>) -> Vec<Delivery> {
    let clock: Arc<dyn Clock> = Arc::new(t.clock.clone());
    let (chat, mut deliveries) = RecordingChat::new(clock.clone());
    let mut engine = Engine::new(t.pool.clone(), chat, clock, t.app.jobs_changed()).unpaced();
    let mut sent = Vec::new();
    for at in [at, at + Duration::minutes(1)] {
        t.clock.set(at);
        engine.run_until_idle().await.expect("dispatch");
        while let Ok(d) = deliveries.try_recv() {
            sent.push(d);
        }
    }
    sent
}

/// The morning after the first quarter, when its question goes.
fn q1_sent() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 10, 0, 0).unwrap()
}

fn form(confident: &str, in_control: &str, hopeful: &str, words: Option<&str>) -> QuarterlyForm {
    let typed = |s: &str| (!s.is_empty()).then(|| s.to_string());
    QuarterlyForm {
        confident: typed(confident),
        in_control: typed(in_control),
        hopeful: typed(hopeful),
        words: words.map(str::to_string),
    }
}

async fn answer(t: &TestApp, who: &str, form: &QuarterlyForm) -> Result<String, String> {
    t.app
        .quarterly_answer(&someone(who), Q1, form)
        .await
        .map(|reply| text(&reply))
        .map_err(|error| error.to_string())
}

fn quarterly_dms(sent: &[Delivery]) -> Vec<&Delivery> {
    sent.iter()
        .filter(|d| d.text.contains("What has the group meant to you?"))
        .collect()
}

#[tokio::test]
async fn the_question_goes_by_dm_only_to_members_who_came_and_asked_for_dms() {
    // Mo came and asked for DMs; Bo came without; Cy asked for DMs but didn't come.
    let t = circle(&["Mo", "Bo"], &["Mo", "Cy"], true).await;
    // Bo once asked for DMs, then turned them off again.
    t.app.reminders_dm(&someone("Bo"), true).await.expect("dm on");
    t.app.reminders_dm(&someone("Bo"), false).await.expect("dm off");

    let before = run_at(&t, q1_sent() - Duration::minutes(2)).await;
    let sent = run_at(&t, q1_sent()).await;

    assert!(quarterly_dms(&before).is_empty(), "{before:#?}");
    let dms = quarterly_dms(&sent);
    assert_eq!(dms.len(), 1, "{sent:#?}");
    assert_eq!(dms[0].to, "dm:user:Mo");
    assert!(dms[0].is_card, "it carries its button");
    assert!(dms[0].text.contains("without your name"), "{}", dms[0].text);
    // Nothing about it in any channel.
    assert!(
        sent.iter()
            .all(|d| d.to.starts_with("dm:") || !d.text.contains("meant to you")),
        "{sent:#?}"
    );
}

#[tokio::test]
async fn a_community_that_has_not_turned_it_on_asks_nothing() {
    let t = circle(&["Mo"], &["Mo"], false).await;

    let sent = run_at(&t, q1_sent()).await;

    assert!(quarterly_dms(&sent).is_empty(), "{sent:#?}");
    let refused = answer(&t, "Mo", &form("yes", "", "", None)).await.unwrap_err();
    assert!(refused.contains("no quarterly question open"), "{refused}");
}

#[tokio::test]
async fn a_member_counts_once_and_a_second_form_is_already_noted() {
    let t = circle(&["Mo"], &["Mo"], true).await;
    run_at(&t, q1_sent()).await;

    let first = answer(
        &t,
        "Mo",
        &form("yes", "a little", "", Some("I found people who get it.")),
    )
    .await
    .expect("answer");
    let second = answer(&t, "Mo", &form("no", "no", "no", None))
        .await
        .expect("a second form");

    assert!(first.contains("without your name"), "{first}");
    assert!(second.contains("Thank you, already noted"), "{second}");
    type Row = (Option<String>, Option<String>, Option<String>, Option<String>);
    let kept: Vec<Row> = sqlx::query_as("SELECT confident, in_control, hopeful, words FROM quarterly_answer")
        .fetch_all(&t.pool)
        .await
        .unwrap();
    assert_eq!(
        kept,
        [(
            Some("yes".into()),
            Some("a-little".into()),
            None,
            Some("I found people who get it.".into())
        )]
    );
    // The DM's button says so too, before any form opens.
    let again = t.app.quarterly_may_answer(&someone("Mo"), Q1).await.unwrap_err();
    assert!(again.to_string().contains("already noted"), "{again}");
}

#[tokio::test]
async fn no_quarterly_row_can_be_joined_back_to_a_member() {
    let t = circle(&["Mo", "Bo"], &["Mo", "Bo"], true).await;
    run_at(&t, q1_sent()).await;
    answer(&t, "Mo", &form("yes", "yes", "yes", Some("Thank you all.")))
        .await
        .expect("Mo");
    answer(&t, "Bo", &form("a little", "no", "yes", None))
        .await
        .expect("Bo");

    for table in ["quarterly_answer", "quarterly_marker", "quarterly_round"] {
        let entry = TABLES.iter().find(|e| e.name == table).expect("registered");
        assert!(entry.columns.is_empty(), "{table} holds no member column");
        let columns = crate::support::columns_of(&t.pool, table).await;
        assert!(
            columns.iter().all(|c| !looks_member_bearing(table, c)),
            "{table}: {columns:?}"
        );
        let dump: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM {table}",
            columns
                .iter()
                .map(|c| format!("COALESCE(CAST({c} AS TEXT), '')"))
                .collect::<Vec<_>>()
                .join(" || '|' || ")
        )))
        .fetch_all(&t.pool)
        .await
        .unwrap();
        let expected = if table == "quarterly_round" { 1 } else { 2 };
        assert_eq!(dump.len(), expected, "{table}: {dump:?}");
        assert!(
            dump.iter()
                .all(|row| !row.contains("Mo") && !row.contains("Bo") && !row.contains("user:")),
            "{table}: {dump:?}"
        );
    }
    // Answers keep the day, not the moment, and the markers keep no order.
    let on: Vec<i64> = sqlx::query_scalar("SELECT answered_on FROM quarterly_answer")
        .fetch_all(&t.pool)
        .await
        .unwrap();
    assert!(on.iter().all(|s| s % 86_400 == 0), "{on:?}");
    // (SQLite keeps a table in rowid order unless it is WITHOUT ROWID; PostgreSQL
    // has no rowid to keep.)
    if crate::support::postgres_server().is_none() {
        let without_rowid: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'quarterly_marker' AND sql LIKE '%WITHOUT ROWID%'",
        )
        .fetch_one(&t.pool)
        .await
        .unwrap();
        assert_eq!(without_rowid, 1);
    }
}

#[tokio::test]
async fn answers_that_cannot_be_taken_are_refused_kindly_and_nothing_changes() {
    let t = circle(&["Mo", "Bo"], &["Mo"], true).await;
    run_at(&t, q1_sent()).await;

    // Bo came but didn't ask for DMs, so got no question.
    let not_asked = answer(&t, "Bo", &form("yes", "", "", None)).await.unwrap_err();
    let not_a_scale = answer(&t, "Mo", &form("maybe", "", "", None)).await.unwrap_err();
    let too_long = answer(&t, "Mo", &form("yes", "", "", Some(&"a".repeat(1_001))))
        .await
        .unwrap_err();
    let empty = answer(&t, "Mo", &form("", "", "", None)).await.unwrap_err();
    t.clock.set(q1_sent() + Duration::days(30) + Duration::minutes(2));
    let late = answer(&t, "Mo", &form("yes", "", "", None)).await.unwrap_err();

    assert!(
        not_asked.contains("went by DM to members who came"),
        "{not_asked}"
    );
    assert!(not_a_scale.contains("yes, a little or no"), "{not_a_scale}");
    assert!(too_long.contains("1001 characters"), "{too_long}");
    assert!(empty.contains("came back empty"), "{empty}");
    assert!(late.contains("have closed"), "{late}");
    assert_eq!(t.count("quarterly_answer").await, 0);
    assert_eq!(t.count("quarterly_marker").await, 0);
    // A refused form left Mo free to answer, had the window been open.
    t.clock.set(q1_sent() + Duration::days(29));
    answer(&t, "Mo", &form("yes", "", "", None))
        .await
        .expect("in time");
    assert_eq!(t.count("quarterly_answer").await, 1);
}

#[tokio::test]
async fn the_retention_run_clears_the_words_and_closed_markers_and_keeps_the_counts() {
    let t = circle(&["Mo"], &["Mo"], true).await;
    run_at(&t, q1_sent()).await;
    answer(&t, "Mo", &form("yes", "", "", Some("It helped a lot.")))
        .await
        .expect("Mo");
    t.app
        .setup(
            &coordinator(),
            hearth::app::setup::SetupInput {
                retention_days: Some(60),
                ..Default::default()
            },
        )
        .await
        .expect("retention");
    let purge = |at: DateTime<Utc>| {
        let pool = t.pool.clone();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            hearth::engine::retention::purge(&mut conn, crate::support::COMMUNITY, at)
                .await
                .unwrap();
        }
    };
    let words = || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT words FROM quarterly_answer")
            .fetch_all(&t.pool)
            .await
            .unwrap()
    };

    purge(q1_sent() + Duration::days(20)).await;
    assert_eq!(words().await, [Some("It helped a lot.".to_string())]);
    assert_eq!(t.count("quarterly_marker").await, 1, "still open: kept");

    purge(q1_sent() + Duration::days(31)).await;
    assert_eq!(t.count("quarterly_marker").await, 0, "closed: gone");
    assert_eq!(
        words().await,
        [Some("It helped a lot.".to_string())],
        "within 60 days"
    );

    purge(q1_sent() + Duration::days(61)).await;
    assert_eq!(words().await, [None], "past keeping: the words go");
    assert_eq!(t.count("quarterly_answer").await, 1, "the count stays");
}

#[tokio::test]
async fn only_coordinators_read_the_words_a_page_at_a_time_and_nothing_is_posted() {
    let names = ["Alder", "Birch", "Cedar", "Damson", "Elder", "Fern", "Gorse"];
    let t = circle(&names, &names, true).await;
    run_at(&t, q1_sent()).await;
    for name in names {
        let words = format!("Words from the {name} tree.");
        answer(&t, name, &form("yes", "", "", Some(&words)))
            .await
            .expect(name);
    }

    let refused = t
        .app
        .quarterly_words(&someone("Alder"), Some(Q1), None)
        .await
        .unwrap_err();
    let first = text(
        &t.app
            .quarterly_words(&coordinator(), Some(Q1), None)
            .await
            .unwrap(),
    );
    let second = text(
        &t.app
            .quarterly_words(&coordinator(), Some(Q1), Some(2))
            .await
            .unwrap(),
    );
    let sent = run_at(&t, t.clock.now() + Duration::minutes(5)).await;

    assert!(refused.to_string().contains("coordinator"), "{refused}");
    assert!(first.contains("Page 1 of 2 (7 entries)"), "{first}");
    assert!(first.contains("Words from the Alder tree."), "{first}");
    assert!(!first.contains("Fern"), "{first}");
    assert!(
        second.contains("Words from the Fern tree.") && second.contains("Gorse"),
        "{second}"
    );
    assert!(!first.contains("user:") && !second.contains("user:"));
    assert!(sent.iter().all(|d| !d.text.contains("tree")), "{sent:#?}");
}

/// Seven members came in the first quarter and asked for DMs; six answered:
///
/// | who    | confident | in control | hopeful  |
/// |--------|-----------|------------|----------|
/// | Alder  | yes       | yes        | yes      |
/// | Birch  | yes       | a little   | yes      |
/// | Cedar  | yes       | a little   | yes      |
/// | Damson | yes       | no         | yes      |
/// | Elder  | yes       | (blank)    | yes      |
/// | Fern   | a little  | yes        | a little |
async fn report_fixture(small_counts_hidden: bool) -> TestApp {
    let names = ["Alder", "Birch", "Cedar", "Damson", "Elder", "Fern", "Gorse"];
    let t = circle(&names, &names, true).await;
    t.app
        .setup(
            &coordinator(),
            hearth::app::setup::SetupInput {
                small_counts_hidden: Some(small_counts_hidden),
                ..Default::default()
            },
        )
        .await
        .expect("small counts");
    run_at(&t, q1_sent()).await;
    let answers = [
        ("Alder", "yes", "yes", "yes"),
        ("Birch", "yes", "a little", "yes"),
        ("Cedar", "yes", "a little", "yes"),
        ("Damson", "yes", "no", "yes"),
        ("Elder", "yes", "", "yes"),
        ("Fern", "a little", "yes", "a little"),
    ];
    for (name, confident, in_control, hopeful) in answers {
        answer(
            &t,
            name,
            &form(confident, in_control, hopeful, Some("private words")),
        )
        .await
        .expect(name);
    }
    t
}

async fn report_of(t: &TestApp, group: Option<&str>) -> (String, String) {
    let reply = t
        .app
        .report(
            &coordinator(),
            hearth::app::input::date("2026-03-01").unwrap(),
            hearth::app::input::date("2026-03-31").unwrap(),
            group,
        )
        .await
        .expect("report");
    let csv = reply
        .files
        .iter()
        .find(|f| f.name.ends_with(".csv"))
        .map(|f| String::from_utf8(f.bytes.clone()).unwrap())
        .expect("a CSV");
    (csv, text(&reply))
}

#[tokio::test]
async fn a_report_counts_the_quarterly_answers_by_hand() {
    let t = report_fixture(false).await;

    let (csv, said) = report_of(&t, None).await;

    // Six answered. Confident: 5 yes, 1 a little, 0 no. In control: 2 yes, 2 a
    // little, 1 no (Elder left it blank). Hopeful: 5 yes, 1 a little, 0 no.
    let quarterly = csv.lines().last().unwrap_or_default();
    assert_eq!(
        quarterly,
        format!("whole community,2026-Q1,{}6,5,1,0,2,2,1,5,1,0", ",".repeat(16))
    );
    assert!(
        said.contains("Whole community · 2026-Q1: what the group has meant, 6 answered · more confident: yes 5, a little 1, no 0 · more in control: yes 2, a little 2, no 1 · more hopeful: yes 5, a little 1, no 0"),
        "{said}"
    );
    for name in ["Alder", "Fern", "private words", "user:"] {
        assert!(!csv.contains(name) && !said.contains(name), "{name}: {said}");
    }
    let png = t
        .app
        .report(
            &coordinator(),
            hearth::app::input::date("2026-03-01").unwrap(),
            hearth::app::input::date("2026-03-31").unwrap(),
            None,
        )
        .await
        .unwrap()
        .files
        .into_iter()
        .find(|f| f.name.ends_with(".png"))
        .expect("a chart");
    let described = String::from_utf8_lossy(&png.bytes).to_string();
    assert!(
        described.contains("2026-Q1 answering yes: more confident 5, more in control 2, more hopeful 5"),
        "the chart's quarterly series"
    );
}

#[tokio::test]
async fn a_report_hides_small_quarterly_counts_and_the_total_they_could_be_worked_from() {
    let t = report_fixture(true).await;

    let (csv, said) = report_of(&t, None).await;
    let (one_group, _) = report_of(&t, Some("Tuesday Circle")).await;

    let quarterly = csv.lines().last().unwrap_or_default();
    let f = "fewer than 5";
    assert_eq!(
        quarterly,
        format!(
            "whole community,2026-Q1,{}-,5,{f},0,{f},{f},{f},5,{f},0",
            ",".repeat(16)
        )
    );
    assert!(said.contains("more in control: yes fewer than 5"), "{said}");
    assert!(!one_group.contains("whole community"), "{one_group}");
}
