//! Notes for coordinators in the community's alerts channel, each raised once (its
//! job's key says what it is about) and written so the channel names no member.

use serde::{Deserialize, Serialize};

/// What an alert is about; kept as its job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "alert", rename_all = "kebab-case")]
pub enum Alert {
    /// hearth can't post in a channel any more (deleted, or hidden from it).
    ChannelGone { channel: String, what: String },
    /// A member's direct messages are closed to hearth.
    DmsClosed { what: String },
    /// The daily retention run failed; nothing was removed.
    RetentionFailed { reference: String },
    /// Discord refused the community's session events (`problem` is an
    /// [`super::event::EventProblem`]: a missing permission, its limit of 100).
    EventsRefused { problem: String },
}

impl Alert {
    pub fn to_payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_payload(payload: &str) -> Option<Alert> {
        serde_json::from_str(payload).ok()
    }

    /// The job key that makes it once: once per channel, once per member, once per
    /// failed run, once per spell of refused events.
    pub fn key(&self, community_id: &str, about: &str) -> String {
        match self {
            Alert::ChannelGone { channel, .. } => format!("alert:channel-gone:{community_id}:{channel}"),
            Alert::DmsClosed { .. } => format!("alert:dms-closed:{community_id}:{about}"),
            Alert::RetentionFailed { .. } => format!("alert:retention-failed:{community_id}:{about}"),
            Alert::EventsRefused { problem } => format!("alert:events-{problem}:{community_id}:{about}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_round_trips_through_its_payload() {
        let alert = Alert::ChannelGone {
            channel: "123".into(),
            what: "a reminder for Tuesday Circle".into(),
        };
        assert_eq!(Alert::from_payload(&alert.to_payload()), Some(alert));
    }
}
