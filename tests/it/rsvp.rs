//! RSVPs through the app layer: fair places under concurrency, the privacy matrix,
//! regulars, attendance, and the answers that must be refused.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use hearth::app::rsvp::Click;
use hearth::app::{Actor, App};
use hearth::domain::job::JobState;
use hearth::domain::role::Role;
use hearth::domain::rsvp::RsvpState;
use hearth::store::rsvps;

use hearth::domain::group::CapacityChange;

use crate::support::{actor, app_on_file, coordinator, group_with_meeting, march_first, spawn_app, text};

fn person(i: usize) -> Actor {
    actor(&format!("Member{i:03}"), Role::Member)
}

/// A group with `capacity` places and a weekly meeting from Tuesday 3 March.
async fn group(app: &App, capacity: Option<i64>, privacy: &str) {
    group_with_meeting(
        app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 18:30",
        "weekly",
    )
    .await;
    let edit = hearth::app::groups::GroupEdit {
        group: "Circle".into(),
        capacity: capacity.map(|c| CapacityChange::Places(u32::try_from(c).unwrap())),
        privacy: Some(hearth::app::input::privacy(privacy).unwrap()),
        ..Default::default()
    };
    app.group_edit(&coordinator(), edit).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_simultaneous_clicks_fill_ten_places_in_order_and_the_waitlist_moves_up() {
    let dir = tempfile::tempdir().unwrap();
    let clock = hearth::clock::ManualClock::new(march_first());
    let app = app_on_file(&dir.path().join("h.db"), clock).await;
    group(&app, Some(10), "headcount").await;

    let clicks: Vec<_> = (0..200)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.click(
                    &person(i),
                    hearth::app::input::SessionId(1),
                    Click::Rsvp(RsvpState::Going),
                )
                .await
            })
        })
        .collect();
    for click in clicks {
        click.await.unwrap().unwrap();
    }

    let answers = rsvps::list(app.pool(), 1).await.unwrap();
    let going: Vec<_> = answers.iter().filter(|r| r.state == RsvpState::Going).collect();
    let mut waiting: Vec<_> = answers
        .iter()
        .filter(|r| r.state == RsvpState::Waitlisted)
        .collect();
    assert_eq!(going.len(), 10, "never oversubscribed");
    assert_eq!(waiting.len(), 190);
    // First come, first served: the places went to the first ten accepted clicks,
    // and the waitlist numbers follow the order clicks were accepted in.
    let last_place = going.iter().map(|r| r.seq).max().unwrap();
    assert!(waiting.iter().all(|r| r.seq > last_place));
    waiting.sort_by_key(|r| r.seq);
    let positions: Vec<i64> = waiting.iter().map(|r| r.waitlist_position.unwrap()).collect();
    assert_eq!(positions, (1..=190).collect::<Vec<i64>>());

    // Three places free up: the first three on the waitlist are promoted.
    for leaving in going.iter().take(3) {
        let who = Actor {
            user_id: leaving.user_id.clone(),
            ..person(0)
        };
        app.click(
            &who,
            hearth::app::input::SessionId(1),
            Click::Rsvp(RsvpState::NotGoing),
        )
        .await
        .unwrap();
    }

    let after = rsvps::list(app.pool(), 1).await.unwrap();
    for promoted in &waiting[..3] {
        let now = after.iter().find(|r| r.user_id == promoted.user_id).unwrap();
        assert_eq!(
            now.state,
            RsvpState::Going,
            "{} was next in line",
            promoted.display_name
        );
    }
    let still_waiting = after.iter().filter(|r| r.state == RsvpState::Waitlisted).count();
    assert_eq!(still_waiting, 187);
    let fourth = after.iter().find(|r| r.user_id == waiting[3].user_id).unwrap();
    assert_eq!(fourth.waitlist_position, Some(1), "the queue moved up");
}

