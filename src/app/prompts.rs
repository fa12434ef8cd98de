//! `/prompts add|list|retire|use-default|schedule|pause|resume|now|submit|review`, and
//! the Approve / Reject buttons of a review.
//!
//! Every post is a job: a schedule queues its next tick, and the dispatcher queues the
//! one after as each is sent (see `engine::prompts`). A member's submission waits for
//! a facilitator or coordinator; the submitter is told privately when it is approved
//! and is never named with the prompt.

use chrono::{DateTime, Utc};

use crate::chat::{Button, Reply, Text, TimeStyle, Tone};
use crate::domain::job::{JobKind, PlannedJob};
use crate::domain::prompt::{
    approved_dm_key, plan_tick, prompt_key_prefix, prompt_now_key, seed_for, PromptPayload, PromptState,
    Timing, DEFAULT_DECK,
};
use crate::domain::role::Action;
use crate::domain::text::{self, Field};
use crate::store::groups::Group;
use crate::store::prompts::{self as prompt_store, NewPrompt, SOURCE_DEFAULT, SOURCE_GROUP, SOURCE_MEMBER};
use crate::store::{self, groups as group_store, jobs};

use super::input::PromptId;
use super::{authorize, find_group, record_audit, require_active, Actor, App, AppError, AppResult};

/// The options of `/prompts schedule`.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptSchedule {
    pub group: String,
    /// A crontab line (`cron:`) or `at:session-start`.
    pub timing: Timing,
    /// Open a thread on each post (default no).
    pub thread: bool,
}

/// A button of `/prompts review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Approve,
    Reject,
}

impl Review {
    /// The button's id: `prompt-approve:12`.
    pub fn button_id(self, prompt: i64) -> String {
        match self {
            Review::Approve => format!("prompt-approve:{prompt}"),
            Review::Reject => format!("prompt-reject:{prompt}"),
        }
    }

    /// Reads a button id made by [`Review::button_id`].
    pub fn parse_button(id: &str) -> Option<(Review, PromptId)> {
        let (action, prompt) = id.split_once(':')?;
        let review = match action {
            "prompt-approve" => Review::Approve,
            "prompt-reject" => Review::Reject,
            _ => return None,
        };
        prompt
            .parse()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| (review, PromptId(id)))
    }

    /// `approve` or `reject`, as the console's `/click button:` takes it.
    pub fn parse(typed: &str) -> Option<Review> {
        match typed.trim().to_ascii_lowercase().as_str() {
            "approve" => Some(Review::Approve),
            "reject" => Some(Review::Reject),
            _ => None,
        }
    }
}

/// Pending submissions one review shows with buttons (Discord fits 25 buttons).
const REVIEW_PAGE: usize = 10;

/// Why ticks queued before a change are set aside.
const SCHEDULE_CHANGED: &str = "The group's prompt schedule changed.";
const PAUSED: &str = "The group's prompts were paused.";

impl App {
    /// `/prompts add`: a facilitator's or coordinator's prompt joins the deck at once.
    pub async fn prompts_add(
        &self,
        actor: &Actor,
        group: &str,
        prompt: &str,
        content_note: Option<&str>,
    ) -> AppResult {
        let prompt = text::clean_required(
            Field::Prompt,
            prompt,
            "text:\"What's one small thing that went okay?\"",
        )?;
        let note = content_note
            .map(|n| text::clean(Field::ContentNote, n))
            .transpose()?
            .flatten();
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        let seen = super::rota::actor_in_group(&mut tx, actor, group.id).await?;
        authorize(&seen, Action::Facilitate, "add prompts to a deck")?;
        require_active(&group)?;
        prompt_store::ensure_deck(&mut *tx, group.id, seed_for(group.id)).await?;
        let new = NewPrompt {
            group_id: group.id,
            text: prompt.as_str(),
            content_note: note.as_ref().map(text::Clean::as_str),
            state: PromptState::Approved,
            source: SOURCE_GROUP,
            submitted_by: None,
        };
        let id = prompt_store::insert(&mut *tx, &new, now).await?;
        prompt_store::set_empty_noted(&mut *tx, group.id, false).await?;
        record_audit(
            &mut tx,
            actor,
            "prompts.add",
            format!("prompt:{id}"),
            Some(format!("group:{}", group.id)),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(
            Tone::Done,
            format!("Added to {}'s deck: prompt #{id}", group.name),
        )
        .line(prompt.into_string())
        .line("It joins the current round, so it comes up before any prompt is asked twice."))
    }

