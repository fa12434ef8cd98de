//! `/meeting ...` and `/schedule` through the app layer: series, sessions,
//! exceptions and re-materialisation.

use chrono::{Duration, TimeZone, Utc};
use hearth::app::groups::GroupEdit;
use hearth::app::meetings::MeetingAdd;

use crate::support::{coordinator, march_first, member, spawn_app, text, TestApp};

fn add(when: &str, repeat: Option<&str>) -> MeetingAdd {
    MeetingAdd {
        group: "Tuesday Circle".into(),
        when: hearth::app::input::when(when).unwrap(),
        repeat: repeat.map(|r| hearth::app::input::repeat(r).unwrap()),
        ..Default::default()
    }
}

async fn circle() -> TestApp {
    let t = spawn_app(march_first()).await;
    t.with_group("Tuesday Circle", "Europe/London").await;
    t
}

fn unix(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().timestamp()
}

#[tokio::test]
async fn a_fortnightly_series_stays_at_1830_local_across_the_spring_change() {
    let t = circle().await;

    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("fortnightly")))
        .await
        .unwrap();

    let sessions = t.sessions().await;
    assert_eq!(
        sessions[0].1,
        unix(2026, 3, 10, 18, 30),
        "GMT: 18:30 local is 18:30Z"
    );
    assert_eq!(sessions[1].1, unix(2026, 3, 24, 18, 30));
    assert_eq!(
        sessions[2].1,
        unix(2026, 4, 7, 17, 30),
        "BST: 18:30 local is 17:30Z"
    );
    // Twelve weeks ahead of 1 March, every other Tuesday.
    assert_eq!(sessions.len(), 6);
}

#[tokio::test]
async fn the_list_shows_local_times_with_their_zone() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("fortnightly")))
        .await
        .unwrap();

    let list = t
        .app
        .meeting_list(&member(), Some("Tuesday Circle"), Some(12))
        .await
        .unwrap();

    let rendered: Vec<String> = list
        .lines
        .iter()
        .map(|l| hearth::console::render::render_text(l, march_first()))
        .collect();
    assert!(rendered[0].contains("Tue 10 Mar 2026 18:30 GMT"), "{rendered:?}");
    assert!(rendered[2].contains("Tue 7 Apr 2026 18:30 BST"), "{rendered:?}");
}

#[tokio::test]
async fn a_one_off_in_the_past_is_refused_and_nothing_is_written() {
    let t = circle().await;

    let refused = t
        .app
        .meeting_add(&coordinator(), add("2026-02-20 18:30", None))
        .await
        .unwrap_err();

    assert!(refused.to_string().contains("already passed"), "{refused}");
    assert_eq!(t.count("series").await, 0);
    assert_eq!(t.count("session").await, 0);
}

#[tokio::test]
async fn a_malformed_when_shows_the_expected_form() {
    let refused = hearth::app::input::when("next tuesday").unwrap_err();
    assert!(refused.to_string().contains("2026-12-01 18:30"), "{refused}");
}

#[tokio::test]
async fn until_before_the_start_and_a_count_of_zero_are_refused() {
    let t = circle().await;
    let mut early = add("2026-03-10 18:30", Some("weekly"));
    early.until = Some(hearth::app::input::date("2026-03-01").unwrap());
    let mut zero = add("2026-03-10 18:30", Some("weekly"));
    zero.count = Some(0);

    let until = t.app.meeting_add(&coordinator(), early).await.unwrap_err();
    let count = t.app.meeting_add(&coordinator(), zero).await.unwrap_err();

    assert!(until.to_string().to_lowercase().contains("before"), "{until}");
    assert!(count.to_string().contains("at least 1"), "{count}");
    assert_eq!(t.count("series").await, 0);
}