#[tokio::test]
async fn a_waitlist_too_long_for_one_write_statement_still_moves_up_in_order() {
    let t = spawn_app(march_first()).await;
    group(&t.app, Some(1), "headcount").await;
    for i in 0..520 {
        t.app
            .click(
                &person(i),
                hearth::app::input::SessionId(1),
                Click::Rsvp(RsvpState::Going),
            )
            .await
            .unwrap();
    }

    t.app
        .click(
            &person(0),
            hearth::app::input::SessionId(1),
            Click::Rsvp(RsvpState::NotGoing),
        )
        .await
        .unwrap();

    let answers = rsvps::list(&t.pool, 1).await.unwrap();
    let going: Vec<&str> = answers
        .iter()
        .filter(|r| r.state == RsvpState::Going)
        .map(|r| r.user_id.as_str())
        .collect();
    assert_eq!(going, [person(1).user_id], "the first in line has the place");
    let positions: Vec<i64> = answers
        .iter()
        .filter(|r| r.state == RsvpState::Waitlisted)
        .map(|r| r.waitlist_position.unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=518).collect::<Vec<i64>>(),
        "all 518 still waiting moved up, in order"
    );
}

#[tokio::test]
async fn the_same_answer_again_leaves_the_card_alone_and_a_new_one_redraws_it() {
    let t = spawn_app(march_first()).await;
    group(&t.app, Some(5), "headcount").await;
    let ana = actor("Ana", Role::Member);
    let (chat, _deliveries) = crate::support::recording_chat::RecordingChat::new(Arc::new(t.clock.clone()));
    let mut engine = hearth::engine::Engine::new(
        t.pool.clone(),
        chat,
        Arc::new(t.clock.clone()),
        t.app.jobs_changed(),
    );
    engine.run_until_idle().await.unwrap();
    let edit_state = || async {
        hearth::store::jobs::get_by_key(&t.pool, "card-edit:1")
            .await
            .unwrap()
            .map(|job| job.state)
    };
    t.app
        .click(
            &ana,
            hearth::app::input::SessionId(1),
            Click::Rsvp(RsvpState::Going),
        )
        .await
        .unwrap();
    t.clock.advance(Duration::seconds(3));
    engine.run_until_idle().await.unwrap();
    assert_eq!(edit_state().await, Some(JobState::Sent), "the card shows Ana");

    let again = t
        .app
        .click(
            &ana,
            hearth::app::input::SessionId(1),
            Click::Rsvp(RsvpState::Going),
        )
        .await
        .unwrap();
    let after_again = edit_state().await;
    t.app
        .click(
            &ana,
            hearth::app::input::SessionId(1),
            Click::Rsvp(RsvpState::Maybe),
        )
        .await
        .unwrap();

    assert!(text(&again).contains("You're going."), "{}", text(&again));
    assert_eq!(after_again, Some(JobState::Sent), "nothing changed: no redraw");
    assert_eq!(edit_state().await, Some(JobState::Pending), "a maybe is a change");
}

