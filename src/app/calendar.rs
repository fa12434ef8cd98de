//! Calendar feeds members subscribe to: `/calendar link [group:]` gives the feed's
//! address (made on first ask), `/calendar reset [group:]` replaces its token so the
//! old address stops working, and the web adapter (and `hearth calendar export`)
//! turn a token into the feed itself. The token is the only key: 256 random bits,
//! so an address can be shared but not guessed.

use crate::chat::{Reply, Text, Tone};
use crate::domain::calendar::{self, Ics};
use crate::domain::role::Action;
use crate::store::calendar::FeedKind;
use crate::store::{self, calendar as feeds, communities};

use super::{authorize, find_group, record_audit, Actor, App, AppError, AppResult};

/// Which feed a command or export is about.
struct Scope {
    group_id: Option<i64>,
    /// The group's name, or `None` for the whole community.
    group_name: Option<String>,
}

/// How a token looks: 64 lowercase hex digits.
pub fn is_token(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| AppError::internal(&std::io::Error::other(error.to_string())))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl App {
    async fn feed_scope(
        &self,
        conn: &mut store::Conn,
        actor: &Actor,
        group: Option<&str>,
    ) -> Result<Scope, AppError> {
        match group.map(str::trim).filter(|g| !g.is_empty()) {
            None => Ok(Scope {
                group_id: None,
                group_name: None,
            }),
            Some(typed) => {
                let group = find_group(conn, &actor.community_id, typed).await?;
                if group.archived {
                    return Err(AppError::invalid(format!(
                        "\"{}\" is archived, so it has no sessions to subscribe to.",
                        group.name
                    )));
                }
                Ok(Scope {
                    group_id: Some(group.id),
                    group_name: Some(group.name),
                })
            }
        }
    }

    fn feed_url(&self, token: &str) -> String {
        format!("{}/calendar/{token}.ics", self.settings().public_url)
    }

    fn feed_reply(&self, title: &str, scope: &Scope, token: &str) -> Reply {
        let what = match &scope.group_name {
            Some(name) => format!("every session of {name}"),
            None => "every group's sessions".to_string(),
        };
        Reply::private(Tone::Info, title)
            .line(Text::new().plain(format!("A calendar of {what}: ")).strong(self.feed_url(token)))
            .line(
                "Add it as a subscription (\"From URL\" in Google Calendar, \"New Calendar Subscription\" \
                 in Apple Calendar, \"Subscribe from web\" in Outlook) and moves and cancellations follow \
                 on their own.",
            )
            .line("It shows times and places, never who is going. Anyone with the link can read it, so share it with care.")
    }

    /// `/calendar link [group:]`: the feed's address, made on first ask. Anyone may ask.
    pub async fn calendar_link(&self, actor: &Actor, group: Option<&str>) -> AppResult {
        authorize(actor, Action::Browse, "get a calendar link")?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let scope = self.feed_scope(&mut tx, actor, group).await?;
        if let Some(feed) =
            feeds::find(&mut *tx, &actor.community_id, scope.group_id, FeedKind::Calendar).await?
        {
            return Ok(self.feed_reply("Your calendar link", &scope, &feed.token));
        }
        let token = issue_token(&mut tx, actor, scope.group_id, FeedKind::Calendar, now).await?;
        record_audit(&mut tx, actor, "calendar link", scope_target(&scope), None, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(self.feed_reply("Your calendar link", &scope, &token))
    }

    /// `/calendar reset [group:]`: a new address; the old one stops working at once.
    pub async fn calendar_reset(&self, actor: &Actor, group: Option<&str>) -> AppResult {
        authorize(actor, Action::Organise, "reset a calendar link")?;
        let now = self.now();
        let mut tx = store::begin_write(self.pool()).await?;
        let scope = self.feed_scope(&mut tx, actor, group).await?;
        let token = issue_token(&mut tx, actor, scope.group_id, FeedKind::Calendar, now).await?;
        record_audit(&mut tx, actor, "calendar reset", scope_target(&scope), None, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(self
            .feed_reply("Calendar link reset", &scope, &token)
            .line("The old link no longer works: anyone who used it needs this one."))
    }

    /// The feed a token opens, as it stands now; `None` for an unknown or reset token.
    pub async fn calendar_feed(&self, token: &str) -> Result<Option<Ics>, AppError> {
        if !is_token(token) {
            return Ok(None);
        }
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let Some(feed) = feeds::by_token(&mut *conn, token)
            .await?
            .filter(|feed| feed.kind == FeedKind::Calendar)
        else {
            return Ok(None);
        };
        let name = match feed.group_id {
            Some(id) => match store::groups::get(&mut *conn, id).await? {
                Some(group) if !group.archived => group.name,
                _ => return Ok(None),
            },
            None => "All groups".to_string(),
        };
        self.render_feed(&mut conn, &feed.community_id, feed.group_id, &name)
            .await
            .map(Some)
    }

    /// `hearth calendar export`: the same feed, written without the server.
    pub async fn calendar_export(&self, community_id: &str, group: Option<&str>) -> Result<Ics, AppError> {
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        if communities::get(&mut *conn, community_id).await?.is_none() {
            return Err(AppError::NotFound(format!(
                "There is no community {community_id:?} in this database. The console's is \"console\"; \
                 a Discord server's is its id."
            )));
        }
        let reader = Actor {
            community_id: community_id.to_string(),
            user_id: "export".into(),
            name: "export".into(),
            role: crate::domain::role::Role::Member,
        };
        let scope = self.feed_scope(&mut conn, &reader, group).await?;
        let name = scope.group_name.clone().unwrap_or_else(|| "All groups".into());
        self.render_feed(&mut conn, community_id, scope.group_id, &name)
            .await
    }

    async fn render_feed(
        &self,
        conn: &mut store::Conn,
        community_id: &str,
        group_id: Option<i64>,
        name: &str,
    ) -> Result<Ics, AppError> {
        let now = self.now();
        let (from, to) = calendar::span(now, self.horizon_end(now));
        let sessions = feeds::sessions(&mut *conn, community_id, group_id, from, to).await?;
        Ok(calendar::render(name, community_id, &sessions, now))
    }
}

/// Gives a feed (or the page) a new token, revoking any old one.
pub(super) async fn issue_token(
    tx: &mut store::Tx,
    actor: &Actor,
    group_id: Option<i64>,
    kind: FeedKind,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, AppError> {
    communities::ensure(&mut **tx, &actor.community_id, now).await?;
    let feed = feeds::Feed {
        community_id: actor.community_id.clone(),
        group_id,
        kind,
        token: new_token()?,
    };
    feeds::set_token(&mut **tx, &feed, &actor.user_id, now).await?;
    Ok(feed.token)
}

fn scope_target(scope: &Scope) -> String {
    match &scope.group_name {
        Some(name) => format!("calendar of {name}"),
        None => "calendar of every group".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_digits_and_differ() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert!(is_token(&a), "{a}");
        assert_ne!(a, b);
        assert!(!is_token("../../etc/passwd"));
        assert!(!is_token(&a.to_uppercase()));
    }
}
