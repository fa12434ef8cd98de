//! The rota's tables: each group's pool, time away, who holds each session's places,
//! offers of a shift to the pool, the group's rota settings, and whether a
//! facilitator may be named on cards.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyExecutor};

use crate::domain::rota::{AssignmentState, Away, How, SwapApproval};

use super::{from_unix, parse_enum, to_unix, RowExt, Statement, StoreError};

/// A member of a group's active pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMember {
    pub user_id: String,
    pub name: String,
    pub lead: bool,
    pub monthly_cap: Option<u32>,
}

fn pool_from_row(row: &AnyRow) -> Result<PoolMember, StoreError> {
    let cap: Option<i64> = row.col("monthly_cap")?;
    Ok(PoolMember {
        user_id: row.col("user_id")?,
        name: row.col("display_name")?,
        lead: row.col("lead")?,
        monthly_cap: cap
            .map(|c| u32::try_from(c).map_err(|_| StoreError::Corrupt(format!("monthly cap {c}"))))
            .transpose()?,
    })
}

/// Adds someone to a group's pool, or updates them (and makes them active again).
pub async fn add_facilitator(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    member: &PoolMember,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rota_facilitator (group_id, user_id, display_name, lead, monthly_cap, active, added_at)
         VALUES ($1, $2, $3, $4, $5, 1, $6)
         ON CONFLICT (group_id, user_id) DO UPDATE SET display_name = excluded.display_name,
             lead = excluded.lead, monthly_cap = excluded.monthly_cap, active = 1",
    )
    .bind(group_id)
    .bind(&member.user_id)
    .bind(&member.name)
    .bind(i64::from(member.lead))
    .bind(member.monthly_cap.map(i64::from))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// Takes someone out of a group's active pool; returns whether they were in it.
pub async fn remove_facilitator(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    user_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE rota_facilitator SET active = 0 WHERE group_id = $1 AND user_id = $2 AND active = 1",
    )
    .bind(group_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A group's active pool, in a stable order.
pub async fn pool(db: impl AnyExecutor<'_>, group_id: i64) -> Result<Vec<PoolMember>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, display_name, lead, monthly_cap FROM rota_facilitator
         WHERE group_id = $1 AND active = 1 ORDER BY user_id",
    )
    .bind(group_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(pool_from_row).collect()
}

/// Someone's place in a group's active pool, if they have one.
pub async fn pool_member(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    user_id: &str,
) -> Result<Option<PoolMember>, StoreError> {
    let row = sqlx::query(
        "SELECT user_id, display_name, lead, monthly_cap FROM rota_facilitator
         WHERE group_id = $1 AND user_id = $2 AND active = 1",
    )
    .bind(group_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(pool_from_row).transpose()
}

/// Records time away, `[from, to)`, for every group (`group_id` None) or one.
pub async fn add_away(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    user_id: &str,
    group_id: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rota_away (community_id, user_id, group_id, from_at, to_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(group_id)
    .bind(to_unix(from))
    .bind(to_unix(to))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// Ends someone's time away now: spans not begun are removed, a running one ends now.
/// Returns how many spans it changed.
pub async fn end_away(
    conn: &mut AnyConnection,
    community_id: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let removed =
        sqlx::query("DELETE FROM rota_away WHERE community_id = $1 AND user_id = $2 AND from_at >= $3")
            .bind(community_id)
            .bind(user_id)
            .bind(to_unix(now))
            .execute(&mut *conn)
            .await?
            .rows_affected();
    let ended = sqlx::query(
        "UPDATE rota_away SET to_at = $1 WHERE community_id = $2 AND user_id = $3 AND from_at < $4 AND to_at > $5",
    )
    .bind(to_unix(now))
    .bind(community_id)
    .bind(user_id)
    .bind(to_unix(now))
    .bind(to_unix(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(removed + ended)
}

/// Time away that applies to a group (its own, or for every group) and has not ended.
pub async fn away_for_group(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    group_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Away>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, from_at, to_at FROM rota_away
         WHERE community_id = $1 AND (group_id IS NULL OR group_id = $2) AND to_at > $3
         ORDER BY from_at",
    )
    .bind(community_id)
    .bind(group_id)
    .bind(to_unix(now))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Away {
                user_id: row.col("user_id")?,
                from: from_unix(row.col("from_at")?)?,
                to: from_unix(row.col("to_at")?)?,
            })
        })
        .collect()
}

/// Someone's time away still to come or running, as (group, from, to).
pub async fn away_of(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(Option<i64>, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT group_id, from_at, to_at FROM rota_away
         WHERE community_id = $1 AND user_id = $2 AND to_at > $3 ORDER BY from_at",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(to_unix(now))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.col("group_id")?,
                from_unix(row.col("from_at")?)?,
                from_unix(row.col("to_at")?)?,
            ))
        })
        .collect()
}

