//! `/privacy export` and `/privacy forget`: a member takes everything hearth holds
//! about them, or has it forgotten — themselves, or a coordinator on their behalf
//! (audited). Both are driven by the store's registry of member columns, so every
//! table is covered. Forgetting keeps the figures: attendance already counted stays
//! counted (without the member's id), past shifts stay held by a pseudonym, and
//! shifts still to come go back to the pool as open shifts, so the rota's gap alerts
//! follow.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::chat::{Button, Reply, Tone};
use crate::domain::job::plan_card_edit;
use crate::domain::role::Action;
use crate::store::privacy::{self as registry, Found};
use crate::store::retention::{self, Removal};
use crate::store::{self, dropin as dropin_store, groups as group_store, jobs, rsvps, sessions, StoreError};

use super::dropin::plan_status;
use super::rota::{release_future_shifts, Person};
use super::rsvp::promote;
use super::{authorize, record_audit, Actor, App, AppError, AppResult};

/// What a forget's Confirm button sends back, for the member it forgets.
pub fn forget_button_id(user_id: &str) -> String {
    format!("{FORGET_PREFIX}{user_id}")
}

/// The start of a forget's Confirm button id.
pub const FORGET_PREFIX: &str = "privacy-forget:";

/// The member a forget's Confirm button is for, when `id` is one.
pub fn parse_forget_button(id: &str) -> Option<&str> {
    id.strip_prefix(FORGET_PREFIX).filter(|user| !user.is_empty())
}

/// Whose data: the actor's own, or (coordinators only) someone they act for.
fn subject(actor: &Actor, user: Option<Person>, doing: &str) -> Result<(Person, bool), AppError> {
    match user {
        Some(person) if person.user_id != actor.user_id => {
            authorize(actor, Action::Organise, doing)?;
            Ok((person, true))
        }
        _ => Ok((
            Person {
                user_id: actor.user_id.clone(),
                name: actor.name.clone(),
                member: true,
            },
            false,
        )),
    }
}

/// A pseudonym for a forgotten member: the same in each of their audit entries, and
/// not derived from their id (so it can't be turned back into it).
fn pseudonym() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x6865_6172_7468);
    format!("forgotten-{:08x}", hasher.finish() as u32)
}

