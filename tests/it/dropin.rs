//! Drop-ins through the app: opening hours as sessions of the group, closed days,
//! the status, and duty; bad input refused with a sentence and nothing changed.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use hearth::app::dropin::DropinHours;
use hearth::app::rota::Person;
use hearth::domain::group::GroupKind;
use hearth::domain::role::Role;

use crate::support::recording_chat::{Delivery, RecordingChat};
use crate::support::{actor, coordinator, member, spawn_app, text, TestApp};

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// Tuesday 2026-12-01 09:00 UTC, London (GMT): a drop-in "Open Door" with Kit in its pool.
async fn open_door() -> TestApp {
    let t = spawn_app(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()).await;
    let cora = coordinator();
    dropin_group(&t.app, "Europe/London").await;
    t.app
        .rota_facilitator_add(
            &cora,
            "Open Door",
            Person {
                user_id: "user:Kit".into(),
                name: "Kit".into(),
                member: true,
            },
            false,
            None,
        )
        .await
        .expect("pool");
    t
}

/// `/setup timezone:ZONE` and the drop-in "Open Door" in `#door`.
async fn dropin_group(app: &hearth::app::App, zone: &str) {
    let cora = coordinator();
    app.setup(
        &cora,
        hearth::app::setup::SetupInput {
            timezone: Some(hearth::app::input::zone(zone).unwrap()),
            ..Default::default()
        },
    )
    .await
    .expect("setup");
    app.group_create(
        &cora,
        hearth::app::groups::GroupCreate {
            name: "Open Door".into(),
            channel: "#door".into(),
            kind: Some(GroupKind::DropIn),
            ..Default::default()
        },
    )
    .await
    .expect("group create");
}

fn hours(days: Vec<Weekday>, from: NaiveTime, to: NaiveTime) -> DropinHours {
    DropinHours {
        group: "Open Door".into(),
        days,
        from,
        to,
    }
}

#[tokio::test]
async fn opening_hours_become_sessions_of_the_group_and_the_status_follows_them() {
    let t = open_door().await;
    let reply = t
        .app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Tue, Weekday::Thu], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");
    assert!(text(&reply).contains("Tue 14:00–16:00"), "{}", text(&reply));
    let sessions = t.sessions().await;
    assert!(
        sessions.len() >= 20,
        "a horizon of Tuesdays and Thursdays: {sessions:?}"
    );
    assert_eq!(sessions[0].2, "2026-12-01");

    let closed = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(closed.contains("Closed · next open"), "{closed}");

    t.clock.set(Utc.with_ymd_and_hms(2026, 12, 1, 14, 30, 0).unwrap());
    let open = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(
        open.contains("Open now until") && open.contains("0 volunteers on duty"),
        "{open}"
    );

    let kit = actor("Kit", Role::Member);
    t.app.dropin_here(&kit, "Open Door").await.expect("here");
    let staffed = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(
        staffed.contains("1 volunteer on duty") && staffed.contains("On duty: Kit"),
        "{staffed}"
    );

    t.clock.set(Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap());
    t.app.dropin_leave(&kit, "Open Door").await.expect("leave");
    let left = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(left.contains("0 volunteers on duty"), "{left}");
}

#[tokio::test]
async fn a_closed_day_cancels_that_days_session_and_says_closed_today() {
    let t = open_door().await;
    t.app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Mon], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");
    let date = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
    t.app
        .dropin_closed(&coordinator(), "Open Door", date, Some("bank holiday".into()))
        .await
        .expect("closed");
    let cancelled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session WHERE local_date = '2026-12-28' AND status = 'cancelled'",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(cancelled, 1);
    t.clock.set(Utc.with_ymd_and_hms(2026, 12, 28, 15, 0, 0).unwrap());
    let status = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(status.contains("Closed today: bank holiday"), "{status}");
}

