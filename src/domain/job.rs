//! The outbox's vocabulary: what kinds of job there are, where each stands, which
//! reminder jobs a session should have, and how long to wait before a retry.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use super::reminder::Offset;
use super::time::Tz;

/// What a job posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A reminder in the group's channel: headcount at most, never names.
    Reminder,
    /// A personal reminder by DM, for a member who is going and opted in.
    DmReminder,
    /// A channel notice standing in for DMs that could not be delivered.
    Notice,
    /// The one notice that a session is cancelled.
    Cancellation,
    /// The cancellation, by DM, to members who were going and opted in.
    DmCancellation,
    /// A session's card, posted at the group's announce lead, with RSVP buttons.
    Card,
    /// The card redrawn from current data (answers, a move, a cancellation, its start).
    CardEdit,
    /// "A place opened up: you're going", to a member promoted from the waitlist.
    DmPromotion,
    /// A facilitator's DM before their shift, with Confirm / Can't do it.
    DutyNotice,
    /// "Open shift" in the group's rota channel, with a Take shift button.
    OpenShift,
    /// The same, by DM to a pool member who is free (groups without a rota channel).
    OpenShiftDm,
    /// A session short of facilitators, in the community's alerts channel.
    GapAlert,
    /// The same gap alert by DM to a pool member who could take the place.
    GapAlertDm,
    /// A posted gap alert redrawn (to say the gap closed).
    GapAlertEdit,
    /// A posted open shift redrawn once it is taken (its Take button goes).
    OpenShiftEdit,
    /// A short rota note by DM (your shift was taken; you have a new shift).
    RotaNote,
    /// A take waiting for a coordinator, in the alerts channel, with Approve.
    SwapApproval,
    /// A check-in prompt in a group's channel (one tick of its schedule).
    Prompt,
    /// A note to the alerts channel about a group's prompts (its deck is empty).
    PromptNote,
    /// "Your prompt was added", to the member who submitted it.
    DmPromptApproved,
    /// A note for coordinators in the alerts channel (a delivery that failed, a
    /// retention run that failed): see [`super::alert::Alert`].
    Alert,
    /// The community's daily retention run: posts nothing, purges what is past keeping.
    Retention,
    /// A drop-in group's one status message, posted once.
    DropinStatus,
    /// The status message edited to the present, at a boundary or a duty change.
    DropinStatusEdit,
    /// A drop-in open ten minutes with nobody on its rota or on duty, to coordinators.
    DropinLateAlert,
    /// At a session's end: posts nothing, plans a debrief DM to each facilitator on it.
    Debriefs,
    /// "How did it go?" by DM to one facilitator, with All fine / Something to flag.
    DmDebrief,
    /// A facilitator's flag after a session, with its note, in the alerts channel.
    DebriefFlag,
    /// A community's sessions mirrored as Discord scheduled events: one re-armable job
    /// per community that creates, moves and removes them (see [`super::event`]).
    Events,
    /// At a quarter's end: posts nothing, plans the quarterly question's DM to each
    /// member who came in the quarter and asked for DMs.
    Quarterly,
    /// "What has this group meant to you?" by DM to one member, with its button.
    DmQuarterly,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Reminder => "reminder",
            JobKind::DmReminder => "dm-reminder",
            JobKind::Notice => "notice",
            JobKind::Cancellation => "cancellation",
            JobKind::DmCancellation => "dm-cancellation",
            JobKind::Card => "card",
            JobKind::CardEdit => "card-edit",
            JobKind::DmPromotion => "dm-promotion",
            JobKind::DutyNotice => "duty-notice",
            JobKind::OpenShift => "open-shift",
            JobKind::OpenShiftDm => "open-shift-dm",
            JobKind::GapAlert => "gap-alert",
            JobKind::GapAlertDm => "gap-alert-dm",
            JobKind::GapAlertEdit => "gap-alert-edit",
            JobKind::OpenShiftEdit => "open-shift-edit",
            JobKind::RotaNote => "rota-note",
            JobKind::SwapApproval => "swap-approval",
            JobKind::Prompt => "prompt",
            JobKind::PromptNote => "prompt-note",
            JobKind::DmPromptApproved => "dm-prompt-approved",
            JobKind::Alert => "alert",
            JobKind::Retention => "retention",
            JobKind::DropinStatus => "dropin-status",
            JobKind::DropinStatusEdit => "dropin-status-edit",
            JobKind::DropinLateAlert => "dropin-late-alert",
            JobKind::Debriefs => "debriefs",
            JobKind::DmDebrief => "dm-debrief",
            JobKind::DebriefFlag => "debrief-flag",
            JobKind::Events => "events",
            JobKind::Quarterly => "quarterly",
            JobKind::DmQuarterly => "dm-quarterly",
        }
    }
}

