//! The dispatcher: reminders at the right instants (on paused tokio time), moves
//! and cancellations, DMs and their fallback, expiry after downtime.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hearth::app::App;
use hearth::clock::Clock;
use hearth::engine::Engine;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::support::recording_chat::{Delivery, RecordingChat};
use crate::support::{coordinator, group_with_meeting, member, spawn_app_on_tokio_time};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// Starts the dispatcher's loop on the app's clock, recording what it delivers.
fn start_engine(app: &App, clock: Arc<dyn Clock>) -> (Arc<RecordingChat>, UnboundedReceiver<Delivery>) {
    let (chat, deliveries) = RecordingChat::new(clock.clone());
    let engine = Engine::new(app.pool().clone(), chat.clone(), clock, app.jobs_changed());
    tokio::spawn(engine.run(std::future::pending()));
    (chat, deliveries)
}

/// Delivered at `expected`: never early, and late by no more than tokio's 1 ms
/// timer resolution.
#[track_caller]
fn assert_at(delivered: &Delivery, expected: DateTime<Utc>, what: &str) {
    let late = delivered.at - expected;
    assert!(
        late >= chrono::Duration::zero() && late <= chrono::Duration::milliseconds(2),
        "{what}: delivered at {}, due at {expected}",
        delivered.at
    );
}

/// The next reminder or notice (session cards are tested on their own).
async fn next(deliveries: &mut UnboundedReceiver<Delivery>) -> Delivery {
    loop {
        let delivery = deliveries.recv().await.expect("the dispatcher is running");
        if !delivery.is_card {
            return delivery;
        }
    }
}

#[tokio::test]
async fn day_reminders_keep_wall_time_and_hour_reminders_are_exact_across_the_spring_change() {
    // Friday 27 March 2026; the UK's clocks go forward early on Sunday 29 March.
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = spawn_app_on_tokio_time(dir.path(), utc(2026, 3, 27, 9, 0)).await;
    group_with_meeting(
        &app,
        "Europe/London",
        "Sunday Circle",
        "#circle",
        "2026-03-29 18:30",
        "once",
    )
    .await;
    app.reminders_set(
        &coordinator(),
        "Sunday Circle",
        &hearth::app::input::offsets("1d,24h,1h").unwrap(),
    )
    .await
    .unwrap();

    let (_chat, mut deliveries) = start_engine(&app, clock);
    let first = next(&mut deliveries).await;
    let second = next(&mut deliveries).await;
    let third = next(&mut deliveries).await;

    // The session is 18:30 BST = 17:30Z on Sunday.
    assert_at(
        &first,
        utc(2026, 3, 28, 17, 30),
        "24h: exactly a day of elapsed time before",
    );
    assert_at(
        &second,
        utc(2026, 3, 28, 18, 30),
        "1d: Saturday 18:30 local (GMT)",
    );
    assert_at(&third, utc(2026, 3, 29, 16, 30), "1h before");
    for delivery in [&first, &second, &third] {
        assert_eq!(delivery.to, "#circle");
        assert!(
            delivery.text.contains("Reminder: Sunday Circle"),
            "{}",
            delivery.text
        );
        assert!(
            delivery.text.contains("2026-03-29 17:30 UTC"),
            "{}",
            delivery.text
        );
    }
}

#[tokio::test]
async fn a_moved_sessions_reminders_move_with_it_and_show_the_new_time() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = spawn_app_on_tokio_time(dir.path(), utc(2026, 3, 1, 9, 0)).await;
    group_with_meeting(
        &app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 18:30",
        "once",
    )
    .await;
    app.meeting_move(
        &coordinator(),
        hearth::app::input::SessionId(1),
        hearth::app::input::when("2026-03-05 19:00").unwrap(),
    )
    .await
    .unwrap();

    let (_chat, mut deliveries) = start_engine(&app, clock);
    let day_before = next(&mut deliveries).await;
    let hour_before = next(&mut deliveries).await;

    assert_at(&day_before, utc(2026, 3, 4, 19, 0), "day_before");
    assert_at(&hour_before, utc(2026, 3, 5, 18, 0), "hour_before");
    assert!(
        hour_before.text.contains("2026-03-05 19:00 UTC"),
        "{}",
        hour_before.text
    );
}

