//! Materialising series into sessions over the rolling horizon: one series inside a
//! command's own transaction (`/meeting add`, `/meeting end`, a zone change), and
//! every group as time passes (the horizon roll).
//!
//! The roll must not hold the write lock for long: with thousands of groups, one
//! transaction across all of them would make every command wait, past its busy
//! timeout. So it reads a page of groups, their series and stored sessions and expands
//! the rules with no transaction open, and only a group that has something to change
//! gets a write, inside which whatever a command could have changed since (the group,
//! its series, its stored sessions) is read again, so a concurrent edit is neither lost
//! nor doubled. Groups are written several to a short `BEGIN IMMEDIATE`, committed once
//! it has held the lock for [`BATCH_HOLD`]: a commit per group would cost more than the
//! writing. Each group has its own savepoint, so one that fails is rolled back alone,
//! logged and left for the next roll; the others still roll.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
// tokio's clock, not std's: the same in production, and paused with the rest of
// time in tests and the simulator, so how the roll batches its writes replays.
use tokio::time::Instant;

use crate::domain::dropin::closing;
use crate::domain::group::GroupKind;
use crate::domain::recurrence::Recurrence;
use crate::domain::session::{plan_materialisation, StoredSession, WantedSession};
use crate::store::groups::{self as group_store, Group};
use crate::store::series::{self as series_store, Series};
use crate::store::{self, rsvps, sessions, StoreError};

use super::{dropin, jobs, rsvp, App, AppError};

/// The most occurrences one series expands to in one go; a guard, not a product limit.
const MAX_OCCURRENCES: usize = 20_000;

/// Groups read per page while the roll looks for work: bounds what it holds in memory.
const PAGE: i64 = 256;

/// How long one write transaction of the roll keeps taking groups before it commits:
/// long enough that commits are few, short enough that a command arriving meanwhile
/// waits well under the 50 ms it may.
const BATCH_HOLD: StdDuration = StdDuration::from_millis(20);

/// Sessions whose jobs one transaction plans as they enter the window: a few
/// milliseconds of writing, so a command waits little behind it.
const PLAN_BATCH: i64 = 200;

/// What one horizon roll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollReport {
    /// Sessions added.
    pub added: usize,
    /// Groups that had something to change, written several to a transaction.
    pub groups: usize,
    /// Sessions stored earlier whose jobs this roll planned, as their first job came
    /// near.
    pub planned: usize,
    /// Jobs queued for those sessions.
    pub planned_jobs: usize,
    /// Groups left as they were because something failed (each is logged); the roll
    /// went on with the others, and the next roll tries them again.
    pub failed: usize,
    /// The longest of the roll's write transactions, from taking the lock (`BEGIN
    /// IMMEDIATE` returning) to the end of `COMMIT`: about what a command arriving during the roll can have had
    /// to wait for the lock. An upper bound: it includes any WAL checkpoint SQLite
    /// runs as a commit ends, after the lock is released.
    pub longest_write: StdDuration,
}

/// One series as surveyed, with the sessions its rule wants over the horizon.
struct SurveyedSeries {
    series: Series,
    wanted: Vec<WantedSession>,
}

/// A group the survey found something to change in, with its series as read then.
struct GroupWork {
    group: Group,
    series: Vec<SurveyedSeries>,
}

/// What the survey says about one group of a page that needs attention.
enum Surveyed {
    Work(GroupWork),
    Failed { group_id: i64, error: AppError },
}

/// The advisory lock key of the horizon roll (see [`store::try_turn`]).
const HORIZON_TURN: i64 = 0x6865_6172_7468_0001;

impl App {
    /// Materialises every active series up to the horizon, a group at a time. Run at
    /// start-up and as time passes, so the horizon rolls forward. Fails only when the
    /// groups can't be read at all; a group that fails is counted in
    /// [`RollReport::failed`] and logged.
    pub async fn roll_horizon(&self) -> Result<RollReport, AppError> {
        // Processes sharing a database take turns: the roll is safe twice at once,
        // but the second would only redo the first's reading.
        let Some(turn) = store::try_turn(&self.pool, HORIZON_TURN).await? else {
            tracing::info!("another hearth process is rolling the horizon; this one leaves it to it");
            return Ok(RollReport::default());
        };
        let report = self.roll_horizon_in_turn().await?;
        turn.release().await?;
        Ok(report)
    }

