//! `/status`: for coordinators, whether hearth's posts are getting through.

use chrono::Duration;

use crate::chat::{Reply, Text, TimeStyle, Tone};
use crate::domain::job::JobState;
use crate::domain::role::Action;
use crate::domain::time::Tz;
use crate::store::{self, communities, events, jobs, rota};

use super::{authorize, Actor, App, AppResult};

impl App {
    pub async fn status(&self, actor: &Actor) -> AppResult {
        authorize(actor, Action::Organise, "see delivery status")?;
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let community = communities::get(&mut *conn, &actor.community_id).await?;
        let zone = community.as_ref().and_then(|c| c.timezone).unwrap_or(Tz::UTC);
        let counts = jobs::count_by_state(&mut *conn, &actor.community_id).await?;
        let count = |state: JobState| counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
        let mut reply = Reply::private(Tone::Info, "Delivery status").line(format!(
            "Waiting {} · sending {} · sent {} · skipped {} · failed {}",
            count(JobState::Pending),
            count(JobState::Sending),
            count(JobState::Sent),
            count(JobState::Skipped),
            count(JobState::Failed)
        ));
        let problems =
            jobs::problems_since(&mut *conn, &actor.community_id, now - Duration::days(7), 20).await?;
        reply = reply.line(Text::new().strong(if problems.is_empty() {
            "No failed deliveries in the last 7 days."
        } else {
            "Deliveries that failed or went another way (last 7 days):"
        }));
        for job in &problems {
            let how = if job.fell_back {
                "fell back to a channel notice"
            } else {
                "failed"
            };
            reply = reply.line(
                Text::new()
                    .plain(format!(
                        "{}{} {how}: ",
                        job.kind,
                        job.session_id
                            .map(|id| format!(" for session #{id}"))
                            .unwrap_or_default()
                    ))
                    .plain(job.last_error.clone().unwrap_or_default())
                    .plain(" (")
                    .time(job.updated_at, zone, TimeStyle::Relative)
                    .plain(")"),
            );
        }
        let horizon = now + Duration::weeks(i64::from(self.settings().horizon_weeks));
        let gaps = rota::gaps(&mut *conn, &actor.community_id, now, horizon).await?;
        reply = reply.line(Text::new().strong(if gaps.is_empty() {
            "No rota gaps: every session ahead has the facilitators it needs."
        } else {
            "Rota gaps (sessions short of facilitators):"
        }));
        for gap in &gaps {
            reply = reply.line(
                Text::new()
                    .plain(format!("#{} {} · ", gap.session_id, gap.group_name))
                    .time(gap.starts_at, zone, TimeStyle::Full)
                    .plain(format!(" · {} of {} facilitators", gap.held, gap.needed)),
            );
        }
        reply = reply.lines(super::prompts::status_lines(&mut conn, &actor.community_id, zone, now).await?);
        reply = reply.line(match events::problem(&mut *conn, &actor.community_id).await? {
            Some(problem) => Text::new()
                .strong("Server events: ")
                .plain("refused since ")
                .time(problem.since, zone, TimeStyle::Relative)
                .plain(format!(". {}", problem.problem.explain())),
            None => {
                let held = events::count(&mut *conn, &actor.community_id).await?;
                Text::new().strong("Server events: ").plain(format!(
                    "{held} session{} in the server's Events tab (at most {}, the nearest first).",
                    if held == 1 { "" } else { "s" },
                    self.settings().events_max_active
                ))
            }
        });
        if let Some(community) = &community {
            reply = reply.line(match &community.alerts_channel {
                Some(channel) => Text::new()
                    .strong("Alerts: ")
                    .plain(
                        "rota gaps, drop-ins without staff, failed deliveries, empty prompt decks and failed \
                         retention runs go to ",
                    )
                    .channel(channel.clone())
                    .plain("."),
                None => Text::new()
                    .strong("Alerts: ")
                    .plain("no alerts channel yet; /setup alerts_channel: sets one."),
            });
            reply = reply.lines(
                super::retention::status_lines(
                    &mut conn,
                    &actor.community_id,
                    community.retention_days,
                    community.audit_retention_days,
                    zone,
                )
                .await?,
            );
        }
        let next = jobs::upcoming(&mut *conn, &actor.community_id, 10).await?;
        reply = reply.line(Text::new().strong(if next.is_empty() {
            "Nothing is waiting to be posted."
        } else {
            "Next to post:"
        }));
        for job in &next {
            reply = reply.line(Text::new().time(job.due_at, zone, TimeStyle::Full).plain(format!(
                " · {}{}",
                job.kind,
                job.session_id.map(|id| format!(" for session #{id}")).unwrap_or_default()
            )));
        }
        Ok(reply)
    }
}
