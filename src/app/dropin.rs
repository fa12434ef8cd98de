//! `/dropin hours|closed|list|status|here|leave`: a drop-in group's opening windows,
//! its closed days, whether it is open now and who is on duty.
//!
//! Each window is stored as a weekly series of the group, so the horizon roll
//! materialises it as sessions and the rota (fill, swaps, duty notices, gap alerts)
//! staffs it unchanged; the window row remembers the weekday and wall times typed.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::dropin::{self, ClosedDay, Hours, Opening, Status, Window};
use crate::domain::group::GroupKind;
use crate::domain::job::{
    dropin_edit_key, dropin_edit_prefix, dropin_late_key, dropin_status_key, JobKind, PlannedJob,
};
use crate::domain::recurrence::{Recurrence, RecurrenceSpec, Repeat};
use crate::domain::role::Action;
use crate::domain::text::{self, Field};
use crate::store::dropin::Duty;
use crate::store::{self, dropin as dropin_store, groups::Group, series as series_store, sessions};

use super::{authorize, find_group, record_audit, require_active, Actor, App, AppError, AppResult};

/// The options of `/dropin hours` that add windows.
#[derive(Debug, Clone)]
pub struct DropinHours {
    pub group: String,
    pub days: Vec<Weekday>,
    pub from: NaiveTime,
    pub to: NaiveTime,
}

fn require_dropin(group: &Group) -> Result<(), AppError> {
    if group.kind == GroupKind::DropIn {
        return Ok(());
    }
    Err(AppError::invalid(format!(
        "{} is a meeting group, not a drop-in. Drop-in hours are for groups made with kind:drop-in.",
        group.name
    )))
}

/// The active drop-in `group` names, for someone who may organise it (a coordinator,
/// or a lead of its rota) to do `doing`.
async fn dropin_to_organise(
    conn: &mut store::Conn,
    actor: &Actor,
    group: &str,
    doing: &str,
) -> Result<Group, AppError> {
    let group = find_group(conn, &actor.community_id, group).await?;
    let seen = super::rota::organiser_in_group(conn, actor, group.id).await?;
    authorize(&seen, Action::Organise, doing)?;
    require_active(&group)?;
    require_dropin(&group)?;
    Ok(group)
}

/// The drop-in `group` names, for one of its facilitators to do `doing` on duty.
async fn dropin_to_staff(
    conn: &mut store::Conn,
    actor: &Actor,
    group: &str,
    doing: &str,
) -> Result<Group, AppError> {
    let group = find_group(conn, &actor.community_id, group).await?;
    let seen = super::rota::actor_in_group(conn, actor, group.id).await?;
    authorize(&seen, Action::Facilitate, doing)?;
    require_dropin(&group)?;
    Ok(group)
}

/// The group's hours and closed days from yesterday (local) on.
async fn load_hours(
    conn: &mut store::Conn,
    group: &Group,
    now: DateTime<Utc>,
) -> Result<(Hours, Vec<ClosedDay>), store::StoreError> {
    let windows = dropin_store::windows(&mut *conn, group.id).await?;
    let hours = Hours::from_stored(windows.into_iter().map(|w| w.window).collect());
    let yesterday = now.with_timezone(&group.zone).date_naive() - Duration::days(1);
    let closed = dropin_store::closed_days(&mut *conn, group.id, yesterday).await?;
    Ok((hours, closed))
}

/// The first date on or after `from` that falls on `day`.
fn next_on(from: NaiveDate, day: Weekday) -> NaiveDate {
    let ahead =
        (7 + i64::from(day.num_days_from_monday()) - i64::from(from.weekday().num_days_from_monday())) % 7;
    from + Duration::days(ahead)
}

/// Why a planned status edit was set aside: the plan was made again.
const REPLANNED: &str = "The hours or duty changed; the edits were planned again.";