/// One assignment on a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub user_id: String,
    pub state: AssignmentState,
    pub how: How,
}

/// A scheduled session of a group with its assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRow {
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Its jobs are planned (it is inside the job window): its rota messages may be too.
    pub jobs_planned: bool,
    pub assignments: Vec<Assignment>,
}

/// A group's sessions that are not cancelled and start in `[from, to)`, with their
/// assignments, in time order: the shifts a fill works on.
pub async fn shifts(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ShiftRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.starts_at, s.ends_at, s.plan_jobs_at IS NULL AS jobs_planned, a.user_id, a.state, a.how
         FROM session s
         JOIN series r ON r.id = s.series_id
         LEFT JOIN rota_assignment a ON a.session_id = s.id
         WHERE r.group_id = $1 AND s.status != 'cancelled' AND s.starts_at >= $2 AND s.starts_at < $3
         ORDER BY s.starts_at, s.id, a.created_at, a.user_id",
    )
    .bind(group_id)
    .bind(to_unix(from))
    .bind(to_unix(to))
    .fetch_all(db)
    .await?;
    let mut shifts: Vec<ShiftRow> = Vec::new();
    for row in &rows {
        let id: i64 = row.col("id")?;
        if shifts.last().is_none_or(|s| s.session_id != id) {
            shifts.push(ShiftRow {
                session_id: id,
                starts_at: from_unix(row.col("starts_at")?)?,
                ends_at: from_unix(row.col("ends_at")?)?,
                jobs_planned: row.col("jobs_planned")?,
                assignments: Vec::new(),
            });
        }
        let user: Option<String> = row.col("user_id")?;
        if let (Some(user_id), Some(shift)) = (user, shifts.last_mut()) {
            shift.assignments.push(Assignment {
                user_id,
                state: parse_enum("assignment state", row.col("state")?)?,
                how: parse_enum("assignment kind", row.col("how")?)?,
            });
        }
    }
    Ok(shifts)
}

/// The assignments of one session.
pub async fn assignments(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Vec<Assignment>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, state, how FROM rota_assignment WHERE session_id = $1 ORDER BY created_at, user_id",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Assignment {
                user_id: row.col("user_id")?,
                state: parse_enum("assignment state", row.col("state")?)?,
                how: parse_enum("assignment kind", row.col("how")?)?,
            })
        })
        .collect()
}

/// Who held a place of the group's sessions starting in `[since, until)`, as (user,
/// start): what a fill counts as served.
pub async fn held_between(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.user_id, s.starts_at FROM rota_assignment a
         JOIN session s ON s.id = a.session_id
         JOIN series r ON r.id = s.series_id
         WHERE r.group_id = $1 AND s.status != 'cancelled' AND a.state != 'declined'
           AND s.starts_at >= $2 AND s.starts_at < $3",
    )
    .bind(group_id)
    .bind(to_unix(since))
    .bind(to_unix(until))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.col("user_id")?, from_unix(row.col("starts_at")?)?)))
        .collect()
}

/// Puts people on sessions, as (session, user), all made the same way, in one
/// statement per chunk. Someone already on a session is left as they are.
pub async fn insert_assignments(
    conn: &mut AnyConnection,
    rows: &[(i64, String)],
    how: How,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(400) {
        let mut insert = Statement::new(
            "INSERT INTO rota_assignment (session_id, user_id, state, how, created_at, updated_at) ",
        );
        insert.push_values(chunk, |row, (session, user)| {
            row.push_bind(*session)
                .push_bind(user.clone())
                .push_bind("assigned")
                .push_bind(how.as_str())
                .push_bind(to_unix(now))
                .push_bind(to_unix(now));
        });
        insert.push(" ON CONFLICT (session_id, user_id) DO NOTHING");
        insert.build(false)?.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Puts one person on a session (again, if they had declined it).
pub async fn assign(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    user_id: &str,
    how: How,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rota_assignment (session_id, user_id, state, how, created_at, updated_at)
         VALUES ($1, $2, 'assigned', $3, $4, $5)
         ON CONFLICT (session_id, user_id) DO UPDATE SET state = 'assigned', how = excluded.how,
             updated_at = excluded.updated_at",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(how.as_str())
    .bind(to_unix(now))
    .bind(to_unix(now))
    .execute(db)
    .await?;
    Ok(())
}

/// Sets an assignment's state; returns whether there was one.
pub async fn set_state(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    user_id: &str,
    state: AssignmentState,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE rota_assignment SET state = $1, updated_at = $2 WHERE session_id = $3 AND user_id = $4",
    )
    .bind(state.as_str())
    .bind(to_unix(now))
    .bind(session_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Takes someone off a session; returns whether they were on it.
pub async fn unassign(db: impl AnyExecutor<'_>, session_id: i64, user_id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM rota_assignment WHERE session_id = $1 AND user_id = $2")
        .bind(session_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Someone's places on sessions starting from `from`, as (session, state), soonest first.
pub async fn shifts_of_user(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    user_id: &str,
    from: DateTime<Utc>,
) -> Result<Vec<(i64, AssignmentState)>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.session_id, a.state FROM rota_assignment a
         JOIN session s ON s.id = a.session_id
         JOIN series r ON r.id = s.series_id
         JOIN meeting_group g ON g.id = r.group_id
         WHERE g.community_id = $1 AND a.user_id = $2 AND s.starts_at >= $3 AND s.status != 'cancelled'
         ORDER BY s.starts_at",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(to_unix(from))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.col("session_id")?,
                parse_enum("assignment state", row.col("state")?)?,
            ))
        })
        .collect()
}

