//! The community's public page of listed groups (`/c/{token}`): `/calendar page`
//! gives coordinators its address (made on first ask, or anew with `reset:yes`, which
//! revokes the old one), and [`App::public_page`] reads what the web adapter renders.
//! Only groups listed with `/group edit listed:yes` appear, and nothing about who
//! goes: the page is for people deciding whether to come.

use chrono::{DateTime, Offset, Utc};
use chrono_tz::Tz;

use crate::chat::{Reply, Text, Tone};
use crate::domain::group::GroupKind;
use crate::domain::role::Action;
use crate::store::calendar::FeedKind;
use crate::store::{self, calendar as feeds};

use super::calendar::{is_token, issue_token};
use super::{authorize, record_audit, Actor, App, AppError, AppResult};

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicPage {
    pub title: String,
    pub groups: Vec<PageGroup>,
    /// The community's signposting lines (or the default ones).
    pub support: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageGroup {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub kind: GroupKind,
    pub next: Option<NextMeeting>,
    pub how_to_join: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NextMeeting {
    /// `Thursday 26 March 2026, 18:30–20:00 GMT (Europe/London)`.
    pub human: String,
    /// RFC 3339 with the local offset, for `<time datetime>`.
    pub machine: String,
    pub location: Option<String>,
}

/// The page's wording of a session's time, in its group's zone. The end has its own
/// abbreviation when the clocks change between (`00:30 BST–01:00 GMT` on the night
/// they go back), or it would name an hour it is not.
pub fn describe_time(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, zone: Tz) -> (String, String) {
    let start = starts_at.with_timezone(&zone);
    let end = ends_at.with_timezone(&zone);
    let abbreviation = start.format("%Z").to_string();
    let end_abbreviation = end.format("%Z").to_string();
    let human = if start.offset().fix() == end.offset().fix() && abbreviation == end_abbreviation {
        format!(
            "{}–{} {abbreviation} ({})",
            start.format("%A %-d %B %Y, %H:%M"),
            end.format("%H:%M"),
            zone.name()
        )
    } else {
        format!(
            "{} {abbreviation}–{} {end_abbreviation} ({})",
            start.format("%A %-d %B %Y, %H:%M"),
            end.format("%H:%M"),
            zone.name()
        )
    };
    (human, start.to_rfc3339())
}

impl App {
    /// `/calendar page [reset:yes]`: the public page's address, for coordinators.
    pub async fn calendar_page(&self, actor: &Actor, reset: bool) -> AppResult {
        authorize(actor, Action::Organise, "share the public page of groups")?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let existing = feeds::find(&mut *tx, &actor.community_id, None, FeedKind::Page).await?;
        let token = match existing {
            Some(feed) if !reset => feed.token,
            _ => {
                let token = issue_token(&mut tx, actor, None, FeedKind::Page, now).await?;
                let action = if reset { "page reset" } else { "page link" };
                record_audit(&mut tx, actor, action, "public page".into(), None, now).await?;
                tx.commit().await.map_err(store::StoreError::from)?;
                token
            }
        };
        let mut reply = Reply::private(Tone::Info, "The public page of groups")
            .line(Text::new().plain("Anyone with this link can see it: ").strong(format!(
                "{}/c/{token}",
                self.settings().public_url
            )))
            .line("It shows the groups listed with /group edit listed:yes, what each is, when it meets next and how to join, with your support text. It never shows who is going.");
        if reset {
            reply = reply.line("The old link no longer works.");
        }
        Ok(reply)
    }

    /// The page a token opens, as it stands now; `None` for an unknown or reset token.
    pub async fn public_page(&self, token: &str) -> Result<Option<PublicPage>, AppError> {
        if !is_token(token) {
            return Ok(None);
        }
        let now = self.now();
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let Some(feed) = feeds::by_token(&mut *conn, token)
            .await?
            .filter(|feed| feed.kind == FeedKind::Page)
        else {
            return Ok(None);
        };
        let support = super::support::support_lines(&mut conn, &feed.community_id)
            .await?
            .iter()
            .map(Text::to_plain_string)
            .collect();
        let groups = feeds::listed_groups(&mut *conn, &feed.community_id, now)
            .await?
            .into_iter()
            .map(|group| PageGroup {
                id: group.id,
                how_to_join: how_to_join(group.kind).into(),
                next: group.next.map(|(starts, ends, location)| {
                    let (human, machine) = describe_time(starts, ends, group.zone);
                    NextMeeting {
                        human,
                        machine,
                        location: location.filter(|l| !l.trim().is_empty()),
                    }
                }),
                name: group.name,
                description: group.description.filter(|d| !d.trim().is_empty()),
                kind: group.kind,
            })
            .collect();
        Ok(Some(PublicPage {
            title: "Our peer-support groups".into(),
            groups,
            support,
        }))
    }
}

fn how_to_join(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Meeting => {
            "Join the community on Discord and find this group's channel: each session's card there has a \
             Going button (maybe is fine too). You are welcome to just listen."
        }
        GroupKind::DropIn => {
            "Join the community on Discord and come to this group's channel any time it is open: no need to \
             say you are coming."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_time_reads_in_the_groups_zone_with_its_abbreviation_and_offset() {
        let start = Utc.with_ymd_and_hms(2026, 4, 2, 17, 30, 0).unwrap();
        let (human, machine) = describe_time(
            start,
            start + chrono::Duration::minutes(90),
            chrono_tz::Europe::London,
        );
        assert_eq!(human, "Thursday 2 April 2026, 18:30–20:00 BST (Europe/London)");
        assert_eq!(machine, "2026-04-02T18:30:00+01:00");
    }

    #[test]
    fn an_end_after_the_clocks_go_back_has_its_own_abbreviation() {
        // 00:30 BST for 90 minutes ends at 01:00 GMT, the second 01:00 of the night.
        let start = Utc.with_ymd_and_hms(2026, 10, 24, 23, 30, 0).unwrap();
        let (human, _) = describe_time(
            start,
            start + chrono::Duration::minutes(90),
            chrono_tz::Europe::London,
        );
        assert_eq!(
            human,
            "Sunday 25 October 2026, 00:30 BST–01:00 GMT (Europe/London)"
        );
    }
}
