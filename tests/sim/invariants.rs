//! The promises, checked after every step, each failing by its own name:
//!
//! - `delivered-once`: no job's message is held twice by Discord after nonce dedupe.
//! - `pacing`: hearth's own requests never go beyond Discord's limits.
//! - `no-mentions`: no `@everyone`, `@here` or `<@user>` in anything hearth posts.
//! - `no-names-in-public-posts`: no attendee's name in a channel post of a group
//!   that is not public.
//! - `job-settled`: every job past its due time is sent, or skipped or failed — none
//!   pending (or sending) for ever; `job-reason`: a skipped or failed job says why.
//! - `places`: never more going than places (no one let in past the limit);
//!   `promotion`: no one waiting while a place is free, and places given in waitlist
//!   order; `waitlist-order`: waitlist numbers run 1, 2, 3… with no gaps.
//! - `rota-time-away`, `rota-cap`: no facilitator holds a shift in their time away
//!   or beyond their monthly cap; `gap-alerted`: a session of a group with a rota
//!   (a pool), short of facilitators two days before it starts, has its gap alert.
//! - `shown-times`: every moment a post about one session shows (a card, a reminder,
//!   a duty notice, a gap alert, a cancellation…) is that session's stored start or
//!   end, in its group's zone; with `dst`, every time shown is the rule's.
//! - `dst`: every session's start is its rule's local date and time in the group's
//!   zone, resolved by the one DST policy (computed here independently), and a
//!   drop-in's end its window's closing wall time, resolved the same way (or, should
//!   the clocks' gap swallow the whole window, its length after its opening).
//! - `prompt-once-per-cycle`, `prompt-not-twice-in-a-row`, `prompt-approved-only`.
//! - `calendar-times`, `calendar-complete`, `calendar-status`, `calendar-sequence`,
//!   `calendar-no-names` (in `calendar.rs`): each community's calendar feed, read as
//!   a calendar app reads it.
//! - `export-after-forget` (in `mod.rs`): a member who had their data forgotten
//!   exports nothing, after every step until they answer, check in or submit again.
//! - `no-internal-errors` (in `mod.rs`): no use-case or dispatcher step fails on
//!   hearth's side except by a planned crash.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::SqliteConnection;

use super::calendar::Feeds;
use super::discord::FaultyDiscord;
use super::workload::{FACILITATORS, MEMBERS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub name: &'static str,
    pub detail: String,
}

fn broken(name: &'static str, detail: impl Into<String>) -> Result<(), Violation> {
    Err(Violation {
        name,
        detail: detail.into(),
    })
}

/// How long a due job may wait (backoff, rate limits, a lane's queue) while hearth
/// runs before it counts as lost. Time the process spends down does not count: no job
/// can go while it is.
const SETTLE: Duration = Duration::hours(6);

/// The latest due time whose jobs have had [`SETTLE`] of hearth running since: `now`
/// less `SETTLE`, and less every stretch of `down` (in order, none overlapping)
/// that falls between.
fn settled_by(now: DateTime<Utc>, down: &[(DateTime<Utc>, DateTime<Utc>)]) -> DateTime<Utc> {
    let mut at = now;
    let mut left = SETTLE;
    for &(from, to) in down.iter().rev() {
        // Up between this stretch and `at`: spend what is left of SETTLE there.
        let up = at - to.min(at);
        if up >= left {
            break;
        }
        left -= up;
        at = from.min(at);
    }
    at - left
}

/// What each count of writes stands for, and the writes that move it: a check runs
/// again only once a write it reads from has come since it last ran. (Each is
/// moved by any write to the columns named, changed or not; more than needed, never
/// less. SQLite runs triggers for rows deleted by a foreign key's cascade too.)
const WATCHED: &[(&str, &str)] = &[
    ("INSERT ON rsvp", "'rsvp'"),
    ("UPDATE ON rsvp", "'rsvp'"),
    ("DELETE ON rsvp", "'rsvp'"),
    ("INSERT ON rota_assignment", "'rota'"),
    ("UPDATE ON rota_assignment", "'rota'"),
    ("DELETE ON rota_assignment", "'rota'"),
    ("INSERT ON rota_away", "'rota'"),
    ("UPDATE ON rota_away", "'rota'"),
    ("DELETE ON rota_away", "'rota'"),
    ("INSERT ON rota_facilitator", "'rota'"),
    ("UPDATE ON rota_facilitator", "'rota'"),
    ("DELETE ON rota_facilitator", "'rota'"),
    ("INSERT ON session", "'dst'"),
    (
        "UPDATE OF local_date, starts_at, ends_at, status, series_id ON session",
        "'dst', 'rota'",
    ),
    ("INSERT ON series", "'dst'"),
    (
        "UPDATE OF start_local, duration_minutes, group_id ON series",
        "'dst', 'rota'",
    ),
    ("INSERT ON meeting_group", "'groups'"),
    (
        "UPDATE OF timezone, kind, archived_at ON meeting_group",
        "'dst', 'rota'",
    ),
    (
        "UPDATE OF community_id, channel, privacy ON meeting_group",
        "'groups'",
    ),
    ("DELETE ON meeting_group", "'groups'"),
];