#[tokio::test]
async fn bad_drop_in_input_is_refused_with_a_sentence_and_nothing_changes() {
    let t = open_door().await;
    t.app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Thu], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");
    let windows = t.count("dropin_window").await;
    let series = t.count("series").await;

    let overlap = t
        .app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Thu], time(15, 0), time(17, 0)),
        )
        .await
        .unwrap_err();
    assert!(
        overlap.to_string().contains("overlaps Thu 14:00–16:00"),
        "{overlap}"
    );
    let empty = t
        .app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Fri], time(15, 0), time(15, 0)),
        )
        .await
        .unwrap_err();
    assert!(
        empty.to_string().starts_with("A window needs to: after from:"),
        "{empty}"
    );
    let by_member = t
        .app
        .dropin_hours(&member(), hours(vec![Weekday::Fri], time(10, 0), time(12, 0)))
        .await
        .unwrap_err();
    assert!(!by_member.to_string().is_empty());
    let no_window = t
        .app
        .dropin_closed(
            &coordinator(),
            "Open Door",
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        no_window.to_string().contains("isn't open on Mon 7 Dec 2026"),
        "{no_window}"
    );
    let outside = t
        .app
        .dropin_here(&actor("Kit", Role::Member), "Open Door")
        .await
        .unwrap_err();
    assert!(
        outside.to_string().contains("isn't open now") && outside.to_string().contains("next window opens"),
        "{outside}"
    );
    let not_pool = t.app.dropin_here(&member(), "Open Door").await.unwrap_err();
    assert!(not_pool.to_string().contains("Only a facilitator"), "{not_pool}");

    assert_eq!(t.count("dropin_window").await, windows);
    assert_eq!(t.count("series").await, series);
    assert_eq!(t.count("dropin_closed_day").await, 0);
    assert_eq!(t.count("dropin_duty").await, 0);
}

#[tokio::test]
async fn a_window_past_midnight_is_allowed_and_said() {
    let t = open_door().await;
    let reply = t
        .app
        .dropin_hours(&coordinator(), hours(vec![Weekday::Fri], time(22, 0), time(2, 0)))
        .await
        .expect("hours");
    assert!(text(&reply).contains("crosses midnight"), "{}", text(&reply));
    let cleared = t
        .app
        .dropin_clear(&coordinator(), "Open Door")
        .await
        .expect("clear");
    assert!(text(&cleared).contains("no opening hours now"));
    let status = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(status.contains("no opening hours set"), "{status}");
}

/// A drop-in is open until its closing wall time, on the nights the clocks change as on
/// any other: its session (what the calendar feed, the cards and the reminders show)
/// closes when the status says it does, not an hour before or after.
#[tokio::test]
async fn a_drop_in_past_midnight_closes_at_its_hour_on_the_nights_the_clocks_change() {
    for (start, date, closes) in [
        // London goes back at 02:00 BST on Sunday 25 October: 22:00 BST to 03:00 GMT is six hours.
        (
            Utc.with_ymd_and_hms(2026, 10, 19, 9, 0, 0).unwrap(),
            "2026-10-24",
            Utc.with_ymd_and_hms(2026, 10, 25, 3, 0, 0).unwrap(),
        ),
        // And forward at 01:00 GMT on Sunday 29 March: 22:00 GMT to 03:00 BST is four.
        (
            Utc.with_ymd_and_hms(2026, 3, 23, 9, 0, 0).unwrap(),
            "2026-03-28",
            Utc.with_ymd_and_hms(2026, 3, 29, 2, 0, 0).unwrap(),
        ),
    ] {
        let t = spawn_app(start).await;
        dropin_group(&t.app, "Europe/London").await;
        t.app
            .dropin_hours(&coordinator(), hours(vec![Weekday::Sat], time(22, 0), time(3, 0)))
            .await
            .expect("hours");
        let ends: i64 = sqlx::query_scalar("SELECT ends_at FROM session WHERE local_date = $1")
            .bind(date)
            .fetch_one(&t.pool)
            .await
            .unwrap();
        assert_eq!(chrono::DateTime::from_timestamp(ends, 0), Some(closes), "{date}");
        // The week after, an ordinary five hours.
        let after: (i64, i64) = sqlx::query_as(
            "SELECT starts_at, ends_at FROM session WHERE local_date > $1 ORDER BY local_date LIMIT 1",
        )
        .bind(date)
        .fetch_one(&t.pool)
        .await
        .unwrap();
        assert_eq!(after.1 - after.0, 5 * 3600, "{date}");
    }
}