    async fn roll_horizon_in_turn(&self) -> Result<RollReport, AppError> {
        let now = self.now();
        let mut report = RollReport::default();
        let mut after = 0;
        loop {
            let page = group_store::active_page(&self.pool, after, PAGE).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.id;
            let mut wrote = false;
            // The open batch: its transaction, when it took the lock, and what its
            // groups added (counted once it commits).
            let mut batch: Option<(store::Tx, Instant, usize, usize)> = None;
            for surveyed in self.survey(page, now).await? {
                let work = match surveyed {
                    Surveyed::Work(work) => work,
                    Surveyed::Failed { group_id, error } => {
                        report.failed += 1;
                        tracing::warn!(group = group_id, %error, "could not roll this group's sessions forward; rolling the others");
                        continue;
                    }
                };
                let (tx, held, added, groups) = match batch.as_mut() {
                    Some(open) => open,
                    None => {
                        let tx = store::begin_write(&self.pool).await?;
                        batch.insert((tx, Instant::now(), 0, 0))
                    }
                };
                match self.roll_group(tx, &work, now).await {
                    Ok(Some(n)) => {
                        *added += n;
                        *groups += 1;
                    }
                    // Archived or deleted since the survey: nothing to roll.
                    Ok(None) => {}
                    Err(error) => {
                        report.failed += 1;
                        tracing::warn!(group = work.group.id, %error, "could not roll this group's sessions forward; rolling the others");
                    }
                }
                if held.elapsed() >= BATCH_HOLD {
                    if let Some(open) = batch.take() {
                        wrote |= commit_batch(open, &mut report).await;
                    }
                }
            }
            if let Some(open) = batch.take() {
                wrote |= commit_batch(open, &mut report).await;
            }
            // Once a page rather than after every group: the dispatcher re-plans its
            // sleep on each wake-up, and would otherwise compete with the roll for the
            // write lock thousands of times.
            if wrote {
                self.jobs_changed.notify_one();
            }
        }
        self.plan_jobs_entering_window(now, &mut report).await?;
        self.keep_prompt_schedules_ticking(now).await?;
        self.keep_retention_daily(now).await?;
        self.keep_quarterly_planned(now).await?;
        self.keep_dropin_status_planned(now).await?;
        Ok(report)
    }

    /// Plans the jobs of stored sessions whose first job has come near, a batch per
    /// short transaction, until none is left waiting.
    async fn plan_jobs_entering_window(
        &self,
        now: DateTime<Utc>,
        report: &mut RollReport,
    ) -> Result<(), AppError> {
        loop {
            let mut tx = store::begin_write(&self.pool).await?;
            let held = Instant::now();
            let (sessions, queued) = jobs::plan_jobs_entering_window(&mut tx, now, PLAN_BATCH).await?;
            if sessions == 0 {
                // Nothing written: end the transaction without a commit to wait for.
                tx.rollback().await.map_err(StoreError::from)?;
                return Ok(());
            }
            tx.commit().await.map_err(StoreError::from)?;
            report.longest_write = report.longest_write.max(held.elapsed());
            report.planned += sessions;
            report.planned_jobs += queued;
            self.jobs_changed.notify_one();
        }
    }

    /// Reads a page of groups' series and stored sessions (no transaction: a snapshot
    /// is enough to decide where to look) and expands each rule. Groups with nothing
    /// to change are left out.
    async fn survey(&self, page: Vec<Group>, now: DateTime<Utc>) -> Result<Vec<Surveyed>, AppError> {
        let (Some(first), Some(last)) = (page.first().map(|g| g.id), page.last().map(|g| g.id)) else {
            return Ok(Vec::new());
        };
        let mut series_of: HashMap<i64, Vec<Series>> = HashMap::new();
        for series in series_store::list_for_groups(&self.pool, first, last).await? {
            series_of.entry(series.group_id).or_default().push(series);
        }
        // Every zone's yesterday is on or after this date; each group's own cut is
        // applied below, as the write does.
        let earliest = now
            .date_naive()
            .checked_sub_days(Days::new(2))
            .unwrap_or(NaiveDate::MIN);
        let mut stored_of: HashMap<i64, Vec<StoredSession>> = HashMap::new();
        for (series_id, stored) in sessions::for_groups_from(&self.pool, first, last, earliest).await? {
            stored_of.entry(series_id).or_default().push(stored);
        }
        let mut found = Vec::new();
        for group in page {
            let Some(series) = series_of.remove(&group.id) else {
                continue;
            };
            let from = from_date(group.zone, now);
            let mut needed = false;
            let mut surveyed = Vec::with_capacity(series.len());
            let mut failed = None;
            for series in series {
                let wanted = match self.wanted_sessions(&series, group.zone, group.kind, now) {
                    Ok(wanted) => wanted,
                    Err(error) => {
                        failed = Some(error);
                        break;
                    }
                };
                let mut stored = stored_of.remove(&series.id).unwrap_or_default();
                stored.retain(|s| s.local_date >= from);
                needed |= !plan_materialisation(&stored, &wanted, now).is_empty();
                surveyed.push(SurveyedSeries { series, wanted });
            }
            match failed {
                Some(error) => found.push(Surveyed::Failed {
                    group_id: group.id,
                    error,
                }),
                None if needed => found.push(Surveyed::Work(GroupWork {
                    group,
                    series: surveyed,
                })),
                None => {}
            }
        }
        Ok(found)
    }