impl FromStr for JobKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reminder" => Ok(JobKind::Reminder),
            "dm-reminder" => Ok(JobKind::DmReminder),
            "notice" => Ok(JobKind::Notice),
            "cancellation" => Ok(JobKind::Cancellation),
            "dm-cancellation" => Ok(JobKind::DmCancellation),
            "card" => Ok(JobKind::Card),
            "card-edit" => Ok(JobKind::CardEdit),
            "dm-promotion" => Ok(JobKind::DmPromotion),
            "duty-notice" => Ok(JobKind::DutyNotice),
            "open-shift" => Ok(JobKind::OpenShift),
            "open-shift-dm" => Ok(JobKind::OpenShiftDm),
            "gap-alert" => Ok(JobKind::GapAlert),
            "gap-alert-dm" => Ok(JobKind::GapAlertDm),
            "gap-alert-edit" => Ok(JobKind::GapAlertEdit),
            "open-shift-edit" => Ok(JobKind::OpenShiftEdit),
            "rota-note" => Ok(JobKind::RotaNote),
            "swap-approval" => Ok(JobKind::SwapApproval),
            "prompt" => Ok(JobKind::Prompt),
            "prompt-note" => Ok(JobKind::PromptNote),
            "dm-prompt-approved" => Ok(JobKind::DmPromptApproved),
            "alert" => Ok(JobKind::Alert),
            "retention" => Ok(JobKind::Retention),
            "dropin-status" => Ok(JobKind::DropinStatus),
            "dropin-status-edit" => Ok(JobKind::DropinStatusEdit),
            "dropin-late-alert" => Ok(JobKind::DropinLateAlert),
            "debriefs" => Ok(JobKind::Debriefs),
            "dm-debrief" => Ok(JobKind::DmDebrief),
            "debrief-flag" => Ok(JobKind::DebriefFlag),
            "events" => Ok(JobKind::Events),
            "quarterly" => Ok(JobKind::Quarterly),
            "dm-quarterly" => Ok(JobKind::DmQuarterly),
            other => Err(format!("unknown job kind {other:?}")),
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a job stands. `Sending` is written before the post and `Sent` after, so a
/// crash in between leaves `Sending`, which is re-posted with the same nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    Pending,
    Sending,
    Sent,
    Skipped,
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Pending,
        JobState::Sending,
        JobState::Sent,
        JobState::Skipped,
        JobState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Sending => "sending",
            JobState::Sent => "sent",
            JobState::Skipped => "skipped",
            JobState::Failed => "failed",
        }
    }
}

impl FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("unknown job state {s:?}"))
    }
}

/// A job a session should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedJob {
    pub kind: JobKind,
    pub dedupe_key: String,
    pub target: Option<String>,
    pub payload: String,
    pub due_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn reminder_key(session_id: i64, offset: Offset) -> String {
    format!("reminder:{session_id}:{offset}")
}

pub fn dm_reminder_key(session_id: i64, offset: &str, user: &str) -> String {
    format!("{}{user}", dm_key_prefix(JobKind::DmReminder, session_id, offset))
}

