//! The facilitator rota: `/rota facilitator add|remove`, `show`, `mine`, `away`,
//! `back`, `fill`, `assign`, `unassign`, `swap`, `take`, `confirm`, `decline`,
//! `approve`, `settings`, `me`, and the rota's buttons; plus the fill the horizon roll
//! runs as sessions are materialised.
//!
//! The app, not the adapter, decides each actor's standing in a group from the stored
//! pool: a member of the pool is a facilitator of that group, a lead may manage its
//! rota, a coordinator may do everything. Each change is one transaction with its
//! audit entry, and every message it causes is a job (so it is sent exactly once).

use std::collections::HashMap;

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, Utc};

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::group::parse_channel;
use crate::domain::job::{
    duty_notice_key, gap_alert_dm_key, gap_alert_key, gap_alert_key_prefix, open_shift_key,
    open_shift_key_prefix, redraw_key, rota_note_key, JobKind, JobState, PlannedJob,
};
use crate::domain::role::{Action, Role};
use crate::domain::rota::{
    self, check_assign, fill, month_of, parse_cap, AssignmentState, Facilitator, How, Refusal, Rota, Served,
    Shift, SwapApproval, DUTY_NOTICE_BEFORE, GAP_ALERT_STEPS, OFFER_REMINDER_STEPS, TRAILING,
};
use crate::domain::session::SessionStatus;
use crate::domain::time::{resolve_local, Tz};
use crate::store::groups::{self as group_store, Group};
use crate::store::rota::{self as rota_store, OfferKind, OfferState, PoolMember, RotaSettings};
use crate::store::sessions::{self, SessionDetail};
use crate::store::{self, audit, communities, jobs, StoreError};

use super::input::SessionId;
use super::jobs::redraw_card;
use super::{
    authorize, find_group, find_optional_group, record_audit, require_active, Actor, App, AppError, AppResult,
};

/// Someone named in a command, as the adapter resolved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub user_id: String,
    pub name: String,
    /// Whether they are a member of the community (on Discord: of the server).
    pub member: bool,
}

/// A rota button, as clicked (or `/click session: button:` in the console).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotaButton {
    Take,
    Confirm,
    Decline,
    Approve,
}

impl RotaButton {
    /// Reads a rota button id (`rota-take:12`) into the button and its session, or
    /// `None` when it is not a rota button.
    pub fn parse_id(id: &str) -> Option<(RotaButton, String)> {
        let (button, session) = id.split_once(':')?;
        let button = RotaButton::parse(button.strip_prefix("rota-")?)?;
        Some((button, session.to_string()))
    }

    /// The console's `button:` word.
    pub fn parse(word: &str) -> Option<RotaButton> {
        let word = word.trim().to_ascii_lowercase();
        match word.strip_prefix("rota-").unwrap_or(&word) {
            "take" | "take-shift" => Some(RotaButton::Take),
            "confirm" => Some(RotaButton::Confirm),
            "decline" | "cant-do-it" => Some(RotaButton::Decline),
            "approve" => Some(RotaButton::Approve),
            _ => None,
        }
    }
}

/// The inputs of `/rota settings`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotaSettingsInput {
    pub group: String,
    pub auto_fill: Option<bool>,
    pub swap_approval: Option<SwapApproval>,
    /// `Some(None)` clears it.
    pub rota_channel: Option<Option<String>>,
}

/// The rota settings `/group edit` can change too (`rota:`, `swap_approval:`,
/// `rota_channel:`), as `/rota settings` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotaChanges {
    pub auto_fill: Option<bool>,
    pub swap_approval: Option<SwapApproval>,
    /// A channel, or `none` to go back to DMs.
    pub rota_channel: Option<String>,
}

/// Applies `/group edit`'s rota settings in its transaction; returns what changed.
pub(crate) async fn apply_rota_changes(
    conn: &mut store::Conn,
    group: &Group,
    changes: &RotaChanges,
) -> Result<Vec<&'static str>, AppError> {
    let mut changed = Vec::new();
    if *changes == RotaChanges::default() {
        return Ok(changed);
    }
    let mut settings = rota_store::settings(&mut *conn, group.id).await?;
    if let Some(auto) = changes.auto_fill {
        settings.auto_fill = auto;
        changed.push("rota");
    }
    if let Some(approval) = changes.swap_approval {
        settings.swap_approval = approval;
        changed.push("swap approval");
    }
    if let Some(channel) = &changes.rota_channel {
        settings.rota_channel = match channel.trim() {
            c if c.eq_ignore_ascii_case("none") => None,
            c => Some(parse_channel(c)?),
        };
        changed.push("rota channel");
    }
    rota_store::save_settings(&mut *conn, group.id, &settings).await?;
    Ok(changed)
}

/// An actor's standing in one group, from the stored pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Standing {
    pub role: Role,
    pub lead: bool,
    pub in_pool: bool,
}

/// How someone stands in a group: a coordinator as they are; a member of the pool is
/// a facilitator of it (a lead if so marked); anyone else as the adapter said.
pub(crate) async fn standing(
    conn: &mut store::Conn,
    actor: &Actor,
    group_id: i64,
) -> Result<Standing, AppError> {
    let member = rota_store::pool_member(&mut *conn, group_id, &actor.user_id).await?;
    Ok(Standing {
        role: match &member {
            Some(_) => actor.role.max(Role::Facilitator),
            None => actor.role,
        },
        lead: member.as_ref().is_some_and(|m| m.lead),
        in_pool: member.is_some(),
    })
}

/// The actor as they stand in a group: what the permission checks of that group use.
pub(crate) async fn actor_in_group(
    conn: &mut store::Conn,
    actor: &Actor,
    group_id: i64,
) -> Result<Actor, AppError> {
    let standing = standing(conn, actor, group_id).await?;
    Ok(Actor {
        role: standing.role,
        ..actor.clone()
    })
}

/// The actor as a group-level edit of `group_id` sees them: a lead of its pool may
/// make that group's edits (cancel or move its sessions, its settings and reminder
/// times), as the design's permission table says; everyone else as they are.
pub(crate) async fn organiser_in_group(
    conn: &mut store::Conn,
    actor: &Actor,
    group_id: i64,
) -> Result<Actor, AppError> {
    let standing = standing(conn, actor, group_id).await?;
    Ok(Actor {
        role: if standing.lead {
            Role::Coordinator
        } else {
            standing.role
        },
        ..actor.clone()
    })
}

/// Coordinators, and a group's leads for their own group, manage its rota.
async fn require_manager(
    conn: &mut store::Conn,
    actor: &Actor,
    group: &Group,
    doing: &str,
) -> Result<(), AppError> {
    if actor.role == Role::Coordinator || standing(conn, actor, group.id).await?.lead {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "Only a coordinator, or a lead facilitator of {}, can {doing}. If this needs doing, please ask one of them.",
        group.name
    )))
}

fn no_such_session(id: i64) -> AppError {
    AppError::NotFound(format!(
        "There is no session #{id} (it may have been removed). /meeting list shows upcoming sessions."
    ))
}

/// A session of the actor's community with its group.
async fn rota_session(
    conn: &mut store::Conn,
    actor: &Actor,
    session_id: i64,
) -> Result<(SessionDetail, Group), AppError> {
    let session = match sessions::get(&mut *conn, session_id).await? {
        Some(s) if s.community_id == actor.community_id => s,
        _ => return Err(no_such_session(session_id)),
    };
    let group = group_store::get(&mut *conn, session.group_id)
        .await?
        .ok_or_else(|| no_such_session(session_id))?;
    Ok((session, group))
}