    /// `/prompts list`: the deck, its schedule and what is waiting for review.
    pub async fn prompts_list(&self, actor: &Actor, group: &str) -> AppResult {
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let group = find_group(&mut conn, &actor.community_id, group).await?;
        let approved = prompt_store::list(&mut *conn, group.id, PromptState::Approved).await?;
        let pending = prompt_store::list(&mut *conn, group.id, PromptState::Pending).await?;
        let mut reply = Reply::private(Tone::Info, format!("{}'s check-in prompts", group.name));
        reply = reply.line(match prompt_store::schedule(&mut *conn, group.id).await? {
            None => "No schedule yet: /prompts schedule sets one.".to_owned(),
            Some(schedule) => {
                let timing = Timing::from_stored(&schedule.timing).map_err(|e| AppError::internal(&e))?;
                format!(
                    "Posted {}{}{}.",
                    timing.describe(),
                    if schedule.thread {
                        ", each in its own thread"
                    } else {
                        ""
                    },
                    if schedule.paused {
                        " — paused for now (/prompts resume)"
                    } else {
                        ""
                    }
                )
            }
        });
        if let Some(next) = jobs::with_prefix(&mut *conn, &prompt_key_prefix(group.id), 1)
            .await?
            .into_iter()
            .find(|job| job.state == crate::domain::job::JobState::Pending)
        {
            reply = reply.line(
                Text::new()
                    .plain("Next: ")
                    .time(next.due_at, group.zone, TimeStyle::Full),
            );
        }
        if approved.is_empty() {
            reply = reply
                .line("The deck is empty: /prompts add, or /prompts use-default yes for hearth's own deck.");
        } else {
            reply = reply.line(Text::new().strong(format!("In the deck ({}):", approved.len())));
            for prompt in &approved {
                let note = prompt
                    .content_note
                    .as_deref()
                    .map(|n| format!(" (content note: {n})"))
                    .unwrap_or_default();
                reply = reply.line(format!("#{} {}{note}", prompt.id, prompt.text));
            }
        }
        let seen = super::rota::actor_in_group(&mut conn, actor, group.id).await?;
        if !pending.is_empty() && seen.role.may(Action::Facilitate) {
            reply = reply.line(format!(
                "{} waiting for review: /prompts review group:\"{}\"",
                pending.len(),
                group.name
            ));
        }
        Ok(reply)
    }