/// Queues the status message's post (once per group) and its edits: one now, for
/// this change, and one at each boundary over the horizon, each expiring at the next
/// so that after downtime the status is corrected once, to the present.
pub(crate) async fn plan_status(
    conn: &mut store::Conn,
    group: &Group,
    horizon_end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (hours, closed) = load_hours(conn, group, now).await?;
    let group_ref = group.id.to_string();
    let post = PlannedJob {
        kind: JobKind::DropinStatus,
        dedupe_key: dropin_status_key(group.id),
        target: Some(group.channel.clone()),
        payload: group_ref.clone(),
        due_at: now,
        expires_at: None,
    };
    store::jobs::upsert(&mut *conn, &group.community_id, None, &post, now).await?;
    let prefix = dropin_edit_prefix(group.id);
    store::jobs::skip_pending_keyed(&mut *conn, &prefix, REPLANNED, now).await?;
    let plan = StatusPlan {
        group: group.clone(),
        hours,
        closed,
        after: now,
        until: horizon_end,
    };
    let boundaries = plan.queue(conn, now).await?;
    // This change's own edit, now: a key of its own, so a second change at the same
    // instant still edits after the first edit was sent.
    let change_prefix = format!("{prefix}change:{}:", now.timestamp_micros());
    let earlier = store::jobs::with_prefix(&mut *conn, &change_prefix, 1000)
        .await?
        .len();
    let change = PlannedJob {
        kind: JobKind::DropinStatusEdit,
        dedupe_key: format!("{change_prefix}{earlier}"),
        target: Some(group.channel.clone()),
        payload: group_ref,
        due_at: now,
        expires_at: boundaries.first().copied(),
    };
    store::jobs::upsert(&mut *conn, &group.community_id, None, &change, now).await?;
    Ok(())
}