/// Puts the counts of writes the checks read from on the file (a table and triggers
/// of the simulator's own, which the database digest leaves out): one read after a
/// step tells which checks have anything new to judge.
pub async fn watch_changes(db: &mut SqliteConnection) {
    let mut statements = vec![
        "CREATE TABLE sim_touch (what TEXT PRIMARY KEY, n INTEGER NOT NULL)".to_string(),
        "INSERT INTO sim_touch (what, n) VALUES ('rsvp', 0), ('rota', 0), ('dst', 0), ('groups', 0)"
            .to_string(),
    ];
    for (i, (event, counts)) in WATCHED.iter().enumerate() {
        statements.push(format!(
            "CREATE TRIGGER sim_touch_{i} AFTER {event} BEGIN \
             UPDATE sim_touch SET n = n + 1 WHERE what IN ({counts}); END"
        ));
    }
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *db)
            .await
            .expect("the checks' counts of writes");
    }
}

pub struct Checker {
    /// Member names by community, to look for in posts.
    names: Vec<Vec<String>>,
    /// Everyone's names, members' and facilitators', to look for in calendar feeds.
    everyone: std::collections::BTreeSet<String>,
    /// Each session's calendar event as last read.
    feeds: Feeds,
    /// The counts of writes to what the checks read (see [`watch_changes`]), as last
    /// read, and each at the last time its checks ran: a check whose inputs saw no
    /// write since finds what it found then, nothing, and is not run again.
    touched: BTreeMap<String, i64>,
    seen: BTreeMap<&'static str, i64>,
    /// Each community's count of writes to what its calendar feed shows, as last read.
    feed_counts: Vec<(String, i64)>,
    /// Each group's channel, community and privacy, as of the `groups` count in `seen`.
    groups: BTreeMap<String, GroupRow>,
    /// The moment of the previous check of jobs, which every step may change: jobs
    /// changed since are looked at again.
    last_jobs: i64,
    last_places: i64,
    /// Per session with a limit: who was going, and the waitlist in order.
    places: BTreeMap<i64, (u32, Vec<String>)>,
    /// Per group channel: the deck's cycle and the prompts posted in it, and the last.
    prompts: BTreeMap<String, (i64, Vec<String>, Option<String>)>,
    /// Whether the `dst` check's table of sessions found right is made.
    dst_table: bool,
    /// When the process was down (from the crash to the restart), in order.
    down: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// (session, places, member, answer, waitlist number)
type AnswerRow = (i64, Option<i64>, String, String, Option<i64>);
type SessionAnswers = (Option<i64>, Vec<String>, Vec<(i64, String)>);

struct GroupRow {
    id: i64,
    community: String,
    privacy: String,
}

/// Each group's id, community and privacy, by its channel.
async fn read_groups(db: &mut SqliteConnection) -> BTreeMap<String, GroupRow> {
    sqlx::query_as::<_, (i64, String, String, String)>(
        "SELECT id, community_id, channel, privacy FROM meeting_group",
    )
    .fetch_all(&mut *db)
    .await
    .expect("groups")
    .into_iter()
    .map(|(id, community, channel, privacy)| {
        (
            channel,
            GroupRow {
                id,
                community,
                privacy,
            },
        )
    })
    .collect()
}

impl Checker {
    pub fn new(communities: u32) -> Self {
        Checker {
            names: (0..communities)
                .map(|c| (0..MEMBERS).map(|m| super::member_name(c, m)).collect())
                .collect(),
            everyone: (0..communities)
                .flat_map(|c| {
                    (0..MEMBERS)
                        .map(move |m| super::member_name(c, m))
                        .chain((0..FACILITATORS).map(move |f| super::facilitator_name(c, f)))
                })
                .collect(),
            feeds: Feeds::default(),
            touched: BTreeMap::new(),
            seen: BTreeMap::new(),
            feed_counts: Vec::new(),
            groups: BTreeMap::new(),
            last_jobs: 0,
            last_places: 0,
            places: BTreeMap::new(),
            prompts: BTreeMap::new(),
            dst_table: false,
            down: Vec::new(),
        }
    }