/// A session whose shifts can still change hands.
fn require_upcoming(session: &SessionDetail, now: DateTime<Utc>) -> Result<(), AppError> {
    if session.status == SessionStatus::Cancelled {
        return Err(AppError::invalid(format!(
            "Session #{} was cancelled, so there is no shift to take or change.",
            session.id
        )));
    }
    if session.group_archived {
        return Err(AppError::invalid(format!(
            "{} is archived, so its rota can't change.",
            session.group_name
        )));
    }
    if now >= session.starts_at {
        return Err(AppError::invalid(format!(
            "Session #{} has already started, so its shifts can't change hands now.",
            session.id
        )));
    }
    Ok(())
}

fn facilitators_of(pool: &[PoolMember]) -> Vec<Facilitator> {
    pool.iter()
        .map(|m| Facilitator {
            user_id: m.user_id.clone(),
            lead: m.lead,
            monthly_cap: m.monthly_cap,
        })
        .collect()
}

fn shift_of(row: &rota_store::ShiftRow, needed: u32) -> Shift {
    Shift {
        session_id: row.session_id,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        needed,
        holders: row
            .assignments
            .iter()
            .filter(|a| a.state.holds())
            .map(|a| a.user_id.clone())
            .collect(),
        excluded: row
            .assignments
            .iter()
            .filter(|a| !a.state.holds())
            .map(|a| a.user_id.clone())
            .collect(),
    }
}

/// A group's rota as the domain wants it, loaded once.
struct Loaded {
    pool: Vec<PoolMember>,
    /// Sessions whose jobs are planned (inside the job window): only these get their
    /// duty notices and gap alerts now; the others get them as they enter it.
    planned: std::collections::HashSet<i64>,
    facilitators: Vec<Facilitator>,
    away: Vec<rota::Away>,
    shifts: Vec<Shift>,
    served: HashMap<String, Served>,
    month_before: HashMap<(String, (i32, u32)), u32>,
}

impl Loaded {
    fn rota(&self, zone: Tz) -> Rota<'_> {
        Rota {
            zone,
            pool: &self.facilitators,
            away: &self.away,
            shifts: &self.shifts,
            month_before: &self.month_before,
        }
    }
}

/// A group's rota as a decision about one session needs it: through the end of that
/// session's month, so a monthly cap counts the shifts held later in the month as
/// well as those before it.
async fn load_rota_for(
    conn: &mut store::Conn,
    group: &Group,
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
) -> Result<Loaded, AppError> {
    // A month is at most 31 days, wherever in it the session falls.
    load_rota(conn, group, now, starts_at + Duration::days(32)).await
}

async fn load_rota(
    conn: &mut store::Conn,
    group: &Group,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Loaded, AppError> {
    let pool = rota_store::pool(&mut *conn, group.id).await?;
    if pool.is_empty() {
        return Ok(Loaded {
            pool,
            planned: Default::default(),
            facilitators: Vec::new(),
            away: Vec::new(),
            shifts: Vec::new(),
            served: HashMap::new(),
            month_before: HashMap::new(),
        });
    }
    let away = rota_store::away_for_group(&mut *conn, &group.community_id, group.id, now).await?;
    let rows = rota_store::shifts(&mut *conn, group.id, now, until).await?;
    let shifts = rows
        .iter()
        .map(|r| shift_of(r, group.facilitators_needed))
        .collect();
    let planned = rows
        .iter()
        .filter(|r| r.jobs_planned)
        .map(|r| r.session_id)
        .collect();
    let mut served: HashMap<String, Served> = HashMap::new();
    let mut month_before: HashMap<(String, (i32, u32)), u32> = HashMap::new();
    for (user, at) in rota_store::held_between(&mut *conn, group.id, now - TRAILING, now).await? {
        *month_before
            .entry((user.clone(), month_of(at, group.zone)))
            .or_default() += 1;
        let entry = served.entry(user).or_default();
        entry.count += 1;
        entry.last = Some(entry.last.map_or(at, |l| l.max(at)));
    }
    Ok(Loaded {
        facilitators: facilitators_of(&pool),
        pool,
        planned,
        away,
        shifts,
        served,
        month_before,
    })
}

/// The pool members who could take a place on a session now: not on it, not away,
/// not at their cap. (Who hears about an open shift or a gap.)
fn could_take(rota: &Rota<'_>, session_id: i64, pool: &[PoolMember], except: &str) -> Vec<PoolMember> {
    pool.iter()
        .filter(|m| m.user_id != except)
        .filter(|m| {
            !matches!(
                check_assign(rota, session_id, &m.user_id),
                Err(Refusal::Away | Refusal::OverCap { .. } | Refusal::AlreadyOn | Refusal::NotInPool)
            )
        })
        .cloned()
        .collect()
}

/// What one fill did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Filled {
    pub assigned: usize,
    pub gaps: Vec<(i64, u32)>,
    pub sessions: usize,
}

