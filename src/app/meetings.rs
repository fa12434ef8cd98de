//! `/meeting add|list|cancel|move|end` and `/schedule`: series, their sessions, and
//! single-session exceptions.

use chrono::{Duration, NaiveDate, NaiveDateTime, Weekday};

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::recurrence::{End, Recurrence, RecurrenceSpec, Repeat};
use crate::domain::role::Action;
use crate::domain::session::SessionStatus;
use crate::domain::text::{self, Field};
use crate::domain::time::{format_local, gap_note, resolve_local};
use crate::store::{self, series as series_store, sessions, sessions::SessionDetail};

use super::input::{SeriesId, SessionId};
use super::{
    authorize, find_group, find_optional_group, record_audit, require_active, Actor, App, AppError, AppResult,
};

/// The options of `/meeting add`.
#[derive(Debug, Clone, Default)]
pub struct MeetingAdd {
    pub group: String,
    /// The first session, local wall time in the group's zone.
    pub when: NaiveDateTime,
    pub repeat: Option<Repeat>,
    /// Weekdays of a weekly series.
    pub days: Option<Vec<Weekday>>,
    /// Every N weeks, with `repeat:weekly`.
    pub every: Option<i64>,
    pub duration: Option<Duration>,
    pub until: Option<NaiveDate>,
    pub count: Option<i64>,
    pub location: Option<String>,
    pub rrule: Option<String>,
}

/// How far ahead a new series is searched for its first session.
const FAR_AHEAD_DAYS: i64 = 3 * 366;

/// The longest a single meeting may last.
const MAX_DURATION_HOURS: i64 = 24;

impl App {
    pub async fn meeting_add(&self, actor: &Actor, input: MeetingAdd) -> AppResult {
        authorize(actor, Action::Organise, "add meetings")?;
        let start_local = input.when;
        let spec = recurrence_spec(&input)?;
        let recurrence = Recurrence::build(start_local, &spec)?;
        let duration = match input.duration {
            Some(duration) => duration,
            None => Duration::minutes(i64::from(self.settings().default_duration_minutes)),
        };
        if duration > Duration::hours(MAX_DURATION_HOURS) {
            return Err(AppError::invalid(
                "A meeting can last at most 24 hours; please give a shorter duration.",
            ));
        }
        let location = match &input.location {
            Some(typed) => text::clean(Field::Location, typed)?.map(text::Clean::into_string),
            None => None,
        };

        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, &input.group).await?;
        require_active(&group)?;
        let first_at = resolve_local(group.zone, start_local);
        if spec.repeat == Repeat::Once && spec.rrule.is_none() && first_at < now {
            return Err(AppError::invalid(format!(
                "{} has already passed. Please give a time in the future.",
                format_local(first_at, group.zone)
            )));
        }
        let new = series_store::NewSeries {
            group_id: group.id,
            repeat: if spec.rrule.is_some() {
                "rrule".into()
            } else {
                spec.repeat.as_str().into()
            },
            rrule: recurrence.rule().to_string(),
            start_local,
            duration_minutes: duration.num_minutes(),
            location,
            created_by: actor.user_id.clone(),
        };
        let series_id = series_store::insert(&mut *tx, &new, now).await?;
        let series = series_store::get(&mut *tx, series_id)
            .await?
            .ok_or_else(|| AppError::internal(&store::StoreError::Corrupt("series vanished".into())))?;
        self.materialise(&mut tx, &series, group.zone, now).await?;
        let upcoming = sessions::upcoming(
            &mut *tx,
            &actor.community_id,
            Some(group.id),
            now,
            self.horizon_end(now),
        )
        .await?
        .into_iter()
        .filter(|s| s.series_id == series_id)
        .collect::<Vec<_>>();
        // Beyond the horizon is fine (its sessions appear as the date comes closer);
        // a rule with no future session at all is a mistake.
        // The rule's first session is `when:` itself; only once that has passed is the
        // next one searched for (a one-off years ahead has no other).
        let first_ahead = match upcoming.first() {
            Some(session) => Some(session.starts_at),
            None if first_at >= now => Some(first_at),
            None => recurrence
                .occurrences(group.zone, now, now + Duration::days(FAR_AHEAD_DAYS), 1)
                .first()
                .map(|o| o.starts_at),
        };
        let Some(first_ahead) = first_ahead else {
            return Err(AppError::invalid(format!(
                "That series ({}) has no sessions from now on, so nothing was added. Check when:, until: and count:.",
                recurrence.describe()
            )));
        };
        record_audit(
            &mut tx,
            actor,
            "series.add",
            format!("series:{series_id}"),
            Some(recurrence.rule().into()),
            now,
        )
        .await?;
        self.commit(tx).await?;

