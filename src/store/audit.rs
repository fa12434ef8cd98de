//! The audit trail: every change a facilitator or coordinator makes.

use chrono::{DateTime, Utc};
use sqlx::AnyExecutor;

use super::{from_unix, to_unix, RowExt, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn record(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (community_id, actor, action, target, detail, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(community_id)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.detail)
    .bind(to_unix(entry.at))
    .execute(db)
    .await?;
    Ok(())
}

fn entry(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        actor: row.col("actor")?,
        action: row.col("action")?,
        target: row.col("target")?,
        detail: row.col("detail")?,
        at: from_unix(row.col("at")?)?,
    })
}

/// The newest entries first.
pub async fn recent(
    db: impl AnyExecutor<'_>,
    community_id: &str,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT actor, action, target, detail, at FROM audit
         WHERE community_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(entry).collect()
}

/// A page of the entries since `since`, newest first, and how many there are in all.
/// With `group_id`, only entries about that group: the group itself, or one of its
/// series, sessions or prompts.
pub async fn page(
    conn: &mut sqlx::AnyConnection,
    community_id: &str,
    group_id: Option<i64>,
    since: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64), StoreError> {
    // The target's first word names what changed: `group:3`, `session:12 user:..`.
    let about = "($2 IS NULL
         OR target = 'group:' || $2 OR target LIKE 'group:' || $2 || ' %'
         OR (target LIKE 'session:%' AND CAST(SUBSTR(target, 9) AS INTEGER) IN (
                 SELECT s.id FROM session s JOIN series x ON x.id = s.series_id WHERE x.group_id = $2))
         OR (target LIKE 'series:%' AND CAST(SUBSTR(target, 8) AS INTEGER) IN (
                 SELECT id FROM series WHERE group_id = $2))
         OR (target LIKE 'prompt:%' AND CAST(SUBSTR(target, 8) AS INTEGER) IN (
                 SELECT id FROM prompt WHERE group_id = $2)))";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM audit WHERE community_id = $1 AND at >= $3 AND {about}"
    )))
    .bind(community_id)
    .bind(group_id)
    .bind(to_unix(since))
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT actor, action, target, detail, at FROM audit
         WHERE community_id = $1 AND at >= $3 AND {about}
         ORDER BY at DESC, id DESC LIMIT $4 OFFSET $5"
    )))
    .bind(community_id)
    .bind(group_id)
    .bind(to_unix(since))
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let entries = rows.iter().map(entry).collect::<Result<Vec<_>, StoreError>>()?;
    Ok((entries, total))
}
