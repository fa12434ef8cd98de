//! The quarterly "what has this group meant to you?" end to end through the fake
//! Discord, in the rota tests' world (a weekly Wednesday group from 4 March, Ash in its
//! pool): a coordinator turns it on with /setup; at the quarter's end only the member
//! who came and asked for DMs gets the DM; its button opens a form; the form is
//! answered privately, a second one is already noted, and nothing reaches a channel.

use chrono::{Duration, TimeZone, Utc};

use crate::discord_rota::{ash, bo, custom_ids, embed_text, id_of, World, ALERTS, CIRCLE};
use crate::support::bot::{coordinator, is_problem};
use crate::support::fake_discord::{Actor, SlashCommand};

const WORDS: &str = "Coming on Wednesdays gave me somewhere to be heard.";

#[tokio::test]
async fn the_quarterly_dm_reaches_an_attending_member_and_its_form_is_answered_privately() {
    let mut world = World::with_pool(&[&ash()]).await;
    let on = world
        .command(
            &coordinator(),
            SlashCommand::new("setup").boolean("quarterly", true),
        )
        .await;
    assert!(!is_problem(&on), "{on:?}");
    // Bo will come and has asked for DMs; Ash asked for DMs but won't check in.
    for who in [bo(), ash()] {
        let dm_on = world.command(&who, SlashCommand::new("reminders dm on")).await;
        assert!(!is_problem(&dm_on), "{dm_on:?}");
    }
    world.run().await;
    let starts: i64 = sqlx::query_scalar("SELECT starts_at FROM session WHERE id = 1")
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
        .set(Utc.with_ymd_and_hms(2026, 4, 1, 10, 0, 0).unwrap());
    world.run().await;
    world.clock.advance(Duration::seconds(5));
    world.run().await;

    let asked: Vec<_> = world
        .fake
        .dms_to(bo().user_id())
        .into_iter()
        .filter(|m| embed_text(m).contains("What has the group meant to you?"))
        .collect();
    assert_eq!(asked.len(), 1, "{:?}", world.fake.dms_to(bo().user_id()));
    assert_eq!(custom_ids(&asked[0]), ["quarterly-share:2026-Q1:100"]);
    assert!(
        world
            .fake
            .dms_to(ash().user_id())
            .iter()
            .all(|m| !embed_text(m).contains("meant to you")),
        "Ash didn't come"
    );

    let in_dm = Actor::dm(52, "bo");
    let form = world
        .fake
        .push_button(&in_dm, id_of(&asked[0]), "quarterly-share:2026-Q1:100")
        .await;
    assert_eq!(form.kind, 9, "a modal: {form:?}");
    let modal_id = form.raw["data"]["custom_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(modal_id, "quarterly-form:2026-Q1:100");
    let answered = world
        .fake
        .push_modal_submit(
            &in_dm,
            &modal_id,
            &[
                ("confident", "yes"),
                ("in_control", "a little"),
                ("hopeful", "Yes"),
                ("words", WORDS),
            ],
        )
        .await;
    assert!(answered.ephemeral && !is_problem(&answered), "{answered:?}");
    assert!(
        answered.embed_text().contains("without your name"),
        "{answered:?}"
    );
    let again = world
        .fake
        .push_modal_submit(&in_dm, &modal_id, &[("confident", "no")])
        .await;
    assert!(again.ephemeral, "{again:?}");
    assert!(
        again.embed_text().contains("Thank you, already noted"),
        "{again:?}"
    );
    // The button again, once answered: a kind sentence, not a form.
    let reopened = world
        .fake
        .push_button(&in_dm, id_of(&asked[0]), "quarterly-share:2026-Q1:100")
        .await;
    assert!(reopened.ephemeral && reopened.kind != 9, "{reopened:?}");
    assert!(reopened.embed_text().contains("already noted"), "{reopened:?}");
    world.run().await;

    let kept: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT confident, words FROM quarterly_answer")
            .fetch_all(world.app.pool())
            .await
            .unwrap();
    assert_eq!(kept, [(Some("yes".to_string()), Some(WORDS.to_string()))]);
    for channel in [CIRCLE, 302, ALERTS] {
        assert!(
            world
                .fake
                .messages_in(channel)
                .iter()
                .all(|m| !m.to_string().contains(WORDS) && !m.to_string().contains("meant to you")),
            "channel {channel}"
        );
    }
    // The words are the coordinators', when they ask, and only theirs to see.
    let words = world
        .command(
            &coordinator(),
            SlashCommand::new("quarterly words").string("quarter", "2026-Q1"),
        )
        .await;
    assert!(words.ephemeral && words.embed_text().contains(WORDS), "{words:?}");
    let refused = world.command(&bo(), SlashCommand::new("quarterly words")).await;
    assert!(
        is_problem(&refused) && !refused.embed_text().contains(WORDS),
        "{refused:?}"
    );
    world.stop().await;
}
