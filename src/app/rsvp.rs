//! RSVPs and attendance: `/rsvp`, the card buttons (`/click` in the console),
//! `/my sessions`, `/attendance show|mark` and "I'm here".

use chrono::{DateTime, Duration, Utc};

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::dropin::Answers;
use crate::domain::group::Privacy;
use crate::domain::role::Action;
use crate::domain::rsvp::{
    decide_answer, fill_places, settle_answer, taking_answers, Changes, Member, RsvpRules, RsvpState,
};
use crate::domain::session::SessionStatus;
use crate::domain::text::{self, Field};
use crate::store::rsvps::Loaded;
use crate::store::sessions::SessionDetail;
use crate::store::{self, rsvps, sessions};

use super::input::SessionId;
use super::jobs::redraw_card;
use super::rota::actor_in_group;
use super::{authorize, record_audit, Actor, App, AppError, AppResult};

/// How early before a session "I'm here" works.
const CHECK_IN_EARLY: Duration = Duration::minutes(15);

/// A button on a card, as clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Click {
    Rsvp(RsvpState),
    Here,
}

impl Click {
    /// Reads a button id from a card (`rsvp-going:12`, `here:12`), or the console's
    /// `button:` word with the session given apart.
    pub fn parse(button: &str) -> Result<Click, AppError> {
        match button.trim().to_ascii_lowercase().as_str() {
            "rsvp-going" | "going" => Ok(Click::Rsvp(RsvpState::Going)),
            "rsvp-maybe" | "maybe" => Ok(Click::Rsvp(RsvpState::Maybe)),
            "rsvp-cant" | "cant" | "can't" | "not-going" => Ok(Click::Rsvp(RsvpState::NotGoing)),
            "here" => Ok(Click::Here),
            other => Err(AppError::invalid(format!(
                "\"{other}\" isn't a button on a session card. The buttons are going, maybe, cant and here."
            ))),
        }
    }

    /// Splits a card button id into the click and its session: `rsvp-going:12`.
    pub fn parse_id(id: &str) -> Result<(Click, SessionId), AppError> {
        let (button, session) = id.split_once(':').ok_or_else(|| {
            AppError::invalid("That button is from an older card; please use /rsvp instead.")
        })?;
        Ok((Click::parse(button)?, super::input::session(session)?))
    }
}

impl App {
    /// `/rsvp session: state: [every:]` — `every` answers "going" for every later
    /// session of the series too; any one can still be changed.
    pub async fn rsvp(&self, actor: &Actor, session: SessionId, state: RsvpState, every: bool) -> AppResult {
        self.answer(actor, session.0, state, every).await
    }

    /// A click on a card button (or `/click session: button:`).
    pub async fn click(&self, actor: &Actor, session: SessionId, click: Click) -> AppResult {
        let id = session.0;
        match click {
            Click::Rsvp(state) => self.answer(actor, id, state, false).await,
            Click::Here => self.check_in(actor, id).await,
        }
    }

    /// One answer: the session and its answers read once, the whole outcome decided by
    /// [`decide_answer`], the difference written once, all in one write transaction.
    async fn answer(&self, actor: &Actor, session_id: i64, state: RsvpState, every: bool) -> AppResult {
        authorize(actor, Action::Browse, "answer")?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let loaded = community_answers(&mut tx, actor, session_id).await?;
        let member = Member {
            user_id: &actor.user_id,
            name: &actor.name,
            wants_dms: loaded.wanting_dms.contains(&actor.user_id),
        };
        let rules = RsvpRules {
            close_before: Duration::minutes(i64::from(self.settings().rsvp_close_minutes)),
        };
        let offered = Answers::of(loaded.session.kind, loaded.session.dropin_answers);
        offered.allows(state).map_err(AppError::Invalid)?;
        let mut decision = decide_answer(&loaded.answers, member, state, now, rules)
            .map_err(|refused| AppError::Invalid(refused.0))?;
        if offered == Answers::MightCome && state == RsvpState::Maybe {
            decision.told =
                "Thanks: you might come. Drop in any time it's open; no need to tell anyone if plans change."
                    .into();
        }
        if every && state != RsvpState::Going {
            return Err(AppError::invalid(
                "every:yes works with going: it makes you a regular of the series.",
            ));
        }
        let session = loaded.session;
        rsvps::write_changes(&mut tx, &session.community_id, session_id, &decision.changes, now).await?;
        let also = if every {
            self.answer_every(&mut tx, actor, &session, now).await?
        } else {
            0
        };
        self.commit(tx).await?;

        let mut reply = Reply::private(
            Tone::Done,
            format!("{} · session #{session_id}", session.group_name),
        )
        .line(decision.told)
        .line(Text::new().time(session.starts_at, session.zone, TimeStyle::Full));
        if also > 0 {
            reply = reply.line(format!(
                "You're down as going to the next {also} sessions too. You can change any one of them."
            ));
        }
        if decision.state.wants_place() {
            reply = reply.line(if member.wants_dms {
                "Reminders: by DM (/reminders dm off to stop them)."
            } else {
                "Reminders: in the channel only — /reminders dm on to get them by DM."
            });
        }
        Ok(reply)
    }

