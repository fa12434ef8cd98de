//! Check-outs and debriefs end to end through the fake Discord, in the rota tests'
//! world (a weekly Wednesday group, Ash in its pool, an alerts channel): the ended card
//! carries the check-out buttons and a click is answered privately; Ash's debrief DM's
//! Something to flag opens a form, and the note reaches the alerts channel and no other.

use chrono::{Duration, TimeZone, Utc};

use crate::discord_rota::{ash, bo, custom_ids, embed_text, id_of, World, ALERTS, CIRCLE};
use crate::support::bot::is_problem;
use crate::support::fake_discord::Actor;

const NOTE: &str = "A member seemed very low at the end; could someone check in with them this week?";

#[tokio::test]
async fn the_ended_card_asks_how_members_leave_and_a_flag_reaches_the_alerts_channel_only() {
    let mut world = World::with_pool(&[&ash()]).await;
    world.run().await;
    let (starts, ends): (i64, i64) = sqlx::query_as("SELECT starts_at, ends_at FROM session WHERE id = 1")
        .fetch_one(world.app.pool())
        .await
        .expect("session 1");
    world
        .clock
        .set(Utc.timestamp_opt(starts, 0).unwrap() + Duration::minutes(5));
    world.run().await;
    let card = world
        .fake
        .messages_in(CIRCLE)
        .into_iter()
        .find(|m| embed_text(m).contains("Session #1"))
        .expect("session 1's card");
    let here = world.fake.push_button(&bo(), id_of(&card), "here:1").await;
    assert!(!is_problem(&here), "{here:?}");

    world
        .clock
        .set(Utc.timestamp_opt(ends, 0).unwrap() + Duration::minutes(1));
    world.run().await;
    world.clock.advance(Duration::seconds(5));
    world.run().await;

    let ended = world.fake.message(id_of(&card)).expect("the card is still there");
    assert_eq!(
        custom_ids(&ended),
        ["checkout-better:1", "checkout-same:1", "checkout-not-so-good:1"],
        "{ended}"
    );
    assert!(
        embed_text(&ended).contains("how are you leaving today?"),
        "{}",
        embed_text(&ended)
    );
    let answered = world
        .fake
        .push_button(&bo(), id_of(&card), "checkout-better:1")
        .await;
    assert!(answered.ephemeral && !is_problem(&answered), "{answered:?}");
    assert!(
        answered.embed_text().contains("without your name"),
        "{answered:?}"
    );
    let again = world
        .fake
        .push_button(&bo(), id_of(&card), "checkout-same:1")
        .await;
    assert!(again.ephemeral, "{again:?}");
    assert!(
        again.embed_text().contains("Thank you, already noted"),
        "{again:?}"
    );
    let kept: Vec<String> = sqlx::query_scalar("SELECT answer FROM checkout_answer WHERE session_id = 1")
        .fetch_all(world.app.pool())
        .await
        .unwrap();
    assert_eq!(kept, ["better"]);

    let asked = world
        .fake
        .dms_to(ash().user_id())
        .into_iter()
        .find(|m| embed_text(m).contains("How did it go?"))
        .expect("Ash's debrief DM");
    assert_eq!(custom_ids(&asked), ["debrief-fine:1", "debrief-flag:1"]);
    let in_dm = Actor::dm(51, "ash");
    let form = world
        .fake
        .push_button(&in_dm, id_of(&asked), "debrief-flag:1")
        .await;
    assert_eq!(form.kind, 9, "a modal: {form:?}");
    let modal_id = form.raw["data"]["custom_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(modal_id, "debrief-note:1");
    let flagged = world
        .fake
        .push_modal_submit(&in_dm, &modal_id, &[("note", NOTE)])
        .await;
    assert!(flagged.ephemeral && !is_problem(&flagged), "{flagged:?}");
    world.run().await;

    let in_alerts: Vec<_> = world
        .fake
        .messages_in(ALERTS)
        .into_iter()
        .filter(|m| embed_text(m).contains(NOTE))
        .collect();
    assert_eq!(in_alerts.len(), 1, "{:?}", world.fake.messages_in(ALERTS));
    let elsewhere = [
        world.fake.messages_in(CIRCLE),
        world.fake.messages_in(302),
        world.fake.dms_to(ash().user_id()),
        world.fake.dms_to(bo().user_id()),
    ];
    for messages in elsewhere {
        assert!(
            messages.iter().all(|m| !m.to_string().contains(NOTE)),
            "{messages:?}"
        );
    }
    world.stop().await;
}

#[tokio::test]
async fn a_day_after_the_end_the_card_loses_its_check_out_buttons() {
    let mut world = World::with_pool(&[&ash()]).await;
    world.run().await;
    let (starts, ends): (i64, i64) = sqlx::query_as("SELECT starts_at, ends_at FROM session WHERE id = 1")
        .fetch_one(world.app.pool())
        .await
        .expect("session 1");
    let ends = Utc.timestamp_opt(ends, 0).unwrap();
    world
        .clock
        .set(Utc.timestamp_opt(starts, 0).unwrap() + Duration::minutes(5));
    world.run().await;
    let card = world
        .fake
        .messages_in(CIRCLE)
        .into_iter()
        .find(|m| embed_text(m).contains("Session #1"))
        .expect("session 1's card");
    let here = world.fake.push_button(&bo(), id_of(&card), "here:1").await;
    assert!(!is_problem(&here), "{here:?}");
    world.clock.set(ends + Duration::minutes(1));
    world.run().await;
    world.clock.advance(Duration::seconds(5));
    world.run().await;
    let ended = world.fake.message(id_of(&card)).expect("the card");
    assert_eq!(custom_ids(&ended).len(), 3, "{ended}");

    world.clock.set(ends + Duration::hours(24) + Duration::minutes(1));
    world.run().await;

    let closed = world.fake.message(id_of(&card)).expect("the card is still there");
    assert!(custom_ids(&closed).is_empty(), "{closed}");
    assert!(
        !embed_text(&closed).contains("how are you leaving"),
        "{}",
        embed_text(&closed)
    );
    assert!(embed_text(&closed).contains("Session #1"), "{closed}");
    // A press on a button still showing somewhere is told kindly, privately.
    let late = world
        .fake
        .push_button(&bo(), id_of(&card), "checkout-better:1")
        .await;
    assert!(
        late.ephemeral && late.embed_text().contains("closed a day after"),
        "{late:?}"
    );
    world.stop().await;
}
