//! Where alerts for coordinators go, in one place: the community's alerts channel
//! (`/setup alerts_channel:`). Gap alerts, swap approvals, notes about a group's
//! prompts and a drop-in opening late all ask here, so sending them somewhere else is
//! a change to this file alone.

use crate::chat::Reply;
use crate::store::{communities, Conn, StoreError};

use super::render::Rendered;

/// Why a coordinator alert was not sent: there is nowhere to send it.
pub const NO_ALERTS_CHANNEL: &str = "The community has no alerts channel (/setup alerts_channel:).";

/// The channel coordinators' alerts go to, if the community set one.
pub async fn channel(conn: &mut Conn, community_id: &str) -> Result<Option<String>, StoreError> {
    Ok(communities::get(&mut *conn, community_id)
        .await?
        .and_then(|c| c.alerts_channel))
}

/// `reply` posted for the community's coordinators, or set aside (and shown in
/// `/status`) when there is nowhere to post it.
pub async fn post(conn: &mut Conn, community_id: &str, reply: Reply) -> Result<Rendered, StoreError> {
    Ok(match channel(conn, community_id).await? {
        Some(channel) => Rendered::Post { channel, reply },
        None => Rendered::Skip(NO_ALERTS_CHANNEL.into()),
    })
}