    /// The communities whose calendar feeds may have changed since last read, each
    /// with its count of changes (see [`super::calendar::watch_feeds`]), as of the
    /// last full check.
    pub fn calendars_changed(&self) -> Vec<(String, i64)> {
        self.feeds.changed(&self.feed_counts)
    }

    /// Reads every count of writes (see [`watch_changes`] and
    /// [`super::calendar::watch_feeds`]), in one statement.
    async fn read_changes(&mut self, db: &mut SqliteConnection) {
        let counts: Vec<(String, i64)> =
            sqlx::query_as("SELECT what, n FROM sim_touch WHERE what IS NOT NULL ORDER BY what")
                .fetch_all(&mut *db)
                .await
                .expect("the counts of writes");
        self.feed_counts.clear();
        for (what, n) in counts {
            match what.strip_prefix(super::calendar::FEED) {
                Some(community) => self.feed_counts.push((community.to_string(), n)),
                None => {
                    self.touched.insert(what, n);
                }
            }
        }
    }

    /// Whether `what` was written since its checks last ran (and so they run now).
    fn moved(&mut self, what: &'static str) -> bool {
        let now = self.touched.get(what).copied();
        let before = self.seen.get(what).copied();
        if let Some(n) = now {
            self.seen.insert(what, n);
        }
        now.is_none() || now != before
    }

    /// The feed of `community`, at `n` changes, passed its checks.
    pub fn calendar_read(&mut self, community: String, n: i64) {
        self.feeds.read_from(community, n);
    }