    /// `every:yes`: makes the member a regular of the series, and going to each of its
    /// sessions after `session` they haven't answered for. Returns how many.
    async fn answer_every(
        &self,
        conn: &mut store::Conn,
        actor: &Actor,
        session: &SessionDetail,
        now: DateTime<Utc>,
    ) -> Result<u32, AppError> {
        rsvps::add_regular(&mut *conn, session.series_id, &actor.user_id, &actor.name, now).await?;
        let horizon = now + Duration::weeks(i64::from(self.settings().horizon_weeks));
        let upcoming = sessions::upcoming(
            &mut *conn,
            &actor.community_id,
            Some(session.group_id),
            now,
            horizon,
        )
        .await?;
        let mut also = 0;
        for other in upcoming {
            // "Every" is from this session on, in the series' own order (a moved
            // session keeps its date): earlier ones keep the answer they had.
            if other.series_id != session.series_id
                || other.id == session.id
                || other.local_date < session.local_date
                || other.status == SessionStatus::Cancelled
            {
                continue;
            }
            let Some(loaded) = rsvps::load_answers(&mut *conn, other.id, &[&actor.user_id]).await? else {
                continue;
            };
            if loaded.answers.answer(&actor.user_id).is_some() {
                // An answer they gave for that one stands.
                continue;
            }
            let member = Member {
                user_id: &actor.user_id,
                name: &actor.name,
                wants_dms: loaded.wanting_dms.contains(&actor.user_id),
            };
            let decision = settle_answer(&loaded.answers, member, RsvpState::Going, now);
            rsvps::write_changes(&mut *conn, &other.community_id, other.id, &decision.changes, now).await?;
            also += 1;
        }
        Ok(also)
    }