        let mut reply = Reply::private(
            Tone::Done,
            format!("{} meets {}", group.name, recurrence.describe()),
        )
        .line(format!(
            "Series {series_id}: at {} {} for {} min.",
            start_local.format("%H:%M"),
            group.zone.name(),
            duration.num_minutes(),
        ))
        // "Where:", as on the cards: reads for a room, an address and a link alike.
        .lines(
            series
                .location
                .as_deref()
                .map(|l| Text::from(format!("Where: {l}"))),
        );
        if !upcoming.is_empty() {
            reply = reply
                .line(Text::new().strong("Next sessions:"))
                .lines(upcoming.iter().take(4).map(session_line));
        } else {
            let weeks = self.settings().horizon_weeks;
            reply = reply.line(
                Text::new()
                    .plain("The first is on ")
                    .time(first_ahead, group.zone, TimeStyle::Full)
                    .plain(format!(
                        ", more than {weeks} weeks away: sessions are listed, and take answers, from {weeks} weeks before."
                    )),
            );
        }
        if let Some(note) = gap_note(group.zone, start_local) {
            reply = reply.line(note);
        }
        for note in recurrence.notes() {
            reply = reply.line(note);
        }
        if first_at < now {
            reply = reply.line("The first date has passed, so sessions start from the next one.");
        }
        Ok(reply)
    }

    pub async fn meeting_list(&self, actor: &Actor, group: Option<&str>, weeks: Option<i64>) -> AppResult {
        authorize(actor, Action::Browse, "list meetings")?;
        let horizon = i64::from(self.settings().horizon_weeks);
        let weeks = weeks.unwrap_or(4);
        if weeks < 1 {
            return Err(AppError::invalid(format!("weeks: must be from 1 to {horizon}.")));
        }
        let shown_weeks = weeks.min(horizon);
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let group = find_optional_group(&mut conn, &actor.community_id, group).await?;
        let until = now + Duration::weeks(shown_weeks);
        let found = sessions::upcoming(
            &mut *conn,
            &actor.community_id,
            group.as_ref().map(|g| g.id),
            now,
            until,
        )
        .await?;
        let span = match shown_weeks {
            1 => "the next week".to_string(),
            n => format!("the next {n} weeks"),
        };
        let title = match &group {
            Some(g) => format!("{}: {span}", g.name),
            None => format!("All meetings: {span}"),
        };
        let mut reply = Reply::private(Tone::Info, title);
        if found.is_empty() {
            reply = reply.line("No sessions in that time. Coordinators add them with /meeting add.");
        }
        for session in &found {
            let mut line = session_line(session);
            if group.is_none() {
                line = line.plain(format!(" · {}", session.group_name));
            }
            reply = reply.line(line);
        }
        if weeks > horizon {
            reply = reply.line(format!(
                "Sessions are planned {horizon} weeks ahead, so that is as far as this shows."
            ));
        }
        Ok(reply)
    }

    pub async fn meeting_cancel(
        &self,
        actor: &Actor,
        session: SessionId,
        reason: Option<String>,
    ) -> AppResult {
        let id = session.0;
        let reason = match &reason {
            Some(typed) => text::clean(Field::Reason, typed)?.map(text::Clean::into_string),
            None => None,
        };
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let found = changeable_session(&mut tx, actor, id, now).await?;
        // A lead of the group's rota may cancel its sessions too.
        let acting = super::rota::organiser_in_group(&mut tx, actor, found.group_id).await?;
        authorize(&acting, Action::Organise, "cancel sessions")?;
        sessions::cancel(&mut *tx, id, reason.as_deref()).await?;
        super::jobs::sync_session_jobs(&mut tx, id, true, now).await?;
        record_audit(
            &mut tx,
            actor,
            "session.cancel",
            format!("session:{id}"),
            reason.clone(),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(
            Tone::Done,
            format!("Cancelled {} session #{id}", found.group_name),
        )
        .line(
            Text::new()
                .plain("It was due ")
                .time(found.starts_at, found.zone, TimeStyle::Full)
                .plain(". The series goes on."),
        );
        if let Some(reason) = reason {
            reply = reply.line(format!("Reason shown to members: {reason}"));
        }
        Ok(reply)
    }

    pub async fn meeting_move(&self, actor: &Actor, session: SessionId, local: NaiveDateTime) -> AppResult {
        let id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let found = changeable_session(&mut tx, actor, id, now).await?;
        // A lead of the group's rota may move its sessions too.
        let acting = super::rota::organiser_in_group(&mut tx, actor, found.group_id).await?;
        authorize(&acting, Action::Organise, "move sessions")?;
        let starts_at = resolve_local(found.zone, local);
        if starts_at < now {
            return Err(AppError::invalid(format!(
                "{} has already passed. Please move the session to a time in the future.",
                format_local(starts_at, found.zone)
            )));
        }
        let ends_at = starts_at + (found.ends_at - found.starts_at);
        // The time its series gives it: moved back there, it is simply on again, and a
        // second move says where it was first meant to be, not where it was last.
        let series = series_store::get(&mut *tx, found.series_id)
            .await?
            .ok_or_else(|| {
                AppError::internal(&store::StoreError::Corrupt("session without series".into()))
            })?;
        let own_time = resolve_local(found.zone, found.local_date.and_time(series.start_local.time()));
        if starts_at == own_time {
            sessions::move_back(&mut *tx, id, starts_at, ends_at).await?;
        } else {
            let note = format!("Moved from {}", format_local(own_time, found.zone));
            sessions::move_to(&mut *tx, id, starts_at, ends_at, &note).await?;
        }
        super::rota::release_holders_who_cannot_keep(&mut tx, id, now).await?;
        super::jobs::sync_session_jobs(&mut tx, id, true, now).await?;
        record_audit(
            &mut tx,
            actor,
            "session.move",
            format!("session:{id}"),
            Some(local.to_string()),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("Moved {} session #{id}", found.group_name))
                .line(
                    Text::new()
                        .plain("Now ")
                        .time(starts_at, found.zone, TimeStyle::Full)
                        .plain(" (")
                        .time(starts_at, found.zone, TimeStyle::Relative)
                        .plain(")."),
                )
                .line(
                    Text::new()
                        .plain("It was ")
                        .time(found.starts_at, found.zone, TimeStyle::Full)
                        .plain("."),
                )
                .lines(gap_note(found.zone, local).map(Text::from)),
        )
    }

    pub async fn meeting_end(&self, actor: &Actor, series: SeriesId, after: Option<NaiveDate>) -> AppResult {
        authorize(actor, Action::Organise, "end a series")?;
        let id = series.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let not_found = || {
            AppError::NotFound(format!(
                "There is no series {id}. /group info shows a group's series."
            ))
        };
        let series = series_store::get(&mut *tx, id).await?.ok_or_else(not_found)?;
        let group = crate::store::groups::get(&mut *tx, series.group_id)
            .await?
            .ok_or_else(not_found)?;
        if group.community_id != actor.community_id {
            return Err(not_found());
        }
        require_active(&group)?;
        let today = now.with_timezone(&group.zone).date_naive();
        let last = after.unwrap_or(today);
        let starts = series.start_local.date();
        let started = resolve_local(group.zone, series.start_local) <= now;
        if last < starts && started {
            return Err(AppError::invalid(format!(
                "Series {id} started on {}, so it can't end before then.",
                series.start_local.format("%-d %b %Y")
            )));
        }
        if last < starts {
            // Ended before its first session: it never happens. With nobody counting
            // on it, it goes altogether, as if never added; otherwise its sessions end
            // as any ended series' do (cards redrawn, those going told, answers kept).
            if !series_store::in_use(&mut *tx, id).await? {
                series_store::remove(&mut tx, id, "The series was removed before it started.", now).await?;
                record_audit(&mut tx, actor, "series.remove", format!("series:{id}"), None, now).await?;
                self.commit(tx).await?;
                return Ok(
                    Reply::private(Tone::Done, format!("Removed series {id} of {}", group.name)).line(format!(
                        "It hadn't started (its first session was to be on {}) and nobody had answered, so it is gone, with its sessions.",
                        starts.format("%a %-d %b %Y")
                    )),
                );
            }
        }
        let never_starts = last < starts;
        let last = if never_starts {
            starts.pred_opt().unwrap_or(starts)
        } else {
            last
        };
        series_store::set_ended_after(&mut *tx, id, last).await?;
        let series = series_store::Series {
            ended_after: Some(last),
            ..series
        };
        let ended_before = sessions::count_ended(&mut *tx, id, now).await?;
        self.materialise(&mut tx, &series, group.zone, now).await?;
        let ended_now = sessions::count_ended(&mut *tx, id, now).await?;
        let restored = ended_before.saturating_sub(ended_now);
        let newly_ended = ended_now.saturating_sub(ended_before);
        record_audit(
            &mut tx,
            actor,
            "series.end",
            format!("series:{id}"),
            Some(last.to_string()),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply =
            Reply::private(Tone::Done, format!("Series {id} of {} ends", group.name)).line(if never_starts {
                format!(
                    "It hadn't started: none of its sessions will happen (the first was to be on {}).",
                    starts.format("%a %-d %b %Y")
                )
            } else {
                format!(
                    "Its last session is on or before {}; later ones won't happen.",
                    last.format("%a %-d %b %Y")
                )
            });
        if newly_ended > 0 {
            reply =
                reply.line(format!(
                "The channel is told, and members going who get DMs are told by DM. Their answers are kept: \
                 /meeting end series:{id} with a later after: brings {} back as {} {}.",
                if newly_ended == 1 { "that session" } else { "those sessions" },
                if newly_ended == 1 { "it" } else { "they" },
                if newly_ended == 1 { "was" } else { "were" },
            ));
        }
        if restored > 0 {
            reply = reply.line(match restored {
                1 => "1 session that had ended is back, with the answers members gave.".to_string(),
                n => format!("{n} sessions that had ended are back, with the answers members gave."),
            });
        }
        Ok(reply)
    }

    /// Every group's upcoming sessions: the community's directory.
    pub async fn schedule(&self, actor: &Actor, days: Option<i64>) -> AppResult {
        authorize(actor, Action::Browse, "see the schedule")?;
        let max_days = i64::from(self.settings().horizon_weeks) * 7;
        let days = days.unwrap_or(14);
        if !(1..=max_days).contains(&days) {
            return Err(AppError::invalid(format!("days: must be from 1 to {max_days}.")));
        }
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let found = sessions::upcoming(
            &mut *conn,
            &actor.community_id,
            None,
            now,
            now + Duration::days(days),
        )
        .await?;
        let mut reply = Reply::private(Tone::Info, format!("What's on in the next {days} days"));
        if found.is_empty() {
            return Ok(reply.line("Nothing is scheduled in that time. /group list shows every group."));
        }
        let mut groups: Vec<(i64, String, String)> = found
            .iter()
            .map(|s| (s.group_id, s.group_name.clone(), s.channel.clone()))
            .collect();
        groups.sort_by_key(|g| g.1.to_lowercase());
        groups.dedup_by_key(|g| g.0);
        for (group_id, name, channel) in groups {
            reply = reply.line(Text::new().strong(name).plain(" in ").channel(channel));
            for session in found.iter().filter(|s| s.group_id == group_id) {
                reply = reply.line(Text::new().plain("  ").then(session_line(session)));
            }
        }
        Ok(reply)
    }
}