    /// `/prompts retire`: the prompt leaves the deck (and the current round).
    pub async fn prompts_retire(&self, actor: &Actor, prompt: PromptId) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (found, group) = find_prompt(&mut tx, actor, prompt).await?;
        let seen = super::rota::actor_in_group(&mut tx, actor, group.id).await?;
        authorize(&seen, Action::Facilitate, "retire prompts")?;
        if found.state == PromptState::Retired {
            return Err(AppError::invalid(format!(
                "Prompt #{} is already retired.",
                found.id
            )));
        }
        let from = [PromptState::Approved, PromptState::Pending];
        prompt_store::set_state(
            &mut *tx,
            found.id,
            &from,
            PromptState::Retired,
            Some(&actor.user_id),
            now,
        )
        .await?;
        record_audit(
            &mut tx,
            actor,
            "prompts.retire",
            format!("prompt:{}", found.id),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(
            Tone::Done,
            format!("Retired prompt #{} from {}", found.id, group.name),
        )
        .line("It won't be posted again."))
    }

    /// `/prompts use-default yes|no`: hearth's own deck joins the group's, or leaves it.
    pub async fn prompts_use_default(&self, actor: &Actor, group: &str, on: bool) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        let seen = super::rota::actor_in_group(&mut tx, actor, group.id).await?;
        authorize(&seen, Action::Facilitate, "change a prompt deck")?;
        require_active(&group)?;
        prompt_store::ensure_deck(&mut *tx, group.id, seed_for(group.id)).await?;
        prompt_store::set_use_default(&mut *tx, group.id, on).await?;
        let held = prompt_store::default_texts(&mut *tx, group.id).await?;
        let mut changed = 0;
        if on {
            for (prompt, note) in DEFAULT_DECK {
                match held.iter().find(|(_, text, _)| text == prompt) {
                    Some((id, _, PromptState::Retired)) => {
                        let from = [PromptState::Retired];
                        changed += usize::from(
                            prompt_store::set_state(&mut *tx, *id, &from, PromptState::Approved, None, now)
                                .await?,
                        );
                    }
                    Some(_) => {}
                    None => {
                        let new = NewPrompt {
                            group_id: group.id,
                            text: prompt,
                            content_note: *note,
                            state: PromptState::Approved,
                            source: SOURCE_DEFAULT,
                            submitted_by: None,
                        };
                        prompt_store::insert(&mut *tx, &new, now).await?;
                        changed += 1;
                    }
                }
            }
            prompt_store::set_empty_noted(&mut *tx, group.id, false).await?;
        } else {
            for (id, _, state) in &held {
                if *state == PromptState::Approved {
                    let from = [PromptState::Approved];
                    changed += usize::from(
                        prompt_store::set_state(&mut *tx, *id, &from, PromptState::Retired, None, now)
                            .await?,
                    );
                }
            }
        }
        let detail = format!("group:{} {}", group.id, if on { "yes" } else { "no" });
        record_audit(
            &mut tx,
            actor,
            "prompts.use-default",
            format!("group:{}", group.id),
            Some(detail),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(if on {
            Reply::private(Tone::Done, format!("{} uses hearth's default deck", group.name)).line(format!(
                "{changed} prompts joined the deck. Retire any that don't suit the group with /prompts retire."
            ))
        } else {
            Reply::private(
                Tone::Done,
                format!("{} no longer uses hearth's default deck", group.name),
            )
            .line(format!(
                "{changed} default prompts left the deck; the group's own prompts stay."
            ))
        })
    }

    /// `/prompts schedule`: when the group's prompts are posted; queues the next one.
    pub async fn prompts_schedule(&self, actor: &Actor, input: PromptSchedule) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, &input.group).await?;
        let seen = super::rota::organiser_in_group(&mut tx, actor, group.id).await?;
        authorize(&seen, Action::Organise, "schedule check-in prompts")?;
        require_active(&group)?;
        prompt_store::ensure_deck(&mut *tx, group.id, seed_for(group.id)).await?;
        let stored = input.timing.as_stored();
        prompt_store::set_schedule(&mut *tx, group.id, &stored, input.thread, now).await?;
        jobs::skip_pending_keyed(&mut *tx, &prompt_key_prefix(group.id), SCHEDULE_CHANGED, now).await?;
        let next = queue_next_tick(&mut tx, &group, &input.timing, now).await?;
        let detail = format!("{stored}{}", if input.thread { " thread" } else { "" });
        record_audit(
            &mut tx,
            actor,
            "prompts.schedule",
            format!("group:{}", group.id),
            Some(detail),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply =
            Reply::private(Tone::Done, format!("Check-in prompts for {}", group.name)).line(format!(
                "Posted {}{}.",
                input.timing.describe(),
                if input.thread {
                    ", each opening a thread for replies"
                } else {
                    ""
                }
            ));
        reply = reply.line(match next {
            Some(at) => Text::new()
                .plain("The first is ")
                .time(at, group.zone, TimeStyle::Full)
                .plain("."),
            None => {
                Text::from("Nothing is due yet: the first is queued when the group has an upcoming session.")
            }
        });
        Ok(reply)
    }

    /// `/prompts pause` and `/prompts resume`.
    pub async fn prompts_pause(&self, actor: &Actor, group: &str, paused: bool) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        let seen = super::rota::actor_in_group(&mut tx, actor, group.id).await?;
        authorize(&seen, Action::Facilitate, "pause or resume check-in prompts")?;
        require_active(&group)?;
        let Some(schedule) = prompt_store::schedule(&mut *tx, group.id).await? else {
            return Err(AppError::invalid(format!(
                "{} has no prompt schedule yet; /prompts schedule sets one.",
                group.name
            )));
        };
        if schedule.paused == paused {
            return Ok(Reply::private(
                Tone::Info,
                format!(
                    "{}'s prompts are already {}",
                    group.name,
                    if paused { "paused" } else { "running" }
                ),
            ));
        }
        prompt_store::set_paused(&mut *tx, group.id, paused, now).await?;
        let mut next = None;
        if paused {
            jobs::skip_pending_keyed(&mut *tx, &prompt_key_prefix(group.id), PAUSED, now).await?;
        } else {
            let timing = Timing::from_stored(&schedule.timing).map_err(|e| AppError::internal(&e))?;
            next = queue_next_tick(&mut tx, &group, &timing, now).await?;
        }
        let action = if paused { "prompts.pause" } else { "prompts.resume" };
        record_audit(&mut tx, actor, action, format!("group:{}", group.id), None, now).await?;
        self.commit(tx).await?;
        if paused {
            return Ok(
                Reply::private(Tone::Done, format!("Paused {}'s prompts", group.name))
                    .line("Nothing is posted until /prompts resume; missed times are not made up."),
            );
        }
        let mut reply = Reply::private(Tone::Done, format!("Resumed {}'s prompts", group.name));
        if let Some(at) = next {
            reply = reply.line(
                Text::new()
                    .plain("The next is ")
                    .time(at, group.zone, TimeStyle::Full)
                    .plain("."),
            );
        }
        Ok(reply)
    }

    /// `/prompts now`: one prompt posted straight away, from the same rotation.
    pub async fn prompts_now(&self, actor: &Actor, group: &str) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        let seen = super::rota::actor_in_group(&mut tx, actor, group.id).await?;
        authorize(&seen, Action::Facilitate, "post a prompt now")?;
        require_active(&group)?;
        if prompt_store::approved_ids(&mut *tx, group.id).await?.is_empty() {
            return Err(AppError::invalid(format!(
                "{}'s deck is empty, so there is nothing to post. /prompts add, or /prompts use-default yes.",
                group.name
            )));
        }
        let job = PlannedJob {
            kind: JobKind::Prompt,
            dedupe_key: prompt_now_key(group.id, now),
            target: Some(group.channel.clone()),
            payload: PromptPayload {
                group_id: group.id,
                prompt_id: None,
                by_hand: true,
            }
            .to_string(),
            due_at: now,
            expires_at: None,
        };
        jobs::upsert(&mut *tx, &group.community_id, None, &job, now).await?;
        record_audit(
            &mut tx,
            actor,
            "prompts.now",
            format!("group:{}", group.id),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("A prompt is on its way to {}", group.name)).line(
                Text::new()
                    .plain("It goes to ")
                    .channel(group.channel.clone())
                    .plain(" in a moment."),
            ),
        )
    }

    /// `/prompts submit`: a member's prompt, waiting for review.
    pub async fn prompts_submit(
        &self,
        actor: &Actor,
        group: &str,
        prompt: &str,
        content_note: Option<&str>,
    ) -> AppResult {
        let prompt = text::clean_required(Field::Prompt, prompt, "text:\"What's helped you this week?\"")?;
        let note = content_note
            .map(|n| text::clean(Field::ContentNote, n))
            .transpose()?
            .flatten();
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        if group.archived {
            return Err(AppError::invalid(format!(
                "\"{}\" is archived, so it isn't taking new prompts. Thank you for thinking of it.",
                group.name
            )));
        }
        let new = NewPrompt {
            group_id: group.id,
            text: prompt.as_str(),
            content_note: note.as_ref().map(text::Clean::as_str),
            state: PromptState::Pending,
            source: SOURCE_MEMBER,
            submitted_by: Some(&actor.user_id),
        };
        let id = prompt_store::insert(&mut *tx, &new, now).await?;
        record_audit(
            &mut tx,
            actor,
            "prompts.submit",
            format!("prompt:{id}"),
            Some(format!("group:{}", group.id)),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(
            Tone::Done,
            format!("Thank you — your prompt for {} is in", group.name),
        )
        .line("A facilitator will look at it soon. If it's added, I'll tell you privately.")
        .line("Prompts are always posted without anyone's name."))
    }

    /// `/prompts review`: pending submissions, each with Approve / Reject.
    pub async fn prompts_review(&self, actor: &Actor, group: &str) -> AppResult {
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let group = find_group(&mut conn, &actor.community_id, group).await?;
        let seen = super::rota::actor_in_group(&mut conn, actor, group.id).await?;
        authorize(&seen, Action::Facilitate, "review submitted prompts")?;
        let pending = prompt_store::list(&mut *conn, group.id, PromptState::Pending).await?;
        if pending.is_empty() {
            return Ok(Reply::private(
                Tone::Info,
                format!("Nothing waiting for review in {}", group.name),
            ));
        }
        let mut reply = Reply::private(Tone::Info, format!("Submitted prompts for {}", group.name));
        for prompt in pending.iter().take(REVIEW_PAGE) {
            let note = prompt
                .content_note
                .as_deref()
                .map(|n| format!(" (content note: {n})"))
                .unwrap_or_default();
            reply = reply.line(format!("#{} {}{note}", prompt.id, prompt.text));
            reply.buttons.push(Button {
                id: Review::Approve.button_id(prompt.id),
                label: format!("Approve #{}", prompt.id),
                primary: true,
            });
            reply.buttons.push(Button {
                id: Review::Reject.button_id(prompt.id),
                label: format!("Reject #{}", prompt.id),
                primary: false,
            });
        }
        if pending.len() > REVIEW_PAGE {
            reply = reply.line(format!(
                "and {} more: review these first, then ask again.",
                pending.len() - REVIEW_PAGE
            ));
        }
        Ok(reply)
    }

    /// The Approve / Reject buttons of a review. A member pressing one, or a second
    /// press after the first, changes nothing and says why.
    pub async fn prompts_review_click(&self, actor: &Actor, prompt: PromptId, review: Review) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (found, group) = find_prompt(&mut tx, actor, prompt).await?;
        let seen = super::rota::actor_in_group(&mut tx, actor, group.id).await?;
        authorize(&seen, Action::Facilitate, "approve or reject submitted prompts")?;
        let to = match review {
            Review::Approve => PromptState::Approved,
            Review::Reject => PromptState::Retired,
        };
        let changed = prompt_store::set_state(
            &mut *tx,
            found.id,
            &[PromptState::Pending],
            to,
            Some(&actor.user_id),
            now,
        )
        .await?;
        if !changed {
            let now_is = match found.state {
                PromptState::Approved => "it's in the deck",
                PromptState::Retired => "it isn't in the deck",
                PromptState::Pending => "it's still waiting",
            };
            return Ok(Reply::private(
                Tone::Info,
                format!("Prompt #{} has already been reviewed", found.id),
            )
            .line(format!("Nothing changed: {now_is}.")));
        }
        if review == Review::Approve {
            prompt_store::set_empty_noted(&mut *tx, group.id, false).await?;
            if let Some(submitter) = &found.submitted_by {
                let dm = PlannedJob {
                    kind: JobKind::DmPromptApproved,
                    dedupe_key: approved_dm_key(found.id),
                    target: Some(submitter.clone()),
                    payload: format!(
                        "The prompt you suggested for {} is in its deck now: \"{}\". It will be posted \
                         without your name. Thank you.",
                        group.name, found.text
                    ),
                    due_at: now,
                    expires_at: Some(now + chrono::Duration::days(7)),
                };
                jobs::upsert(&mut *tx, &group.community_id, None, &dm, now).await?;
            }
        }
        let action = match review {
            Review::Approve => "prompts.approve",
            Review::Reject => "prompts.reject",
        };
        record_audit(&mut tx, actor, action, format!("prompt:{}", found.id), None, now).await?;
        self.commit(tx).await?;
        Ok(match review {
            Review::Approve => Reply::private(Tone::Done, format!("Approved prompt #{}", found.id))
                .line(format!("It joins {}'s deck in the current round.", group.name)),
            Review::Reject => Reply::private(Tone::Done, format!("Rejected prompt #{}", found.id))
                .line("It won't be posted. The member isn't told."),
        })
    }
}