#[tokio::test]
async fn a_member_cannot_add_a_meeting() {
    let t = circle().await;
    let refused = t
        .app
        .meeting_add(&member(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("coordinator"), "{refused}");
}

#[tokio::test]
async fn a_count_limits_the_series() {
    let t = circle().await;
    let mut three = add("2026-03-10 18:30", Some("weekly"));
    three.count = Some(3);

    t.app.meeting_add(&coordinator(), three).await.unwrap();

    assert_eq!(t.sessions().await.len(), 3);
}

#[tokio::test]
async fn cancelling_one_session_keeps_the_series_and_shows_the_reason() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let first = t.sessions().await[0].0;

    t.app
        .meeting_cancel(
            &coordinator(),
            hearth::app::input::SessionId(first),
            Some("Room unavailable".into()),
        )
        .await
        .unwrap();

    let list = text(&t.app.meeting_list(&member(), None, Some(2)).await.unwrap());
    assert!(list.contains("CANCELLED: Room unavailable"), "{list}");
    assert!(t
        .app
        .meeting_cancel(&coordinator(), hearth::app::input::SessionId(first), None)
        .await
        .unwrap_err()
        .to_string()
        .contains("already cancelled"));
}

#[tokio::test]
async fn moving_a_session_changes_only_that_date() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let before = t.sessions().await;

    t.app
        .meeting_move(
            &coordinator(),
            hearth::app::input::SessionId(before[1].0),
            hearth::app::input::when("2026-03-18 19:00").unwrap(),
        )
        .await
        .unwrap();

    let after = t.sessions().await;
    assert_eq!(after[1].0, before[1].0, "same session row");
    assert_eq!(after[1].1, unix(2026, 3, 18, 19, 0));
    assert_eq!(after[0], before[0]);
    assert_eq!(after[2], before[2]);
}

#[tokio::test]
async fn a_session_moved_back_to_its_own_time_no_longer_says_moved_from() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let id = hearth::app::input::SessionId(session_on(&t, "2026-03-17").await);
    t.app
        .meeting_move(
            &coordinator(),
            id,
            hearth::app::input::when("2026-03-18 19:00").unwrap(),
        )
        .await
        .unwrap();
    t.app
        .meeting_move(
            &coordinator(),
            id,
            hearth::app::input::when("2026-03-19 19:00").unwrap(),
        )
        .await
        .unwrap();
    let twice = text(&t.app.meeting_list(&member(), None, Some(4)).await.unwrap());
    assert!(
        twice.contains("Moved from Tue 17 Mar 2026 18:30 GMT"),
        "a second move names the time it was meant to be: {twice}"
    );

    t.app
        .meeting_move(
            &coordinator(),
            id,
            hearth::app::input::when("2026-03-17 18:30").unwrap(),
        )
        .await
        .unwrap();

    let list = text(&t.app.meeting_list(&member(), None, Some(4)).await.unwrap());
    assert!(!list.contains("Moved"), "{list}");
    let status: String = sqlx::query_scalar("SELECT status FROM session WHERE local_date = '2026-03-17'")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(status, "scheduled");
}

#[tokio::test]
async fn a_series_with_a_room_says_where_it_is_not_at_it() {
    let t = circle().await;
    let added = MeetingAdd {
        location: Some("Community room".into()),
        ..add("2026-03-10 18:30", Some("weekly"))
    };

    let said = text(&t.app.meeting_add(&coordinator(), added).await.unwrap());

    assert!(said.contains("Where: Community room"), "{said}");
    assert!(!said.contains("at Community room"), "{said}");
}

#[tokio::test]
async fn a_date_like_9999_12_31_is_refused_with_the_year_to_stay_before_not_no_sessions() {
    // Both adapters read dates and times with these readers, before any use-case.
    let far_until = hearth::app::input::date("9999-12-31").unwrap_err().to_string();
    let far_when = hearth::app::input::when("9999-12-31 18:30")
        .unwrap_err()
        .to_string();

    for said in [&far_until, &far_when] {
        assert!(said.contains("before 2100"), "{said}");
        assert!(!said.contains("no sessions"), "{said}");
    }
}

#[tokio::test]
async fn a_one_off_years_ahead_is_added_and_says_when_it_is() {
    let t = circle().await;

    let said = text(
        &t.app
            .meeting_add(&coordinator(), add("2099-12-31 18:30", None))
            .await
            .unwrap(),
    );

    assert!(said.contains("The first is on"), "{said}");
    assert!(said.contains("2099"), "{said}");
}