impl App {
    /// `/privacy export [user:]` — everything held about a member in this community,
    /// as a JSON file and a short summary, only to the one asking.
    pub async fn privacy_export(&self, actor: &Actor, user: Option<Person>) -> AppResult {
        let (person, on_behalf) = subject(actor, user, "export another member's data")?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let found = registry::find(&mut tx, &actor.community_id, &person.user_id).await?;
        if on_behalf {
            record_audit(
                &mut tx,
                actor,
                "privacy.export",
                format!("user:{}", person.user_id),
                None,
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        let document = export_document(&actor.community_id, &person.user_id, &found, now);
        let bytes = serde_json::to_vec_pretty(&document).map_err(|e| AppError::internal(&e))?;
        let whose = if on_behalf {
            format!("{}'s data", person.name)
        } else {
            "Your data".to_string()
        };
        let held: Vec<String> = found
            .iter()
            .filter(|f| !f.rows.is_empty())
            .map(|f| format!("{}: {}", f.table.what, f.rows.len()))
            .collect();
        let mut reply = Reply::private(Tone::Done, format!("{whose} in this community"));
        let them = if on_behalf { "them" } else { "you" };
        reply = if held.is_empty() {
            reply.line(format!(
                "hearth holds nothing about {them} here: no answers, preferences, shifts or audit entries."
            ))
        } else {
            reply
                .line(format!(
                    "What hearth holds about {them} here — {}.",
                    held.join("; ")
                ))
                .line("Everything is in the attached file, table by table, as it is stored.")
        };
        let file = format!("hearth-data-{}.json", now.format("%Y-%m-%d"));
        Ok(reply
            .line("/privacy forget deletes it (attendance numbers stay, without the name).")
            .file(file, bytes))
    }

    /// `/privacy forget [user:]` — asks for confirmation; nothing changes until the
    /// Confirm button is pressed.
    pub async fn privacy_forget(&self, actor: &Actor, user: Option<Person>) -> AppResult {
        let (person, on_behalf) = subject(actor, user, "forget another member's data")?;
        let whose = if on_behalf {
            format!("{}'s", person.name)
        } else {
            "your".to_string()
        };
        let mut reply = Reply::private(Tone::Info, "Forget this member's data?")
            .line(format!(
                "This deletes {whose} answers, preferences, places in facilitator pools, time away and \
                 prompts waiting for review. Shifts still to come go back to the pool as open shifts."
            ))
            .line(
                "Numbers stay right: attendance already counted stays in the totals, and past shifts and \
                 audit entries keep a pseudonym instead of the id. It can't be undone.",
            )
            .line("Nothing has changed yet. Press Confirm to go ahead, or just leave this message.");
        reply.buttons = vec![Button {
            id: forget_button_id(&person.user_id),
            label: "Confirm: forget".into(),
            primary: true,
        }];
        Ok(reply)
    }

    /// The forget's Confirm button, pressed by the member or a coordinator.
    pub async fn privacy_forget_confirmed(&self, actor: &Actor, user_id: &str) -> AppResult {
        let on_behalf = user_id != actor.user_id;
        if on_behalf {
            authorize(actor, Action::Organise, "forget another member's data")?;
        }
        let now = self.now();
        let pseudonym = pseudonym();
        let community = actor.community_id.as_str();
        let mut tx = store::begin_write(self.pool()).await?;
        let names = registry::known_names(&mut tx, community, user_id).await?;
        // Drop-ins they are on duty at now: their status messages are redrawn without them.
        let mut on_duty_at = Vec::new();
        for group_id in dropin_store::active_group_ids(&mut *tx).await? {
            let Some(group) = group_store::get(&mut *tx, group_id).await? else {
                continue;
            };
            let on_duty = dropin_store::on_duty(&mut *tx, group_id, now).await?;
            if group.community_id == community && on_duty.iter().any(|d| d.user_id == user_id) {
                on_duty_at.push(group);
            }
        }
        let released = release_future_shifts(&mut tx, community, user_id, None, now).await?;
        let upcoming = rsvps::for_user(&mut *tx, community, user_id, now).await?;
        let answers = retention::remove_answers(&mut tx, community, Removal::Member(user_id)).await?;
        // Places they held go to the waitlist, and the cards show the new numbers.
        for (session_id, _, _) in &upcoming {
            promote(&mut tx, *session_id, now).await?;
            if let Some(session) = sessions::get(&mut *tx, *session_id).await? {
                let edit = plan_card_edit(*session_id, session.ends_at, now);
                jobs::rearm(&mut *tx, community, Some(*session_id), &edit, now).await?;
            }
        }
        registry::delete_pending_submissions(&mut tx, community, user_id).await?;
        registry::redact_names(&mut tx, community, &names).await?;
        let changed = registry::forget(&mut tx, community, user_id, &pseudonym).await?;
        for group in &on_duty_at {
            plan_status(&mut tx, group, self.horizon_end(now), now).await?;
        }
        let total: u64 = changed.iter().map(|(_, n)| n).sum::<u64>() + answers;
        let recorder = if on_behalf {
            actor.clone()
        } else {
            Actor {
                user_id: pseudonym.clone(),
                ..actor.clone()
            }
        };
        record_audit(
            &mut tx,
            &recorder,
            "privacy.forget",
            format!("user:{pseudonym}"),
            Some(format!(
                "rows changed: {total}; shifts to come released: {released}"
            )),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, "Forgotten").line(if on_behalf {
            "Their answers, preferences, pool places and time away are deleted."
        } else {
            "Your answers, preferences, pool places and time away are deleted. Thank you for being part of it."
        });
        if released > 0 {
            reply = reply.line(format!(
                "{released} shifts still to come are open again; the pool hears about them."
            ));
        }
        Ok(reply.line("Attendance numbers stay right, without the name. /privacy export now finds nothing."))
    }
}

/// The export: every registered table with a member column, and its rows of theirs.
fn export_document(community_id: &str, user_id: &str, found: &[Found], now: DateTime<Utc>) -> Value {
    let mut tables = Map::new();
    for found in found {
        tables.insert(
            found.table.name.to_string(),
            json!({ "what": found.table.what, "rows": found.rows }),
        );
    }
    json!({
        "about": "Everything hearth holds about this member in this community, as stored.",
        "community": community_id,
        "member": user_id,
        "exported_at": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "tables": tables,
    })
}
