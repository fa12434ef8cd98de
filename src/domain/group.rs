//! What a group may be: its name, kind, attendee privacy, capacity and staffing.

use std::fmt;
use std::str::FromStr;

use super::text::{self, Field};

/// Why a group setting was refused; `Display` is the sentence the coordinator sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GroupRuleError(pub String);

/// A group's name: trimmed, runs of spaces folded, 1 to 64 characters (see [`text`]).
///
/// Uniqueness within a community is case-insensitive: [`GroupName::key`] is what the
/// store keeps unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupName(String);

impl GroupName {
    pub const MAX_CHARS: usize = Field::GroupName.max();

    pub fn parse(input: &str) -> Result<GroupName, GroupRuleError> {
        match text::clean(Field::GroupName, input) {
            Ok(Some(name)) => Ok(GroupName(name.into_string())),
            Ok(None) => Err(GroupRuleError(
                "A group needs a name, for example name:\"Tuesday Circle\".".into(),
            )),
            Err(error) => Err(GroupRuleError(error.0)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form used to keep names unique within a community.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

/// The case-folded key of any typed group name, for look-ups.
pub fn name_key(input: &str) -> String {
    input
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Scheduled meetings, or a drop-in with opening hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Meeting,
    DropIn,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Meeting => "meeting",
            GroupKind::DropIn => "drop-in",
        }
    }
}

impl FromStr for GroupKind {
    type Err = GroupRuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "meeting" => Ok(GroupKind::Meeting),
            "drop-in" | "dropin" | "drop in" => Ok(GroupKind::DropIn),
            other => Err(GroupRuleError(format!(
                "\"{other}\" isn't a kind of group I know. Choose meeting or drop-in."
            ))),
        }
    }
}

/// Who may see who is coming. `Headcount` is the default: numbers, never names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    /// Members see nothing about who or how many.
    Private,
    /// Members see how many, never who.
    Headcount,
    /// Members see names.
    Public,
}

impl Privacy {
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Private => "private",
            Privacy::Headcount => "headcount",
            Privacy::Public => "public",
        }
    }
}

impl FromStr for Privacy {
    type Err = GroupRuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "private" => Ok(Privacy::Private),
            "headcount" => Ok(Privacy::Headcount),
            "public" => Ok(Privacy::Public),
            other => Err(GroupRuleError(format!(
                "\"{other}\" isn't a privacy setting I know. Choose private (nobody sees who \
                 or how many), headcount (numbers only) or public (names)."
            ))),
        }
    }
}

/// A change to a group's places (`/group edit capacity:`): a number, or `none` to
/// take the limit away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityChange {
    Places(u32),
    NoLimit,
}

impl CapacityChange {
    /// The capacity the group has after the change.
    pub fn capacity(self) -> Option<u32> {
        match self {
            CapacityChange::Places(places) => Some(places),
            CapacityChange::NoLimit => None,
        }
    }
}

impl std::str::FromStr for CapacityChange {
    type Err = GroupRuleError;

    fn from_str(typed: &str) -> Result<Self, Self::Err> {
        let typed = typed.trim();
        if matches!(
            typed.to_ascii_lowercase().as_str(),
            "none" | "no limit" | "unlimited"
        ) {
            return Ok(CapacityChange::NoLimit);
        }
        let number: i64 = typed.parse().map_err(|_| {
            GroupRuleError(format!(
                "capacity: is a number of places, like capacity:12, or capacity:none for no limit; \"{typed}\" is neither."
            ))
        })?;
        if number < 1 {
            return Err(GroupRuleError(
                "Capacity is the number of places, so it must be at least 1. Use capacity:none for no limit."
                    .into(),
            ));
        }
        parse_capacity(number).map(CapacityChange::Places)
    }
}

/// How many people a session holds, when it is limited.
pub fn parse_capacity(value: i64) -> Result<u32, GroupRuleError> {
    if value < 1 {
        return Err(GroupRuleError(
            "Capacity is the number of places, so it must be at least 1. Leave it out for no limit.".into(),
        ));
    }
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= 10_000)
        .ok_or_else(|| GroupRuleError("Capacity can be at most 10000 places.".into()))
}

/// How many facilitators each session needs (0 for a peer-led group without a rota).
pub fn parse_facilitators_needed(value: i64) -> Result<u32, GroupRuleError> {
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= 20)
        .ok_or_else(|| GroupRuleError("facilitators_needed must be a whole number from 0 to 20.".into()))
}

/// A Discord-style channel reference as typed: `#circle`, `<#123>` or a bare id.
pub fn parse_channel(input: &str) -> Result<String, GroupRuleError> {
    let channel = input.trim();
    if channel.is_empty() || channel.contains(char::is_whitespace) {
        return Err(GroupRuleError(
            "Which channel should this group's posts go to? Give one like channel:#circle.".into(),
        ));
    }
    Ok(channel.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_name_is_trimmed_and_its_inner_spaces_folded() {
        let name = GroupName::parse("  Tuesday   Circle ").unwrap();
        assert_eq!(name.as_str(), "Tuesday Circle");
        assert_eq!(name.key(), "tuesday circle");
    }

    #[test]
    fn names_differing_only_in_case_share_a_key() {
        assert_eq!(
            GroupName::parse("Tuesday Circle").unwrap().key(),
            GroupName::parse("TUESDAY circle").unwrap().key()
        );
    }

    #[test]
    fn an_empty_or_overlong_name_is_refused_with_a_way_forward() {
        assert!(GroupName::parse("   ")
            .unwrap_err()
            .0
            .contains("name:\"Tuesday Circle\""));
        assert!(GroupName::parse(&"x".repeat(65)).unwrap_err().0.contains("64"));
        assert!(GroupName::parse(&"é".repeat(64)).is_ok());
    }

    #[test]
    fn privacy_and_kind_parse_and_explain_their_choices() {
        assert_eq!("Headcount".parse::<Privacy>(), Ok(Privacy::Headcount));
        assert!("secret".parse::<Privacy>().unwrap_err().0.contains("headcount"));
        assert_eq!("drop-in".parse::<GroupKind>(), Ok(GroupKind::DropIn));
    }

    #[test]
    fn a_capacity_can_be_taken_away_with_none() {
        assert_eq!("none".parse::<CapacityChange>(), Ok(CapacityChange::NoLimit));
        assert_eq!(
            " No limit ".parse::<CapacityChange>(),
            Ok(CapacityChange::NoLimit)
        );
        assert_eq!("12".parse::<CapacityChange>(), Ok(CapacityChange::Places(12)));
        let zero = "0".parse::<CapacityChange>().unwrap_err().0;
        assert!(zero.contains("capacity:none"), "{zero}");
        let word = "lots".parse::<CapacityChange>().unwrap_err().0;
        assert!(word.contains("capacity:none"), "{word}");
    }

    #[test]
    fn capacity_must_be_positive() {
        assert!(parse_capacity(0).is_err());
        assert!(parse_capacity(-3).is_err());
        assert_eq!(parse_capacity(12), Ok(12));
    }
}