/// Advances the clock a week at a time for `weeks`, rolling the horizon each week as
/// `hearth serve` does.
async fn roll_weekly(t: &TestApp, weeks: i64) {
    for _ in 0..weeks {
        t.clock.advance(chrono::Duration::weeks(1));
        t.app.roll_horizon().await.expect("roll");
    }
}

/// (due, expires) of the status edit planned for the boundary at `at`, if any.
async fn status_edit_at(t: &TestApp, at: chrono::DateTime<Utc>) -> Option<(i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT due_at, expires_at FROM job WHERE kind = 'dropin-status-edit' AND state = 'pending' AND due_at = $1",
    )
    .bind(at.timestamp())
    .fetch_optional(&t.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_status_edits_stay_planned_as_the_horizon_rolls_far_past_twelve_weeks() {
    let t = open_door().await;
    t.app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Tue], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");

    roll_weekly(&t, 30).await;

    // Now Tuesday 29 June 2027: the horizon reaches late September, in BST.
    let furthest: i64 = sqlx::query_scalar(
        "SELECT MAX(due_at) FROM job WHERE kind = 'dropin-status-edit' AND state = 'pending'",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert!(
        furthest >= (hearth::clock::Clock::now(&t.clock) + chrono::Duration::weeks(11)).timestamp(),
        "edits are planned almost to the horizon, not only to the first 12 weeks"
    );
    // Tuesday 10 August 2027, 14:00–16:00 BST: an edit at each, and ten minutes in
    // (to say if it is running late), each expiring at the next.
    let opens = Utc.with_ymd_and_hms(2027, 8, 10, 13, 0, 0).unwrap();
    let late_check = Utc.with_ymd_and_hms(2027, 8, 10, 13, 10, 0).unwrap();
    let closes = Utc.with_ymd_and_hms(2027, 8, 10, 15, 0, 0).unwrap();
    let next = Utc.with_ymd_and_hms(2027, 8, 17, 13, 0, 0).unwrap();
    assert_eq!(
        status_edit_at(&t, opens).await,
        Some((opens.timestamp(), Some(late_check.timestamp())))
    );
    assert_eq!(
        status_edit_at(&t, late_check).await,
        Some((late_check.timestamp(), Some(closes.timestamp())))
    );
    assert_eq!(
        status_edit_at(&t, closes).await,
        Some((closes.timestamp(), Some(next.timestamp())))
    );
    // Each boundary is planned once, however many rolls passed over it.
    let doubled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT due_at FROM job WHERE kind = 'dropin-status-edit' AND dedupe_key NOT LIKE '%change%'
         GROUP BY due_at HAVING COUNT(*) > 1) AS doubled",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(doubled, 0);

    t.clock.set(opens);
    let open = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(open.contains("Open now until"), "{open}");
}

