//! The audit trail: every change a facilitator or coordinator makes.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteExecutor};

use super::{from_unix, to_unix, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn record(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (community_id, actor, action, target, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
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

/// The newest entries first.
pub async fn recent(
    db: impl SqliteExecutor<'_>,
    community_id: &str,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT actor, action, target, detail, at FROM audit
         WHERE community_id = ? ORDER BY at DESC, id DESC LIMIT ?",
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditEntry {
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                target: row.try_get("target")?,
                detail: row.try_get("detail")?,
                at: from_unix(row.try_get("at")?)?,
            })
        })
        .collect()
}