#[tokio::test]
async fn an_unknown_session_number_says_where_to_find_one() {
    let t = circle().await;
    let refused = t
        .app
        .meeting_cancel(&coordinator(), hearth::app::input::SessionId(999), None)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("/meeting list"), "{refused}");
    // A number that isn't one is refused as it is read, by either adapter.
    let refused = hearth::app::input::session("tuesday").unwrap_err();
    assert!(refused.to_string().contains("session:12"), "{refused}");
}

#[tokio::test]
async fn changing_the_groups_zone_keeps_session_ids_and_local_times() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let before = t.sessions().await;

    t.app
        .group_edit(
            &coordinator(),
            GroupEdit {
                group: "Tuesday Circle".into(),
                timezone: Some(hearth::app::input::zone("America/New_York").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let after = t.sessions().await;
    assert_eq!(
        after.iter().map(|s| (s.0, s.2.clone())).collect::<Vec<_>>(),
        before.iter().map(|s| (s.0, s.2.clone())).collect::<Vec<_>>(),
        "every date keeps its session id"
    );
    // 18:30 in New York on 10 March 2026 (EDT, UTC-4) is 22:30Z.
    assert_eq!(after[0].1, unix(2026, 3, 10, 22, 30));
}

#[tokio::test]
async fn ending_a_series_ends_later_sessions_and_keeps_earlier_ids() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let before = t.sessions().await;

    t.app
        .meeting_end(
            &coordinator(),
            hearth::app::input::SeriesId(1),
            Some(hearth::app::input::date("2026-03-24").unwrap()),
        )
        .await
        .unwrap();

    let after: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT id, starts_at, local_date FROM session WHERE ended = 0 ORDER BY local_date")
            .fetch_all(&t.pool)
            .await
            .unwrap();
    assert_eq!(after, before[..3].to_vec());
    let ended: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM session WHERE ended = 1 AND status = 'cancelled'")
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(
        ended as usize,
        before.len() - 3,
        "later ones are kept, ended, with their answers"
    );
}

#[tokio::test]
async fn ending_a_series_that_has_not_started_removes_it_with_its_sessions_and_jobs() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    assert!(t.count("job").await > 0);

    let said = text(
        &t.app
            .meeting_end(&coordinator(), hearth::app::input::SeriesId(1), None)
            .await
            .unwrap(),
    );

    assert!(said.contains("Removed series 1"), "{said}");
    assert_eq!((t.count("series").await, t.count("session").await), (0, 0));
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE state = 'pending' AND kind != 'retention'")
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(pending, 0, "nothing of it is left to post");
    let list = text(&t.app.meeting_list(&member(), None, Some(12)).await.unwrap());
    assert!(list.contains("No sessions"), "{list}");
}

#[tokio::test]
async fn a_series_not_started_that_members_answered_is_ended_not_removed_and_keeps_their_answers() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    t.app
        .rsvp(
            &member(),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();

    let said = text(
        &t.app
            .meeting_end(&coordinator(), hearth::app::input::SeriesId(1), None)
            .await
            .unwrap(),
    );

    assert!(said.contains("It hadn't started"), "{said}");
    assert_eq!(t.count("series").await, 1);
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session WHERE ended = 0")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(live, 0, "none of its sessions will happen");
    assert_eq!(t.count("rsvp").await, 1, "Mo's answer is kept");
}

#[tokio::test]
async fn the_horizon_rolls_forward_as_time_passes_without_touching_existing_rows() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let before = t.sessions().await;

    t.clock.advance(Duration::weeks(4));
    let added = t.app.roll_horizon().await.unwrap().added;

    let after = t.sessions().await;
    assert_eq!(added, 4);
    assert_eq!(after[..before.len()], before[..], "existing sessions unchanged");
}