/// A facilitator holding a place, as a card may show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub user_id: String,
    pub name: String,
    /// They agreed to be named on public posts (`/rota me show_name:`).
    pub show_name: bool,
    pub state: AssignmentState,
}

/// Who holds a place on a session, in the order they came to it.
pub async fn holders(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Vec<Holder>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.user_id, a.state, COALESCE(f.display_name, a.user_id) AS name,
                COALESCE(p.show_name_on_rota, 1) AS show_name
         FROM rota_assignment a
         JOIN session s ON s.id = a.session_id
         JOIN series r ON r.id = s.series_id
         JOIN meeting_group g ON g.id = r.group_id
         LEFT JOIN rota_facilitator f ON f.group_id = g.id AND f.user_id = a.user_id
         LEFT JOIN member_prefs p ON p.community_id = g.community_id AND p.user_id = a.user_id
         WHERE a.session_id = $1 AND a.state != 'declined'
         ORDER BY a.created_at, a.user_id",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Holder {
                user_id: row.col("user_id")?,
                name: row.col("name")?,
                show_name: row.col("show_name")?,
                state: parse_enum("assignment state", row.col("state")?)?,
            })
        })
        .collect()
}

/// Whether someone may be named on cards.
pub async fn set_show_name(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    user_id: &str,
    show: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO member_prefs (community_id, user_id, show_name_on_rota) VALUES ($1, $2, $3)
         ON CONFLICT (community_id, user_id) DO UPDATE SET show_name_on_rota = excluded.show_name_on_rota",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(i64::from(show))
    .execute(db)
    .await?;
    Ok(())
}

/// Whether an offer is a swap or a place given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferKind {
    /// `/rota swap`: the offerer keeps the shift until someone takes it.
    Swap,
    /// "Can't do it": the place is open now.
    Release,
}

impl OfferKind {
    fn as_str(self) -> &'static str {
        match self {
            OfferKind::Swap => "swap",
            OfferKind::Release => "release",
        }
    }
}

/// Where an offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferState {
    Open,
    AwaitingApproval,
    Taken,
    Withdrawn,
}