    /// "I'm here": self check-in while the session runs.
    async fn check_in(&self, actor: &Actor, session_id: i64) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let session = open_session(&mut tx, actor, session_id).await?;
        if now >= session.ends_at {
            return Err(AppError::invalid(format!(
                "Session #{session_id} has ended, so checking in has closed. If you were there, a \
                 facilitator can still mark you with /attendance mark."
            )));
        }
        if now < session.starts_at - CHECK_IN_EARLY {
            return Err(AppError::invalid(format!(
                "Checking in opens {} minutes before session #{session_id} starts. See you there!",
                CHECK_IN_EARLY.num_minutes()
            )));
        }
        // Until it starts a full session's places are promises: checking in early
        // without one would go past them, ahead of whoever is waiting.
        if let (Some(places), true) = (session.capacity, now < session.starts_at) {
            let mine = rsvps::get(&mut *tx, session_id, &actor.user_id).await?;
            let has_place = mine.is_some_and(|answer| answer.state == RsvpState::Going);
            if !has_place && rsvps::counts(&mut *tx, session_id).await?.going >= places {
                return Err(AppError::invalid(format!(
                    "Session #{session_id} is full, so checking in without a place opens when it starts."
                )));
            }
        }
        rsvps::mark_attended(&mut *tx, session_id, &actor.user_id, &actor.name, now).await?;
        redraw_card(&mut tx, &actor.community_id, session_id, session.ends_at, now).await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("Welcome to {}", session.group_name))
                .line("You're checked in. Glad you're here."),
        )
    }

    /// `/my sessions`: my upcoming answers.
    pub async fn my_sessions(&self, actor: &Actor) -> AppResult {
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let mine = rsvps::for_user(&mut *conn, &actor.community_id, &actor.user_id, now).await?;
        let mut reply = Reply::private(Tone::Info, "Your sessions");
        if mine.is_empty() {
            return Ok(
                reply.line("You haven't answered for any upcoming sessions. /schedule shows what's on.")
            );
        }
        for (session_id, state, position) in mine {
            let Some(session) = sessions::get(&mut *conn, session_id).await? else {
                continue;
            };
            let status = match (state, session.status) {
                (_, SessionStatus::Cancelled) if session.ended => "won't happen".to_string(),
                (_, SessionStatus::Cancelled) => "cancelled".to_string(),
                (RsvpState::Waitlisted, _) => format!("waitlist number {}", position.unwrap_or(1)),
                (state, _) => state.as_str().replace('-', " "),
            };
            reply = reply.line(
                Text::new()
                    .plain(format!("#{session_id} {} · ", session.group_name))
                    .time(session.starts_at, session.zone, TimeStyle::Full)
                    .plain(" (")
                    .time(session.starts_at, session.zone, TimeStyle::Relative)
                    .plain(format!(") · {status}")),
            );
        }
        Ok(reply)
    }

    /// `/attendance show session:` — names, for facilitators and coordinators (and
    /// for everyone in a `public` group). Always private to the person asking.
    pub async fn attendance_show(&self, actor: &Actor, session: SessionId) -> AppResult {
        let id = session.0;
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let session = community_session(&mut conn, actor, id).await?;
        let privacy = session.privacy;
        if privacy != Privacy::Public {
            // A facilitator in the group's pool sees names, whatever the adapter said.
            let seen_as = actor_in_group(&mut conn, actor, session.group_id).await?;
            authorize(&seen_as, Action::Facilitate, "see who is coming")?;
        }
        let answers = rsvps::list(&mut *conn, id).await?;
        let names = |wanted: RsvpState| -> String {
            let list: Vec<String> = answers
                .iter()
                .filter(|r| r.state == wanted)
                .map(|r| {
                    if r.attended {
                        format!("{} ✓", r.display_name)
                    } else {
                        r.display_name.clone()
                    }
                })
                .collect();
            if list.is_empty() {
                "nobody".into()
            } else {
                list.join(", ")
            }
        };
        let attended = answers.iter().filter(|r| r.attended).count();
        Ok(
            Reply::private(Tone::Info, format!("Who's coming: {} #{id}", session.group_name))
                .line(Text::new().time(session.starts_at, session.zone, TimeStyle::Full))
                .line(Text::new().strong("Going: ").plain(names(RsvpState::Going)))
                .line(
                    Text::new()
                        .strong("Waitlist: ")
                        .plain(names(RsvpState::Waitlisted)),
                )
                .line(Text::new().strong("Maybe: ").plain(names(RsvpState::Maybe)))
                .line(format!("Checked in or marked as attended: {attended} (✓)"))
                .line("Only you can see this list."),
        )
    }

    /// `/attendance mark session: users:` — after (or during) a session. `users` are
    /// names as they answered, or Discord mentions/ids, separated by commas.
    pub async fn attendance_mark(&self, actor: &Actor, session: SessionId, users: &str) -> AppResult {
        let id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let session = community_session(&mut tx, actor, id).await?;
        let seen_as = actor_in_group(&mut tx, actor, session.group_id).await?;
        authorize(&seen_as, Action::Facilitate, "mark attendance")?;
        if now < session.starts_at - CHECK_IN_EARLY {
            return Err(AppError::invalid(format!(
                "Session #{id} hasn't started yet; mark attendance during or after it."
            )));
        }
        text::clean(Field::People, users)?;
        let answers = rsvps::list(&mut *tx, id).await?;
        let mut marked = Vec::new();
        let mut walk_ins = Vec::new();
        for typed in users.split([',', ';']).map(str::trim).filter(|t| !t.is_empty()) {
            let mention = typed
                .trim_start_matches("<@")
                .trim_start_matches('!')
                .trim_end_matches('>');
            let found = answers
                .iter()
                .find(|r| r.user_id == mention || r.display_name.eq_ignore_ascii_case(typed))
                .map(|r| (r.user_id.clone(), r.display_name.clone()));
            match found {
                Some((user, name)) => {
                    rsvps::mark_attended(&mut *tx, id, &user, &name, now).await?;
                    marked.push(name);
                }
                None if !mention.is_empty() && mention.chars().all(|c| c.is_ascii_digit()) => {
                    rsvps::mark_attended(&mut *tx, id, mention, mention, now).await?;
                    marked.push(format!("<@{mention}>"));
                }
                // Someone who came without answering first: recorded by the name typed,
                // and listed apart in the reply so a misspelt name is seen at once.
                None => {
                    let name = walk_in_name(typed)?;
                    let user = format!("walk-in:{}", name.to_lowercase());
                    rsvps::mark_attended(&mut *tx, id, &user, &name, now).await?;
                    walk_ins.push(name);
                }
            }
        }
        if marked.is_empty() && walk_ins.is_empty() {
            return Err(AppError::invalid(
                "Who attended? List them like users:\"Sam, Kit\".",
            ));
        }
        record_audit(
            &mut tx,
            actor,
            "attendance.mark",
            format!("session:{id}"),
            Some(format!("{} people", marked.len() + walk_ins.len())),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, format!("Attendance for {} #{id}", session.group_name));
        if !marked.is_empty() {
            reply = reply.line(format!("Marked as attended: {}.", marked.join(", ")));
        }
        if !walk_ins.is_empty() {
            reply = reply.line(format!(
                "Walk-ins (they hadn't answered), recorded by name: {}. If a name is misspelt, it \
                 was not matched to anyone who answered: /attendance show lists their names.",
                walk_ins.join(", ")
            ));
        }
        Ok(reply)
    }
}

