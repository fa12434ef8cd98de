//! Time for hearth, one small file per concept:
//!
//! - [`dst`]: the one daylight-saving policy, [`resolve_local`] (start here);
//! - [`zones`]: reading and suggesting IANA zone names;
//! - [`input`]: the dates, times and durations people type, and showing times back;
//! - [`recurrence`]: meeting series as RFC 5545 rules, expanded in local wall time;
//! - [`cron`]: check-in prompt schedules as 5-field crontab lines, in local wall time;
//! - [`transitions`]: a zone's UTC-offset changes over a span, for calendar feeds' VTIMEZONE.
//!
//! Every instant hearth stores is UTC; every schedule is written in the local wall time
//! of its group's IANA zone and resolved by the one policy. Nothing here reads the
//! clock: `now`, where needed, is always a parameter.

pub mod cron;
pub mod dst;
pub mod input;
pub mod recurrence;
pub mod transitions;
pub mod zones;

pub use chrono_tz::Tz;

pub use dst::{gap_note, resolve_local};
pub use input::{
    format_local, parse_date, parse_duration, parse_when, DurationError, WhenError, LAST_YEAR_EXCLUSIVE,
};
pub use zones::{parse_zone, suggest_zones, ZoneError};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    proptest::proptest! {
        // Each case scans every zone three times; 64 keeps the debug suite quick.
        #![proptest_config(proptest::test_runner::Config::with_cases(64))]

        #[test]
        fn no_typed_input_makes_the_parsers_panic(text in "\\PC{0,40}", digits in "[0-9hmdw :T-]{0,20}") {
            for input in [&text, &digits] {
                let _ = parse_zone(input);
                let _ = suggest_zones(input, 25);
                let _ = parse_when(input);
                let _ = parse_date(input);
                if let Ok(length) = parse_duration(input) {
                    proptest::prop_assert!(length > Duration::zero() && length <= Duration::days(366));
                }
            }
        }
    }
}