/// The part of a DM job's key before the member's id (so a whole fan-out can be
/// written in one statement).
pub fn dm_key_prefix(kind: JobKind, session_id: i64, offset: &str) -> String {
    match kind {
        JobKind::DmCancellation => format!("dm-cancel:{session_id}:"),
        _ => format!("dm:{session_id}:{offset}:"),
    }
}

pub fn notice_key(session_id: i64, offset: &str) -> String {
    format!("notice:{session_id}:{offset}")
}

pub fn cancellation_key(session_id: i64) -> String {
    format!("cancel:{session_id}")
}

pub fn dm_cancellation_key(session_id: i64, user: &str) -> String {
    format!("{}{user}", dm_key_prefix(JobKind::DmCancellation, session_id, ""))
}

/// The key of a drop-in group's one status post.
pub fn dropin_status_key(group_id: i64) -> String {
    format!("dropin-status:{group_id}")
}

/// The key of the one alert that a drop-in's opening at `opens_at` is running late.
pub fn dropin_late_key(group_id: i64, opens_at: DateTime<Utc>) -> String {
    format!("dropin-late:{group_id}:{}", opens_at.timestamp())
}

/// What every key of an edit of a drop-in's status starts with.
pub fn dropin_edit_prefix(group_id: i64) -> String {
    format!("dropin-edit:{group_id}:")
}

/// The key of an edit of a drop-in's status at a boundary `at`.
pub fn dropin_edit_key(group_id: i64, at: DateTime<Utc>) -> String {
    format!("{}{}", dropin_edit_prefix(group_id), at.timestamp())
}

pub fn card_key(session_id: i64) -> String {
    format!("card:{session_id}")
}

/// The one re-armable job of a session: redraw its card from current data.
pub fn card_edit_key(session_id: i64) -> String {
    format!("card-edit:{session_id}")
}

/// Redraws at the session's start (RSVP buttons give way to "I'm here") and end.
pub fn card_moment_key(session_id: i64, moment: &str) -> String {
    format!("card-{moment}:{session_id}")
}

/// `seq` tells one promotion from a later one of the same member.
pub fn promotion_key(session_id: i64, user: &str, seq: i64) -> String {
    format!("promoted:{session_id}:{user}:{seq}")
}

/// A facilitator's duty notice for a session.
pub fn duty_notice_key(session_id: i64, user: &str) -> String {
    format!("duty:{session_id}:{user}")
}

/// A session's gap alert at one step (`7d`, `2d`).
pub fn gap_alert_key(session_id: i64, step: &str) -> String {
    format!("gap:{session_id}:{step}")
}

/// A session's gap alert at one step by DM to one pool member.
pub fn gap_alert_dm_key(session_id: i64, step: &str, user: &str) -> String {
    format!("gap:{session_id}:{step}:{user}")
}

/// What every gap alert of a session (in the channel and by DM) has its key start with.
pub fn gap_alert_key_prefix(session_id: i64) -> String {
    format!("gap:{session_id}:")
}

/// The redraw of a posted rota message (a gap alert or an open shift), by the key of
/// the job that posted it.
pub fn redraw_key(posted_key: &str) -> String {
    format!("{REDRAW_PREFIX}{posted_key}")
}

/// What a redraw's key starts with, before the key of the job whose post it edits.
pub const REDRAW_PREFIX: &str = "redraw:";

/// An offer's post (`step` empty) or reminder (`3d`, `1d`) to a channel or a member.
pub fn open_shift_key(offer_id: i64, step: &str, to: &str) -> String {
    format!("{}{step}:{to}", open_shift_key_prefix(offer_id))
}

/// What every post and reminder of one offer's key starts with.
pub fn open_shift_key_prefix(offer_id: i64) -> String {
    format!("offer:{offer_id}:")
}

/// A rota note about an offer or assignment to one person.
pub fn rota_note_key(about: &str, user: &str) -> String {
    format!("rota-note:{about}:{user}")
}