#[tokio::test]
async fn the_schedule_lists_every_groups_sessions() {
    let t = circle().await;
    t.app
        .group_create(
            &coordinator(),
            hearth::app::groups::GroupCreate {
                name: "Hearing Voices".into(),
                channel: "#voices".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let mut voices = add("2026-03-05 11:00", Some("monthly-weekday"));
    voices.group = "Hearing Voices".into();
    t.app.meeting_add(&coordinator(), voices).await.unwrap();

    let schedule = text(&t.app.schedule(&member(), Some(14)).await.unwrap());

    assert!(schedule.contains("Hearing Voices"), "{schedule}");
    assert!(schedule.contains("Tuesday Circle"), "{schedule}");
}

#[tokio::test]
async fn a_meeting_beyond_the_planning_horizon_is_kept_and_appears_as_its_date_nears() {
    let t = circle().await;

    let added = t
        .app
        .meeting_add(&coordinator(), add("2026-09-01 18:30", None))
        .await
        .unwrap();

    assert!(
        text(&added).contains("more than 12 weeks away"),
        "{}",
        text(&added)
    );
    assert_eq!(t.count("series").await, 1);
    assert_eq!(t.count("session").await, 0);
    t.clock.set(Utc.with_ymd_and_hms(2026, 8, 1, 9, 0, 0).unwrap());
    t.app.roll_horizon().await.unwrap();
    assert_eq!(t.sessions().await.len(), 1);
}

#[tokio::test]
async fn a_group_whose_series_cannot_be_read_does_not_hold_back_the_others() {
    let t = circle().await;
    for name in ["Hearing Voices", "Open Door"] {
        let group = hearth::app::groups::GroupCreate {
            name: name.into(),
            channel: "#circle".into(),
            ..Default::default()
        };
        t.app.group_create(&coordinator(), group).await.unwrap();
    }
    for group in ["Tuesday Circle", "Hearing Voices", "Open Door"] {
        let mut weekly = add("2026-03-10 18:30", Some("weekly"));
        weekly.group = group.into();
        t.app.meeting_add(&coordinator(), weekly).await.unwrap();
    }
    // The middle group's rule is damaged (say, by a hand edit of the database).
    sqlx::query("UPDATE series SET rrule = 'FREQ=SOMETIMES' WHERE id = 2")
        .execute(&t.pool)
        .await
        .unwrap();
    let per_series = "SELECT series_id, COUNT(*) FROM session GROUP BY series_id ORDER BY series_id";
    let before: Vec<(i64, i64)> = sqlx::query_as(per_series).fetch_all(&t.pool).await.unwrap();

    t.clock.advance(Duration::weeks(4));
    let report = t.app.roll_horizon().await.unwrap();

    let after: Vec<(i64, i64)> = sqlx::query_as(per_series).fetch_all(&t.pool).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    assert_eq!((report.added, report.groups), (8, 2), "{report:?}");
    assert_eq!(after[0].1, before[0].1 + 4, "the group before it rolled forward");
    assert_eq!(after[1].1, before[1].1, "the damaged group is left as it was");
    assert_eq!(after[2].1, before[2].1 + 4, "the group after it rolled forward");
}

/// The dedupe keys of one session's jobs, sorted, with their due times (unix).
async fn jobs_of(t: &TestApp, session_id: i64) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT dedupe_key, due_at FROM job WHERE session_id = $1 ORDER BY dedupe_key")
        .bind(session_id)
        .fetch_all(&t.pool)
        .await
        .unwrap()
}

/// The id of the session on a local date.
async fn session_on(t: &TestApp, local_date: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM session WHERE local_date = $1")
        .bind(local_date)
        .fetch_one(&t.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_beyond_the_job_window_is_listed_but_has_no_jobs_yet() {
    let t = circle().await;

    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();

    // Its card is due a week before (7 April): far from 1 March.
    let far = session_on(&t, "2026-04-14").await;
    assert_eq!(jobs_of(&t, far).await, Vec::new());
    let last = t.sessions().await.last().map(|s| s.2.clone());
    assert_eq!(last.as_deref(), Some("2026-05-19"), "still stored 12 weeks ahead");
}

#[tokio::test]
async fn once_the_clock_nears_a_sessions_first_job_the_roll_plans_exactly_its_jobs() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let id = session_on(&t, "2026-04-14").await;

    // Its card goes up on 7 April, 17:30Z (18:30 BST): the window opens a week before.
    assert_eq!(jobs_of(&t, id).await, Vec::new());
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 31, 18, 0, 0).unwrap());
    let report = t.app.roll_horizon().await.unwrap();

    assert!(report.planned >= 1, "{report:?}");
    let start = unix(2026, 4, 14, 17, 30);
    assert_eq!(
        jobs_of(&t, id).await,
        vec![
            (format!("card-closed:{id}"), start + 90 * 60 + 24 * 3600),
            (format!("card-end:{id}"), start + 90 * 60),
            (format!("card-start:{id}"), start),
            (format!("card:{id}"), start - 7 * 24 * 3600),
            (format!("debriefs:{id}"), start + 90 * 60),
            (format!("reminder:{id}:1h"), start - 3600),
            (format!("reminder:{id}:24h"), start - 24 * 3600),
        ]
    );
    let again = t.app.roll_horizon().await.unwrap();
    assert_eq!((again.planned, again.planned_jobs), (0, 0), "{again:?}");
}