#[tokio::test]
async fn a_day_closed_twenty_weeks_ahead_cancels_its_session_when_the_horizon_reaches_it() {
    let t = open_door().await;
    t.app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Tue], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");
    let date = NaiveDate::from_ymd_opt(2027, 4, 20).unwrap();
    t.app
        .dropin_closed(&coordinator(), "Open Door", date, Some("spring break".into()))
        .await
        .expect("closed");
    assert!(session_on(&t).await.is_none(), "beyond the horizon yet");

    roll_weekly(&t, 12).await;

    let (id, status, note) = session_on(&t).await.expect("materialised by now");
    assert_eq!(
        (status.as_str(), note.as_deref()),
        ("cancelled", Some("spring break"))
    );
    let jobs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE session_id = $1 AND state = 'pending'")
            .bind(id)
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(jobs, 0, "no card, reminder or rota message for a closed day");
    // The week before and after are held as usual.
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session WHERE local_date IN ('2027-04-13', '2027-04-27') AND status = 'scheduled'",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(held, 2);
    // The status is edited at the closed day's midnight (BST) and says so that day.
    let midnight = Utc.with_ymd_and_hms(2027, 4, 19, 23, 0, 0).unwrap();
    assert!(status_edit_at(&t, midnight).await.is_some());
    t.clock.set(Utc.with_ymd_and_hms(2027, 4, 20, 14, 30, 0).unwrap());
    let status = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(status.contains("Closed today: spring break"), "{status}");
}

/// (id, status, note) of the session on 20 April 2027.
async fn session_on(t: &TestApp) -> Option<(i64, String, Option<String>)> {
    sqlx::query_as("SELECT id, status, note FROM session WHERE local_date = '2027-04-20'")
        .fetch_optional(&t.pool)
        .await
        .unwrap()
}

/// The dispatcher on the test's clock, recording what it posts.
fn engine(
    t: &TestApp,
) -> (
    hearth::engine::Engine,
    tokio::sync::mpsc::UnboundedReceiver<Delivery>,
) {
    let clock: std::sync::Arc<dyn hearth::clock::Clock> = std::sync::Arc::new(t.clock.clone());
    let (chat, deliveries) = RecordingChat::new(clock.clone());
    let engine = hearth::engine::Engine::new(t.pool.clone(), chat, clock, t.app.jobs_changed());
    (engine, deliveries)
}

/// Sets the clock and sends whatever is due; returns the late alerts posted to
/// `#alerts` (gap alerts go there too).
async fn alerts_at(
    t: &TestApp,
    engine: &mut hearth::engine::Engine,
    deliveries: &mut tokio::sync::mpsc::UnboundedReceiver<Delivery>,
    at: chrono::DateTime<Utc>,
) -> Vec<String> {
    t.clock.set(at);
    engine.run_until_idle().await.expect("dispatch");
    let mut alerts = Vec::new();
    while let Ok(delivery) = deliveries.try_recv() {
        if delivery.to == "#alerts" && delivery.text.contains("Opening a little late") {
            alerts.push(delivery.text);
        }
    }
    alerts
}