impl App {
    /// Queues the next tick of every running schedule that has none queued: an
    /// `at:session-start` schedule whose group had no upcoming session when its last
    /// post went out, or any chain broken by hand. Run with each horizon roll, after
    /// new sessions are in. Returns how many ticks it queued.
    pub(crate) async fn keep_prompt_schedules_ticking(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let mut tx = store::begin_write(self.pool()).await?;
        let queued: std::collections::HashSet<i64> = prompt_store::pending_prompt_payloads(&mut *tx)
            .await?
            .iter()
            .filter_map(|payload| payload.parse::<PromptPayload>().ok())
            .filter(|payload| !payload.by_hand)
            .map(|payload| payload.group_id)
            .collect();
        let mut added = 0;
        for schedule in prompt_store::running_schedules(&mut *tx).await? {
            if queued.contains(&schedule.group_id) {
                continue;
            }
            let (Some(group), Ok(timing)) = (
                group_store::get(&mut *tx, schedule.group_id).await?,
                Timing::from_stored(&schedule.timing),
            ) else {
                continue;
            };
            if queue_next_tick(&mut tx, &group, &timing, now).await?.is_some() {
                added += 1;
            }
        }
        self.commit(tx).await?;
        Ok(added)
    }
}

/// A prompt of this community, with its group.
async fn find_prompt(
    conn: &mut store::Conn,
    actor: &Actor,
    prompt: PromptId,
) -> Result<(prompt_store::Prompt, Group), AppError> {
    let not_found = || {
        AppError::NotFound(format!(
            "I can't find prompt #{}. /prompts list shows each prompt with its number.",
            prompt.0
        ))
    };
    let found = prompt_store::get(&mut *conn, prompt.0)
        .await?
        .ok_or_else(not_found)?;
    let group = group_store::get(&mut *conn, found.group_id)
        .await?
        .filter(|g| g.community_id == actor.community_id)
        .ok_or_else(not_found)?;
    Ok((found, group))
}