/// Fills a group's open places up to `until`, in the caller's transaction: the fill
/// decided whole by [`rota::fill`], its assignments written in one statement, a duty
/// notice for each, gap alerts for places nobody could take, cards redrawn.
///
/// `only` limits the places filled to those sessions (the horizon roll fills just the
/// sessions it added: a place someone gave back is the pool's to take, not the
/// roll's to hand out); every shift still counts towards each person's share.
pub(crate) async fn fill_group(
    conn: &mut store::Conn,
    group: &Group,
    until: DateTime<Utc>,
    only: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<Filled, AppError> {
    let mut loaded = load_rota(conn, group, now, until).await?;
    if loaded.pool.is_empty() {
        return Ok(Filled::default());
    }
    if let Some(only) = only {
        for shift in &mut loaded.shifts {
            if !only.contains(&shift.session_id) {
                // Needs no more than it has: counted, not filled.
                shift.needed = shift.holders.len() as u32;
            }
        }
    }
    let plan = fill(&loaded.rota(group.zone), &loaded.served);
    rota_store::insert_assignments(&mut *conn, &plan.assign, How::Auto, now).await?;
    let by_id: HashMap<i64, &Shift> = loaded.shifts.iter().map(|s| (s.session_id, s)).collect();
    let mut planned = Vec::new();
    for (session_id, user) in &plan.assign {
        if !loaded.planned.contains(session_id) {
            continue;
        }
        if let Some(shift) = by_id.get(session_id) {
            planned.push((
                Some(*session_id),
                duty_notice(shift.starts_at, *session_id, user, now),
            ));
        }
    }
    for (session_id, _) in &plan.gaps {
        if !loaded.planned.contains(session_id) {
            continue;
        }
        if let Some(shift) = by_id.get(session_id) {
            let hear = could_take(&loaded.rota(group.zone), *session_id, &loaded.pool, "");
            planned.extend(
                gap_alerts(shift.starts_at, *session_id, &hear, now)
                    .into_iter()
                    .map(|job| (Some(*session_id), job)),
            );
        }
    }
    jobs::upsert_many(&mut *conn, &group.community_id, &planned, now).await?;
    let mut touched: Vec<i64> = plan.assign.iter().map(|(s, _)| *s).collect();
    touched.dedup();
    for session_id in &touched {
        if let Some(shift) = by_id.get(session_id) {
            redraw_card(conn, &group.community_id, *session_id, shift.ends_at, now).await?;
        }
    }
    Ok(Filled {
        assigned: plan.assign.len(),
        gaps: plan.gaps,
        sessions: loaded.shifts.len(),
    })
}

/// The duty notice of one facilitator's shift: a DM before it, never after it starts.
fn duty_notice(starts_at: DateTime<Utc>, session_id: i64, user: &str, now: DateTime<Utc>) -> PlannedJob {
    PlannedJob {
        kind: JobKind::DutyNotice,
        dedupe_key: duty_notice_key(session_id, user),
        target: Some(user.to_string()),
        payload: String::new(),
        due_at: (starts_at - DUTY_NOTICE_BEFORE).max(now),
        expires_at: Some(starts_at),
    }
}

/// A holder's duty notice, once the session's jobs are planned (before then, it is
/// planned with them as the session enters the job window).
async fn queue_duty_notice(
    conn: &mut store::Conn,
    session: &SessionDetail,
    user: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if session.plan_jobs_at.is_some() {
        return Ok(());
    }
    let job = duty_notice(session.starts_at, session.id, user, now);
    jobs::upsert(&mut *conn, &session.community_id, Some(session.id), &job, now).await?;
    Ok(())
}

/// Releases a member's shifts still to come (in one group, or in all): each place is
/// open again and its session settled, so its gap alerts follow. Returns how many.
pub(crate) async fn release_future_shifts(
    conn: &mut store::Conn,
    community_id: &str,
    user_id: &str,
    group_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut released = 0;
    for (session_id, state) in rota_store::shifts_of_user(&mut *conn, community_id, user_id, now).await? {
        let Some(session) = sessions::get(&mut *conn, session_id).await? else {
            continue;
        };
        if group_id.is_some_and(|id| session.group_id != id) || !state.holds() {
            continue;
        }
        rota_store::unassign(&mut *conn, session_id, user_id).await?;
        rota_store::withdraw_offers(&mut *conn, session_id, user_id, now).await?;
        settle_session(conn, &session, now).await?;
        released += 1;
    }
    Ok(released)
}

/// Plans the rota messages of sessions whose jobs have just been planned (they entered
/// the job window), in the caller's transaction. Sessions of groups without a pool
/// cost one query.
pub(crate) async fn plan_entering_window(
    conn: &mut store::Conn,
    session_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for id in session_ids {
        let Some(session) = sessions::get(&mut *conn, *id).await? else {
            continue;
        };
        if session.status == SessionStatus::Cancelled || session.group_archived {
            continue;
        }
        let Some(group) = group_store::get(&mut *conn, session.group_id).await? else {
            continue;
        };
        resync_session(conn, &session, &group, now).await?;
    }
    Ok(())
}

/// A session's gap alerts: one per step whose window (from its time to the next
/// step's) has not passed, due at its time or now. Each is sent at most once; at
/// sending it checks the gap is still there.
/// The pool hears by DM at the same steps (each member who could take it, as
/// checked when it is sent).
fn gap_alerts(
    starts_at: DateTime<Utc>,
    session_id: i64,
    pool: &[PoolMember],
    now: DateTime<Utc>,
) -> Vec<PlannedJob> {
    let mut planned = Vec::new();
    for (i, (step, before)) in GAP_ALERT_STEPS.iter().enumerate() {
        let window_end = GAP_ALERT_STEPS
            .get(i + 1)
            .map_or(starts_at, |(_, next)| starts_at - *next);
        if now >= window_end {
            continue;
        }
        let due_at = (starts_at - *before).max(now);
        planned.push(PlannedJob {
            kind: JobKind::GapAlert,
            dedupe_key: gap_alert_key(session_id, step),
            target: None,
            payload: (*step).to_string(),
            due_at,
            expires_at: Some(starts_at),
        });
        planned.extend(pool.iter().map(|member| PlannedJob {
            kind: JobKind::GapAlertDm,
            dedupe_key: gap_alert_dm_key(session_id, step, &member.user_id),
            target: Some(member.user_id.clone()),
            payload: (*step).to_string(),
            due_at,
            expires_at: Some(starts_at),
        }));
    }
    planned
}

/// After a session's holders changed: gap alerts planned if it is short, posted
/// alerts redrawn (to say the gap closed, or is open again), and its card redrawn.
async fn settle_session(
    conn: &mut store::Conn,
    session: &SessionDetail,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let needed = group_store::get(&mut *conn, session.group_id)
        .await?
        .map_or(0, |g| g.facilitators_needed);
    let held = rota_store::holders(&mut *conn, session.id).await?.len() as u32;
    let community = &session.community_id;
    if held < needed && session.starts_at > now && session.plan_jobs_at.is_none() {
        let hear = match group_store::get(&mut *conn, session.group_id).await? {
            Some(group) => {
                let loaded = load_rota_for(conn, &group, now, session.starts_at).await?;
                could_take(&loaded.rota(group.zone), session.id, &loaded.pool, "")
            }
            None => Vec::new(),
        };
        for job in gap_alerts(session.starts_at, session.id, &hear, now) {
            jobs::upsert(&mut *conn, community, Some(session.id), &job, now).await?;
        }
    }
    // Alerts already out (in the channel, and by DM) are redrawn: to say the gap
    // closed, or that it is open again.
    let posted =
        jobs::sent_keys_with_prefix(&mut *conn, session.id, &gap_alert_key_prefix(session.id)).await?;
    redraw_posts(conn, session, JobKind::GapAlertEdit, &posted, now).await?;
    redraw_card(conn, community, session.id, session.ends_at, now).await?;
    Ok(())
}

/// A session was cancelled (or ended with its series): its offers are withdrawn and
/// its open shifts and gap alerts already out are redrawn to say it is off.
pub(crate) async fn session_cancelled(
    conn: &mut store::Conn,
    session: &SessionDetail,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut posted =
        jobs::sent_keys_with_prefix(&mut *conn, session.id, &gap_alert_key_prefix(session.id)).await?;
    let gap_posts = posted.len();
    for offer in rota_store::live_offers(&mut *conn, session.id).await? {
        posted.extend(
            jobs::sent_keys_with_prefix(&mut *conn, session.id, &open_shift_key_prefix(offer.id)).await?,
        );
        rota_store::withdraw_offers(&mut *conn, session.id, &offer.from_user, now).await?;
    }
    let (gaps, offers) = posted.split_at(gap_posts);
    redraw_posts(conn, session, JobKind::GapAlertEdit, gaps, now).await?;
    redraw_posts(conn, session, JobKind::OpenShiftEdit, offers, now).await?;
    Ok(())
}

/// Plans (or re-times) the rota messages of a session whose jobs are planned: its
/// holders' duty notices and, if it is short, its gap alerts. Called as its jobs are
/// planned (it entered the job window) and when it moves or its group changes.
pub(crate) async fn resync_session(
    conn: &mut store::Conn,
    session: &SessionDetail,
    group: &Group,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if session.starts_at <= now {
        return Ok(());
    }
    let loaded = load_rota_for(conn, group, now, session.starts_at).await?;
    if loaded.pool.is_empty() {
        return Ok(());
    }
    let holders: Vec<String> = rota_store::holders(&mut *conn, session.id)
        .await?
        .into_iter()
        .map(|h| h.user_id)
        .collect();
    let mut planned: Vec<(Option<i64>, PlannedJob)> = holders
        .iter()
        .map(|user| {
            (
                Some(session.id),
                duty_notice(session.starts_at, session.id, user, now),
            )
        })
        .collect();
    if (holders.len() as u32) < group.facilitators_needed {
        let hear = could_take(&loaded.rota(group.zone), session.id, &loaded.pool, "");
        planned.extend(
            gap_alerts(session.starts_at, session.id, &hear, now)
                .into_iter()
                .map(|job| (Some(session.id), job)),
        );
    }
    jobs::upsert_many(&mut *conn, &group.community_id, &planned, now).await?;
    Ok(())
}

/// Asks for rota messages already out (their jobs' keys) to be redrawn from current
/// data, a moment from now.
async fn redraw_posts(
    conn: &mut store::Conn,
    session: &SessionDetail,
    kind: JobKind,
    posted: &[String],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for key in posted {
        let edit = PlannedJob {
            kind,
            dedupe_key: redraw_key(key),
            target: None,
            payload: key.clone(),
            due_at: now,
            expires_at: Some(session.ends_at.max(now) + Duration::hours(1)),
        };
        jobs::rearm(&mut *conn, &session.community_id, Some(session.id), &edit, now).await?;
    }
    Ok(())
}

/// A short DM about the rota to one person.
fn note(session: &SessionDetail, about: &str, user: &str, text: String, now: DateTime<Utc>) -> PlannedJob {
    PlannedJob {
        kind: JobKind::RotaNote,
        dedupe_key: rota_note_key(about, user),
        target: Some(user.to_string()),
        payload: text,
        due_at: now,
        expires_at: Some(session.starts_at),
    }
}

/// Offers a session's shift to the pool: a post with Take shift in the rota channel,
/// or a DM to each pool member who is free and under their cap; reminders of it at
/// 3 days and 1 day before, while nobody has taken it.
async fn post_offer(
    conn: &mut store::Conn,
    session: &SessionDetail,
    group: &Group,
    offer_id: i64,
    from_user: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let settings = rota_store::settings(&mut *conn, group.id).await?;
    let targets: Vec<(JobKind, String)> = match settings.rota_channel {
        Some(channel) => vec![(JobKind::OpenShift, channel)],
        None => {
            let loaded = load_rota_for(conn, group, now, session.starts_at).await?;
            could_take(&loaded.rota(group.zone), session.id, &loaded.pool, from_user)
                .into_iter()
                .map(|m| (JobKind::OpenShiftDm, m.user_id))
                .collect()
        }
    };
    let mut planned = Vec::new();
    for (kind, to) in &targets {
        planned.push(PlannedJob {
            kind: *kind,
            dedupe_key: open_shift_key(offer_id, "now", to),
            target: Some(to.clone()),
            payload: offer_id.to_string(),
            due_at: now,
            expires_at: Some(session.starts_at),
        });
        for (step, before) in OFFER_REMINDER_STEPS {
            let due = session.starts_at - before;
            if due > now {
                planned.push(PlannedJob {
                    kind: *kind,
                    dedupe_key: open_shift_key(offer_id, step, to),
                    target: Some(to.clone()),
                    payload: format!("{offer_id}:{step}"),
                    due_at: due,
                    expires_at: Some(session.starts_at),
                });
            }
        }
    }
    let planned: Vec<(Option<i64>, PlannedJob)> =
        planned.into_iter().map(|j| (Some(session.id), j)).collect();
    jobs::upsert_many(&mut *conn, &group.community_id, &planned, now).await?;
    Ok(())
}

/// "Can't do it", or time away over a shift: the place is open again at once and
/// offered to the pool; the person is not put back on it by a fill.
async fn release(
    conn: &mut store::Conn,
    session: &SessionDetail,
    group: &Group,
    user: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    rota_store::set_state(&mut *conn, session.id, user, AssignmentState::Declined, now).await?;
    rota_store::withdraw_offers(&mut *conn, session.id, user, now).await?;
    let offer = rota_store::create_offer(&mut *conn, session.id, user, OfferKind::Release, now).await?;
    post_offer(conn, session, group, offer, user, now).await?;
    settle_session(conn, session, now).await
}

/// After a session's time changed (a move, a new zone): whoever holds a place on it
/// but may not keep it at its new time (away then, or past their monthly cap in its
/// month) gives it back to the pool, as if the change had come before the fill.
pub(crate) async fn release_holders_who_cannot_keep(
    conn: &mut store::Conn,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(session) = sessions::get(&mut *conn, session_id).await? else {
        return Ok(());
    };
    if session.starts_at <= now {
        return Ok(());
    }
    let holders = rota_store::holders(&mut *conn, session_id).await?;
    if holders.is_empty() {
        return Ok(());
    }
    let Some(group) = group_store::get(&mut *conn, session.group_id).await? else {
        return Ok(());
    };
    let loaded = load_rota_for(conn, &group, now, session.starts_at).await?;
    let leaving: Vec<String> = holders
        .into_iter()
        .map(|h| h.user_id)
        .filter(|user| !rota::may_keep(&loaded.rota(group.zone), session_id, user))
        .collect();
    for user in leaving {
        release(conn, &session, &group, &user, now).await?;
    }
    Ok(())
}

fn yes_no(on: bool) -> &'static str {
    if on {
        "yes"
    } else {
        "no"
    }
}