impl std::str::FromStr for OfferState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(OfferState::Open),
            "awaiting-approval" => Ok(OfferState::AwaitingApproval),
            "taken" => Ok(OfferState::Taken),
            "withdrawn" => Ok(OfferState::Withdrawn),
            other => Err(format!("unknown offer state {other:?}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub id: i64,
    pub session_id: i64,
    pub from_user: String,
    pub kind: OfferKind,
    pub state: OfferState,
    pub taken_by: Option<String>,
    pub taken_name: Option<String>,
}

fn offer_from_row(row: &AnyRow) -> Result<Offer, StoreError> {
    let kind: String = row.col("kind")?;
    Ok(Offer {
        id: row.col("id")?,
        session_id: row.col("session_id")?,
        from_user: row.col("from_user")?,
        kind: if kind == "swap" {
            OfferKind::Swap
        } else {
            OfferKind::Release
        },
        state: parse_enum("offer state", row.col("state")?)?,
        taken_by: row.col("taken_by")?,
        taken_name: row.col("taken_name")?,
    })
}

/// Offers a shift to the pool; returns the offer's id.
pub async fn create_offer(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    from_user: &str,
    kind: OfferKind,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO rota_offer (session_id, from_user, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(session_id)
    .bind(from_user)
    .bind(kind.as_str())
    .bind(to_unix(now))
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// A session's offers that are still open or waiting for approval, oldest first.
pub async fn live_offers(db: impl AnyExecutor<'_>, session_id: i64) -> Result<Vec<Offer>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, session_id, from_user, kind, state, taken_by, taken_name FROM rota_offer
         WHERE session_id = $1 AND state IN ('open', 'awaiting-approval') ORDER BY id",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(offer_from_row).collect()
}

pub async fn offer(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<Offer>, StoreError> {
    let row = sqlx::query(
        "SELECT id, session_id, from_user, kind, state, taken_by, taken_name FROM rota_offer WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(offer_from_row).transpose()
}

/// Takes an open offer for `taker`: one conditional UPDATE, so of any number of
/// simultaneous takes exactly one changes the row. Returns whether this one did.
/// `approval` leaves it waiting for a coordinator instead of taken.
pub async fn take_offer(
    db: impl AnyExecutor<'_>,
    offer_id: i64,
    taker: &str,
    taker_name: &str,
    approval: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE rota_offer SET state = $1, taken_by = $2, taken_name = $3, closed_at = $4
         WHERE id = $5 AND state = 'open' AND from_user != $6",
    )
    .bind(if approval { "awaiting-approval" } else { "taken" })
    .bind(taker)
    .bind(taker_name)
    .bind(to_unix(now))
    .bind(offer_id)
    .bind(taker)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A coordinator's approval: a waiting take becomes taken. Returns whether it was waiting.
pub async fn approve_offer(db: impl AnyExecutor<'_>, offer_id: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE rota_offer SET state = 'taken' WHERE id = $1 AND state = 'awaiting-approval'")
            .bind(offer_id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws the live offers of someone on a session (they were unassigned, or it
/// was given to someone else).
pub async fn withdraw_offers(
    db: impl AnyExecutor<'_>,
    session_id: i64,
    from_user: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE rota_offer SET state = 'withdrawn', closed_at = $1
         WHERE session_id = $2 AND from_user = $3 AND state IN ('open', 'awaiting-approval')",
    )
    .bind(to_unix(now))
    .bind(session_id)
    .bind(from_user)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A group's rota settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotaSettings {
    /// Fill new sessions as they are materialised (`rota:auto`, the default).
    pub auto_fill: bool,
    pub swap_approval: SwapApproval,
    /// Where open shifts are posted; without one, pool members get a DM.
    pub rota_channel: Option<String>,
}

impl Default for RotaSettings {
    fn default() -> Self {
        RotaSettings {
            auto_fill: true,
            swap_approval: SwapApproval::None,
            rota_channel: None,
        }
    }
}

pub async fn settings(db: impl AnyExecutor<'_>, group_id: i64) -> Result<RotaSettings, StoreError> {
    let row =
        sqlx::query("SELECT auto_fill, swap_approval, rota_channel FROM rota_settings WHERE group_id = $1")
            .bind(group_id)
            .fetch_optional(db)
            .await?;
    match row {
        None => Ok(RotaSettings::default()),
        Some(row) => Ok(RotaSettings {
            auto_fill: row.col("auto_fill")?,
            swap_approval: parse_enum("swap approval", row.col("swap_approval")?)?,
            rota_channel: row.col("rota_channel")?,
        }),
    }
}

pub async fn save_settings(
    db: impl AnyExecutor<'_>,
    group_id: i64,
    settings: &RotaSettings,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rota_settings (group_id, auto_fill, swap_approval, rota_channel) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id) DO UPDATE SET auto_fill = excluded.auto_fill,
             swap_approval = excluded.swap_approval, rota_channel = excluded.rota_channel",
    )
    .bind(group_id)
    .bind(i64::from(settings.auto_fill))
    .bind(settings.swap_approval.as_str())
    .bind(&settings.rota_channel)
    .execute(db)
    .await?;
    Ok(())
}

/// A session short of facilitators, for `/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub session_id: i64,
    pub group_name: String,
    pub starts_at: DateTime<Utc>,
    pub needed: u32,
    pub held: u32,
}

/// Sessions of groups with a rota pool that start in `[from, to)` and have fewer
/// facilitators holding a place than they need.
pub async fn gaps(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Gap>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM (
             SELECT s.id, g.name, s.starts_at, g.facilitators_needed,
                    (SELECT COUNT(*) FROM rota_assignment a
                     WHERE a.session_id = s.id AND a.state != 'declined') AS held
             FROM session s
             JOIN series r ON r.id = s.series_id
             JOIN meeting_group g ON g.id = r.group_id
             WHERE g.community_id = $1 AND g.archived_at IS NULL AND s.status != 'cancelled'
               AND s.starts_at >= $2 AND s.starts_at < $3
               AND EXISTS (SELECT 1 FROM rota_facilitator f WHERE f.group_id = g.id AND f.active = 1)) AS shifts
         WHERE held < facilitators_needed ORDER BY starts_at, id",
    )
    .bind(community_id)
    .bind(to_unix(from))
    .bind(to_unix(to))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let number = |name: &str| -> Result<u32, StoreError> {
                u32::try_from(row.col::<i64>(name)?).map_err(|_| StoreError::Corrupt(name.into()))
            };
            Ok(Gap {
                session_id: row.col("id")?,
                group_name: row.col("name")?,
                starts_at: from_unix(row.col("starts_at")?)?,
                needed: number("facilitators_needed")?,
                held: number("held")?,
            })
        })
        .collect()
}