    /// The `calendar-*` checks of community `community`'s feed, `body`, read at `now`.
    pub async fn calendar(
        &mut self,
        db: &mut SqliteConnection,
        community: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Violation> {
        self.feeds.check(db, community, body, &self.everyone, now).await
    }

    /// The process was down from `from` to `to` (killed, then started again).
    pub fn down(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) {
        self.down.push((from, to));
    }

    /// Checks what a step may have broken. A dispatcher step changes only jobs and
    /// what Discord holds (`full` false); a workload step or a roll of the horizon
    /// may change anything.
    pub async fn check(
        &mut self,
        db: &mut SqliteConnection,
        discord: &FaultyDiscord,
        now: DateTime<Utc>,
        full: bool,
    ) -> Result<(), Violation> {
        use super::profile;
        if full {
            let t = profile::start();
            self.read_changes(db).await;
            profile::note("  check what changed", t);
        }
        let t = profile::start();
        self.discord(db, discord).await?;
        profile::note("  check discord", t);
        let t = profile::start();
        jobs(db, now, settled_by(now, &self.down), self.last_jobs).await?;
        profile::note("  check jobs", t);
        self.last_jobs = now.timestamp();
        if !full {
            return Ok(());
        }
        if self.moved("rsvp") {
            let t = profile::start();
            self.places(db, now).await?;
            profile::note("  check places", t);
        }
        if self.moved("rota") {
            let t = profile::start();
            rota(db, now).await?;
            profile::note("  check rota", t);
        }
        // Time alone brings sessions into the two days ahead.
        let t = profile::start();
        gaps(db, now).await?;
        profile::note("  check gaps", t);
        if self.moved("dst") {
            let t = profile::start();
            dst(db, now, &mut self.dst_table).await?;
            profile::note("  check dst", t);
        }
        Ok(())
    }

    async fn discord(&mut self, db: &mut SqliteConnection, discord: &FaultyDiscord) -> Result<(), Violation> {
        let (duplicates, pacing) = discord.take_breaches();
        if let Some(first) = duplicates.first() {
            return broken("delivered-once", first.clone());
        }
        if let Some(first) = pacing.first() {
            return broken("pacing", first.clone());
        }
        let shown = discord.take_shown();
        if shown.is_empty() {
            return Ok(());
        }
        // A dispatcher step writes no group, so the groups as of the last full check
        // (or the first look) are the groups now.
        if self.moved("groups") {
            self.groups = read_groups(db).await;
        }
        // Held aside while the posts are judged, which takes the checker whole.
        let groups = std::mem::take(&mut self.groups);
        let mut judged = Ok(());
        for post in &shown {
            judged = self.judge_post(db, post, groups.get(&post.to)).await;
            if judged.is_err() {
                break;
            }
        }
        self.groups = groups;
        judged
    }

    /// The checks of one post or edit: its times, mentions, names and prompt.
    async fn judge_post(
        &mut self,
        db: &mut SqliteConnection,
        post: &super::discord::Shown,
        group: Option<&GroupRow>,
    ) -> Result<(), Violation> {
        self.shown_times(db, post).await?;
        for mention in ["@everyone", "@here", "<@"] {
            if post.text.contains(mention) {
                return broken(
                    "no-mentions",
                    format!("{mention} in a post to {}: {}", post.to, post.text),
                );
            }
        }
        if post.is_dm {
            return Ok(());
        }
        let Some(group) = group else {
            return Ok(());
        };
        if group.privacy != "public" {
            let c: usize = group.community.trim_start_matches("sim-c").parse().unwrap_or(0);
            if let Some(name) = self
                .names
                .get(c)
                .and_then(|names| names.iter().find(|n| post.text.contains(n.as_str())))
            {
                return broken(
                    "no-names-in-public-posts",
                    format!(
                        "{name} named in {} ({} group): {}",
                        post.to, group.privacy, post.text
                    ),
                );
            }
        }
        if let Some(token) = prompt_token(&post.text) {
            self.prompt_posted(db, &post.to, group.id, &token).await?;
        }
        Ok(())
    }

    /// `shown-times`: a post about one session shows that session's start (and end) as
    /// stored, which `dst` holds to the rule and the DST policy, in its group's zone.
    async fn shown_times(
        &mut self,
        db: &mut SqliteConnection,
        post: &super::discord::Shown,
    ) -> Result<(), Violation> {
        let Some(job_id) = post
            .nonce
            .as_deref()
            .and_then(|n| n.strip_prefix("hearth-"))
            .and_then(|id| id.parse::<i64>().ok())
        else {
            return Ok(());
        };
        if post.times.is_empty() {
            return Ok(());
        }
        let row: Option<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT j.kind, s.starts_at, s.ends_at, g.timezone FROM job j \
             JOIN session s ON s.id = j.session_id JOIN series x ON x.id = s.series_id \
             JOIN meeting_group g ON g.id = x.group_id WHERE j.id = $1",
        )
        .bind(job_id)
        .fetch_optional(&mut *db)
        .await
        .expect("a posted job");
        // A job about no session (a prompt, a drop-in's hours) shows other moments.
        let Some((kind, starts, ends, zone)) = row else {
            return Ok(());
        };
        for (at, shown_zone) in &post.times {
            if (at.timestamp() != starts && at.timestamp() != ends) || shown_zone.name() != zone {
                return broken(
                    "shown-times",
                    format!(
                        "a {kind} (job {job_id}) shows {at} in {}, but its session runs {} to {} in {zone}: {}",
                        shown_zone.name(),
                        DateTime::from_timestamp(starts, 0).unwrap_or_default(),
                        DateTime::from_timestamp(ends, 0).unwrap_or_default(),
                        post.text
                    ),
                );
            }
        }
        Ok(())
    }

    async fn prompt_posted(
        &mut self,
        db: &mut SqliteConnection,
        channel: &str,
        group_id: i64,
        token: &str,
    ) -> Result<(), Violation> {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM prompt WHERE group_id = $1 AND text LIKE $2 || '%'")
                .bind(group_id)
                .bind(token)
                .fetch_optional(&mut *db)
                .await
                .expect("prompt");
        if state.as_deref() != Some("approved") {
            return broken(
                "prompt-approved-only",
                format!(
                    "prompt {token} posted in {channel} while {}",
                    state.unwrap_or_else(|| "unknown".into())
                ),
            );
        }
        let (cycle, approved): (i64, i64) = sqlx::query_as(
            "SELECT d.cycle, (SELECT COUNT(*) FROM prompt p WHERE p.group_id = d.group_id AND p.state = 'approved') \
             FROM prompt_deck d WHERE d.group_id = $1",
        )
        .bind(group_id)
        .fetch_optional(&mut *db)
        .await
        .expect("deck")
        .unwrap_or((0, 0));
        let entry = self
            .prompts
            .entry(channel.to_string())
            .or_insert((cycle, Vec::new(), None));
        if entry.0 != cycle {
            entry.0 = cycle;
            entry.1.clear();
        }
        if entry.1.iter().any(|t| t == token) {
            return broken(
                "prompt-once-per-cycle",
                format!("prompt {token} posted twice in cycle {cycle} of {channel}"),
            );
        }
        // In a row as the deck drew them: a draw whose post failed (its channel gone)
        // is a turn all the same, so what members see may repeat across it.
        let draws: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM job WHERE kind = 'prompt' AND payload LIKE ? AND state IN ('sent', 'failed') \
             ORDER BY due_at DESC, id DESC LIMIT 2",
        )
        .bind(format!("group:{group_id} prompt:%"))
        .fetch_all(&mut *db)
        .await
        .expect("prompt draws");
        if approved >= 2 && draws.len() == 2 && draws[0] == draws[1] && entry.2.as_deref() == Some(token) {
            return broken(
                "prompt-not-twice-in-a-row",
                format!("prompt {token} drawn twice in a row for {channel}"),
            );
        }
        entry.1.push(token.to_string());
        entry.2 = Some(token.to_string());
        Ok(())
    }