impl App {
    /// `/rota facilitator add group: user: [lead:] [monthly_cap:]`
    pub async fn rota_facilitator_add(
        &self,
        actor: &Actor,
        group: &str,
        user: Person,
        lead: bool,
        monthly_cap: Option<i64>,
    ) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        require_active(&group)?;
        require_manager(&mut tx, actor, &group, "add facilitators").await?;
        if !user.member {
            return Err(AppError::invalid(format!(
                "{} isn't a member of this community, so they can't join {}'s rota. Ask them to join the \
                 server first, then add them again.",
                user.name, group.name
            )));
        }
        let monthly_cap = monthly_cap
            .map(parse_cap)
            .transpose()
            .map_err(AppError::Invalid)?;
        let member = PoolMember {
            user_id: user.user_id.clone(),
            name: user.name.clone(),
            lead,
            monthly_cap,
        };
        rota_store::add_facilitator(&mut *tx, group.id, &member, now).await?;
        let detail = format!(
            "lead:{} monthly_cap:{}",
            yes_no(lead),
            monthly_cap.map_or("none".to_string(), |c| c.to_string())
        );
        record_audit(
            &mut tx,
            actor,
            "rota.facilitator.add",
            format!("group:{} user:{}", group.id, user.user_id),
            Some(detail),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, format!("{}'s rota", group.name)).line(format!(
            "{} is in the pool of facilitators{}.",
            user.name,
            if lead { " as a lead" } else { "" }
        ));
        if let Some(cap) = monthly_cap {
            reply = reply.line(format!("At most {cap} shifts a month."));
        }
        Ok(reply.line(format!(
            "/rota fill group:\"{}\" shares out the open shifts.",
            group.name
        )))
    }

    /// `/rota facilitator remove group: user:` — their shifts still to come go back
    /// to the pool.
    pub async fn rota_facilitator_remove(&self, actor: &Actor, group: &str, user: Person) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        require_manager(&mut tx, actor, &group, "remove facilitators").await?;
        if !rota_store::remove_facilitator(&mut *tx, group.id, &user.user_id).await? {
            return Err(AppError::NotFound(format!(
                "{} isn't in {}'s pool. /rota show group:\"{}\" lists who is.",
                user.name, group.name, group.name
            )));
        }
        let released =
            release_future_shifts(&mut tx, &group.community_id, &user.user_id, Some(group.id), now).await?;
        record_audit(
            &mut tx,
            actor,
            "rota.facilitator.remove",
            format!("group:{} user:{}", group.id, user.user_id),
            Some(format!("{released} shifts released")),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(Tone::Done, format!("{}'s rota", group.name))
            .line(format!("{} is no longer in the pool.", user.name))
            .line(format!(
                "{released} of their shifts still to come are open again; /rota fill shares them out."
            )))
    }

    /// `/rota show group: [weeks:]` — who facilitates each session, and the gaps.
    pub async fn rota_show(&self, actor: &Actor, group: &str, weeks: Option<u32>) -> AppResult {
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
        let group = find_group(&mut conn, &actor.community_id, group).await?;
        let seen_as = actor_in_group(&mut conn, actor, group.id).await?;
        authorize(&seen_as, Action::Facilitate, "see the rota")?;
        let weeks = weeks.unwrap_or(4).clamp(1, self.settings().horizon_weeks.max(1));
        let until = now + Duration::weeks(i64::from(weeks));
        let pool = rota_store::pool(&mut *conn, group.id).await?;
        let names: HashMap<&str, &str> = pool
            .iter()
            .map(|m| (m.user_id.as_str(), m.name.as_str()))
            .collect();
        let mut reply = Reply::private(Tone::Info, format!("Rota: {}", group.name));
        if pool.is_empty() {
            return Ok(reply.line(format!(
                "{} has no facilitators yet. Add them with /rota facilitator add group:\"{}\" user:…",
                group.name, group.name
            )));
        }
        let pool_line: Vec<String> = pool
            .iter()
            .map(|m| {
                let mut s = m.name.clone();
                if m.lead {
                    s.push_str(" (lead)");
                }
                if let Some(cap) = m.monthly_cap {
                    s.push_str(&format!(" (at most {cap} a month)"));
                }
                s
            })
            .collect();
        reply = reply.line(Text::new().strong("Pool: ").plain(pool_line.join(", ")));
        let rows = rota_store::shifts(&mut *conn, group.id, now, until).await?;
        if rows.is_empty() {
            return Ok(reply.line(format!("No sessions in the next {weeks} weeks.")));
        }
        for row in &rows {
            let held: Vec<String> = row
                .assignments
                .iter()
                .filter(|a| a.state.holds())
                .map(|a| {
                    let name = names
                        .get(a.user_id.as_str())
                        .copied()
                        .unwrap_or(a.user_id.as_str());
                    match a.state {
                        AssignmentState::Confirmed => format!("{name} ✓"),
                        AssignmentState::SwapOffered => format!("{name} (offered)"),
                        _ => name.to_string(),
                    }
                })
                .collect();
            let open = group.facilitators_needed.saturating_sub(held.len() as u32);
            let mut line = Text::new()
                .plain(format!("#{} ", row.session_id))
                .time(row.starts_at, group.zone, TimeStyle::Full)
                .plain(" · ");
            line = line.plain(if held.is_empty() {
                "nobody yet".to_string()
            } else {
                held.join(", ")
            });
            if open > 0 {
                line = line.plain(format!(" · {open} open"));
            }
            reply = reply.line(line);
        }
        Ok(reply)
    }

    /// `/rota mine` — my shifts still to come, and my time away.
    pub async fn rota_mine(&self, actor: &Actor) -> AppResult {
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
        let mine = rota_store::shifts_of_user(&mut *conn, &actor.community_id, &actor.user_id, now).await?;
        let mut reply = Reply::private(Tone::Info, "Your shifts");
        let mut any = false;
        for (session_id, state) in mine {
            let Some(session) = sessions::get(&mut *conn, session_id).await? else {
                continue;
            };
            any = true;
            let how = match state {
                AssignmentState::Assigned => "assigned",
                AssignmentState::Confirmed => "confirmed",
                AssignmentState::SwapOffered => "offered to the pool (yours until taken)",
                AssignmentState::Declined => "you said you can't",
            };
            reply = reply.line(
                Text::new()
                    .plain(format!("#{session_id} {} · ", session.group_name))
                    .time(session.starts_at, session.zone, TimeStyle::Full)
                    .plain(format!(" · {how}")),
            );
        }
        if !any {
            reply = reply.line("You have no shifts coming up.");
        }
        let zone = self.community_zone(&mut conn, &actor.community_id).await?;
        for (_, from, to) in rota_store::away_of(&mut *conn, &actor.community_id, &actor.user_id, now).await?
        {
            reply = reply.line(
                Text::new()
                    .plain("Away: ")
                    .time(from, zone, TimeStyle::Full)
                    .plain(" to ")
                    .time(to, zone, TimeStyle::Full),
            );
        }
        Ok(reply)
    }

    async fn community_zone(&self, conn: &mut store::Conn, community_id: &str) -> Result<Tz, AppError> {
        Ok(communities::get(&mut *conn, community_id)
            .await?
            .and_then(|c| c.timezone)
            .unwrap_or(Tz::UTC))
    }

    /// `/rota away from: to: [group:]` — whole days, `to` included, in the group's
    /// zone (or the community's). Shifts inside go back to the pool at once.
    pub async fn rota_away(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        group: Option<&str>,
    ) -> AppResult {
        if to < from {
            return Err(AppError::invalid(format!(
                "to: ({to}) is before from: ({from}). Give the first and last days you're away, like \
                 from:{from} to:{}.",
                from.checked_add_days(Days::new(6)).unwrap_or(from)
            )));
        }
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_optional_group(&mut tx, &actor.community_id, group).await?;
        let zone = match &group {
            Some(g) => g.zone,
            None => self.community_zone(&mut tx, &actor.community_id).await?,
        };
        let from_at = resolve_local(zone, from.and_time(NaiveTime::MIN));
        let day_after = to.succ_opt().ok_or_else(|| {
            AppError::invalid(
                "That last day is further ahead than I can count. Try a date in the next few years.",
            )
        })?;
        let to_at = resolve_local(zone, day_after.and_time(NaiveTime::MIN));
        if to_at <= now {
            return Err(AppError::invalid(
                "Those days have passed already. Time away is for days still to come.",
            ));
        }
        rota_store::add_away(
            &mut *tx,
            &actor.community_id,
            &actor.user_id,
            group.as_ref().map(|g| g.id),
            from_at,
            to_at,
            now,
        )
        .await?;
        let mut released = Vec::new();
        for (session_id, state) in
            rota_store::shifts_of_user(&mut *tx, &actor.community_id, &actor.user_id, now).await?
        {
            let Some(session) = sessions::get(&mut *tx, session_id).await? else {
                continue;
            };
            let in_group = group.as_ref().is_none_or(|g| g.id == session.group_id);
            let overlaps = session.starts_at < to_at && from_at < session.ends_at;
            if !in_group || !overlaps || !state.holds() || session.starts_at <= now {
                continue;
            }
            let Some(owner) = group_store::get(&mut *tx, session.group_id).await? else {
                continue;
            };
            release(&mut tx, &session, &owner, &actor.user_id, now).await?;
            released.push(session_id);
        }
        record_audit(
            &mut tx,
            actor,
            "rota.away",
            format!("user:{}", actor.user_id),
            Some(format!(
                "{from} to {to}{}; {} shifts released",
                group
                    .as_ref()
                    .map(|g| format!(" ({})", g.name))
                    .unwrap_or_default(),
                released.len()
            )),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, "Time away").line(format!(
            "You're away from {from} to {to}{}. You won't be put on the rota then.",
            group
                .as_ref()
                .map(|g| format!(" for {}", g.name))
                .unwrap_or_default()
        ));
        if !released.is_empty() {
            let list: Vec<String> = released.iter().map(|id| format!("#{id}")).collect();
            reply = reply.line(format!(
                "Your shifts on {} went back to the pool, so someone else can take them.",
                list.join(", ")
            ));
        }
        Ok(reply.line("Take care. /rota back ends it early."))
    }

    /// `/rota back` — ends my time away now (and removes any still to come).
    pub async fn rota_back(&self, actor: &Actor) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let changed = rota_store::end_away(&mut tx, &actor.community_id, &actor.user_id, now).await?;
        if changed == 0 {
            return Ok(
                Reply::private(Tone::Info, "Time away").line("You have no time away set. Welcome anyway!")
            );
        }
        record_audit(
            &mut tx,
            actor,
            "rota.back",
            format!("user:{}", actor.user_id),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(Tone::Done, "Welcome back")
            .line("Your time away has ended; fills can put you on the rota again."))
    }

    /// `/rota fill group: [weeks:]` — fills open places fairly; filling twice changes nothing.
    pub async fn rota_fill(&self, actor: &Actor, group: &str, weeks: Option<u32>) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        require_active(&group)?;
        require_manager(&mut tx, actor, &group, "fill the rota").await?;
        let weeks = weeks
            .unwrap_or(self.settings().horizon_weeks)
            .clamp(1, self.settings().horizon_weeks.max(1));
        let until = now + Duration::weeks(i64::from(weeks));
        if rota_store::pool(&mut *tx, group.id).await?.is_empty() {
            return Err(AppError::invalid(format!(
                "{} has no facilitators to fill its rota with yet. Add them with /rota facilitator add group:\"{}\" user:…",
                group.name, group.name
            )));
        }
        let filled = fill_group(&mut tx, &group, until, None, now).await?;
        record_audit(
            &mut tx,
            actor,
            "rota.fill",
            format!("group:{}", group.id),
            Some(format!(
                "{} places filled, {} sessions short",
                filled.assigned,
                filled.gaps.len()
            )),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, format!("Rota filled: {}", group.name)).line(format!(
            "{} places filled across {} sessions in the next {weeks} weeks.",
            filled.assigned, filled.sessions
        ));
        if filled.assigned == 0 {
            reply = reply.line("Nothing needed filling.");
        }
        for (session_id, open) in &filled.gaps {
            reply = reply.line(format!(
                "Session #{session_id} is still {open} short: nobody free could take it. A gap alert will go out."
            ));
        }
        Ok(reply.line(format!("/rota show group:\"{}\" shows who is on.", group.name)))
    }

    /// `/rota assign session: user: [force:]` — by hand; a fill never moves it.
    /// Someone away or at their cap is refused with the reason, unless a coordinator
    /// says `force:yes` (audited).
    pub async fn rota_assign(
        &self,
        actor: &Actor,
        session: SessionId,
        user: Person,
        force: bool,
    ) -> AppResult {
        let session_id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (session, group) = rota_session(&mut tx, actor, session_id).await?;
        require_manager(&mut tx, actor, &group, "assign shifts").await?;
        require_upcoming(&session, now)?;
        if force && actor.role != Role::Coordinator {
            return Err(AppError::Forbidden(
                "Only a coordinator can use force:yes. Without it, the rota's rules apply.".into(),
            ));
        }
        let loaded = load_rota_for(&mut tx, &group, now, session.starts_at).await?;
        let rota = loaded.rota(group.zone);
        let forced = match check_assign(&rota, session_id, &user.user_id) {
            Ok(()) => None,
            Err(Refusal::AlreadyOn) => {
                return Err(AppError::invalid(format!(
                    "{} is already on session #{session_id}.",
                    user.name
                )))
            }
            Err(Refusal::NotInPool) => {
                return Err(AppError::invalid(format!(
                    "{} isn't in {}'s pool. Add them first with /rota facilitator add.",
                    user.name, group.name
                )))
            }
            Err(refusal) if force => Some(refusal),
            Err(refusal) => {
                return Err(AppError::invalid(format!(
                    "{} {refusal}, so I haven't put them on session #{session_id}. A coordinator can add \
                     force:yes to do it anyway.",
                    user.name
                )))
            }
        };
        rota_store::assign(&mut *tx, session_id, &user.user_id, How::Manual, now).await?;
        queue_duty_notice(&mut tx, &session, &user.user_id, now).await?;
        settle_session(&mut tx, &session, now).await?;
        record_audit(
            &mut tx,
            actor,
            if forced.is_some() {
                "rota.assign.force"
            } else {
                "rota.assign"
            },
            format!("session:{session_id} user:{}", user.user_id),
            forced.as_ref().map(|r| format!("forced: {} {r}", user.name)),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, format!("{} · session #{session_id}", group.name))
            .line(format!(
                "{} is on this session; a fill won't move them.",
                user.name
            ))
            .line(Text::new().time(session.starts_at, session.zone, TimeStyle::Full));
        if let Some(refusal) = forced {
            reply = reply.line(format!(
                "Done with force:yes although they {refusal}; this is in the audit."
            ));
        }
        Ok(reply)
    }

    /// `/rota unassign session: user:` — the place is open again.
    pub async fn rota_unassign(&self, actor: &Actor, session: SessionId, user: Person) -> AppResult {
        let session_id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (session, group) = rota_session(&mut tx, actor, session_id).await?;
        require_manager(&mut tx, actor, &group, "unassign shifts").await?;
        require_upcoming(&session, now)?;
        if !rota_store::unassign(&mut *tx, session_id, &user.user_id).await? {
            return Err(AppError::NotFound(format!(
                "{} isn't on session #{session_id}, so there is nothing to undo.",
                user.name
            )));
        }
        rota_store::withdraw_offers(&mut *tx, session_id, &user.user_id, now).await?;
        settle_session(&mut tx, &session, now).await?;
        record_audit(
            &mut tx,
            actor,
            "rota.unassign",
            format!("session:{session_id} user:{}", user.user_id),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("{} · session #{session_id}", group.name))
                .line(format!("{} is off this session; the place is open.", user.name)),
        )
    }

    /// `/rota swap session:` — offers my shift to the pool; it stays mine until taken.
    pub async fn rota_swap(&self, actor: &Actor, session: SessionId) -> AppResult {
        let session_id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (session, group) = rota_session(&mut tx, actor, session_id).await?;
        require_upcoming(&session, now)?;
        let mine = rota_store::assignments(&mut *tx, session_id)
            .await?
            .into_iter()
            .find(|a| a.user_id == actor.user_id && a.state.holds());
        let Some(mine) = mine else {
            return Err(AppError::invalid(format!(
                "You aren't on session #{session_id}, so there is no shift of yours to offer. /rota mine \
                 shows your shifts."
            )));
        };
        if mine.state == AssignmentState::SwapOffered {
            return Err(AppError::invalid(format!(
                "You've already offered session #{session_id}; it stays yours until someone takes it."
            )));
        }
        rota_store::set_state(
            &mut *tx,
            session_id,
            &actor.user_id,
            AssignmentState::SwapOffered,
            now,
        )
        .await?;
        let offer =
            rota_store::create_offer(&mut *tx, session_id, &actor.user_id, OfferKind::Swap, now).await?;
        post_offer(&mut tx, &session, &group, offer, &actor.user_id, now).await?;
        record_audit(
            &mut tx,
            actor,
            "rota.swap.offer",
            format!("session:{session_id}"),
            Some(format!("offer:{offer}")),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(Tone::Done, format!("{} · session #{session_id}", group.name))
            .line("Your shift is offered to the pool. It stays yours until someone takes it; I'll tell you when they do.")
            .line(Text::new().time(session.starts_at, session.zone, TimeStyle::Full)))
    }

    /// Take shift (the button, or `/rota take session:`): the first to press it has
    /// it. An offer is taken by one conditional update, so of many simultaneous
    /// clicks exactly one wins; the others are told kindly.
    pub async fn rota_take(&self, actor: &Actor, session: SessionId) -> AppResult {
        let session_id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (session, group) = rota_session(&mut tx, actor, session_id).await?;
        require_upcoming(&session, now)?;
        let standing = standing(&mut tx, actor, group.id).await?;
        if !standing.in_pool {
            return Err(AppError::Forbidden(format!(
                "Only facilitators in {}'s pool can take its shifts. A coordinator can add you with /rota \
                 facilitator add.",
                group.name
            )));
        }
        let offers = rota_store::live_offers(&mut *tx, session_id).await?;
        let open: Vec<_> = offers.iter().filter(|o| o.state == OfferState::Open).collect();
        if !open.is_empty() && open.iter().all(|o| o.from_user == actor.user_id) {
            return Err(AppError::invalid(
                "That's your own offer, so you can't take it. It stays yours until someone else does.",
            ));
        }
        let loaded = load_rota_for(&mut tx, &group, now, session.starts_at).await?;
        let rota = loaded.rota(group.zone);
        match check_assign(&rota, session_id, &actor.user_id) {
            Err(Refusal::AlreadyOn) => {
                return Err(AppError::invalid(format!(
                    "You're already on session #{session_id}. Thank you!"
                )))
            }
            Err(Refusal::Away) => {
                return Err(AppError::invalid(
                    "You're on time away then, so I haven't given you this shift. /rota back ends your time away.",
                ))
            }
            Err(refusal @ Refusal::OverCap { .. }) => {
                return Err(AppError::invalid(format!(
                    "You {refusal}, so I haven't given you this one. Thank you for offering!"
                )))
            }
            _ => {}
        }
        let settings = rota_store::settings(&mut *tx, group.id).await?;
        let approval = settings.swap_approval == SwapApproval::Coordinator;
        let title = format!("{} · session #{session_id}", group.name);
        let when = Text::new().time(session.starts_at, session.zone, TimeStyle::Full);
        let offer = open.iter().find(|o| o.from_user != actor.user_id);
        if let Some(offer) = offer {
            if !rota_store::take_offer(&mut *tx, offer.id, &actor.user_id, &actor.name, approval, now).await?
            {
                return Err(already_taken());
            }
            if approval {
                jobs::upsert(
                    &mut *tx,
                    &group.community_id,
                    Some(session_id),
                    &PlannedJob {
                        kind: JobKind::SwapApproval,
                        dedupe_key: format!("swap-approval:{}", offer.id),
                        target: None,
                        payload: offer.id.to_string(),
                        due_at: now,
                        expires_at: Some(session.starts_at),
                    },
                    now,
                )
                .await?;
                record_audit(
                    &mut tx,
                    actor,
                    "rota.swap.take",
                    format!("session:{session_id}"),
                    Some(format!("offer:{} awaiting approval", offer.id)),
                    now,
                )
                .await?;
                self.commit(tx).await?;
                return Ok(Reply::private(Tone::Done, title)
                    .line("Thank you! A coordinator approves swaps in this group; I'll tell you when they have.")
                    .line(when));
            }
            hand_over(&mut tx, &session, offer.id, now).await?;
            record_audit(
                &mut tx,
                actor,
                "rota.swap.take",
                format!("session:{session_id}"),
                Some(format!("offer:{}", offer.id)),
                now,
            )
            .await?;
            self.commit(tx).await?;
            return Ok(Reply::private(Tone::Done, title)
                .line("The shift is yours. Thank you for stepping in!")
                .line(when));
        }
        // No offer: an open place (a gap) is taken directly, while there is one.
        let held = rota_store::holders(&mut *tx, session_id).await?.len() as u32;
        if held >= group.facilitators_needed {
            return Err(already_taken());
        }
        rota_store::assign(&mut *tx, session_id, &actor.user_id, How::Swap, now).await?;
        queue_duty_notice(&mut tx, &session, &actor.user_id, now).await?;
        settle_session(&mut tx, &session, now).await?;
        record_audit(
            &mut tx,
            actor,
            "rota.take",
            format!("session:{session_id}"),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(Tone::Done, title)
            .line("The shift is yours. Thank you for stepping in!")
            .line(when))
    }

    /// Approve (a coordinator's button on a take waiting for approval).
    pub async fn rota_approve(&self, actor: &Actor, session: SessionId) -> AppResult {
        let session_id = session.0;
        authorize(actor, Action::Organise, "approve swaps")?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (session, group) = rota_session(&mut tx, actor, session_id).await?;
        require_upcoming(&session, now)?;
        let waiting = rota_store::live_offers(&mut *tx, session_id)
            .await?
            .into_iter()
            .find(|o| o.state == OfferState::AwaitingApproval);
        let Some(offer) = waiting else {
            return Err(AppError::invalid(format!(
                "No swap of session #{session_id} is waiting for approval; it may have been approved already."
            )));
        };
        if !rota_store::approve_offer(&mut *tx, offer.id).await? {
            return Err(AppError::invalid("Someone approved it a moment ago. Thank you!"));
        }
        hand_over(&mut tx, &session, offer.id, now).await?;
        record_audit(
            &mut tx,
            actor,
            "rota.swap.approve",
            format!("session:{session_id}"),
            Some(format!("offer:{}", offer.id)),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, format!("{} · session #{session_id}", group.name)).line(format!(
                "Approved: {} has the shift now; both are told.",
                offer.taken_name.unwrap_or_else(|| "the facilitator".into())
            )),
        )
    }

    /// `/rota confirm session:` (or the duty notice's Confirm).
    pub async fn rota_confirm(&self, actor: &Actor, session: SessionId) -> AppResult {
        let session_id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (session, group) = rota_session(&mut tx, actor, session_id).await?;
        require_upcoming(&session, now)?;
        let mine = own_shift(&mut tx, actor, session_id).await?;
        if mine.state != AssignmentState::Confirmed {
            rota_store::set_state(
                &mut *tx,
                session_id,
                &actor.user_id,
                AssignmentState::Confirmed,
                now,
            )
            .await?;
            record_audit(
                &mut tx,
                actor,
                "rota.confirm",
                format!("session:{session_id}"),
                None,
                now,
            )
            .await?;
            self.commit(tx).await?;
        }
        Ok(
            Reply::private(Tone::Done, format!("{} · session #{session_id}", group.name))
                .line("Confirmed: thank you. See you there.")
                .line(Text::new().time(session.starts_at, session.zone, TimeStyle::Full)),
        )
    }

    /// `/rota decline session:` (or Can't do it): the place goes to the pool, as a swap.
    pub async fn rota_decline(&self, actor: &Actor, session: SessionId) -> AppResult {
        let session_id = session.0;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let (session, group) = rota_session(&mut tx, actor, session_id).await?;
        require_upcoming(&session, now)?;
        own_shift(&mut tx, actor, session_id).await?;
        release(&mut tx, &session, &group, &actor.user_id, now).await?;
        record_audit(
            &mut tx,
            actor,
            "rota.decline",
            format!("session:{session_id}"),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(Reply::private(Tone::Done, format!("{} · session #{session_id}", group.name))
            .line("Thanks for letting us know. The shift is offered to the pool, and coordinators hear if nobody takes it.")
            .line("Look after yourself."))
    }

    /// A rota button on a post or DM.
    pub async fn rota_click(&self, actor: &Actor, session: SessionId, button: RotaButton) -> AppResult {
        let session_id = session;
        match button {
            RotaButton::Take => self.rota_take(actor, session_id).await,
            RotaButton::Confirm => self.rota_confirm(actor, session_id).await,
            RotaButton::Decline => self.rota_decline(actor, session_id).await,
            RotaButton::Approve => self.rota_approve(actor, session_id).await,
        }
    }

    /// `/rota settings group: [auto:] [swap_approval:] [rota_channel:]`
    pub async fn rota_settings(&self, actor: &Actor, input: RotaSettingsInput) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, &input.group).await?;
        require_active(&group)?;
        // As with /group edit, which takes the same settings: a lead may change them.
        let acting = organiser_in_group(&mut tx, actor, group.id).await?;
        authorize(&acting, Action::Organise, "change a group's rota settings")?;
        let changes = RotaChanges {
            auto_fill: input.auto_fill,
            swap_approval: input.swap_approval,
            rota_channel: input
                .rota_channel
                .map(|channel| channel.unwrap_or_else(|| "none".to_string())),
        };
        apply_rota_changes(&mut tx, &group, &changes).await?;
        let settings: RotaSettings = rota_store::settings(&mut *tx, group.id).await?;
        let shown = format!(
            "auto:{} swap_approval:{} rota_channel:{}",
            yes_no(settings.auto_fill),
            settings.swap_approval.as_str(),
            settings.rota_channel.as_deref().unwrap_or("none")
        );
        record_audit(
            &mut tx,
            actor,
            "rota.settings",
            format!("group:{}", group.id),
            Some(shown),
            now,
        )
        .await?;
        self.commit(tx).await?;
        let mut reply = Reply::private(Tone::Done, format!("Rota settings: {}", group.name))
            .line(if settings.auto_fill {
                "New sessions are filled from the pool as they are added."
            } else {
                "New sessions wait for /rota fill."
            })
            .line(match settings.swap_approval {
                SwapApproval::None => "Swaps: the first to take a shift has it.",
                SwapApproval::Coordinator => "Swaps: a coordinator approves each take.",
            });
        reply = reply.line(match &settings.rota_channel {
            Some(channel) => Text::new()
                .plain("Open shifts are posted in ")
                .channel(channel.clone()),
            None => Text::new().plain("Open shifts go by DM to facilitators who are free."),
        });
        Ok(reply)
    }

    /// `/rota me show_name:` — whether cards may name me as a facilitator.
    pub async fn rota_me(&self, actor: &Actor, show_name: bool) -> AppResult {
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        rota_store::set_show_name(&mut *tx, &actor.community_id, &actor.user_id, show_name).await?;
        // Cards of my sessions to come are redrawn.
        for (session_id, state) in
            rota_store::shifts_of_user(&mut *tx, &actor.community_id, &actor.user_id, now).await?
        {
            if let (true, Some(session)) = (state.holds(), sessions::get(&mut *tx, session_id).await?) {
                redraw_card(&mut tx, &actor.community_id, session_id, session.ends_at, now).await?;
            }
        }
        record_audit(
            &mut tx,
            actor,
            "rota.me",
            format!("user:{}", actor.user_id),
            Some(format!("show_name:{}", yes_no(show_name))),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(
            Reply::private(Tone::Done, "Your name on cards").line(if show_name {
                "Cards of sessions you facilitate show your name."
            } else {
                "Cards of sessions you facilitate say how many facilitators there are, without names."
            }),
        )
    }
}