/// Queues the first tick of a schedule from `now`, and says when it is.
async fn queue_next_tick(
    conn: &mut store::Conn,
    group: &Group,
    timing: &Timing,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let next = match timing {
        Timing::Cron(cron) => cron.next_after(group.zone, now),
        Timing::SessionStart => prompt_store::next_session_start(&mut *conn, group.id, now)
            .await?
            .map(|(_, at)| at),
    };
    if let Some(at) = next {
        let job = plan_tick(group.id, &group.channel, at);
        jobs::upsert(&mut *conn, &group.community_id, None, &job, now).await?;
    }
    Ok(next)
}

/// What `/status` says of check-in prompts: ticks set aside in the last 7 days, with
/// the reason (an empty deck, a tick missed in downtime). Nothing when there were none.
pub(crate) async fn status_lines(
    conn: &mut store::Conn,
    community_id: &str,
    zone: crate::domain::time::Tz,
    now: DateTime<Utc>,
) -> Result<Vec<Text>, AppError> {
    let skipped: Vec<_> =
        jobs::skipped_prompts_since(&mut *conn, community_id, now - chrono::Duration::days(7), 20)
            .await?
            .into_iter()
            // Set aside by a person's own change: not news.
            .filter(|job| !matches!(job.last_error.as_deref(), Some(SCHEDULE_CHANGED | PAUSED)))
            .take(10)
            .collect();
    if skipped.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines = vec![Text::new().strong("Check-in prompts not posted (last 7 days):")];
    for job in skipped {
        lines.push(
            Text::new()
                .time(job.due_at, zone, TimeStyle::Full)
                .plain(format!(": {}", job.last_error.unwrap_or_default())),
        );
    }
    Ok(lines)
}
