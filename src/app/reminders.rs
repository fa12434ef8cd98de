//! `/reminders set group: offsets:` and `/reminders dm on|off`.

use chrono::Duration;

use crate::chat::{Reply, Tone};
use crate::domain::reminder::{format_offsets, Offset};
use crate::domain::role::Action;
use crate::store::{self, groups as group_store, members, sessions};

use super::{authorize, find_group, record_audit, require_active, Actor, App, AppResult};

impl App {
    /// `offsets` empty: no reminders.
    pub async fn reminders_set(&self, actor: &Actor, group: &str, offsets: &[Offset]) -> AppResult {
        let stored = format_offsets(offsets);
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let group = find_group(&mut tx, &actor.community_id, group).await?;
        // A lead of the group's rota may set its reminder times too.
        let acting = super::rota::organiser_in_group(&mut tx, actor, group.id).await?;
        authorize(&acting, Action::Organise, "change reminder times")?;
        require_active(&group)?;
        group_store::set_reminder_offsets(&mut *tx, group.id, &stored).await?;
        let horizon = now + Duration::weeks(i64::from(self.settings().horizon_weeks));
        for session in sessions::upcoming(&mut *tx, &actor.community_id, Some(group.id), now, horizon).await?
        {
            super::jobs::sync_session_jobs(&mut tx, session.id, false, now).await?;
        }
        record_audit(
            &mut tx,
            actor,
            "reminders.set",
            format!("group:{}", group.id),
            Some(stored.clone()),
            now,
        )
        .await?;
        self.commit(tx).await?;
        if offsets.is_empty() {
            return Ok(Reply::private(Tone::Done, format!("No reminders for {}", group.name))
                .line("Its sessions get no reminders in the channel, and no reminder DMs, from now on.")
                .line("Session cards still go up as usual. /reminders set offsets:24h,1h brings reminders back."));
        }
        Ok(Reply::private(
            Tone::Done,
            format!("Reminders for {}: {stored} before each session", group.name),
        )
        .line("Whole days (1d) mean the same local time that many days before; hours and minutes are exact.")
        .line("Reminders in the channel show how many are coming, never who."))
    }

    pub async fn reminders_dm(&self, actor: &Actor, on: bool) -> AppResult {
        let mut tx = store::begin_write(self.pool()).await?;
        members::set_dm_reminders(&mut *tx, &actor.community_id, &actor.user_id, on).await?;
        self.commit(tx).await?;
        Ok(if on {
            Reply::private(Tone::Done, "Reminders by DM: on").line(
                "You'll get a direct message before sessions you're going to. /reminders dm off stops them.",
            )
        } else {
            Reply::private(Tone::Done, "Reminders by DM: off")
                .line("No more direct messages from hearth. /reminders dm on turns them back on.")
        })
    }
}