    /// Writes one group's changes inside the caller's write transaction, under a
    /// savepoint of its own, so a failure undoes this group's writes and no other's.
    /// Under the lock the group, its series and their stored sessions are read again:
    /// a series added, edited or ended since the survey is expanded afresh, and
    /// sessions another writer added or moved meanwhile are seen, so nothing is lost
    /// or inserted twice. Returns how many sessions it added, or `None` if the group
    /// was archived or deleted meanwhile.
    async fn roll_group(
        &self,
        outer: &mut store::Tx,
        work: &GroupWork,
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, AppError> {
        let mut tx = store::savepoint(outer).await?;
        let Some(group) = group_store::get(&mut *tx, work.group.id).await? else {
            return Ok(None);
        };
        if group.archived {
            return Ok(None);
        }
        let mut added = 0;
        for series in series_store::list_for_group(&mut *tx, group.id).await? {
            let surveyed = work
                .series
                .iter()
                .find(|s| s.series == series && work.group.zone == group.zone);
            let wanted = match surveyed {
                Some(surveyed) => Cow::Borrowed(surveyed.wanted.as_slice()),
                None => Cow::Owned(self.wanted_sessions(&series, group.zone, group.kind, now)?),
            };
            added += self
                .apply_wanted(&mut tx, &series, &group, group.zone, &wanted, now)
                .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Some(added))
    }

    /// Brings one series' sessions in line with its rule over the horizon, keeping
    /// the rows (and ids) of unchanged dates, inside the caller's transaction.
    /// Returns how many sessions were added.
    pub(super) async fn materialise(
        &self,
        conn: &mut store::Conn,
        series: &Series,
        zone: Tz,
        now: DateTime<Utc>,
    ) -> Result<usize, AppError> {
        let group = group_store::get(&mut *conn, series.group_id)
            .await?
            .ok_or_else(|| AppError::internal(&StoreError::Corrupt("series without group".into())))?;
        let wanted = self.wanted_sessions(series, zone, group.kind, now)?;
        self.apply_wanted(conn, series, &group, zone, &wanted, now).await
    }

    /// The sessions a series' rule has from `now` to the horizon, in `zone`; those
    /// after the series' end are marked `past_end`. A meeting lasts its duration; a
    /// drop-in is open until its closing wall time, so on the night the clocks change
    /// it still closes at 03:00 as its hours say (its stored duration is the window's
    /// wall-clock length), not an hour before or after.
    fn wanted_sessions(
        &self,
        series: &Series,
        zone: Tz,
        kind: GroupKind,
        now: DateTime<Utc>,
    ) -> Result<Vec<WantedSession>, AppError> {
        let recurrence =
            Recurrence::from_stored(series.start_local, &series.rrule).map_err(|e| AppError::internal(&e))?;
        let duration = Duration::minutes(series.duration_minutes);
        Ok(recurrence
            .occurrences(zone, now, self.horizon_end(now), MAX_OCCURRENCES)
            .into_iter()
            .map(|o| {
                let ends_at = match kind {
                    GroupKind::Meeting => o.starts_at + duration,
                    GroupKind::DropIn => o
                        .local_start
                        .checked_add_signed(duration)
                        .map_or(o.starts_at + duration, |end| {
                            closing(zone, end, o.starts_at, duration)
                        }),
                };
                WantedSession {
                    local_date: o.local_date,
                    starts_at: o.starts_at,
                    ends_at,
                    past_end: series.ended_after.is_some_and(|last| o.local_date > last),
                }
            })
            .collect())
    }

    /// Compares `wanted` with the series' stored sessions, read through `conn`, and
    /// writes the difference: new sessions and their jobs in one statement each,
    /// re-timed and removed ones (rare: a rule or zone changed) one by one.
    async fn apply_wanted(
        &self,
        conn: &mut store::Conn,
        series: &Series,
        group: &Group,
        zone: Tz,
        wanted: &[WantedSession],
        now: DateTime<Utc>,
    ) -> Result<usize, AppError> {
        let stored = sessions::for_series_from(&mut *conn, series.id, from_date(zone, now)).await?;
        let plan = plan_materialisation(&stored, wanted, now);
        if !plan.insert.is_empty() {
            let waits = jobs::new_sessions_wait(group, &plan.insert, now)?;
            let rows: Vec<(&WantedSession, Option<DateTime<Utc>>)> = plan.insert.iter().zip(waits).collect();
            let ids = sessions::insert_many(&mut *conn, series.id, &rows).await?;
            // A drop-in's day closed before it was stored is cancelled at once.
            let stored: Vec<(i64, NaiveDate)> = ids
                .iter()
                .zip(&rows)
                .map(|(id, (session, _))| (*id, session.local_date))
                .collect();
            let closed = dropin::cancel_on_closed_days(conn, group, &stored).await?;
            let ids: Vec<i64> = ids.into_iter().filter(|id| !closed.contains(id)).collect();
            // Only those inside the window get their jobs now; the roll plans the
            // others' as they come near.
            let in_window: Vec<(i64, &WantedSession)> = stored
                .iter()
                .zip(&rows)
                .filter(|((id, _), (_, wait))| wait.is_none() && !closed.contains(id))
                .map(|((id, _), (session, _))| (*id, *session))
                .collect();
            jobs::queue_new_session_jobs(conn, group, &in_window, now).await?;
            // Read once per series: most have none, and those that do share them.
            let regulars = rsvps::regulars(&mut *conn, series.id).await?;
            for id in &ids {
                rsvp::apply_regulars(conn, &regulars, *id, now).await?;
            }
            // New sessions of a group with `rota:auto` are filled from its pool.
            self.auto_fill(conn, group, &ids, now).await?;
        }
        for (id, session) in &plan.retime {
            sessions::retime(&mut *conn, *id, session.starts_at, session.ends_at).await?;
            jobs::sync_session_jobs(conn, *id, true, now).await?;
        }
        for id in &plan.remove {
            sessions::delete(&mut *conn, *id).await?;
            jobs::sync_session_jobs(conn, *id, true, now).await?;
        }
        // Past the series' end: cancelled as `/meeting cancel` would, answers kept.
        for id in &plan.end {
            sessions::end(&mut *conn, *id, sessions::ENDED_NOTE).await?;
            jobs::sync_session_jobs(conn, *id, true, now).await?;
        }
        if let Some(first) = plan.end.first() {
            jobs::announce_end(conn, *first, now).await?;
        }
        // Reached again: back as they were, with their answers and their jobs.
        for (id, session) in &plan.restore {
            sessions::restore(&mut *conn, *id, session.starts_at, session.ends_at, now).await?;
            store::jobs::revive_for_session(&mut *conn, *id, jobs::SERIES_ENDED, now).await?;
            jobs::sync_session_jobs(conn, *id, true, now).await?;
        }
        Ok(plan.insert.len())
    }
}

/// Commits one batch of groups and counts what it wrote; returns whether anything was
/// committed. A failed commit loses the whole batch: its groups are counted as failed,
/// logged, and rolled by the next roll.
async fn commit_batch(
    (tx, held, added, groups): (store::Tx, Instant, usize, usize),
    report: &mut RollReport,
) -> bool {
    match tx.commit().await {
        Ok(()) => {
            report.added += added;
            report.groups += groups;
            report.longest_write = report.longest_write.max(held.elapsed());
            groups > 0
        }
        Err(error) => {
            report.failed += groups;
            tracing::warn!(groups, error = %StoreError::from(error), "could not commit a batch of groups' sessions; the next roll tries them again");
            false
        }
    }
}

/// The first local date whose stored sessions materialising compares: yesterday in
/// the group's zone, so a session that has just started is still seen.
fn from_date(zone: Tz, now: DateTime<Utc>) -> NaiveDate {
    let today = now.with_timezone(&zone).date_naive();
    today.pred_opt().unwrap_or(today)
}

#[cfg(test)]
mod tests {
    //! The roll's survey and its per-group writes, taken apart so a command can run
    //! in between, as it may in `hearth serve`.

    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::app::{groups::GroupCreate, meetings::MeetingAdd, setup::SetupInput, Actor, AppSettings};
    use crate::clock::ManualClock;
    use crate::domain::role::Role;