/// The recurrence options, checked for combinations that make no sense.
fn recurrence_spec(input: &MeetingAdd) -> Result<RecurrenceSpec, AppError> {
    // Without repeat:, days: or every: imply weekly; a raw rrule: stands alone.
    let repeat = match input.repeat {
        Some(repeat) => repeat,
        None if input.days.is_some() || input.every.is_some() => Repeat::Weekly,
        None => Repeat::Once,
    };
    let days = input.days.clone();
    let every_weeks = input
        .every
        .map(|n| {
            u32::try_from(n)
                .ok()
                .filter(|n| (1..=52).contains(n))
                .ok_or_else(|| AppError::invalid("every: is a number of weeks from 1 to 52, like every:3."))
        })
        .transpose()?;
    let end = match (input.until, input.count) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "Give until: or count:, not both: a series ends on a date or after a number of sessions.",
            ))
        }
        (Some(until), None) => End::Until(until),
        (None, Some(count)) => {
            let count = u32::try_from(count).ok().filter(|c| *c >= 1).ok_or_else(|| {
                AppError::invalid("count: is how many sessions the series has, so it must be at least 1.")
            })?;
            End::Count(count)
        }
        (None, None) => End::Never,
    };
    let rrule = match &input.rrule {
        Some(typed) => text::clean(Field::Rule, typed)?.map(text::Clean::into_string),
        None => None,
    };
    Ok(RecurrenceSpec {
        repeat,
        days,
        every_weeks,
        end,
        rrule,
    })
}