/// What each role sees for each privacy setting, on the card, in the reminder and
/// in `/attendance show`.
#[tokio::test]
async fn names_appear_only_where_the_privacy_table_allows() {
    for privacy in ["private", "headcount", "public"] {
        let t = spawn_app(march_first()).await;
        group(&t.app, None, privacy).await;
        for name in ["Ana", "Ben"] {
            t.app
                .rsvp(
                    &actor(name, Role::Member),
                    hearth::app::input::SessionId(1),
                    hearth::domain::rsvp::RsvpState::Going,
                    false,
                )
                .await
                .unwrap();
        }
        let session = hearth::store::sessions::get(&t.pool, 1).await.unwrap().unwrap();
        let card = {
            // The in-memory pool has one connection: give it back before the engine runs.
            let mut conn = t.pool.acquire().await.unwrap();
            hearth::engine::render::card(&mut conn, &session, march_first())
                .await
                .unwrap()
                .to_plain_string()
        };
        match privacy {
            "private" => {
                assert!(!card.contains("going"), "{privacy}: no numbers: {card}");
                assert!(!card.contains("Ana") && !card.contains("Ben"), "{card}");
            }
            "headcount" => {
                assert!(card.contains("2 going"), "{card}");
                assert!(!card.contains("Ana") && !card.contains("Ben"), "{card}");
            }
            _ => assert!(
                card.contains("2 going") && card.contains("Going: Ana, Ben"),
                "{card}"
            ),
        }
        assert!(!card.contains('@'), "never a mention: {card}");

        let (chat, mut deliveries) =
            crate::support::recording_chat::RecordingChat::new(Arc::new(t.clock.clone()));
        t.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 17, 30, 0).unwrap());
        let mut engine = hearth::engine::Engine::new(
            t.pool.clone(),
            chat,
            Arc::new(t.clock.clone()),
            t.app.jobs_changed(),
        );
        engine.run_until_idle().await.unwrap();
        let mut reminders = 0;
        while let Ok(delivery) = deliveries.try_recv() {
            if delivery.text.starts_with("Reminder") {
                reminders += 1;
                assert!(
                    !delivery.text.contains("Ana") && !delivery.text.contains("Ben"),
                    "{privacy}: {delivery:?}"
                );
                assert!(!delivery.text.contains('@'));
                assert_eq!(
                    delivery.text.contains("2 going"),
                    privacy != "private",
                    "{privacy}: {}",
                    delivery.text
                );
            }
        }
        assert!(reminders >= 1, "{privacy}: the reminders went out");

        for role in [Role::Member, Role::Facilitator, Role::Coordinator] {
            let shown = t
                .app
                .attendance_show(&actor("Viewer", role), hearth::app::input::SessionId(1))
                .await;
            let allowed = role != Role::Member || privacy == "public";
            match shown {
                Ok(reply) => {
                    assert!(allowed, "{privacy}/{role} must not see names");
                    assert_eq!(reply.visibility, hearth::chat::Visibility::Private);
                    assert!(text(&reply).contains("Going: Ana, Ben"), "{}", text(&reply));
                }
                Err(refused) => {
                    assert!(!allowed, "{privacy}/{role} should see names: {refused}");
                    assert!(refused.to_string().contains("facilitator"), "{refused}");
                }
            }
        }
    }
}

#[tokio::test]
async fn maybe_and_cant_never_take_or_block_a_place() {
    let t = spawn_app(march_first()).await;
    group(&t.app, Some(1), "headcount").await;

    t.app
        .rsvp(
            &actor("Ana", Role::Member),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Maybe,
            false,
        )
        .await
        .unwrap();
    t.app
        .rsvp(
            &actor("Ben", Role::Member),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::NotGoing,
            false,
        )
        .await
        .unwrap();
    let going = t
        .app
        .rsvp(
            &actor("Cy", Role::Member),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();

    assert!(text(&going).contains("You're going."), "{}", text(&going));
}

#[tokio::test]
async fn answers_to_cancelled_past_unknown_or_archived_sessions_are_refused_and_change_nothing() {
    let t = spawn_app(march_first()).await;
    group(&t.app, None, "headcount").await;
    let ana = actor("Ana", Role::Member);
    t.app
        .meeting_cancel(
            &coordinator(),
            hearth::app::input::SessionId(2),
            Some("Holiday".into()),
        )
        .await
        .unwrap();

    let cancelled = t
        .app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(2),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap_err();
    let unknown = t
        .app
        .click(
            &ana,
            hearth::app::input::SessionId(999),
            Click::Rsvp(RsvpState::Going),
        )
        .await
        .unwrap_err();
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 18, 31, 0).unwrap());
    let started = t
        .app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap_err();
    t.app.group_archive(&coordinator(), "Circle").await.unwrap();
    let archived = t
        .app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(3),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap_err();

    assert!(
        cancelled.to_string().contains("cancelled (Holiday)"),
        "{cancelled}"
    );
    assert!(unknown.to_string().contains("no session #999"), "{unknown}");
    assert!(
        started.to_string().contains("closed when it started"),
        "{started}"
    );
    assert!(archived.to_string().contains("archived"), "{archived}");
    assert_eq!(t.count("rsvp").await, 0);
}

