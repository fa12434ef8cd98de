//! Care and privacy end to end through the fake Discord, in the rota tests' world (a
//! weekly Wednesday group, Ash in its pool, an alerts channel): `/privacy export`
//! answers with a file only the member sees (a multipart reply the fake reads back), a
//! member is refused another's export, and a facilitator's forget — confirmed with its
//! button — releases their shifts, whose gap alert lands in the alerts channel.

use serde_json::Value;

use crate::discord_rota::{ash, bo, custom_ids, embed_text, World, ALERTS};
use crate::support::bot::is_problem;
use crate::support::fake_discord::SlashCommand;

#[tokio::test]
async fn privacy_export_answers_with_a_file_only_the_member_sees() {
    let world = World::with_pool(&[&ash()]).await;
    let answered = world
        .fake
        .push_command(
            &bo(),
            SlashCommand::new("rsvp")
                .string("session", "1")
                .integer("state", 0),
        )
        .await;
    assert!(!is_problem(&answered), "{answered:?}");

    let export = world
        .fake
        .push_command(&bo(), SlashCommand::new("privacy export"))
        .await;

    assert!(export.ephemeral, "only bo sees it: {export:?}");
    assert!(!is_problem(&export), "{export:?}");
    assert!(
        export.embed_text().contains("answers to sessions: 1"),
        "{}",
        export.embed_text()
    );
    let messages = world.fake.interaction_messages(&export);
    let attachments = messages[0]["attachments"].as_array().cloned().unwrap_or_default();
    assert_eq!(attachments.len(), 1, "{messages:?}");
    let name = attachments[0]["filename"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        name.starts_with("hearth-data-") && name.ends_with(".json"),
        "{name}"
    );
    let upload = world
        .fake
        .calls()
        .into_iter()
        .flat_map(|call| call.files)
        .find(|file| file.filename == name)
        .expect("the file was sent with the answer");
    let json: Value = serde_json::from_slice(&upload.bytes).expect("the export is JSON");
    let rows = json["tables"]["rsvp"]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rows.len(), 1, "{json}");
    assert_eq!(rows[0]["user_id"], "52");
    world.stop().await;
}

#[tokio::test]
async fn a_member_asking_for_another_members_export_is_refused_privately() {
    let world = World::with_pool(&[&ash()]).await;

    let refused = world
        .fake
        .push_command(
            &bo(),
            SlashCommand::new("privacy export").user("user", ash().user_id()),
        )
        .await;

    assert!(refused.ephemeral && is_problem(&refused), "{refused:?}");
    assert!(
        refused.embed_text().contains("Only a coordinator"),
        "{}",
        refused.embed_text()
    );
    assert!(
        world.fake.calls().iter().all(|call| call.files.is_empty()),
        "no file went out"
    );
    world.stop().await;
}

#[tokio::test]
async fn a_facilitator_who_confirms_forget_leaves_a_gap_whose_alert_lands_in_the_alerts_channel() {
    let mut world = World::with_pool(&[&ash()]).await;
    world.run().await;
    assert!(
        world.fake.messages_in(ALERTS).is_empty(),
        "no gap while Ash holds the shifts"
    );

    let asked = world
        .fake
        .push_command(&ash(), SlashCommand::new("privacy forget"))
        .await;
    assert!(asked.ephemeral, "{asked:?}");
    assert_eq!(asked.custom_ids(), ["privacy-forget:51"]);
    let question = world.fake.interaction_messages(&asked);
    assert_eq!(custom_ids(&question[0]), ["privacy-forget:51"]);
    world.run().await;
    assert!(
        world.fake.messages_in(ALERTS).is_empty(),
        "nothing happens before Confirm"
    );
    let confirmed = world
        .fake
        .push_button(
            &ash(),
            asked.message_id.expect("the question's message"),
            "privacy-forget:51",
        )
        .await;
    world.run().await;

    assert!(confirmed.ephemeral && !is_problem(&confirmed), "{confirmed:?}");
    assert!(
        confirmed.embed_text().contains("open again"),
        "{}",
        confirmed.embed_text()
    );
    let alerts = world.fake.messages_in(ALERTS);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = embed_text(&alerts[0]);
    assert!(alert.contains("Facilitator needed: Wednesday Circle"), "{alert}");
    assert!(!alert.contains("ash"), "{alert}");
    world.stop().await;
}