#[tokio::test]
async fn an_opening_with_nobody_on_the_rota_or_on_duty_says_opening_a_little_late_and_alerts_coordinators_once(
) {
    let t = open_door().await;
    t.app
        .setup(
            &coordinator(),
            hearth::app::setup::SetupInput {
                alerts_channel: Some("#alerts".into()),
                ..Default::default()
            },
        )
        .await
        .expect("alerts channel");
    // Shifts by hand only, so nobody is on the rota unless assigned.
    t.app
        .rota_settings(
            &coordinator(),
            hearth::app::rota::RotaSettingsInput {
                group: "Open Door".into(),
                auto_fill: Some(false),
                swap_approval: None,
                rota_channel: None,
            },
        )
        .await
        .expect("rota settings");
    t.app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Tue], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");
    let (mut engine, mut deliveries) = engine(&t);
    let utc = |d: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();

    // Tuesday 1 December: nobody comes.
    assert!(alerts_at(&t, &mut engine, &mut deliveries, utc(1, 14, 9))
        .await
        .is_empty());
    let on_time = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(on_time.contains("Open now until"), "{on_time}");
    let alerts = alerts_at(&t, &mut engine, &mut deliveries, utc(1, 14, 10)).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].contains("Opening a little late: Open Door") && alerts[0].contains("nobody on the rota"),
        "{}",
        alerts[0]
    );
    let late = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(late.contains("Opening a little late"), "{late}");
    assert!(
        alerts_at(&t, &mut engine, &mut deliveries, utc(1, 15, 0))
            .await
            .is_empty(),
        "once"
    );

    // Tuesday 8 December: Kit checks in five minutes after opening.
    alerts_at(&t, &mut engine, &mut deliveries, utc(8, 14, 5)).await;
    t.app
        .dropin_here(&actor("Kit", Role::Member), "Open Door")
        .await
        .expect("here");
    assert!(alerts_at(&t, &mut engine, &mut deliveries, utc(8, 14, 30))
        .await
        .is_empty());
    let staffed = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(
        staffed.contains("Open now") && staffed.contains("1 volunteer on duty"),
        "{staffed}"
    );

    // Tuesday 15 December: Kit is on the rota, not yet checked in: not late.
    let session = t
        .sessions()
        .await
        .into_iter()
        .find(|(_, _, date)| date == "2026-12-15")
        .expect("the session of 15 December")
        .0;
    t.app
        .rota_assign(
            &coordinator(),
            hearth::app::input::SessionId(session),
            Person {
                user_id: "user:Kit".into(),
                name: "Kit".into(),
                member: true,
            },
            false,
        )
        .await
        .expect("assign");
    assert!(alerts_at(&t, &mut engine, &mut deliveries, utc(15, 14, 30))
        .await
        .is_empty());
    t.clock.set(utc(15, 14, 30));
    let expected = text(&t.app.dropin_status(&member(), "Open Door").await.expect("status"));
    assert!(!expected.contains("late"), "{expected}");
}

#[tokio::test]
async fn a_drop_in_takes_no_answers_by_default_and_only_i_might_come_with_answers_yes() {
    let t = open_door().await;
    t.app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Thu], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");
    let session = hearth::app::input::SessionId(t.sessions().await[0].0);
    let state = |s: &str| s.parse::<hearth::domain::rsvp::RsvpState>().unwrap();

    let none = t
        .app
        .rsvp(&member(), session, state("maybe"), false)
        .await
        .unwrap_err();
    assert!(
        none.to_string().contains("no need to say you're coming"),
        "{none}"
    );

    let edit = |answers: bool, group: &str| hearth::app::groups::GroupEdit {
        group: group.into(),
        answers: Some(answers),
        ..Default::default()
    };
    let reply = t
        .app
        .group_edit(&coordinator(), edit(true, "Open Door"))
        .await
        .expect("edit");
    assert!(text(&reply).contains("I might come"), "{}", text(&reply));
    let might = t
        .app
        .rsvp(&member(), session, state("maybe"), false)
        .await
        .expect("maybe");
    assert!(text(&might).contains("you might come"), "{}", text(&might));
    let going = t
        .app
        .rsvp(&member(), session, state("going"), false)
        .await
        .unwrap_err();
    assert!(going.to_string().contains("no places to book"), "{going}");
    let rsvps = t.count("rsvp").await;

    // A meeting group's cards always carry the three answers.
    t.app
        .group_create(
            &coordinator(),
            hearth::app::groups::GroupCreate {
                name: "Tuesday Circle".into(),
                channel: "#circle".into(),
                ..Default::default()
            },
        )
        .await
        .expect("meeting group");
    let refused = t
        .app
        .group_edit(&coordinator(), edit(true, "Tuesday Circle"))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("answers: is for drop-ins"),
        "{refused}"
    );
    assert_eq!(t.count("rsvp").await, rsvps);
    assert_eq!(t.count("dropin_settings").await, 1);
}

/// A window in wall time: from and to as (hour, minute).
type WallWindow = ((u32, u32), (u32, u32));