    /// Places and the waitlist of sessions whose answers changed since the last look:
    /// after every click of a burst too, so each click is judged on its own.
    pub async fn places(&mut self, db: &mut SqliteConnection, now: DateTime<Utc>) -> Result<(), Violation> {
        let since = self.last_places;
        self.last_places = now.timestamp();
        // Sessions whose answers changed since the last check.
        let rows: Vec<AnswerRow> = sqlx::query_as(
            "SELECT r.session_id, g.capacity, r.user_id, r.state, r.waitlist_position FROM rsvp r \
             JOIN session s ON s.id = r.session_id JOIN series x ON x.id = s.series_id \
             JOIN meeting_group g ON g.id = x.group_id \
             WHERE s.starts_at > $1 AND s.status != 'cancelled' AND r.session_id IN \
             (SELECT session_id FROM rsvp WHERE updated_at >= $2) \
             ORDER BY r.session_id, r.waitlist_position, r.user_id",
        )
        .bind(now.timestamp())
        .bind(since)
        .fetch_all(&mut *db)
        .await
        .expect("rsvps");
        // Per session: its places, who is going, and the waitlist as (number, who).
        let mut by_session: BTreeMap<i64, SessionAnswers> = BTreeMap::new();
        for (session, capacity, user, state, position) in rows {
            let entry = by_session
                .entry(session)
                .or_insert((capacity, Vec::new(), Vec::new()));
            match state.as_str() {
                "going" => entry.1.push(user),
                "waitlisted" => entry.2.push((position.unwrap_or(0), user)),
                _ => {}
            }
        }
        for (session, (capacity, going, waitlist)) in by_session {
            let (was_going, was_waiting) = self.places.get(&session).cloned().unwrap_or_default();
            let going_now = going.len() as u32;
            // Without a limit, everyone who answers "going" has a place.
            let capacity = capacity.unwrap_or(i64::MAX);
            if i64::from(going_now) > capacity && going_now > was_going {
                return broken(
                    "places",
                    format!(
                        "session {session} has {going_now} going for {capacity} places (was {was_going})"
                    ),
                );
            }
            if i64::from(going_now) < capacity && !waitlist.is_empty() {
                return broken(
                    "promotion",
                    format!(
                        "session {session}: {going_now} going of {capacity} places with {} waiting",
                        waitlist.len()
                    ),
                );
            }
            for (i, (position, user)) in waitlist.iter().enumerate() {
                if *position != i as i64 + 1 {
                    return broken(
                        "waitlist-order",
                        format!(
                            "session {session}: {user} is number {position} in place {}",
                            i + 1
                        ),
                    );
                }
            }
            // Whoever left the waitlist for a place had nobody still waiting ahead.
            let waiting_now: Vec<String> = waitlist.into_iter().map(|(_, u)| u).collect();
            for (i, user) in was_waiting.iter().enumerate() {
                if going.contains(user) {
                    if let Some(ahead) = was_waiting[..i].iter().find(|u| waiting_now.contains(u)) {
                        return broken(
                            "promotion",
                            format!("session {session}: {user} was given a place before {ahead}, who was ahead on the waitlist"),
                        );
                    }
                }
            }
            self.places.insert(session, (going_now, waiting_now));
        }
        Ok(())
    }
}

/// `P1.2.103` from a prompt's text, as the workload writes them.
fn prompt_token(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(at) = rest.find('P') {
        let tail = &rest[at + 1..];
        let token: String = tail
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if token.matches('.').count() == 2 && tail[token.len()..].starts_with(':') {
            return Some(format!("P{token}"));
        }
        rest = tail;
    }
    None
}