    fn coordinator() -> Actor {
        Actor {
            community_id: "guild".into(),
            user_id: "user:cora".into(),
            name: "Cora".into(),
            role: Role::Coordinator,
        }
    }

    /// Two groups with a weekly series each, then four weeks on: each has four
    /// sessions to add.
    async fn two_groups_four_weeks_on() -> (App, ManualClock) {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
        let pool = store::open_in_memory().await.unwrap();
        store::migrate(&pool).await.unwrap();
        let app = App::new(pool, Arc::new(clock.clone()), AppSettings::default());
        let zone = SetupInput {
            timezone: Some(crate::app::input::zone("Europe/London").unwrap()),
            ..Default::default()
        };
        app.setup(&coordinator(), zone).await.unwrap();
        for name in ["Tuesday Circle", "Open Door"] {
            let group = GroupCreate {
                name: name.into(),
                channel: "#circle".into(),
                ..Default::default()
            };
            app.group_create(&coordinator(), group).await.unwrap();
            let weekly = MeetingAdd {
                group: name.into(),
                when: crate::app::input::when("2026-03-10 18:30").unwrap(),
                repeat: Some(crate::app::input::repeat("weekly").unwrap()),
                ..Default::default()
            };
            app.meeting_add(&coordinator(), weekly).await.unwrap();
        }
        clock.advance(Duration::weeks(4));
        (app, clock)
    }