#[tokio::test]
async fn a_cancelled_session_gets_one_notice_and_no_reminders() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = spawn_app_on_tokio_time(dir.path(), utc(2026, 3, 1, 9, 0)).await;
    group_with_meeting(
        &app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 18:30",
        "weekly",
    )
    .await;
    app.meeting_cancel(
        &coordinator(),
        hearth::app::input::SessionId(1),
        Some("Room flooded".into()),
    )
    .await
    .unwrap();

    let (_chat, mut deliveries) = start_engine(&app, clock);
    let notice = next(&mut deliveries).await;
    let following = next(&mut deliveries).await;

    assert!(
        notice.text.contains("session cancelled") && notice.text.contains("Room flooded"),
        "{}",
        notice.text
    );
    assert_at(&notice, utc(2026, 3, 1, 9, 0), "posted at once");
    assert_at(
        &following,
        utc(2026, 3, 9, 18, 30),
        "the next reminder is for the following week",
    );
    let skipped = hearth::store::jobs::get_by_key(app.pool(), "reminder:1:24h")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(skipped.state, hearth::domain::job::JobState::Skipped);
    assert_eq!(skipped.last_error.as_deref(), Some("The session was cancelled."));
}

#[tokio::test]
async fn members_going_who_opted_in_get_a_dm_and_closed_dms_are_recorded_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (app, clock) = spawn_app_on_tokio_time(dir.path(), utc(2026, 3, 1, 9, 0)).await;
    group_with_meeting(
        &app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 18:30",
        "once",
    )
    .await;
    app.reminders_set(
        &coordinator(),
        "Circle",
        &hearth::app::input::offsets("1h").unwrap(),
    )
    .await
    .unwrap();
    let (sam, kit, lee) = (
        crate::support::actor("Sam", hearth::domain::role::Role::Member),
        crate::support::actor("Kit", hearth::domain::role::Role::Member),
        member(),
    );
    for who in [&sam, &kit, &lee] {
        app.rsvp(
            who,
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    }
    app.reminders_dm(&sam, true).await.unwrap();
    app.reminders_dm(&kit, true).await.unwrap();

    let (chat, mut deliveries) = start_engine(&app, clock);
    chat.closed_dms.lock().unwrap().insert(kit.user_id.clone());
    let channel = next(&mut deliveries).await;
    let dm = next(&mut deliveries).await;

    assert_eq!(channel.to, "#circle");
    assert!(
        channel.text.contains("3 going"),
        "headcount, never names: {}",
        channel.text
    );
    for name in ["Sam", "Kit", "Mo"] {
        assert!(!channel.text.contains(name), "{}", channel.text);
    }
    assert_eq!(dm.to, format!("dm:{}", sam.user_id));
    assert!(dm.text.contains("You said you're going"), "{}", dm.text);
    // Results are written a few at a time: wait for Kit's to be.
    let kit_dm = format!("dm:1:1h:{}", kit.user_id);
    for _ in 0..10_000 {
        let job = hearth::store::jobs::get_by_key(app.pool(), &kit_dm)
            .await
            .unwrap();
        if job.is_some_and(|j| j.state == hearth::domain::job::JobState::Failed) {
            break;
        }
        tokio::task::yield_now().await;
    }
    let status = crate::support::text(&app.status(&coordinator()).await.unwrap());
    assert!(
        status.contains("dm-reminder for session #1 fell back"),
        "{status}"
    );
    assert!(
        deliveries.try_recv().is_err(),
        "no DM to the member who did not opt in, no duplicate notice"
    );
}

/// A meeting at 18:30 on Tuesday 3 March with these reminder offsets, set up at 15:00;
/// then hearth is down until `back_at`, and one dispatcher catches up.
async fn after_an_outage(
    offsets: &str,
    back_at: DateTime<Utc>,
) -> (
    App,
    Engine,
    UnboundedReceiver<Delivery>,
    hearth::engine::Outcome,
    tempfile::TempDir,
) {
    let clock = hearth::clock::ManualClock::new(utc(2026, 3, 3, 15, 0));
    let dir = tempfile::tempdir().unwrap();
    let app = crate::support::app_on_file(&dir.path().join("h.db"), clock.clone()).await;
    group_with_meeting(
        &app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 18:30",
        "once",
    )
    .await;
    app.reminders_set(
        &coordinator(),
        "Circle",
        &hearth::app::input::offsets(offsets).unwrap(),
    )
    .await
    .unwrap();

    clock.set(back_at);
    let (chat, deliveries) = RecordingChat::new(Arc::new(clock.clone()));
    let mut engine = Engine::new(app.pool().clone(), chat, Arc::new(clock), app.jobs_changed());
    let outcome = engine.run_until_idle().await.unwrap();
    (app, engine, deliveries, outcome, dir)
}

#[tokio::test]
async fn after_a_three_hour_outage_nothing_expired_is_posted() {
    // Down from 15:00 until 19:30: the session started at 18:30.
    let (app, _engine, mut deliveries, outcome, _dir) =
        after_an_outage("2h,1h,30m", utc(2026, 3, 3, 19, 30)).await;

    assert_eq!(outcome.expired, 3, "three reminders");
    while let Ok(delivery) = deliveries.try_recv() {
        // The session is still running, so its card (with "I'm here") is still useful.
        assert!(
            delivery.is_card,
            "no reminder after its session started: {delivery:?}"
        );
    }
    let job = hearth::store::jobs::get_by_key(app.pool(), "reminder:1:30m")
        .await
        .unwrap()
        .unwrap();
    assert!(job.last_error.unwrap().starts_with("expired"));
}