/// A drop-in in `zone` with `windows` (all on `day`), made at `start` on paused tokio
/// time with the dispatcher running; returns the first `count` status edits (when,
/// what). It waits on the edits themselves, not a timer: paused time would jump a
/// timer ahead while the database works.
async fn status_edits_on_paused_time(
    zone: &str,
    start: chrono::DateTime<Utc>,
    day: Weekday,
    windows: &[WallWindow],
    count: usize,
) -> Vec<(chrono::DateTime<Utc>, String)> {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = crate::support::spawn_app_on_tokio_time(dir.path(), start).await;
    let cora = coordinator();
    dropin_group(&app, zone).await;
    for (from, to) in windows {
        app.dropin_hours(&cora, hours(vec![day], time(from.0, from.1), time(to.0, to.1)))
            .await
            .expect("hours");
    }
    let (chat, _posts) = RecordingChat::new(clock.clone());
    let engine = hearth::engine::Engine::new(
        app.pool().clone(),
        chat.clone(),
        clock.clone(),
        app.jobs_changed(),
    );
    tokio::spawn(engine.run(std::future::pending()));
    loop {
        let edits: Vec<(chrono::DateTime<Utc>, String)> = chat
            .edits
            .lock()
            .unwrap()
            .iter()
            .filter(|edit| !edit.is_card && !edit.text.contains("Drop in any time"))
            .map(|edit| (edit.at, edit.text.clone()))
            .collect();
        if edits.len() >= count {
            return edits.into_iter().take(count).collect();
        }
        chat.edited.notified().await;
    }
}

