//! Groups: a community's meetings and drop-ins, with their settings.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::any::AnyRow;
use sqlx::AnyExecutor;

use crate::domain::group::{GroupKind, Privacy};

use super::{parse_enum, parse_zone, to_unix, written_limit, RowExt, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub community_id: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: GroupKind,
    pub channel: String,
    pub zone: Tz,
    pub capacity: Option<u32>,
    pub facilitators_needed: u32,
    pub privacy: Privacy,
    /// As typed, e.g. `24h,1h`; the reminders feature reads it.
    pub reminder_offsets: String,
    pub announce_lead_minutes: i64,
    pub archived: bool,
}

/// The settings a group is created or edited with.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFields {
    pub name: String,
    pub name_key: String,
    pub description: Option<String>,
    pub kind: GroupKind,
    pub channel: String,
    pub zone: Tz,
    pub capacity: Option<u32>,
    pub facilitators_needed: u32,
    pub privacy: Privacy,
    /// How long before a session its card is posted.
    pub announce_lead_minutes: i64,
}

impl From<&Group> for GroupFields {
    fn from(group: &Group) -> Self {
        GroupFields {
            name: group.name.clone(),
            name_key: crate::domain::group::name_key(&group.name),
            description: group.description.clone(),
            kind: group.kind,
            channel: group.channel.clone(),
            zone: group.zone,
            capacity: group.capacity,
            facilitators_needed: group.facilitators_needed,
            privacy: group.privacy,
            announce_lead_minutes: group.announce_lead_minutes,
        }
    }
}

/// The columns [`from_row`] reads, as a literal so `concat!` can build static SQL.
macro_rules! columns {
    () => {
        "id, community_id, name, description, kind, channel, timezone, capacity,
         facilitators_needed, privacy, reminder_offsets, announce_lead_minutes, archived_at"
    };
}

fn from_row(row: &AnyRow) -> Result<Group, StoreError> {
    let capacity: Option<i64> = row.col("capacity")?;
    let needed: i64 = row.col("facilitators_needed")?;
    let archived_at: Option<i64> = row.col("archived_at")?;
    Ok(Group {
        id: row.col("id")?,
        community_id: row.col("community_id")?,
        name: row.col("name")?,
        description: row.col("description")?,
        kind: parse_enum("group kind", row.col("kind")?)?,
        channel: row.col("channel")?,
        zone: parse_zone(row.col("timezone")?)?,
        capacity: capacity
            .map(|c| u32::try_from(c).map_err(|_| StoreError::Corrupt(format!("capacity {c}"))))
            .transpose()?,
        facilitators_needed: u32::try_from(needed)
            .map_err(|_| StoreError::Corrupt(format!("facilitators_needed {needed}")))?,
        privacy: parse_enum("privacy", row.col("privacy")?)?,
        reminder_offsets: row.col("reminder_offsets")?,
        announce_lead_minutes: row.col("announce_lead_minutes")?,
        archived: archived_at.is_some(),
    })
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    fields: &GroupFields,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO meeting_group (community_id, name, name_key, description, kind, channel,
             timezone, capacity, facilitators_needed, privacy, announce_lead_minutes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(community_id)
    .bind(&fields.name)
    .bind(&fields.name_key)
    .bind(&fields.description)
    .bind(fields.kind.as_str())
    .bind(&fields.channel)
    .bind(fields.zone.name())
    .bind(fields.capacity.map(i64::from))
    .bind(i64::from(fields.facilitators_needed))
    .bind(fields.privacy.as_str())
    .bind(fields.announce_lead_minutes)
    .bind(to_unix(now))
    .fetch_one(db)
    .await?;
    Ok(id)
}

pub async fn update(db: impl AnyExecutor<'_>, id: i64, fields: &GroupFields) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE meeting_group SET name = $1, name_key = $2, description = $3, kind = $4, channel = $5,
             timezone = $6, capacity = $7, facilitators_needed = $8, privacy = $9,
             announce_lead_minutes = $10
         WHERE id = $11",
    )
    .bind(&fields.name)
    .bind(&fields.name_key)
    .bind(&fields.description)
    .bind(fields.kind.as_str())
    .bind(&fields.channel)
    .bind(fields.zone.name())
    .bind(fields.capacity.map(i64::from))
    .bind(i64::from(fields.facilitators_needed))
    .bind(fields.privacy.as_str())
    .bind(fields.announce_lead_minutes)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn archive(db: impl AnyExecutor<'_>, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("UPDATE meeting_group SET archived_at = $1 WHERE id = $2 AND archived_at IS NULL")
        .bind(to_unix(now))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The group with this case-folded name in the community: the active one if there is
/// one (names are unique among active groups), else the one archived most recently.
pub async fn find_by_key(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    name_key: &str,
) -> Result<Option<Group>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM meeting_group WHERE community_id = $1 AND name_key = $2
         ORDER BY archived_at IS NOT NULL, archived_at DESC, id DESC LIMIT 1"
    ))
    .bind(community_id)
    .bind(name_key)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The active group with this case-folded name in the community, if any: the one a
/// new or renamed group would clash with.
pub async fn find_active_by_key(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    name_key: &str,
) -> Result<Option<Group>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM meeting_group WHERE community_id = $1 AND name_key = $2 AND archived_at IS NULL"
    ))
    .bind(community_id)
    .bind(name_key)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<Group>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM meeting_group WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The community's groups by name; archived ones only when asked.
pub async fn list(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    include_archived: bool,
) -> Result<Vec<Group>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM meeting_group WHERE community_id = $1 AND ($2 = 1 OR archived_at IS NULL) ORDER BY name_key"
    ))
    .bind(community_id)
    .bind(i64::from(include_archived))
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Up to `limit` groups that are not archived, across communities, with ids after
/// `after_id`, in id order: the horizon roll walks every group a page at a time.
pub async fn active_page(
    db: impl AnyExecutor<'_>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Group>, StoreError> {
    // The limit is written in, not bound (see `store::written_limit`).
    let sql = format!(
        concat!(
            "SELECT ",
            columns!(),
            " FROM meeting_group WHERE id > $1 AND archived_at IS NULL ORDER BY id LIMIT {limit}"
        ),
        limit = written_limit(limit)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Stores a group's reminder offsets, already validated (`24h,1h`).
pub async fn set_reminder_offsets(
    db: impl AnyExecutor<'_>,
    id: i64,
    offsets: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE meeting_group SET reminder_offsets = $1 WHERE id = $2")
        .bind(offsets)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