async fn jobs(
    db: &mut SqliteConnection,
    now: DateTime<Utc>,
    settled_by: DateTime<Utc>,
    since: i64,
) -> Result<(), Violation> {
    let late = settled_by.timestamp();
    // Both halves in one statement: it runs after every step. `state || ''` keeps
    // SQLite off the index on state, which would read every job ever skipped or failed
    // (more each day of a run), for the one on `updated_at`: only the jobs changed
    // since the last check.
    let found: Vec<(String, i64, String, i64, String)> = sqlx::query_as(
        "SELECT * FROM (SELECT 'stuck' AS what, id, kind, due_at, state FROM job \
           WHERE state IN ('pending', 'sending') AND due_at < $1 \
           AND (next_attempt_at IS NULL OR next_attempt_at < $1) AND (expires_at IS NULL OR expires_at > due_at) \
           ORDER BY due_at LIMIT 1) AS stuck \
         UNION ALL \
         SELECT * FROM (SELECT 'silent' AS what, id, kind, due_at, state FROM job \
           WHERE state || '' IN ('skipped', 'failed') AND updated_at >= $2 \
           AND (last_error IS NULL OR trim(last_error) = '') LIMIT 1) AS silent",
    )
    .bind(late)
    .bind(since)
    .fetch_all(&mut *db)
    .await
    .expect("jobs");
    if let Some((_, id, kind, due, state)) = found.iter().find(|row| row.0 == "stuck") {
        return broken(
            "job-settled",
            format!(
                "job {id} ({kind}) due at {} is still {state} at {now}",
                DateTime::from_timestamp(*due, 0).unwrap_or_default()
            ),
        );
    }
    if let Some((_, id, kind, _, state)) = found.first() {
        return broken(
            "job-reason",
            format!("job {id} ({kind}) is {state} without a reason"),
        );
    }
    Ok(())
}

/// Whether assignment `a` was last put there with `force:yes`: by hand, and the audit's
/// latest assignment of that person to that session is the forced kind.
const FORCED: &str = "(a.how = 'manual' AND (SELECT u.action FROM audit u \
    WHERE u.target = 'session:' || a.session_id || ' user:' || a.user_id \
      AND u.action IN ('rota.assign', 'rota.assign.force') ORDER BY u.id DESC LIMIT 1) = 'rota.assign.force')";
/// When that forced assignment was made.
const FORCED_AT: &str = "(SELECT MAX(u.at) FROM audit u \
    WHERE u.target = 'session:' || a.session_id || ' user:' || a.user_id AND u.action = 'rota.assign.force')";

async fn rota(db: &mut SqliteConnection, now: DateTime<Utc>) -> Result<(), Violation> {
    // A shift a coordinator forced past this time away, declared before they did,
    // is theirs to give: hearth asked and told the audit.
    let away: Option<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.session_id, a.user_id FROM rota_assignment a JOIN session s ON s.id = a.session_id \
         JOIN series x ON x.id = s.series_id JOIN meeting_group g ON g.id = x.group_id \
         JOIN rota_away w ON w.user_id = a.user_id AND w.community_id = g.community_id \
           AND (w.group_id IS NULL OR w.group_id = g.id) AND w.from_at < s.ends_at AND w.to_at > s.starts_at \
         WHERE s.starts_at > $1 AND s.status != 'cancelled' AND a.state IN ('assigned', 'confirmed', 'swap-offered') \
           AND NOT ({FORCED} AND {FORCED_AT} >= w.created_at) LIMIT 1"
    )))
    .bind(now.timestamp())
    .fetch_optional(&mut *db)
    .await
    .expect("time away");
    if let Some((session, user)) = away {
        return broken(
            "rota-time-away",
            format!("{user} holds session {session} in their time away"),
        );
    }
    let shifts: Vec<(String, i64, String, i64, i64, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.user_id, g.id, g.timezone, s.starts_at, f.monthly_cap, {FORCED} FROM rota_assignment a \
         JOIN session s ON s.id = a.session_id JOIN series x ON x.id = s.series_id \
         JOIN meeting_group g ON g.id = x.group_id \
         JOIN rota_facilitator f ON f.group_id = g.id AND f.user_id = a.user_id \
         WHERE f.monthly_cap IS NOT NULL AND a.state != 'declined' AND s.status != 'cancelled' AND s.starts_at > $1"
    )))
    .bind((now - Duration::days(40)).timestamp())
    .fetch_all(&mut *db)
    .await
    .expect("shifts");
    // A month is judged while one of its shifts is still to come: a group's change of
    // zone moves month boundaries, and may put a shift already held into the month
    // before, which is history, not an assignment made over the cap (hearth judges
    // the shifts to come again when the zone changes).
    // Each shift forced with `force:yes` may take them one past the cap. (So a fill
    // that took the last place after a forced shift had already filled the month
    // would pass: what is checked is the month's total.)
    // (user, group, year, month) -> (shifts held, cap, whether one is still to come)
    type Month = (String, i64, i32, u32);
    let mut months: BTreeMap<Month, (i64, i64, bool)> = BTreeMap::new();
    for (user, group, zone, starts, cap, forced) in shifts {
        let zone: Tz = zone.parse().unwrap_or(Tz::UTC);
        let local = zone.from_utc_datetime(
            &DateTime::from_timestamp(starts, 0)
                .unwrap_or_default()
                .naive_utc(),
        );
        use chrono::Datelike;
        let entry = months
            .entry((user, group, local.year(), local.month()))
            .or_insert((0, cap, false));
        entry.0 += 1;
        entry.1 += i64::from(forced);
        entry.2 |= starts > now.timestamp();
    }
    for ((user, group, year, month), (count, cap, to_come)) in months {
        if count > cap && to_come {
            return broken(
                "rota-cap",
                format!("{user} holds {count} shifts of group {group} in {year}-{month:02}, over their cap of {cap}"),
            );
        }
    }
    Ok(())
}

