//! `/setup`: a community's defaults — time zone, coordinator role, alerts channel,
//! signposting text and how long attendance is kept.

use crate::chat::{Reply, Text, Tone};
use crate::domain::job::{plan_quarterly, plan_retention};
use crate::domain::privacy::check_retention;
use crate::domain::role::Action;
use crate::domain::text::{self, Field};
use crate::domain::time::Tz;
use crate::store::{self, communities, jobs};

use super::{authorize, record_audit, Actor, App, AppError, AppResult};

/// The options of `/setup`; each one left out keeps its current value.
#[derive(Debug, Clone, Default)]
pub struct SetupInput {
    pub timezone: Option<Tz>,
    pub coordinator_role: Option<String>,
    pub alerts_channel: Option<String>,
    pub support_text: Option<String>,
    pub retention_days: Option<i64>,
    pub audit_retention_days: Option<i64>,
    /// Whether reports show counts of people from 1 to 4 as "fewer than 5".
    pub small_counts_hidden: Option<bool>,
    /// Whether members are asked "what has this group meant to you?" each quarter.
    pub quarterly: Option<bool>,
}

impl App {
    pub async fn setup(&self, actor: &Actor, input: SetupInput) -> AppResult {
        authorize(actor, Action::Organise, "change the community's settings")?;
        let timezone = input.timezone;
        let support_text = match &input.support_text {
            Some(typed) => text::clean(Field::SupportText, typed)?,
            None => None,
        };
        if let Some(days) = input.retention_days {
            check_retention("retention_days (how long attendance and answers are kept)", days)
                .map_err(AppError::Invalid)?;
        }
        if let Some(days) = input.audit_retention_days {
            check_retention("audit_retention_days (how long the audit trail is kept)", days)
                .map_err(AppError::Invalid)?;
        }
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        communities::ensure(&mut *tx, &actor.community_id, now).await?;
        let mut community = communities::get(&mut *tx, &actor.community_id)
            .await?
            .ok_or_else(|| AppError::internal(&store::StoreError::Corrupt("community vanished".into())))?;
        if let Some(zone) = timezone {
            community.timezone = Some(zone);
        }
        if let Some(role) = input.coordinator_role.filter(|r| !r.trim().is_empty()) {
            community.coordinator_role = Some(role.trim().to_string());
        }
        if let Some(channel) = input.alerts_channel.filter(|c| !c.trim().is_empty()) {
            community.alerts_channel = Some(channel.trim().to_string());
        }
        if let Some(text) = support_text {
            community.support_text = Some(text.into_string());
        }
        if let Some(days) = input.retention_days {
            community.retention_days = days;
        }
        if let Some(days) = input.audit_retention_days {
            community.audit_retention_days = days;
        }
        if let Some(hidden) = input.small_counts_hidden {
            community.suppress_small_counts = hidden;
        }
        if let Some(on) = input.quarterly {
            community.quarterly = on;
        }
        communities::update(&mut *tx, &community).await?;
        if community.quarterly {
            // The next quarter's question, from the moment it is turned on.
            jobs::upsert(
                &mut *tx,
                &community.id,
                None,
                &plan_quarterly(&community.id, now),
                now,
            )
            .await?;
        }
        // The community's daily retention run, from its first settings on.
        jobs::upsert(
            &mut *tx,
            &community.id,
            None,
            &plan_retention(&community.id, now),
            now,
        )
        .await?;
        record_audit(
            &mut tx,
            actor,
            "setup",
            format!("community:{}", community.id),
            None,
            now,
        )
        .await?;
        self.commit(tx).await?;

        let zone = community
            .timezone
            .map(|z| z.name().to_string())
            .unwrap_or_else(|| "not set yet (add timezone:Europe/London or your own zone)".to_string());
        let mut reply = Reply::private(Tone::Done, "Community settings saved")
            .line(Text::new().strong("Time zone: ").plain(zone))
            .line(
                Text::new()
                    .strong("Attendance kept for: ")
                    .plain(format!("{} days", community.retention_days)),
            )
            .line(
                Text::new()
                    .strong("Audit trail kept for: ")
                    .plain(format!("{} days", community.audit_retention_days)),
            );
        if let Some(role) = &community.coordinator_role {
            reply = reply.line(Text::new().strong("Coordinator role: ").plain(role.clone()));
        }
        if let Some(channel) = &community.alerts_channel {
            reply = reply.line(Text::new().strong("Alerts channel: ").channel(channel.clone()));
        }
        if community.quarterly {
            reply = reply.line(Text::new().strong("Quarterly question: ").plain(
                "on (members who came in a quarter and asked for DMs are asked what the group has meant to them)",
            ));
        }
        if community.support_text.is_some() {
            reply = reply.line(
                Text::new()
                    .strong("Support text: ")
                    .plain("set (members see it with /support)"),
            );
        }
        Ok(reply.line("Next: create a group with /group create name:\"...\" channel:#..."))
    }
}
