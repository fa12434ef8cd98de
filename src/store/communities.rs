//! Communities: one per Discord server (or the console's own).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyExecutor;

use super::{parse_zone, to_unix, RowExt, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub id: String,
    /// The zone new groups get when none is given.
    pub timezone: Option<Tz>,
    pub coordinator_role: Option<String>,
    pub alerts_channel: Option<String>,
    pub support_text: Option<String>,
    pub retention_days: i64,
    /// How long the audit trail is kept (default 730 days).
    pub audit_retention_days: i64,
    /// Reports show counts of people from 1 to 4 as "fewer than 5" (default on).
    pub suppress_small_counts: bool,
    /// Whether members are asked "what has this group meant to you?" each quarter
    /// (default off).
    pub quarterly: bool,
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> Result<Option<Community>, StoreError> {
    let row = sqlx::query(
        "SELECT id, timezone, coordinator_role, alerts_channel, support_text, retention_days,
             audit_retention_days, suppress_small_counts, quarterly
         FROM community WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let timezone: Option<String> = row.col("timezone")?;
        Ok(Community {
            id: row.col("id")?,
            timezone: timezone.as_deref().map(parse_zone).transpose()?,
            coordinator_role: row.col("coordinator_role")?,
            alerts_channel: row.col("alerts_channel")?,
            support_text: row.col("support_text")?,
            retention_days: row.col("retention_days")?,
            audit_retention_days: row.col("audit_retention_days")?,
            suppress_small_counts: row.col("suppress_small_counts")?,
            quarterly: row.col("quarterly")?,
        })
    })
    .transpose()
}

/// Where the community's alerts go, read alone: an alert about a failure must not
/// depend on the rest of the row being readable.
pub async fn alerts_channel(db: impl AnyExecutor<'_>, id: &str) -> Result<Option<String>, StoreError> {
    let channel: Option<Option<String>> =
        sqlx::query_scalar("SELECT alerts_channel FROM community WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(channel.flatten())
}

/// Makes sure the community row exists, so groups can refer to it.
pub async fn ensure(db: impl AnyExecutor<'_>, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO community (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(to_unix(now))
        .execute(db)
        .await?;
    Ok(())
}

/// Writes every setting of an existing community.
pub async fn update(db: impl AnyExecutor<'_>, community: &Community) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE community SET timezone = $1, coordinator_role = $2, alerts_channel = $3,
             support_text = $4, retention_days = $5, audit_retention_days = $6, suppress_small_counts = $7,
             quarterly = $8
         WHERE id = $9",
    )
    .bind(community.timezone.map(|tz| tz.name()))
    .bind(&community.coordinator_role)
    .bind(&community.alerts_channel)
    .bind(&community.support_text)
    .bind(community.retention_days)
    .bind(community.audit_retention_days)
    .bind(i64::from(community.suppress_small_counts))
    .bind(i64::from(community.quarterly))
    .bind(&community.id)
    .execute(db)
    .await?;
    Ok(())
}