/// A session that can still be cancelled or moved by this person.
async fn changeable_session(
    conn: &mut store::Conn,
    actor: &Actor,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SessionDetail, AppError> {
    let not_found = || {
        AppError::NotFound(format!(
            "There is no session #{id}. /meeting list shows upcoming sessions with their numbers."
        ))
    };
    let session = sessions::get(&mut *conn, id).await?.ok_or_else(not_found)?;
    if session.community_id != actor.community_id {
        return Err(not_found());
    }
    if session.group_archived {
        return Err(AppError::invalid(format!(
            "\"{}\" is archived, so its sessions can't be changed.",
            session.group_name
        )));
    }
    if session.status == SessionStatus::Cancelled {
        return Err(AppError::invalid(format!("Session #{id} is already cancelled.")));
    }
    if session.starts_at < now {
        return Err(AppError::invalid(format!(
            "Session #{id} has already started or finished, so it can't be changed."
        )));
    }
    Ok(session)
}

/// One session as a line: number, time, length, place and any exception.
fn session_line(session: &SessionDetail) -> Text {
    let minutes = (session.ends_at - session.starts_at).num_minutes();
    let mut line = Text::new()
        .plain(format!("#{} · ", session.id))
        .time(session.starts_at, session.zone, TimeStyle::Full)
        .plain(" (")
        .time(session.starts_at, session.zone, TimeStyle::Relative)
        .plain(format!(") · {minutes} min"));
    if let Some(location) = &session.location {
        line = line.plain(format!(" · {location}"));
    }
    match session.status {
        SessionStatus::Scheduled => line,
        SessionStatus::Cancelled => line.plain(match &session.note {
            Some(reason) => format!(" · CANCELLED: {reason}"),
            None => " · CANCELLED".to_string(),
        }),
        SessionStatus::Moved => line.plain(format!(" · {}", session.note.as_deref().unwrap_or("moved"))),
    }
}