/// A community's retention run on one day (UTC).
pub fn retention_key(community_id: &str, day: chrono::NaiveDate) -> String {
    format!("retention:{community_id}:{day}")
}

/// The hour (UTC) of each day the retention run is due: a quiet time in most zones.
pub const RETENTION_HOUR: u32 = 3;

/// The community's next retention run after `now`: today's at [`RETENTION_HOUR`], or
/// tomorrow's when that has passed.
pub fn plan_retention(community_id: &str, now: DateTime<Utc>) -> PlannedJob {
    let today = now.date_naive();
    let at = |day: chrono::NaiveDate| {
        day.and_hms_opt(RETENTION_HOUR, 0, 0)
            .map(|local| local.and_utc())
            .unwrap_or(now)
    };
    let day = if at(today) > now {
        today
    } else {
        today.succ_opt().unwrap_or(today)
    };
    PlannedJob {
        kind: JobKind::Retention,
        dedupe_key: retention_key(community_id, day),
        target: None,
        payload: String::new(),
        due_at: at(day),
        expires_at: None,
    }
}

/// The key of a community's quarterly round for one quarter (`2026-Q4`).
pub fn quarterly_key(community_id: &str, quarter: &str) -> String {
    format!("quarterly:{community_id}:{quarter}")
}

/// The key of one member's quarterly DM.
pub fn quarterly_dm_key(community_id: &str, quarter: &str, user: &str) -> String {
    format!("quarterly-dm:{community_id}:{quarter}:{user}")
}

/// How long a quarterly DM may still go out after its round (after that, too little
/// of the answer window would be left to be worth a message).
pub const QUARTERLY_DM_EXPIRY: Duration = Duration::days(7);

/// The community's next quarterly round after `now`: the quarter's question goes out
/// the morning after the quarter ends. Its payload is the quarter.
pub fn plan_quarterly(community_id: &str, now: DateTime<Utc>) -> PlannedJob {
    let quarter = super::quarterly::next_round(now).to_string();
    let due_at = super::quarterly::next_round(now).send_at();
    PlannedJob {
        kind: JobKind::Quarterly,
        dedupe_key: quarterly_key(community_id, &quarter),
        target: None,
        payload: quarter,
        due_at,
        expires_at: Some(due_at + QUARTERLY_DM_EXPIRY),
    }
}

/// The key of a session's debrief fan-out, at its end.
pub fn debriefs_key(session_id: i64) -> String {
    format!("debriefs:{session_id}")
}

/// The key of one facilitator's debrief DM for a session.
pub fn debrief_dm_key(session_id: i64, user: &str) -> String {
    format!("debrief:{session_id}:{user}")
}

/// The key of the alert carrying one debrief's flag.
pub fn debrief_flag_key(debrief_id: i64) -> String {
    format!("debrief-flag:{debrief_id}")
}

/// How long a debrief DM may still go out after its session ended.
pub const DEBRIEF_EXPIRY: Duration = Duration::days(2);