#[tokio::test]
async fn a_regular_goes_to_every_session_and_can_still_change_one() {
    let t = spawn_app(march_first()).await;
    group(&t.app, None, "headcount").await;
    let ana = actor("Ana", Role::Member);

    t.app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            true,
        )
        .await
        .unwrap();
    t.app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(2),
            hearth::domain::rsvp::RsvpState::NotGoing,
            false,
        )
        .await
        .unwrap();
    t.clock.advance(Duration::weeks(4));
    t.app.roll_horizon().await.unwrap();

    let mine = text(&t.app.my_sessions(&ana).await.unwrap());
    assert!(!mine.contains("#2 "), "the one she changed: {mine}");
    let newest = t.sessions().await.last().unwrap().0;
    let state = rsvps::get(&t.pool, newest, &ana.user_id)
        .await
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, RsvpState::Going, "sessions added later count her in too");
}

#[tokio::test]
async fn members_check_in_during_a_session_and_facilitators_mark_attendance_after() {
    let t = spawn_app(march_first()).await;
    group(&t.app, None, "headcount").await;
    let (ana, ben) = (actor("Ana", Role::Member), actor("Ben", Role::Member));
    t.app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    t.app
        .rsvp(
            &ben,
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Maybe,
            false,
        )
        .await
        .unwrap();

    let early = t
        .app
        .click(&ana, hearth::app::input::SessionId(1), Click::Here)
        .await
        .unwrap_err();
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 18, 40, 0).unwrap());
    t.app
        .click(&ana, hearth::app::input::SessionId(1), Click::Here)
        .await
        .unwrap();
    let refused = t
        .app
        .attendance_mark(&ana, hearth::app::input::SessionId(1), "Ben")
        .await
        .unwrap_err();
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 21, 0, 0).unwrap());
    t.app
        .attendance_mark(
            &actor("Fay", Role::Facilitator),
            hearth::app::input::SessionId(1),
            "ben",
        )
        .await
        .unwrap();

    assert!(
        early
            .to_string()
            .contains("Checking in opens 15 minutes before session #1 starts"),
        "{early}"
    );
    assert!(refused.to_string().contains("facilitator"), "{refused}");
    let counts = rsvps::counts(&t.pool, 1).await.unwrap();
    assert_eq!(counts.attended, 2);
}

