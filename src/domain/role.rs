//! Who may do what: the permission table of the design, as data.

use std::fmt;
use std::str::FromStr;

/// A person's standing in a community, as the adapter resolved it.
///
/// Discord: coordinator = Manage Server or the configured coordinator role. The
/// console says it with `/as user:NAME role:...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    Facilitator,
    Coordinator,
}

/// The kinds of action the permission table distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Look at groups, schedules and one's own data; answer RSVPs.
    Browse,
    /// See attendees' names, mark attendance (facilitators and coordinators).
    Facilitate,
    /// Set up the community, create and edit groups and series, cancel or move sessions.
    Organise,
}

impl Role {
    pub fn may(self, action: Action) -> bool {
        match action {
            Action::Browse => true,
            Action::Facilitate => self >= Role::Facilitator,
            Action::Organise => self == Role::Coordinator,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Facilitator => "facilitator",
            Role::Coordinator => "coordinator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "member" => Ok(Role::Member),
            "facilitator" => Ok(Role::Facilitator),
            "coordinator" => Ok(Role::Coordinator),
            other => Err(format!(
                "\"{other}\" isn't a role I know. Choose member, facilitator or coordinator."
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_may_browse_but_only_coordinators_organise() {
        for role in [Role::Member, Role::Facilitator, Role::Coordinator] {
            assert!(role.may(Action::Browse));
        }
        assert!(!Role::Member.may(Action::Organise));
        assert!(!Role::Facilitator.may(Action::Organise));
        assert!(Role::Coordinator.may(Action::Organise));
        assert!(!Role::Member.may(Action::Facilitate));
        assert!(Role::Facilitator.may(Action::Facilitate));
    }

    #[test]
    fn roles_parse_case_insensitively() {
        assert_eq!("Coordinator".parse::<Role>(), Ok(Role::Coordinator));
        assert!("admin"
            .parse::<Role>()
            .unwrap_err()
            .contains("member, facilitator or coordinator"));
    }
}