/// The edits fall at `expected` and say open, opening late, or closed as they should:
/// never early, and late by at most a tenth of a second (the channel's pacing spaces
/// the status edit from the card posted or redrawn at the same instant).
#[track_caller]
fn assert_edits(edits: &[(chrono::DateTime<Utc>, String)], expected: &[(chrono::DateTime<Utc>, &str)]) {
    let shown: Vec<String> = edits.iter().map(|(at, text)| format!("{at}: {text}")).collect();
    assert_eq!(edits.len(), expected.len(), "{shown:#?}");
    for ((at, text), (due, says)) in edits.iter().zip(expected) {
        let late = *at - *due;
        assert!(
            late >= chrono::Duration::zero() && late <= chrono::Duration::milliseconds(100),
            "due {due}: {shown:#?}"
        );
        assert!(text.contains(says), "due {due}, should say {says}: {shown:#?}");
    }
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[tokio::test]
async fn on_paused_time_the_status_is_edited_open_exactly_at_each_local_start_and_closed_at_its_end_across_londons_spring_change(
) {
    // Friday 27 March 2026; London's clocks go forward at 01:00 GMT on Sunday 29 March.
    let start = at(2026, 3, 27, 9, 0);
    let edits = status_edits_on_paused_time(
        "Europe/London",
        start,
        Weekday::Sun,
        &[((0, 30), (3, 0)), ((10, 0), (12, 0))],
        7,
    )
    .await;
    assert_edits(
        &edits,
        &[
            (start, "Closed · next open"),
            // 00:30 GMT, then 03:00 BST: an hour and a half of real time.
            (at(2026, 3, 29, 0, 30), "Open now until"),
            (at(2026, 3, 29, 0, 40), "Opening a little late"),
            (at(2026, 3, 29, 2, 0), "Closed · next open"),
            // 10:00–12:00 BST.
            (at(2026, 3, 29, 9, 0), "Open now until"),
            (at(2026, 3, 29, 9, 10), "Opening a little late"),
            (at(2026, 3, 29, 11, 0), "Closed · next open"),
        ],
    );
}

#[tokio::test]
async fn on_paused_time_the_status_follows_local_hours_across_londons_autumn_change() {
    // Friday 23 October 2026; back to GMT at 02:00 BST on Sunday 25 October.
    let start = at(2026, 10, 23, 9, 0);
    let edits =
        status_edits_on_paused_time("Europe/London", start, Weekday::Sun, &[((10, 0), (12, 0))], 4).await;
    assert_edits(
        &edits,
        &[
            (start, "Closed · next open"),
            (at(2026, 10, 25, 10, 0), "Open now until"),
            (at(2026, 10, 25, 10, 10), "Opening a little late"),
            (at(2026, 10, 25, 12, 0), "Closed · next open"),
        ],
    );
}

#[tokio::test]
async fn on_paused_time_the_status_follows_local_hours_across_sydneys_april_change() {
    // Thursday 2 April 2026; Sydney leaves daylight time (+11 -> +10) on Sunday 5 April.
    let start = at(2026, 4, 2, 9, 0);
    let edits =
        status_edits_on_paused_time("Australia/Sydney", start, Weekday::Sun, &[((14, 0), (16, 0))], 4).await;
    assert_edits(
        &edits,
        &[
            (start, "Closed · next open"),
            // 14:00–16:00 AEST is 04:00–06:00 UTC (it was 03:00–05:00 a week before).
            (at(2026, 4, 5, 4, 0), "Open now until"),
            (at(2026, 4, 5, 4, 10), "Opening a little late"),
            (at(2026, 4, 5, 6, 0), "Closed · next open"),
        ],
    );
}

#[tokio::test]
async fn a_member_who_dropped_in_is_asked_how_they_are_leaving_and_counts_once() {
    use hearth::app::input::SessionId;
    use hearth::app::outcomes::OutcomeButton;
    use hearth::app::rsvp::Click;
    use hearth::clock::Clock;
    use hearth::domain::outcome::Leaving;
    let t = open_door().await;
    t.app
        .dropin_hours(
            &coordinator(),
            hours(vec![Weekday::Tue], time(14, 0), time(16, 0)),
        )
        .await
        .expect("hours");
    let (id, starts, ends): (i64, i64, i64) =
        sqlx::query_as("SELECT id, starts_at, ends_at FROM session ORDER BY starts_at LIMIT 1")
            .fetch_one(&t.pool)
            .await
            .expect("an opening");
    let at = |s: i64| Utc.timestamp_opt(s, 0).unwrap();
    let mo = actor("Mo", Role::Member);
    t.clock.set(at(starts) + chrono::Duration::minutes(20));
    t.app
        .click(&mo, SessionId(id), Click::Here)
        .await
        .expect("I'm here");
    t.clock.set(at(ends) + chrono::Duration::minutes(5));

    let session = hearth::store::sessions::get(&t.pool, id).await.unwrap().unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    let card = hearth::engine::render::card(&mut conn, &session, t.clock.now())
        .await
        .unwrap();
    drop(conn);
    let checkout = |leaving| {
        t.app
            .outcome_click(&mo, SessionId(id), OutcomeButton::Checkout(leaving), None)
    };
    let first = checkout(Leaving::Better).await.expect("check out");
    let second = checkout(Leaving::Same).await.expect("a second click");
    let stranger = t
        .app
        .outcome_click(
            &actor("Bo", Role::Member),
            SessionId(id),
            OutcomeButton::Checkout(Leaving::Better),
            None,
        )
        .await
        .unwrap_err();

    let ids: Vec<String> = card.buttons.iter().map(|b| b.id.clone()).collect();
    assert_eq!(
        ids,
        [
            format!("checkout-better:{id}"),
            format!("checkout-same:{id}"),
            format!("checkout-not-so-good:{id}")
        ]
    );
    assert!(text(&first).contains("without your name"), "{}", text(&first));
    assert!(text(&second).contains("already noted"), "{}", text(&second));
    assert!(stranger.to_string().contains("checked in"), "{stranger}");
    let kept: Vec<String> = sqlx::query_scalar("SELECT answer FROM checkout_answer WHERE session_id = $1")
        .bind(id)
        .fetch_all(&t.pool)
        .await
        .unwrap();
    assert_eq!(kept, ["better"]);
}
