//! Look-ups adapters need around commands: autocomplete choices and the
//! community's coordinator role. Read-only; no permission needed beyond membership.

use chrono::Duration;

use crate::domain::group::name_key;
use crate::domain::time::format_local;
use crate::store::{communities, groups as group_store, sessions};

use super::{App, AppError};

/// Discord shows at most 25 autocomplete choices.
pub const MAX_CHOICES: usize = 25;

/// A session offered while typing `session:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionChoice {
    pub id: i64,
    /// `#12 Tuesday Circle · Tue 10 Mar 2026 18:30 GMT`
    pub label: String,
}

impl App {
    /// Active group names containing what was typed, those starting with it first.
    pub async fn group_choices(&self, community_id: &str, partial: &str) -> Result<Vec<String>, AppError> {
        let typed = name_key(partial);
        let groups = group_store::list(self.pool(), community_id, false).await?;
        let mut names: Vec<(bool, String)> = groups
            .into_iter()
            .filter(|g| name_key(&g.name).contains(&typed))
            .map(|g| (!name_key(&g.name).starts_with(&typed), g.name))
            .collect();
        names.sort();
        Ok(names
            .into_iter()
            .map(|(_, name)| name)
            .take(MAX_CHOICES)
            .collect())
    }

    /// Upcoming sessions whose number or group name matches what was typed.
    pub async fn session_choices(
        &self,
        community_id: &str,
        partial: &str,
    ) -> Result<Vec<SessionChoice>, AppError> {
        let now = self.now();
        let typed = name_key(partial.trim_start_matches('#'));
        let found = sessions::upcoming(
            self.pool(),
            community_id,
            None,
            now,
            now + Duration::weeks(i64::from(self.settings().horizon_weeks)),
        )
        .await?;
        Ok(found
            .into_iter()
            .filter(|s| {
                typed.is_empty()
                    || s.id.to_string().starts_with(&typed)
                    || name_key(&s.group_name).contains(&typed)
            })
            .take(MAX_CHOICES)
            .map(|s| SessionChoice {
                id: s.id,
                label: format!(
                    "#{} {} · {}",
                    s.id,
                    s.group_name,
                    format_local(s.starts_at, s.zone)
                ),
            })
            .collect())
    }

    /// The role id that makes someone a coordinator in this community, if one is set.
    pub async fn coordinator_role(&self, community_id: &str) -> Result<Option<String>, AppError> {
        let community = communities::get(self.pool(), community_id).await?;
        Ok(community.and_then(|c| c.coordinator_role))
    }
}