#[tokio::test]
async fn after_a_shorter_outage_only_what_is_still_useful_is_posted_once() {
    // Down from 15:00 until 17:45: all three reminders are overdue, the session not yet begun.
    let (_app, mut engine, mut deliveries, outcome, _dir) =
        after_an_outage("3h,2h,1h", utc(2026, 3, 3, 17, 45)).await;

    // Each overdue reminder is still before the session, so each goes out once (and
    // the session's card, which was due a week ago, is posted now: it is still useful).
    assert_eq!(outcome.sent, 4);
    let mut reminders = 0;
    while let Ok(delivery) = deliveries.try_recv() {
        reminders += usize::from(!delivery.is_card);
    }
    assert_eq!(reminders, 3);
    assert_eq!(engine.run_until_idle().await.unwrap().sent, 0, "nothing twice");
}

#[tokio::test]
async fn a_job_that_cannot_be_read_fails_alone_and_the_other_twenty_are_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let clock = hearth::clock::ManualClock::new(utc(2026, 3, 3, 9, 0));
    let app = crate::support::app_on_file(&dir.path().join("hearth.db"), clock.clone()).await;
    group_with_meeting(
        &app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 19:00",
        "once",
    )
    .await;
    app.reminders_set(
        &coordinator(),
        "Circle",
        &hearth::app::input::offsets("1h").unwrap(),
    )
    .await
    .unwrap();
    for _ in 0..20 {
        let meeting = hearth::app::meetings::MeetingAdd {
            group: "Circle".into(),
            when: hearth::app::input::when("2026-03-03 19:00").unwrap(),
            ..Default::default()
        };
        app.meeting_add(&coordinator(), meeting).await.unwrap();
    }
    // One reminder's row is damaged: a kind no version of hearth wrote.
    sqlx::query("UPDATE job SET kind = 'mystery' WHERE dedupe_key = 'reminder:11:1h'")
        .execute(app.pool())
        .await
        .unwrap();
    // Cards went up when the sessions were added; the reminders are due at 18:00.
    let (chat, mut deliveries) = RecordingChat::new(Arc::new(clock.clone()));
    let mut engine = Engine::new(
        app.pool().clone(),
        chat,
        Arc::new(clock.clone()),
        app.jobs_changed(),
    )
    .unpaced();
    engine.run_until_idle().await.unwrap();
    while deliveries.try_recv().is_ok() {}
    clock.set(utc(2026, 3, 3, 18, 0));

    let outcome = engine.run_until_idle().await.unwrap();

    let mut reminders = 0;
    while let Ok(delivery) = deliveries.try_recv() {
        assert!(delivery.text.starts_with("Reminder: Circle"), "{}", delivery.text);
        reminders += 1;
    }
    assert_eq!(
        (reminders, outcome.sent, outcome.failed),
        (20, 20, 1),
        "{outcome:?}"
    );
    let status = crate::support::text(&app.status(&coordinator()).await.unwrap());
    assert!(
        status.contains("mystery for session #11 failed: Not sent: its stored row can't be read"),
        "{status}"
    );
    assert!(status.contains("failed 1"), "{status}");
}

/// Discord as the simulator found it: the first post arrives but its answer is lost
/// (a timeout); the next tries get 5xx for ten minutes; then posts go through.
struct LostAnswerThenOutage {
    clock: Arc<dyn Clock>,
    first_at: std::sync::Mutex<Option<DateTime<Utc>>>,
    arrived: std::sync::Mutex<Vec<String>>,
}

