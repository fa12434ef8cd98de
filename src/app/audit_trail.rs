//! `/audit [group:] [days:] [page:]`: for coordinators, who changed what and when, from
//! the audit trail every change writes. Newest first, a page at a time, each time a
//! Discord timestamp (the console shows the community's local time).

use chrono::Duration;

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::role::Action;
use crate::domain::time::Tz;
use crate::store::{audit, communities, StoreError};

use super::{authorize, find_optional_group, Actor, App, AppResult};

/// Entries on one page.
pub const PAGE: i64 = 15;

impl App {
    pub async fn audit(
        &self,
        actor: &Actor,
        group: Option<&str>,
        days: Option<i64>,
        page: Option<i64>,
    ) -> AppResult {
        authorize(actor, Action::Organise, "read the audit trail")?;
        let days = days.unwrap_or(30).clamp(1, 3650);
        let page = page.unwrap_or(1).max(1);
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
        let zone = communities::get(&mut *conn, &actor.community_id)
            .await?
            .and_then(|c| c.timezone)
            .unwrap_or(Tz::UTC);
        let group = find_optional_group(&mut conn, &actor.community_id, group).await?;
        let (entries, total) = audit::page(
            &mut conn,
            &actor.community_id,
            group.as_ref().map(|g| g.id),
            now - Duration::days(days),
            PAGE,
            (page - 1) * PAGE,
        )
        .await?;
        let pages = ((total + PAGE - 1) / PAGE).max(1);
        let scope = group.as_ref().map_or(String::new(), |g| format!(" · {}", g.name));
        let mut reply = Reply::private(Tone::Info, format!("Audit trail{scope}: the last {days} days"));
        if entries.is_empty() {
            return Ok(reply.line(if total == 0 {
                "No changes were recorded in this time."
            } else {
                "There is nothing on this page; try page:1."
            }));
        }
        for entry in &entries {
            let mut line = Text::new()
                .time(entry.at, zone, TimeStyle::Full)
                .plain(" · ")
                .user(entry.actor.clone())
                .plain(format!(" · {} · {}", entry.action, entry.target));
            if let Some(detail) = &entry.detail {
                line = line.plain(format!(" · {detail}"));
            }
            reply = reply.line(line);
        }
        reply = reply.line(format!("Page {page} of {pages} ({total} entries)."));
        if page < pages {
            reply = reply.line(format!("/audit page:{} shows older entries.", page + 1));
        }
        Ok(reply)
    }
}