/// The longest walk-in name kept, as for other names.
const MAX_WALK_IN_NAME: usize = 64;

/// A walk-in's name as typed, checked: plain text of at most 64 characters.
fn walk_in_name(typed: &str) -> Result<String, AppError> {
    if typed.chars().any(char::is_control) || typed.chars().count() > MAX_WALK_IN_NAME {
        return Err(AppError::invalid(format!(
            "A walk-in's name can be up to {MAX_WALK_IN_NAME} characters of plain text; nothing was marked."
        )));
    }
    Ok(typed.to_string())
}

/// A session of the asker's community, whatever its state.
pub(super) async fn community_session(
    conn: &mut store::Conn,
    actor: &Actor,
    id: i64,
) -> Result<SessionDetail, AppError> {
    match sessions::get(&mut *conn, id).await? {
        Some(session) if session.community_id == actor.community_id => Ok(session),
        _ => Err(no_such_session(id)),
    }
}

/// A session that can still take answers: exists here, group active, not cancelled.
async fn open_session(conn: &mut store::Conn, actor: &Actor, id: i64) -> Result<SessionDetail, AppError> {
    let session = community_session(conn, actor, id).await?;
    taking_answers(&session.facts()).map_err(|refused| AppError::Invalid(refused.0))?;
    Ok(session)
}

/// A session of the asker's community with what an answer to it is decided on.
async fn community_answers(conn: &mut store::Conn, actor: &Actor, id: i64) -> Result<Loaded, AppError> {
    match rsvps::load_answers(&mut *conn, id, &[&actor.user_id]).await? {
        Some(loaded) if loaded.session.community_id == actor.community_id => Ok(loaded),
        _ => Err(no_such_session(id)),
    }
}

fn no_such_session(id: i64) -> AppError {
    AppError::NotFound(format!(
        "There is no session #{id} (it may have been removed). /meeting list shows upcoming sessions."
    ))
}

/// Fills free places from the waitlist, in order, and tells those promoted (after
/// the group's capacity grew, say).
pub(crate) async fn promote(
    conn: &mut store::Conn,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(loaded) = rsvps::load_answers(&mut *conn, session_id, &[]).await? else {
        return Ok(());
    };
    let changes = fill_places(&loaded.answers, now);
    rsvps::write_changes(
        &mut *conn,
        &loaded.session.community_id,
        session_id,
        &changes,
        now,
    )
    .await?;
    Ok(())
}

/// Regulars of a series are going to each new session of it, as places allow, in the
/// order they became regulars.
/// `regulars` are the series' regulars as (user, name), read once by the caller for
/// all the new sessions of a series.
pub(crate) async fn apply_regulars(
    conn: &mut store::Conn,
    regulars: &[(String, String)],
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if regulars.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = regulars.iter().map(|(user, _)| user.as_str()).collect();
    let Some(mut loaded) = rsvps::load_answers(&mut *conn, session_id, &ids).await? else {
        return Ok(());
    };
    let mut changes = Changes::default();
    for (user, name) in regulars {
        let member = Member {
            user_id: user,
            name,
            wants_dms: loaded.wanting_dms.contains(user),
        };
        let decision = settle_answer(&loaded.answers, member, RsvpState::Going, now);
        loaded.answers.apply(&decision.changes);
        changes.merge(decision.changes);
    }
    rsvps::write_changes(
        &mut *conn,
        &loaded.session.community_id,
        session_id,
        &changes,
        now,
    )
    .await?;
    Ok(())
}
