//! `/setup` and `/group ...` through the app layer.

use hearth::app::groups::{GroupCreate, GroupEdit};
use hearth::app::AppError;

use crate::support::{coordinator, march_first, member, spawn_app, text};

fn create(name: &str) -> GroupCreate {
    GroupCreate {
        name: name.into(),
        channel: "#circle".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_new_group_takes_the_communitys_zone_and_private_defaults() {
    let t = spawn_app(march_first()).await;
    t.with_group("Tuesday Circle", "Europe/London").await;

    let info = t.app.group_info(&member(), "tuesday circle").await.unwrap();

    let shown = text(&info);
    assert!(shown.contains("Europe/London"), "{shown}");
    assert!(shown.contains("headcount (numbers only, never names)"), "{shown}");
}

#[tokio::test]
async fn a_member_cannot_create_a_group_and_is_told_who_can() {
    let t = spawn_app(march_first()).await;

    let refused = t.app.group_create(&member(), create("Circle")).await.unwrap_err();

    assert!(matches!(refused, AppError::Forbidden(_)));
    assert!(refused.to_string().contains("coordinator"), "{refused}");
    assert_eq!(t.count("meeting_group").await, 0);
}

#[tokio::test]
async fn a_group_name_differing_only_in_case_is_refused_and_nothing_is_written() {
    let t = spawn_app(march_first()).await;
    t.with_group("Tuesday Circle", "Europe/London").await;

    let refused = t
        .app
        .group_create(&coordinator(), create("TUESDAY  circle"))
        .await
        .unwrap_err();

    assert!(
        refused.to_string().contains("already a group called"),
        "{refused}"
    );
    assert_eq!(t.count("meeting_group").await, 1);
}

#[tokio::test]
async fn an_empty_group_name_says_how_to_name_one() {
    let t = spawn_app(march_first()).await;
    let refused = t
        .app
        .group_create(&coordinator(), create("   "))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("name:\"Tuesday Circle\""),
        "{refused}"
    );
}

#[tokio::test]
async fn a_group_with_no_zone_anywhere_asks_for_one() {
    let t = spawn_app(march_first()).await;

    let refused = t
        .app
        .group_create(&coordinator(), create("Circle"))
        .await
        .unwrap_err();

    assert!(refused.to_string().contains("timezone:"), "{refused}");
    assert_eq!(t.count("meeting_group").await, 0);
}

#[tokio::test]
async fn a_misspelt_zone_is_refused_with_a_suggestion() {
    // Both adapters read a zone with the same reader, before any use-case runs.
    let refused = hearth::app::input::zone("Europe/Londn").unwrap_err();

    assert!(
        refused.to_string().contains("Did you mean Europe/London?"),
        "{refused}"
    );
}

#[tokio::test]
async fn an_archived_group_cannot_be_edited() {
    let t = spawn_app(march_first()).await;
    t.with_group("Circle", "Europe/London").await;
    t.app.group_archive(&coordinator(), "Circle").await.unwrap();

    let refused = t
        .app
        .group_edit(
            &coordinator(),
            GroupEdit {
                group: "Circle".into(),
                privacy: Some(hearth::app::input::privacy("public").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();

    assert!(refused.to_string().contains("archived"), "{refused}");
}

#[tokio::test]
async fn an_unknown_group_suggests_the_near_miss() {
    let t = spawn_app(march_first()).await;
    t.with_group("Tuesday Circle", "Europe/London").await;

    let refused = t.app.group_info(&member(), "Tuesday Circel").await.unwrap_err();

    assert!(
        refused.to_string().contains("Did you mean \"Tuesday Circle\""),
        "{refused}"
    );
}

#[tokio::test]
async fn every_change_is_audited() {
    let t = spawn_app(march_first()).await;
    t.with_group("Circle", "Europe/London").await;
    t.app
        .group_edit(
            &coordinator(),
            GroupEdit {
                group: "Circle".into(),
                capacity: Some(hearth::domain::group::CapacityChange::Places(12)),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let entries = hearth::store::audit::recent(&t.pool, crate::support::COMMUNITY, 10)
        .await
        .unwrap();

    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["group.edit", "group.create", "setup"]);
    assert!(entries.iter().all(|e| e.actor == coordinator().user_id));
}

#[tokio::test]
async fn a_capacity_of_zero_is_refused() {
    let t = spawn_app(march_first()).await;
    t.with_group("Circle", "Europe/London").await;
    // Typed as capacity:0 in either adapter, which read it with this.
    let refused = "0".parse::<hearth::domain::group::CapacityChange>().unwrap_err();
    assert!(refused.to_string().contains("at least 1"), "{refused}");
}

#[tokio::test]
async fn a_group_starting_again_can_take_the_name_of_its_archived_one() {
    let t = spawn_app(march_first()).await;
    t.with_group("Circle", "Europe/London").await;
    let archived = t.app.group_archive(&coordinator(), "Circle").await.unwrap();
    assert!(
        text(&archived).contains("Its history is kept"),
        "{}",
        text(&archived)
    );

    let created = t
        .app
        .group_create(&coordinator(), create("circle"))
        .await
        .unwrap();
    let edited = t
        .app
        .group_edit(
            &coordinator(),
            GroupEdit {
                group: "Circle".into(),
                privacy: Some(hearth::app::input::privacy("public").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let again = t
        .app
        .group_create(&coordinator(), create("CIRCLE"))
        .await
        .unwrap_err();

    assert!(text(&created).contains("Created circle"), "{}", text(&created));
    assert!(
        text(&edited).contains("Updated circle"),
        "the name finds the active group: {}",
        text(&edited)
    );
    assert!(
        again.to_string().contains("already a group called"),
        "still unique among active groups: {again}"
    );
    assert_eq!(t.count("meeting_group").await, 2);
    let list = text(&t.app.group_list(&member()).await.unwrap());
    assert!(list.contains("Groups (1)"), "{list}");
}

#[tokio::test]
async fn a_database_from_before_the_change_keeps_its_groups_sessions_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    // One connection: the one that runs the migration is the one checked after it.
    let one = hearth::store::DbOptions {
        max_connections: 1,
        ..Default::default()
    };
    let pool = hearth::store::open(&dir.path().join("old.db"), &one)
        .await
        .unwrap();
    let mut before = sqlx::migrate!("./migrations/sqlite");
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 8)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.unwrap();
    // Written as the app of that time wrote it (today's app needs today's columns):
    // a group with a weekly series, a session with an answer, then archived.
    for statement in [
        "INSERT INTO community (id, timezone, created_at) VALUES ('guild-1', 'Europe/London', 0)",
        "INSERT INTO meeting_group (id, community_id, name, name_key, channel, timezone, archived_at, created_at)
         VALUES (1, 'guild-1', 'Circle', 'circle', '#circle', 'Europe/London', 1772355600, 0)",
        "INSERT INTO series (id, group_id, repeat, rrule, start_local, duration_minutes, created_by, created_at)
         VALUES (1, 1, 'weekly', 'FREQ=WEEKLY', '2026-03-03T18:30:00', 90, 'user:Cora', 0)",
        "INSERT INTO session (id, series_id, local_date, starts_at, ends_at, status, note)
         VALUES (1, 1, '2026-03-03', 1772562600, 1772568000, 'cancelled', 'The group has been archived.'),
                (2, 1, '2026-03-10', 1773167400, 1773172800, 'cancelled', 'The group has been archived.')",
        "INSERT INTO rsvp (session_id, user_id, display_name, state, seq, created_at, updated_at)
         VALUES (1, 'user:Mo', 'Mo', 'going', 1, 0, 0)",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    let clock = hearth::clock::ManualClock::new(march_first());
    let app = hearth::app::App::new(
        pool.clone(),
        std::sync::Arc::new(clock),
        hearth::app::AppSettings::default(),
    );
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let kept = (count("series").await, count("session").await, count("rsvp").await);

    hearth::store::migrate(&pool).await.unwrap();

    assert_eq!(
        (count("series").await, count("session").await, count("rsvp").await),
        kept
    );
    let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    let mut conn = pool.acquire().await.unwrap();
    let enforced: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(enforced, 1, "foreign keys are back on");
    let orphan = sqlx::query(
        "INSERT INTO series (group_id, repeat, rrule, start_local, duration_minutes, created_by, created_at)
         VALUES (999, 'once', 'FREQ=DAILY;COUNT=1', '2026-03-03T18:30:00', 90, 'x', 0)",
    )
    .execute(&mut *conn)
    .await;
    assert!(orphan.is_err(), "series still refer to groups");
    drop(conn);
    let info = text(&app.group_info(&member(), "Circle").await.unwrap());
    assert!(info.contains("archived"), "{info}");
    app.group_create(&coordinator(), create("Circle")).await.unwrap();
}

#[tokio::test]
async fn archiving_a_group_counts_its_cancelled_sessions_in_plain_words() {
    let t = spawn_app(march_first()).await;
    t.with_group("Circle", "Europe/London").await;
    let once = hearth::app::meetings::MeetingAdd {
        group: "Circle".into(),
        when: hearth::app::input::when("2026-03-10 18:30").unwrap(),
        ..Default::default()
    };
    t.app.meeting_add(&coordinator(), once).await.unwrap();
    t.with_group("Quiet", "Europe/London").await;

    let one = crate::support::text(&t.app.group_archive(&coordinator(), "Circle").await.unwrap());
    let none = crate::support::text(&t.app.group_archive(&coordinator(), "Quiet").await.unwrap());

    assert!(one.contains("its 1 upcoming session is cancelled"), "{one}");
    assert!(none.contains("it had no upcoming sessions"), "{none}");
    assert!(!one.contains("(s)") && !none.contains("(s)"), "{one}{none}");
}

#[tokio::test]
async fn a_zone_abbreviation_without_summer_time_is_refused_with_the_place_to_use() {
    let refused = hearth::app::input::zone("EST").unwrap_err().to_string();

    assert!(refused.contains("America/New_York"), "{refused}");
}
