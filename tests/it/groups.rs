//! `/setup` and `/group ...` through the app layer.

use hearth::app::groups::{GroupCreate, GroupEdit};
use hearth::app::setup::SetupInput;
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
    let t = spawn_app(march_first()).await;

    let refused = t
        .app
        .setup(
            &coordinator(),
            SetupInput {
                timezone: Some("Europe/Londn".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();

    assert!(
        refused.to_string().contains("Did you mean Europe/London?"),
        "{refused}"
    );
    assert_eq!(t.count("community").await, 0);
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
                privacy: Some("public".into()),
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
                capacity: Some(12),
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
    let refused = t
        .app
        .group_edit(
            &coordinator(),
            GroupEdit {
                group: "Circle".into(),
                capacity: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("at least 1"), "{refused}");
}