#[tokio::test]
async fn a_thirty_day_reminder_is_planned_before_it_is_due() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();

    t.app
        .reminders_set(
            &coordinator(),
            "Tuesday Circle",
            &hearth::app::input::offsets("30d,1h").unwrap(),
        )
        .await
        .unwrap();

    // 31 March 18:30 BST: its 30-day reminder is 1 March 18:30 GMT, later today.
    let soon = session_on(&t, "2026-03-31").await;
    let keys: Vec<(String, i64)> = jobs_of(&t, soon).await;
    assert!(
        keys.contains(&(format!("reminder:{soon}:30d"), unix(2026, 3, 1, 18, 30))),
        "{keys:?}"
    );
    // 7 April's is due 8 March: planned by the first roll within a week of it.
    let later = session_on(&t, "2026-04-07").await;
    assert_eq!(jobs_of(&t, later).await, Vec::new());
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
    t.app.roll_horizon().await.unwrap();
    let keys = jobs_of(&t, later).await;
    assert!(
        keys.contains(&(format!("reminder:{later}:30d"), unix(2026, 3, 8, 18, 30))),
        "{keys:?}"
    );
}

#[tokio::test]
async fn a_session_moved_into_the_job_window_gets_its_jobs_at_once() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let id = session_on(&t, "2026-04-14").await;

    t.app
        .meeting_move(
            &coordinator(),
            hearth::app::input::SessionId(id),
            hearth::app::input::when("2026-03-05 18:30").unwrap(),
        )
        .await
        .unwrap();

    let keys: Vec<String> = jobs_of(&t, id).await.into_iter().map(|(key, _)| key).collect();
    assert!(keys.contains(&format!("card:{id}")), "{keys:?}");
    assert!(keys.contains(&format!("reminder:{id}:24h")), "{keys:?}");
}

#[tokio::test]
async fn a_new_series_after_an_ended_one_gets_its_own_sessions_cards_and_reminders() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", Some("weekly")))
        .await
        .unwrap();
    let first = t.sessions().await;
    t.app
        .meeting_end(
            &coordinator(),
            hearth::app::input::SeriesId(1),
            Some(hearth::app::input::date("2026-03-10").unwrap()),
        )
        .await
        .unwrap();

    // The group starts meeting on Thursdays instead.
    t.app
        .meeting_add(&coordinator(), add("2026-03-12 18:30", Some("weekly")))
        .await
        .unwrap();

    let sessions = t.sessions().await;
    let highest_before = first.iter().map(|(id, _, _)| *id).max().unwrap();
    let new: Vec<i64> = sessions
        .iter()
        .map(|(id, _, _)| *id)
        .filter(|id| first.iter().all(|(old, _, _)| old != id))
        .collect();
    assert!(!new.is_empty());
    assert!(
        new.iter().all(|id| *id > highest_before),
        "a removed session's number is never given to another: {new:?} after {highest_before}"
    );
    // The first Thursday is inside the job window: its card waits to go up.
    let card = hearth::store::jobs::get_by_key(&t.pool, &format!("card:{}", new[0]))
        .await
        .unwrap();
    assert_eq!(
        card.map(|job| job.state),
        Some(hearth::domain::job::JobState::Pending)
    );
    for id in new {
        let skipped: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE session_id = $1 AND state = 'skipped'")
                .bind(id)
                .fetch_one(&t.pool)
                .await
                .unwrap();
        assert_eq!(skipped, 0, "session #{id} inherited no one else's jobs");
    }
}

