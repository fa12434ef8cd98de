//! `/support`: where to find help. A community's own signposting text (set with
//! `/setup support_text:`), or a default; either way it says plainly that hearth is
//! not a crisis service. Everyone may ask, and only they see the answer.

use crate::chat::{Reply, Text, Tone};
use crate::store::{self, communities};

use super::{Actor, App, AppError, AppResult};

/// Said under a community's own text, so nobody mistakes the bot for a helpline.
const NOT_A_CRISIS_SERVICE: &str = "hearth is a meeting helper, not a crisis service. If you need urgent \
     help, please call your local emergency number.";

/// The default, for a community that hasn't written its own.
const DEFAULT_LINES: &[&str] = &[
    "hearth is a meeting helper, not a crisis service, and nobody is watching here around the clock.",
    "If you need urgent help, or you're worried you might not be safe, please reach out now:",
    "Emergency services: 999 or 112 in the UK, 911 in the US and Canada, 112 in the EU.",
    "Samaritans: 116 123 in the UK and Ireland, free, day or night.",
    "988 in the US: call or text.",
    "If you're outside these places, call your local emergency number.",
];

impl App {
    /// `/support`: the community's signposting text, or the default.
    pub async fn support(&self, actor: &Actor) -> AppResult {
        let mut conn = self.pool().acquire().await.map_err(store::StoreError::from)?;
        let lines = support_lines(&mut conn, &actor.community_id).await?;
        Ok(Reply::private(Tone::Info, "Support").lines(lines))
    }
}

/// The community's signposting text as lines (with the reminder that hearth is not a
/// crisis service), or the default: `/support`'s answer, and what a check-out of "not
/// so good" is answered with.
pub(super) async fn support_lines(conn: &mut store::Conn, community_id: &str) -> Result<Vec<Text>, AppError> {
    let own = communities::get(&mut *conn, community_id)
        .await?
        .and_then(|c| c.support_text)
        .filter(|t| !t.trim().is_empty());
    Ok(match own {
        Some(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Text::new().plain(l))
            .chain(std::iter::once(Text::new().plain(NOT_A_CRISIS_SERVICE)))
            .collect(),
        None => DEFAULT_LINES.iter().map(|l| Text::new().plain(*l)).collect(),
    })
}