impl hearth::chat::ChatPort for LostAnswerThenOutage {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        _message: &'a hearth::chat::Reply,
        nonce: &'a str,
    ) -> hearth::chat::ChatFuture<'a, hearth::chat::MessageRef> {
        Box::pin(async move {
            let now = self.clock.now();
            let mut first = self.first_at.lock().unwrap();
            let transient = |detail: &str| hearth::chat::DeliveryError::Transient {
                retry_after: None,
                detail: detail.into(),
            };
            match *first {
                None => {
                    *first = Some(now);
                    self.arrived.lock().unwrap().push(nonce.to_string());
                    Err(transient("no answer within 10 s"))
                }
                Some(at) if now < at + chrono::Duration::minutes(10) => Err(transient("503")),
                Some(_) => {
                    self.arrived.lock().unwrap().push(nonce.to_string());
                    Ok(hearth::chat::MessageRef {
                        channel: channel.to_string(),
                        message: nonce.to_string(),
                    })
                }
            }
        })
    }

    fn edit<'a>(
        &'a self,
        _at: &'a hearth::chat::MessageRef,
        _message: &'a hearth::chat::Reply,
    ) -> hearth::chat::ChatFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn dm<'a>(
        &'a self,
        user: &'a str,
        message: &'a hearth::chat::Reply,
        nonce: &'a str,
    ) -> hearth::chat::ChatFuture<'a, hearth::chat::MessageRef> {
        self.post(user, message, nonce)
    }

    fn create_thread<'a>(
        &'a self,
        at: &'a hearth::chat::MessageRef,
        _name: &'a str,
    ) -> hearth::chat::ChatFuture<'a, String> {
        Box::pin(async move { Ok(at.channel.clone()) })
    }
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_is_not_posted_again_once_discord_has_forgotten_its_nonce() {
    // Found by the simulator (seed 1, a year): a post that arrived but timed out was
    // retried with backoff; a retry more than Discord's few minutes later was a second
    // copy of the same card.
    let t = crate::support::spawn_app(utc(2026, 3, 1, 9, 0)).await;
    group_with_meeting(
        &t.app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 18:30",
        "once",
    )
    .await;
    let clock: Arc<dyn Clock> = Arc::new(t.clock.clone());
    let chat = Arc::new(LostAnswerThenOutage {
        clock: clock.clone(),
        first_at: Default::default(),
        arrived: Default::default(),
    });
    // Unpaced: the pacer keeps tokio's time, which this test does not move (only
    // hearth's clock); a retry must not wait on how fast the machine runs the steps.
    let mut engine = Engine::new(t.pool.clone(), chat.clone(), clock, t.app.jobs_changed()).unpaced();

    for _ in 0..60 {
        engine.run_due(t.clock.now()).await.expect("a step");
        t.clock.advance(chrono::Duration::seconds(30));
    }

    let arrived = chat.arrived.lock().unwrap().clone();
    let card = arrived.first().cloned().expect("the card arrived once");
    assert_eq!(arrived.iter().filter(|n| **n == card).count(), 1, "{arrived:?}");
    let (state, error): (String, String) =
        sqlx::query_as("SELECT state, last_error FROM job WHERE kind = 'card'")
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(state, "failed");
    assert!(error.contains("could show it twice"), "{error}");
}

/// Found by the simulator (seed 2, a year): rota notes to a facilitator were paced
/// in their group's channel, not in the facilitator's DMs where Discord counts
/// them, so with other DMs to them at the same moment a sixth went within 5 s.
#[tokio::test]
async fn a_facilitators_dms_of_every_kind_keep_to_five_in_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let start = utc(2026, 3, 2, 9, 0);
    let (app, clock) = spawn_app_on_tokio_time(dir.path(), start).await;
    group_with_meeting(
        &app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-04 19:00",
        "once",
    )
    .await;
    let session: i64 = sqlx::query_scalar("SELECT id FROM session")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let community = coordinator().community_id;
    let due = clock.now();
    for i in 0..3 {
        let note = hearth::domain::job::PlannedJob {
            kind: hearth::domain::job::JobKind::RotaNote,
            dedupe_key: format!("rota-note:{i}"),
            target: Some("fac-1".into()),
            payload: format!("Note {i}"),
            due_at: due,
            expires_at: None,
        };
        hearth::store::jobs::upsert(app.pool(), &community, Some(session), &note, due)
            .await
            .unwrap();
        let approved = hearth::domain::job::PlannedJob {
            kind: hearth::domain::job::JobKind::DmPromptApproved,
            dedupe_key: format!("prompt-approved:{i}"),
            target: Some("fac-1".into()),
            payload: format!("Prompt {i}"),
            due_at: due,
            expires_at: None,
        };
        hearth::store::jobs::upsert(app.pool(), &community, None, &approved, due)
            .await
            .unwrap();
    }
    let (chat, mut deliveries) = RecordingChat::new(clock.clone());
    let mut engine = Engine::new(app.pool().clone(), chat, clock.clone(), app.jobs_changed());
    engine.run_until_idle().await.unwrap();

    let mut dms = Vec::new();
    while let Ok(delivery) = deliveries.try_recv() {
        if delivery.to == "dm:fac-1" {
            dms.push(delivery.at);
        }
    }
    assert_eq!(dms.len(), 6, "all six DMs are delivered");
    dms.sort();
    let sixth_after_first = dms[5] - dms[0];
    assert!(
        sixth_after_first >= chrono::Duration::seconds(5),
        "the sixth DM went {sixth_after_first} after the first"
    );
}