    async fn surveyed(app: &App) -> Vec<GroupWork> {
        let page = group_store::active_page(&app.pool, 0, PAGE).await.unwrap();
        app.survey(page, app.now())
            .await
            .unwrap()
            .into_iter()
            .map(|found| match found {
                Surveyed::Work(work) => work,
                Surveyed::Failed { error, .. } => panic!("{error}"),
            })
            .collect()
    }

    /// Rolls one group in a batch of its own, committed at once.
    async fn roll_alone(app: &App, work: &GroupWork) -> Option<usize> {
        let mut tx = store::begin_write(&app.pool).await.unwrap();
        let rolled = app.roll_group(&mut tx, work, app.now()).await.unwrap();
        tx.commit().await.unwrap();
        rolled
    }

    async fn count(app: &App, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
    }

    #[tokio::test]
    async fn a_command_between_two_groups_writes_and_the_second_group_sees_it() {
        let (app, _clock) = two_groups_four_weeks_on().await;
        let work = surveyed(&app).await;
        assert_eq!(work.len(), 2);

        let first = roll_alone(&app, &work[0]).await;
        // The first group is committed and the lock is free: a command on the second
        // group goes through (with one connection, a held transaction would stall it).
        app.meeting_end(
            &coordinator(),
            crate::app::input::SeriesId(2),
            Some(crate::app::input::date("2026-04-07").unwrap()),
        )
        .await
        .unwrap();
        let second = roll_alone(&app, &work[1]).await;

        assert_eq!(first, Some(4));
        assert_eq!(second, Some(0), "the end was kept");
        let past_end = count(
            &app,
            "SELECT COUNT(*) FROM session WHERE series_id = 2 AND local_date > '2026-04-07' AND ended = 0",
        )
        .await;
        assert_eq!(past_end, 0);
    }

    #[tokio::test]
    async fn two_rolls_surveyed_at_the_same_moment_add_each_session_once() {
        let (app, _clock) = two_groups_four_weeks_on().await;
        let sessions_before = count(&app, "SELECT COUNT(*) FROM session").await;
        let jobs_before = count(&app, "SELECT COUNT(*) FROM job WHERE kind != 'retention'").await;
        let one = surveyed(&app).await;
        let other = surveyed(&app).await;

        let mut added = 0;
        for work in one.iter().chain(&other) {
            added += roll_alone(&app, work).await.unwrap_or(0);
        }

        assert_eq!(added, 8);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM session").await,
            sessions_before + 8
        );
        let jobs_added =
            count(&app, "SELECT COUNT(*) FROM job WHERE kind != 'retention'").await - jobs_before;
        let fresh = app.roll_horizon().await.unwrap();
        assert_eq!((fresh.added, fresh.groups), (0, 0), "{fresh:?}");
        // The only session jobs the fresh roll queues are those of sessions stored four
        // weeks ago whose window has since opened (it also plans the retention run).
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM job WHERE kind != 'retention'").await - jobs_before,
            jobs_added + i64::try_from(fresh.planned_jobs).unwrap()
        );
    }

    #[tokio::test]
    async fn a_group_archived_after_the_survey_gets_no_new_sessions() {
        let (app, _clock) = two_groups_four_weeks_on().await;
        let work = surveyed(&app).await;
        let before = count(&app, "SELECT COUNT(*) FROM session").await;

        app.group_archive(&coordinator(), "Tuesday Circle").await.unwrap();
        let rolled = roll_alone(&app, &work[0]).await;

        assert_eq!(rolled, None);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM session").await, before);
    }
}