/// What to plan of one drop-in's status over `(after, until]`.
struct StatusPlan {
    group: Group,
    hours: Hours,
    closed: Vec<ClosedDay>,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl StatusPlan {
    /// Queues an edit of the status at each boundary, each expiring at the next, so
    /// that after downtime only the latest one due is sent; and at each opening's late
    /// check, the coordinators' alert, which looks when it is sent whether anyone came.
    /// Returns the boundaries.
    async fn queue(
        &self,
        conn: &mut store::Conn,
        now: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, AppError> {
        let group = &self.group;
        let boundaries = dropin::boundaries(&self.hours, &self.closed, group.zone, self.after, self.until);
        let mut planned = Vec::with_capacity(boundaries.len());
        let mut at = boundaries.iter().copied().peekable();
        while let Some(due) = at.next() {
            let key = dropin_edit_key(group.id, due);
            // An edit set aside by an earlier plan, and still wanted, waits again.
            store::jobs::revive(&mut *conn, &key, REPLANNED, now).await?;
            planned.push((
                None,
                PlannedJob {
                    kind: JobKind::DropinStatusEdit,
                    dedupe_key: key,
                    target: Some(group.channel.clone()),
                    payload: group.id.to_string(),
                    due_at: due,
                    expires_at: at.peek().copied(),
                },
            ));
        }
        let checks = dropin::late_checks(&self.hours, &self.closed, group.zone, self.after, self.until);
        planned.extend(checks.into_iter().map(|(opening, at)| {
            (
                None,
                PlannedJob {
                    kind: JobKind::DropinLateAlert,
                    dedupe_key: dropin_late_key(group.id, opening.opens_at),
                    target: None,
                    payload: group.id.to_string(),
                    due_at: at,
                    expires_at: Some(opening.closes_at),
                },
            )
        }));
        store::jobs::upsert_many(&mut *conn, &group.community_id, &planned, now).await?;
        Ok(boundaries)
    }
}

/// What is left to plan of a drop-in's status: from its last planned edit to
/// `until`, the last planned one included (planned again, it expires at the first new
/// one); `None` when there is nothing new, or its hours were never set (no edit was
/// planned).
async fn further_plan(
    conn: &mut store::Conn,
    group_id: i64,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<StatusPlan>, AppError> {
    let Some(group) = store::groups::get(&mut *conn, group_id).await? else {
        return Ok(None);
    };
    let Some(last) = store::jobs::last_due_with_prefix(&mut *conn, &dropin_edit_prefix(group.id)).await?
    else {
        return Ok(None);
    };
    if group.archived || last >= until {
        return Ok(None);
    }
    let (hours, closed) = load_hours(conn, &group, now).await?;
    let after = last - Duration::seconds(1);
    let boundaries = dropin::boundaries(&hours, &closed, group.zone, after, until);
    if boundaries.iter().all(|at| *at <= last) {
        return Ok(None);
    }
    Ok(Some(StatusPlan {
        group,
        hours,
        closed,
        after,
        until,
    }))
}

/// `/group edit group: answers:yes|no`: whether a drop-in's cards offer "I might
/// come". Refused for a meeting group, whose cards always offer Going, Maybe, Can't.
pub(super) async fn set_answers(
    conn: &mut store::Conn,
    group: &Group,
    kind: GroupKind,
    answers: bool,
) -> Result<(), AppError> {
    if kind != GroupKind::DropIn {
        return Err(AppError::invalid(format!(
            "answers: is for drop-ins; {}'s cards always offer Going, Maybe and Can't make it. \
             To make it a drop-in, add kind:drop-in.",
            group.name
        )));
    }
    dropin_store::set_answers(&mut *conn, group.id, answers).await?;
    Ok(())
}

/// The note a session cancelled for a closed day shows when no reason was given.
const CLOSED_NOTE: &str = "closed";

/// Of sessions just stored for `group`, cancels those on its closed days (a day closed
/// before the horizon reached it) and returns their ids: they get no jobs and no
/// rota, as if `/dropin closed` had found them stored. Nothing for a meeting group.
pub(super) async fn cancel_on_closed_days(
    conn: &mut store::Conn,
    group: &Group,
    stored: &[(i64, NaiveDate)],
) -> Result<Vec<i64>, AppError> {
    let Some(first) = stored.iter().map(|(_, date)| *date).min() else {
        return Ok(Vec::new());
    };
    if group.kind != GroupKind::DropIn {
        return Ok(Vec::new());
    }
    let closed = dropin_store::closed_days(&mut *conn, group.id, first).await?;
    let mut cancelled = Vec::new();
    for (id, date) in stored {
        if let Some(day) = closed.iter().find(|day| day.date == *date) {
            sessions::cancel(
                &mut *conn,
                *id,
                Some(day.reason.as_deref().unwrap_or(CLOSED_NOTE)),
            )
            .await?;
            cancelled.push(*id);
        }
    }
    Ok(cancelled)
}

/// A drop-in's status at an instant, as every view of it (the status message,
/// `/dropin status`, `/dropin list`, the late alert) reads it.
pub(crate) struct StatusNow {
    pub status: Status,
    /// Who is on duty now (`/dropin here`).
    pub on_duty: Vec<Duty>,
    /// The opening under way, if open.
    pub opening: Option<Opening>,
    /// Open for [`dropin::late_after`] with nobody on its rota and nobody on duty.
    pub late: bool,
}

/// Reads a drop-in's status at `now`: its hours, closed days, who is on duty, and
/// whether the opening under way has anyone on its rota.
pub(crate) async fn status_now(
    conn: &mut store::Conn,
    group: &Group,
    now: DateTime<Utc>,
) -> Result<StatusNow, store::StoreError> {
    let (hours, closed) = load_hours(conn, group, now).await?;
    let on_duty = dropin_store::on_duty(&mut *conn, group.id, now).await?;
    let opening = dropin::current_opening(&hours, &closed, group.zone, now);
    let late = match &opening {
        Some(opening) if on_duty.is_empty() => {
            let on_rota =
                match dropin_store::session_opening_at(&mut *conn, group.id, opening.opens_at).await? {
                    Some(session) => !store::rota::holders(&mut *conn, session).await?.is_empty(),
                    None => false,
                };
            dropin::running_late(opening, on_rota, now)
        }
        _ => false,
    };
    Ok(StatusNow {
        status: dropin::status(&hours, &closed, group.zone, now),
        on_duty,
        opening,
        late,
    })
}

/// The status as one line: open until (or opening a little late), closed today, or
/// closed until the next opening.
pub(crate) fn status_text(now: &StatusNow, zone: chrono_tz::Tz) -> Text {
    let on_duty = now.on_duty.len();
    match &now.status {
        Status::Open { until } if now.late => Text::new()
            .strong("Opening a little late")
            .plain(" · sorry for the wait. Open until ")
            .time(*until, zone, TimeStyle::Full)
            .plain(" (")
            .time(*until, zone, TimeStyle::Relative)
            .plain(")"),
        Status::Open { until } => Text::new()
            .strong("Open now")
            .plain(" until ")
            .time(*until, zone, TimeStyle::Full)
            .plain(" (")
            .time(*until, zone, TimeStyle::Relative)
            .plain(format!(
                ") · {on_duty} {} on duty",
                if on_duty == 1 { "volunteer" } else { "volunteers" }
            )),
        Status::ClosedToday { reason, .. } => Text::new().strong(match reason {
            Some(reason) => format!("Closed today: {reason}"),
            None => "Closed today".to_string(),
        }),
        Status::Closed { next_open: Some(at) } => Text::new()
            .strong("Closed")
            .plain(" · next open ")
            .time(*at, zone, TimeStyle::Full)
            .plain(" (")
            .time(*at, zone, TimeStyle::Relative)
            .plain(")"),
        Status::Closed { next_open: None } => Text::new().strong("Closed").plain(" · no opening hours set"),
    }
}

impl App {
    /// Plans each drop-in's status edits on to the horizon, from the last one planned:
    /// a change plans them only as far as the horizon reached then, and a status left
    /// without edits would go stale. Run with each horizon roll. Looks without the
    /// write lock first; only a group with new boundaries gets a short write, which
    /// looks again under the lock. Returns how many groups it planned further.
    pub(crate) async fn keep_dropin_status_planned(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let until = self.horizon_end(now);
        let mut extended = 0;
        for group_id in dropin_store::active_group_ids(self.pool()).await? {
            let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
            if further_plan(&mut conn, group_id, until, now).await?.is_none() {
                continue;
            }
            drop(conn);
            let mut tx = store::begin_write(self.pool()).await?;
            let Some(plan) = further_plan(&mut tx, group_id, until, now).await? else {
                tx.rollback().await.map_err(store::StoreError::from)?;
                continue;
            };
            plan.queue(&mut tx, now).await?;
            self.commit(tx).await?;
            extended += 1;
        }
        Ok(extended)
    }

    /// `/dropin hours`: `clear:yes` clears the hours; otherwise `days:`, `from:` and
    /// `to:` add a window on each day. The console and Discord both come here.
    pub async fn dropin_hours_command(
        &self,
        actor: &Actor,
        group: String,
        days: Option<Vec<Weekday>>,
        from: Option<NaiveTime>,
        to: Option<NaiveTime>,
        clear: bool,
    ) -> AppResult {
        if clear {
            if days.is_some() || from.is_some() || to.is_some() {
                return Err(AppError::invalid(
                    "Give clear:yes alone, or days:, from: and to: to add hours, not both.",
                ));
            }
            return self.dropin_clear(actor, &group).await;
        }
        let (Some(days), Some(from), Some(to)) = (days, from, to) else {
            return Err(AppError::invalid(
                "Opening hours need days:, from: and to:, for example days:mon,thu from:14:00 to:16:00 (or clear:yes to clear them).",
            ));
        };
        self.dropin_hours(
            actor,
            DropinHours {
                group,
                days,
                from,
                to,
            },
        )
        .await
    }

    /// `/dropin hours group: days: from: to:`: adds a window on each day.
    pub async fn dropin_hours(&self, actor: &Actor, input: DropinHours) -> AppResult {
        let mut windows = Vec::new();
        for day in &input.days {
            windows.push(Window::new(*day, input.from, input.to)?);
        }
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = dropin_to_organise(&mut tx, actor, &input.group, "set drop-in hours").await?;
        let (hours, _) = load_hours(&mut tx, &group, now).await?;
        let hours = hours.with_added(&windows)?;
        let today = now.with_timezone(&group.zone).date_naive();
        for window in &windows {
            let start_local = next_on(today, window.day).and_time(window.from);
            let spec = RecurrenceSpec {
                repeat: Repeat::Weekly,
                days: Some(vec![window.day]),
                ..RecurrenceSpec::default()
            };
            let recurrence = Recurrence::build(start_local, &spec)?;
            let new = series_store::NewSeries {
                group_id: group.id,
                repeat: Repeat::Weekly.as_str().into(),
                rrule: recurrence.rule().to_string(),
                start_local,
                duration_minutes: window.wall_minutes(),
                location: None,
                created_by: actor.user_id.clone(),
            };
            let series_id = series_store::insert(&mut *tx, &new, now).await?;
            dropin_store::insert_window(&mut *tx, group.id, series_id, window).await?;
            let series = series_store::get(&mut *tx, series_id)
                .await?
                .ok_or_else(|| AppError::internal(&store::StoreError::Corrupt("series vanished".into())))?;
            self.materialise(&mut tx, &series, group.zone, now).await?;
            record_audit(
                &mut tx,
                actor,
                "dropin.hours",
                format!("series:{series_id}"),
                Some(window.describe()),
                now,
            )
            .await?;
        }
        plan_status(&mut tx, &group, self.horizon_end(now), now).await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, format!("{} is open", group.name))
            .lines(hours.windows().iter().map(|w| Text::from(w.describe())))
            .line(format!("Times are in {}.", group.zone.name()));
        if windows.iter().any(Window::crosses_midnight) {
            reply = reply.line(format!(
                "{}–{} crosses midnight: it ends the next day.",
                input.from.format("%H:%M"),
                input.to.format("%H:%M")
            ));
        }
        Ok(reply)
    }

    /// `/dropin hours group: clear:yes`: no more windows; sessions ahead end.
    pub async fn dropin_clear(&self, actor: &Actor, group: &str) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = dropin_to_organise(&mut tx, actor, group, "clear drop-in hours").await?;
        let windows = dropin_store::windows(&mut *tx, group.id).await?;
        if windows.is_empty() {
            return Err(AppError::invalid(format!(
                "{} has no opening hours to clear.",
                group.name
            )));
        }
        let today = now.with_timezone(&group.zone).date_naive();
        for stored in &windows {
            let Some(series) = series_store::get(&mut *tx, stored.series_id).await? else {
                continue;
            };
            let last = today.pred_opt().unwrap_or(today);
            series_store::set_ended_after(&mut *tx, series.id, last).await?;
            let series = series_store::Series {
                ended_after: Some(last),
                ..series
            };
            self.materialise(&mut tx, &series, group.zone, now).await?;
        }
        dropin_store::clear_windows(&mut *tx, group.id, now).await?;
        record_audit(
            &mut tx,
            actor,
            "dropin.clear",
            format!("group:{}", group.id),
            None,
            now,
        )
        .await?;
        plan_status(&mut tx, &group, self.horizon_end(now), now).await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("{} has no opening hours now", group.name))
                .line("Add new ones with /dropin hours group: days: from: to:."),
        )
    }

    /// `/dropin closed group: date: [reason:]`: one day closed.
    pub async fn dropin_closed(
        &self,
        actor: &Actor,
        group: &str,
        date: NaiveDate,
        reason: Option<String>,
    ) -> AppResult {
        let reason = match &reason {
            Some(typed) => text::clean(Field::Reason, typed)?.map(text::Clean::into_string),
            None => None,
        };
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = dropin_to_organise(&mut tx, actor, group, "close a drop-in for a day").await?;
        let windows = dropin_store::windows(&mut *tx, group.id).await?;
        let hours = Hours::from_stored(windows.iter().map(|w| w.window).collect());
        if !hours.opens_on(date) {
            return Err(AppError::invalid(format!(
                "{} isn't open on {} anyway, so there is nothing to close.",
                group.name,
                date.format("%a %-d %b %Y")
            )));
        }
        let today = now.with_timezone(&group.zone).date_naive();
        if date < today {
            return Err(AppError::invalid(format!(
                "{} has passed. Please give today or a day ahead.",
                date.format("%a %-d %b %Y")
            )));
        }
        let day = ClosedDay {
            date,
            reason: reason.clone(),
        };
        dropin_store::set_closed_day(&mut *tx, group.id, &day, &actor.user_id, now).await?;
        for stored in &windows {
            for session in sessions::for_series_from(&mut *tx, stored.series_id, date).await? {
                if session.local_date == date {
                    sessions::cancel(
                        &mut *tx,
                        session.id,
                        Some(reason.as_deref().unwrap_or(CLOSED_NOTE)),
                    )
                    .await?;
                    super::jobs::sync_session_jobs(&mut tx, session.id, true, now).await?;
                }
            }
        }
        record_audit(
            &mut tx,
            actor,
            "dropin.closed",
            format!("group:{}", group.id),
            Some(format!("{date} {}", reason.clone().unwrap_or_default())),
            now,
        )
        .await?;
        plan_status(&mut tx, &group, self.horizon_end(now), now).await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(
            Tone::Done,
            format!("{} is closed on {}", group.name, date.format("%a %-d %b %Y")),
        );
        if let Some(reason) = reason {
            reply = reply.line(format!("Reason shown to members: {reason}"));
        }
        Ok(reply)
    }

    /// `/dropin list`: every drop-in group's hours and its status now.
    pub async fn dropin_list(&self, actor: &Actor) -> AppResult {
        authorize(actor, Action::Browse, "list drop-ins")?;
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let groups = store::groups::list(&mut *conn, &actor.community_id, false).await?;
        let mut reply = Reply::private(Tone::Info, "Drop-ins");
        let mut any = false;
        for group in groups
            .iter()
            .filter(|g| g.kind == GroupKind::DropIn && !g.archived)
        {
            any = true;
            let (hours, _) = load_hours(&mut conn, group, now).await?;
            let status = status_now(&mut conn, group, now).await?;
            reply = reply.line(
                Text::new()
                    .strong(group.name.clone())
                    .plain(": ")
                    .then(status_text(&status, group.zone)),
            );
            if hours.windows().is_empty() {
                continue;
            }
            let windows: Vec<String> = hours.windows().iter().map(Window::describe).collect();
            reply = reply.line(format!("{} ({})", windows.join(", "), group.zone.name()));
        }
        if !any {
            reply = reply.line("No drop-in groups yet. /group create name: channel: kind:drop-in makes one.");
        }
        Ok(reply)
    }

    /// `/dropin status group:`: open or closed, until when, and who is on duty.
    pub async fn dropin_status(&self, actor: &Actor, group: &str) -> AppResult {
        authorize(actor, Action::Browse, "see a drop-in's status")?;
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let group = find_group(&mut conn, &actor.community_id, group).await?;
        require_dropin(&group)?;
        let status = status_now(&mut conn, &group, now).await?;
        let mut reply = Reply::private(Tone::Info, group.name.clone()).line(status_text(&status, group.zone));
        let named: Vec<&str> = status
            .on_duty
            .iter()
            .filter(|stint| stint.show_name)
            .map(|stint| stint.display_name.as_str())
            .collect();
        if !named.is_empty() {
            reply = reply.line(format!("On duty: {}", named.join(", ")));
        }
        Ok(reply)
    }

    /// `/dropin here group:`: a facilitator of the group starts duty until the window ends.
    pub async fn dropin_here(&self, actor: &Actor, group: &str) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = dropin_to_staff(&mut tx, actor, group, "go on duty at a drop-in").await?;
        let (hours, closed) = load_hours(&mut tx, &group, now).await?;
        let until = match dropin::status(&hours, &closed, group.zone, now) {
            Status::Open { until } => until,
            Status::ClosedToday { next_open, .. } | Status::Closed { next_open } => {
                let next = match next_open {
                    Some(at) => Text::new()
                        .plain(" The next window opens ")
                        .time(at, group.zone, TimeStyle::Full)
                        .plain("."),
                    None => Text::new().plain(" It has no opening hours yet."),
                };
                return Err(AppError::invalid(
                    Text::new()
                        .plain(format!(
                            "{} isn't open now, so there is no duty to start.",
                            group.name
                        ))
                        .then(next)
                        .to_plain_string(),
                ));
            }
        };
        dropin_store::start_duty(&mut tx, group.id, &actor.user_id, &actor.name, now, until).await?;
        record_audit(
            &mut tx,
            actor,
            "dropin.here",
            format!("group:{}", group.id),
            None,
            now,
        )
        .await?;
        plan_status(&mut tx, &group, self.horizon_end(now), now).await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("You're on duty at {}", group.name)).line(
                Text::new()
                    .plain("Until the window closes ")
                    .time(until, group.zone, TimeStyle::Full)
                    .plain(", or /dropin leave."),
            ),
        )
    }

    /// `/dropin leave group:`: ends the actor's duty now.
    pub async fn dropin_leave(&self, actor: &Actor, group: &str) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = dropin_to_staff(&mut tx, actor, group, "leave duty at a drop-in").await?;
        if !dropin_store::end_duty(&mut tx, group.id, &actor.user_id, now).await? {
            return Err(AppError::invalid(format!(
                "You aren't on duty at {} now.",
                group.name
            )));
        }
        record_audit(
            &mut tx,
            actor,
            "dropin.leave",
            format!("group:{}", group.id),
            None,
            now,
        )
        .await?;
        plan_status(&mut tx, &group, self.horizon_end(now), now).await?;
        self.commit(tx).await?;
        Ok(Reply::private(Tone::Done, format!("You're off duty at {}", group.name)).line("Thank you."))
    }
}
