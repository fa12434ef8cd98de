//! The quarterly "what has this group meant to you?", as members and coordinators see
//! it: a community turns it on with `/setup quarterly:yes`; a member's DM button opens
//! a form of three short questions and a box for their own words, answered privately
//! and kept without their id, once per member; `/quarterly words` shows coordinators
//! the words, a page at a time, never posted anywhere.

use chrono::{DateTime, Utc};

use crate::chat::{Reply, Text, Tone};
use crate::domain::job::{plan_quarterly, quarterly_dm_key, JobState};
use crate::domain::quarterly::{marker, next_round, Answers, Quarter, Question};
use crate::domain::role::Action;
use crate::store::{self, jobs, outcomes, quarterly, StoreError};

use super::outcomes::fresh_secret;
use super::{authorize, Actor, App, AppError, AppResult};

/// Entries of words on one page of `/quarterly words`.
const PAGE: usize = 5;

/// The form's fields, as typed (blank ones are fine).
#[derive(Debug, Clone, Default)]
pub struct QuarterlyForm {
    pub confident: Option<String>,
    pub in_control: Option<String>,
    pub hopeful: Option<String>,
    pub words: Option<String>,
}

impl App {
    /// Plans each community's next quarterly round, where it asks the question.
    pub(crate) async fn keep_quarterly_planned(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut tx = store::begin_write(self.pool()).await?;
        for community in quarterly::communities_on(&mut *tx).await? {
            jobs::upsert(&mut *tx, &community, None, &plan_quarterly(&community, now), now).await?;
        }
        self.commit(tx).await
    }

    /// Whether this member may answer `quarter` now: they got its DM, its answers are
    /// open, and they haven't answered. Discord asks before it opens the form.
    pub async fn quarterly_may_answer(&self, actor: &Actor, quarter: Quarter) -> Result<(), AppError> {
        let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
        self.quarterly_check(&mut conn, actor, quarter).await?;
        let secret = outcomes::secret(&mut conn, &actor.community_id, &fresh_secret()).await?;
        let mark = marker(&secret, quarter, &actor.user_id);
        if quarterly::answered(&mut *conn, &actor.community_id, &quarter.to_string(), &mark).await? {
            return Err(AppError::invalid(format!(
                "Thank you, already noted: your answers for {quarter} are in, and they count once."
            )));
        }
        Ok(())
    }

    /// The DM's button in the console: what the form asks, and how to send it.
    pub async fn quarterly_open(&self, actor: &Actor, quarter: Quarter) -> AppResult {
        self.quarterly_may_answer(actor, quarter).await?;
        let mut reply = Reply::private(
            Tone::Info,
            format!("What has the group meant to you? ({quarter})"),
        );
        for question in Question::ALL {
            reply = reply.line(format!("{} yes, a little or no", question.asked()));
        }
        Ok(reply
            .line("Anything you'd like to say in your own words? (optional, up to 1,000 characters)")
            .line(format!(
                "Any one answer is welcome. Send them like: /click quarter:{quarter} button:share confident:yes \
                 in_control:a-little hopeful:yes words:\"...\""
            )))
    }

    /// The form, sent: kept without the member's id, once.
    pub async fn quarterly_answer(&self, actor: &Actor, quarter: Quarter, form: &QuarterlyForm) -> AppResult {
        let answers = Answers::parse(
            form.confident.as_deref(),
            form.in_control.as_deref(),
            form.hopeful.as_deref(),
            form.words.as_deref(),
        )
        .map_err(AppError::Invalid)?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        self.quarterly_check(&mut tx, actor, quarter).await?;
        let secret = outcomes::secret(&mut tx, &actor.community_id, &fresh_secret()).await?;
        let mark = marker(&secret, quarter, &actor.user_id);
        let name = quarter.to_string();
        let counted = quarterly::answer(&mut tx, &actor.community_id, &name, &mark, &answers, now).await?;
        if !counted {
            return Ok(
                Reply::private(Tone::Info, "Thank you, already noted").line(format!(
                    "Your answers for {quarter} are already in; they count once."
                )),
            );
        }
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, "Thank you").line(
            "Your answers are noted, without your name. They help the group show what it means to people.",
        );
        if answers.words.is_some() {
            reply = reply.line("Your words are for the coordinators only; they are never posted.");
        }
        Ok(reply)
    }

    /// Refuses, kindly, an answer that can't be taken: no round, closed, or not asked.
    async fn quarterly_check(
        &self,
        conn: &mut store::Conn,
        actor: &Actor,
        quarter: Quarter,
    ) -> Result<(), AppError> {
        let now = self.now();
        let Some(closes) =
            quarterly::closes_at(&mut *conn, &actor.community_id, &quarter.to_string()).await?
        else {
            return Err(AppError::invalid(format!(
                "There's no quarterly question open for {quarter}. Thank you for wanting to answer all the same."
            )));
        };
        if now >= closes {
            return Err(AppError::invalid(format!(
                "The answers for {quarter} have closed. Thank you for thinking of it; there'll be another \
                 chance next quarter."
            )));
        }
        let key = quarterly_dm_key(&actor.community_id, &quarter.to_string(), &actor.user_id);
        let asked = jobs::get_by_key(&mut *conn, &key)
            .await?
            .is_some_and(|job| job.state == JobState::Sent);
        if !asked {
            return Err(AppError::invalid(format!(
                "The {quarter} question went by DM to members who came to a session that quarter and asked \
                 for DMs, so there's nothing for you to answer this time. /reminders dm on asks for DMs."
            )));
        }
        Ok(())
    }

    /// `/quarterly words [quarter:] [page:]`: members' own words, for coordinators only.
    pub async fn quarterly_words(
        &self,
        actor: &Actor,
        quarter: Option<Quarter>,
        page: Option<i64>,
    ) -> AppResult {
        authorize(actor, Action::Organise, "read members' quarterly words")?;
        let now = self.now();
        let quarter = quarter.unwrap_or_else(|| {
            // The latest round that has gone out: the quarter before the next one due.
            let next = next_round(now);
            Quarter::of(next.starts_at() - chrono::Duration::seconds(1))
        });
        let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
        let words = quarterly::words(&mut *conn, &actor.community_id, &quarter.to_string()).await?;
        let pages = words.len().div_ceil(PAGE).max(1);
        let page = usize::try_from(page.unwrap_or(1).max(1)).unwrap_or(1);
        let mut reply = Reply::private(Tone::Info, format!("Members' own words, {quarter}"));
        if words.is_empty() {
            return Ok(reply.line(format!(
                "No words for {quarter} (yet, or no longer: they go with the retention run)."
            )));
        }
        if page > pages {
            return Ok(reply.line(format!("There is nothing on page {page}; try page:1.")));
        }
        for (day, text) in words.iter().skip((page - 1) * PAGE).take(PAGE) {
            reply = reply.line(
                Text::new()
                    .strong(format!("{}: ", day.date_naive()))
                    .plain(text.clone()),
            );
        }
        reply = reply.line(format!(
            "Page {page} of {pages} ({}). Kept without names; for coordinators only, never to be posted.",
            match words.len() {
                1 => "1 entry".to_string(),
                n => format!("{n} entries"),
            }
        ));
        if page < pages {
            reply = reply.line(format!(
                "/quarterly words quarter:{quarter} page:{} shows more.",
                page + 1
            ));
        }
        Ok(reply)
    }
}