/// The actor's own place on a session.
async fn own_shift(
    conn: &mut store::Conn,
    actor: &Actor,
    session_id: i64,
) -> Result<rota_store::Assignment, AppError> {
    rota_store::assignments(&mut *conn, session_id)
        .await?
        .into_iter()
        .find(|a| a.user_id == actor.user_id && a.state.holds())
        .ok_or_else(|| {
            AppError::invalid(format!(
                "Session #{session_id} isn't one of your shifts, so there is nothing to confirm or decline. \
                 /rota mine shows yours."
            ))
        })
}

fn already_taken() -> AppError {
    AppError::invalid("Someone has just taken that shift. Thank you for offering all the same!")
}

/// Gives a taken offer's shift to its taker: the offerer of a swap comes off it, the
/// taker goes on, each is told, and the session settles (gap alerts, card).
async fn hand_over(
    conn: &mut store::Conn,
    session: &SessionDetail,
    offer_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(offer) = rota_store::offer(&mut *conn, offer_id).await? else {
        return Err(AppError::internal(&StoreError::Corrupt("offer vanished".into())));
    };
    let Some(taker) = offer.taken_by.clone() else {
        return Err(AppError::internal(&StoreError::Corrupt(
            "taken offer without taker".into(),
        )));
    };
    let taker_name = offer.taken_name.clone().unwrap_or_else(|| "A facilitator".into());
    if offer.kind == OfferKind::Swap {
        rota_store::unassign(&mut *conn, session.id, &offer.from_user).await?;
        let theirs = duty_notice_key(session.id, &offer.from_user);
        if let Some(notice) = jobs::get_by_key(&mut *conn, &theirs).await? {
            if notice.state == JobState::Pending {
                jobs::skip(
                    &mut *conn,
                    notice.id,
                    "Their shift was taken by someone else.",
                    now,
                )
                .await?;
            }
        }
    }
    rota_store::assign(&mut *conn, session.id, &taker, How::Swap, now).await?;
    let offer_posts = open_shift_key_prefix(offer_id);
    jobs::skip_pending_with_prefix(&mut *conn, session.id, &offer_posts, "The shift was taken.", now).await?;
    // Its posts already out lose their Take button and say it is covered.
    let posted = jobs::sent_keys_with_prefix(&mut *conn, session.id, &offer_posts).await?;
    redraw_posts(conn, session, JobKind::OpenShiftEdit, &posted, now).await?;
    let about = format!("offer:{offer_id}");
    let planned = vec![
        (
            Some(session.id),
            note(
                session,
                &about,
                &offer.from_user,
                format!("{taker_name} has taken your shift. Thank you for finding cover; you're free."),
                now,
            ),
        ),
        (
            Some(session.id),
            note(
                session,
                &about,
                &taker,
                "You've taken this shift. Thank you for stepping in!".to_string(),
                now,
            ),
        ),
    ];
    jobs::upsert_many(&mut *conn, &session.community_id, &planned, now).await?;
    queue_duty_notice(conn, session, &taker, now).await?;
    settle_session(conn, session, now).await
}