/// At a session's end, the job that asks each facilitator on it how it went.
pub fn plan_debriefs(session_id: i64, ends_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<PlannedJob> {
    (ends_at > now).then(|| PlannedJob {
        kind: JobKind::Debriefs,
        dedupe_key: debriefs_key(session_id),
        target: None,
        payload: String::new(),
        due_at: ends_at,
        expires_at: Some(ends_at + DEBRIEF_EXPIRY),
    })
}

/// How long card edits wait so a burst of clicks becomes one edit.
pub const CARD_EDIT_COALESCE: Duration = Duration::seconds(2);

/// The (re-armable) redraw of a posted card, a moment from now.
pub fn plan_card_edit(session_id: i64, ends_at: DateTime<Utc>, now: DateTime<Utc>) -> PlannedJob {
    PlannedJob {
        kind: JobKind::CardEdit,
        dedupe_key: card_edit_key(session_id),
        target: None,
        payload: String::new(),
        due_at: now + CARD_EDIT_COALESCE,
        expires_at: Some(ends_at.max(now) + Duration::hours(1)),
    }
}

/// The card of a scheduled session: posted `lead` before it starts (or now, when that
/// has passed), then redrawn as it starts and as it ends.
pub fn plan_card(
    session_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    lead: Duration,
    now: DateTime<Utc>,
) -> Vec<PlannedJob> {
    if ends_at <= now {
        return Vec::new();
    }
    let job = |kind, dedupe_key, due_at: DateTime<Utc>| PlannedJob {
        kind,
        dedupe_key,
        target: None,
        payload: String::new(),
        due_at,
        expires_at: Some(ends_at),
    };
    let mut planned = vec![job(
        JobKind::Card,
        card_key(session_id),
        (starts_at - lead).max(now),
    )];
    if starts_at > now {
        planned.push(job(
            JobKind::CardEdit,
            card_moment_key(session_id, "start"),
            starts_at,
        ));
    }
    planned.push(PlannedJob {
        expires_at: Some(ends_at + Duration::hours(1)),
        ..job(JobKind::CardEdit, card_moment_key(session_id, "end"), ends_at)
    });
    // A day after the end the check-out closes: the card is redrawn without its
    // buttons, so nobody presses one only to hear it is too late.
    let closes = ends_at + super::outcome::CHECKOUT_WINDOW;
    planned.push(PlannedJob {
        expires_at: Some(closes + Duration::hours(1)),
        ..job(JobKind::CardEdit, card_moment_key(session_id, "closed"), closes)
    });
    planned
}

/// The channel reminders of one scheduled session: one per offset whose time has not
/// passed. Each expires when the session starts: a late reminder is no reminder.
pub fn plan_reminders(
    session_id: i64,
    starts_at: DateTime<Utc>,
    zone: Tz,
    offsets: &[Offset],
    now: DateTime<Utc>,
) -> Vec<PlannedJob> {
    offsets
        .iter()
        .map(|offset| (offset, offset.due_at(starts_at, zone)))
        .filter(|(_, due_at)| *due_at >= now && *due_at < starts_at)
        .map(|(offset, due_at)| PlannedJob {
            kind: JobKind::Reminder,
            dedupe_key: reminder_key(session_id, *offset),
            target: None,
            payload: offset.to_string(),
            due_at,
            expires_at: Some(starts_at),
        })
        .collect()
}

/// How far ahead of a session's first job the roll plans its jobs. Sessions are
/// stored weeks ahead, but writing every one's card and reminders at once is most of
/// the roll's cost; planning them only as they come near keeps the job tables small.
/// It must exceed the longest gap between rolls (`hearth serve` rolls every 6 hours,
/// the console at least daily) so no job is planned after its time; a week also
/// covers a `hearth serve` that was down for days, and keeps the jobs of this week's
/// and next week's sessions in the outbox, where `/status` and the dispatcher see them.
pub const JOB_WINDOW_SLACK: Duration = Duration::days(7);

/// When a session's jobs should be planned: [`JOB_WINDOW_SLACK`] before the first of
/// them (its card, `lead` before it starts, or its earliest reminder).
pub fn plan_jobs_at(starts_at: DateTime<Utc>, zone: Tz, lead: Duration, offsets: &[Offset]) -> DateTime<Utc> {
    let first = offsets
        .iter()
        .map(|offset| offset.due_at(starts_at, zone))
        .fold(starts_at - lead, DateTime::min);
    first - JOB_WINDOW_SLACK
}

/// Whether a session's jobs are planned now (`None`), or when the roll should plan
/// them. Every path that plans a session's jobs asks this, so a session entering the
/// window is planned once, by whichever comes first.
pub fn jobs_wait_until(
    starts_at: DateTime<Utc>,
    zone: Tz,
    lead: Duration,
    offsets: &[Offset],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let at = plan_jobs_at(starts_at, zone, lead, offsets);
    (at > now).then_some(at)
}

/// How long to wait before retry number `attempts` (1-based): exponential from 5 s,
/// capped at an hour, spread by `jitter` in [0, 1) over ±20% so retries after an
/// outage don't arrive together.
pub fn backoff(attempts: u32, jitter: f64) -> Duration {
    let base = 5.0 * 2f64.powi(attempts.saturating_sub(1).min(20) as i32);
    let capped = base.min(3600.0);
    let spread = capped * (0.8 + 0.4 * jitter.clamp(0.0, 1.0));
    Duration::milliseconds((spread * 1000.0) as i64)
}

/// After this many tries a job is failed and shown in `/status`.
pub const MAX_ATTEMPTS: i64 = 10;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reminders_are_planned_only_for_times_still_ahead() {
        let start = Utc.with_ymd_and_hms(2026, 3, 10, 18, 30, 0).unwrap();
        let offsets = [Offset::Minutes(24 * 60), Offset::Minutes(60)];
        let now = start - Duration::hours(3);

        let planned = plan_reminders(7, start, chrono_tz::Europe::London, &offsets, now);

        assert_eq!(planned.len(), 1);
        assert_eq!(planned[0].dedupe_key, "reminder:7:1h");
        assert_eq!(planned[0].due_at, start - Duration::hours(1));
        assert_eq!(planned[0].expires_at, Some(start));
    }

    #[test]
    fn a_session_beyond_the_window_waits_until_its_first_job_is_a_window_off() {
        let start = Utc.with_ymd_and_hms(2026, 3, 30, 18, 30, 0).unwrap();
        let offsets = [Offset::Minutes(60), Offset::Days(1)];
        let lead = Duration::days(3);
        let now = start - Duration::weeks(4);

        let wait = jobs_wait_until(start, chrono_tz::Europe::London, lead, &offsets, now);

        assert_eq!(wait, Some(start - Duration::days(3) - JOB_WINDOW_SLACK));
    }

    #[test]
    fn the_largest_reminder_offset_opens_the_window_when_it_is_before_the_card() {
        let start = Utc.with_ymd_and_hms(2026, 5, 30, 18, 30, 0).unwrap();
        let offsets = [Offset::Days(30), Offset::Minutes(60)];
        let zone = chrono_tz::Europe::London;

        let at = plan_jobs_at(start, zone, Duration::days(1), &offsets);

        assert_eq!(at, Offset::Days(30).due_at(start, zone) - JOB_WINDOW_SLACK);
    }

    #[test]
    fn a_session_inside_the_window_has_its_jobs_planned_now() {
        let start = Utc.with_ymd_and_hms(2026, 3, 30, 18, 30, 0).unwrap();
        let lead = Duration::days(1);
        let edge = start - lead - JOB_WINDOW_SLACK;

        let zone = chrono_tz::Europe::London;
        assert_eq!(jobs_wait_until(start, zone, lead, &[], edge), None);
        assert_eq!(
            jobs_wait_until(start, zone, lead, &[], edge - Duration::seconds(1)),
            Some(edge)
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 0.5), Duration::seconds(5));
        assert_eq!(backoff(2, 0.5), Duration::seconds(10));
        assert_eq!(backoff(30, 0.5), Duration::hours(1));
        assert!(backoff(3, 0.0) < backoff(3, 0.99));
    }

    #[test]
    fn the_retention_run_is_due_at_three_in_the_morning_utc_today_or_tomorrow() {
        let before = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 1, 3, 0, 0).unwrap();

        assert_eq!(plan_retention("c", before).due_at, after);
        assert_eq!(plan_retention("c", before).dedupe_key, "retention:c:2026-03-01");
        assert_eq!(plan_retention("c", after).due_at, after + Duration::days(1));
    }

    #[test]
    fn states_and_kinds_round_trip() {
        for state in JobState::ALL {
            assert_eq!(state.as_str().parse::<JobState>(), Ok(state));
        }
        assert_eq!("dm-reminder".parse::<JobKind>(), Ok(JobKind::DmReminder));
    }
}