#[tokio::test]
async fn taking_a_groups_capacity_away_lets_everyone_on_the_waitlist_in() {
    let t = spawn_app(march_first()).await;
    group(&t.app, Some(1), "headcount").await;
    t.app
        .rsvp(
            &actor("Ana", Role::Member),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    t.app
        .rsvp(
            &actor("Ben", Role::Member),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    t.app
        .rsvp(
            &actor("Cy", Role::Member),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    assert_eq!(rsvps::counts(&t.pool, 1).await.unwrap().waitlisted, 2);

    let edit = hearth::app::groups::GroupEdit {
        group: "Circle".into(),
        capacity: Some("none".parse().unwrap()),
        ..Default::default()
    };
    let said = text(&t.app.group_edit(&coordinator(), edit).await.unwrap());

    assert!(said.contains("Places: no limit"), "{said}");
    let counts = rsvps::counts(&t.pool, 1).await.unwrap();
    assert_eq!((counts.going, counts.waitlisted), (3, 0));
}

#[tokio::test]
async fn a_walk_in_who_never_answered_can_be_marked_as_attended_by_name() {
    let t = spawn_app(march_first()).await;
    group(&t.app, None, "headcount").await;
    let fay = actor("Fay", Role::Facilitator);
    t.app
        .rsvp(
            &actor("Ana", Role::Member),
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 21, 0, 0).unwrap());

    let said = text(
        &t.app
            .attendance_mark(&fay, hearth::app::input::SessionId(1), "Ana, Zed")
            .await
            .unwrap(),
    );
    t.app
        .attendance_mark(&fay, hearth::app::input::SessionId(1), "zed")
        .await
        .unwrap();

    assert!(said.contains("Marked as attended: Ana."), "{said}");
    assert!(
        said.contains("Walk-ins (they hadn't answered), recorded by name: Zed."),
        "{said}"
    );
    let counts = rsvps::counts(&t.pool, 1).await.unwrap();
    assert_eq!(counts.attended, 2, "Zed once, though marked twice");
    let list = text(
        &t.app
            .attendance_show(&fay, hearth::app::input::SessionId(1))
            .await
            .unwrap(),
    );
    assert!(list.contains("Zed ✓"), "{list}");
}

/// Answers while the card is on its way to Discord (so there is no card yet to
/// redraw), then lets the post complete.
struct AnswerWhilePosting {
    app: App,
    inner: Arc<crate::support::recording_chat::RecordingChat>,
}

impl hearth::chat::ChatPort for AnswerWhilePosting {
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a hearth::chat::Reply,
        nonce: &'a str,
    ) -> hearth::chat::ChatFuture<'a, hearth::chat::MessageRef> {
        Box::pin(async move {
            self.app
                .rsvp(
                    &actor("Ana", Role::Member),
                    hearth::app::input::SessionId(1),
                    hearth::domain::rsvp::RsvpState::Going,
                    false,
                )
                .await
                .expect("Ana answers");
            self.inner.post(channel, message, nonce).await
        })
    }
    fn edit<'a>(
        &'a self,
        at: &'a hearth::chat::MessageRef,
        message: &'a hearth::chat::Reply,
    ) -> hearth::chat::ChatFuture<'a, ()> {
        self.inner.edit(at, message)
    }
    fn dm<'a>(
        &'a self,
        user: &'a str,
        message: &'a hearth::chat::Reply,
        nonce: &'a str,
    ) -> hearth::chat::ChatFuture<'a, hearth::chat::MessageRef> {
        self.inner.dm(user, message, nonce)
    }
    fn create_thread<'a>(
        &'a self,
        at: &'a hearth::chat::MessageRef,
        name: &'a str,
    ) -> hearth::chat::ChatFuture<'a, String> {
        self.inner.create_thread(at, name)
    }
}

#[tokio::test]
async fn an_answer_given_while_the_card_is_being_posted_still_reaches_the_card() {
    let t = spawn_app(march_first()).await;
    group_with_meeting(
        &t.app,
        "Europe/London",
        "Circle",
        "#circle",
        "2026-03-03 18:30",
        "once",
    )
    .await;
    let (recorder, _deliveries) =
        crate::support::recording_chat::RecordingChat::new(Arc::new(t.clock.clone()));
    let chat = Arc::new(AnswerWhilePosting {
        app: t.app.clone(),
        inner: recorder,
    });
    let mut engine = hearth::engine::Engine::new(
        t.pool.clone(),
        chat,
        Arc::new(t.clock.clone()),
        t.app.jobs_changed(),
    );

    engine.run_until_idle().await.unwrap();

    let edit = hearth::store::jobs::get_by_key(&t.pool, "card-edit:1")
        .await
        .unwrap();
    let edit = edit.expect("the card, already out of date when posted, is queued for a redraw");
    assert_eq!(edit.state, hearth::domain::job::JobState::Pending);
    t.clock.advance(Duration::seconds(3));
    assert_eq!(engine.run_until_idle().await.unwrap().sent, 1, "the redraw");
}

#[tokio::test]
async fn going_every_week_from_session_three_leaves_the_earlier_sessions_as_they_were() {
    let t = spawn_app(march_first()).await;
    group(&t.app, Some(1), "headcount").await;
    let (ana, ben) = (actor("Ana", Role::Member), actor("Ben", Role::Member));
    t.app
        .rsvp(
            &ben,
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    t.app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(2),
            hearth::domain::rsvp::RsvpState::Maybe,
            false,
        )
        .await
        .unwrap();

    let reply = t
        .app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(3),
            hearth::domain::rsvp::RsvpState::Going,
            true,
        )
        .await
        .unwrap();

    let answer = |session: i64| {
        let pool = t.pool.clone();
        let user = ana.user_id.clone();
        async move { rsvps::get(&pool, session, &user).await.unwrap().map(|r| r.state) }
    };
    assert_eq!(answer(1).await, None, "not put on the full #1's waitlist");
    assert_eq!(answer(2).await, Some(RsvpState::Maybe), "her maybe for #2 stands");
    assert_eq!(answer(3).await, Some(RsvpState::Going));
    assert_eq!(answer(4).await, Some(RsvpState::Going), "and from #3 on");
    let told = text(&reply);
    let later = t.sessions().await.len() - 3;
    assert!(
        told.contains(&format!("going to the next {later} sessions too")),
        "{told}"
    );
}