async fn gaps(db: &mut SqliteConnection, now: DateTime<Utc>) -> Result<(), Violation> {
    // Two days before, less the six hours a roll of the horizon may take to come.
    let from = (now + Duration::hours(1)).timestamp();
    let to = (now + Duration::days(2) - Duration::hours(7)).timestamp();
    let short: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT s.id, g.facilitators_needed, \
           (SELECT COUNT(*) FROM rota_assignment a WHERE a.session_id = s.id AND a.state IN ('assigned', 'confirmed', 'swap-offered')) AS held \
         FROM session s JOIN series x ON x.id = s.series_id JOIN meeting_group g ON g.id = x.group_id \
         WHERE s.status != 'cancelled' AND g.archived_at IS NULL AND s.starts_at > $1 AND s.starts_at < $2 \
           AND g.facilitators_needed > 0 AND held < g.facilitators_needed \
           AND EXISTS (SELECT 1 FROM rota_facilitator f WHERE f.group_id = g.id AND f.active = 1) \
           AND NOT EXISTS (SELECT 1 FROM job j WHERE j.session_id = s.id AND j.kind = 'gap-alert') \
         LIMIT 1",
    )
    .bind(from)
    .bind(to)
    .fetch_optional(&mut *db)
    .await
    .expect("gaps");
    if let Some((session, needed, held)) = short {
        return broken(
            "gap-alerted",
            format!("session {session} has {held} of {needed} facilitators two days ahead and no gap alert"),
        );
    }
    Ok(())
}

/// hearth's DST policy, written again from the design: a wall time in a gap is read
/// with the offset before the gap (02:30 becomes 03:30), one that happens twice is
/// its first instant.
pub fn policy(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    use chrono::LocalResult;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            let before = zone
                .from_local_datetime(&(local - Duration::hours(6)))
                .earliest()
                .map(|at| at.offset().fix().local_minus_utc())
                .unwrap_or(0);
            local.and_utc() - Duration::seconds(i64::from(before))
        }
    }
}

/// `dst` for the sessions not yet judged with their present date, start, end, rule time
/// and zone: the verdict is a pure function of those, so a session found right
/// stays right until one of them changes, and every session in scope is judged
/// whenever one does (as strong as judging them all after every step). What was
/// found right is kept in a table of the checker's own connection (a temporary one,
/// so hearth's file and its dump never see it).
/// (session, local date, start, end, rule's first wall time, zone, a drop-in's
/// wall-clock minutes)
type DstRow = (i64, String, i64, i64, String, String, Option<i64>);

