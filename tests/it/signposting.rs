//! `/support`: the community's signposting text or the default, for everyone, and
//! always a plain word that hearth is not a crisis service.

use hearth::app::setup::SetupInput;
use hearth::chat::Visibility;
use hearth::domain::role::Role;

use crate::support::{actor, coordinator, march_first, spawn_app, text};

fn everyone() -> Vec<hearth::app::Actor> {
    vec![
        actor("Mo", Role::Member),
        actor("Fay", Role::Facilitator),
        actor("Cora", Role::Coordinator),
    ]
}

#[tokio::test]
async fn anyone_asking_for_support_is_told_hearth_is_not_a_crisis_service_and_where_urgent_help_is() {
    let t = spawn_app(march_first()).await;

    for asker in everyone() {
        let reply = t.app.support(&asker).await.unwrap();

        assert_eq!(reply.visibility, Visibility::Private, "only they see it");
        let said = text(&reply);
        for needed in [
            "not a crisis service",
            "999 or 112 in the UK",
            "911 in the US and Canada",
            "112 in the EU",
            "Samaritans: 116 123 in the UK and Ireland, free, day or night",
            "988 in the US: call or text",
            "outside these places, call your local emergency number",
        ] {
            assert!(said.contains(needed), "{} missed {needed:?}: {said}", asker.role);
        }
    }
}

#[tokio::test]
async fn a_communitys_own_support_text_is_shown_with_a_line_that_hearth_is_not_a_crisis_service() {
    let t = spawn_app(march_first()).await;
    let own = "Our peer line: 0800 000 0000, Mon to Fri 6-10pm. Or talk to any facilitator.";
    t.app
        .setup(
            &coordinator(),
            SetupInput {
                support_text: Some(own.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    for asker in everyone() {
        let reply = t.app.support(&asker).await.unwrap();

        assert_eq!(reply.visibility, Visibility::Private, "only they see it");
        let said = text(&reply);
        assert!(said.contains(own), "{}: {said}", asker.role);
        assert!(said.contains("not a crisis service"), "{}: {said}", asker.role);
        assert!(
            !said.contains("Samaritans"),
            "their text replaces the default: {said}"
        );
    }
}