#[tokio::test]
async fn a_list_of_one_week_says_the_next_week() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-03 18:30", Some("weekly")))
        .await
        .unwrap();

    let list = crate::support::text(
        &t.app
            .meeting_list(&coordinator(), Some("Tuesday Circle"), Some(1))
            .await
            .unwrap(),
    );

    assert!(list.starts_with("Tuesday Circle: the next week\n"), "{list}");
}

#[tokio::test]
async fn a_meeting_at_a_time_the_clocks_skip_says_when_it_is_instead() {
    let t = circle().await;

    let added = crate::support::text(
        &t.app
            .meeting_add(&coordinator(), add("2026-03-29 01:30", None))
            .await
            .unwrap(),
    );

    assert!(
        added.contains("01:30 doesn't happen on Sun 29 Mar 2026 in Europe/London"),
        "{added}"
    );
    assert!(added.contains("so that session is at 02:30 BST"), "{added}");
}

#[tokio::test]
async fn a_coordinator_can_turn_a_groups_reminders_off_and_on_again() {
    let t = circle().await;
    t.app
        .meeting_add(&coordinator(), add("2026-03-03 18:30", None))
        .await
        .unwrap();
    let waiting = || async {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE kind = 'reminder' AND state = 'pending'")
                .fetch_one(&t.pool)
                .await
                .unwrap();
        n
    };
    assert_eq!(waiting().await, 2, "24h and 1h before");

    let off = crate::support::text(
        &t.app
            .reminders_set(
                &coordinator(),
                "Tuesday Circle",
                &hearth::app::input::offsets("none").unwrap(),
            )
            .await
            .unwrap(),
    );
    let none_left = waiting().await;
    t.app
        .reminders_set(
            &coordinator(),
            "Tuesday Circle",
            &hearth::app::input::offsets("24h,1h").unwrap(),
        )
        .await
        .unwrap();

    assert!(off.starts_with("No reminders for Tuesday Circle"), "{off}");
    assert_eq!(none_left, 0, "the waiting reminders were set aside");
    assert_eq!(waiting().await, 2, "and come back when asked");
}

#[tokio::test]
async fn control_characters_and_overlong_text_are_refused_by_the_one_text_rule_and_nothing_is_written() {
    let t = circle().await;
    let mut escape = add("2026-03-10 18:30", None);
    escape.location = Some("Room 2\u{1b}[2J".into());
    let refused = t
        .app
        .meeting_add(&coordinator(), escape)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("escape character"), "{refused}");

    let mut long = add("2026-03-10 18:30", None);
    long.location = Some("x".repeat(10_000));
    let refused = t
        .app
        .meeting_add(&coordinator(), long)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("at most 200"), "{refused}");
    assert_eq!(t.count("series").await, 0, "nothing was written");

    t.app
        .meeting_add(&coordinator(), add("2026-03-10 18:30", None))
        .await
        .unwrap();
    let first = t.sessions().await[0].0;
    let nul = t
        .app
        .meeting_cancel(
            &coordinator(),
            hearth::app::input::SessionId(first),
            Some("ill\0".into()),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(nul.contains("NUL"), "{nul}");
    // A flag is one character to a reader: 64 of them make a name of 64.
    let flags = GroupEdit {
        group: "Tuesday Circle".into(),
        name: Some("🇬🇧".repeat(64)),
        ..Default::default()
    };
    t.app.group_edit(&coordinator(), flags).await.unwrap();

    let description = GroupEdit {
        group: "🇬🇧".repeat(64),
        description: Some("tab\there".into()),
        ..Default::default()
    };
    let tab = t
        .app
        .group_edit(&coordinator(), description)
        .await
        .unwrap_err()
        .to_string();
    assert!(tab.contains("a tab"), "{tab}");
}