impl App {
    /// The community a session belongs to: for a button pressed in a DM, where the
    /// platform says no server.
    pub async fn community_of_session(&self, session: SessionId) -> Result<String, AppError> {
        let session_id = session.0;
        let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
        sessions::get(&mut *conn, session_id)
            .await?
            .map(|s| s.community_id)
            .ok_or_else(|| no_such_session(session_id))
    }

    /// The horizon roll's fill of a group that just got new sessions (`rota:auto`).
    pub(crate) async fn auto_fill(
        &self,
        conn: &mut store::Conn,
        group: &Group,
        new_sessions: &[i64],
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if rota_store::settings(&mut *conn, group.id).await?.auto_fill {
            let filled = fill_group(conn, group, self.horizon_end(now), Some(new_sessions), now).await?;
            if filled.assigned > 0 || !filled.gaps.is_empty() {
                // hearth itself made the change: the audit says so.
                let entry = audit::AuditEntry {
                    actor: "hearth".into(),
                    action: "rota.autofill".into(),
                    target: format!("group:{}", group.id),
                    detail: Some(format!(
                        "{} places filled, {} sessions short",
                        filled.assigned,
                        filled.gaps.len()
                    )),
                    at: now,
                };
                audit::record(&mut *conn, &group.community_id, &entry).await?;
            }
            return Ok(());
        }
        // Filled by hand: the new sessions still raise gap alerts while short.
        let pool = rota_store::pool(&mut *conn, group.id).await?;
        if pool.is_empty() || group.facilitators_needed == 0 {
            return Ok(());
        }
        let mut planned = Vec::new();
        for session_id in new_sessions {
            if let Some(session) = sessions::get(&mut *conn, *session_id)
                .await?
                .filter(|s| s.plan_jobs_at.is_none())
            {
                planned.extend(
                    gap_alerts(session.starts_at, *session_id, &pool, now)
                        .into_iter()
                        .map(|job| (Some(*session_id), job)),
                );
            }
        }
        jobs::upsert_many(&mut *conn, &group.community_id, &planned, now).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn starts() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 17, 18, 30, 0).unwrap()
    }

    fn dues(now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
        gap_alerts(starts(), 2, &[], now)
            .into_iter()
            .map(|job| (job.payload, job.due_at))
            .collect()
    }

    #[test]
    fn a_gap_weeks_ahead_is_alerted_at_7_days_and_at_2_days() {
        let now = starts() - Duration::weeks(3);
        assert_eq!(
            dues(now),
            [
                ("7d".to_string(), starts() - Duration::days(7)),
                ("2d".to_string(), starts() - Duration::days(2))
            ]
        );
    }

    #[test]
    fn a_gap_found_inside_a_step_is_alerted_now_for_that_step_and_later_for_the_next() {
        let now = starts() - Duration::days(5);
        assert_eq!(
            dues(now),
            [
                ("7d".to_string(), now),
                ("2d".to_string(), starts() - Duration::days(2))
            ]
        );
        let late = starts() - Duration::hours(20);
        assert_eq!(dues(late), [("2d".to_string(), late)]);
    }

    #[test]
    fn rota_buttons_are_read_from_their_ids_and_the_consoles_words() {
        assert_eq!(
            RotaButton::parse_id("rota-take:12"),
            Some((RotaButton::Take, "12".to_string()))
        );
        assert_eq!(RotaButton::parse_id("rsvp-going:12"), None);
        assert_eq!(RotaButton::parse("decline"), Some(RotaButton::Decline));
        assert_eq!(RotaButton::parse("going"), None);
    }
}