async fn dst(db: &mut SqliteConnection, now: DateTime<Utc>, judged: &mut bool) -> Result<(), Violation> {
    if !*judged {
        sqlx::query(
            "CREATE TEMPORARY TABLE sim_dst_judged (session_id INTEGER PRIMARY KEY, local_date TEXT NOT NULL, \
             starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, start_local TEXT NOT NULL, \
             timezone TEXT NOT NULL)",
        )
        .execute(&mut *db)
        .await
        .expect("the dst check's table");
        *judged = true;
    }
    // A drop-in closes at its window's closing wall time (its duration is the window's
    // wall-clock length), by the same policy; a meeting lasts its duration.
    let rows: Vec<DstRow> = sqlx::query_as(
        "SELECT s.id, s.local_date, s.starts_at, s.ends_at, x.start_local, g.timezone, \
             CASE WHEN g.kind = 'drop-in' THEN x.duration_minutes END FROM session s \
         JOIN series x ON x.id = s.series_id JOIN meeting_group g ON g.id = x.group_id \
         LEFT JOIN sim_dst_judged j ON j.session_id = s.id \
         WHERE s.status = 'scheduled' AND s.starts_at > $1 AND g.archived_at IS NULL \
           AND (j.session_id IS NULL OR j.local_date <> s.local_date OR j.starts_at <> s.starts_at \
             OR j.ends_at <> s.ends_at OR j.start_local <> x.start_local OR j.timezone <> g.timezone)",
    )
    .bind(now.timestamp())
    .fetch_all(&mut *db)
    .await
    .expect("sessions");
    for (id, date, starts, ends, start_local, zone, wall_minutes) in &rows {
        let (Ok(date), Ok(first), Ok(zone)) = (
            NaiveDate::parse_from_str(date, "%Y-%m-%d"),
            NaiveDateTime::parse_from_str(start_local, "%Y-%m-%dT%H:%M:%S"),
            zone.parse::<Tz>(),
        ) else {
            return broken(
                "dst",
                format!("session {id}: unreadable date {date}, time {start_local} or zone {zone}"),
            );
        };
        let local = date.and_time(first.time());
        let expected = policy(zone, local);
        if let Some(minutes) = wall_minutes {
            // Should the clocks' gap swallow the whole window (its opening moved past
            // its closing), it is open for its length from its opening.
            let closing = Some(policy(zone, local + Duration::minutes(*minutes)))
                .filter(|end| *end > expected)
                .unwrap_or(expected + Duration::minutes(*minutes));
            if closing.timestamp() != *ends {
                return broken(
                    "dst",
                    format!(
                        "drop-in session {id} on {date} opens at {} in {zone} for {minutes} minutes of wall \
                         time and closes at {}, the policy says {closing}",
                        first.time(),
                        DateTime::from_timestamp(*ends, 0).unwrap_or_default()
                    ),
                );
            }
        }
        if expected.timestamp() != *starts {
            return broken(
                "dst",
                format!(
                    "session {id} on {date} at {} in {zone} starts at {}, the policy says {expected}",
                    first.time(),
                    DateTime::from_timestamp(*starts, 0).unwrap_or_default()
                ),
            );
        }
    }
    // All found right: noted in a few statements, a hundred sessions each.
    for chunk in rows.chunks(100) {
        let values = (0..chunk.len())
            .map(|i| {
                let p = i * 6;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO sim_dst_judged (session_id, local_date, starts_at, ends_at, start_local, timezone) \
             VALUES {values} ON CONFLICT (session_id) DO UPDATE SET local_date = excluded.local_date, \
             starts_at = excluded.starts_at, ends_at = excluded.ends_at, start_local = excluded.start_local, \
             timezone = excluded.timezone"
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, date, starts, ends, start_local, zone, _) in chunk {
            insert = insert
                .bind(id)
                .bind(date)
                .bind(starts)
                .bind(ends)
                .bind(start_local)
                .bind(zone);
        }
        insert.execute(&mut *db).await.expect("sessions judged");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 26, h, m, 0).unwrap()
    }

    #[test]
    fn a_job_has_six_hours_of_hearth_running_to_settle() {
        assert_eq!(settled_by(at(12, 0), &[]), at(6, 0));
        // Down long ago: nothing changes.
        assert_eq!(settled_by(at(12, 0), &[(at(1, 0), at(2, 0))]), at(6, 0));
    }

    #[test]
    fn time_the_process_was_down_does_not_count() {
        // Down 09:00–10:00: six hours up since 05:00.
        assert_eq!(settled_by(at(12, 0), &[(at(9, 0), at(10, 0))]), at(5, 0));
        // Down twice back to back, as seed 100293 was, and just started again: the
        // six hours are counted from before the first.
        let down = [(at(0, 0), at(3, 39)), (at(3, 39), at(7, 18))];
        assert_eq!(settled_by(at(7, 18), &down), at(0, 0) - SETTLE);
    }
}