#[tokio::test]
async fn a_member_refused_the_list_is_told_to_ask_a_facilitator_of_the_group_not_a_server_manager() {
    let t = spawn_app(march_first()).await;
    group(&t.app, None, "headcount").await;

    let refused = t
        .app
        .attendance_show(&actor("Mo", Role::Member), hearth::app::input::SessionId(1))
        .await
        .unwrap_err();
    let marking = t
        .app
        .attendance_mark(
            &actor("Mo", Role::Member),
            hearth::app::input::SessionId(1),
            "Ana",
        )
        .await
        .unwrap_err();
    let organising = t
        .app
        .meeting_cancel(
            &actor("Fay", Role::Facilitator),
            hearth::app::input::SessionId(1),
            None,
        )
        .await
        .unwrap_err();

    for said in [refused.to_string(), marking.to_string()] {
        assert!(said.contains("Only a facilitator can"), "{said}");
        assert!(said.contains("please ask a facilitator of the group"), "{said}");
        assert!(
            !said.contains("Manage Server"),
            "that describes a coordinator: {said}"
        );
    }
    let said = organising.to_string();
    assert!(said.contains("Only a coordinator can"), "{said}");
    assert!(
        said.contains("someone with Manage Server or the community's coordinator role"),
        "{said}"
    );
}

#[tokio::test]
async fn checking_in_after_a_session_ended_says_it_ended_not_see_you_there() {
    let t = spawn_app(march_first()).await;
    group(&t.app, None, "headcount").await;
    let ana = actor("Ana", Role::Member);
    t.app
        .rsvp(
            &ana,
            hearth::app::input::SessionId(1),
            hearth::domain::rsvp::RsvpState::Going,
            false,
        )
        .await
        .unwrap();
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 23, 0, 0).unwrap());

    let late = t
        .app
        .click(&ana, hearth::app::input::SessionId(1), Click::Here)
        .await
        .unwrap_err()
        .to_string();

    assert!(late.contains("Session #1 has ended"), "{late}");
    assert!(!late.contains("See you there"), "{late}");
}

/// Found by the simulator (seed 2, a year): a member without a place who checked in
/// in the quarter hour before a full session went in as going, past its places and
/// ahead of the waitlist.
#[tokio::test]
async fn checking_in_early_without_a_place_does_not_take_one_in_a_full_session() {
    let t = spawn_app(march_first()).await;
    group(&t.app, Some(1), "headcount").await;
    let (ana, ben, cat) = (
        actor("Ana", Role::Member),
        actor("Ben", Role::Member),
        actor("Cat", Role::Member),
    );
    let session = hearth::app::input::SessionId(1);
    t.app.rsvp(&ana, session, RsvpState::Going, false).await.unwrap();
    t.app.rsvp(&ben, session, RsvpState::Going, false).await.unwrap();

    // 18:20, ten minutes before the start: Ana has the place, Ben waits, Cat never answered.
    t.clock.set(Utc.with_ymd_and_hms(2026, 3, 3, 18, 20, 0).unwrap());
    let refused = t.app.click(&cat, session, Click::Here).await.unwrap_err();
    t.app.click(&ana, session, Click::Here).await.unwrap();

    assert!(refused.to_string().contains("is full"), "{refused}");
    let counts = rsvps::counts(t.app.pool(), 1).await.unwrap();
    assert_eq!((counts.going, counts.waitlisted, counts.attended), (1, 1, 1));
    assert_eq!(rsvps::get(t.app.pool(), 1, &cat.user_id).await.unwrap(), None);
}
